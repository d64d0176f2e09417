"""Spreadsheets, sheets and A1 ranges of the Sheets API emulator, with the API's error texts."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from gspread.utils import rowcol_to_a1

from .sheets_emulator_cells import Stored


class ApiError(Exception):
    """An error the emulator answers with: HTTP status, message, canonical status name."""

    def __init__(
        self, code: int, message: str, status: str, details: list[Any] | None = None
    ) -> None:
        super().__init__(message)
        self.code, self.message, self.status, self.details = code, message, status, details

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message, "status": self.status}
        if self.details:
            error["details"] = self.details
        return {"error": error}


def invalid(message: str) -> ApiError:
    return ApiError(400, message, "INVALID_ARGUMENT")


@dataclass
class Sheet:
    """One worksheet: grid size and ragged rows of stored cells (missing cells are empty)."""

    sheet_id: int
    title: str
    row_count: int = 1000
    col_count: int = 26
    rows: list[list[Stored]] = field(default_factory=list)

    def get(self, row: int, col: int) -> Stored:
        """Return the cell at 0-based row and column."""
        if row < len(self.rows) and col < len(self.rows[row]):
            return self.rows[row][col]
        return None

    def set(self, row: int, col: int, value: Stored) -> None:
        """Store a cell at 0-based row and column."""
        if value is None and self.get(row, col) is None:
            return
        while len(self.rows) <= row:
            self.rows.append([])
        line = self.rows[row]
        line.extend([None] * (col + 1 - len(line)))
        line[col] = value

    def copy(self) -> Sheet:
        """A copy to roll back to: stored cells never change, so copying the rows suffices.

        (A deep copy of a national sheet costs the emulator seconds on every batchUpdate.)
        """
        rows = [line[:] for line in self.rows]
        return Sheet(self.sheet_id, self.title, self.row_count, self.col_count, rows)

    def truncate(self) -> None:
        """Drop cells outside the grid, as shrinking a sheet does."""
        del self.rows[self.row_count :]
        for line in self.rows:
            del line[self.col_count :]

    def properties(self, index: int) -> dict[str, Any]:
        return {
            "sheetId": self.sheet_id,
            "title": self.title,
            "index": index,
            "sheetType": "GRID",
            "gridProperties": {"rowCount": self.row_count, "columnCount": self.col_count},
        }


@dataclass
class Spreadsheet:
    key: str
    title: str
    locale: str
    time_zone: str
    sheets: list[Sheet]
    shared: dict[str, str] = field(default_factory=dict)  # client_email -> "writer" | "reader"
    next_sheet_id: int = 1_000_001

    def sheet(self, title: str) -> Sheet | None:
        return next((s for s in self.sheets if s.title == title), None)

    def sheet_by_id(self, sheet_id: Any) -> Sheet:
        found = next((s for s in self.sheets if s.sheet_id == sheet_id), None)
        if found is None:
            raise invalid(f"No grid with id: {sheet_id}")
        return found


@dataclass(frozen=True)
class GridRange:
    """A resolved range: 0-based, end-exclusive; `text` is the A1 part as requested."""

    sheet: Sheet
    row0: int
    col0: int
    row1: int
    col1: int
    text: str
    bounded: bool  # the request named both corners (a write may not go past them)

    def echo(self) -> str:
        """Return the range as the API echoes it: `Sheet1!A1:D4`, `'My sheet'!A1`."""
        start = rowcol_to_a1(self.row0 + 1, self.col0 + 1)
        end = rowcol_to_a1(self.row1, self.col1)
        cells = (
            start if (self.row1 - self.row0, self.col1 - self.col0) == (1, 1) else f"{start}:{end}"
        )
        return f"{echo_title(self.sheet.title)}!{cells}"

    def check_grid(self) -> None:
        """Raise the API's error when the range reaches past the grid."""
        sheet = self.sheet
        if self.row1 > sheet.row_count or self.col1 > sheet.col_count:
            raise invalid(
                f"Range ({quote_title(sheet.title)}!{self.text}) exceeds grid limits. "
                f"Max rows: {sheet.row_count}, max columns: {sheet.col_count}"
            )


_SIMPLE_TITLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CELL_LIKE = re.compile(r"^([A-Za-z]{1,3}\d+|[Rr]\d+[Cc]\d+)$")
_ENDPOINT = re.compile(r"^([A-Za-z]{0,3})(\d*)$")


def quote_title(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def echo_title(title: str) -> str:
    """Quote a title the way the API does in echoed ranges: only when needed."""
    if _SIMPLE_TITLE.match(title) and not _CELL_LIKE.match(title):
        return title
    return quote_title(title)


def parse_range(book: Spreadsheet, text: str) -> GridRange:
    """Resolve an A1 range (`'T'!A1:B2`, `T!A:Z`, `'T'`, `A1:1`) against the spreadsheet."""
    title, cells = _split_title(book, text)
    sheet = book.sheets[0] if title is None else book.sheet(title)
    if sheet is None:
        raise invalid(f"Unable to parse range: {text}")
    if not cells:
        return GridRange(sheet, 0, 0, sheet.row_count, sheet.col_count, "", bounded=False)
    parts = cells.split(":")
    matches = [_ENDPOINT.match(part) for part in parts]
    if len(parts) > 2 or any(m is None or not (m[1] or m[2]) or m[2] == "0" for m in matches):
        raise invalid(f"Unable to parse range: {text}")
    points = [(_col(m[1]), _row(m[2])) for m in matches if m]
    (col_a, row_a), (col_b, row_b) = points[0], points[-1]
    if len(parts) == 1 and (row_a is None or col_a is None):
        raise invalid(f"Unable to parse range: {text}")
    row0, col0 = row_a or 0, col_a or 0
    row1 = row_b + 1 if row_b is not None else sheet.row_count
    col1 = col_b + 1 if col_b is not None else sheet.col_count
    if row1 <= row0 or col1 <= col0:
        raise invalid(f"Unable to parse range: {text}")
    bounded = len(parts) == 2 and all(m and m[1] and m[2] for m in matches)
    return GridRange(sheet, row0, col0, row1, col1, cells, bounded=bool(bounded))


def _split_title(book: Spreadsheet, text: str) -> tuple[str | None, str]:
    if text.startswith("'"):
        match = re.match(r"^'((?:[^']|'')*)'(?:!(.*))?$", text, re.DOTALL)
        if match is None:
            raise invalid(f"Unable to parse range: {text}")
        return match[1].replace("''", "'"), match[2] or ""
    if "!" in text:
        title, _, cells = text.rpartition("!")
        return title, cells
    if book.sheet(text) is not None:
        return text, ""
    return None, text


def _col(letters: str) -> int | None:
    if not letters:
        return None
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - ord("A") + 1
    return number - 1


def _row(digits: str) -> int | None:
    return int(digits) - 1 if digits else None
