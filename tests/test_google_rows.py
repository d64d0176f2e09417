"""The row check before and after a Google write: which row no longer holds what was read."""

from __future__ import annotations

import random
from typing import Any

import pytest

from sheets_sync.model import Table
from sheets_sync.sheets.google_writes import changed_row

VALUES: list[Any] = [None, "", "x", "Trường", 0, 1, 1.0, 2.5, True, False, 45327.5]


def cell_by_cell(before: Table, now: list[list[Any]], rows: set[int], skip: set[int]) -> Any:
    """The check as its contract says: cell by cell, None is empty, True is not 1."""
    for number in sorted({1, *rows}):
        old = before.rows[number - 1] if number <= len(before.rows) else []
        new = now[number - 1] if number <= len(now) else []
        for col in range(1, max(len(old), len(new)) + 1):
            if col in skip:
                continue
            a = old[col - 1] if col <= len(old) else None
            b = new[col - 1] if col <= len(new) else None
            a, b = ("" if a is None else a), ("" if b is None else b)
            if not (a == b and isinstance(a, bool) == isinstance(b, bool)):
                return number
    return None


@pytest.mark.parametrize("seed", range(40))
def test_changed_row_is_the_cell_by_cell_answer(seed: int) -> None:
    rng = random.Random(seed)
    width = rng.randint(1, 8)
    before = [[rng.choice(VALUES) for _ in range(rng.randint(0, width))] for _ in range(12)]
    now = [list(row) for row in before]
    for _ in range(rng.randint(0, 3)):
        row = rng.choice(now)
        if row:
            row[rng.randrange(len(row))] = rng.choice(VALUES)
        else:
            row.append(rng.choice(VALUES))
    if rng.random() < 0.3:
        now[rng.randrange(len(now))].append(None)
    skip = set(rng.sample(range(1, width + 2), rng.randint(0, 2)))
    rows = set(rng.sample(range(2, 14), 5))
    table = Table("T", before)
    assert changed_row(table, now, rows, skip) == cell_by_cell(table, now, rows, skip)


def test_true_is_not_one_and_empty_is_none() -> None:
    table = Table("T", [["a"], [1, None, "x"]])
    assert changed_row(table, [["a"], [True, None, "x"]], {2}, set()) == 2
    assert changed_row(table, [["a"], [1, "", "x", None]], {2}, set()) is None
    assert changed_row(table, [["a"], [1, None, "y"]], {2}, {3}) is None
