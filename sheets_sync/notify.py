"""Email each unit what its latest submission gave; remind the roster units that sent nothing.

Built on the pipeline's read and decide. Before anything is sent the journal of earlier runs
is read, so nothing already told (or maybe told, by a run that was killed) goes out again;
the ledger cells are written last, in one write, from the journal.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from . import mail_texts as texts
from . import pipeline
from .config import NOTIFIED_COLUMN, REMINDED_COLUMN, ROSTER_EMAIL_HEADERS, Settings
from .documents import DocumentMaker, DocumentsOutcome, write_documents
from .documents.folder import refuse_link
from .errors import MailError, SheetsSyncError, SourceError
from .ledger import (
    JOURNAL_FILE,
    STAMP,
    Entry,
    History,
    Journal,
    Record,
    already_told,
    find_column,
    ledger_writes,
)
from .letters import (
    Letter,
    build_message,
    reminder_letter,
    require_sender,
    result_letter,
    valid_address,
    write_outbox,
)
from .mailer import Mailer, Refused, Uncertain
from .model import CellWrite, Table, cell_at
from .output import retired_text
from .sheets.base import Backend
from .sheets.localfile import locked
from .text import cell_text

OUTBOX = Path("thu-gui")


@dataclass
class Outgoing:
    """One message that could go: the unit's ledger entry and the letter."""

    entry: Entry
    letter: Letter


@dataclass
class NotifyOutcome:
    """What a notify run did, for the summary lines and for `watch`."""

    checked: pipeline.Checked
    dry_run: bool = False
    sent: list[Outgoing] = field(default_factory=list)
    refused: list[tuple[Outgoing, str]] = field(default_factory=list)
    uncertain: list[Outgoing] = field(default_factory=list)
    no_address: list[Outgoing] = field(default_factory=list)
    unchanged: int = 0
    reminded_today: int = 0
    deferred: int = 0
    outbox: list[Path] = field(default_factory=list)
    outbox_cleared: int = 0
    ledger_cells: int = 0
    # --remind without a roster, or a roster without an email column.
    reminders_skipped: bool = False
    documents: DocumentsOutcome | None = None


def notify(
    backend: Backend,
    settings: Settings,
    worksheet: str | None,
    out_dir: Path,
    maker: DocumentMaker | None,
    *,
    remind: bool,
    dry_run: bool = False,
    outbox: Path | None = None,
    mailer: Mailer | None = None,
    now: datetime | None = None,
    journal: Path | None = None,
) -> NotifyOutcome:
    """Do the whole notify job on an opened backend; see the module's docstring.

    `maker` None attaches the lists already in `out_dir`; `journal` defaults to
    `nhat-ky-email.jsonl` beside `out_dir`. `--dry-run` writes `.eml` files into `outbox`
    and nothing else but the Word lists. Two runs never send at once: the journal is locked.
    """
    require_sender(settings)
    log = Journal(journal or out_dir.parent / JOURNAL_FILE)
    job = _Job(backend, settings, worksheet, out_dir, remind, log)
    when = (now or datetime.now()).replace(microsecond=0)
    if dry_run:
        return job.rehearse(maker, outbox or OUTBOX, when)
    log.make_folder()
    with locked(log.path, writing=False):
        return job.send(maker, mailer, when)


