"""The local CSV backend: encodings, delimiters, byte-faithful writes, CSV injection."""

from __future__ import annotations

import codecs
import os
import unicodedata
from pathlib import Path

import openpyxl
import pytest

from sheets_sync.errors import LockedError, SheetChangedError, SourceError
from sheets_sync.model import CellWrite
from sheets_sync.sheets.csvfile import CsvBackend, escape_formula, parse_csv
from sheets_sync.sheets.localfile import lock_path

ROSTER = "Danh sách đơn vị"
HEADER = ["Dấu thời gian", "Tên đơn vị", "Số điện thoại 1"]
ROW = ["30/01/2024 08:15:00", "Trường THCS Ngọc Lâm", "0984.919.862"]


def cp1258_bytes(text: str) -> bytes:
    """Spell text as Excel on a Vietnamese Windows saves it: base letters plus tone marks."""
    from sheets_sync.sheets.csvfile import _cp1258_form

    return _cp1258_form(text).encode("cp1258")


def write_csv_file(path: Path, text: str, encoding: str) -> Path:
    if encoding == "cp1258-vn":
        path.write_bytes(cp1258_bytes(text))
    else:
        path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize(
    "encoding", ["utf-8", "utf-8-sig", "cp1258-vn", "utf-16", "utf-16-le", "utf-16-be"]
)
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
@pytest.mark.parametrize("newline", ["\r\n", "\n"])
def test_read_any_common_spelling(
    tmp_path: Path, encoding: str, delimiter: str, newline: str
) -> None:
    text = newline.join(delimiter.join(row) for row in (HEADER, ROW)) + newline
    path = write_csv_file(tmp_path / "tra-loi.csv", text, encoding)
    data = CsvBackend(path).read(None, ROSTER)
    rows = [
        [unicodedata.normalize("NFC", str(cell)) for cell in row] for row in data.responses.rows
    ]
    assert (data.responses.title, rows) == ("tra-loi", [HEADER, ROW])
    assert data.roster is None


@pytest.mark.parametrize(
    ("text", "rows"),
    [
        ("a,b,,\r\n1,,,\r\n,,,\r\n\r\n", [["a", "b"], ["1"]]),
        ('a,b\r\n"x, y","dòng 1\r\ndòng 2"\r\n', [["a", "b"], ["x, y", "dòng 1\r\ndòng 2"]]),
        ("a\r\n\r\nb", [["a"], [], ["b"]]),
        ("a,b\r\n'=1+2,'+84\r\n", [["a", "b"], ["=1+2", "+84"]]),
        ("a,b\r\n'x,=1+2\r\n", [["a", "b"], ["'x", "=1+2"]]),
        ("", []),
    ],
)
def test_rows_are_trimmed_like_the_sheets_api(
    tmp_path: Path, text: str, rows: list[list[str]]
) -> None:
    path = tmp_path / "f.csv"
    path.write_text(text, encoding="utf-8", newline="")
    assert CsvBackend(path).read(None, ROSTER).responses.rows == rows


def test_semicolons_inside_a_comma_file_do_not_fool_the_guess(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text("Tên đơn vị,Ghi chú\r\nA,x; y; z\r\nB,p; q\r\n", encoding="utf-8")
    assert parse_csv(path.read_bytes(), path).delimiter == ","


STATUS = [
    CellWrite("tra-loi", 1, 4, "Trạng thái"),
    CellWrite("tra-loi", 2, 4, "Hợp lệ"),
]


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [
        ("utf-8", b""),
        ("utf-8-sig", codecs.BOM_UTF8),
        ("cp1258-vn", b""),
        ("utf-16", codecs.BOM_UTF16_LE),
    ],
)
def test_write_keeps_the_encoding_and_untouched_records(
    tmp_path: Path, encoding: str, bom: bytes
) -> None:
    lines = [
        ";".join(HEADER),
        ";".join(ROW),
        '"Trường MN Hoa Sữa";"ghi ""chú""";"=1+1";',
        "",
    ]
    text = "\r\n".join(lines)
    path = write_csv_file(tmp_path / "tra-loi.csv", text, encoding)
    before = path.read_bytes()
    backend = CsvBackend(path)
    backend.write(STATUS, backend.read(None, ROSTER))
    after = path.read_bytes()
    assert after.startswith(bom)
    decoded = parse_csv(after, path)
    assert decoded.codec == parse_csv(before, path).codec
    # The third record nobody wrote to is the same bytes as before.
    assert before.endswith(after[after.rindex(encode_like(encoding, '\r\n"Trường MN')) :])
    assert [unicodedata.normalize("NFC", r) for r in decoded.records[:2]] == [
        ";".join([*HEADER, "Trạng thái"]) + "\r\n",
        ";".join([*ROW, "Hợp lệ"]) + "\r\n",
    ]


def encode_like(encoding: str, text: str) -> bytes:
    if encoding == "cp1258-vn":
        return cp1258_bytes(text)
    return text.encode("utf-16-le" if encoding == "utf-16" else "utf-8")


