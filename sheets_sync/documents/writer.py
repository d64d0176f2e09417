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
from ..fileops import pool_size, replace
from ..model import RowResult
from ..system_text import os_reason
from ..text import slug
from .maker import DocumentMaker, SummaryUnit, summary_units

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
            f"Không tạo được thư mục {out_dir} ({os_reason(exc)}); hãy chọn --out khác."
        ) from None
    jobs = [(result, out_dir / str(result.file_name)) for result in results]
    outcome = DocumentsOutcome()
    for done, (path, written) in enumerate(_files(jobs, out_dir / SUMMARY_FILE, maker), 1):
        _count(outcome, path, written)
        if progress is not None:
            progress(done)
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
        raise SourceError(f"Không đọc được tệp {path} ({os_reason(exc)}).") from None
    try:
        handle, temp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
            replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise SourceError(
            f"Không ghi được tệp {path} ({os_reason(exc)}); hãy đóng tệp nếu đang mở trong Word."
        ) from None
    return True


def _count(outcome: DocumentsOutcome, path: Path, written: bool) -> None:
    outcome.paths.append(path)
    if written:
        outcome.written += 1
    else:
        outcome.unchanged += 1


def _files(
    jobs: list[tuple[RowResult, Path]], summary_path: Path, maker: DocumentMaker
) -> Iterator[tuple[Path, bool]]:
    """Write the unit lists, then the consolidated list; yield each path as it is done."""
    units = summary_units(result for result, _ in jobs)
    if len(jobs) <= PARALLEL_THRESHOLD or (os.cpu_count() or 1) < 2:
        yield from (_write_unit(maker, job) for job in jobs)
        yield _write_summary(maker, units, summary_path)
        return
    with ProcessPoolExecutor(
        max_workers=pool_size(os.cpu_count()),
        initializer=_start_worker,
        initargs=(maker.settings, maker.template, maker.day),
    ) as pool:
        # The consolidated list goes first, so one worker makes it while the others, then
        # that one too, write the unit lists; the main process only hands out work.
        summary = pool.submit(_summary_in_worker, units, summary_path)
        # Workers write the files themselves: sending every document back would double the
        # copying. map() hands out all the work now; the results are read as they come.
        yield from pool.map(_write_in_worker, jobs, chunksize=CHUNK_SIZE)
        yield summary.result()


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


def _write_summary(maker: DocumentMaker, units: list[SummaryUnit], path: Path) -> tuple[Path, bool]:
    return path, write_if_changed(path, maker.summary_of(units))


def _summary_in_worker(units: list[SummaryUnit], path: Path) -> tuple[Path, bool]:
    assert _worker_maker is not None, "worker started without its initializer"
    return _write_summary(_worker_maker, units, path)
