"""When the watch runs and how it stops: intervals, backoff, and the stop signals."""

from __future__ import annotations

import re
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import time
from types import FrameType
from typing import Any

MAX_BACKOFF = 15 * 60.0
STOP_SIGNALS = ("SIGINT", "SIGTERM", "SIGBREAK")  # SIGBREAK: Ctrl-Break, Windows only

_EVERY = re.compile(r"^\s*(\d+)\s*([smh]?)\s*$", re.IGNORECASE)
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600}
_CLOCK = re.compile(r"^\s*(\d{1,2})[:h](\d{2})\s*$", re.IGNORECASE)


def parse_every(text: str) -> float:
    """Read `90`, `30s`, `2m` or `1h` as seconds; at least 1 s."""
    found = _EVERY.match(text)
    if not found:
        raise ValueError(f"“{text}” không phải khoảng thời gian: viết 90, 30s, 2m hoặc 1h.")
    seconds = int(found.group(1)) * _UNITS[found.group(2).lower()]
    if seconds < 1:
        raise ValueError("khoảng thời gian ít nhất là 1 giây.")
    return float(seconds)


def parse_clock(text: str) -> time:
    """Read a time of day written `HH:MM` (or `8h30`)."""
    found = _CLOCK.match(text)
    hour, minute = (int(found.group(1)), int(found.group(2))) if found else (-1, -1)
    if not (0 <= hour < 24 and 0 <= minute < 60):
        raise ValueError(f"“{text}” không phải giờ trong ngày: viết dạng HH:MM, ví dụ 08:00.")
    return time(hour, minute)


def duration_text(seconds: float) -> str:
    """Say a duration the Vietnamese way: `45 giây`, `2 phút`, `1 giờ 30 phút`."""
    whole = max(1, round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [(hours, "giờ"), (minutes, "phút"), (secs, "giây")]
    return " ".join(f"{n} {unit}" for n, unit in parts if n)


def backoff(every: float, failures: int) -> float:
    """The wait after `failures` failed cycles in a row: doubling from `every`, capped."""
    if failures <= 0:
        return every
    return min(every * 2.0**failures, max(every, MAX_BACKOFF))


class StopRequest:
    """Ctrl-C, SIGTERM and Ctrl-Break ask the watch to stop at its next safe point."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.signal: int | None = None
        self._interruptible = False

    @property
    def requested(self) -> bool:
        return self.signal is not None or self.event.is_set()

    def request(self, signum: int | None = None, frame: FrameType | None = None) -> None:
        """Ask to stop; during an `interruptible` step, stop right away."""
        self.signal = signal.SIGINT if signum is None else signum
        # Event.set takes a lock that the interrupted main thread may hold inside Event.wait.
        threading.Thread(target=self.event.set, daemon=True).start()
        if self._interruptible:
            self._interruptible = False
            raise KeyboardInterrupt

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`, waking at once on a stop request; True when asked to stop."""
        return self.event.wait(seconds) or self.requested

    @contextmanager
    def interruptible(self) -> Iterator[None]:
        """Let a stop request interrupt this step at once: it writes nothing.

        A request that came just before or during the step stops before the next one.
        """
        if self.requested:
            raise KeyboardInterrupt
        self._interruptible = True
        try:
            yield
        finally:
            self._interruptible = False
        if self.requested:
            raise KeyboardInterrupt

    @contextmanager
    def handling_signals(self) -> Iterator[None]:
        """Route the stop signals this platform has to `request` (main thread only)."""
        saved: dict[int, Any] = {}
        if threading.current_thread() is threading.main_thread():
            for name in STOP_SIGNALS:
                signum = getattr(signal, name, None)
                if signum is not None:
                    saved[signum] = signal.signal(signum, self.request)
        try:
            yield
        finally:
            for signum, handler in saved.items():
                signal.signal(signum, handler)
