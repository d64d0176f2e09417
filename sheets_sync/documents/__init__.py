"""Word output: each unit's list and the consolidated list, laid out as the letter's form."""

from .folder import EDITED_DIR, OLD_DIR, STAGING_DIR, discard
from .maker import DocumentMaker
from .writer import (
    SUMMARY_FILE,
    DocumentsOutcome,
    assign_file_names,
    stage_documents,
    write_documents,
    write_if_changed,
)

__all__ = [
    "EDITED_DIR",
    "OLD_DIR",
    "STAGING_DIR",
    "SUMMARY_FILE",
    "DocumentMaker",
    "DocumentsOutcome",
    "assign_file_names",
    "discard",
    "stage_documents",
    "write_documents",
    "write_if_changed",
]
