"""The roster when it lives in a file of its own (`--roster PATH`, .xlsx or .csv)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from ..errors import SourceError
from ..model import CellWrite, Table
from .limits import MAX_CSV_BYTES, MAX_FILE_BYTES
from .localfile import FileStamp, locked, read_stamped

CSV_SUFFIXES = (".csv", ".tsv")


def unused_roster_file(path: Path, roster: str) -> str:
    """The note for a `--roster` file left aside: the spreadsheet's own roster comes first."""
    return (
        f"đã dùng danh sách đơn vị ở trang '{roster}' của bảng tính, không dùng tệp --roster "
        f"{path}; muốn dùng tệp đó thì đổi tên hoặc xóa trang '{roster}'."
    )


class RosterFile:
    """A roster file read once and written once, remembering which sheet it came from."""

    def __init__(self, path: Path, source: Path | None = None) -> None:
        self.path = path
        self.source = source
        self.title = ""
        self._sheet = ""
        self._stamp: FileStamp | None = None
        self._csv: Any = None

    def read(self, roster_worksheet: str, taken: Iterable[str] = ()) -> Table:
        """Read the roster; its title is `roster_worksheet` unless a title in `taken` has it."""
        from . import csvfile, xlsx  # here: those modules import this one

        suffix = self.path.suffix.lower()
        if suffix not in xlsx.XLSX_SUFFIXES + CSV_SUFFIXES:
            raise SourceError(
                f"Tệp danh sách đơn vị {self.path} phải là tệp .xlsx hoặc .csv; "
                "lưu lại dạng đó rồi chạy lại."
            )
        if self.source is not None and _same_file(self.path, self.source):
            raise SourceError(
                f"Tệp --roster {self.path} chính là tệp nguồn; đặt tên trang danh sách là "
                f"“{roster_worksheet}” trong tệp đó thay vì dùng --roster."
            )
        csv = suffix in CSV_SUFFIXES
        data, self._stamp = read_stamped(self.path, MAX_CSV_BYTES if csv else MAX_FILE_BYTES)
        if csv:
            self._csv = csvfile.parse_csv(data, self.path)
            rows = self._csv.table_rows()
        else:
            book = xlsx.open_book(data, self.path)
            try:
                sheet = xlsx.find_sheet(book, roster_worksheet)
                if sheet is None:
                    sheet = xlsx.pick_sheet(book, None, self.path)
                self._sheet = sheet.title
                rows = xlsx.sheet_rows(data, book, sheet, self.path)
            finally:
                book.close()
        taken = set(taken)
        self.title = roster_worksheet
        if self.title in taken:
            self.title = f"{roster_worksheet} ({self.path.name})"
        return Table(self.title, rows)

    def write(self, writes: Sequence[CellWrite]) -> None:
        """Write the roster's status cells into its file atomically."""
        from . import csvfile, xlsx

        if self._stamp is None:
            raise RuntimeError("write() needs a read() first")
        if self._csv is not None:
            self._stamp, self._csv = csvfile.write_csv(self.path, self._stamp, self._csv, writes)
        else:
            renamed = [write._replace(sheet=self._sheet) for write in writes]
            self._stamp = xlsx.write_cells(self.path, self._stamp, renamed)


def split_writes(
    writes: Sequence[CellWrite], own_titles: set[str], roster: RosterFile | None
) -> tuple[list[CellWrite], list[CellWrite]]:
    """Part the writes into those for the source itself and those for the roster file."""
    own: list[CellWrite] = []
    other: list[CellWrite] = []
    for write in writes:
        if write.sheet in own_titles:
            own.append(write)
        elif roster is not None and write.sheet == roster.title:
            other.append(write)
        else:
            raise ValueError(f"no sheet titled {write.sheet!r} was read")
    return own, other


@contextlib.contextmanager
def locked_sources(paths: Iterable[Path | None], *, writing: bool) -> Iterator[None]:
    """Hold the run lock on each existing file among `paths`, each file once."""
    seen: set[str] = set()
    with contextlib.ExitStack() as stack:
        for path in paths:
            if path is None or not path.is_file():
                continue  # a missing file fails on read with its own message
            key = os.path.realpath(path)
            if key not in seen:
                seen.add(key)
                stack.enter_context(locked(path, writing=writing))
        yield


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False
