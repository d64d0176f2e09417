"""What was mailed: a local journal written around each message, and the sheet's ledger cells.

The journal gets a `sending` line once the server has agreed to take a message (after
DATA), right before the message itself goes, and a `sent` (or `refused`) line once the
server answers; each is flushed to disk before going on. A run killed between the two
leaves `sending`: the next run counts it as sent, since the server may have taken the
message. A unit may then miss one message, but is never mailed twice.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO

from . import mail_texts as texts
from .errors import SourceError
from .model import CellWrite, Table, cell_at
from .text import cell_text, header_key

JOURNAL_FILE = "nhat-ky-email.jsonl"
STAMP = "%d/%m/%Y %H:%M"
_SENT_CELL = re.compile(r"^(\d\d/\d\d/\d{4} \d\d:\d\d) — .*\(mã ([0-9a-f]{8})\)$")
TOLD = ("sending", "sent")


@dataclass(frozen=True)
class Record:
    """One line of the journal: a message about to go, gone, or refused."""

    kind: str  # "result" or "reminder"
    key: str  # the unit's folded key
    unit: str
    fingerprint: str
    state: str  # "sending", "sent" or "refused"
    at: str  # ISO 8601, local time
    ledger: str  # the text of the ledger cell


@dataclass
class History:
    """The journal read back: each unit's latest line, and the latest one that told it."""

    latest: dict[tuple[str, str], Record] = field(default_factory=dict)
    told: dict[tuple[str, str], Record] = field(default_factory=dict)


@dataclass(frozen=True)
class Entry:
    """A unit that could be mailed: where its ledger cell is and what it would be told."""

    kind: str
    key: str
    row: int
    fingerprint: str
    address: str | None
    # Rows of the same unit whose ledger cells say what it was told before (resubmissions).
    other_rows: tuple[int, ...] = ()


class Journal:
    """Append-only lines of JSON; a torn last line (a kill mid-write) is ignored."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stream: IO[str] | None = None

    def load(self) -> History:
        history = History()
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return history
        except (OSError, UnicodeDecodeError) as exc:
            raise SourceError(f"Không đọc được nhật ký gửi thư {self.path} ({exc}).") from None
        for line in lines:
            try:
                record = Record(**json.loads(line))
            except (ValueError, TypeError):
                continue
            where = (record.kind, record.key)
            history.latest[where] = record
            if record.state in TOLD:
                history.told[where] = record
            elif _cancels(history.told.get(where), record):
                del history.told[where]
        return history

    def make_folder(self) -> None:
        """Create the journal's folder, so that the run's lock can sit beside it."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SourceError(
                f"Không tạo được thư mục {self.path.parent} cho nhật ký gửi thư "
                f"({exc.strerror}): hãy chọn --out ở thư mục ghi được."
            ) from None

    def append(self, record: Record) -> None:
        """Add one line and make it durable before the caller goes on."""
        stream = self._open()
        stream.write(json.dumps(asdict(record), ensure_ascii=False) + "\n")
        stream.flush()
        os.fsync(stream.fileno())

    def _open(self) -> IO[str]:
        if self._stream is None:
            try:
                torn = self.path.stat().st_size > 0 and not self.path.read_bytes().endswith(b"\n")
            except FileNotFoundError:
                torn = False
            try:
                self._stream = self.path.open("a", encoding="utf-8")
            except OSError as exc:
                raise SourceError(
                    f"Không ghi được nhật ký gửi thư {self.path} ({exc.strerror}): chưa gửi thư "
                    "nào; hãy chọn --out ở thư mục ghi được."
                ) from None
            if torn:
                self._stream.write("\n")
        return self._stream

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()
            self._stream = None


def _cancels(told: Record | None, refused: Record) -> bool:
    """A refusal takes back the `sending` line of the same message, not an earlier `sent`."""
    return told is not None and told.state == "sending" and told.fingerprint == refused.fingerprint


def sent_cell(text: str) -> tuple[datetime, str] | None:
    """Read `02/12/2026 10:15 — Cần sửa (mã 1a2b3c4d)` as (time, fingerprint)."""
    match = _SENT_CELL.match(text)
    if match is None:
        return None
    return datetime.strptime(match.group(1), STAMP), match.group(2)


def already_told(entry: Entry, table: Table, col: int | None, history: History) -> bool:
    """Tell whether the latest thing this unit was told, in the sheet or the journal, is this."""
    told: list[tuple[datetime, str]] = []
    for row in (entry.row, *entry.other_rows):
        found = sent_cell(_cell(table, row, col))
        if found is not None:
            told.append(found)
    record = history.told.get((entry.kind, entry.key))
    if record is not None:
        told.append((datetime.fromisoformat(record.at), record.fingerprint))
    # On equal minutes the journal (seconds) comes last and wins.
    return bool(told) and max(told, key=lambda t: t[0])[1] == entry.fingerprint


def ledger_writes(
    table: Table, title: str, entries: Iterable[Entry], history: History
) -> list[CellWrite]:
    """The ledger cells that must change: what the journal says was sent, or why not."""
    found = find_column(table, title)
    col = found if found is not None else max((len(r) for r in table.rows), default=0)
    writes = []
    for entry in entries:
        target = _target(entry, history.latest.get((entry.kind, entry.key)))
        current = _cell(table, entry.row, found)
        if target is None or current == target:
            continue
        told = sent_cell(current)
        if told is not None and told[1] == entry.fingerprint and sent_cell(target) is not None:
            continue  # the sheet already says this was sent (from another computer)
        writes.append(CellWrite(table.title, entry.row, col + 1, target))
    if writes and found is None:
        writes.insert(0, CellWrite(table.title, 1, col + 1, title))
    return writes


def _target(entry: Entry, record: Record | None) -> str | None:
    if record is not None and record.fingerprint == entry.fingerprint:
        return record.ledger
    if entry.address is None:
        return texts.LEDGER_NO_ADDRESS
    return None


def find_column(table: Table, title: str | Sequence[str]) -> int | None:
    """The 0-based column whose row-1 title matches one of `title`, else None."""
    wanted = {header_key(t) for t in ([title] if isinstance(title, str) else title)}
    for col, cell in enumerate(table.header):
        if header_key(cell_text(cell)) in wanted:
            return col
    return None


def _cell(table: Table, row: int, col: int | None) -> str:
    if col is None or row > len(table.rows):
        return ""
    return cell_text(cell_at(table.rows[row - 1], col))
