"""The --out folder: lists are staged in a hidden folder, then put in place together.

Until `commit`, the folder holds only what it held before the run, and a hidden staging
folder that `discard` (or the next run) removes; a folder that does not exist yet is staged
whole beside where it will be, and comes into being in one rename. Files keep the mode the
user's umask gives, a replaced file its old mode. Lists this tool made that no valid
submission backs any more move to `cu/`; a list someone edited and saved moves to `da-sua/`
before its new version takes its place; nothing in either folder is ever replaced. Every
other file in the folder is left alone.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import stat
import zipfile
from collections.abc import Callable, Collection, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from ..errors import SourceError
from ..fileops import replace
from ..system_text import os_reason

STAGING_DIR = ".sheets-sync-dang-ghi"
OLD_DIR = "cu"
EDITED_DIR = "da-sua"
NEW_FILE_MODE = 0o666  # narrowed by the umask, as any program's new files are
COMPARE_BYTES = 1 << 20  # read at a time to compare a large file with its staged version
# What the properties of a list this tool wrote say. Word fills lastModifiedBy on save;
# LibreOffice may leave it empty but always names itself as the application.
_CREATOR = re.compile(rb"<dc:creator>sheets-sync</dc:creator>")
_MODIFIED_BY = re.compile(rb"<cp:lastModifiedBy>[^<]")
_APPLICATION = re.compile(rb"<Application>sheets-sync</Application>")

_REASONS = {
    errno.EROFS: "ổ đĩa chỉ cho phép đọc; hãy chọn --out ở ổ khác",
    errno.ENOSPC: "ổ đĩa đã đầy; hãy giải phóng chỗ trống hoặc chọn --out khác",
    errno.EACCES: "không có quyền ghi; hãy cấp quyền, chọn --out khác hoặc đóng tệp nếu đang mở",
    errno.EPERM: "không có quyền ghi; hãy cấp quyền, chọn --out khác hoặc đóng tệp nếu đang mở",
}


def write_error(path: Path, exc: OSError) -> SourceError:
    """Return the message for a failed write of `path`, saying why in the user's terms."""
    return SourceError(f"Không ghi được {path} ({_reason(exc)}).")


def _reason(exc: OSError) -> str:
    return _REASONS.get(exc.errno or 0) or os_reason(exc)


def prepare(out_dir: Path) -> Path:
    """Make an empty staging folder for `out_dir`, and return it; refuse a symbolic link.

    It is `out_dir`'s own hidden folder, or, when `out_dir` does not exist yet, a hidden
    folder beside it (`new_staging`) that `commit` renames to `out_dir`: a national first
    run would otherwise move a hundred thousand lists one by one.
    """
    refuse_link(out_dir, "--out")
    discard(out_dir)  # left by a run that was killed
    try:
        staging = out_dir / STAGING_DIR if out_dir.exists() else new_staging(out_dir)
        staging.mkdir(parents=True)
    except OSError as exc:
        raise SourceError(
            f"Không tạo được thư mục {out_dir} ({os_reason(exc)}); hãy chọn --out khác."
        ) from None
    return staging


def new_staging(out_dir: Path) -> Path:
    """Return where the lists of a folder that does not exist yet are staged: beside it."""
    return out_dir.parent / f".{out_dir.name}{STAGING_DIR}"


def refuse_link(folder: Path, option: str) -> None:
    """Refuse a folder given (as `option`) by, or through, a symbolic link."""
    if folder.is_symlink():
        raise SourceError(
            f"{option} {folder} là một liên kết tới {os.readlink(folder)}: hãy ghi thẳng đường "
            "dẫn thư mục thật. Chưa ghi gì."
        )
    link = linked_part(folder)
    if link is not None:
        raise SourceError(
            f"{option} {folder} đi qua liên kết {link} (tới {os.readlink(link)}): các tệp sẽ nằm "
            f"ở {folder.resolve()}; hãy ghi thẳng đường dẫn thư mục thật. Chưa ghi gì."
        )


