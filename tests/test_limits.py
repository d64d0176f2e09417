"""Inflating input is refused before the work it would make slow; Excel's grid is respected."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet._reader import WorkSheetParser

from sheets_sync.errors import SourceError
from sheets_sync.model import CellWrite
from sheets_sync.sheets import limits, xlsx, xlsx_values
from sheets_sync.sheets.csvfile import CsvBackend
from sheets_sync.sheets.xlsx import XlsxBackend
from tests.test_xlsx import FORM, ROSTER, make_book
from tests.test_xlsx_patch import ROWS, TITLE, excel_like, values

MB = 1 << 20
EXAMPLE = Path(__file__).parent.parent / "examples" / "form-responses.xlsx"
RESPONSES = "Câu trả lời biểu mẫu 1"


def add_part(path: Path, name: str, size: int) -> None:
    """Add a part that inflates to `size` bytes from a few kilobytes."""
    with (
        zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive,
        archive.open(name, "w") as part,
    ):
        for _ in range(size // MB):
            part.write(b" " * MB)


@pytest.fixture
def no_openpyxl(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if a workbook gets parsed: the refusal must come before that work."""

    def parse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the workbook was parsed")

    monkeypatch.setattr(openpyxl, "load_workbook", parse)
    monkeypatch.setattr(xlsx, "load_values_book", parse)


@pytest.mark.parametrize(("part", "whole"), [(2, 100), (100, 3)])
def test_a_workbook_inflating_past_the_limits_is_refused_from_its_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_openpyxl: None, part: int, whole: int
) -> None:
    monkeypatch.setattr(limits, "MAX_PART_BYTES", part * MB)
    monkeypatch.setattr(limits, "MAX_BOOK_BYTES", whole * MB)
    path = make_book(tmp_path / "bom.xlsx")
    add_part(path, "xl/media/khoang-trang.bin", 4 * MB)
    assert path.stat().st_size < MB // 10
    with pytest.raises(SourceError) as error:
        XlsxBackend(path).read(None, ROSTER)
    assert str(error.value) == (
        f"Tệp {path} khi giải nén quá lớn (phần xl/media/khoang-trang.bin 4 MB; giới hạn "
        f"{part} MB mỗi phần, {whole} MB cả tệp): chia dữ liệu thành nhiều tệp nhỏ hơn rồi chạy "
        "lại từng tệp."
    )


def test_the_limits_leave_room_for_a_national_run() -> None:
    """126,000 responses: a 150 MB worksheet part and a 56 MB CSV (scripts/synthetic.py)."""
    assert limits.MAX_ROWS >= 126_001 * 3 // 2
    assert limits.MAX_PART_BYTES >= 2 * 150 * MB
    assert limits.MAX_CSV_BYTES >= 2 * 56 * MB
    assert limits.MAX_CELL_CHARS >= 2 * 50_000  # Google Sheets' own cell limit, and hostile
    # inputs past it (tests/test_properties.py) still go through


def test_too_many_rows_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_ROWS", 4)
    book = tmp_path / "form.xlsx"
    for count in (4, 5):
        workbook = openpyxl.Workbook()
        workbook.active.title = FORM
        for number in range(count):
            workbook.active.append([f"hàng {number}"])
        workbook.save(book)
        if count == 4:  # at the limit: read
            assert len(XlsxBackend(book).read(FORM, ROSTER).responses.rows) == 4

    def parse(*args: Any) -> Any:
        raise AssertionError("the rows were parsed")

    # Counted from the raw XML as it streams, before any row is parsed.
    monkeypatch.setattr(xlsx_values.SheetValues, "_row", parse)
    monkeypatch.setattr(WorkSheetParser, "parse_row", parse)
    with pytest.raises(SourceError) as error:
        XlsxBackend(book).read(FORM, ROSTER)
    assert str(error.value) == (
        f"Trang “{FORM}” trong {book} có hơn 4 hàng (giới hạn của chương trình): chia dữ liệu "
        "thành nhiều tệp nhỏ hơn rồi chạy lại từng tệp."
    )
    csv = tmp_path / "tra-loi.csv"
    csv.write_text("a\n1\n2\n3\n4\n", encoding="utf-8")
    with pytest.raises(SourceError, match=r"“tra-loi” trong .* có hơn 4 hàng"):
        CsvBackend(csv).read(None, ROSTER)


