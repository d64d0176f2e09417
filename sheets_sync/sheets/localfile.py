"""What the .xlsx and .csv backends share: safe reads, atomic replacement and the run lock."""

from __future__ import annotations

import contextlib
import errno
import glob
import hashlib
import os
import socket
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ..errors import LockedError, SheetChangedError, SourceError
from ..fileops import replace
from ..system_text import os_reason
from .limits import MAX_FILE_BYTES, check_file_size

LOCK_SUFFIX = ".sheets-sync.lock"
TAKEOVER_SUFFIX = ".takeover"
TEMP_MARK = ".sheets-sync-"
# A lock file still without its PID this long after creation belongs to a crashed run.
_EMPTY_LOCK_GRACE_S = 5.0
# A takeover marker lives for microseconds; one this old was left by a killed run.
_MARKER_GRACE_S = 30.0
_HASH_CHUNK = 1 << 20


@dataclass(frozen=True)
class FileStamp:
    """Identity of a file's content at one moment: size, modification time and digest."""

    size: int
    mtime_ns: int
    digest: str


def read_stamped(path: Path, limit: int = MAX_FILE_BYTES) -> tuple[bytes, FileStamp]:
    """Read a whole file and stamp what was read; refuse one over `limit` bytes unread."""
    try:
        with path.open("rb") as handle:
            check_file_size(path, os.fstat(handle.fileno()).st_size, limit)
            data = handle.read()
            st = os.fstat(handle.fileno())
    except OSError as exc:
        raise os_error(path, exc) from exc
    return data, FileStamp(st.st_size, st.st_mtime_ns, hashlib.sha256(data).hexdigest())


