"""Pick the backend for a SOURCE: a Google spreadsheet, an .xlsx workbook or a .csv file."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..errors import CredentialsError, SourceError
from ..model import CellWrite, SheetData
from .base import Backend
from .rosterfile import CSV_SUFFIXES, RosterFile, locked_sources, split_writes, unused_roster_file
from .xlsx import XLSX_SUFFIXES

LOCAL_SUFFIXES = XLSX_SUFFIXES + CSV_SUFFIXES


@contextmanager
def open_source(
    source: str,
    *,
    roster: Path | None = None,
    credentials: Path | None = None,
    readonly: bool = True,
) -> Iterator[Backend]:
    """Yield the backend for `source`; local files it writes stay locked against other runs.

    Reading needs no lock: every write replaces a file whole, in one rename.
    """
    path = Path(source)
    suffix = path.suffix.lower()
    link = "://" in source
    if not link and (suffix in LOCAL_SUFFIXES or path.exists()):
        local = _local(path, suffix, roster)
        with nullcontext() if readonly else local.lock(writing=True):
            yield local
        return
    from .google import GoogleBackend, spreadsheet_key

    if spreadsheet_key(source) is None:
        raise SourceError(
            f"Không nhận ra nguồn dữ liệu {source!r}: cần đường link Google Sheets, "
            "mã bảng tính, hoặc một tệp .xlsx/.csv có sẵn."
        )
    try:
        google = GoogleBackend(source, credentials, readonly=readonly)
    except CredentialsError as exc:
        if link:
            raise
        # A bare key looks like a mistyped file name too: say both.
        hint = f" Nếu {source} là tên tệp, kiểm tra lại tên và đuôi .xlsx/.csv."
        raise CredentialsError(f"{exc}{hint}") from None
    if roster is None:
        yield google
        return
    with locked_sources([roster], writing=not readonly):
        yield RosterBeside(google, roster)


class RosterBeside:
    """A Google spreadsheet without a roster sheet, whose roster is a local file."""

    def __init__(self, inner: Any, path: Path) -> None:
        self.inner = inner
        self.path = path
        self.file: RosterFile | None = None
        self.warnings: list[str] = inner.warnings

    def read(
        self,
        worksheet: str | None,
        roster_worksheet: str,
        headers: Mapping[str, list[str]] | None = None,
    ) -> SheetData:
        data: SheetData = self.inner.read(worksheet, roster_worksheet, headers)
        if data.roster is not None:  # the spreadsheet's own roster sheet comes first
            self.file = None
            return replace(
                data, notes=(*data.notes, unused_roster_file(self.path, data.roster.title))
            )
        self.file = RosterFile(self.path)
        table = self.file.read(roster_worksheet, taken={data.responses.title})
        return replace(data, roster=table)

    def write(self, writes: Sequence[CellWrite], read: SheetData) -> None:
        self._write(writes, read, self.inner.write)

    def overwrite(self, writes: Sequence[CellWrite], read: SheetData) -> None:
        self._write(writes, read, self.inner.overwrite)

    def _write(self, writes: Sequence[CellWrite], read: SheetData, inner: Any) -> None:
        if self.file is None:
            inner(writes, read)
            return
        own, other = split_writes(writes, {read.responses.title}, self.file)
        inner(own, replace(read, roster=None))
        if other:
            self.file.write(other)


def _local(path: Path, suffix: str, roster: Path | None) -> Any:
    if path.is_dir():
        raise SourceError(f"{path} là thư mục; hãy chỉ ra một tệp .xlsx hoặc .csv.")
    if not path.is_file():
        raise SourceError(f"Không tìm thấy tệp {path}. Kiểm tra lại đường dẫn.")
    if suffix in CSV_SUFFIXES:
        from .csvfile import CsvBackend

        return CsvBackend(path, roster)
    if suffix in XLSX_SUFFIXES:
        from .xlsx import XlsxBackend

        return XlsxBackend(path, roster)
    raise SourceError(f"Tệp {path} không phải .xlsx hay .csv; hãy tải bảng tính về dạng .xlsx.")
