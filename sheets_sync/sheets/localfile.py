"""What the .xlsx and .csv backends share: safe reads, atomic replacement and the run lock."""

from __future__ import annotations

import contextlib
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

LOCK_SUFFIX = ".sheets-sync.lock"
TEMP_MARK = ".sheets-sync-"
# A lock file still without its PID this long after creation belongs to a crashed run.
_EMPTY_LOCK_GRACE_S = 5.0


@dataclass(frozen=True)
class FileStamp:
    """Identity of a file's content at one moment: size, modification time and digest."""

    size: int
    mtime_ns: int
    digest: str


def read_stamped(path: Path) -> tuple[bytes, FileStamp]:
    """Read a whole file and stamp what was read."""
    try:
        with path.open("rb") as handle:
            data = handle.read()
            st = os.fstat(handle.fileno())
    except OSError as exc:
        raise os_error(path, exc) from exc
    return data, FileStamp(st.st_size, st.st_mtime_ns, hashlib.sha256(data).hexdigest())


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


def atomic_replace(path: Path, write: Callable[[BinaryIO], object], expected: FileStamp) -> None:
    """Write a new version next to `path`, then swap it in whole, or leave `path` untouched.

    A reader, a crash or a kill at any moment sees either the old file or the new one.
    `expected` is the stamp of the version the new content was made from: when the file
    changes in the meantime, nothing is replaced and `SheetChangedError` is raised.
    """
    target = Path(os.path.realpath(path))  # replace a symlink's target, not the link
    try:
        mode = os.stat(target).st_mode & 0o7777
        fd, temp_name = tempfile.mkstemp(
            prefix=f".{target.name}{TEMP_MARK}", suffix=".tmp", dir=target.parent
        )
    except OSError as exc:
        raise os_error(path, exc, writing=True) from exc
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)  # mkstemp makes the file private; keep the original's mode
        st = os.stat(target)
        if (st.st_size, st.st_mtime_ns) != (expected.size, expected.mtime_ns):
            raise changed_error(path)
        replace(temp, target)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise os_error(path, exc, writing=True) from exc
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)


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
            f"Tệp {path} đang mở trong Excel hoặc LibreOffice (có tệp khoá {owners[0].name}); "
            f"đóng tệp rồi chạy lại (nếu không mở ở đâu, xoá tệp {owners[0]})."
        )


def lock_path(path: Path) -> Path:
    """Return the lock file that guards `path`."""
    return path.with_name(path.name + LOCK_SUFFIX)


@contextlib.contextmanager
def locked(path: Path, *, writing: bool = True) -> Iterator[None]:
    """Hold the run lock on `path` for the duration of a read and its write.

    With `writing`, a file open in Excel or LibreOffice is refused up front too.
    """
    if writing:
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
        text = lock.read_text(encoding="utf-8")
        age = time.time() - lock.stat().st_mtime
    except FileNotFoundError:
        return  # released meanwhile: try again
    except (OSError, UnicodeDecodeError):
        text, age = "", 0.0
    pid, host = _parse_holder(text)
    if pid is None:
        if age < _EMPTY_LOCK_GRACE_S:
            raise _locked_error(path, lock, None)
    elif host != socket.gethostname() or pid_alive(pid):
        # A run on another machine (shared folder) cannot be checked: assume it lives.
        raise _locked_error(path, lock, pid)
    with contextlib.suppress(OSError):
        # Re-check right before removing, so a lock just taken by another run survives.
        if lock.read_text(encoding="utf-8") == text:
            lock.unlink()


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
        f"(nếu không còn lần chạy nào, xoá tệp {lock})."
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
