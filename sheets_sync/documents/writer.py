"""Write the lists into a folder: unique names, only changed files, atomically, in parallel."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ..config import DocumentSettings
from ..errors import SourceError
from ..model import RowResult
from ..text import slug
from .maker import DocumentMaker

SUMMARY_FILE = "tong-hop.docx"
# Below this many units, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 200
CHUNK_SIZE = 32


@dataclass
class DocumentsOutcome:
    """What `write_documents` did: files written, files already up to date, every path."""

    written: int = 0
    unchanged: int = 0
    paths: list[Path] = field(default_factory=list)


def write_documents(
    results: Sequence[RowResult],
    out_dir: Path,
    maker: DocumentMaker,
    progress: Callable[[int], None] | None = None,
) -> DocumentsOutcome:
    """Write one list per result and `tong-hop.docx`, rewriting only files whose bytes change.

    Sets `file_name` on each result. `progress` gets the number of files done so far,
    unit lists first, the consolidated list last (len(results) + 1 in all).
    """
    assign_file_names(results)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SourceError(
            f"Không tạo được thư mục {out_dir} ({exc.strerror}); hãy chọn --out khác."
        ) from None
    jobs = [(result, out_dir / str(result.file_name)) for result in results]
    outcome = DocumentsOutcome()
    files = _unit_files(jobs, maker)
    # Made while worker processes, when there are any, already write the unit files.
    summary = maker.summary(results)
    done = 0
    for path, written in files:
        _count(outcome, path, written)
        done += 1
        if progress is not None:
            progress(done)
    summary_path = out_dir / SUMMARY_FILE
    _count(outcome, summary_path, write_if_changed(summary_path, summary))
    if progress is not None:
        progress(done + 1)
    return outcome


def assign_file_names(results: Sequence[RowResult]) -> None:
    """Name each result's file after its canonical unit, adding `-2`, `-3`... to repeats."""
    taken = {SUMMARY_FILE}
    for result in results:
        stem = slug(result.response.unit)
        name, number = f"{stem}.docx", 1
        while name in taken:
            number += 1
            name = f"{stem}-{number}.docx"
        taken.add(name)
        result.file_name = name


def write_if_changed(path: Path, data: bytes) -> bool:
    """Replace `path` by `data` atomically unless it already holds exactly those bytes."""
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise SourceError(f"Không đọc được tệp {path} ({exc.strerror}).") from None
    try:
        handle, temp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise SourceError(
            f"Không ghi được tệp {path} ({exc.strerror}); hãy đóng tệp nếu đang mở trong Word."
        ) from None
    return True


def _count(outcome: DocumentsOutcome, path: Path, written: bool) -> None:
    outcome.paths.append(path)
    if written:
        outcome.written += 1
    else:
        outcome.unchanged += 1


def _unit_files(
    jobs: list[tuple[RowResult, Path]], maker: DocumentMaker
) -> Iterator[tuple[Path, bool]]:
    if len(jobs) <= PARALLEL_THRESHOLD or (os.cpu_count() or 1) < 2:
        return (_write_unit(maker, job) for job in jobs)
    pool = ProcessPoolExecutor(
        max_workers=os.cpu_count(),
        initializer=_start_worker,
        initargs=(maker.settings, maker.template, maker.day),
    )
    # Workers write the files themselves: sending every document back would double the copying.
    # map() hands out all the work now; the results are read as they come.
    return _closing(pool, pool.map(_write_in_worker, jobs, chunksize=CHUNK_SIZE))


def _closing(
    pool: ProcessPoolExecutor, files: Iterator[tuple[Path, bool]]
) -> Iterator[tuple[Path, bool]]:
    with pool:
        yield from files


def _write_unit(maker: DocumentMaker, job: tuple[RowResult, Path]) -> tuple[Path, bool]:
    result, path = job
    return path, write_if_changed(path, maker.unit(result))


_worker_maker: DocumentMaker | None = None


def _start_worker(settings: DocumentSettings, template: Path | None, day: date) -> None:
    global _worker_maker
    _worker_maker = DocumentMaker(settings, template, today=day)


def _write_in_worker(job: tuple[RowResult, Path]) -> tuple[Path, bool]:
    assert _worker_maker is not None, "worker started without its initializer"
    return _write_unit(_worker_maker, job)