def linked_part(path: Path) -> Path | None:
    """Return the first folder of `path`, as given, that is a symbolic link, or None.

    The folders right under the root of an absolute path are the system's (`/tmp` and
    `/var` are links on macOS) and are not looked at.
    """
    skip = 2 if path.is_absolute() else 0
    for depth in range(skip, len(path.parts)):
        part = Path(*path.parts[: depth + 1])
        if part.is_symlink():
            return part
        if not part.exists():
            return None
    return None


def discard(out_dir: Path) -> None:
    """Remove the staging folder and whatever was staged in it."""
    shutil.rmtree(out_dir / STAGING_DIR, ignore_errors=True)
    shutil.rmtree(new_staging(out_dir), ignore_errors=True)


def staged(path: Path, staging: Path | None = None) -> Path:
    """Return where the new version of `path` waits until `commit`: in `staging`, by
    default the hidden folder of `path`'s own folder."""
    return (staging or path.parent / STAGING_DIR) / path.name


def stage_if_changed(path: Path, data: bytes, staging: Path | None = None) -> bool:
    """Stage `data` for `path` unless `path` already holds exactly those bytes."""
    new = staged(path, staging)
    if _may_hold(path, new) and holds(path, data):
        return False
    create_file(new, data)
    return True


def stage_written(
    path: Path, write: Callable[[BinaryIO], object], staging: Path | None = None
) -> bool:
    """Stage what `write` writes for `path` unless `path` already holds exactly those bytes.

    The bytes go to disk as they come, and are compared from there a piece at a time: a
    national consolidated list is never whole in memory, not even twice to compare it.
    """
    new = staged(path, staging)
    create_written(new, write)
    if _may_hold(path, new) and holds_file(path, new):
        new.unlink()
        return False
    return True


def _may_hold(path: Path, new: Path) -> bool:
    """Tell whether `path` may exist: a folder staged beside it (`new_staging`) did not."""
    return new.parent.parent == path.parent


def holds_file(path: Path, other: Path) -> bool:
    """Tell whether the file at `path` exists and holds exactly the bytes of `other`."""
    try:
        with path.open("rb") as old, other.open("rb") as new:
            if os.fstat(old.fileno()).st_size != os.fstat(new.fileno()).st_size:
                return False
            while piece := new.read(COMPARE_BYTES):
                if old.read(len(piece)) != piece:
                    return False
            return True
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise SourceError(f"Không đọc được tệp {path} ({os_reason(exc)}).") from None


def holds(path: Path, data: bytes) -> bool:
    """Tell whether the file at `path` exists and holds exactly `data`."""
    try:
        return path.read_bytes() == data
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise SourceError(f"Không đọc được tệp {path} ({os_reason(exc)}).") from None


def create_file(path: Path, data: bytes) -> None:
    """Write a new file with the mode the umask gives (not a private temporary file's 0600).

    Written straight to its descriptor: a national run creates a hundred thousand lists,
    and a Python file object for each would cost more than writing it.
    """
    with _created(path) as handle:
        left = memoryview(data)
        while left:
            left = left[os.write(handle, left) :]


