"""The `sheets-sync` program: Ctrl-C stops it with one line, even while it is still loading.

Loading the command (Click, the Google and Word libraries) takes a moment; this module
imports nothing heavy, so a Ctrl-C in that moment is caught here instead of showing a
Python traceback.
"""

from __future__ import annotations

import gc
import sys

from .console import prepare_streams

STOPPED = "Đã dừng theo yêu cầu."
# A run builds millions of small objects (cells, responses, statuses) and almost no reference
# cycles. At Python's default thresholds (700, 10, 10) the collector walks them again and
# again: about a quarter of the read and decide time of a national sheet. Collect after many
# more allocations instead; `watch` collects after each cycle, so a long watch stays small.
GC_THRESHOLDS = (100_000, 50, 100)


def collect_rarely() -> None:
    """Set the garbage collector for a batch run (see GC_THRESHOLDS)."""
    gc.set_threshold(*GC_THRESHOLDS)


def main() -> None:
    """Run the command line; Ctrl-C at any moment ends it with exit code 130."""
    collect_rarely()
    try:
        prepare_streams()
        from .cli import main as command

        command()
    except KeyboardInterrupt:
        print(STOPPED, file=sys.stderr, flush=True)
        sys.exit(130)
