"""Stream a read-only worksheet's rows of values: openpyxl's values, without its per-cell cost.

openpyxl parses a worksheet with the standard library's pull parser, a Python event for every
element, and builds a rich-text object for every inline string. Here lxml (libxml2) builds each
`<row>` in C and its cells are read from it: the common cells (one `<v>`, or an inline string
that is one plain `<t>`) directly, every other cell through openpyxl's own code, so each value,
type and position is the one openpyxl gives (tests/test_xlsx_values.py compares them cell by
cell). The formulas' text, and a worksheet with a DTD, are read by openpyxl itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import IO, Any

from lxml import etree
from openpyxl.cell.text import Text
from openpyxl.packaging.relationship import get_dependents, get_rels_path
from openpyxl.reader.excel import ExcelReader
from openpyxl.reader.strings import read_string_table
from openpyxl.utils.cell import column_index_from_string, coordinate_to_tuple
from openpyxl.utils.datetime import from_excel, from_ISO8601
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import (
    FORMULA_TAG,
    INLINE_STRING,
    ROW_TAG,
    VALUE_TAG,
    WorkSheetParser,
    _cast_number,
)
from openpyxl.xml.constants import SHARED_STRINGS, SHEET_MAIN_NS

from ..model import Cell

_TEXT_TAG = f"{{{SHEET_MAIN_NS}}}t"
_SHARED_TAG = f"{{{SHEET_MAIN_NS}}}si"
_DIGITS = "0123456789"
_CHUNK = 1 << 16  # small: the rows of one chunk are built in memory at once


class _HasDoctype(Exception):
    """The worksheet declares a DTD: its entities are openpyxl's (expat's) to expand."""


class CountedPart:
    """A worksheet part read in chunks, its `<row` tags counted as they pass.

    `check` gets the running count (an upper bound: `<rowBreaks` counts too) before the
    chunk is parsed, so a sheet with too many rows is refused before they are read. A tag
    cut between two chunks is counted once: the chunks are searched with a 3-byte overlap.
    """

    def __init__(self, source: IO[bytes], check: Callable[[int], None]) -> None:
        self.source, self.check = source, check
        self.count, self.tail = 0, b""

    def read(self, size: int = -1) -> bytes:
        chunk = self.source.read(size)
        window = self.tail + chunk
        self.count += window.count(b"<row") + window.count(b":row")
        self.tail = window[-3:]
        self.check(self.count)
        return chunk


def _no_check(count: int) -> None:
    """Accept any number of rows."""


class SheetValues:
    """Iterate a read-only sheet's rows of values as openpyxl's `iter_rows(values_only=True)`
    after `reset_dimensions()`: missing rows empty, each row as wide as its last cell.

    After the iteration, `uncached_formulas` tells whether a formula cell had no cached
    value (files written by scripts), which only the formula text can stand for.
    Inline strings read twice are given as one object, as shared strings are: a unit name
    repeated in a row's staff columns is held once.
    """

    def __init__(self, book: Any, sheet: Any, check_rows: Callable[[int], None] = _no_check):
        self.book, self.sheet, self.check_rows = book, sheet, check_rows
        self.uncached_formulas = False
        self._texts: dict[str, str] = {}
        self._columns: dict[str, int] = {}

    def __iter__(self) -> Iterator[list[Cell]]:
        if self.book.data_only:
            try:
                yield from self._fast_rows()
                return
            except _HasDoctype:
                pass  # raised before any row was given
        yield from self._openpyxl_rows()

    def _numbered(self, rows: Iterator[tuple[int, list[Cell]]]) -> Iterator[list[Cell]]:
        """Give an empty row for each row number skipped; a row numbered again is dropped."""
        counter = 1
        for number, values in rows:
            for _ in range(counter, number):
                counter += 1
                yield []
            if counter <= number:
                counter += 1
                yield values

    def _fast_rows(self) -> Iterator[list[Cell]]:
        with self.sheet._get_source() as source:
            yield from self._numbered(self._parsed_rows(CountedPart(source, self.check_rows)))

    def _parsed_rows(self, stream: CountedPart) -> Iterator[tuple[int, list[Cell]]]:
        counter = 0
        for row in _ended(stream, ROW_TAG):
            counter = _row_number(row.get("r"), counter)
            yield counter, self._row(row)

    def _row(self, row: Any) -> list[Cell]:
        """Read a row's cells in order; cells out of order are placed as openpyxl places them.

        This loop runs for every cell of the sheet: a cell's column and its inline text,
        the common case, are read here rather than in a function called per cell.
        """
        values: list[Cell] = []
        placed: list[tuple[int, Cell]] | None = None
        column = 0
        columns, texts = self._columns, self._texts
        for cell in row:
            ref = cell.get("r")
            if ref:
                letters = ref.rstrip(_DIGITS)
                # Known letters count only when digits follow them, as in a reference.
                known = columns.get(letters) if len(letters) < len(ref) else None
                column = known or self._column(ref)
            else:
                column += 1
            if (
                len(cell) == 1
                and cell.get("t") == "inlineStr"
                and cell.get("s") is None
                and (child := cell[0]).tag == INLINE_STRING
            ):
                text = _inline_text(child)
                value: Cell = texts.setdefault(text, text)
            else:
                value = self._value(cell)
            if placed is None and column > len(values):
                if column > len(values) + 1:
                    values.extend([None] * (column - 1 - len(values)))
                values.append(value)
            else:
                if placed is None:
                    placed = list(enumerate(values, 1))
                placed.append((column, value))
        return values if placed is None else _placed(placed)

    def _column(self, ref: str) -> int:
        letters = ref.rstrip(_DIGITS)
        if len(letters) < len(ref):
            column = self._columns.get(letters)
            if column is not None:
                return column
            if letters.isalpha():
                column = self._columns[letters] = int(column_index_from_string(letters))
                return column
        return coordinate_to_tuple(ref)[1]  # type: ignore[no-any-return]

    def _value(self, cell: Any) -> Cell:
        """Read one cell's cached value as openpyxl's `parse_cell` does with `data_only`."""
        get = cell.get
        data_type = get("t", "n")
        style_id = get("s", 0)
        if style_id:
            style_id = int(style_id)
        if len(cell) == 1:  # the common cells: one `<v>`, or one `<is>` holding one `<t>`
            child = cell[0]
            if data_type != "inlineStr":
                if child.tag == VALUE_TAG:
                    return self._typed(data_type, child.text, style_id)
            elif child.tag == INLINE_STRING:
                text = _inline_text(child)
                return self._texts.setdefault(text, text)
        value: Cell = None
        if data_type != "inlineStr":
            value = self._typed(data_type, cell.findtext(VALUE_TAG), style_id)
        elif (child := cell.find(INLINE_STRING)) is not None:
            text = _inline_text(child)
            value = self._texts.setdefault(text, text)
        if value is None and cell.find(FORMULA_TAG) is not None:
            self.uncached_formulas = True
        return value

    def _typed(self, data_type: str, value: str | None, style_id: Any) -> Cell:
        """Type a cell's `<v>` text exactly as openpyxl's parse_cell does."""
        if not value:
            return None
        if data_type == "n":
            number = _cast_number(value)
            if style_id not in self.book._date_formats:
                return number  # type: ignore[no-any-return]
            try:
                timedelta = style_id in self.book._timedelta_formats
                return from_excel(number, self.book.epoch, timedelta=timedelta)  # type: ignore[no-any-return]
            except (OverflowError, ValueError):
                return "#VALUE!"  # openpyxl's reading of a date out of range
        if data_type == "s":
            return self.sheet._shared_strings[int(value)]  # type: ignore[no-any-return]
        if data_type == "b":
            return bool(int(value))
        if data_type == "d":
            return from_ISO8601(value)  # type: ignore[no-any-return]
        return value

    def _openpyxl_rows(self) -> Iterator[list[Cell]]:
        """openpyxl's own rows: the formulas' text, or a sheet with a DTD."""
        with self.sheet._get_source() as source:
            parser = WorkSheetParser(
                CountedPart(source, self.check_rows),
                self.sheet._shared_strings,
                data_only=self.book.data_only,
                epoch=self.book.epoch,
                date_formats=self.book._date_formats,
                timedelta_formats=self.book._timedelta_formats,
            )
            yield from self._numbered(
                (number, _placed([(c["column"], c["value"]) for c in cells]))
                for number, cells in parser.parse()
            )
        # A formula's missing value is not told apart here: the formula text is looked at.
        self.uncached_formulas = self.book.data_only


def _ended(stream: IO[bytes] | CountedPart, tag: str) -> Iterator[Any]:
    """Yield each `tag` element of an XML part once it is parsed whole, then drop it.

    Comments and processing instructions are dropped as the standard library drops them;
    entities are never expanded: a DTD raises `_HasDoctype` before any element is given,
    for openpyxl (expat) to read the part.
    """
    parser = etree.XMLPullParser(
        events=("end",),
        tag=tag,
        remove_comments=True,
        remove_pis=True,
        resolve_entities=False,
        no_network=True,
    )
    checked = False
    while chunk := stream.read(_CHUNK):
        parser.feed(chunk)
        for _, element in parser.read_events():
            if not checked:
                checked = True
                if element.getroottree().docinfo.doctype:
                    raise _HasDoctype
            yield element
            element.clear()  # elements already read leave the tree: memory stays flat
            while element.getprevious() is not None:
                del element.getparent()[0]
    root = parser.close()
    if not checked and root.getroottree().docinfo.doctype:
        raise _HasDoctype


def _string_table(source: IO[bytes]) -> list[str]:
    """Read the shared strings as openpyxl's `read_string_table` does, a plain `<t>` directly."""
    return [_inline_text(item).replace("x005F_", "") for item in _ended(source, _SHARED_TAG)]


