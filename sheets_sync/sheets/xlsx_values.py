"""Stream a read-only worksheet's rows of values: openpyxl's values, without its per-cell cost.

openpyxl's read-only rows build a rich-text object for every inline string and scan each cell
reference character by character. This parser is openpyxl's own worksheet parser with a
faster cell step: the common cells (a reference such as `AB12`, an inline string that is one
plain `<t>`) are read directly, every other cell as openpyxl reads it, so each value, type and
position is the one openpyxl gives (tests/test_xlsx_values.py compares them cell by cell).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from openpyxl.cell.text import Text
from openpyxl.packaging.relationship import get_dependents, get_rels_path
from openpyxl.reader.excel import ExcelReader
from openpyxl.utils.cell import column_index_from_string, coordinate_to_tuple
from openpyxl.utils.datetime import from_excel, from_ISO8601
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import (
    INLINE_STRING,
    VALUE_TAG,
    WorkSheetParser,
    _cast_number,
)
from openpyxl.xml.constants import SHEET_MAIN_NS

from ..model import Cell

_TEXT_TAG = f"{{{SHEET_MAIN_NS}}}t"
_DIGITS = "0123456789"


class _ValueParser(WorkSheetParser):  # type: ignore[misc]
    """openpyxl's worksheet parser, reading cached values (`data_only`) faster.

    Inline strings read twice are given as one object, as shared strings are: a unit name
    repeated in a row's staff columns is held once.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.texts: dict[str, str] = {}

    def parse_cell(self, element: Any) -> dict[str, Any]:
        if not self.data_only:
            return super().parse_cell(element)  # type: ignore[no-any-return]
        get = element.get
        data_type = get("t", "n")
        style_id = get("s", 0)
        if style_id:
            style_id = int(style_id)
        value: Any = None
        if data_type != "inlineStr":
            value = element.findtext(VALUE_TAG, None) or None
        row, column = self._position(get("r"))
        if value is not None:
            data_type, value = self._typed(data_type, value, style_id, get("r"))
        elif data_type == "inlineStr":
            child = element.find(INLINE_STRING)
            if child is not None:
                text = _inline_text(child)
                data_type, value = "s", self.texts.setdefault(text, text)
        return {
            "row": row,
            "column": column,
            "value": value,
            "data_type": data_type,
            "style_id": style_id,
        }

    def _position(self, coordinate: str | None) -> tuple[int, int]:
        if coordinate:
            letters = coordinate.rstrip(_DIGITS)
            if letters.isalpha() and len(letters) < len(coordinate):
                row, column = int(coordinate[len(letters) :]), column_index_from_string(letters)
            else:
                row, column = coordinate_to_tuple(coordinate)
            self.col_counter = column
            return row, column
        self.col_counter += 1
        return self.row_counter, self.col_counter

    def _typed(self, data_type: str, value: str, style_id: int, ref: str | None) -> Any:
        """Type a cell's `<v>` text exactly as openpyxl's parse_cell does."""
        if data_type == "n":
            number = _cast_number(value)
            if style_id not in self.date_formats:
                return data_type, number
            try:
                timedelta = style_id in self.timedelta_formats
                return "d", from_excel(number, self.epoch, timedelta=timedelta)
            except (OverflowError, ValueError):
                return "e", "#VALUE!"  # openpyxl's reading of a date out of range
        if data_type == "s":
            return data_type, self.shared_strings[int(value)]
        if data_type == "b":
            return data_type, bool(int(value))
        if data_type == "str":
            return "s", value
        if data_type == "d":
            return data_type, from_ISO8601(value)
        return data_type, value


def _inline_text(child: Any) -> str:
    """Read an inline string: one plain `<t>` directly, anything richer as openpyxl does."""
    if len(child) == 1 and not child.attrib:
        text = child[0]
        if text.tag == _TEXT_TAG and not len(text):
            return text.text or ""
    return Text.from_tree(child).content  # type: ignore[no-any-return]


def sheet_values(book: Any, sheet: Any) -> Iterator[tuple[Cell, ...] | list[Cell]]:
    """Yield each row's values as openpyxl's `iter_rows(values_only=True)` after
    `reset_dimensions()`: missing rows empty, each row as wide as its last cell."""
    with sheet._get_source() as source:
        parser = _ValueParser(
            source,
            sheet._shared_strings,
            data_only=book.data_only,
            epoch=book.epoch,
            date_formats=book._date_formats,
            timedelta_formats=book._timedelta_formats,
        )
        counter = 1
        for number, cells in parser.parse():
            for _ in range(counter, number):
                counter += 1
                yield []
            if counter <= number:
                counter += 1
                yield _values(cells)


def _values(cells: list[dict[str, Any]]) -> tuple[Cell, ...]:
    if not cells:
        return ()
    width = cells[-1]["column"]
    row: list[Cell] = [None] * width
    for cell in cells:
        column = cell["column"]
        if 1 <= column <= width:
            row[column - 1] = cell["value"]
    return tuple(row)


class _UnsizedSheet(ReadOnlyWorksheet):  # type: ignore[misc]
    """A read-only worksheet not measured when the workbook opens.

    openpyxl reads a sheet up to its `<dimension>` to size it, which is the whole sheet when
    the file has none (files written by scripts); the size is never used here: the rows are
    streamed as they are, as after `reset_dimensions()`.
    """

    def _get_size(self) -> None:
        """Leave the size unknown."""


class _ValuesReader(ExcelReader):  # type: ignore[misc]
    """openpyxl's read-only workbook reader, making unsized worksheets."""

    def read_worksheets(self) -> None:
        for sheet, rel in self.parser.find_sheets():
            if rel.target not in self.valid_files:
                continue
            if "chartsheet" in rel.Type:
                self.read_chartsheet(sheet, rel)
                continue
            rels_path = get_rels_path(rel.target)
            if rels_path in self.valid_files:
                get_dependents(self.archive, rels_path)  # fails on a broken part as openpyxl does
            worksheet = _UnsizedSheet(self.wb, sheet.name, rel.target, self.shared_strings)
            worksheet.sheet_state = sheet.state
            self.wb._sheets.append(worksheet)


def load_values_book(source: Any, *, values: bool) -> Any:
    """Open a workbook read-only as `openpyxl.load_workbook(read_only=True)` does."""
    reader = _ValuesReader(source, read_only=True, data_only=values)
    reader.read()
    return reader.wb
