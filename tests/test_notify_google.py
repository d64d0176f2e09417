"""`notify` on a Google spreadsheet (the emulator): ledger cells within the request budget."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from sheets_sync.config import Settings
from sheets_sync.documents import DocumentMaker
from sheets_sync.mailer import Mailer
from sheets_sync.notify import NotifyOutcome, notify
from sheets_sync.sheets.google import GoogleBackend
from tests.conftest import ServiceAccountKey
from tests.sheets_emulator import Request, SheetsEmulator
from tests.smtp_server import Mailbox, SmtpServer
from tests.test_google import HEADER, KEY, RESPONSES, ROSTER, form_row
from tests.test_notify import email_settings

NOW = datetime(2026, 12, 2, 10, 15)
N = 8
NOTIFIED = len(HEADER)  # the ledger column comes right after the form


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, SmtpServer]]:
    box = Mailbox()
    with SmtpServer(box) as server:
        yield box, server


def add_book(emu: SheetsEmulator, key: ServiceAccountKey) -> None:
    roster = [["STT", "Tên đơn vị", "Email"]]
    roster += [[i + 1, f"Trường THCS số {i}", f"thcs{i}@example.com"] for i in range(N + 2)]
    sheets = {RESPONSES: [HEADER] + [form_row(i) for i in range(N)], ROSTER: roster}
    emu.add_spreadsheet(KEY, sheets, grid=(100, len(HEADER)))
    emu.share(KEY, key.client_email)


def run(
    key: ServiceAccountKey, server: SmtpServer, tmp_path: Path, now: datetime = NOW
) -> NotifyOutcome:
    settings = Settings(email=email_settings(port=server.port))
    google = GoogleBackend(KEY, key.path, readonly=False)
    return notify(
        google,
        settings,
        None,
        tmp_path / "danh-sach",
        DocumentMaker(settings.documents),
        remind=True,
        mailer=Mailer("127.0.0.1", server.port, "none"),
        now=now,
    )


def test_ledger_cells_in_six_requests_on_a_narrow_grid_and_none_on_a_rerun(
    sheets_emulator: SheetsEmulator,
    service_account_key: ServiceAccountKey,
    mailbox: tuple[Mailbox, SmtpServer],
    tmp_path: Path,
) -> None:
    box, server = mailbox
    add_book(sheets_emulator, service_account_key)
    outcome = run(service_account_key, server, tmp_path)
    assert len(outcome.sent) == N + 2 and len(box.received) == N + 2
    # a first run that grows the grid for the ledger columns: 5 requests, and 1 to grow it
    assert len(sheets_emulator.requests) == 6
    values = sheets_emulator.values(KEY, RESPONSES)
    assert values[0][NOTIFIED] == "Đã báo qua email"
    assert all(r[NOTIFIED].startswith("02/12/2026 10:15 — Hợp lệ (mã ") for r in values[1:])
    roster = sheets_emulator.values(KEY, ROSTER)
    assert roster[0][3] == "Đã nhắc qua email"
    reminded = [r[3] if len(r) > 3 else "" for r in roster[1:]]
    assert reminded[:N] == [""] * N
    assert all(c.startswith("02/12/2026 10:15 — Đã nhắc nộp (mã ") for c in reminded[N:])
    sheets_emulator.requests.clear()
    again = run(service_account_key, server, tmp_path, NOW + timedelta(hours=2))
    assert again.sent == [] and again.unchanged == N and again.reminded_today == 2
    assert len(sheets_emulator.requests) == 2  # the read; nothing to write
    assert len(box.received) == N + 2


def test_rows_moved_before_the_ledger_write_land_on_their_units(
    sheets_emulator: SheetsEmulator,
    service_account_key: ServiceAccountKey,
    mailbox: tuple[Mailbox, SmtpServer],
    tmp_path: Path,
) -> None:
    """Someone sorts the sheet while the mail goes out: the ledger follows each unit."""
    box, server = mailbox
    add_book(sheets_emulator, service_account_key)

    def sort_once(request: Request) -> None:
        if len(sheets_emulator.requests) == 3 and not getattr(sort_once, "done", False):
            sort_once.done = True  # type: ignore[attr-defined]
            sheet = sheets_emulator.sheet(KEY, RESPONSES)
            sheet.rows[1:] = sorted(sheet.rows[1:], key=lambda r: str(r[2]), reverse=True)

    sheets_emulator.on_request = sort_once
    outcome = run(service_account_key, server, tmp_path)
    assert len(outcome.sent) == N + 2 and len(box.received) == N + 2
    values = sheets_emulator.values(KEY, RESPONSES)
    by_unit = {r[2]: r[NOTIFIED] for r in values[1:]}
    sent = {o.letter.unit: o.letter.fingerprint for o in outcome.sent if o.entry.kind == "result"}
    assert {u: c[-9:-1] for u, c in by_unit.items()} == sent
    assert 5 < len(sheets_emulator.requests) <= 10, [r.path for r in sheets_emulator.requests]