def test_unix_line_endings_and_no_final_newline_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "tra-loi.csv"
    path.write_bytes(b"a,b\n1,2\n3,4")
    backend = CsvBackend(path)
    data = backend.read(None, ROSTER)
    backend.write([CellWrite("tra-loi", 1, 3, "x"), CellWrite("tra-loi", 3, 3, "y")], data)
    assert path.read_bytes() == b"a,b,x\n1,2\n3,4,y"


def test_a_write_past_the_last_record_adds_rows(tmp_path: Path) -> None:
    path = tmp_path / "tra-loi.csv"
    path.write_bytes(b"a,b\r\n1,2")
    backend = CsvBackend(path)
    backend.write([CellWrite("tra-loi", 4, 2, "z")], backend.read(None, ROSTER))
    assert path.read_bytes() == b"a,b\r\n1,2\r\n\r\n,z\r\n"


def test_vietnamese_in_an_ascii_file_gets_a_utf8_bom(tmp_path: Path) -> None:
    path = tmp_path / "tra-loi.csv"
    path.write_bytes(b"Ten don vi\r\nA\r\n")
    backend = CsvBackend(path)
    backend.write([CellWrite("tra-loi", 1, 2, "Trạng thái")], backend.read(None, ROSTER))
    assert path.read_bytes() == codecs.BOM_UTF8 + "Ten don vi,Trạng thái\r\nA\r\n".encode()


def test_text_cp1258_cannot_hold_moves_the_file_to_utf8(tmp_path: Path) -> None:
    path = tmp_path / "tra-loi.csv"
    path.write_bytes(cp1258_bytes("Tên đơn vị\r\nTrường MN Hoa Sữa\r\n"))
    backend = CsvBackend(path)
    backend.write([CellWrite("tra-loi", 2, 2, "Hợp lệ → 中")], backend.read(None, ROSTER))
    after = path.read_bytes()
    assert after.startswith(codecs.BOM_UTF8)
    text = unicodedata.normalize("NFC", after[3:].decode("utf-8"))
    assert text == "Tên đơn vị\r\nTrường MN Hoa Sữa,Hợp lệ → 中\r\n"


