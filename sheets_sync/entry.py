"""The `sheets-sync` program: Ctrl-C stops it with one line, even while it is still loading.

Loading the command (Click, the Google and Word libraries) takes a moment; this module
imports nothing heavy, so a Ctrl-C in that moment is caught here instead of showing a
Python traceback.
"""

from __future__ import annotations

import sys

from .console import prepare_streams

STOPPED = "Đã dừng theo yêu cầu."


def main() -> None:
    """Run the command line; Ctrl-C at any moment ends it with exit code 130."""
    try:
        prepare_streams()
        from .cli import main as command

        command()
    except KeyboardInterrupt:
        print(STOPPED, file=sys.stderr, flush=True)
        sys.exit(130)