def file_stamp(path: Path) -> FileStamp:
    """Stamp a file without holding it in memory: it is hashed a chunk at a time."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(_HASH_CHUNK), b""):
                digest.update(chunk)
            st = os.fstat(handle.fileno())
    except OSError as exc:
        raise os_error(path, exc) from exc
    return FileStamp(st.st_size, st.st_mtime_ns, digest.hexdigest())


def read_unchanged(path: Path, stamp: FileStamp) -> tuple[bytes, FileStamp]:
    """Read the file again and make sure it still holds what was read before."""
    data, now = read_stamped(path)
    if now.digest != stamp.digest:
        raise changed_error(path)
    return data, now


def changed_error(path: Path) -> SheetChangedError:
    """Build the error for a file modified between the read and the write."""
    return SheetChangedError(
        f"Tệp {path} đã bị thay đổi kể từ lúc đọc; chạy lại để kiểm tra trên dữ liệu mới."
    )


def os_error(path: Path, exc: OSError, *, writing: bool = False) -> SourceError:
    """Turn an operating-system failure on `path` into a one-sentence error."""
    if isinstance(exc, FileNotFoundError):
        return SourceError(f"Không tìm thấy tệp {path}; kiểm tra lại đường dẫn.")
    if exc.errno == errno.EROFS:
        return SourceError(_read_only_disk(path))
    if isinstance(exc, IsADirectoryError):
        return SourceError(f"{path} là thư mục; hãy chỉ ra một tệp .xlsx hoặc .csv.")
    if isinstance(exc, PermissionError):
        if writing:
            return SourceError(
                f"Không ghi được tệp {path} (không có quyền ghi hoặc tệp đang mở trong chương "
                "trình khác); đóng tệp hoặc cấp quyền ghi rồi chạy lại."
            )
        return SourceError(f"Không có quyền đọc tệp {path}; cấp quyền đọc rồi chạy lại.")
    verb = "ghi" if writing else "đọc"
    return SourceError(
        f"Không {verb} được tệp {path} ({os_reason(exc)}); kiểm tra tệp rồi chạy lại."
    )


def _read_only_disk(path: Path) -> str:
    return (
        f"Thư mục hoặc ổ đĩa chứa tệp {path} chỉ cho đọc (ổ chỉ đọc, thẻ nhớ khóa ghi, thư mục "
        "chia sẻ chỉ xem): chép tệp sang một thư mục ghi được rồi chạy lại."
    )


def read_only_file(path: Path, platform: str = sys.platform) -> str:
    """Say that a file is read-only and how to allow writing on this system."""
    if platform == "win32":
        fix = "bấm chuột phải vào tệp → Thuộc tính (Properties) → bỏ chọn Chỉ đọc (Read-only)"
    else:
        fix = "cho phép ghi tệp (chmod u+w)"
    return f"Tệp {path} đang đặt chỉ đọc (read-only): {fix} rồi chạy lại. Chưa ghi gì."


def ensure_writable(path: Path) -> None:
    """Refuse a read-only file, folder or disk before anything is written.

    The mode bits are read, not only `os.access`: root may write any file, yet a file the
    user marked read-only (chmod 444; the read-only attribute on Windows) must stay as it is.
    """
    target = Path(os.path.realpath(path))
    try:
        mode = os.stat(target).st_mode
    except OSError:
        return  # a missing file fails on read with its own message
    statvfs = getattr(os, "statvfs", None)
    if statvfs is not None:
        with contextlib.suppress(OSError):
            if statvfs(target.parent).f_flag & os.ST_RDONLY:
                raise SourceError(f"{_read_only_disk(path)} Chưa ghi gì.")
    if not mode & 0o222 or not os.access(target, os.W_OK):
        raise SourceError(read_only_file(path))
    if not os.access(target.parent, os.W_OK):
        raise SourceError(
            f"Không có quyền ghi vào thư mục {target.parent} chứa tệp {path.name}: cấp quyền "
            "ghi hoặc chép tệp sang thư mục khác rồi chạy lại. Chưa ghi gì."
        )


def atomic_replace(path: Path, write: Callable[[BinaryIO], object], expected: FileStamp) -> None:
    """Write a new version next to `path`, then swap it in whole, or leave `path` untouched.

    A reader, a crash or a kill at any moment sees either the old file or the new one.
    `expected` is the stamp of the version the new content was made from: when the file
    changes in the meantime, nothing is replaced and `SheetChangedError` is raised.
    """
    prepare_replace(path, write, expected).swap()


def prepare_replace(
    path: Path, write: Callable[[BinaryIO], object], expected: FileStamp
) -> PreparedFile:
    """Write the new version `atomic_replace` puts in place, and keep it aside until `swap`."""
    target = Path(os.path.realpath(path))  # replace a symlink's target, not the link
    try:
        mode = os.stat(target).st_mode & 0o7777
        fd, temp_name = tempfile.mkstemp(
            prefix=f".{target.name}{TEMP_MARK}", suffix=".tmp", dir=target.parent
        )
    except OSError as exc:
        raise os_error(path, exc, writing=True) from exc
    prepared = PreparedFile(path, target, Path(temp_name), expected)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(prepared.temp, mode)  # mkstemp makes the file private; keep the original's mode
    except OSError as exc:
        prepared.drop()
        raise os_error(path, exc, writing=True) from exc
    except BaseException:
        prepared.drop()
        raise
    return prepared


@dataclass(frozen=True)
class PreparedFile:
    """A file's new version written beside it (`temp`), waiting to replace it (`target`)."""

    path: Path
    target: Path
    temp: Path
    expected: FileStamp

    def swap(self) -> None:
        """Put the new version in place, unless the file changed since `expected` was read."""
        try:
            st = os.stat(self.target)
            if (st.st_size, st.st_mtime_ns) != (self.expected.size, self.expected.mtime_ns):
                raise changed_error(self.path)
            replace(self.temp, self.target)
        except OSError as exc:
            self.drop()
            raise os_error(self.path, exc, writing=True) from exc
        except BaseException:
            self.drop()
            raise
        _fsync_dir(self.target.parent)

    def drop(self) -> None:
        """Delete the new version, leaving the file as it is."""
        self.temp.unlink(missing_ok=True)


def _fsync_dir(directory: Path) -> None:
    """Make the rename itself durable where the platform allows it."""
    if sys.platform == "win32":
        return
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def office_lock_files(path: Path) -> list[Path]:
    """Return the owner files Excel (`~$name`) or LibreOffice (`.~lock.name#`) keep by `path`."""
    candidates = [path.with_name(f"~${path.name}"), path.with_name(f".~lock.{path.name}#")]
    return [candidate for candidate in candidates if candidate.exists()]


def ensure_not_open(path: Path) -> None:
    """Refuse to write a file that a spreadsheet program has open: it would save over us."""
    owners = office_lock_files(path)
    if owners:
        raise LockedError(
            f"Tệp {path} đang mở trong Excel hoặc LibreOffice (có tệp khóa {owners[0].name}); "
            f"đóng tệp rồi chạy lại (nếu không mở ở đâu, xóa tệp {owners[0]})."
        )


def lock_path(path: Path) -> Path:
    """Return the lock file that guards `path`."""
    return path.with_name(path.name + LOCK_SUFFIX)


