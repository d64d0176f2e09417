"""The steps wired together: read → normalize → decide → (documents) → (statuses)."""

from __future__ import annotations

import gc
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial, wraps
from operator import attrgetter
from pathlib import Path
from typing import ParamSpec, TypeVar

from .config import ROSTER_STATUS_COLUMN, ROSTER_WORKSHEET, Settings
from .documents import (
    SUMMARY_FILE,
    DocumentMaker,
    DocumentsOutcome,
    assign_file_names,
    discard,
    stage_documents,
)
from .documents.folder import holds
from .errors import SheetChangedError, SheetsSyncError, SourceError
from .form import REQUIRED, Layout, read_layout
from .model import CellWrite, RosterEntry, RowResult, SheetData, cell_at
from .roster import Roster, load_roster, roster_states
from .rules import Context, decide, read_response
from .sheets.base import Backend, Overwriting, Preparing
from .sheets.limits import past_last_column
from .sheets.rosterfile import CSV_SUFFIXES
from .status import plan_roster_writes, plan_writes
from .text import cell_text, make_unit_keyer
from .timestamps import ColumnOrder, column_order

UNIT_TITLE = REQUIRED["unit"]
NO_ROSTER = (
    "không có danh sách đơn vị: tên đơn vị giữ như đã gõ, không đối chiếu được và không tính "
    f"được '{ROSTER_STATUS_COLUMN}'; thêm trang tính '{ROSTER_WORKSHEET}' hoặc dùng --roster TỆP."
)

# Told each stage as it starts ("read", "decide", "documents", "statuses"), and during
# "documents" how many of how many lists are done: (stage, done, total).
Progress = Callable[[str, int, int], None]


@dataclass
class Checked:
    """Every row's decision, with what the read gave."""

    data: SheetData
    layout: Layout
    results: list[RowResult]
    roster: Roster | None
    roster_entries: list[RosterEntry] | None
    # What the reader should know once about the whole run (Vietnamese, one line each).
    notes: list[str] = field(default_factory=list)

    @property
    def effective(self) -> list[RowResult]:
        return [r for r in self.results if r.status != "superseded"]

    @property
    def listed(self) -> list[RowResult]:
        """The effective rows without errors: those get a Word list."""
        return [r for r in self.results if r.status in ("ok", "warning")]


@dataclass
class RunOutcome:
    checked: Checked
    writes: list[CellWrite] = field(default_factory=list)
    documents: DocumentsOutcome | None = None
    written: bool = False
    seconds: float = 0.0


_P = ParamSpec("_P")
_T = TypeVar("_T")


def _uncollected(step: Callable[_P, _T]) -> Callable[_P, _T]:
    """Run `step` with the cycle collector held off; what it made is then counted as old.

    Deciding makes millions of objects and no reference cycles: at 126,000 responses the
    collector went through them 19 times, found nothing, and took 0.4 s of a 6.5 s step.
    Merely turned off, it would go through them all in its next collection of young objects:
    they are moved to the oldest generation instead (`gc.freeze` then `gc.unfreeze` puts
    every object there), left to its rare full collections as the rows read before them are.
    """

    @wraps(step)
    def held(*args: _P.args, **kwargs: _P.kwargs) -> _T:
        if not gc.isenabled():
            return step(*args, **kwargs)
        gc.disable()
        try:
            return step(*args, **kwargs)
        finally:
            if gc.get_freeze_count() == 0:  # objects frozen by someone else stay frozen
                gc.freeze()
                gc.unfreeze()
            gc.enable()

    return held


@_uncollected
def check_data(data: SheetData, settings: Settings) -> Checked:
    """Normalize and decide every row of what a backend read; pure."""
    keyer = make_unit_keyer(settings.abbreviations, settings.unit_prefixes, accents=True)
    roster = load_roster(data.roster, settings, keyer)
    layout = read_layout(data.responses.header, settings.headers)
    stamps = _date_order(data, layout, settings)
    ctx = Context(settings, keyer, roster, stamps.order)
    responses = []
    for number, row in enumerate(data.responses.rows[1:], start=2):
        response = read_response(number, row, layout, ctx)
        if response is not None:
            responses.append(response)
    if roster is not None:
        roster.forget_matching()
    results = decide(responses, settings.deadline)
    checked = Checked(data, layout, results, roster, None)
    checked.notes += [*data.notes, stamps.note] if stamps.note else list(data.notes)
    checked.notes += roster.warnings if roster is not None else [NO_ROSTER]
    if roster is not None:
        checked.roster_entries = roster_states(roster, checked.effective)
    return checked


def _date_order(data: SheetData, layout: Layout, settings: Settings) -> ColumnOrder:
    """Decide day-first or month-first once, from every timestamp of the column."""
    col = layout.fields.get("submitted_at")
    cells = (cell_at(row, col) for row in data.responses.rows[1:]) if col is not None else ()
    return column_order(cells, settings.date_order)