def _row_number(given: str | None, previous: int) -> int:
    """A row's number as openpyxl reads `r`: an integer, maybe written as `5.0`."""
    if given is None:
        return previous + 1
    try:
        return int(given)
    except ValueError:
        number = float(given)
        if not number.is_integer():
            raise ValueError(f"{given} is not a valid row number") from None
        return int(number)


def _placed(cells: list[tuple[int, Cell]]) -> list[Cell]:
    """Place cells as openpyxl does: the row as wide as its last cell, the last write winning."""
    if not cells:
        return []
    width = cells[-1][0]
    row: list[Cell] = [None] * width
    for column, value in cells:
        if 1 <= column <= width:
            row[column - 1] = value
    return row


def _inline_text(child: Any) -> str:
    """Read an inline string: one plain `<t>` directly, anything richer as openpyxl does."""
    if len(child) == 1 and not child.keys():  # openpyxl refuses attributes there
        text = child[0]
        if text.tag == _TEXT_TAG and not len(text):
            return text.text or ""
    return Text.from_tree(child).content  # type: ignore[no-any-return]


def sheet_values(book: Any, sheet: Any) -> Iterator[list[Cell]]:
    """Yield each row's values as openpyxl's `iter_rows(values_only=True)` after
    `reset_dimensions()`: missing rows empty, each row as wide as its last cell."""
    return iter(SheetValues(book, sheet))


class _UnsizedSheet(ReadOnlyWorksheet):  # type: ignore[misc]
    """A read-only worksheet not measured when the workbook opens.

    openpyxl reads a sheet up to its `<dimension>` to size it, which is the whole sheet when
    the file has none (files written by scripts); the size is never used here: the rows are
    streamed as they are, as after `reset_dimensions()`.
    """

    def _get_size(self) -> None:
        """Leave the size unknown."""


class _ValuesReader(ExcelReader):  # type: ignore[misc]
    """openpyxl's read-only workbook reader, making unsized worksheets and reading the shared
    strings with lxml."""

    def read_strings(self) -> None:
        found = self.package.find(SHARED_STRINGS)
        if found is None:
            return
        part = found.PartName[1:]
        with self.archive.open(part) as source:
            try:
                self.shared_strings = _string_table(source)
                return
            except _HasDoctype:
                pass
        with self.archive.open(part) as source:
            self.shared_strings = read_string_table(source)

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
