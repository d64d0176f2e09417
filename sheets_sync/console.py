"""Console streams that print Vietnamese whatever the code page; imports nothing heavy."""

from __future__ import annotations

import codecs
import sys
import unicodedata

FOLD_ERRORS = "sheets-sync-fold"


def _fold(error: UnicodeError) -> tuple[str, int]:
    """Write a character the console cannot show without its accents (ệ → e), else `?`."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    text = error.object[error.start : error.end]
    plain = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    out = "".join(c if ord(c) < 128 else "?" for c in plain if not unicodedata.combining(c))
    return out, error.end


codecs.register_error(FOLD_ERRORS, _fold)


def prepare_streams() -> None:
    """Make stdout and stderr able to print Vietnamese whatever the console's code page.

    A redirected stream (a file, a pipe) becomes UTF-8, so the file keeps every accent
    (Windows opens it as UTF-8 in Notepad and Excel's text import). A terminal keeps its own
    encoding, since it could not show UTF-8 bytes; a character it lacks loses its accents
    instead of stopping the program. (On Windows, Python writes to a console in UTF-16
    already: this is for redirections and legacy code pages.)
    """
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("_", "-")
        if encoding in ("utf-8", "utf8") or not hasattr(stream, "reconfigure"):
            continue
        try:
            if stream.isatty():
                stream.reconfigure(errors=FOLD_ERRORS)
            else:
                stream.reconfigure(encoding="utf-8", errors="replace")
        except (OSError, ValueError):
            continue