def test_a_csv_past_the_size_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "MAX_CSV_BYTES", 1000)
    csv = tmp_path / "tra-loi.csv"
    csv.write_text("a,b\n" + "x,y\n" * 300, encoding="utf-8")
    with pytest.raises(SourceError) as error:
        CsvBackend(csv).read(None, ROSTER)
    assert str(error.value) == (
        f"Tệp {csv} quá lớn (0 MB, giới hạn 0 MB): chia dữ liệu thành nhiều tệp nhỏ hơn rồi "
        "chạy lại từng tệp."
    )


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_cell_past_the_length_limit_is_refused(tmp_path: Path, suffix: str) -> None:
    long = "ạ" * (limits.MAX_CELL_CHARS + 1)
    path = tmp_path / f"tra-loi{suffix}"
    title = "tra-loi"
    if suffix == ".csv":
        path.write_text(f"a,b\nx,{long[:-1]}\ny,{long}\n", encoding="utf-8")
        backend: Any = CsvBackend(path)
    else:  # openpyxl cuts text to Excel's 32,767 characters when it writes: write the XML
        title = TITLE
        cells = "".join(
            f'<row r="{n}"><c r="B{n}" t="inlineStr"><is><t>{text}</t></is></c></row>'
            for n, text in ((1, "b"), (2, long[:-1]), (3, long))
        )
        backend = XlsxBackend(excel_like(path, cells))
    with pytest.raises(SourceError) as error:
        backend.read(None, ROSTER)
    assert str(error.value) == (
        f"Hàng 3 của trang “{title}” trong {path} có ô dài 100.001 ký tự, quá giới hạn 100.000 "
        "ký tự một ô: xóa bớt nội dung ô đó rồi chạy lại."
    )


def test_statuses_past_excels_last_column_are_refused(tmp_path: Path) -> None:
    path = make_book(tmp_path / "form.xlsx")
    book = openpyxl.load_workbook(path)
    book[FORM]["XFD1"] = "cột cuối"
    book.save(path)
    before = path.read_bytes()
    backend = XlsxBackend(path)
    data = backend.read(FORM, ROSTER)
    with pytest.raises(SourceError) as error:
        backend.write([CellWrite(FORM, 2, 3, "ok"), CellWrite(FORM, 1, 16_385, "Trạng thái")], data)
    assert str(error.value) == (
        f"Trang “{FORM}” trong {path} đã dùng tới cột cuối cùng của Excel (XFD), không còn chỗ "
        "cho cột trạng thái: xóa các cột thừa bên phải rồi chạy lại. Chưa ghi gì."
    )
    assert path.read_bytes() == before


MERGES = '<mergeCells count="1"><mergeCell ref="A6:B6"/></mergeCells>'


@pytest.mark.parametrize(
    ("merge", "target"),
    [("D1:F1", (1, 5)), ("E2:E4", (4, 5)), ("D2:E3", (3, 4)), ("D2:E3", (2, 5))],
)
def test_text_into_a_hidden_merged_cell_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, merge: str, target: tuple[int, int]
) -> None:
    tail = f'<mergeCells count="2"><mergeCell ref="A6:B6"/><mergeCell ref="{merge}"/></mergeCells>'
    monkeypatch.setattr("tests.test_xlsx_patch.TAIL", _tail(tail))
    path = excel_like(tmp_path / "gop.xlsx", ROWS)
    before = path.read_bytes()
    backend = XlsxBackend(path)
    data = backend.read(TITLE, ROSTER)
    ref = f"{'ABCDEF'[target[1] - 1]}{target[0]}"
    with pytest.raises(SourceError) as error:
        backend.write([CellWrite(TITLE, *target, "Hợp lệ")], data)
    assert str(error.value) == (
        f"Không ghi được vào ô {ref} của trang “{TITLE}” trong {path} vì ở đó có vùng ô gộp "
        f"{merge}; xóa phần đó khỏi cột trạng thái hoặc mở bằng Excel, lưu lại dạng .xlsx rồi "
        "chạy lại."
    )
    assert path.read_bytes() == before


def test_a_merged_ranges_top_left_cell_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tail = '<mergeCells count="1"><mergeCell ref="D1:F1"/></mergeCells>'
    monkeypatch.setattr("tests.test_xlsx_patch.TAIL", _tail(tail))
    path = excel_like(tmp_path / "gop.xlsx", ROWS)
    backend = XlsxBackend(path)
    data = backend.read(TITLE, ROSTER)
    backend.write([CellWrite(TITLE, 1, 4, "Trạng thái"), CellWrite(TITLE, 1, 5, "")], data)
    assert values(path)[0][3] == "Trạng thái"


def _tail(merges: str) -> str:
    from tests import test_xlsx_patch

    return test_xlsx_patch.TAIL.replace(MERGES, merges)


def test_a_run_on_a_sheet_using_column_xfd_writes_no_list_either(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from sheets_sync.cli import main

    path = tmp_path / "form.xlsx"
    shutil.copy(EXAMPLE, path)
    book = openpyxl.load_workbook(path)
    book[RESPONSES]["XFD1"] = "cột cuối"
    book.save(path)
    before = path.read_bytes()
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(path), "--out", str(out)])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        f"Lỗi: Trang “{RESPONSES}” trong {path} đã dùng tới cột cuối cùng của Excel (XFD), "
        "không còn chỗ cho cột trạng thái: xóa các cột thừa bên phải rồi chạy lại. Chưa ghi gì."
    ]
    assert path.read_bytes() == before
    assert not out.exists()
