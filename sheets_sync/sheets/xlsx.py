"""A local Excel workbook (.xlsx, .xlsm) as a source: read fast, write statuses in place.

Writes patch the workbook's zip (see `xlsx_patch`): the parts without writes are copied as they
are, so nothing the program does not understand is lost.
"""

from __future__ import annotations

import warnings
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime
from functools import partial
from io import BytesIO
from pathlib import Path
from typing import Any, NamedTuple

from ..config import HEADER_ALIASES
from ..errors import SourceError
from ..form import pick_responses, refuse_roster
from ..model import Cell, CellWrite, SheetData, Table
from . import limits
from .base import title_key
from .localfile import (
    FileStamp,
    PreparedFile,
    ensure_not_open,
    file_stamp,
    prepare_replace,
    read_stamped,
    read_unchanged,
)
from .rosterfile import RosterFile, locked_sources, split_writes, unused_roster_file
from .xlsx_patch import PatchedBook, bad_file
from .xlsx_values import SheetValues, load_values_book

XLSX_SUFFIXES = (".xlsx", ".xlsm")
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls, or an encrypted workbook
_PLAIN_TYPES = {str, int, float, bool, datetime, date, type(None)}


class XlsxBackend:
    """Statuses kept in a workbook on disk; the roster is its own sheet or `--roster PATH`."""

    def __init__(self, path: Path, roster: Path | None = None) -> None:
        self.path = path
        self.roster_path = roster
        self._stamp: FileStamp | None = None
        self._titles: set[str] = set()
        self._roster_file: RosterFile | None = None
        self._prepared: _Prepared | None = None
        self.warnings: list[str] = []

    def lock(self, *, writing: bool = True) -> AbstractContextManager[None]:
        """Hold the run lock on the workbook (and a separate roster file) for a read and write."""
        return locked_sources([self.path, self.roster_path], writing=writing)

    def read(
        self,
        worksheet: str | None,
        roster_worksheet: str,
        headers: Mapping[str, list[str]] | None = None,
    ) -> SheetData:
        """Read the responses sheet and the roster sheet (else the `--roster` file)."""
        data, self._stamp = read_stamped(self.path)
        book = open_book(data, self.path)
        try:
            roster_sheet = find_sheet(book, roster_worksheet)
            if worksheet is None:
                sheet = self._choose(book, roster_sheet, headers or HEADER_ALIASES)
            else:
                sheet = pick_sheet(book, worksheet, self.path)
                if roster_sheet is sheet:
                    raise self._roster_named(book, sheet, headers or HEADER_ALIASES)
            responses = Table(sheet.title, sheet_rows(data, book, sheet, self.path))
            roster = None
            if roster_sheet is not None:
                roster = Table(roster_sheet.title, sheet_rows(data, book, roster_sheet, self.path))
        finally:
            book.close()
        self._titles = {responses.title} | ({roster.title} if roster else set())
        self._roster_file = None
        notes: tuple[str, ...] = ()
        if roster is not None and self.roster_path is not None:
            notes = (unused_roster_file(self.roster_path, roster.title),)
        elif self.roster_path is not None:
            self._roster_file = RosterFile(self.roster_path, self.path)
            roster = self._roster_file.read(roster_worksheet, taken={responses.title})
        return SheetData(str(self.path), responses, roster, limits.EXCEL_MAX_COLUMN, notes)

    def _choose(self, book: Any, roster: Any, aliases: Mapping[str, list[str]]) -> Any:
        """Take the sheet whose header row reads as the form, wherever it sits."""
        pick_sheet(book, None, self.path)  # refuses a workbook without sheets
        sheets = book.worksheets
        headers = [(sheet.title, header_row(sheet, self.path)) for sheet in sheets]
        index, warning = pick_responses(headers, aliases, roster.title if roster else None)
        if warning and warning not in self.warnings:
            self.warnings.append(warning)
        return sheets[index]

    def _roster_named(
        self, book: Any, roster: Any, aliases: Mapping[str, list[str]]
    ) -> SourceError:
        """The error for `--worksheet` naming the roster, naming the responses sheet."""
        headers = [(sheet.title, header_row(sheet, self.path)) for sheet in book.worksheets]
        return refuse_roster(roster.title, headers, aliases)

    def write(self, writes: Sequence[CellWrite], read: SheetData) -> None:
        """Write the status cells into the workbook (and the roster file), each atomically.

        The workbook `prepare` made for these very writes and this read is put in place as
        it is, unless the file was opened or changed meanwhile.
        """
        if self._stamp is None:
            raise RuntimeError("write() needs a read() first")
        own, roster = split_writes(writes, self._titles, self._roster_file)
        prepared = self._take_prepared(writes, read)
        if prepared is not None:
            self._stamp = swap_prepared(prepared)
        elif own:
            self._stamp = write_cells(self.path, self._stamp, own)
        if roster and self._roster_file is not None:
            self._roster_file.write(roster)

    def prepare(self, writes: Sequence[CellWrite], read: SheetData) -> None:
        """Build the workbook `write(writes, read)` puts in place, while other work goes on.

        A national workbook takes seconds to patch and deflate: a run does it while its
        Word lists are being made, and only puts it in place once they are all staged.
        """
        if self._stamp is None:
            raise RuntimeError("prepare() needs a read() first")
        self.drop_prepared()
        own, _ = split_writes(writes, self._titles, self._roster_file)
        if own:
            self._prepared = _Prepared(writes, read, prepare_cells(self.path, self._stamp, own))

    def drop_prepared(self) -> None:
        """Delete a prepared workbook that was not put in place; the file stays as it is."""
        if self._prepared is not None:
            self._prepared.file.drop()
            self._prepared = None

    def _take_prepared(self, writes: Sequence[CellWrite], read: SheetData) -> PreparedFile | None:
        prepared, self._prepared = self._prepared, None
        if prepared is None:
            return None
        if prepared.writes is writes and prepared.read is read:
            return prepared.file
        prepared.file.drop()  # made for other writes
        return None


