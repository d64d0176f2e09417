"""The steps wired together: read → normalize → decide → (documents) → (statuses)."""

from __future__ import annotations

import functools
import inspect
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import ParamSpec

from .config import Settings
from .documents import DocumentMaker, DocumentsOutcome, assign_file_names, discard, stage_documents
from .errors import SheetChangedError, SourceError
from .form import REQUIRED, Layout, read_layout
from .model import CellWrite, RosterEntry, RowResult, SheetData
from .roster import Roster, load_roster, roster_states
from .rules import Context, decide, read_response
from .sheets.base import Backend
from .status import plan_roster_writes, plan_writes
from .text import cell_text, make_unit_keyer

UNIT_TITLE = REQUIRED["unit"]

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


def check_data(data: SheetData, settings: Settings) -> Checked:
    """Normalize and decide every row of what a backend read; pure."""
    keyer = make_unit_keyer(settings.abbreviations, settings.unit_prefixes)
    roster = load_roster(data.roster, settings, keyer)
    layout = read_layout(data.responses.header, settings.headers)
    ctx = Context(settings, keyer, roster)
    responses = []
    for number, row in enumerate(data.responses.rows[1:], start=2):
        response = read_response(number, row, layout, ctx)
        if response is not None:
            responses.append(response)
    results = decide(responses, settings.deadline)
    checked = Checked(data, layout, results, roster, None)
    if roster is not None:
        checked.roster_entries = roster_states(roster, checked.effective)
    return checked


def check(backend: Backend, settings: Settings, worksheet: str | None) -> Checked:
    """Read and decide; writes nothing."""
    return check_data(backend.read(worksheet, settings.roster_worksheet), settings)


def status_writes(checked: Checked, settings: Settings, now: datetime) -> list[CellWrite]:
    """Every status cell of the responses and the roster that must change."""
    writes = plan_writes(checked.data.responses, checked.layout, checked.results, settings, now)
    if checked.roster is not None and checked.roster_entries is not None:
        assert checked.data.roster is not None
        writes += plan_roster_writes(
            checked.data.roster, checked.roster, checked.roster_entries, settings
        )
    return writes


P = ParamSpec("P")


def _lists_in_place(run_: Callable[P, RunOutcome]) -> Callable[P, RunOutcome]:
    """Put a run's staged Word lists in place once it returns; drop them if it stops early.

    So a run that fails or is stopped (Ctrl-C) before its statuses are written leaves
    `out_dir` as it was.
    """
    signature = inspect.signature(run_)

    @functools.wraps(run_)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> RunOutcome:
        out_dir = Path(signature.bind(*args, **kwargs).arguments["out_dir"])
        try:
            outcome = run_(*args, **kwargs)
            if outcome.documents is not None:
                outcome.documents.commit()
        finally:
            discard(out_dir)
        return outcome

    return wrapper


@_lists_in_place
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
    """Check, stage the Word lists, then write the status cells; re-read once if rows moved."""
    say = progress or _quiet
    started = time.monotonic()
    for attempt in (1, 2):
        say("read", 0, 0)
        data = backend.read(worksheet, settings.roster_worksheet)
        say("decide", 0, 0)
        checked = check_data(data, settings)
        _refuse_without_units(checked)
        assign_file_names(checked.listed)
        outcome = RunOutcome(checked)
        if write_statuses:
            outcome.writes = status_writes(checked, settings, datetime.now())
        if dry_run:
            break
        if maker is not None:
            step = _documents_step(say, len(checked.listed) + 1)
            outcome.documents = stage_documents(checked.listed, out_dir, maker, step)
        if not outcome.writes:
            break
        say("statuses", 0, len(outcome.writes))
        try:
            backend.write(outcome.writes, checked.data)
        except SheetChangedError:
            if attempt == 2:
                raise
            continue
        outcome.written = True
        break
    outcome.seconds = time.monotonic() - started
    return outcome


def _refuse_without_units(checked: Checked) -> None:
    """Stop before writing anything when no column names the unit: it is the wrong sheet."""
    if UNIT_TITLE not in checked.layout.missing:
        return
    table = checked.data.responses
    titles = ", ".join(f"'{t}'" for t in map(cell_text, table.header) if t) or "không có cột nào"
    raise SourceError(
        f"Trang tính '{table.title}' không có cột '{UNIT_TITLE}' ({titles}): chọn đúng trang "
        "bằng --worksheet, hoặc thêm tên câu hỏi vào [headers] unit trong tệp cấu hình. "
        "Chưa ghi gì."
    )


def _quiet(stage: str, done: int, total: int) -> None:
    """Report nothing."""


def _documents_step(say: Progress, total: int) -> Callable[[int], None]:
    return lambda done: say("documents", done, total)