@contextlib.contextmanager
def locked(path: Path, *, writing: bool = True) -> Iterator[None]:
    """Hold the run lock on `path` for the duration of a read and its write.

    With `writing`, a read-only file, folder or disk and a file open in Excel or
    LibreOffice are refused up front too.
    """
    if writing:
        ensure_writable(path)
        ensure_not_open(path)
    lock = lock_path(path)
    mine = _acquire(path, lock)
    try:
        _remove_stale_temps(path)
        yield
    finally:
        with contextlib.suppress(OSError):
            if lock.read_text(encoding="utf-8") == mine:
                lock.unlink()


def _acquire(path: Path, lock: Path) -> str:
    """Create the lock file exclusively, taking over one left by a dead run; return its text."""
    mine = f"{os.getpid()} {socket.gethostname()}\n"
    for _ in range(5):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            _take_over_if_stale(path, lock)
            continue
        except OSError as exc:
            raise os_error(lock, exc, writing=True) from exc
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(mine)
        return mine
    raise _locked_error(path, lock, None)


def _take_over_if_stale(path: Path, lock: Path) -> None:
    """Remove `lock` when the run that wrote it is gone; raise `LockedError` when it lives."""
    try:
        text, seen = _read_lock(lock)
    except FileNotFoundError:
        return  # released meanwhile: try again
    except (OSError, UnicodeDecodeError):
        text, seen = "", None
    age = time.time() - seen[3] / 1e9 if seen else 0.0
    pid, host = _parse_holder(text)
    if pid is None:
        if age < _EMPTY_LOCK_GRACE_S:
            raise _locked_error(path, lock, None)
    elif host != socket.gethostname() or pid_alive(pid):
        # A run on another machine (shared folder) cannot be checked: assume it lives.
        raise _locked_error(path, lock, pid)
    if seen is not None:
        _remove_if_unchanged(lock, text, seen)


def _read_lock(lock: Path) -> tuple[str, tuple[int, int, int, int]]:
    """Return a lock file's text and the identity of the file read (device, inode, size, mtime)."""
    with lock.open("rb") as handle:
        st = os.fstat(handle.fileno())
        text = handle.read().decode("utf-8")
    return text, (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def _remove_if_unchanged(lock: Path, text: str, seen: tuple[int, int, int, int]) -> None:
    """Remove the stale lock read as (`text`, `seen`), holding the takeover marker.

    Runs that find the same stale lock at once take turns through the marker (created
    exclusively), and each removes the lock only if it is still the very file it judged
    stale: never the fresh lock another run has just taken over.
    """
    marker = lock.with_name(lock.name + TAKEOVER_SUFFIX)
    try:
        fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        _clear_stale_marker(marker)
        time.sleep(0.01)  # another run is taking over: see what it leaves
        return
    except OSError as exc:
        raise os_error(lock, exc, writing=True) from exc
    os.close(fd)
    try:
        with contextlib.suppress(OSError, UnicodeDecodeError):
            if _read_lock(lock) == (text, seen):
                lock.unlink()
    finally:
        with contextlib.suppress(OSError):
            marker.unlink()


def _clear_stale_marker(marker: Path) -> None:
    """Remove a takeover marker a run killed in those few microseconds left behind."""
    with contextlib.suppress(OSError):
        if time.time() - marker.stat().st_mtime > _MARKER_GRACE_S:
            marker.unlink()


def _parse_holder(text: str) -> tuple[int | None, str]:
    """Read `PID HOST` from a lock file's text."""
    parts = text.split()
    if not parts or not parts[0].isdigit():
        return None, ""
    return int(parts[0]), parts[1] if len(parts) > 1 else socket.gethostname()


def _locked_error(path: Path, lock: Path, pid: int | None) -> LockedError:
    """Build the error for a file another run is writing."""
    holder = f"PID {pid}" if pid is not None else "PID chưa rõ"
    return LockedError(
        f"Tệp {path} đang được một lần chạy khác ({holder}) ghi; chờ lần đó xong rồi chạy lại "
        f"(nếu không còn lần chạy nào, xóa tệp {lock})."
    )


def pid_alive(pid: int) -> bool:
    """Tell whether a process with this id runs on this machine."""
    if pid <= 0:
        return False
    if sys.platform == "win32":
        import ctypes

        kernel32 = ctypes.windll.kernel32
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel32.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    return True


def _remove_stale_temps(path: Path) -> None:
    """Delete temporary files a killed run left beside `path`; the lock says none is live."""
    target = Path(os.path.realpath(path))
    pattern = f".{glob.escape(target.name)}{TEMP_MARK}*.tmp"
    for name in glob.glob(os.path.join(glob.escape(str(target.parent)), pattern)):
        with contextlib.suppress(OSError):
            os.unlink(name)