def check(backend: Backend, settings: Settings, worksheet: str | None) -> Checked:
    """Read and decide, refusing a sheet without a unit column as `run` does; writes nothing."""
    checked = check_data(
        backend.read(worksheet, settings.roster_worksheet, settings.headers), settings
    )
    _refuse_without_units(checked)
    return checked


@_uncollected
def status_writes(checked: Checked, settings: Settings, now: datetime) -> list[CellWrite]:
    """Every status cell of the responses and the roster that must change."""
    writes = plan_writes(checked.data.responses, checked.layout, checked.results, settings, now)
    if checked.roster is not None and checked.roster_entries is not None:
        assert checked.data.roster is not None
        writes += plan_roster_writes(
            checked.data.roster, checked.roster, checked.roster_entries, settings
        )
    return writes


def run(
    backend: Backend,
    settings: Settings,
    worksheet: str | None,
    out_dir: Path,
    maker: DocumentMaker | None,
    *,
    dry_run: bool = False,
    write_statuses: bool = True,
    progress: Progress | None = None,
) -> RunOutcome:
    """Check, stage the Word lists, write the status cells (reading again while rows move).

    The staged lists are put in place only once the statuses are written: a run that fails
    or is stopped (Ctrl-C) before that leaves `out_dir` as it was.
    """
    say = progress or _quiet
    started = time.monotonic()
    try:
        say("read", 0, 0)
        data = backend.read(worksheet, settings.roster_worksheet, settings.headers)
        say("decide", 0, 0)
        checked = decide_all(data, settings)
        outcome = RunOutcome(checked)
        if write_statuses:
            outcome.writes = status_writes(checked, settings, datetime.now())
            _refuse_past_grid(data, outcome.writes)
        if dry_run:
            _compare_documents(outcome, out_dir, maker, say)
        else:
            _write_documents(outcome, out_dir, maker, say, _preparer(backend, outcome.writes, data))
        if not dry_run and outcome.writes:
            say("statuses", 0, len(outcome.writes))
            settled = write_settled(backend, settings, worksheet, checked, outcome.writes)
            outcome.written = bool(settled.writes)
            if settled.checked is not checked:
                outcome.checked, outcome.writes = settled.checked, settled.writes
                _write_documents(outcome, out_dir, maker, say)
        if outcome.documents is not None:
            outcome.documents.commit()
    finally:
        discard(out_dir)
        if isinstance(backend, Preparing):
            backend.drop_prepared()
    outcome.seconds = time.monotonic() - started
    return outcome


def decide_all(data: SheetData, settings: Settings) -> Checked:
    """Decide every row and name the Word lists; refuse a sheet without a unit column."""
    checked = check_data(data, settings)
    _refuse_without_units(checked)
    assign_file_names(checked.listed)
    return checked


_COLUMN = attrgetter("col")


def _refuse_past_grid(data: SheetData, writes: list[CellWrite]) -> None:
    """Stop before any list is written when a status would lie past the backend's last column."""
    # One pass in C over a national run's 582,000 cells; the first one past is looked for
    # only when there is one.
    if data.max_col is None or not writes or max(map(_COLUMN, writes)) <= data.max_col:
        return
    past = next(w for w in writes if w.col > data.max_col)
    raise past_last_column(past.sheet, data.source)


def _write_documents(
    outcome: RunOutcome,
    out_dir: Path,
    maker: DocumentMaker | None,
    say: Progress,
    meanwhile: Callable[[], object] | None = None,
) -> None:
    if maker is not None:
        listed = outcome.checked.listed
        step = _documents_step(say, len(listed) + 1)
        step(0)  # the bar shows at once: the first lists take a while to come back
        outcome.documents = stage_documents(listed, out_dir, maker, step, meanwhile)


def _preparer(
    backend: Backend, writes: list[CellWrite], data: SheetData
) -> Callable[[], object] | None:
    """What builds the status write while the Word lists are made: a local workbook's new
    version, put in place (by `write`) only once the lists are staged. Nothing for Google.
    """
    if not writes or not isinstance(backend, Preparing):
        return None
    return partial(backend.prepare, writes, data)


def _compare_documents(
    outcome: RunOutcome, out_dir: Path, maker: DocumentMaker | None, say: Progress
) -> None:
    """Count the lists a run would write new or changed and those it would leave; write none.

    Only a list whose file exists is made, to compare its bytes: the maker is deterministic.
    """
    if maker is None:
        return
    listed = outcome.checked.listed
    step = _documents_step(say, len(listed) + 1)
    makers: list[Callable[[], bytes]] = [partial(maker.unit, result) for result in listed]
    makers.append(partial(maker.summary, listed))
    names = [str(result.file_name) for result in listed] + [SUMMARY_FILE]
    compared = DocumentsOutcome(folder=out_dir)  # nothing staged, nothing to commit
    for done, (name, make) in enumerate(zip(names, makers, strict=True), start=1):
        path = out_dir / name
        compared.names.append(name)
        if path.is_file() and holds(path, make()):
            compared.unchanged += 1
        else:
            compared.written += 1
        step(done)
    outcome.documents = compared


