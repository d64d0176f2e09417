"""The local workbook backend: reading, writing in place, atomicity and the run lock."""

from __future__ import annotations

import os
import random
import re
import signal
import socket
import subprocess
import sys
import textwrap
import time
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from sheets_sync.errors import LockedError, SheetChangedError, SourceError
from sheets_sync.model import CellWrite
from sheets_sync.sheets import localfile
from sheets_sync.sheets.localfile import lock_path, locked
from sheets_sync.sheets.xlsx import XlsxBackend
from sheets_sync.sheets.xlsx_patch import PatchedBook

ROSTER = "Danh sách đơn vị"
FORM = "Câu trả lời biểu mẫu 1"


def make_book(path: Path, *, roster: bool = True) -> Path:
    """Save a small workbook shaped like a downloaded form sheet, with things to keep."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = FORM
    sheet.append(["Dấu thời gian", "Tên đơn vị", "Số điện thoại 1", "Đã xác nhận"])
    sheet.append([datetime(2024, 1, 30, 8, 15), "Trường THCS Ngọc Lâm", 984919862, True])
    sheet.append([datetime(2024, 2, 1, 9, 0), "=cộng", 0.5, None, None, ""])
    sheet.append([None, None, None])
    sheet["A1"].font = Font(bold=True)
    sheet["B2"].fill = PatternFill("solid", fgColor="FFFF00")
    sheet["C2"].number_format = "0"
    sheet.auto_filter.ref = "A1:D3"
    sheet.freeze_panes = "A2"
    sheet.column_dimensions["B"].width = 42
    validation = DataValidation(type="list", formula1='"Có,Không"')
    validation.add("D2:D3")
    sheet.add_data_validation(validation)
    if roster:
        units = book.create_sheet(ROSTER)
        units.append(["STT", "Tên đơn vị"])
        units.append([1, "Trường THCS Ngọc Lâm"])
    other = book.create_sheet("Tính toán")
    other["A1"] = 2
    other["A2"] = "=A1*21"
    book.save(path)
    return path


def set_cached_value(path: Path, formula: str, value: str) -> None:
    """Give a formula the cached value Excel would have saved with it."""
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    for name, content in parts.items():
        parts[name] = content.replace(
            f"<f>{formula}</f><v></v>".encode(), f"<f>{formula}</f><v>{value}</v>".encode()
        )
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in parts.items():
            archive.writestr(name, content)


def temp_files(directory: Path) -> list[str]:
    return [p.name for p in directory.iterdir() if p.name.endswith(".tmp")]


# Reading


def test_read_gives_values_trimmed_like_the_sheets_api(tmp_path: Path) -> None:
    backend = XlsxBackend(make_book(tmp_path / "form.xlsx"))
    data = backend.read(None, ROSTER)
    assert data.source == str(tmp_path / "form.xlsx")
    assert data.responses.title == FORM
    assert data.responses.rows == [
        ["Dấu thời gian", "Tên đơn vị", "Số điện thoại 1", "Đã xác nhận"],
        [datetime(2024, 1, 30, 8, 15), "Trường THCS Ngọc Lâm", 984919862, True],
        [datetime(2024, 2, 1, 9, 0), "=cộng", 0.5],
    ]
    assert data.roster is not None
    assert data.roster.title == ROSTER
    assert data.roster.rows == [["STT", "Tên đơn vị"], [1, "Trường THCS Ngọc Lâm"]]


def test_read_keeps_row_and_column_positions(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active["B3"] = "x"
    book.active["D5"] = 1
    book.save(tmp_path / "gaps.xlsx")
    rows = XlsxBackend(tmp_path / "gaps.xlsx").read(None, ROSTER).responses.rows
    assert rows == [[], [], [None, "x"], [], [None, None, None, 1]]


def test_formula_gives_cached_value_else_its_text(tmp_path: Path) -> None:
    path = make_book(tmp_path / "form.xlsx")
    rows = XlsxBackend(path).read("Tính toán", ROSTER).responses.rows
    assert rows == [[2], ["=A1*21"]]
    set_cached_value(path, "A1*21", "42")
    rows = XlsxBackend(path).read("Tính toán", ROSTER).responses.rows
    assert rows == [[2], [42]]


@pytest.mark.parametrize("title", [FORM, "câu  trả lời biểu mẫu 1 ", "Tính toán"])
def test_worksheet_is_found_by_title(tmp_path: Path, title: str) -> None:
    data = XlsxBackend(make_book(tmp_path / "form.xlsx")).read(title, ROSTER)
    assert data.responses.title in (FORM, "Tính toán")


def test_no_roster_sheet_gives_no_roster(tmp_path: Path) -> None:
    data = XlsxBackend(make_book(tmp_path / "form.xlsx", roster=False)).read(None, ROSTER)
    assert data.roster is None


def test_missing_worksheet_lists_the_titles(tmp_path: Path) -> None:
    path = make_book(tmp_path / "form.xlsx")
    with pytest.raises(SourceError) as error:
        XlsxBackend(path).read("Trang 9", ROSTER)
    assert str(error.value) == (
        f"Không có trang tính “Trang 9” trong {path}; các trang hiện có: “{FORM}”, “{ROSTER}”, "
        "“Tính toán”. Sửa --worksheet cho đúng một trong các tên đó."
    )


def _not_a_zip(path: Path) -> None:
    path.write_text("Dấu thời gian,Tên đơn vị\n", encoding="utf-8")


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _zip_without_workbook(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "x")


def _cut_in_half(path: Path) -> None:
    make_book(path)
    path.write_bytes(path.read_bytes()[:1500])


@pytest.mark.parametrize("spoil", [_not_a_zip, _empty, _zip_without_workbook, _cut_in_half])
def test_a_broken_file_is_named_in_one_sentence(tmp_path: Path, spoil: object) -> None:
    path = tmp_path / "hỏng.xlsx"
    spoil(path)  # type: ignore[operator]
    with pytest.raises(SourceError) as error:
        XlsxBackend(path).read(None, ROSTER)
    assert str(error.value) == (
        f"Tệp {path} không phải tệp Excel .xlsx hợp lệ hoặc đã hỏng; mở bằng Excel, lưu lại "
        "dạng .xlsx rồi chạy lại."
    )


def test_an_old_xls_file_is_told_apart(tmp_path: Path) -> None:
    path = tmp_path / "cu.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    with pytest.raises(SourceError, match=r"là tệp Excel cũ \(\.xls\) hoặc có đặt mật khẩu"):
        XlsxBackend(path).read(None, ROSTER)


def test_missing_file_and_directory_and_no_permission(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "khong-co.xlsx"
    with pytest.raises(SourceError, match=re.escape(f"Không tìm thấy tệp {missing};")):
        XlsxBackend(missing).read(None, ROSTER)
    folder = tmp_path / "thu-muc.xlsx"
    folder.mkdir()
    with pytest.raises(SourceError, match="là thư mục"):
        XlsxBackend(folder).read(None, ROSTER)
    path = make_book(tmp_path / "form.xlsx")

    def refuse(self: Path, *args: object, **kwargs: object) -> object:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", refuse)
    with pytest.raises(SourceError) as error:
        XlsxBackend(path).read(None, ROSTER)
    assert str(error.value) == f"Không có quyền đọc tệp {path}; cấp quyền đọc rồi chạy lại."


# Writing


def test_write_round_trip(tmp_path: Path) -> None:
    backend = XlsxBackend(make_book(tmp_path / "form.xlsx"))
    data = backend.read(None, ROSTER)
    backend.write(
        [
            CellWrite(FORM, 1, 5, "Trạng thái"),
            CellWrite(FORM, 2, 5, "Hợp lệ"),
            CellWrite(FORM, 3, 5, "Cần sửa"),
            CellWrite(ROSTER, 1, 3, "Tình trạng nộp"),
            CellWrite(ROSTER, 2, 3, "Đã nộp"),
        ],
        data,
    )
    again = backend.read(None, ROSTER)
    assert [row[4:] for row in again.responses.rows] == [["Trạng thái"], ["Hợp lệ"], ["Cần sửa"]]
    assert again.roster is not None
    assert again.roster.rows == [
        ["STT", "Tên đơn vị", "Tình trạng nộp"],
        [1, "Trường THCS Ngọc Lâm", "Đã nộp"],
    ]
    # A second write after the first one needs no new read.
    backend.write([CellWrite(FORM, 2, 5, "Hợp lệ, cần lưu ý")], again)
    assert XlsxBackend(backend.path).read(None, ROSTER).responses.rows[1][4] == "Hợp lệ, cần lưu ý"


def test_a_write_keeps_everything_else(tmp_path: Path) -> None:
    path = make_book(tmp_path / "form.xlsx")
    backend = XlsxBackend(path)
    backend.write([CellWrite(FORM, 2, 5, "Hợp lệ")], backend.read(None, ROSTER))
    book = openpyxl.load_workbook(path)
    sheet = book[FORM]
    assert book.sheetnames == [FORM, ROSTER, "Tính toán"]
    assert book["Tính toán"]["A2"].value == "=A1*21"
    assert sheet["A1"].font.bold
    assert sheet["B2"].fill.fgColor.rgb == "00FFFF00"
    assert sheet["C2"].number_format == "0"
    assert sheet["C2"].value == 984919862
    assert sheet["A2"].value == datetime(2024, 1, 30, 8, 15)
    assert sheet.auto_filter.ref == "A1:D3"
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["B"].width == 42
    validations = sheet.data_validations.dataValidation
    assert [(v.formula1, str(v.sqref)) for v in validations] == [('"Có,Không"', "D2:D3")]


def test_a_status_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    path = make_book(tmp_path / "form.xlsx")
    backend = XlsxBackend(path)
    backend.write([CellWrite(FORM, 2, 5, '=HYPERLINK("x")')], backend.read(None, ROSTER))
    cell = openpyxl.load_workbook(path)[FORM]["E2"]
    assert (cell.value, cell.data_type) == ('=HYPERLINK("x")', "s")
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    element = re.search(r'<c r="E2"[^>]*>.*?</c>', xml)
    assert element is not None
    assert "<f>" not in element.group(0)
    assert 'HYPERLINK("x")' in element.group(0) or "HYPERLINK(&quot;x&quot;)" in element.group(0)


def test_an_empty_status_clears_the_cell(tmp_path: Path) -> None:
    backend = XlsxBackend(make_book(tmp_path / "form.xlsx"))
    backend.write([CellWrite(FORM, 2, 2, "")], backend.read(None, ROSTER))
    assert openpyxl.load_workbook(backend.path)[FORM]["B2"].value is None


def test_a_new_header_looks_like_its_neighbour(tmp_path: Path) -> None:
    path = make_book(tmp_path / "form.xlsx")
    book = openpyxl.load_workbook(path)
    book[FORM]["D1"].font = Font(bold=True, color="FF0000")
    book.save(path)
    backend = XlsxBackend(path)
    backend.write([CellWrite(FORM, 1, 5, "Trạng thái")], backend.read(None, ROSTER))
    cell = openpyxl.load_workbook(path)[FORM]["E1"]
    assert (cell.value, cell.font.bold, cell.font.color.rgb) == ("Trạng thái", True, "00FF0000")


def test_no_writes_leave_the_file_untouched(tmp_path: Path) -> None:
    path = make_book(tmp_path / "form.xlsx")
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    backend = XlsxBackend(path)
    backend.write([], backend.read(None, ROSTER))
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


def test_a_file_changed_since_the_read_is_not_written(tmp_path: Path) -> None:
    path = make_book(tmp_path / "form.xlsx")
    backend = XlsxBackend(path)
    data = backend.read(None, ROSTER)
    book = openpyxl.load_workbook(path)
    book[FORM]["B3"] = "sửa tay"
    book.save(path)
    changed = path.read_bytes()
    with pytest.raises(SheetChangedError) as error:
        backend.write([CellWrite(FORM, 2, 5, "Hợp lệ")], data)
    assert str(error.value) == (
        f"Tệp {path} đã bị thay đổi kể từ lúc đọc; chạy lại để kiểm tra trên dữ liệu mới."
    )
    assert path.read_bytes() == changed


@pytest.mark.parametrize(
    ("failure", "raised"),
    [(OSError(28, "No space left on device"), SourceError), (RuntimeError("x"), RuntimeError)],
)
def test_a_failed_save_leaves_the_original_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: Exception, raised: type[Exception]
) -> None:
    path = make_book(tmp_path / "form.xlsx")
    original = path.read_bytes()
    backend = XlsxBackend(path)
    data = backend.read(None, ROSTER)

    def save_half(self: object, handle: object) -> None:
        handle.write(original[: len(original) // 2])  # type: ignore[attr-defined]
        raise failure

    monkeypatch.setattr(PatchedBook, "save", save_half)
    with pytest.raises(raised):
        backend.write([CellWrite(FORM, 2, 5, "Hợp lệ")], data)
    assert path.read_bytes() == original
    assert temp_files(tmp_path) == []


def test_the_file_keeps_its_permissions(tmp_path: Path) -> None:
    path = make_book(tmp_path / "form.xlsx")
    path.chmod(0o640)
    backend = XlsxBackend(path)
    backend.write([CellWrite(FORM, 2, 5, "Hợp lệ")], backend.read(None, ROSTER))
    assert path.stat().st_mode & 0o777 == 0o640


def test_a_workbook_with_images_and_extensions_keeps_them_byte_for_byte(tmp_path: Path) -> None:
    path = make_book(tmp_path / "form.xlsx")
    kept = {
        "xl/media/image1.png": b"\x89PNG\r\n\x1a\n" + bytes(range(256)),
        "xl/drawings/drawing1.xml": b'<xdr:wsDr xmlns:xdr="urn:x"/>',
        "customXml/item1.xml": b"<extension/>",
    }
    with zipfile.ZipFile(path, "a") as archive:
        for name, content in kept.items():
            archive.writestr(name, content)
    with zipfile.ZipFile(path) as archive:
        before = {name: archive.read(name) for name in archive.namelist()}
    backend = XlsxBackend(path)
    backend.write([CellWrite(FORM, 2, 5, "Hợp lệ")], backend.read(None, ROSTER))
    with zipfile.ZipFile(path) as archive:
        after = {name: archive.read(name) for name in archive.namelist()}
    assert list(after) == list(before)
    assert [name for name in before if after[name] != before[name]] == ["xl/worksheets/sheet1.xml"]
    assert {name: after[name] for name in kept} == kept
    assert openpyxl.load_workbook(path)[FORM]["E2"].value == "Hợp lệ"


KILLED_WRITER = textwrap.dedent(
    """
    import sys
    import time
    from pathlib import Path

    from sheets_sync.model import CellWrite
    from sheets_sync.sheets.xlsx import XlsxBackend
    from sheets_sync.sheets.xlsx_patch import PatchedBook

    class SlowDisk:
        # Stretches the save so that most kills land in the middle of one.
        def __init__(self, handle):
            self.handle = handle

        def write(self, data):
            time.sleep(0.004)
            return self.handle.write(data)

        def __getattr__(self, name):
            return getattr(self.handle, name)

    save = PatchedBook.save
    PatchedBook.save = lambda book, handle: save(book, SlowDisk(handle))
    backend = XlsxBackend(Path(sys.argv[1]))
    with backend.lock():
        for round in range(1000):
            data = backend.read(None, "Danh sách đơn vị")
            title = data.responses.title
            value = f"lần {round}"
            backend.write([CellWrite(title, r, 3, value) for r in range(1, 1501)], data)
            print(value, flush=True)
    """
)


def test_a_killed_write_leaves_the_old_or_the_new_file(tmp_path: Path) -> None:
    path = tmp_path / "lon.xlsx"
    book = openpyxl.Workbook()
    for number in range(1500):
        book.active.append([number, f"Đơn vị {number}", "cũ"] + [f"ô {n}" for n in range(17)])
    book.save(path)
    rng = random.Random(20240205)
    deadline = time.monotonic() + 60
    kills = 0
    while kills < 4 and time.monotonic() < deadline:
        child = subprocess.Popen(
            [sys.executable, "-c", KILLED_WRITER, str(path)], stdout=subprocess.PIPE, text=True
        )
        assert child.stdout is not None
        child.stdout.readline()  # one write went through: the next ones are in flight
        time.sleep(rng.uniform(0.2, 1.8))
        child.send_signal(signal.SIGKILL)
        child.communicate()
        kills += 1
        sheet = openpyxl.load_workbook(path).active
        values = {sheet.cell(row=r, column=3).value for r in range(1, 1501)}
        assert len(values) == 1
        assert re.fullmatch(r"lần \d+", values.pop())
        # The dead run's lock is stale: the next run takes it over and clears its temp file.
        with locked(path):
            assert temp_files(tmp_path) == []
    assert kills >= 2


# The lock


def test_the_lock_is_taken_and_released(tmp_path: Path) -> None:
    path = make_book(tmp_path / "form.xlsx")
    backend = XlsxBackend(path)
    with backend.lock():
        assert lock_path(path).read_text(encoding="utf-8").split()[0] == str(os.getpid())
        with pytest.raises(LockedError) as error:
            XlsxBackend(path).lock().__enter__()
    assert not lock_path(path).exists()
    assert str(error.value) == (
        f"Tệp {path} đang được một lần chạy khác (PID {os.getpid()}) ghi; chờ lần đó xong rồi "
        f"chạy lại (nếu không còn lần chạy nào, xóa tệp {lock_path(path)})."
    )


def test_a_lock_held_by_a_live_process_is_respected(tmp_path: Path) -> None:
    path = make_book(tmp_path / "form.xlsx")
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        lock_path(path).write_text(f"{sleeper.pid} {socket.gethostname()}\n", encoding="utf-8")
        with pytest.raises(LockedError, match=f"PID {sleeper.pid}"), locked(path):
            pass
    finally:
        sleeper.kill()
        sleeper.wait()
    assert lock_path(path).exists()


def test_a_stale_lock_is_taken_over(tmp_path: Path) -> None:
    path = make_book(tmp_path / "form.xlsx")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    lock_path(path).write_text(f"{dead.pid} {socket.gethostname()}\n", encoding="utf-8")
    leftover = tmp_path / ".form.xlsx.sheets-sync-abc.tmp"
    leftover.write_bytes(b"half")
    with locked(path):
        assert lock_path(path).read_text(encoding="utf-8").split()[0] == str(os.getpid())
        assert not leftover.exists()
    assert not lock_path(path).exists()


@pytest.mark.parametrize("text", ["4242 another-machine\n", "", "garbage"])
def test_a_lock_that_cannot_be_checked_is_respected(tmp_path: Path, text: str) -> None:
    path = make_book(tmp_path / "form.xlsx")
    lock_path(path).write_text(text, encoding="utf-8")
    with pytest.raises(LockedError), locked(path):
        pass


def test_an_old_empty_lock_is_taken_over(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = make_book(tmp_path / "form.xlsx")
    lock_path(path).write_text("", encoding="utf-8")
    monkeypatch.setattr(localfile, "_EMPTY_LOCK_GRACE_S", -1.0)
    with locked(path):
        assert lock_path(path).read_text(encoding="utf-8").startswith(str(os.getpid()))


@pytest.mark.parametrize("owner", ["~$form.xlsx", ".~lock.form.xlsx#"])
def test_a_file_open_in_excel_is_not_written(tmp_path: Path, owner: str) -> None:
    path = make_book(tmp_path / "form.xlsx")
    (tmp_path / owner).write_bytes(b"owner")
    backend = XlsxBackend(path)
    with backend.lock(writing=False):
        data = backend.read(None, ROSTER)
    message = (
        f"Tệp {path} đang mở trong Excel hoặc LibreOffice (có tệp khóa {owner}); "
        f"đóng tệp rồi chạy lại (nếu không mở ở đâu, xóa tệp {tmp_path / owner})."
    )
    with pytest.raises(LockedError) as error, backend.lock(writing=True):
        pass
    assert str(error.value) == message
    original = path.read_bytes()
    with pytest.raises(LockedError):
        backend.write([CellWrite(FORM, 2, 5, "Hợp lệ")], data)
    assert path.read_bytes() == original
    assert not lock_path(path).exists()


# A roster kept in a file of its own


def test_the_roster_sheet_wins_over_the_roster_file(tmp_path: Path) -> None:
    roster = tmp_path / "don-vi.csv"
    roster.write_text("Tên đơn vị\nA\n", encoding="utf-8")
    data = XlsxBackend(make_book(tmp_path / "form.xlsx"), roster).read(None, ROSTER)
    assert data.roster is not None
    assert data.roster.rows[1] == [1, "Trường THCS Ngọc Lâm"]


def test_a_roster_workbook_is_read_and_written(tmp_path: Path) -> None:
    roster = tmp_path / "don-vi.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "Đơn vị"
    book.active.append(["Tên đơn vị"])
    book.active.append(["Trường THCS Ngọc Lâm"])
    book.save(roster)
    backend = XlsxBackend(make_book(tmp_path / "form.xlsx", roster=False), roster)
    data = backend.read(None, ROSTER)
    assert data.roster is not None
    assert (data.roster.title, data.roster.rows) == (
        ROSTER,
        [["Tên đơn vị"], ["Trường THCS Ngọc Lâm"]],
    )
    with backend.lock():
        assert lock_path(roster).exists()
        backend.write(
            [
                CellWrite(FORM, 2, 5, "Hợp lệ"),
                CellWrite(ROSTER, 1, 2, "Tình trạng nộp"),
                CellWrite(ROSTER, 2, 2, "Đã nộp"),
            ],
            data,
        )
    assert [[c.value for c in row] for row in openpyxl.load_workbook(roster)["Đơn vị"].rows] == [
        ["Tên đơn vị", "Tình trạng nộp"],
        ["Trường THCS Ngọc Lâm", "Đã nộp"],
    ]
    assert openpyxl.load_workbook(backend.path)[FORM]["E2"].value == "Hợp lệ"


def test_the_source_itself_as_roster_file_is_refused(tmp_path: Path) -> None:
    path = make_book(tmp_path / "form.xlsx", roster=False)
    with pytest.raises(SourceError, match="chính là tệp nguồn"):
        XlsxBackend(path, path).read(None, ROSTER)


def test_a_roster_file_of_another_kind_is_refused(tmp_path: Path) -> None:
    roster = tmp_path / "don-vi.ods"
    roster.write_bytes(b"x")
    with pytest.raises(SourceError, match=r"phải là tệp \.xlsx hoặc \.csv"):
        XlsxBackend(make_book(tmp_path / "form.xlsx", roster=False), roster).read(None, ROSTER)
