"""The --out folder: nothing changes there until a run's statuses are written."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest
from click.testing import CliRunner

from sheets_sync.cli import main
from sheets_sync.config import DocumentSettings
from sheets_sync.documents import STAGING_DIR, DocumentMaker, write_documents, write_if_changed
from sheets_sync.documents import folder as folder_module
from sheets_sync.errors import SourceError
from sheets_sync.sheets.xlsx import XlsxBackend

from .helpers import HEADER, row
from .test_documents import DAY, NGOC_LAM, result, staff

EXAMPLE = Path(__file__).parent.parent / "examples" / "form-responses.xlsx"


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    copy = tmp_path / "responses.xlsx"
    shutil.copy(EXAMPLE, copy)
    return copy


@pytest.fixture
def maker() -> DocumentMaker:
    return DocumentMaker(DocumentSettings(), today=DAY)


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every entry below `folder` with its bytes and modification time."""
    return {
        str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else b"", p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
    }


def invoke(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


# --- staged until the statuses are written ---------------------------------------------


def test_a_failed_status_write_leaves_the_folder_as_it_was(
    workbook: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "danh-sach"
    assert invoke("run", str(workbook), "--out", str(out)).exit_code == 0
    (out / "ghi-chu.txt").write_text("của người dùng")
    before = snapshot(out)
    # New data for every unit: each list would change.
    book = openpyxl.load_workbook(workbook)
    sheet = book.worksheets[0]
    for cells in sheet.iter_rows(min_row=2):
        cells[2].value = f"{cells[2].value} mới" if cells[2].value else cells[2].value
    book.save(workbook)

    def refuse(self: XlsxBackend, writes: object, read: object) -> None:
        raise SourceError("Không có quyền ghi vào bảng tính.")

    monkeypatch.setattr(XlsxBackend, "write", refuse)
    failed = invoke("run", str(workbook), "--out", str(out))
    assert failed.exit_code == 1
    assert "Không có quyền ghi vào bảng tính." in failed.output
    assert snapshot(out) == before


def test_lists_are_put_in_place_only_after_the_statuses(
    workbook: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "danh-sach"
    seen: list[list[str]] = []
    original = XlsxBackend.write

    def spy(self: XlsxBackend, writes: Any, read: Any) -> None:
        seen.append(sorted(p.name for p in out.glob("*.docx")))
        original(self, writes, read)

    monkeypatch.setattr(XlsxBackend, "write", spy)
    assert invoke("run", str(workbook), "--out", str(out)).exit_code == 0
    assert seen == [[]]
    assert (out / "tong-hop.docx").is_file()
    assert not (out / STAGING_DIR).exists()


def test_a_leftover_staging_folder_is_cleared(tmp_path: Path, maker: DocumentMaker) -> None:
    (tmp_path / STAGING_DIR).mkdir()
    (tmp_path / STAGING_DIR / "truong-cu.docx").write_bytes(b"half")
    write_documents([NGOC_LAM], tmp_path, maker)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "tong-hop.docx",
        "truong-thcs-ngoc-lam.docx",
    ]


# --- lists no valid submission backs ---------------------------------------------------


def test_stale_lists_move_to_cu_and_other_files_stay(tmp_path: Path, maker: DocumentMaker) -> None:
    hoa_sua = result("Trường MN Hoa Sữa", [staff("Lê Văn Tư", "Chủ tịch")])
    write_documents([NGOC_LAM, hoa_sua], tmp_path, maker)
    old_list = (tmp_path / "truong-mn-hoa-sua.docx").read_bytes()
    docx.Document().save(str(tmp_path / "cong-van.docx"))  # the user's own Word file
    edited = docx.Document(str(tmp_path / "truong-thcs-ngoc-lam.docx"))
    edited.core_properties.last_modified_by = "Nguyễn Văn A"  # as Word does on save
    shutil.copy(tmp_path / "truong-thcs-ngoc-lam.docx", tmp_path / "ban-sao.docx")
    edited.save(str(tmp_path / "da-sua.docx"))
    (tmp_path / "ghi-chu.docx").write_text("không phải Word")

    outcome = write_documents([NGOC_LAM], tmp_path, maker)
    assert outcome.retired == ["ban-sao.docx", "truong-mn-hoa-sua.docx"]
    assert (tmp_path / "cu" / "truong-mn-hoa-sua.docx").read_bytes() == old_list
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "cong-van.docx",
        "cu",
        "da-sua.docx",
        "ghi-chu.docx",
        "tong-hop.docx",
        "truong-thcs-ngoc-lam.docx",
    ]


def test_run_says_which_lists_it_moved(workbook: Path, tmp_path: Path) -> None:
    out = tmp_path / "danh-sach"
    assert invoke("run", str(workbook), "--out", str(out)).exit_code == 0
    shutil.copy(out / "tong-hop.docx", out / "truong-da-giai-the.docx")
    again = invoke("run", str(workbook), "--out", str(out))
    assert again.exit_code == 0, again.output
    assert (
        f"Đã chuyển 1 danh sách cũ không còn lần gửi hợp lệ vào {out}/cu/: truong-da-giai-the.docx."
        in again.output.splitlines()
    )
    assert (out / "cu" / "truong-da-giai-the.docx").is_file()
    assert not (out / "truong-da-giai-the.docx").exists()


def rewrite_part(path: Path, part: str, data: bytes) -> None:
    """Replace one part of a .docx, as another program saving it would."""
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    parts[part] = data
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in parts.items():
            archive.writestr(name, content)


def saved_in_word(path: Path) -> bytes:
    edited = docx.Document(str(path))
    edited.core_properties.last_modified_by = "Nguyễn Văn A"  # as Word does on save
    edited.add_paragraph("Ghi chú của cán bộ")
    edited.save(str(path))
    return path.read_bytes()


def saved_in_libreoffice(path: Path) -> bytes:
    app = b"<Properties><Application>LibreOffice/7.6</Application></Properties>"
    rewrite_part(path, "docProps/app.xml", app)
    return path.read_bytes()


@pytest.mark.parametrize("save", [saved_in_word, saved_in_libreoffice])
def test_a_list_someone_edited_is_kept_and_the_new_one_put_beside(
    tmp_path: Path, maker: DocumentMaker, save: Any
) -> None:
    write_documents([NGOC_LAM], tmp_path, maker)
    made = (tmp_path / "truong-thcs-ngoc-lam.docx").read_bytes()
    edited = save(tmp_path / "truong-thcs-ngoc-lam.docx")
    edited_summary = save(tmp_path / "tong-hop.docx")

    outcome = write_documents([NGOC_LAM], tmp_path, maker)  # the same data again
    assert sorted(outcome.edited) == ["tong-hop.docx", "truong-thcs-ngoc-lam.docx"]
    assert (tmp_path / "da-sua" / "truong-thcs-ngoc-lam.docx").read_bytes() == edited
    assert (tmp_path / "da-sua" / "tong-hop.docx").read_bytes() == edited_summary
    assert (tmp_path / "truong-thcs-ngoc-lam.docx").read_bytes() == made

    save(tmp_path / "truong-thcs-ngoc-lam.docx")
    assert write_documents([NGOC_LAM], tmp_path, maker).edited == ["truong-thcs-ngoc-lam (2).docx"]
    assert (tmp_path / "da-sua" / "truong-thcs-ngoc-lam.docx").read_bytes() == edited


def test_lists_made_from_a_template_are_replaced_and_moved_as_the_tools_own(
    tmp_path: Path,
) -> None:
    template = Path(__file__).parent.parent / "examples" / "mau-danh-sach.docx"
    maker = DocumentMaker(DocumentSettings(), template, today=DAY)
    hoa_sua = result("Trường MN Hoa Sữa", [staff("Lê Văn Tư", "Chủ tịch")])
    write_documents([NGOC_LAM, hoa_sua], tmp_path, maker)
    changed = result("Trường MN Hoa Sữa", [staff("Lê Văn Năm", "Chủ tịch")])
    assert write_documents([NGOC_LAM, changed], tmp_path, maker).edited == []
    assert write_documents([NGOC_LAM], tmp_path, maker).retired == ["truong-mn-hoa-sua.docx"]


def test_run_says_which_edited_lists_it_kept(workbook: Path, tmp_path: Path) -> None:
    out = tmp_path / "danh-sach"
    assert invoke("run", str(workbook), "--out", str(out)).exit_code == 0
    edited = saved_in_word(out / "tong-hop.docx")
    again = invoke("run", str(workbook), "--out", str(out))
    assert again.exit_code == 0, again.output
    assert (
        f"Đã chuyển 1 danh sách có người sửa (lưu bằng Word) vào {out}/da-sua/ để giữ lại, "
        "rồi đặt bản mới vào chỗ: tong-hop.docx."
    ) in again.output.splitlines()
    assert (out / "da-sua" / "tong-hop.docx").read_bytes() == edited


def test_a_second_move_to_cu_keeps_the_first(tmp_path: Path, maker: DocumentMaker) -> None:
    hoa_sua = result("Trường MN Hoa Sữa", [staff("Lê Văn Tư", "Chủ tịch")])
    write_documents([NGOC_LAM, hoa_sua], tmp_path, maker)
    first = (tmp_path / "truong-mn-hoa-sua.docx").read_bytes()
    write_documents([NGOC_LAM], tmp_path, maker)
    changed = result("Trường MN Hoa Sữa", [staff("Lê Văn Năm", "Chủ tịch")])
    write_documents([NGOC_LAM, changed], tmp_path, maker)
    second = (tmp_path / "truong-mn-hoa-sua.docx").read_bytes()

    assert write_documents([NGOC_LAM], tmp_path, maker).retired == ["truong-mn-hoa-sua.docx"]
    assert (tmp_path / "cu" / "truong-mn-hoa-sua.docx").read_bytes() == first
    assert (tmp_path / "cu" / "truong-mn-hoa-sua (2).docx").read_bytes() == second


# --- file modes, links, read-only disks -------------------------------------------------


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_new_lists_get_the_umask_mode_and_replaced_ones_keep_theirs(
    tmp_path: Path, maker: DocumentMaker, umask_022: None
) -> None:
    write_documents([NGOC_LAM], tmp_path, maker)
    assert (tmp_path / "tong-hop.docx").stat().st_mode & 0o777 == 0o644
    (tmp_path / "truong-thcs-ngoc-lam.docx").chmod(0o640)
    changed = result("Trường THCS Ngọc Lâm", [staff("Lê Văn Tư", "Chủ tịch")])
    assert write_documents([changed], tmp_path, maker).written == 2
    assert (tmp_path / "truong-thcs-ngoc-lam.docx").stat().st_mode & 0o777 == 0o640
    single = tmp_path / "mot-don-vi.docx"
    assert write_if_changed(single, maker.unit(NGOC_LAM))
    assert single.stat().st_mode & 0o777 == 0o644
    single.chmod(0o664)
    assert write_if_changed(single, maker.unit(changed))
    assert single.stat().st_mode & 0o777 == 0o664
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")) == []


@pytest.mark.skipif(os.name != "posix", reason="symbolic links need rights on Windows")
def test_out_given_as_a_link_is_refused(tmp_path: Path, maker: DocumentMaker) -> None:
    real = tmp_path / "that"
    real.mkdir()
    link = tmp_path / "lien-ket"
    link.symlink_to(real)
    with pytest.raises(SourceError, match=r"là một liên kết tới .*that: hãy ghi thẳng"):
        write_documents([NGOC_LAM], link, maker)
    assert list(real.iterdir()) == []


@pytest.mark.skipif(os.name != "posix", reason="symbolic links need rights on Windows")
@pytest.mark.parametrize("relative", [False, True])
def test_out_below_a_link_is_refused_and_says_where_files_would_go(
    tmp_path: Path, maker: DocumentMaker, monkeypatch: pytest.MonkeyPatch, relative: bool
) -> None:
    real = tmp_path / "that"
    real.mkdir()
    (tmp_path / "lien-ket").symlink_to(real)
    monkeypatch.chdir(tmp_path)
    out = Path("lien-ket", "con") if relative else tmp_path / "lien-ket" / "con"
    link = Path("lien-ket") if relative else tmp_path / "lien-ket"
    with pytest.raises(SourceError) as raised:
        write_documents([NGOC_LAM], out, maker)
    assert str(raised.value) == (
        f"--out {out} đi qua liên kết {link} (tới {real}): các tệp sẽ nằm ở {real / 'con'}; "
        "hãy ghi thẳng đường dẫn thư mục thật. Chưa ghi gì."
    )
    assert list(real.iterdir()) == []


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (errno.EROFS, "ổ đĩa chỉ cho phép đọc; hãy chọn --out ở ổ khác"),
        (errno.ENOSPC, "ổ đĩa đã đầy"),
        (errno.EACCES, "không có quyền ghi"),
    ],
)
def test_a_disk_that_refuses_writes_is_named_and_nothing_changes(
    tmp_path: Path, maker: DocumentMaker, monkeypatch: pytest.MonkeyPatch, code: int, reason: str
) -> None:
    write_documents([NGOC_LAM], tmp_path, maker)
    before = snapshot(tmp_path)

    real_open = os.open

    def refuse(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if flags & os.O_CREAT:
            raise OSError(code, os.strerror(code))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(folder_module.os, "open", refuse)
    changed = result("Trường THCS Ngọc Lâm", [staff("Lê Văn Tư", "Chủ tịch")])
    with pytest.raises(SourceError) as caught:
        write_documents([changed], tmp_path, maker)
    assert reason in str(caught.value) and "Word" not in str(caught.value)
    assert snapshot(tmp_path) == before


def test_a_write_that_stops_short_is_carried_on_to_the_end(
    tmp_path: Path, maker: DocumentMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_write = os.write

    def short(handle: int, data: Any) -> int:
        return real_write(handle, bytes(data[:1000]))  # as a pipe or a network disk may

    monkeypatch.setattr(folder_module.os, "write", short)
    write_documents([NGOC_LAM], tmp_path, maker)
    (name,) = [p.name for p in tmp_path.iterdir() if p.name != "tong-hop.docx"]
    assert (tmp_path / name).read_bytes() == maker.unit(NGOC_LAM)


def test_a_disk_filling_up_during_a_write_is_named_and_nothing_changes(
    tmp_path: Path, maker: DocumentMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_documents([NGOC_LAM], tmp_path, maker)
    before = snapshot(tmp_path)

    def full(handle: int, data: Any) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(folder_module.os, "write", full)
    changed = result("Trường THCS Ngọc Lâm", [staff("Lê Văn Tư", "Chủ tịch")])
    with pytest.raises(SourceError) as caught:
        write_documents([changed], tmp_path, maker)
    assert "ổ đĩa đã đầy" in str(caught.value)
    assert snapshot(tmp_path) == before


def test_a_read_only_disk_under_out_is_named(
    tmp_path: Path, maker: DocumentMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    def read_only(self: Path, *args: Any, **kwargs: Any) -> None:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(Path, "mkdir", read_only)
    with pytest.raises(SourceError) as caught:
        write_documents([NGOC_LAM], tmp_path / "out", maker)
    assert str(caught.value) == (
        f"Không tạo được thư mục {tmp_path / 'out'} (ổ đĩa chỉ cho đọc); hãy chọn --out khác."
    )


def test_a_list_that_cannot_be_replaced_says_what_was_put_in_place(
    tmp_path: Path, maker: DocumentMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    hoa_sua = result("Trường MN Hoa Sữa", [staff("Lê Văn Tư", "Chủ tịch")])
    write_documents([NGOC_LAM, hoa_sua], tmp_path, maker)
    real_replace = os.replace

    def locked(source: Any, target: Any) -> None:
        if Path(target).name == "truong-mn-hoa-sua.docx":
            raise PermissionError(errno.EACCES, "Permission denied")
        real_replace(source, target)

    monkeypatch.setattr(folder_module.os, "replace", locked)
    changed = [result(r.response.unit, [staff("Mới", "Chủ tịch")]) for r in (NGOC_LAM, hoa_sua)]
    with pytest.raises(SourceError) as caught:
        write_documents(changed, tmp_path, maker)
    assert "Đã thay 1 trong 3 danh sách mới" in str(caught.value)
    assert "2 tệp còn lại (kể cả tệp này) vẫn là bản cũ" in str(caught.value)
    assert not (tmp_path / STAGING_DIR).exists()


# --- a run stopped while the lists are made (real processes) ---------------------------

UNITS = 900


def big_workbook(path: Path, phone: str, units: int = UNITS) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Câu trả lời biểu mẫu 1"
    sheet.append(HEADER)
    for i in range(units):
        sheet.append(
            row(f"Trường Tiểu học Số {i}", phone=phone, staff2=("Lê Hoa", "Ủy viên", phone))
        )
    book.save(path)


def start_run(workbook: Path, out: Path) -> subprocess.Popen[bytes]:
    code = "import sys; from sheets_sync.cli import main; sys.exit(main())"
    return subprocess.Popen(
        [sys.executable, "-c", code, "run", str(workbook), "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group, as a terminal's Ctrl-C reaches it
    )


def finish(process: subprocess.Popen[bytes]) -> None:
    out, err = process.communicate(timeout=600)
    assert process.returncode == 0, (out + err).decode()


def wait_for_staged_lists(process: subprocess.Popen[bytes], out: Path) -> None:
    staging = out / STAGING_DIR
    while process.poll() is None:
        if staging.is_dir() and len(list(staging.iterdir())) >= 3:
            return
        time.sleep(0.01)
    raise AssertionError(f"the run ended before its lists: {process.communicate()!r}")


@pytest.fixture
def previous_run(tmp_path: Path) -> tuple[Path, Path, dict[str, tuple[bytes, int]]]:
    """A complete run's folder, then the workbook changed so that every list would change."""
    workbook, out = tmp_path / "lon.xlsx", tmp_path / "danh-sach"
    big_workbook(workbook, "0984919862")
    finish(start_run(workbook, out))
    big_workbook(workbook, "0912345678")
    return workbook, out, snapshot(out)


def test_ctrl_c_during_the_lists_leaves_the_folder_and_the_sheet_as_they_were(
    previous_run: tuple[Path, Path, dict[str, tuple[bytes, int]]],
) -> None:
    workbook, out, before = previous_run
    sheet = workbook.read_bytes()
    process = start_run(workbook, out)
    wait_for_staged_lists(process, out)
    os.killpg(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130, err.decode()
    assert "Đã dừng theo yêu cầu" in err.decode()
    assert snapshot(out) == before
    assert workbook.read_bytes() == sheet


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
def test_workers_stop_when_the_run_is_killed(
    previous_run: tuple[Path, Path, dict[str, tuple[bytes, int]]],
) -> None:
    workbook, out, before = previous_run
    process = start_run(workbook, out)
    wait_for_staged_lists(process, out)
    workers = children(process.pid)
    assert workers, "the lists are made by worker processes"
    process.kill()
    process.wait()
    for stream in (process.stdout, process.stderr):
        assert stream is not None
        stream.close()  # the workers hold these pipes too: do not wait for their end
    deadline = time.monotonic() + 60
    try:
        while any(map(alive, workers)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(map(alive, workers))
    finally:
        for pid in filter(alive, workers):
            os.kill(pid, signal.SIGKILL)
    staged = sorted(p.name for p in (out / STAGING_DIR).iterdir())
    time.sleep(0.5)
    assert sorted(p.name for p in (out / STAGING_DIR).iterdir()) == staged  # nobody writes
    # Killed outright, the run leaves its staging folder; the lists in use are the old ones.
    assert {k: v for k, v in snapshot(out).items() if not k.startswith(STAGING_DIR)} == before
    # The next run clears it and finishes.
    finish(start_run(workbook, out))
    assert not (out / STAGING_DIR).exists()
    with zipfile.ZipFile(out / "truong-tieu-hoc-so-1.docx") as archive:
        assert "0912" in archive.read("word/document.xml").decode()


@pytest.mark.parametrize(
    ("old", "new", "same"),
    [
        (b"PK" + b"x" * 3000, b"PK" + b"x" * 3000, True),
        (b"PK" + b"x" * 3000, b"PK" + b"x" * 2999 + b"y", False),
        (b"PK" + b"x" * 3000, b"PK" + b"x" * 2999, False),
        (b"", b"", True),
    ],
)
def test_a_staged_file_is_compared_byte_for_byte(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, old: bytes, new: bytes, same: bool
) -> None:
    monkeypatch.setattr(folder_module, "COMPARE_BYTES", 7)  # many pieces, a short last one
    (tmp_path / "old.docx").write_bytes(old)
    (tmp_path / "new.docx").write_bytes(new)
    assert folder_module.holds_file(tmp_path / "old.docx", tmp_path / "new.docx") is same
    assert not folder_module.holds_file(tmp_path / "none.docx", tmp_path / "new.docx")


def test_a_streamed_file_is_staged_only_when_its_bytes_change(tmp_path: Path) -> None:
    folder_module.prepare(tmp_path)
    target = tmp_path / "tong-hop.docx"
    target.write_bytes(b"cu")
    assert not folder_module.stage_written(target, lambda stream: stream.write(b"cu"))
    assert not folder_module.staged(target).exists()
    assert folder_module.stage_written(target, lambda stream: stream.write(b"moi"))
    assert folder_module.staged(target).read_bytes() == b"moi"
    assert target.read_bytes() == b"cu"


def test_an_unreadable_list_to_compare_is_a_clear_message(tmp_path: Path) -> None:
    (tmp_path / "tong-hop.docx").mkdir()
    (tmp_path / "new.docx").write_bytes(b"moi")
    with pytest.raises(SourceError, match="Không đọc được tệp"):
        folder_module.holds_file(tmp_path / "tong-hop.docx", tmp_path / "new.docx")
