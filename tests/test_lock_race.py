"""Several runs starting together over a dead run's lock: exactly one takes it over."""

from __future__ import annotations

import multiprocessing
import os
import socket
import subprocess
import sys
import time
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

import pytest

from sheets_sync.errors import LockedError
from sheets_sync.sheets.localfile import TAKEOVER_SUFFIX, lock_path, locked

WORKERS = 6
TRIALS = 200


def contend(
    index: int, path: Path, dead_pid: int, barrier: Barrier, holding: Any, results: Any
) -> None:
    """Per trial: one worker lays a stale lock, then all take the lock at the same moment."""
    stale = f"{dead_pid} {socket.gethostname()}\n"
    for trial in range(TRIALS):
        if index == 0:
            lock_path(path).write_text(stale, encoding="utf-8")
        barrier.wait()
        try:
            with locked(path, writing=False):
                with holding.get_lock():
                    holding.value += 1
                    together = holding.value
                time.sleep(0.002)  # hold it a moment, as a run does
                with holding.get_lock():
                    holding.value -= 1
            results.put((trial, "held", together))
        except LockedError:
            results.put((trial, "refused", 0))
        barrier.wait()


def test_a_stale_lock_is_taken_over_by_one_run_only(tmp_path: Path) -> None:
    path = tmp_path / "form.csv"
    path.write_text("a\n", encoding="utf-8")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    spawn = multiprocessing.get_context("spawn")
    barrier = spawn.Barrier(WORKERS)
    holding = spawn.Value("i", 0)
    results = spawn.Queue()
    workers = [
        spawn.Process(target=contend, args=(i, path, dead.pid, barrier, holding, results))
        for i in range(WORKERS)
    ]
    for worker in workers:
        worker.start()
    outcomes: dict[int, list[tuple[str, int]]] = {}
    for _ in range(WORKERS * TRIALS):
        trial, what, together = results.get(timeout=120)
        outcomes.setdefault(trial, []).append((what, together))
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    held = {trial: [t for what, t in got if what == "held"] for trial, got in outcomes.items()}
    assert len(held) == TRIALS
    overlapping = [trial for trial, together in held.items() if max(together, default=0) > 1]
    assert overlapping == []
    # Every trial's stale lock is taken over by some run (none stays stuck behind it).
    assert all(held.values())
    assert not lock_path(path).exists()


def test_a_takeover_marker_left_by_a_killed_run_is_cleared(tmp_path: Path) -> None:
    path = tmp_path / "form.csv"
    path.write_text("a\n", encoding="utf-8")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    lock_path(path).write_text(f"{dead.pid} {socket.gethostname()}\n", encoding="utf-8")
    marker = lock_path(path).with_name(lock_path(path).name + TAKEOVER_SUFFIX)
    marker.write_bytes(b"")
    with pytest.raises(LockedError), locked(path):
        pass  # a fresh marker: another run is taking over right now
    old = time.time() - 60
    os.utime(marker, (old, old))
    with locked(path):
        assert lock_path(path).read_text(encoding="utf-8").split()[0] == str(os.getpid())
    assert not marker.exists() and not lock_path(path).exists()
