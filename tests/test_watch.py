"""`watch` on local files, its schedule, its hooks and how it stops."""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from sheets_sync.cli import main
from sheets_sync.config import Settings
from sheets_sync.errors import SourceError
from sheets_sync.model import CellWrite, SheetData, Table
from sheets_sync.pipeline import Progress, RunOutcome
from sheets_sync.schedule import (
    MAX_BACKOFF,
    StopRequest,
    backoff,
    duration_text,
    parse_clock,
    parse_every,
)
from sheets_sync.sheets.base import Backend
from sheets_sync.sheets.localfile import lock_path
from sheets_sync.watch import (
    Campaign,
    Daily,
    changed_rows,
    opened,
    run_campaign,
    snapshot,
    stopping_notice,
    watch,
)
from tests.helpers import HEADER, ROSTER, row

EXAMPLE = Path(__file__).parent.parent / "examples" / "form-responses.xlsx"
RESPONSES = "Câu trả lời biểu mẫu 1"
NEW = row("Trường Tiểu học Gia Thụy", url="https://www.facebook.com/thgiathuy")


# -- the schedule -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("1", 1), ("90", 90), ("30s", 30), ("2m", 120), ("2M", 120), (" 1h ", 3600), ("5 m", 300)],
)
def test_every_reads_seconds_minutes_and_hours(text: str, seconds: float) -> None:
    assert parse_every(text) == seconds


@pytest.mark.parametrize("text", ["0", "0s", "", "2 phút", "1.5m", "-3", "2d", "m"])
def test_every_refuses_what_is_not_an_interval(text: str) -> None:
    with pytest.raises(ValueError, match="khoảng thời gian"):
        parse_every(text)


@pytest.mark.parametrize(
    ("text", "expected"), [("08:00", time(8)), ("7:05", time(7, 5)), ("17h30", time(17, 30))]
)
def test_clock_reads_a_time_of_day(text: str, expected: time) -> None:
    assert parse_clock(text) == expected


@pytest.mark.parametrize("text", ["24:00", "8:60", "8", "tám giờ", "08:0"])
def test_clock_refuses_what_is_not_a_time(text: str) -> None:
    with pytest.raises(ValueError, match="HH:MM"):
        parse_clock(text)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (1, "1 giây"),
        (45, "45 giây"),
        (120, "2 phút"),
        (90, "1 phút 30 giây"),
        (5400, "1 giờ 30 phút"),
    ],
)
def test_durations_are_said_in_vietnamese(seconds: float, text: str) -> None:
    assert duration_text(seconds) == text


def test_backoff_doubles_from_the_interval_up_to_a_cap() -> None:
    assert [backoff(120, n) for n in range(5)] == [120, 240, 480, MAX_BACKOFF, MAX_BACKOFF]
    assert backoff(3600, 3) == 3600  # never shorter than the interval itself


def table(*rows: list[Any]) -> SheetData:
    return SheetData("x", Table(RESPONSES, [list(r) for r in rows]))


def test_a_snapshot_sees_values_as_a_read_gives_them_back() -> None:
    assert snapshot(table(["a", None, ""], [], [None])) == snapshot(table(["a"]))
    assert snapshot(table(["a", None, "b"])) == snapshot(table(["a", "", "b"]))
    assert snapshot(table(["a", 1])) != snapshot(table(["a", True]))
    assert snapshot(table(["a", 1])) != snapshot(table(["a", "1"]))
    assert snapshot(table(["a", -1])) != snapshot(table(["a", -2]))
    assert snapshot(table(["a", 1])) != snapshot(table(["a", 1.0]))
    writes = [CellWrite(RESPONSES, 1, 3, "Trạng thái"), CellWrite(RESPONSES, 3, 3, "Hợp lệ")]
    written = table(["a", "b", "Trạng thái"], ["x"], ["y", None, "Hợp lệ"])
    assert snapshot(table(["a", "b"], ["x"], ["y"]), writes) == snapshot(written)
    assert snapshot(table(["a", "b"], ["x"], ["y"]), writes[:1]) != snapshot(written)
    assert snapshot(table(["a"]), [CellWrite("Trang khác", 1, 1, "z")]) == snapshot(table(["a"]))


def test_changed_rows_counts_new_and_edited_responses() -> None:
    before = snapshot(table(["h"], ["a"], ["b"], ["c"]))
    after = snapshot(table(["h", "Trạng thái"], ["a"], ["B"], ["c"], ["d"], ["e"]))
    assert changed_rows(before, after) == 3  # the header does not count
    assert changed_rows(None, after) == 0


