"""A workbook's statuses are built while the Word lists are made, and put in place after them."""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from sheets_sync.cli import main
from sheets_sync.documents import DocumentMaker
from sheets_sync.documents.writer import PARALLEL_THRESHOLD
from sheets_sync.errors import SourceError
from sheets_sync.model import CellWrite
from sheets_sync.sheets.localfile import TEMP_MARK
from sheets_sync.sheets.xlsx import XlsxBackend

from .helpers import HEADER
from .test_out_folder import big_workbook

UNITS = PARALLEL_THRESHOLD + 40  # enough for the lists to be shared out to workers


def workbook(path: Path, units: int = UNITS) -> Path:
    big_workbook(path, "0984919862", units)
    return path


def temps(path: Path) -> list[str]:
    """The new versions of `path` a write leaves beside it (none once it is done)."""
    return sorted(p.name for p in path.parent.glob(f".{path.name}{TEMP_MARK}*.tmp"))


def statuses(path: Path) -> list[Any]:
    sheet = openpyxl.load_workbook(path).worksheets[0]
    column = [cell.value for cell in sheet[1]].index("Trạng thái") + 1
    return [sheet.cell(row=r, column=column).value for r in range(2, sheet.max_row + 1)]


def run(*args: str) -> Any:
    return CliRunner().invoke(main, ["run", *args])


def test_the_workbook_is_built_while_the_lists_are_made_and_replaced_after_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, out = workbook(tmp_path / "lon.xlsx"), tmp_path / "danh-sach"
    original = path.read_bytes()
    seen: dict[str, Any] = {}
    prepare, write = XlsxBackend.prepare, XlsxBackend.write

    def spy_prepare(self: XlsxBackend, writes: Any, read: Any) -> None:
        seen["workers"] = len(multiprocessing.active_children())
        prepare(self, writes, read)
        seen["prepared"] = temps(path)

    def spy_write(self: XlsxBackend, writes: Any, read: Any) -> None:
        seen["lists"] = len(list(out.glob("*.docx")))
        seen["unchanged"] = path.read_bytes() == original
        write(self, writes, read)

    monkeypatch.setattr(XlsxBackend, "prepare", spy_prepare)
    monkeypatch.setattr(XlsxBackend, "write", spy_write)
    result = run(str(path), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert seen["workers"] > 0  # built while the workers make the lists
    assert len(seen["prepared"]) == 1
    assert seen == {**seen, "lists": 0, "unchanged": True}
    assert statuses(path) == ["Hợp lệ"] * UNITS
    assert temps(path) == []
    assert len(list(out.glob("*.docx"))) == UNITS + 1


def test_lists_that_fail_leave_the_prepared_workbook_unused_and_deleted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, out = workbook(tmp_path / "lon.xlsx"), tmp_path / "danh-sach"
    original = path.read_bytes()

    def refuse(self: DocumentMaker, *args: Any) -> None:
        raise SourceError("Ổ đĩa đã đầy.")

    monkeypatch.setattr(DocumentMaker, "write_summary", refuse)
    result = run(str(path), "--out", str(out))
    assert result.exit_code == 1
    assert "Ổ đĩa đã đầy." in result.output
    assert path.read_bytes() == original
    assert temps(path) == []
    assert list(out.glob("*.docx")) == []


def test_a_workbook_saved_after_it_was_prepared_is_read_and_written_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, out = workbook(tmp_path / "lon.xlsx"), tmp_path / "danh-sach"
    prepare = XlsxBackend.prepare

    def edit_after(self: XlsxBackend, writes: Any, read: Any) -> None:
        prepare(self, writes, read)
        book = openpyxl.load_workbook(path)
        book.worksheets[0].cell(row=3, column=HEADER.index("Số điện thoại 1") + 1).value = "12"
        book.save(path)  # someone saves the workbook meanwhile

    monkeypatch.setattr(XlsxBackend, "prepare", edit_after)
    result = run(str(path), "--out", str(out))
    assert result.exit_code == 0, result.output
    found = statuses(path)
    assert found[1] == "Cần sửa"  # the edit is kept and checked, not overwritten
    assert found[:1] + found[2:] == ["Hợp lệ"] * (UNITS - 1)
    assert temps(path) == []


def test_a_prepared_workbook_is_only_used_for_the_writes_it_was_built_for(
    tmp_path: Path,
) -> None:
    path = workbook(tmp_path / "nho.xlsx", units=2)
    backend = XlsxBackend(path)
    data = backend.read(None, "Danh sách đơn vị")
    status = len(HEADER) + 1
    backend.prepare([CellWrite(data.responses.title, 1, status, "A")], data)
    assert len(temps(path)) == 1
    backend.write([CellWrite(data.responses.title, 1, status, "B")], data)
    assert temps(path) == []
    sheet = openpyxl.load_workbook(path).worksheets[0]
    assert sheet.cell(row=1, column=status).value == "B"