class _Prepared(NamedTuple):
    """The workbook `XlsxBackend.prepare` built, and the writes and read it was built for."""

    writes: Sequence[CellWrite]
    read: SheetData
    file: PreparedFile


def open_book(data: bytes, path: Path, *, values: bool = True) -> Any:
    """Open workbook bytes read-only: cached `values`, else the formulas' text."""
    if data.startswith(_OLE2_MAGIC):
        raise SourceError(
            f"Tệp {path} là tệp Excel cũ (.xls) hoặc có đặt mật khẩu; mở bằng Excel, bỏ mật "
            "khẩu và lưu lại dạng .xlsx rồi chạy lại."
        )
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            limits.check_zip_sizes(archive, path)
    except zipfile.BadZipFile as exc:
        raise bad_file(path) from exc
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return load_values_book(BytesIO(data), values=values)
        except Exception as exc:  # openpyxl reports a malformed file through many types
            raise bad_file(path) from exc


def find_sheet(book: Any, title: str) -> Any | None:
    """Return the worksheet titled `title`, tolerating case, spacing and Unicode form."""
    sheets = book.worksheets
    for sheet in sheets:
        if sheet.title == title:
            return sheet
    wanted = title_key(title)
    return next((sheet for sheet in sheets if title_key(sheet.title) == wanted), None)


def pick_sheet(book: Any, worksheet: str | None, path: Path) -> Any:
    """Return the sheet named by `--worksheet`, else the first one."""
    sheets = book.worksheets
    if not sheets:
        raise SourceError(f"Tệp {path} không có trang tính nào; kiểm tra lại tệp.")
    if worksheet is None:
        return sheets[0]
    found = find_sheet(book, worksheet)
    if found is None:
        titles = ", ".join(f"“{sheet.title}”" for sheet in sheets)
        raise SourceError(
            f"Không có trang tính “{worksheet}” trong {path}; các trang hiện có: {titles}. "
            "Sửa --worksheet cho đúng một trong các tên đó."
        )
    return found