@dataclass
class _Job:
    backend: Backend
    settings: Settings
    worksheet: str | None
    out_dir: Path
    remind: bool
    log: Journal

    def prepare(
        self, maker: DocumentMaker | None, now: datetime, dry_run: bool
    ) -> tuple[NotifyOutcome, list[Outgoing]]:
        """Read, decide, keep what is due, and make the Word lists those messages carry."""
        data = self.backend.read(self.worksheet, self.settings.roster_worksheet)
        checked = pipeline.decide_all(data, self.settings)
        outcome = NotifyOutcome(checked, dry_run=dry_run)
        candidates = plan(
            checked, self.settings, self.out_dir, remind=self.remind, today=now.date()
        )
        outcome.reminders_skipped = self.remind and not _can_remind(checked)
        limit = self.settings.email.max_per_run
        due = _due(candidates, checked, self.log.load(), outcome, limit)
        if maker is not None:
            outcome.documents = write_documents(checked.listed, self.out_dir, maker)
        for item in due:
            if item.letter.attachment is not None and not item.letter.attachment.is_file():
                raise SourceError(
                    f"Chưa có danh sách Word {item.letter.attachment} để gửi kèm: chạy "
                    "`sheets-sync run` (hoặc `docs`) với cùng --out trước. Chưa gửi thư nào."
                )
        return outcome, due

    def rehearse(self, maker: DocumentMaker | None, outbox: Path, now: datetime) -> NotifyOutcome:
        refuse_link(outbox, "--outbox")
        outcome, due = self.prepare(maker, now, dry_run=True)
        pairs = [(o.letter, str(o.entry.address)) for o in due]
        outcome.outbox, outcome.outbox_cleared = write_outbox(
            pairs, self.settings.email, outbox, now
        )
        return outcome

    def send(
        self, maker: DocumentMaker | None, mailer: Mailer | None, now: datetime
    ) -> NotifyOutcome:
        outcome, due = self.prepare(maker, now, dry_run=False)
        try:
            if due:
                with mailer or Mailer.from_settings(self.settings.email) as smtp:
                    smtp.connect()
                    _send_all(due, smtp, self.log, self.settings, outcome, now)
        finally:
            self.log.close()
            outcome.ledger_cells = self.write_ledger(outcome, now.date())
        return outcome

    def write_ledger(self, outcome: NotifyOutcome, today: date) -> int:
        """Write the ledger cells the journal calls for, as `run` writes statuses.

        Rows moved meanwhile (Google): read, decide and plan again until a read agrees.
        """

        def planned(checked: pipeline.Checked, at: datetime) -> list[CellWrite]:
            candidates = plan(checked, self.settings, self.out_dir, remind=True, today=today)
            return _ledger_cells(checked, candidates, self.log.load(), self.remind)

        writes = planned(outcome.checked, datetime.now())
        if not writes:
            return 0
        try:
            settled = pipeline.write_settled(
                self.backend, self.settings, self.worksheet, outcome.checked, writes, planned
            )
        except SheetsSyncError as exc:
            raise type(exc)(
                f"{exc} Thư đã gửi được ghi trong {self.log.path}: lần chạy sau không gửi "
                "lại và ghi bù vào bảng tính."
            ) from None
        # No writes at the end: a read agreed with cells written by an earlier try.
        return sum(1 for w in settled.writes or writes if w.row != 1)


def plan(
    checked: pipeline.Checked, settings: Settings, out_dir: Path, *, remind: bool, today: date
) -> list[Outgoing]:
    """Every message this run could send, before the ledger and the journal are asked; pure."""
    rows: dict[str, list[int]] = defaultdict(list)
    for result in checked.results:
        rows[_key(result.response.unit_key, result.row)].append(result.row)
    found = []
    for result in checked.effective:
        key = _key(result.response.unit_key, result.row)
        letter = result_letter(result, settings, out_dir)
        others = tuple(r for r in rows[key] if r != result.row)
        address = valid_address(result.response.email)
        entry = Entry("result", key, result.row, letter.fingerprint, address, others)
        found.append(Outgoing(entry, letter))
    if remind:
        found += _reminders(checked, settings, today)
    return found


def _reminders(checked: pipeline.Checked, settings: Settings, today: date) -> list[Outgoing]:
    roster, table = checked.roster, checked.data.roster
    if roster is None or table is None or checked.roster_entries is None:
        return []
    keys = {unit.row: unit.key for unit in roster.units}
    col = find_column(table, ROSTER_EMAIL_HEADERS)
    if col is None:
        return []  # said once in the summary, not once per unit
    found = []
    for unit in checked.roster_entries:
        if unit.state != "missing":
            continue
        address = valid_address(cell_text(cell_at(table.rows[unit.row - 1], col)))
        letter = reminder_letter(unit.unit, settings, today)
        entry = Entry("reminder", keys[unit.row], unit.row, letter.fingerprint, address)
        found.append(Outgoing(entry, letter))
    return found


def _can_remind(checked: pipeline.Checked) -> bool:
    table = checked.data.roster
    return (
        checked.roster is not None
        and table is not None
        and (find_column(table, ROSTER_EMAIL_HEADERS) is not None)
    )


def _key(unit_key: str, row: int) -> str:
    """Rows without a unit name are each on their own."""
    return unit_key or f"#{row}"


def _ledger_place(checked: pipeline.Checked, kind: str) -> tuple[Table, str]:
    if kind == "reminder":
        assert checked.data.roster is not None
        return checked.data.roster, REMINDED_COLUMN
    return checked.data.responses, NOTIFIED_COLUMN


def _due(
    candidates: list[Outgoing],
    checked: pipeline.Checked,
    history: History,
    outcome: NotifyOutcome,
    limit: int,
) -> list[Outgoing]:
    """Keep the messages not told before, up to `limit`; count the others."""
    due: list[Outgoing] = []
    for item in candidates:
        table, title = _ledger_place(checked, item.entry.kind)
        if item.entry.address is None:
            outcome.no_address.append(item)
        elif already_told(item.entry, table, find_column(table, title), history):
            if item.entry.kind == "reminder":
                outcome.reminded_today += 1
            else:
                outcome.unchanged += 1
        elif len(due) >= limit:
            outcome.deferred += 1
        else:
            due.append(item)
    return due