def create_written(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Create a file as `create_file` does, with what `write` writes into it."""
    with _created(path) as handle, os.fdopen(handle, "wb", closefd=False) as stream:
        write(stream)


@contextlib.contextmanager
def _created(path: Path) -> Iterator[int]:
    """A new file's descriptor, closed after; a failure anywhere is the disk's, named."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)
    try:
        handle = os.open(path, flags, NEW_FILE_MODE)
        try:
            yield handle
        finally:
            os.close(handle)
    except OSError as exc:
        raise write_error(path.parent.parent, exc) from None


def put_in_place(new: Path, target: Path) -> None:
    """Replace `target` by `new` in one step; a replaced file keeps its mode."""
    with contextlib.suppress(FileNotFoundError):
        os.chmod(new, stat.S_IMODE(target.stat().st_mode))
    replace(new, target)  # on Windows, waits out a brief hold by an antivirus


def commit(
    out_dir: Path, names: Sequence[str], keep: Collection[str], staging: Path | None = None
) -> tuple[list[str], list[str]]:
    """Put the staged lists in place, move stale lists to `cu/`.

    A list in the way that this tool did not make as it stands (edited and saved in Word)
    first moves to `da-sua/`. Returns the names moved to `cu/` and those moved to `da-sua/`.
    `staging` is what `prepare` returned; a new folder staged beside `out_dir` becomes it.
    """
    staging = staging or out_dir / STAGING_DIR
    if staging == new_staging(out_dir):
        if _rename_folder(staging, out_dir):
            return [], []
        try:
            out_dir.mkdir(exist_ok=True)  # made meanwhile, or not renamable: list by list
        except OSError as exc:
            raise write_error(out_dir, exc) from None
    edited = []
    for done, name in enumerate(names):
        target = out_dir / name
        # On a first run nothing is in the way: one look per list is enough.
        there = target.exists()
        if there and not target.is_symlink() and not made_here(target):
            edited.append(move_aside([target], out_dir / EDITED_DIR, "danh sách đã sửa")[0])
            there = False
        try:
            if there:
                put_in_place(staging / name, target)
            else:
                replace(staging / name, target)  # a new file keeps the mode the umask gives
        except OSError as exc:
            left = len(names) - done
            raise SourceError(
                f"{write_error(target, exc)} Đã thay {done} trong {len(names)} danh sách mới "
                f"trong {out_dir}; {left} tệp còn lại (kể cả tệp này) vẫn là bản cũ: "
                "chạy lại để lập lại."
            ) from None
    discard(out_dir)
    return retire(out_dir, keep), edited


def _rename_folder(staging: Path, out_dir: Path) -> bool:
    """Rename the staged folder to `out_dir`; tell whether it was (not when `out_dir` exists)."""
    if out_dir.exists():
        return False
    try:
        replace(staging, out_dir)
    except OSError:
        return False
    return True


def retire(out_dir: Path, keep: Collection[str]) -> list[str]:
    """Move the lists this tool made that are not in `keep` from `out_dir` to `cu/`."""
    # Sorted once picked: a national folder holds a hundred thousand lists to keep.
    stale = sorted(
        path
        for path in out_dir.glob("*.docx")
        if path.name not in keep and not path.is_symlink() and made_here(path)
    )
    if not stale:
        return []
    move_aside(stale, out_dir / OLD_DIR, "danh sách cũ")
    return [path.name for path in stale]


def move_aside(paths: Sequence[Path], folder: Path, what: str) -> list[str]:
    """Move `paths` into `folder` under names no file there has yet; return those names."""
    moved = []
    try:
        folder.mkdir(exist_ok=True)
        for path in paths:
            target = free_name(folder, path.name)
            replace(path, target)
            moved.append(target.name)
    except OSError as exc:
        raise SourceError(
            f"Không chuyển được {what} vào {folder} ({os_reason(exc)}); chưa xóa tệp nào."
        ) from None
    return moved


def free_name(folder: Path, name: str) -> Path:
    """Return `folder/name`, or `folder/stem (2).docx`, `(3)`... if that name is taken."""
    path, number = folder / name, 1
    while path.exists() or path.is_symlink():
        number += 1
        path = folder / f"{Path(name).stem} ({number}){Path(name).suffix}"
    return path


def made_here(path: Path) -> bool:
    """Tell whether `path` is a list this tool wrote and nobody saved since (Word, LibreOffice)."""
    try:
        with zipfile.ZipFile(path) as archive:
            core = archive.read("docProps/core.xml")
            names = archive.namelist()
            app = archive.read("docProps/app.xml") if "docProps/app.xml" in names else None
    except (OSError, KeyError, zipfile.BadZipFile):
        return False
    ours = app is None or bool(_APPLICATION.search(app))  # Word and LibreOffice write one
    return ours and bool(_CREATOR.search(core)) and not _MODIFIED_BY.search(core)
