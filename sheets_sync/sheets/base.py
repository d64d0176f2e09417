"""The one small interface every backend (Google, .xlsx, .csv) implements."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from ..model import CellWrite, SheetData


def title_key(title: str) -> str:
    """Fold a worksheet title: `--worksheet` matches ignoring case, spacing and Unicode form."""
    return " ".join(unicodedata.normalize("NFC", title).casefold().split())


class Backend(Protocol):
    """Read a spreadsheet once, write a set of status cells once."""

    def read(self, worksheet: str | None, roster_worksheet: str) -> SheetData:
        """Read the responses (`worksheet`, else the first) and the roster when present.

        Cells come back as the backend holds them: text, numbers, booleans, dates.
        """
        ...

    def write(self, writes: Sequence[CellWrite], read: SheetData) -> None:
        """Write the cells in one go, all or nothing.

        `read` is what `read` returned: a backend whose rows can move under it (Google)
        checks that every row it writes to still holds that response, and raises
        `SheetChangedError` when one does not. Columns past the grid are added first.
        """
        ...


@runtime_checkable
class Overwriting(Protocol):
    """A backend whose rows can move under a write (Google) and that can write unchecked."""

    def overwrite(self, writes: Sequence[CellWrite], read: SheetData) -> None:
        """Write status cells planned from `read` without checking that the rows still hold it.

        The last word of a run whose sheet never stopped changing: the statuses go where
        `read`, the run's last read, says they belong. Only status cells are written.
        """
        ...
