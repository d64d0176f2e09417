"""Word output: each unit's list and the consolidated list, laid out as the letter's form."""

from .maker import DocumentMaker
from .writer import SUMMARY_FILE, DocumentsOutcome, assign_file_names, write_documents

__all__ = [
    "SUMMARY_FILE",
    "DocumentMaker",
    "DocumentsOutcome",
    "assign_file_names",
    "write_documents",
]
