"""File operations that behave the same on Windows as on Linux."""

from __future__ import annotations

import os
import time
from pathlib import Path

# On Windows a rename onto a file fails while any program holds it open without sharing
# delete access: antivirus scanners, the search indexer and OneDrive do so for a moment
# after each write. Those holds pass; a file open in Excel or Word does not, and is refused.
WINDOWS = os.name == "nt"
REPLACE_WAITS_S = (0.05, 0.1, 0.2, 0.4, 0.8)


def replace(source: str | Path, target: str | Path) -> None:
    """`os.replace`, retried for about 1.5 s on Windows while another program holds `target`."""
    waits = list(REPLACE_WAITS_S) if WINDOWS else []
    while True:
        try:
            os.replace(source, target)
            return
        except PermissionError:
            if not waits:
                raise
            time.sleep(waits.pop(0))


def pool_size(cpus: int | None) -> int:
    """Worker processes for a pool: one per core, at most 61 (the Windows limit)."""
    return max(1, min(cpus or 1, 61))
