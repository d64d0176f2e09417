"""The one small interface every backend (Google, .xlsx, .csv) implements."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from typing import Protocol, runtime_checkable

from ..model import CellWrite, SheetData


def title_key(title: str) -> str:
    """Fold a worksheet title: `--worksheet` matches ignoring case, spacing and Unicode form."""
    return " ".join(unicodedata.normalize("NFC", title).casefold().split())


class Backend(Protocol):
    """Read a spreadsheet once, write a set of status cells once."""

    def read(
        self,
        worksheet: str | None,
        roster_worksheet: str,
        headers: Mapping[str, list[str]] | None = None,
    ) -> SheetData:
        """Read the responses and the roster worksheet (`roster_worksheet`) when present.

        The responses are `worksheet`, else the worksheet whose header row reads as the form
        under the question titles `headers` (the settings' aliases; the defaults when None),
        wherever it sits, never the roster: see `form.pick_responses`. A backend that took
        one of several candidates says so in its `warnings` list.
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


@runtime_checkable
class Preparing(Protocol):
    """A backend that can build its write ahead (a local workbook) while other work goes on."""

    def prepare(self, writes: Sequence[CellWrite], read: SheetData) -> None:
        """Make what `write(writes, read)` will put in place, without changing the source."""
        ...

    def drop_prepared(self) -> None:
        """Forget a prepared write that was not made; the source stays as it is."""
        ...