# -- local files ------------------------------------------------------------------------------


class Recorder:
    """Lines said, waits asked and reads made, with an action before the cycle after wait n."""

    def __init__(self, actions: dict[int, Callable[[], None]] | None = None) -> None:
        self.actions = actions or {}
        self.lines: list[tuple[str, bool]] = []
        self.waits: list[float] = []
        self.reads = 0

    def say(self, line: str, failed: bool) -> None:
        self.lines.append((line, failed))

    def wait(self, seconds: float) -> bool:
        self.waits.append(seconds)
        action = self.actions.get(len(self.waits))
        if action is not None:
            action()
        return False

    def failures(self) -> list[str]:
        return [line for line, failed in self.lines if failed]


@pytest.fixture
def opened_campaign() -> Iterator[Callable[..., Campaign]]:
    """Build the command's campaign on a local file, counting its reads."""
    with ExitStack() as stack:

        def make(path: Path, recorder: Recorder, progress: Progress | None = None) -> Campaign:
            source = opened(str(path), roster=None, credentials=None, warn=print)
            open_backend, files = stack.enter_context(source)
            out = path.parent / "out"
            campaign = run_campaign(open_backend, files, Settings(), None, out, None, progress)
            read = campaign.read

            def counted(backend: Backend) -> SheetData:
                recorder.reads += 1
                return read(backend)

            campaign.read = counted
            return campaign

        yield make


def make_csv(path: Path) -> Path:
    lines = [HEADER, row(), row("Trường Mầm non Hoa Sữa", url="facebook.com/mnhoasua")]
    path.write_text("".join(",".join(map(str, cells)) + "\n" for cells in lines), "utf-8")
    return path


def append_csv(path: Path, cells: list[Any]) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(",".join(map(str, cells)) + "\n")


def make_xlsx(path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = RESPONSES
    for cells in [HEADER, row(), row("Trường Mầm non Hoa Sữa", url="facebook.com/mnhoasua")]:
        sheet.append(cells)
    roster = book.create_sheet("Danh sách đơn vị")
    for cells in ROSTER:
        roster.append(cells)
    book.save(path)
    return path


def append_xlsx(path: Path, cells: list[Any]) -> None:
    book = openpyxl.load_workbook(path)
    book[RESPONSES].append(cells)
    book.save(path)


def statuses(path: Path) -> dict[str, str]:
    """Each unit's status, read back from the file as a person would open it."""
    if path.suffix == ".csv":
        import csv

        rows = list(csv.reader(path.read_text("utf-8-sig").splitlines()))
    else:
        book = openpyxl.load_workbook(path, read_only=True)
        rows = [list(r) for r in book[RESPONSES].iter_rows(values_only=True)]
        book.close()
    col = rows[0].index("Trạng thái")
    return {str(r[2]): str(r[col]) for r in rows[1:] if r and r[2]}


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if "sheets-sync" in p.name)


@pytest.mark.parametrize(
    ("make", "append"), [(make_csv, append_csv), (make_xlsx, append_xlsx)], ids=["csv", "xlsx"]
)
def test_an_unchanged_file_is_not_read_again_and_a_new_response_is_taken(
    tmp_path: Path,
    opened_campaign: Callable[[Path, Recorder], Campaign],
    make: Callable[[Path], Path],
    append: Callable[[Path, list[Any]], None],
) -> None:
    path = make(tmp_path / f"responses{'.csv' if make is make_csv else '.xlsx'}")
    stamps: list[int] = []
    recorder = Recorder()
    recorder.actions = {
        1: lambda: stamps.append(path.stat().st_mtime_ns),
        2: lambda: append(path, NEW),
        4: lambda: stamps.append(path.stat().st_mtime_ns),
    }
    campaign = opened_campaign(path, recorder)
    watch(campaign, 1.0, recorder.say, StopRequest(), wait=recorder.wait, max_cycles=5)
    # cycle 1 reads and writes; 2 sees its own write only: no read; 3 reads the new
    # response and writes; 4 and 5 are idle again, and the file is not rewritten
    assert recorder.reads == 2
    assert stamps[1] == path.stat().st_mtime_ns
    found = statuses(path)
    assert found["Trường Tiểu học Gia Thụy"].startswith("Hợp lệ")
    assert found["Trường THCS Ngọc Lâm"] == "Hợp lệ"
    lines = [line for line, _ in recorder.lines if " — Chú ý: " not in line]
    assert len(lines) == 2 and ", 1 dòng mới hoặc đã sửa: ghi " in lines[1]
    # the CSV has no roster: the note saying so comes once, not with every change
    assert len(recorder.lines) - len(lines) == (1 if path.suffix == ".csv" else 0)
    assert leftovers(tmp_path) == []


