"""`watch` on a Google spreadsheet served by the emulator: idle cost, new responses, failures."""

from __future__ import annotations

import socket
from collections.abc import Callable
from contextlib import nullcontext
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from sheets_sync.cli import main
from sheets_sync.config import Settings
from sheets_sync.errors import SourceError
from sheets_sync.pipeline import RunOutcome
from sheets_sync.schedule import StopRequest
from sheets_sync.sheets.base import Backend
from sheets_sync.sheets.google import GoogleBackend
from sheets_sync.watch import run_campaign, watch
from tests.conftest import ServiceAccountKey
from tests.helpers import HEADER, ROSTER, row
from tests.sheets_emulator import Request, SheetsEmulator
from tests.sheets_emulator_cells import from_user
from tests.test_watch import Recorder as LocalRecorder

KEY = "1V2F0Y2hDYW1wYWlnbkxvbmdCaWVuX0RhbmhTYWNo"
RESPONSES = "Câu trả lời biểu mẫu 1"
ROWS = [
    row("Trường THCS Ngọc Lâm"),
    row("Trường Mầm non Hoa Sữa", phone=984919862, url="facebook.com/mnhoasua"),
    row("UBND phường Bồ Đề", url="https://www.facebook.com/groups/bode", at=datetime(2024, 2, 1)),
]
NEW = row("Trường Tiểu học Gia Thụy", url="https://www.facebook.com/thgiathuy")


class Recorder(LocalRecorder):
    """Also how many Sheets requests were made by the end of each cycle, and jobs run."""

    def __init__(self, emu: SheetsEmulator, actions: dict[int, Callable[[], None]]) -> None:
        super().__init__(actions)
        self.emu = emu
        self.requests: list[int] = []
        self.jobs = 0

    def wait(self, seconds: float) -> bool:
        self.requests.append(len(self.emu.requests))
        return super().wait(seconds)


def add_book(emu: SheetsEmulator, key: ServiceAccountKey) -> None:
    emu.add_spreadsheet(KEY, {RESPONSES: [HEADER, *ROWS], "Danh sách đơn vị": ROSTER})
    emu.share(KEY, key.client_email)


def run_watch(
    emu: SheetsEmulator,
    key: ServiceAccountKey,
    tmp_path: Path,
    cycles: int,
    actions: dict[int, Callable[[Backend], None]] | None = None,
    worksheet: str | None = None,
) -> Recorder:
    backend = GoogleBackend(KEY, key.path, readonly=False)
    bound = {n: (lambda act=act: act(backend)) for n, act in (actions or {}).items()}
    recorder = Recorder(emu, bound)
    campaign = run_campaign(
        lambda: nullcontext(backend), [], Settings(), worksheet, tmp_path / "out", None
    )
    job = campaign.job

    def counted(inner: Backend) -> RunOutcome:
        recorder.jobs += 1
        return job(inner)

    campaign.job = counted
    watch(campaign, 1.0, recorder.say, StopRequest(), wait=recorder.wait, max_cycles=cycles)
    return recorder


def status_of(emu: SheetsEmulator, unit: str) -> str:
    values = emu.values(KEY, RESPONSES)
    col = values[0].index("Trạng thái")
    found = [line[col] for line in values[1:] if line[2] == unit]
    assert len(found) == 1, values
    return str(found[0])


def append_response(emu: SheetsEmulator, cells: list[Any]) -> None:
    with emu.lock:
        emu.sheet(KEY, RESPONSES).rows.append([from_user(cell) for cell in cells])


def test_an_idle_cycle_costs_two_read_requests_and_writes_nothing(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey, tmp_path: Path
) -> None:
    add_book(sheets_emulator, service_account_key)
    recorder = run_watch(sheets_emulator, service_account_key, tmp_path, cycles=4)
    assert recorder.requests[0] == 5  # the first cycle: a read, then the 3 requests of a write
    idle = sheets_emulator.requests[recorder.requests[0] :]
    assert len(idle) == 2 * 3
    assert {request.method for request in idle} == {"GET"}
    assert recorder.jobs == 1  # its own status writes did not look like a change
    assert len(recorder.lines) == 1  # idle cycles print nothing
    assert recorder.lines[0][0].endswith(" — 3 dòng: ghi 18 ô trạng thái")


def test_a_response_appended_between_cycles_gets_its_status(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey, tmp_path: Path
) -> None:
    add_book(sheets_emulator, service_account_key)
    actions = {2: lambda _: append_response(sheets_emulator, NEW)}
    recorder = run_watch(sheets_emulator, service_account_key, tmp_path, cycles=4, actions=actions)
    assert status_of(sheets_emulator, "Trường Tiểu học Gia Thụy") == "Hợp lệ, cần lưu ý"
    assert status_of(sheets_emulator, "UBND phường Bồ Đề") == "Cần sửa"
    assert recorder.jobs == 2
    assert recorder.lines[1][0].endswith("4 dòng, 1 dòng mới hoặc đã sửa: ghi 4 ô trạng thái")
    # cycle 4 was idle again: one read
    assert len(sheets_emulator.requests) - recorder.requests[-1] == 2


def test_a_row_corrected_between_cycles_gets_its_new_status(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey, tmp_path: Path
) -> None:
    add_book(sheets_emulator, service_account_key)

    def correct_the_link(_: Backend) -> None:
        link = HEADER.index("Đường link Fanpage (facebook)")
        with sheets_emulator.lock:
            sheets_emulator.sheet(KEY, RESPONSES).rows[3][link] = "facebook.com/ubndbode"

    recorder = run_watch(sheets_emulator, service_account_key, tmp_path, 3, {1: correct_the_link})
    assert status_of(sheets_emulator, "UBND phường Bồ Đề") == "Hợp lệ"
    assert recorder.jobs == 2
    assert ", 1 dòng mới hoặc đã sửa: ghi " in recorder.lines[1][0]


