"""`watch --notify` and `--remind-at`: the notify job runs after a change and once a day."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

import sheets_sync.watch as watching
from sheets_sync.cli import main
from tests.smtp_server import Mailbox, SmtpServer
from tests.test_notify import book  # noqa: F401  (fixture)
from tests.test_notify_cli import config


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHEETS_SYNC_RETRY_SCALE", "0.001")


def test_notify_mails_each_unit_once_after_the_change(
    book: tuple[Path, Path],  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    responses, roster = book
    box = Mailbox()
    monkeypatch.chdir(tmp_path)
    with SmtpServer(box) as server:
        config(tmp_path, server.port)
        args = ["watch", str(responses), "--roster", str(roster), "--every", "1"]
        result = CliRunner().invoke(main, [*args, "--notify", "--max-cycles", "3"])
    assert result.exit_code == 0, result.output
    mailed = [line for line in result.output.splitlines() if "thư báo kết quả" in line]
    assert len(mailed) == 1, result.output
    assert "Đã gửi 2 thư báo kết quả và 0 thư nhắc nộp" in mailed[0]
    assert sorted(r.recipients[0] for r in box.received) == [
        "hoasua@example.com",
        "ngoclam@example.com",
    ]


def test_remind_at_sends_the_reminders_once_when_the_clock_passes(
    book: tuple[Path, Path],  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    responses, roster = book
    box = Mailbox()
    monkeypatch.chdir(tmp_path)
    ticks = iter(datetime(2024, 2, 1, 7, 50) + timedelta(minutes=n) for n in range(10_000))
    fake = functools.partial(watching.watch, now=lambda: next(ticks), wait=lambda s: False)
    monkeypatch.setattr(watching, "watch", fake)
    with SmtpServer(box) as server:
        config(tmp_path, server.port)
        args = ["watch", str(responses), "--roster", str(roster), "--every", "1"]
        result = CliRunner().invoke(main, [*args, "--remind-at", "08:00", "--max-cycles", "12"])
    assert result.exit_code == 0, result.output
    reminders = [r for r in box.received if r.recipients == ["bode@example.com"]]
    assert len(reminders) == 1, result.output
    assert len(box.received) == 3  # the two results go out with that day's reminders


def test_remind_at_takes_a_time_of_day(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["watch", str(tmp_path / "x.csv"), "--remind-at", "25:00"])
    assert result.exit_code == 2
    assert "không phải giờ trong ngày" in result.output


def test_remind_at_says_why_no_reminder_could_be_sent(
    book: tuple[Path, Path],  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    responses, roster = book
    without_email = tmp_path / "don-vi-khong-email.csv"
    lines = roster.read_text(encoding="utf-8").splitlines()
    without_email.write_text(
        "\n".join(line.rsplit(",", 1)[0] for line in lines) + "\n", encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    ticks = iter(datetime(2024, 2, 1, 7, 58) + timedelta(minutes=n) for n in range(10_000))
    fake = functools.partial(watching.watch, now=lambda: next(ticks), wait=lambda s: False)
    monkeypatch.setattr(watching, "watch", fake)
    with SmtpServer(Mailbox()) as server:
        config(tmp_path, server.port)
        # The results go out first: the daily step then has nothing to send but reminders.
        sent = CliRunner().invoke(main, ["notify", str(responses), "--roster", str(without_email)])
        assert sent.exit_code == 0, sent.output
        args = ["watch", str(responses), "--roster", str(without_email), "--every", "1"]
        result = CliRunner().invoke(main, [*args, "--remind-at", "08:00", "--max-cycles", "4"])
    assert result.exit_code == 0, result.output
    assert "Không nhắc được đơn vị nào" in result.output
