"""Watch a source: run the whole job whenever the responses change, until stopped.

A cycle reads the source and compares what it holds with what the last cycle left there (its
own status writes included). Nothing new: nothing else happens, so an idle cycle on Google
costs the 2 requests of a read, and a local file whose size and modification time are
unchanged is not even read. Something new: the whole job runs on that read (`pipeline.run`,
which checks the rows again before and after it writes), then the `after_change` step.

Failures. Until a first cycle has succeeded, an error that says the setup is wrong (a missing
key, an unknown worksheet, a sheet not shared) stops the watch: the user is at the keyboard.
Errors the outside world causes and time mends are always retried: Google unreachable or
answering 429/5xx after the retries (`UnreachableError`), a file open in Excel or locked by
another run (`LockedError`), rows moved during a write (`SheetChangedError`). Once a cycle has
succeeded the setup is known to be right, so every error is retried: one line per failed
cycle, waits growing from `every` to `MAX_BACKOFF` and back to `every` after a success.

Stopping. Ctrl-C, SIGTERM and Ctrl-Break ask to stop. While the watch sleeps or reads (it has
written nothing yet) it stops at once; once the job has begun writing, it finishes that cycle
first, so no lock, temporary file or half-written workbook is ever left behind.
"""

from __future__ import annotations

import gc
import hashlib
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from . import output, pipeline
from .config import Settings
from .documents import DocumentMaker
from .errors import LockedError, SheetChangedError, SheetsSyncError, UnreachableError
from .model import Cell, CellWrite, SheetData
from .pipeline import RunOutcome
from .schedule import StopRequest, backoff, duration_text
from .sheets import LOCAL_SUFFIXES, open_source
from .sheets.base import Backend

# Google allows 60 read requests a minute per user; an idle cycle makes 2.
DEFAULT_EVERY = "2m"
TRANSIENT = (UnreachableError, LockedError, SheetChangedError, ConnectionError, TimeoutError)

Opener = Callable[[], AbstractContextManager[Backend]]
Reader = Callable[[Backend], SheetData]
Job = Callable[[Backend], RunOutcome]
# An extra step on the open backend; what it returns is added to the cycle's line.
Hook = Callable[[Backend], str | None]
# Print one line; True for a failure (stderr).
Say = Callable[[str, bool], None]


@dataclass(frozen=True)
class Daily:
    """A step run once a day, when the clock passes `at` while watching."""

    at: time
    job: Hook


@dataclass
class Campaign:
    """What each cycle does; `files` are the local files whose stamps tell a change."""

    open_backend: Opener
    read: Reader
    job: Job
    files: Sequence[Path] = ()
    after_change: Hook | None = None
    daily: Daily | None = None


@dataclass
class State:
    """What the watch remembers between cycles."""

    stamps: list[tuple[int, int] | None] | None = None
    seen: Snapshot | None = None
    proven: bool = False
    failures: int = 0
    cycles: int = 0
    daily_done: date | None = None
    notes: list[str] = field(default_factory=list)


# -- what a source holds ----------------------------------------------------------------------

# Per worksheet, its title and a 128-bit digest per row: a national sheet's is a few megabytes.
Snapshot = tuple[tuple[str, tuple[bytes, ...]], ...]


def snapshot(data: SheetData, writes: Sequence[CellWrite] = ()) -> Snapshot:
    """What `data` holds once `writes` land, compared as a read would give it back.

    Empty and missing cells are alike and trailing ones are dropped (the Sheets API and the
    local readers trim them); a value keeps its type, so 1 and True differ.
    """
    tables = {t.title: t.rows for t in (data.responses, data.roster) if t is not None}
    written: dict[tuple[str, int], list[Cell]] = {}
    for write in writes:
        rows = tables.get(write.sheet)
        if rows is None:
            continue
        index = write.row - 1
        line = written.get((write.sheet, index))
        if line is None:
            line = written[write.sheet, index] = list(rows[index]) if index < len(rows) else []
        line.extend([None] * (write.col - len(line)))
        line[write.col - 1] = write.value
    found = []
    for title, rows in tables.items():
        count = max([len(rows)] + [i + 1 for t, i in written if t == title])
        lines = (written.get((title, i), rows[i] if i < len(rows) else []) for i in range(count))
        found.append((title, _row_hashes(lines)))
    return tuple(found)