def test_a_response_arriving_while_a_cycle_runs_is_taken_by_the_next(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey, tmp_path: Path
) -> None:
    add_book(sheets_emulator, service_account_key)
    arrived: list[bool] = []

    def submit_during_the_write(request: Request) -> None:
        if request.path.endswith("values:batchUpdate") and not arrived:
            append_response(sheets_emulator, NEW)  # lands between the check and the write
            arrived.append(True)

    sheets_emulator.on_request = submit_during_the_write
    recorder = run_watch(sheets_emulator, service_account_key, tmp_path, cycles=3)
    assert arrived and recorder.jobs == 2
    assert status_of(sheets_emulator, "Trường Tiểu học Gia Thụy") == "Hợp lệ, cần lưu ý"
    assert status_of(sheets_emulator, "Trường THCS Ngọc Lâm") == "Hợp lệ"
    assert status_of(sheets_emulator, "UBND phường Bồ Đề") == "Cần sửa"


def dead_root() -> str:
    """An address where nothing listens: connections are refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_it_outlives_a_failure_storm_and_recovers(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey, tmp_path: Path
) -> None:
    add_book(sheets_emulator, service_account_key)
    root = sheets_emulator.root

    def server_errors(_: Backend) -> None:
        sheets_emulator.fail_next(12, 503)  # 6 attempts a cycle: two failed cycles

    def quota(_: Backend) -> None:
        sheets_emulator.fail_next(6, 429)

    def network_down(backend: Backend) -> None:
        assert isinstance(backend, GoogleBackend)
        backend.http.api_root = dead_root()

    def network_up(backend: Backend) -> None:
        assert isinstance(backend, GoogleBackend)
        backend.http.api_root = root
        append_response(sheets_emulator, NEW)

    actions = {1: server_errors, 3: quota, 4: network_down, 6: network_up, 7: server_errors}
    recorder = run_watch(sheets_emulator, service_account_key, tmp_path, 9, actions)
    failures = recorder.failures()[:5]
    assert len(recorder.failures()) == 7
    assert all(" — Lỗi (lần " in line for line in failures)
    assert "HTTP 503" in failures[0] and "HTTP 503" in failures[1]
    assert "429" in failures[2]
    assert "mất kết nối" in failures[3] and "mất kết nối" in failures[4]
    assert failures[4].endswith("Thử lại sau 32 giây.")
    # backoff grows while cycles fail, and starts over after a success
    assert recorder.waits == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 1.0, 2.0]
    assert status_of(sheets_emulator, "Trường Tiểu học Gia Thụy") == "Hợp lệ, cần lưu ý"
    done = [line for line, failed in recorder.lines if not failed]
    assert done[-1].endswith("4 dòng, 1 dòng mới hoặc đã sửa: ghi 4 ô trạng thái")


def test_a_network_down_at_start_is_waited_out(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey, tmp_path: Path
) -> None:
    add_book(sheets_emulator, service_account_key)
    sheets_emulator.fail_next(6, 500)
    recorder = run_watch(sheets_emulator, service_account_key, tmp_path, cycles=2)
    assert len(recorder.failures()) == 1
    assert status_of(sheets_emulator, "Trường THCS Ngọc Lâm") == "Hợp lệ"


def test_a_wrong_worksheet_at_the_first_cycle_stops_the_watch(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey, tmp_path: Path
) -> None:
    add_book(sheets_emulator, service_account_key)
    with pytest.raises(SourceError, match="Không có trang tính 'Trang 9'"):
        run_watch(sheets_emulator, service_account_key, tmp_path, cycles=3, worksheet="Trang 9")


def test_after_a_good_cycle_even_a_setup_error_is_retried(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey, tmp_path: Path
) -> None:
    add_book(sheets_emulator, service_account_key)

    def unshare(_: Backend) -> None:
        sheets_emulator.book(KEY).shared.clear()

    def share(_: Backend) -> None:
        sheets_emulator.share(KEY, service_account_key.client_email)
        append_response(sheets_emulator, NEW)

    actions = {1: unshare, 3: share}
    recorder = run_watch(sheets_emulator, service_account_key, tmp_path, 4, actions)
    failures = recorder.failures()
    assert len(failures) == 2 and all("chưa được chia sẻ" in line for line in failures)
    assert status_of(sheets_emulator, "Trường Tiểu học Gia Thụy") == "Hợp lệ, cần lưu ý"


def test_the_command_keeps_one_backend_and_one_token_for_the_whole_watch(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey, tmp_path: Path
) -> None:
    add_book(sheets_emulator, service_account_key)
    args = ["watch", KEY, "--every", "1", "--max-cycles", "3", "--out", str(tmp_path / "out")]
    result = CliRunner().invoke(main, [*args, "--credentials", str(service_account_key.path)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[1].endswith(" — 3 dòng: ghi 18 ô trạng thái, 3 danh sách Word")
    assert lines[2] == "Đã dừng theo dõi sau 3 lượt kiểm tra; không có gì bị ghi dở."
    assert len(sheets_emulator.requests) == 5 + 2 + 2
    assert len(sheets_emulator.token_requests) == 1
    assert status_of(sheets_emulator, "UBND phường Bồ Đề") == "Cần sửa"
