"""Write the lists into a folder: unique names, only changed files, all at once, in parallel."""

from __future__ import annotations

import multiprocessing
import os
import secrets
import signal
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from itertools import chain
from multiprocessing.connection import wait
from pathlib import Path

from ..config import DocumentSettings
from ..fileops import pool_size
from ..model import RowResult
from ..text import slug
from .folder import (
    commit,
    create_file,
    discard,
    holds,
    prepare,
    put_in_place,
    stage_if_changed,
    stage_written,
    write_error,
)
from .maker import DocumentMaker, Reduced, SummaryUnit, summary_unit, summary_units

SUMMARY_FILE = "tong-hop.docx"
# Below this many units, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 200
# Lists a worker is handed at a time: about 30 ms of work, so that handing out work and
# reading the answers cost little next to it, even while the main process is busy.
CHUNK_SIZE = 128


@dataclass
class DocumentsOutcome:
    """What `write_documents` did: files written, files already up to date, every file's name.

    `names` lists every file in `folder` (plain names: a national run has a hundred
    thousand of them, and a `Path` each would weigh several times more).
    `retired` names the lists moved to `cu/`: no valid submission backs them any more.
    `edited` names the lists someone had edited, moved to `da-sua/` before being replaced.
    `staging`: where the lists were staged for `commit` (None: a dry run's comparison).
    """

    written: int = 0
    unchanged: int = 0
    names: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    edited: list[str] = field(default_factory=list)
    staged: list[str] = field(default_factory=list)
    folder: Path = Path()
    staging: Path | None = None

    @property
    def paths(self) -> list[Path]:
        """Every file's path, in the order they were made."""
        return [self.folder / name for name in self.names]

    def commit(self) -> None:
        """Put the staged lists in place and move the stale ones aside."""
        if self.staging is not None:
            keep = set(self.names)
            self.retired, self.edited = commit(self.folder, self.staged, keep, self.staging)
            self.staged = []


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
    outcome = stage_documents(results, out_dir, maker, progress)
    try:
        outcome.commit()
    finally:
        discard(out_dir)
    return outcome


def stage_documents(
    results: Sequence[RowResult],
    out_dir: Path,
    maker: DocumentMaker,
    progress: Callable[[int], None] | None = None,
    meanwhile: Callable[[], object] | None = None,
) -> DocumentsOutcome:
    """Make the lists as `write_documents` does, but leave the changed ones staged.

    `out_dir` keeps its files until `commit()`; `folder.discard` drops what was staged.
    `meanwhile` is called once while worker processes make the lists (or before the lists
    when there are too few to share out): other work of the run that fits in that time.
    """
    assign_file_names(results)
    staging = prepare(out_dir)
    try:
        outcome = DocumentsOutcome(folder=out_dir, staging=staging)
        files = _files(results, (out_dir, staging), maker, meanwhile or _nothing)
        for done, (name, written) in enumerate(files, 1):
            _count(outcome, name, written)
            if progress is not None:
                progress(done)
    except BaseException:
        discard(out_dir)
        raise
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
    """Replace `path` by `data` atomically unless it already holds exactly those bytes.

    A new file gets the mode the umask gives; a replaced one keeps its mode.
    """
    if holds(path, data):
        return False
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        create_file(temp, data)
        put_in_place(temp, path)
    except OSError as exc:
        raise write_error(path, exc) from None
    finally:
        temp.unlink(missing_ok=True)
    return True


def _count(outcome: DocumentsOutcome, name: str, written: bool) -> None:
    outcome.names.append(name)
    if written:
        outcome.staged.append(name)
        outcome.written += 1
    else:
        outcome.unchanged += 1


# What a worker needs to make and stage one unit's list: the unit reduced by `summary_units`,
# its name in the roster and its file's name. Only these few strings cross to the worker.
UnitJob = tuple[SummaryUnit, str, str]


def _job(result: RowResult) -> UnitJob:
    response = result.response
    return summary_unit(response), response.roster_unit or response.unit, str(result.file_name)


def _nothing() -> None:
    """Do nothing."""


# The folder the lists are for, and the folder `folder.prepare` stages them in.
Folders = tuple[Path, Path]


def _files(
    results: Sequence[RowResult],
    folders: Folders,
    maker: DocumentMaker,
    meanwhile: Callable[[], object],
) -> Iterator[tuple[str, bool]]:
    """Write the unit lists, then the consolidated list; yield each file's name as it is done."""
    units, jobs = summary_units(results), Reduced(results, _job)
    names = [str(result.file_name) for result in results]
    if len(results) <= PARALLEL_THRESHOLD or (os.cpu_count() or 1) < 2:
        meanwhile()
        yield from zip(names, _write_batch(jobs, maker, folders), strict=True)
        yield SUMMARY_FILE, _stage_summary(maker, units, folders)
        return
    # Each batch is reduced to plain strings only when it is sent to a worker, a few at a
    # time: the pool takes all its work at once, and would otherwise hold every unit's.
    batches = [jobs[i : i + CHUNK_SIZE] for i in range(0, len(results), CHUNK_SIZE)]
    with ProcessPoolExecutor(
        max_workers=pool_size(os.cpu_count()),
        initializer=_start_worker,
        initargs=(maker.settings, maker.template, maker.day, folders),
    ) as pool:
        try:
            # Workers write the files themselves: sending every document back would double
            # the copying. map() hands out all the work now; the results are read as they come.
            done = pool.map(_write_in_worker, batches)
            # The run's other work and the consolidated list are done here meanwhile:
            # sending a national roster to a worker would hold it twice more (pickled, then
            # unpickled). The lists done by then are counted right after.
            meanwhile()
            summary = _stage_summary(maker, units, folders)
            yield from zip(names, chain.from_iterable(done), strict=True)
            yield SUMMARY_FILE, summary
        except BaseException:
            # Stopped (an error, Ctrl-C): the lists not yet begun are not made at all.
            pool.shutdown(cancel_futures=True)
            raise


def _write_batch(jobs: Iterable[UnitJob], maker: DocumentMaker, folders: Folders) -> Iterator[bool]:
    return (_stage_unit(maker, folders, job) for job in jobs)


def _stage_unit(maker: DocumentMaker, folders: Folders, job: UnitJob) -> bool:
    unit, listed, name = job
    out_dir, staging = folders
    return stage_if_changed(out_dir / name, maker.unit_of(unit, listed), staging)


def _stage_summary(maker: DocumentMaker, units: Sequence[SummaryUnit], folders: Folders) -> bool:
    out_dir, staging = folders
    return stage_written(out_dir / SUMMARY_FILE, partial(maker.write_summary, units), staging)


_worker_maker: DocumentMaker | None = None
_worker_folders: Folders = (Path(), Path())


def _start_worker(
    settings: DocumentSettings, template: Path | None, day: date, folders: Folders
) -> None:
    global _worker_maker, _worker_folders
    _worker_maker = DocumentMaker(settings, template, today=day)
    _worker_folders = folders
    # Ctrl-C is the run's to handle: it stops handing out work and drops what was staged.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent.sentinel,), daemon=True).start()


def _exit_with(parent_sentinel: int) -> None:
    """Stop this worker as soon as the run that started it is gone (even by `kill -9`).

    A pool's worker only notices its parent's death when it next asks for work; until then
    it would go on writing lists for a run that no longer exists.
    """
    wait([parent_sentinel])
    os._exit(1)


def _write_in_worker(jobs: Sequence[UnitJob]) -> list[bool]:
    assert _worker_maker is not None, "worker started without its initializer"
    return list(_write_batch(jobs, _worker_maker, _worker_folders))