def test_cp1258_spelling_round_trips() -> None:
    from sheets_sync.sheets.csvfile import _cp1258_form

    for text in ("Hợp lệ, cần lưu ý", "Đã thay bằng lần gửi sau", "Chưa nộp", "Nguyễn Thị Thu Hà"):
        decoded = _cp1258_form(text).encode("cp1258").decode("cp1258")
        assert unicodedata.normalize("NFC", decoded) == text


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("x")', '"\'=HYPERLINK(""x"")"'),
        ("+84", "'+84"),
        ("-abc", "'-abc"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", '"\'\rx"'),
        ("Hợp lệ", "Hợp lệ"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_a_status_that_looks_like_a_formula_gets_a_quote(
    tmp_path: Path, value: str, written: str
) -> None:
    path = tmp_path / "tra-loi.csv"
    path.write_bytes("a,b\r\n=1+1,x\r\n".encode("utf-8-sig"))
    backend = CsvBackend(path)
    backend.write([CellWrite("tra-loi", 2, 2, value)], backend.read(None, ROSTER))
    assert path.read_bytes() == ("a,b\r\n=1+1," + written + "\r\n").encode("utf-8-sig")
    # Read back, the status is what was meant, so an unchanged run writes nothing again.
    assert backend.read(None, ROSTER).responses.rows[1][1:] == ([value] if value else [])


@pytest.mark.parametrize(
    ("value", "escaped"), [("=1", "'=1"), ("Hợp lệ", "Hợp lệ"), ("'=1", "'=1")]
)
def test_escape_formula(value: str, escaped: str) -> None:
    assert escape_formula(value) == escaped


def test_no_writes_leave_the_file_untouched(tmp_path: Path) -> None:
    path = tmp_path / "tra-loi.csv"
    path.write_bytes(b"a,b\r\n1,2\r\n")
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    backend = CsvBackend(path)
    backend.write([], backend.read(None, ROSTER))
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


def test_a_file_changed_since_the_read_is_not_written(tmp_path: Path) -> None:
    path = tmp_path / "tra-loi.csv"
    path.write_bytes(b"a,b\r\n1,2\r\n")
    backend = CsvBackend(path)
    data = backend.read(None, ROSTER)
    st = path.stat()
    path.write_bytes(b"a,b\r\n2,1\r\n")
    # Same size, same time: only the content tells.
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    with pytest.raises(SheetChangedError):
        backend.write([CellWrite("tra-loi", 2, 3, "Hợp lệ")], data)
    assert path.read_bytes() == b"a,b\r\n2,1\r\n"


def test_a_failed_write_leaves_the_original_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "tra-loi.csv"
    path.write_bytes(b"a,b\r\n1,2\r\n")
    backend = CsvBackend(path)
    data = backend.read(None, ROSTER)

    def no_space(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(SourceError) as error:
        backend.write([CellWrite("tra-loi", 2, 3, "Hợp lệ")], data)
    assert str(error.value) == (
        f"Không ghi được tệp {path} (ổ đĩa đã đầy); kiểm tra tệp rồi chạy lại."
    )
    assert path.read_bytes() == b"a,b\r\n1,2\r\n"
    assert [p.name for p in tmp_path.iterdir()] == ["tra-loi.csv"]


def test_a_file_open_in_excel_is_not_written(tmp_path: Path) -> None:
    path = tmp_path / "tra-loi.csv"
    path.write_bytes(b"a,b\r\n1,2\r\n")
    (tmp_path / "~$tra-loi.csv").write_bytes(b"owner")
    backend = CsvBackend(path)
    with backend.lock(writing=False):
        assert lock_path(path).exists()
        data = backend.read(None, ROSTER)
    with pytest.raises(LockedError, match="đang mở trong Excel"):
        backend.write([CellWrite("tra-loi", 2, 3, "Hợp lệ")], data)
    with pytest.raises(LockedError), backend.lock():
        pass


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"PK\x03\x04rest", "là tệp Excel chứ không phải CSV; đổi đuôi tệp thành .xlsx"),
        (b"a,b\r\n\x81\x8d\x8f\x90\r\n", "Không đọc được bảng mã chữ của tệp"),
        (b'a,b\r\n"' + b"x" * 200_000 + b'"\r\n', "không đúng dạng CSV"),
    ],
)
def test_a_file_that_is_not_a_csv_is_named(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "tra-loi.csv"
    path.write_bytes(content)
    with pytest.raises(SourceError) as error:
        CsvBackend(path).read(None, ROSTER)
    assert message in str(error.value)
    assert str(path) in str(error.value)


def test_a_worksheet_other_than_the_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "tra-loi.csv"
    path.write_bytes(b"a\r\n")
    assert CsvBackend(path).read("tra-loi", ROSTER).responses.rows == [["a"]]
    with pytest.raises(SourceError) as error:
        CsvBackend(path).read("Trang tính 2", ROSTER)
    assert str(error.value) == (
        f"Tệp CSV {path} chỉ có một trang tính; bỏ tùy chọn --worksheet rồi chạy lại."
    )


def test_a_roster_workbook_is_read_and_written(tmp_path: Path) -> None:
    path = tmp_path / "tra-loi.csv"
    path.write_bytes("Tên đơn vị\r\nA\r\n".encode())
    roster = tmp_path / "don-vi.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "Khác"
    units = book.create_sheet("danh sách đơn vị")
    units.append(["Tên đơn vị"])
    units.append(["A"])
    book.save(roster)
    backend = CsvBackend(path, roster)
    data = backend.read(None, ROSTER)
    assert data.roster is not None
    assert (data.roster.title, data.roster.rows) == (ROSTER, [["Tên đơn vị"], ["A"]])
    backend.write([CellWrite("tra-loi", 2, 2, "Hợp lệ"), CellWrite(ROSTER, 2, 2, "Đã nộp")], data)
    assert openpyxl.load_workbook(roster)["danh sách đơn vị"]["B2"].value == "Đã nộp"
    assert path.read_bytes() == "Tên đơn vị\r\nA,Hợp lệ\r\n".encode()


def test_a_roster_csv_is_read_and_written(tmp_path: Path) -> None:
    path = tmp_path / "Danh sách đơn vị.csv"
    path.write_bytes("Tên đơn vị\r\nA\r\n".encode())
    roster = tmp_path / "don-vi.csv"
    roster.write_bytes("STT;Tên đơn vị\r\n1;A\r\n".encode("utf-8-sig"))
    backend = CsvBackend(path, roster)
    data = backend.read(None, ROSTER)
    assert data.roster is not None
    # The responses already go by the roster's usual title: the roster's gets the file name.
    assert data.roster.title == "Danh sách đơn vị (don-vi.csv)"
    with backend.lock():
        assert lock_path(roster).exists()
        backend.write([CellWrite(data.roster.title, 2, 3, "Chưa nộp")], data)
    assert roster.read_bytes() == "STT;Tên đơn vị\r\n1;A;Chưa nộp\r\n".encode("utf-8-sig")
    assert path.read_bytes() == "Tên đơn vị\r\nA\r\n".encode()


def test_a_write_to_a_sheet_never_read_is_a_bug(tmp_path: Path) -> None:
    path = tmp_path / "tra-loi.csv"
    path.write_bytes(b"a\r\n")
    backend = CsvBackend(path)
    data = backend.read(None, ROSTER)
    with pytest.raises(ValueError, match="no sheet titled"):
        backend.write([CellWrite(ROSTER, 1, 2, "x")], data)


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_read_and_written_in_its_own_encoding(
    tmp_path: Path, codec: str
) -> None:
    """UTF-16 saved without a byte-order mark is not mistaken for a wrong sheet."""
    text = "".join(",".join(row) + "\r\n" for row in (HEADER, ROW))
    path = write_csv_file(tmp_path / "tra-loi.csv", text, codec)
    backend = CsvBackend(path)
    data = backend.read(None, ROSTER)
    assert data.responses.rows == [HEADER, ROW]
    backend.write([CellWrite("tra-loi", 2, 4, "Hợp lệ")], data)
    assert path.read_bytes() == text.replace(ROW[-1], ROW[-1] + ",Hợp lệ").encode(codec)
