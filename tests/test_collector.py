"""Deciding holds the cycle collector off, and leaves it as it found it."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from datetime import datetime

import pytest

from sheets_sync import pipeline
from sheets_sync.config import Settings
from sheets_sync.model import SheetData, Table
from tests.helpers import HEADER, ROSTER, row


def _data() -> SheetData:
    rows = [row(), row("Trường Mầm non Hoa Sữa", phone="0165 234 5678"), row("Trường lạ")]
    return SheetData(
        "t", Table("Câu trả lời biểu mẫu 1", [HEADER, *rows]), Table("Danh sách đơn vị", ROSTER)
    )


@pytest.fixture(autouse=True)
def _collector_restored() -> Iterator[None]:
    yield
    gc.unfreeze()
    gc.enable()


def test_rows_are_read_without_the_collector(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []
    read = pipeline.read_response

    def spying(*args: object) -> object:
        seen.append(gc.isenabled())
        return read(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "read_response", spying)
    pipeline.check_data(_data(), Settings())
    assert seen == [False, False, False]
    assert gc.isenabled()


def test_what_deciding_made_is_old_at_once() -> None:
    """The young generation is not left holding every object made: its next collection
    would go through them all at once, which is the time holding the collector off saves."""
    gc.collect()
    checked = pipeline.check_data(_data(), Settings())
    writes = pipeline.status_writes(checked, Settings(), datetime(2024, 3, 1))
    oldest = {id(o) for o in gc.get_objects(generation=2)}
    assert id(checked.results) in oldest
    assert id(writes) in oldest
    assert gc.get_count()[0] < 100


def test_a_failing_step_leaves_the_collector_on(monkeypatch: pytest.MonkeyPatch) -> None:
    def failing(*args: object) -> None:
        raise RuntimeError("hỏng")

    monkeypatch.setattr(pipeline, "read_response", failing)
    with pytest.raises(RuntimeError):
        pipeline.check_data(_data(), Settings())
    assert gc.isenabled()


def test_a_collector_turned_off_stays_off() -> None:
    gc.disable()
    pipeline.check_data(_data(), Settings())
    assert not gc.isenabled()


def test_objects_frozen_before_stay_frozen() -> None:
    gc.freeze()
    frozen = gc.get_freeze_count()
    pipeline.check_data(_data(), Settings())
    assert gc.get_freeze_count() >= frozen
    assert gc.isenabled()
