"""The row check before and after a Google write: which row no longer holds what was read."""

from __future__ import annotations

import random
from typing import Any

import pytest

from sheets_sync.model import Table
from sheets_sync.sheets.google_writes import MAX_CHECK_SPANS, changed_row, check_spans, numbered

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


def from_top(now: list[list[Any]], last: int = 0) -> list[tuple[int, list[Any]]]:
    """The sheet's rows numbered from row 1, empty ones past its end up to row `last`."""
    return list(enumerate(now + [[]] * (last - len(now)), 1))


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
    assert changed_row(table, from_top(now, 13), rows, skip) == cell_by_cell(table, now, rows, skip)


def test_true_is_not_one_and_empty_is_none() -> None:
    table = Table("T", [["a"], [1, None, "x"]])
    assert changed_row(table, from_top([["a"], [True, None, "x"]]), {2}, set()) == 2
    assert changed_row(table, from_top([["a"], [1, "", "x", None]]), {2}, set()) is None
    assert changed_row(table, from_top([["a"], [1, None, "y"]]), {2}, {3}) is None


def test_check_spans_merge_adjacent_rows_and_give_up_past_the_limit() -> None:
    assert check_spans([2, 3, 4]) == [(1, 4)]
    assert check_spans([66041]) == [(1, 1), (66041, 66041)]
    assert check_spans([5, 7, 6, 1, 9]) == [(1, 1), (5, 7), (9, 9)]
    scattered = range(3, 3 + 2 * MAX_CHECK_SPANS, 2)
    assert len(check_spans(scattered[:-1]) or []) == MAX_CHECK_SPANS
    assert check_spans(scattered) is None


def test_numbered_fills_trimmed_rows_and_drops_rows_past_a_span() -> None:
    parts = [(0, ["h"]), (1, ["a"]), (1, []), (1, ["c"]), (2, ["x"]), (2, ["y"]), (2, ["z"])]
    spans = [(1, 1), (5, 9), (1, 2)]
    assert list(numbered(parts, spans)) == [
        (0, 1, ["h"]),
        (1, 5, ["a"]),
        (1, 6, []),
        (1, 7, ["c"]),
        (1, 8, []),
        (1, 9, []),
        (2, 1, ["x"]),
        (2, 2, ["y"]),
    ]
    # A range the answer leaves empty (no `values`) is all empty rows.
    assert list(numbered([(1, ["b"])], [(1, 2), (7, 7)])) == [(0, 1, []), (0, 2, []), (1, 7, ["b"])]