def test_the_workbook_open_in_excel_or_locked_by_a_run_is_waited_for(
    tmp_path: Path, opened_campaign: Callable[[Path, Recorder], Campaign]
) -> None:
    path = make_xlsx(tmp_path / "responses.xlsx")
    excel = tmp_path / "~$responses.xlsx"
    lock = lock_path(path)

    def open_in_excel() -> None:
        append_xlsx(path, NEW)
        excel.write_text("owner")

    def close_excel_and_start_a_run() -> None:
        excel.unlink()
        lock.write_text(f"{os.getpid()} {socket.gethostname()}\n")

    recorder = Recorder({1: open_in_excel, 3: close_excel_and_start_a_run, 4: lock.unlink})
    campaign = opened_campaign(path, recorder)
    watch(campaign, 1.0, recorder.say, StopRequest(), wait=recorder.wait, max_cycles=6)
    failures = recorder.failures()
    assert len(failures) == 3
    assert "đang mở trong Excel" in failures[0] and "đang mở trong Excel" in failures[1]
    assert f"một lần chạy khác (PID {os.getpid()})" in failures[2]
    assert recorder.waits == [1.0, 2.0, 4.0, 8.0, 1.0]
    assert statuses(path)["Trường Tiểu học Gia Thụy"].startswith("Hợp lệ")
    assert leftovers(tmp_path) == []


def test_a_workbook_open_in_excel_at_start_is_waited_for(
    tmp_path: Path, opened_campaign: Callable[[Path, Recorder], Campaign]
) -> None:
    path = make_xlsx(tmp_path / "responses.xlsx")
    excel = tmp_path / "~$responses.xlsx"
    excel.write_text("owner")
    recorder = Recorder({1: excel.unlink})
    campaign = opened_campaign(path, recorder)
    watch(campaign, 1.0, recorder.say, StopRequest(), wait=recorder.wait, max_cycles=2)
    assert len(recorder.failures()) == 1 and "đang mở trong Excel" in recorder.failures()[0]
    assert statuses(path)["Trường THCS Ngọc Lâm"] == "Hợp lệ"


def test_a_missing_file_at_start_stops_but_later_is_waited_for(
    tmp_path: Path, opened_campaign: Callable[[Path, Recorder], Campaign]
) -> None:
    path = tmp_path / "responses.csv"
    recorder = Recorder()
    with pytest.raises(SourceError, match="Không tìm thấy tệp"):
        watch(opened_campaign(path, recorder), 1.0, recorder.say, StopRequest(), max_cycles=2)
    make_csv(path)
    moved = tmp_path / "elsewhere.csv"

    def move_back_with_a_new_response() -> None:
        moved.rename(path)
        append_csv(path, NEW)

    recorder = Recorder({1: lambda: path.rename(moved), 2: move_back_with_a_new_response})
    campaign = opened_campaign(path, recorder)
    watch(campaign, 1.0, recorder.say, StopRequest(), wait=recorder.wait, max_cycles=3)
    assert len(recorder.failures()) == 1 and "Không tìm thấy tệp" in recorder.failures()[0]
    assert recorder.reads == 2


# -- the hooks --------------------------------------------------------------------------------


def test_after_change_runs_after_each_change_and_says_its_part(
    tmp_path: Path, opened_campaign: Callable[[Path, Recorder], Campaign]
) -> None:
    path = make_csv(tmp_path / "responses.csv")
    calls: list[Backend] = []

    def after_change(backend: Backend) -> str:
        calls.append(backend)
        return f"đã gửi {len(calls)} email"

    recorder = Recorder({2: lambda: append_csv(path, NEW)})
    campaign = opened_campaign(path, recorder)
    campaign.after_change = after_change
    watch(campaign, 1.0, recorder.say, StopRequest(), wait=recorder.wait, max_cycles=4)
    assert len(calls) == 2 and all(hasattr(b, "write") for b in calls)
    lines = [line for line, _ in recorder.lines if " — Chú ý: " not in line]
    assert lines[0].endswith("; đã gửi 1 email") and lines[1].endswith("; đã gửi 2 email")