def _row_hashes(rows: Iterable[list[Cell]]) -> tuple[bytes, ...]:
    keys = [_trim(tuple(_cell_key(cell) for cell in row)) for row in rows]
    while keys and not keys[-1]:
        keys.pop()
    # Not hash(): it gives -1 and -2 the same value, so a cell edited from one to the other
    # would go unseen.
    return tuple(_digest(repr(key)) for key in keys)


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "backslashreplace"), digest_size=16).digest()


def _cell_key(cell: Cell) -> object:
    if cell is None or cell == "":
        return ""
    return cell if isinstance(cell, str) else (type(cell).__name__, cell)


def _trim(key: tuple[object, ...]) -> tuple[object, ...]:
    end = len(key)
    while end and key[end - 1] == "":
        end -= 1
    return key[:end]


def changed_rows(before: Snapshot | None, after: Snapshot) -> int:
    """Count the responses' rows (header aside) that are new or differ."""
    if before is None or not before or not after:
        return 0
    old, new = before[0][1], after[0][1]
    return sum(1 for i in range(1, len(new)) if i >= len(old) or old[i] != new[i])


def file_stamps(files: Sequence[Path]) -> list[tuple[int, int] | None]:
    """Size and modification time of each file, None for one that is missing."""
    stamps: list[tuple[int, int] | None] = []
    for path in files:
        try:
            st = os.stat(path)
        except OSError:
            stamps.append(None)
        else:
            stamps.append((st.st_size, st.st_mtime_ns))
    return stamps


class Primed:
    """A backend whose first read is one already made; later reads go to the source."""

    def __init__(self, inner: Backend, data: SheetData) -> None:
        self.inner = inner
        self.data: SheetData | None = data

    def read(
        self,
        worksheet: str | None,
        roster_worksheet: str,
        headers: Mapping[str, list[str]] | None = None,
    ) -> SheetData:
        data, self.data = self.data, None
        return data if data is not None else self.inner.read(worksheet, roster_worksheet, headers)

    def write(self, writes: Sequence[CellWrite], read: SheetData) -> None:
        self.inner.write(writes, read)


# -- the loop ---------------------------------------------------------------------------------


def watch(
    campaign: Campaign,
    every: float,
    say: Say,
    stop: StopRequest,
    *,
    now: Callable[[], datetime] = datetime.now,
    wait: Callable[[float], bool] | None = None,
    max_cycles: int | None = None,
) -> int:
    """Run cycles every `every` seconds until a stop request (or `max_cycles`); return the count.

    `now` and `wait` (sleep up to n seconds, True to stop) replace the clock in tests.
    """
    sleep = wait or stop.wait
    state = State()
    if campaign.daily is not None and now().time() >= campaign.daily.at:
        state.daily_done = now().date()  # started after today's time: the first is tomorrow
    while not stop.requested:
        try:
            delay = _attempt(campaign, state, every, say, stop, now)
        except KeyboardInterrupt:
            break
        state.cycles += 1
        gc.collect()  # what the cycle left behind, before waiting (see entry.GC_THRESHOLDS)
        if stop.requested or (max_cycles is not None and state.cycles >= max_cycles):
            break
        if sleep(_until_daily(campaign.daily, now(), delay)):
            break
    return state.cycles


def _attempt(
    campaign: Campaign,
    state: State,
    every: float,
    say: Say,
    stop: StopRequest,
    now: Callable[[], datetime],
) -> float:
    """Run one cycle, print its line; return the wait before the next one."""
    try:
        lines = _cycle(campaign, state, stop, now)
    except Exception as exc:
        # A stop can break the cycle (Windows interrupts the pool's workers too): just stop.
        if not (state.proven or stop.requested or isinstance(exc, TRANSIENT)):
            raise
        state.failures += 1
        delay = backoff(every, state.failures)
        say(
            f"{_clock(now())} — Lỗi (lần {state.failures}): {failure_text(exc)} "
            f"Thử lại sau {duration_text(delay)}.",
            True,
        )
        return delay
    state.proven, state.failures = True, 0
    for line in lines:
        say(f"{_clock(now())} — {line}", False)
    return every


