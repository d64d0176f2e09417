"""Rows that keep moving while a run writes: no status is left on another response.

A person edits the responses at chosen requests of a run (an edit lands before the row check
of the first write, then a sort, insert or delete lands just before a later write reaches
Google). Whatever the run's ending, every status cell must sit on the response its last read
says it belongs to.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sheets_sync import pipeline
from sheets_sync.config import Settings
from sheets_sync.errors import SheetsSyncError
from sheets_sync.sheets.google import GoogleBackend
from tests.conftest import ServiceAccountKey
from tests.sheets_emulator import Request, SheetsEmulator
from tests.test_google_concurrency import KEY, Person, Sheet, check_final, responses

ROWS = 22
# (what lands at the first write's row check, what lands as a later write arrives)
MOVES = [("edit", "sort"), ("insert", "insert"), ("delete", "delete"), ("insert", "delete")]


@pytest.fixture(autouse=True)
def short_pauses(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pause a few milliseconds, not seconds, before reading moved rows again."""
    monkeypatch.setattr(pipeline, "SETTLE_PAUSE", 0.002)


def _writes(emu: SheetsEmulator) -> int:
    return sum(r.path.endswith("values:batchUpdate") for r in emu.requests)


def _run(key: ServiceAccountKey, out: Path) -> str:
    backend = GoogleBackend(KEY, key.path, readonly=False)
    try:
        pipeline.run(backend, Settings(), None, out, None)
    except SheetsSyncError as err:
        return str(err)
    return ""


@pytest.mark.parametrize(("first", "second"), MOVES)
def test_a_move_between_the_row_check_and_the_write_is_put_right(
    sheets_emulator: SheetsEmulator,
    service_account_key: ServiceAccountKey,
    tmp_path: Path,
    first: str,
    second: str,
) -> None:
    """The first write's row check sees an edit; the second write lands on moved rows."""
    sheet = Sheet(sheets_emulator, service_account_key, responses(ROWS))
    people = {"check": Person(first, 0, 0.3), "write": Person(second, 0, 0.7)}

    def hook(request: Request) -> None:
        count = len(sheets_emulator.requests)
        if count == 3 and not people["check"].done:  # the first write's row check
            people["check"].done = True
            sheet.edit(people["check"], 0)
        if request.path.endswith("values:batchUpdate") and not people["write"].done:
            people["write"].done = True
            sheet.edit(people["write"], 0)

    sheets_emulator.on_request = hook
    try:
        _run(service_account_key, tmp_path)
    finally:
        sheets_emulator.on_request = None
    assert all(p.done for p in people.values())
    left = ROWS - [first, second].count("delete")
    assert check_final(sheets_emulator, service_account_key, set(), sheet.left) == left


def test_edits_that_never_pause_end_with_statuses_where_the_last_read_puts_them(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey, tmp_path: Path
) -> None:
    """Every checked write lands on freshly sorted rows; the run's last word puts them right."""
    sheet = Sheet(sheets_emulator, service_account_key, responses(ROWS))
    sorts: list[Any] = []

    def hook(request: Request) -> None:
        if request.path.endswith("values:batchUpdate") and len(sorts) < pipeline.SETTLE_TRIES:
            sorts.append(request)
            sheet.edit(Person("sort", 0, len(sorts) / 10), 0)

    sheets_emulator.on_request = hook
    try:
        message = _run(service_account_key, tmp_path)
    finally:
        sheets_emulator.on_request = None
    assert len(sorts) == pipeline.SETTLE_TRIES
    assert _writes(sheets_emulator) == pipeline.SETTLE_TRIES + 1
    assert "liên tục" in message and "lần đọc cuối" in message, message
    assert check_final(sheets_emulator, service_account_key, set(), sheet.left) == ROWS


def test_a_failure_after_a_write_on_moved_rows_says_statuses_may_be_misplaced(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey, tmp_path: Path
) -> None:
    """The rows are sorted as the write arrives, then Google stops answering the new read."""
    sheet = Sheet(sheets_emulator, service_account_key, responses(ROWS))

    def hook(request: Request) -> None:
        if request.path.endswith("values:batchUpdate"):
            sheet.edit(Person("sort", 0, 0.5), 0)
        if len(sheets_emulator.requests) == 6:  # the read after the row check saw the sort
            sheets_emulator.fail_next(99, 503)

    sheets_emulator.on_request = hook
    try:
        message = _run(service_account_key, tmp_path)
    finally:
        sheets_emulator.on_request = None
    assert _writes(sheets_emulator) == 1
    assert "Không kết nối được Google Sheets" in message, message
    assert "có thể đang nằm sai dòng" in message, message
