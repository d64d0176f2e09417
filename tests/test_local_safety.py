"""Local files: read-only files and disks are refused up front, modes are kept."""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from sheets_sync.cli import main
from sheets_sync.model import CellWrite
from sheets_sync.sheets import localfile
from sheets_sync.sheets.csvfile import CsvBackend
from sheets_sync.sheets.xlsx import XlsxBackend
from tests.helpers import HEADER, ROSTER, row

EXAMPLE = Path(__file__).parent.parent / "examples" / "form-responses.xlsx"
UNITS = "Danh sách đơn vị"


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def write_csv(path: Path, rows: list[list[Any]]) -> Path:
    lines = [",".join(f'"{cell}"' for cell in line) for line in rows]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8-sig")
    return path


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    path = tmp_path / "responses.xlsx"
    shutil.copy(EXAMPLE, path)
    return path


@pytest.fixture
def roster_file(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "don-vi.csv", ROSTER)


def assert_refused(result: Result, expected: str, files: dict[Path, bytes], out: Path) -> None:
    assert result.exit_code == 1, result.output
    assert result.stderr.strip().splitlines() == [f"Lỗi: {expected}"]
    assert {path: path.read_bytes() for path in files} == files
    assert not out.exists()


def test_read_only_workbook_is_refused_and_left_alone(workbook: Path, tmp_path: Path) -> None:
    workbook.chmod(0o444)
    before = {workbook: workbook.read_bytes()}
    out = tmp_path / "out"
    result = invoke("run", str(workbook), "--out", str(out))
    assert_refused(
        result,
        f"Tệp {workbook} đang đặt chỉ đọc (read-only): cho phép ghi tệp (chmod u+w) rồi chạy lại. "
        "Chưa ghi gì.",
        before,
        out,
    )
    assert workbook.stat().st_mode & 0o777 == 0o444
    assert invoke("check", str(workbook)).exit_code == 0  # reading stays allowed


def test_read_only_roster_file_is_refused(tmp_path: Path, roster_file: Path) -> None:
    source = write_csv(tmp_path / "tra-loi.csv", [HEADER, row()])
    roster_file.chmod(0o444)
    before = {source: source.read_bytes(), roster_file: roster_file.read_bytes()}
    out = tmp_path / "out"
    result = invoke("run", str(source), "--roster", str(roster_file), "--out", str(out))
    assert_refused(
        result,
        f"Tệp {roster_file} đang đặt chỉ đọc (read-only): cho phép ghi tệp (chmod u+w) rồi "
        "chạy lại. Chưa ghi gì.",
        before,
        out,
    )


def test_a_read_only_file_on_windows_is_explained_with_the_properties_dialog() -> None:
    from sheets_sync.sheets.localfile import read_only_file

    said = read_only_file(Path("D:/sheets-sync/cau-tra-loi.xlsx"), "win32")
    assert said == (
        f"Tệp {Path('D:/sheets-sync/cau-tra-loi.xlsx')} đang đặt chỉ đọc (read-only): bấm chuột "
        "phải vào tệp → Thuộc tính (Properties) → bỏ chọn Chỉ đọc (Read-only) rồi chạy lại. "
        "Chưa ghi gì."
    )
    assert "chmod" not in said


class ReadOnlyDisk:
    """What os.statvfs says of a folder on a read-only mount."""

    f_flag = os.ST_RDONLY


def test_read_only_disk_is_named_as_such(
    workbook: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "statvfs", lambda path: ReadOnlyDisk())
    before = {workbook: workbook.read_bytes()}
    out = tmp_path / "out"
    result = invoke("run", str(workbook), "--out", str(out))
    assert_refused(
        result,
        f"Thư mục hoặc ổ đĩa chứa tệp {workbook} chỉ cho đọc (ổ chỉ đọc, thẻ nhớ khóa ghi, thư "
        "mục chia sẻ chỉ xem): chép tệp sang một thư mục ghi được rồi chạy lại. Chưa ghi gì.",
        before,
        out,
    )


def test_a_disk_turning_read_only_during_the_write_is_not_called_an_open_file(
    workbook: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = XlsxBackend(workbook)
    data = backend.read(None, UNITS)
    before = workbook.read_bytes()

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(localfile.tempfile, "mkstemp", refuse)
    with pytest.raises(localfile.SourceError) as err:
        backend.write([CellWrite(data.responses.title, 1, 40, "x")], data)
    assert str(err.value).startswith(f"Thư mục hoặc ổ đĩa chứa tệp {workbook} chỉ cho đọc")
    assert "Excel" not in str(err.value) and "đóng tệp" not in str(err.value)
    assert workbook.read_bytes() == before


@pytest.mark.parametrize("mode", [0o664, 0o640, 0o604])
def test_a_replaced_file_keeps_its_mode(tmp_path: Path, workbook: Path, mode: int) -> None:
    source = write_csv(tmp_path / "tra-loi.csv", [HEADER, row()])
    for path in (workbook, source):
        path.chmod(mode)
    book = XlsxBackend(workbook)
    data = book.read(None, UNITS)
    book.write([CellWrite(data.responses.title, 1, 40, "x")], data)
    csv = CsvBackend(source)
    data = csv.read(None, UNITS)
    csv.write([CellWrite(data.responses.title, 1, 40, "x")], data)
    for path in (workbook, source):
        assert path.stat().st_mode & 0o7777 == mode
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_a_file_is_stamped_the_same_whether_read_whole_or_in_chunks(tmp_path: Path) -> None:
    path = tmp_path / "tra-loi.xlsx"
    path.write_bytes(os.urandom(3 * (1 << 20) + 17))
    assert localfile.file_stamp(path) == localfile.read_stamped(path)[1]
    path.write_bytes(b"")
    assert localfile.file_stamp(path) == localfile.read_stamped(path)[1]
    with pytest.raises(localfile.SourceError, match="Không tìm thấy tệp"):
        localfile.file_stamp(tmp_path / "khong-co.xlsx")