def _cycle(
    campaign: Campaign, state: State, stop: StopRequest, now: Callable[[], datetime]
) -> list[str]:
    """Read, and when something changed run the job; return the lines to print."""
    daily = campaign.daily
    due = daily is not None and state.daily_done != now().date() and now().time() >= daily.at
    if campaign.files and file_stamps(campaign.files) == state.stamps and not due:
        return []
    parts: list[str] = []
    notes: list[str] = []
    with campaign.open_backend() as backend:
        stamps = file_stamps(campaign.files)  # under the lock: no other run writes now
        with stop.interruptible():
            data = campaign.read(backend)
        seen = snapshot(data)
        if seen != state.seen:
            outcome = campaign.job(Primed(backend, data))
            if outcome.written:
                stamps = file_stamps(campaign.files)  # our own write is no change
            extra = campaign.after_change(backend) if campaign.after_change else None
            parts = _done(outcome, state.seen, seen, extra)
            writes = outcome.writes if outcome.written else ()
            state.seen = snapshot(outcome.checked.data, writes)
            notes = [n for n in output.notes(outcome.checked) if n not in state.notes]
            state.notes = output.notes(outcome.checked)  # each said once, again if it comes back
        if due and daily is not None:
            parts.append(daily.job(backend) or "đã chạy việc hằng ngày")
            state.daily_done = now().date()
    state.stamps = stamps
    return (["; ".join(parts)] if parts else []) + notes


def _done(
    outcome: RunOutcome, before: Snapshot | None, seen: Snapshot, extra: str | None
) -> list[str]:
    """Say what a cycle that ran the job did; nothing when it wrote nothing (but the first)."""
    cells = len(outcome.writes) if outcome.written else 0
    lists = outcome.documents.written if outcome.documents is not None else 0
    if before is not None and not (cells or lists or extra):
        return []
    head = f"{len(outcome.checked.results)} dòng"
    changed = changed_rows(before, seen)
    if changed:
        head += f", {changed} dòng mới hoặc đã sửa"
    what = [
        f"{n} {label}" for n, label in ((cells, "ô trạng thái"), (lists, "danh sách Word")) if n
    ]
    parts = [f"{head}: " + (f"ghi {', '.join(what)}" if what else "không cần ghi gì")]
    return parts + ([extra] if extra else [])


def _until_daily(daily: Daily | None, now: datetime, delay: float) -> float:
    """Shorten the wait so that the daily step runs on time."""
    if daily is None:
        return delay
    target = datetime.combine(now.date(), daily.at)
    if target <= now:
        target += timedelta(days=1)
    return min(delay, max(1.0, (target - now).total_seconds()))


def _clock(at: datetime) -> str:
    return at.strftime("%d/%m %H:%M")


def failure_text(exc: BaseException) -> str:
    """One sentence for a failed cycle."""
    if isinstance(exc, SheetsSyncError):
        return str(exc)
    if isinstance(exc, OSError):
        return f"Lỗi đọc/ghi tệp: {exc.strerror or exc} ({exc.filename})."
    return f"Lỗi không mong đợi ({type(exc).__name__}): {exc}."


# -- the source and the job, as the command wires them ----------------------------------------


@contextmanager
def opened(
    source: str,
    *,
    roster: Path | None,
    credentials: Path | None,
    warn: Callable[[str], None],
) -> Iterator[tuple[Opener, list[Path]]]:
    """Yield how each cycle opens the source, and the local files to watch.

    A local file is opened and locked anew each cycle, so that Excel and other runs can use
    it between cycles. A Google spreadsheet is opened once: one token for the whole watch.
    """
    path = Path(source)
    if "://" not in source and (path.suffix.lower() in LOCAL_SUFFIXES or path.exists()):
        files = [path] + ([roster] if roster is not None else [])
        yield (
            (lambda: open_source(source, roster=roster, credentials=credentials, readonly=False)),
            files,
        )
        return
    with open_source(source, roster=roster, credentials=credentials, readonly=False) as backend:
        for warning in getattr(backend, "warnings", []):
            warn(warning)
        yield (lambda: nullcontext(backend)), []


def run_campaign(
    open_backend: Opener,
    files: Sequence[Path],
    settings: Settings,
    worksheet: str | None,
    out_dir: Path,
    maker: DocumentMaker | None,
    progress: pipeline.Progress | None = None,
) -> Campaign:
    """The job of `run` (read, decide, Word lists, statuses) as a campaign."""
    return Campaign(
        open_backend,
        read=lambda backend: backend.read(worksheet, settings.roster_worksheet, settings.headers),
        job=lambda backend: pipeline.run(
            backend, settings, worksheet, out_dir, maker, progress=progress
        ),
        files=files,
    )


def stopping_notice(stop: StopRequest, say: Say) -> pipeline.Progress:
    """Say once, at the job's next step, that a stop waits for the cycle's writes to end."""
    told: list[bool] = []

    def progress(stage: str, done: int, total: int) -> None:
        if stop.requested and not told:
            told.append(True)
            say("Đang dừng: chờ ghi xong lượt này...", True)

    return progress
