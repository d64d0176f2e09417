"""A notify run killed with SIGKILL at any moment, then run again: every unit mailed once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.helpers import HEADER, row
from tests.smtp_server import Mailbox, Received, SmtpServer
from tests.test_notify import column, read_csv, write_csv

UNITS = [f"Trường Tiểu học Số {i}" for i in range(1, 7)]
ADDRESSES = [f"th{i}@example.com" for i in range(1, 7)]


def make_book(folder: Path, port: int) -> Path:
    rows = [HEADER]
    for unit, address in zip(UNITS, ADDRESSES, strict=True):
        rows.append(row(unit))
        rows[-1][1] = address
    (folder / "sheets-sync.toml").write_text(
        f'[email]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
        'from = "ldld@example.com"\n',
        encoding="utf-8",
    )
    return write_csv(folder / "tra-loi.csv", rows)


def start(folder: Path, log: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SHEETS_SYNC_RETRY_SCALE": "0.001"}
    env.pop("SHEETS_SYNC_SMTP_PASSWORD", None)
    code = "from sheets_sync.cli import main; main()"
    with (folder / f"{log}.out").open("wb") as stream:
        return subprocess.Popen(
            [sys.executable, "-c", code, "notify", "tra-loi.csv"],
            cwd=folder,
            env=env,
            stdout=stream,
            stderr=subprocess.STDOUT,
        )


def until_arrived(arrived: threading.Event, child: subprocess.Popen[bytes]) -> bool:
    """Wait for the server's signal, up to 120 s, or until the run has ended without it."""
    for _ in range(240):
        if arrived.wait(0.5):
            return True
        if child.poll() is not None:
            return arrived.is_set()
    return False


def test_a_run_killed_before_the_message_goes_sends_it_next_time(tmp_path: Path) -> None:
    """Killed while the server checks the 3rd recipient: that unit is not lost."""
    arrived, release = threading.Event(), threading.Event()
    box = Mailbox()

    def on_rcpt(address: str) -> None:
        if address == ADDRESSES[2] and not arrived.is_set():
            arrived.set()
            release.wait(30)

    box.on_rcpt = on_rcpt
    with SmtpServer(box) as server:
        make_book(tmp_path, server.port)
        first = start(tmp_path, "first")
        try:
            assert until_arrived(arrived, first), (tmp_path / "first.out").read_text("utf-8")
            first.send_signal(signal.SIGKILL)
            first.wait(30)
        finally:
            release.set()
            if first.poll() is None:
                first.kill()
        assert first.returncode == -signal.SIGKILL
        assert len(box.received) == 2
        second = start(tmp_path, "second")
        second.wait(120)
        assert second.returncode == 0, (tmp_path / "second.out").read_text(encoding="utf-8")
    assert sorted(a for r in box.received for a in r.recipients) == ADDRESSES


@pytest.mark.parametrize(
    ("nth", "hold"),
    [(1, True), (3, True), (6, True), (2, False), (5, False)],
    ids=["before-reply-1", "before-reply-3", "before-reply-6", "after-reply-2", "after-reply-5"],
)
def test_a_killed_run_never_mails_a_unit_twice(tmp_path: Path, nth: int, hold: bool) -> None:
    arrived, release = threading.Event(), threading.Event()
    box = Mailbox()

    def on_data(got: Received) -> None:
        if len(box.received) == nth:
            arrived.set()
            if hold:  # the server has the message; the sender never hears "250"
                release.wait(30)

    box.on_data = on_data
    with SmtpServer(box) as server:
        make_book(tmp_path, server.port)
        first = start(tmp_path, "first")
        try:
            assert until_arrived(arrived, first), (tmp_path / "first.out").read_text("utf-8")
            first.send_signal(signal.SIGKILL)
            first.wait(30)
        finally:
            release.set()
            if first.poll() is None:
                first.kill()
        # Held, the run cannot finish before the kill; just after a reply it almost never does.
        assert first.returncode == -signal.SIGKILL or (not hold and first.returncode == 0)
        second = start(tmp_path, "second")
        second.wait(120)
        out = (tmp_path / "second.out").read_text(encoding="utf-8")
        assert second.returncode == 0, out
    got = sorted(a for r in box.received for a in r.recipients)
    assert len(got) == len(set(got))  # never twice
    assert out.startswith("Đã gửi ")
    ledger = column(read_csv(tmp_path / "tra-loi.csv"), "Đã báo qua email")
    assert all(" — Hợp lệ (mã " in cell for cell in ledger), ledger
    journal = (tmp_path / "nhat-ky-email.jsonl").read_text(encoding="utf-8").splitlines()
    lines = [json.loads(line) for line in journal if line.startswith("{")]
    assert [r["state"] for r in lines].count("sending") == 6
    if hold:  # the server had the message when the run died: it counts, and only once
        assert got == ADDRESSES
    else:
        # Killed while a message was only partly out (a window of one write): that unit
        # misses it, since the journal says it may have gone; no other unit can.
        sent = {r["unit"] for r in lines if r["state"] == "sent"}
        missing = [u for u, a in zip(UNITS, ADDRESSES, strict=True) if a not in got]
        assert len(missing) <= 1 and not set(missing) & sent
