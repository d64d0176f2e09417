"""Request bodies are built one ahead, in a thread, while the one before is sent."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from sheets_sync.sheets.google_writes import Ahead

WAIT = 10  # seconds; only ever reached when the thread never starts


def counted(items: list[str], started: threading.Event, fail_at: int = -1) -> Iterator[str]:
    for number, item in enumerate(items):
        started.set()
        if number == fail_at:
            raise ValueError("hỏng")
        yield item


def body_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("sheets-sync-body")]


def test_the_first_item_is_worked_out_before_it_is_asked_for() -> None:
    started = threading.Event()
    with Ahead(counted(["a", "b", "c"], started)) as ahead:
        assert started.wait(WAIT)  # nothing has asked for it yet
        assert list(ahead) == ["a", "b", "c"]
    assert body_threads() == []


def test_an_error_while_building_reaches_the_caller() -> None:
    started = threading.Event()
    with Ahead(counted(["a", "b", "c"], started, fail_at=1)) as ahead:
        items = iter(ahead)
        assert next(items) == "a"
        with pytest.raises(ValueError, match="hỏng"):
            next(items)
    assert body_threads() == []


def test_stopping_early_waits_for_the_item_being_built_and_leaves_no_thread() -> None:
    started = threading.Event()
    with pytest.raises(KeyError), Ahead(counted(["a", "b", "c"], started)) as ahead:
        for _ in ahead:
            raise KeyError("dừng")
    assert body_threads() == []
