"""Plain data passed between the steps of the pipeline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal, NamedTuple

# A cell as a backend hands it over: text, a number, a boolean, a date, or nothing.
Cell = str | int | float | bool | datetime | date | None


def cell_at(row: Sequence[Cell], col: int | None) -> Cell:
    """The cell at 0-based `col`, or None past a trimmed row's end (or for no column)."""
    return row[col] if col is not None and col < len(row) else None


Severity = Literal["error", "warning"]
RowStatus = Literal["ok", "warning", "error", "superseded"]


@dataclass(frozen=True)
class Table:
    """One worksheet as read: its title and its rows, header first (row 1 is rows[0])."""

    title: str
    rows: list[list[Cell]]

    @property
    def header(self) -> list[Cell]:
        return self.rows[0] if self.rows else []


@dataclass(frozen=True)
class SheetData:
    """What a backend reads in one go: the responses and, when present, the roster."""

    source: str
    responses: Table
    roster: Table | None = None
    # The last column the backend can write (Excel's XFD for a workbook), None for no limit.
    max_col: int | None = None
    # What the reader should know about the read, said once (Vietnamese, one line each).
    notes: tuple[str, ...] = ()


class CellWrite(NamedTuple):
    """One cell to write: worksheet title, 1-based row and column, plain-text value.

    A named tuple: a national first run plans over half a million, and a tuple is made in
    half the time of a frozen dataclass.
    """

    sheet: str
    row: int
    col: int
    value: str


@dataclass(slots=True)
class Staff:
    name: str
    position: str
    unit: str
    phone: str


@dataclass(slots=True)
class Issue:
    code: str
    severity: Severity
    field: str
    message: str


@dataclass(slots=True)
class Response:
    """One form row after normalization, before the decisions that need other rows."""

    row: int
    submitted_at: datetime | None
    email: str
    unit: str
    roster_unit: str | None
    fanpage_name: str
    expected_fanpage_name: str
    fanpage_url: str
    note: str
    staff: list[Staff]
    issues: list[Issue] = field(default_factory=list)
    # Folded unit key: rows with the same key are submissions of the same unit.
    unit_key: str = ""


@dataclass(slots=True)
class RowResult:
    """A response with its decided status, as `check --format json` prints it."""

    response: Response
    status: RowStatus
    file_name: str | None = None

    @property
    def row(self) -> int:
        return self.response.row

    @property
    def issues(self) -> list[Issue]:
        return self.response.issues


@dataclass(slots=True)
class RosterEntry:
    """One unit the federation expects an answer from, with what it sent."""

    row: int
    unit: str
    state: Literal["ok", "error", "missing"]
    response_row: int | None