def header_row(sheet: Any, path: Path) -> list[Cell]:
    """Read only a read-only sheet's first row."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sheet.reset_dimensions()
            for values in sheet.iter_rows(min_row=1, max_row=1, values_only=True):
                return list(values)
    except Exception as exc:  # a malformed sheet fails only while it streams
        raise bad_file(path) from exc
    return []


def sheet_rows(data: bytes, book: Any, sheet: Any, path: Path) -> list[list[Cell]]:
    """Read a read-only sheet's values, trimmed as the Sheets API trims them.

    A sheet with too many rows is refused from its raw XML as it streams, before those rows
    are parsed.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl's notes on what read-only mode skips
            values = SheetValues(
                book, sheet, partial(limits.check_row_count, path=path, title=sheet.title)
            )
            rows = _trimmed_rows(values, sheet.title, path)
            if values.uncached_formulas:
                _fill_formula_text(rows, data, sheet.title, path)
    except SourceError:
        raise
    except Exception as exc:  # a malformed sheet fails only while it streams
        raise bad_file(path) from exc
    return rows


def _trimmed_rows(values: Iterable[list[Cell]], title: str, path: Path) -> list[list[Cell]]:
    # The stored dimension can be wrong (too small cuts data); stream the rows as they are.
    rows: list[list[Cell]] = []
    last = 0
    for row in values:
        if len(rows) == limits.MAX_ROWS:
            limits.check_row_count(len(rows) + 1, path, title)
        limits.check_cells(row, len(rows) + 1, path, title)
        end = len(row)
        while end and (row[end - 1] is None or row[end - 1] == ""):
            end -= 1
        row = row[:end]  # an exact fit: the rows grew cell by cell
        if not _PLAIN_TYPES.issuperset(map(type, row)):
            row = [value if type(value) in _PLAIN_TYPES else str(value) for value in row]
        rows.append(row)
        if row:
            last = len(rows)
    del rows[last:]
    return rows


def _fill_formula_text(rows: list[list[Cell]], data: bytes, title: str, path: Path) -> None:
    """Show a formula's text where the workbook holds no value for it."""
    book = open_book(data, path, values=False)
    try:
        formulas = _trimmed_rows(SheetValues(book, book[title]), title, path)
    finally:
        book.close()
    for index, raw in enumerate(formulas):
        if index == len(rows):
            rows.append([])
        row = rows[index]
        for col, value in enumerate(raw):
            if isinstance(value, str) and value.startswith("="):
                if col >= len(row):
                    row.extend([None] * (col + 1 - len(row)))
                if row[col] is None:
                    row[col] = value


def write_cells(path: Path, stamp: FileStamp, writes: Iterable[CellWrite]) -> FileStamp:
    """Set cells as text in the workbook at `path` and replace it atomically; return its stamp."""
    return swap_prepared(prepare_cells(path, stamp, writes))


def prepare_cells(path: Path, stamp: FileStamp, writes: Iterable[CellWrite]) -> PreparedFile:
    """Write the workbook `write_cells` makes beside `path`, to put in place later."""
    ensure_not_open(path)
    data, _ = read_unchanged(path, stamp)
    with PatchedBook(data, path) as book:
        book.apply(writes)
        return prepare_replace(path, book.save, stamp)


def swap_prepared(prepared: PreparedFile) -> FileStamp:
    """Put a prepared workbook in place (unless opened or changed meanwhile); return its stamp."""
    try:
        ensure_not_open(prepared.path)
    except BaseException:
        prepared.drop()
        raise
    prepared.swap()
    return file_stamp(prepared.path)