class Clock:
    """A clock that moves only when the watch waits."""

    def __init__(self, start: datetime) -> None:
        self.at = start
        self.waits: list[float] = []

    def now(self) -> datetime:
        return self.at

    def wait(self, seconds: float) -> bool:
        self.waits.append(seconds)
        self.at += timedelta(seconds=seconds)
        return False


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (datetime(2026, 12, 2, 7, 0), ["02/12 08:00", "03/12 08:00"]),
        (datetime(2026, 12, 2, 9, 0), ["03/12 08:00"]),  # started after the time: tomorrow
    ],
)
def test_the_daily_step_runs_once_a_day_at_its_time(
    tmp_path: Path,
    opened_campaign: Callable[[Path, Recorder], Campaign],
    start: datetime,
    expected: list[str],
) -> None:
    path = make_csv(tmp_path / "responses.csv")
    clock = Clock(start)
    done: list[str] = []

    def remind(backend: Backend) -> str:
        done.append(clock.now().strftime("%d/%m %H:%M"))
        return "đã nhắc 3 đơn vị"

    recorder = Recorder()
    campaign = opened_campaign(path, recorder)
    campaign.daily = Daily(time(8, 0), remind)
    end = datetime(2026, 12, 3, 12, 0)
    cycles = int((end - start).total_seconds() // 1800) + 2
    watch(
        campaign,
        1800.0,
        recorder.say,
        StopRequest(),
        now=clock.now,
        wait=clock.wait,
        max_cycles=cycles,
    )
    assert done == expected
    assert any(line.endswith(" — đã nhắc 3 đơn vị") for line, _ in recorder.lines)
    assert max(clock.waits) == 1800.0  # the wait is cut short only to meet the daily time


# -- stopping ---------------------------------------------------------------------------------


def test_a_stop_signal_during_the_writes_lets_the_cycle_finish(
    tmp_path: Path, opened_campaign: Callable[[Path, Recorder], Campaign]
) -> None:
    path = make_xlsx(tmp_path / "responses.xlsx")
    recorder = Recorder()
    stop = StopRequest()
    campaign = opened_campaign(path, recorder, stopping_notice(stop, recorder.say))
    job = campaign.job

    def signalled_job(backend: Backend) -> RunOutcome:
        os.kill(os.getpid(), signal.SIGTERM)  # the watch is told to stop as the job begins
        return job(backend)

    campaign.job = signalled_job
    with stop.handling_signals():
        cycles = watch(campaign, 1.0, recorder.say, stop, wait=recorder.wait, max_cycles=5)
    assert cycles == 1 and stop.signal == signal.SIGTERM and recorder.waits == []
    assert recorder.lines[0] == ("Đang dừng: chờ ghi xong lượt này...", True)
    assert recorder.lines[1][0].endswith(" — 2 dòng: ghi 15 ô trạng thái")
    assert statuses(path)["Trường THCS Ngọc Lâm"] == "Hợp lệ"  # the cycle's write landed
    assert leftovers(tmp_path) == []
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # handlers are given back


def test_a_cycle_broken_by_the_stop_itself_just_stops(
    tmp_path: Path, opened_campaign: Callable[[Path, Recorder], Campaign]
) -> None:
    path = make_xlsx(tmp_path / "responses.xlsx")
    recorder = Recorder()
    campaign = opened_campaign(path, recorder)

    def interrupted_workers(backend: Backend) -> RunOutcome:
        os.kill(os.getpid(), signal.SIGINT)
        raise RuntimeError("A process in the process pool was terminated abruptly")

    campaign.job = interrupted_workers
    stop = StopRequest()
    with stop.handling_signals():
        cycles = watch(campaign, 1.0, recorder.say, stop, wait=recorder.wait, max_cycles=5)
    assert cycles == 1 and recorder.waits == []
    assert len(recorder.failures()) == 1 and "RuntimeError" in recorder.failures()[0]
    assert leftovers(tmp_path) == []


def test_a_stop_signal_while_reading_stops_at_once(
    tmp_path: Path, opened_campaign: Callable[[Path, Recorder], Campaign]
) -> None:
    path = make_xlsx(tmp_path / "responses.xlsx")
    before = path.read_bytes()
    recorder = Recorder()
    campaign = opened_campaign(path, recorder)
    read = campaign.read
    jobs: list[int] = []

    def interrupted_read(backend: Backend) -> SheetData:
        os.kill(os.getpid(), signal.SIGINT)
        return read(backend)

    campaign.read = interrupted_read
    campaign.job = lambda backend: jobs.append(1)  # type: ignore[assignment,func-returns-value]
    stop = StopRequest()
    with stop.handling_signals():
        cycles = watch(campaign, 1.0, recorder.say, stop, wait=recorder.wait, max_cycles=5)
    assert cycles == 0 and jobs == [] and recorder.reads == 0
    assert path.read_bytes() == before
    assert leftovers(tmp_path) == []


def test_the_wait_between_cycles_wakes_on_a_stop_request() -> None:
    stop = StopRequest()
    threading.Timer(0.05, stop.request).start()
    assert stop.wait(600) is True


# -- the command ------------------------------------------------------------------------------


def test_the_command_runs_cycles_and_says_what_it_did(tmp_path: Path) -> None:
    path = make_csv(tmp_path / "responses.csv")
    out = tmp_path / "danh-sach"
    result = CliRunner().invoke(
        main,
        ["watch", str(path), "--every", "1", "--max-cycles", "2", "--out", str(out)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"Đang theo dõi {path}, kiểm tra mỗi 1 giây; nhấn Ctrl+C để dừng."
    assert lines[1].endswith(" — 2 dòng: ghi 11 ô trạng thái, 3 danh sách Word")
    # a note on the whole sheet is said once, with the first cycle
    assert lines[2].endswith(
        " — Chú ý: không có danh sách đơn vị: tên đơn vị giữ như đã gõ, "
        "không đối chiếu được và không tính được 'Tình trạng nộp'; thêm "
        "trang tính 'Danh sách đơn vị' hoặc dùng --roster TỆP."
    )
    assert lines[3] == "Đã dừng theo dõi sau 2 lượt kiểm tra; không có gì bị ghi dở."
    assert len(lines) == 4
    names = {p.name for p in out.iterdir()}
    assert len(names) == 3 and "tong-hop.docx" in names


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--every", "0"], 2, "khoảng thời gian ít nhất là 1 giây"),
        (["--every", "hai phút"], 2, "không phải khoảng thời gian"),
        (["--worksheet", "Trang 9"], 1, "Lỗi: Không có trang tính “Trang 9”"),
    ],
)
def test_the_command_refuses_a_wrong_setup_at_once(
    tmp_path: Path, args: list[str], code: int, message: str
) -> None:
    path = make_xlsx(tmp_path / "responses.xlsx")
    result = CliRunner().invoke(main, ["watch", str(path), "--max-cycles", "3", *args])
    assert result.exit_code == code, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output


def _pump(stream: Any, lines: queue.Queue[str]) -> threading.Thread:
    """Feed a pipe's lines into a queue from a thread, so the test never blocks on it."""

    def pump() -> None:
        for line in stream:
            lines.put(line.rstrip("\n"))

    thread = threading.Thread(target=pump, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_real_watch_stops_cleanly_on_a_signal(tmp_path: Path, signum: int) -> None:
    path = tmp_path / "responses.xlsx"
    shutil.copy(EXAMPLE, path)
    command = [sys.executable, "-c", "from sheets_sync.cli import main; main()"]
    args = ["watch", str(path), "--every", "1", "--out", str(tmp_path / "out")]
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    lines: queue.Queue[str] = queue.Queue()
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    with subprocess.Popen(command + args, text=True, cwd=tmp_path, env=env, **pipes) as proc:
        pump = _pump(proc.stdout, lines)
        try:
            assert lines.get(timeout=120).startswith("Đang theo dõi ")
            assert lines.get(timeout=120).endswith(" danh sách Word")  # the first cycle is done
            proc.send_signal(signum)
            code = proc.wait(timeout=120)
        finally:
            proc.kill()  # only if the assertions above failed: it has exited otherwise
        pump.join(timeout=10)
        assert proc.stderr is not None
        errors = proc.stderr.read()
    assert code == 0, errors
    assert errors == ""
    last = list(lines.queue)[-1]
    assert re.fullmatch(r"Đã dừng theo dõi sau \d+ lượt kiểm tra; không có gì bị ghi dở\.", last)
    assert leftovers(tmp_path) == []
    assert not any(p.name.endswith(".tmp") for p in tmp_path.rglob("*"))
    book = openpyxl.load_workbook(path)  # whole and readable
    header = [cell.value for cell in book[RESPONSES][1]]
    assert "Trạng thái" in header


def test_every_cycle_ends_with_a_collection_so_a_long_watch_stays_small(
    tmp_path: Path,
    opened_campaign: Callable[[Path, Recorder], Campaign],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import gc

    collections: list[int] = []
    monkeypatch.setattr(gc, "collect", lambda *args: collections.append(1) or 0)
    path = make_xlsx(tmp_path / "responses.xlsx")
    recorder = Recorder({})
    campaign = opened_campaign(path, recorder)
    cycles = watch(campaign, 1.0, recorder.say, StopRequest(), wait=recorder.wait, max_cycles=3)
    assert cycles == 3 and len(collections) == 3