def _send_all(
    due: list[Outgoing],
    smtp: Mailer,
    log: Journal,
    settings: Settings,
    outcome: NotifyOutcome,
    now: datetime,
) -> None:
    """Send each message between a `sending` and a `sent`/`refused` line of the journal."""
    email = settings.email
    for item in due:
        address = item.entry.address
        assert address is not None
        message = build_message(item.letter, email, address, now)
        committing = _journal_line(log, _record(item, "sending", now))
        try:
            smtp.send(message, email.sender, address, committing)
        except Refused as exc:
            reason = f"máy chủ thư từ chối ({exc.code} {exc.reason})"[:200]
            log.append(_record(item, "refused", now, reason))
            outcome.refused.append((item, reason))
            continue
        except Uncertain:
            outcome.uncertain.append(item)
            continue
        except MailError:
            # Nothing reached the server: the unit is not counted as told.
            log.append(_record(item, "refused", now, texts.MAIL_SERVER_FAILED))
            raise
        log.append(_record(item, "sent", now))
        outcome.sent.append(item)


def _journal_line(log: Journal, record: Record) -> Callable[[], None]:
    """Append `record` when called: the `sending` line, once the server awaits the message."""
    return lambda: log.append(record)


def _record(item: Outgoing, state: str, now: datetime, refusal: str = "") -> Record:
    """The journal line, with the ledger cell text it stands for."""
    entry, letter, at = item.entry, item.letter, now.strftime(STAMP)
    if state == "refused":
        ledger = texts.LEDGER_REFUSED.format(at=at, reason=refusal)
    else:
        ledger = texts.LEDGER_SENT.format(at=at, status=letter.ledger_status, fp=entry.fingerprint)
    return Record(
        entry.kind, entry.key, letter.unit, entry.fingerprint, state, now.isoformat(), ledger
    )


def _ledger_cells(
    checked: pipeline.Checked, candidates: list[Outgoing], history: History, remind: bool
) -> list[CellWrite]:
    writes = []
    for kind in ("result", "reminder"):
        entries = [o.entry for o in candidates if o.entry.kind == kind]
        if not entries:
            continue
        if kind == "reminder" and not remind:
            # Without --remind only what the journal says was sent is written.
            entries = [e for e in entries if (kind, e.key) in history.latest]
        table, title = _ledger_place(checked, kind)
        writes += ledger_writes(table, title, entries, history)
    return writes


def watch_step(
    settings: Settings,
    worksheet: str | None,
    out_dir: Path,
    maker: DocumentMaker | None,
    *,
    remind: bool,
) -> Callable[[Backend], str | None]:
    """The notify job as a `watch` step: one summary line when it mailed or refused anyone."""
    require_sender(settings)

    def step(backend: Backend) -> str | None:
        outcome = notify(backend, settings, worksheet, out_dir, maker, remind=remind)
        if not (outcome.sent or outcome.refused or outcome.uncertain or outcome.reminders_skipped):
            return None
        return "; ".join(line.rstrip(".") for line in summary_lines(outcome))

    return step


def summary_lines(outcome: NotifyOutcome, outbox: Path | None = None) -> list[str]:
    """Say in Vietnamese what a notify run did."""
    say = texts.SUMMARY
    if outcome.dry_run:
        lines = [say["dry_run"].format(n=len(outcome.outbox), folder=outbox or OUTBOX)]
    else:
        sent = {k: sum(o.entry.kind == k for o in outcome.sent) for k in ("result", "reminder")}
        lines = [say["sent"].format(**sent)]
    units = [o.letter.unit for o in outcome.no_address]
    named = ", ".join(units[:10]) + (", ..." if len(units) > 10 else "")
    no_column = bool(units) and "email" not in outcome.checked.layout.fields
    columns = {"notified": NOTIFIED_COLUMN, "reminded": REMINDED_COLUMN}
    optional: list[tuple[str, object, dict[str, str]]] = [
        ("outbox_cleared", outcome.outbox_cleared, {"folder": str(outbox or OUTBOX)}),
        ("unchanged", outcome.unchanged, {}),
        ("reminded_today", outcome.reminded_today, {}),
        ("no_address", units, {"units": named}),
        ("no_email_column", no_column, {}),
        ("reminders_skipped", outcome.reminders_skipped, {}),
        *(("refused", 1, {"unit": o.letter.unit, "reason": r}) for o, r in outcome.refused),
        ("uncertain", outcome.uncertain, {}),
        ("deferred", outcome.deferred, {}),
        ("ledger", outcome.ledger_cells, columns),
    ]
    for key, value, extra in optional:
        if value:
            count = len(value) if isinstance(value, list) else value
            lines.append(say[key].format(n=count, **extra))
    if outcome.documents is not None:  # lists moved to cu/, as `run` says it
        lines += retired_text(outcome.documents.retired, str(outcome.documents.folder))
    return lines