@dataclass
class Settled:
    """The decisions the statuses were last written from, and those writes (none: agreed)."""

    checked: Checked
    writes: list[CellWrite]


# Checked writes a run tries while rows move under them, and the first pause before reading
# again (doubled each time, with jitter): at most 0.5, 1, 2 and 4 s after the four tries.
SETTLE_TRIES = 4
SETTLE_PAUSE = 0.5


# What to write for a read: the status cells by default; `notify` plans its ledger cells.
Plan = Callable[[Checked, datetime], list[CellWrite]]


def write_settled(
    backend: Backend,
    settings: Settings,
    worksheet: str | None,
    checked: Checked,
    writes: list[CellWrite],
    plan: Plan | None = None,
) -> Settled:
    """Write the statuses until a read after the write agrees with them.

    Statuses are a pure function of the rows: when rows move under a write (Google's row
    check raises SheetChangedError, before or after writing), the sheet is read, decided and
    written again after a growing pause, until a read needs no write. When the edits never
    pause, the last write puts every status where the last read says it belongs, unchecked
    (Overwriting), and the error says that is what the sheet holds; so does any other error
    met while statuses written earlier may sit on other responses.
    """
    misplaced = [False]
    if plan is None:
        plan = partial(_status_plan, settings)
    try:
        return _settle(backend, settings, worksheet, checked, writes, misplaced, plan)
    except SheetsSyncError as err:
        if not misplaced[0]:
            raise
        raise type(err)(f"{err} {MISPLACED}") from None


MISPLACED = (
    "Lưu ý: lần ghi trước rơi đúng lúc có người sắp xếp, chèn hoặc xóa dòng nên một số trạng "
    "thái có thể đang nằm sai dòng; chạy lại lệnh để sửa."
)


def _status_plan(settings: Settings, checked: Checked, at: datetime) -> list[CellWrite]:
    return status_writes(checked, settings, at)


def _settle(
    backend: Backend,
    settings: Settings,
    worksheet: str | None,
    checked: Checked,
    writes: list[CellWrite],
    misplaced: list[bool],
    plan: Plan,
) -> Settled:
    """The loop of write_settled; `misplaced[0]` tells whether a write landed on moved rows."""
    for tries in range(1, SETTLE_TRIES + 1):
        try:
            backend.write(writes, checked.data)
            return Settled(checked, writes)
        except SheetChangedError as err:
            changed = err
            misplaced[0] |= err.written
        time.sleep(SETTLE_PAUSE * 2 ** (tries - 1) * random.uniform(0.5, 1.0))
        data = backend.read(worksheet, settings.roster_worksheet, settings.headers)
        checked = decide_all(data, settings)
        read_at = datetime.now()
        writes = plan(checked, read_at)
        if not writes:
            return Settled(checked, [])  # the statuses already agree with this read
    if not isinstance(backend, Overwriting):
        raise changed  # nothing was written by the try that failed (local files)
    backend.overwrite(writes, checked.data)
    misplaced[0] = False  # every status is where the last read says
    raise SheetChangedError(
        f"Bảng tính bị sửa liên tục trong lúc ghi trạng thái (đã thử {SETTLE_TRIES} lần): "
        f"trạng thái hiện ghi theo lần đọc cuối lúc {read_at:%H:%M:%S}, dòng nào bị sắp xếp, "
        "chèn hay xóa sau lúc đó có thể lệch; chạy lại lệnh khi không còn ai sửa bảng tính."
    )


def _refuse_without_units(checked: Checked) -> None:
    """Stop before writing anything when no column names the unit: it is the wrong sheet."""
    if UNIT_TITLE not in checked.layout.missing:
        return
    table = checked.data.responses
    titles = ", ".join(f"'{t}'" for t in map(cell_text, table.header) if t) or "không có cột nào"
    if is_csv(checked.data):  # one sheet: nothing to choose
        raise SourceError(
            f"Tệp {checked.data.source} không có cột '{UNIT_TITLE}' ({titles}): kiểm tra đó có "
            "phải tệp câu trả lời biểu mẫu không, hoặc thêm tên cột đang dùng vào [headers] unit "
            "trong tệp cấu hình. Chưa ghi gì."
        )
    raise SourceError(
        f"Trang tính '{table.title}' không có cột '{UNIT_TITLE}' ({titles}): chọn đúng trang "
        "bằng --worksheet, hoặc thêm tên câu hỏi vào [headers] unit trong tệp cấu hình. "
        "Chưa ghi gì."
    )


def is_csv(data: SheetData) -> bool:
    """Tell whether the responses come from a CSV file: one sheet, no worksheets to name."""
    return Path(data.source).suffix.lower() in CSV_SUFFIXES


def _quiet(stage: str, done: int, total: int) -> None:
    """Report nothing."""


def _documents_step(say: Progress, total: int) -> Callable[[int], None]:
    return lambda done: say("documents", done, total)
