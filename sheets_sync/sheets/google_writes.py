"""Status writes for Google Sheets: ranges that cover written cells only, and the row check."""

from __future__ import annotations

import json
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Generic, TypeVar

from gspread.utils import a1_to_rowcol, absolute_range_name, rowcol_to_a1

from ..errors import SheetChangedError
from ..model import Cell, CellWrite, Table

# Google refuses a request body over 10 MiB ("Request payload size exceeds the limit:
# 10485760 bytes"). A first run over a national sheet (~36 MB of statuses) must therefore be
# split into several values.batchUpdate requests, each atomic on its own only; anything up
# to ~9 MB (about 30,000 rows) goes in one.
MAX_PAYLOAD_BYTES = 9_000_000
# Tall blocks are cut so that a payload can be split between them.
MAX_BLOCK_ROWS = 500
# The row checks read the header and the written rows as row ranges (`'T'!5:9`) when they fall
# in this many runs or fewer (a rerun that writes a few rows); else the whole sheet.
MAX_CHECK_SPANS = 20
Block = tuple[int, int, list[list[str]]]  # (first row, first col, values)
_ENCODE = json.JSONEncoder(ensure_ascii=False).encode
T = TypeVar("T")


def by_sheet(writes: Iterable[CellWrite]) -> dict[str, dict[int, dict[int, str]]]:
    """Group writes as {sheet: {row: {col: value}}}; a later write to a cell wins."""
    grouped: dict[str, dict[int, dict[int, str]]] = defaultdict(lambda: defaultdict(dict))
    for write in writes:
        grouped[write.sheet][write.row][write.col] = write.value
    return grouped


def _runs(cells: dict[int, str]) -> list[tuple[int, list[str]]]:
    """Split one row's written cells into runs of adjacent columns: (first col, values)."""
    runs: list[tuple[int, list[str]]] = []
    for col in sorted(cells):
        if runs and runs[-1][0] + len(runs[-1][1]) == col:
            runs[-1][1].append(cells[col])
        else:
            runs.append((col, [cells[col]]))
    return runs


def value_ranges(title: str, rows: dict[int, dict[int, str]]) -> Iterator[dict[str, Any]]:
    """Yield values.batchUpdate data: rectangles made of written cells and nothing else.

    Runs with the same columns on consecutive rows merge into one rectangle, so a full
    status column block over thousands of rows is a handful of ranges. Rectangles come in
    the order they were started, each as soon as it and those before it can grow no more:
    a national sheet's ranges are never all held at once.
    """
    started: deque[Block] = deque()
    open_blocks: dict[tuple[int, int], Block] = {}  # (first col, width) -> block
    for row in sorted(rows):
        for col, values in _runs(rows[row]):
            block = open_blocks.get((col, len(values)))
            if block is not None:
                first, _, grid = block
                if first + len(grid) == row and len(grid) < MAX_BLOCK_ROWS:
                    grid.append(values)
                    continue
            block = open_blocks[(col, len(values))] = (row, col, [values])
            started.append(block)
        while started and not _grows(started[0], row, open_blocks):
            yield _entry(title, *started.popleft())
    while started:
        yield _entry(title, *started.popleft())


def _grows(block: Block, row: int, open_blocks: dict[tuple[int, int], Block]) -> bool:
    """Tell whether a block may still take the row after `row` (rows come in order)."""
    first, col, grid = block
    can_take = first + len(grid) == row + 1 and len(grid) < MAX_BLOCK_ROWS
    return can_take and open_blocks.get((col, len(grid[0]))) is block


def _entry(title: str, row: int, col: int, grid: list[list[str]]) -> dict[str, Any]:
    start = rowcol_to_a1(row, col)
    end = rowcol_to_a1(row + len(grid) - 1, col + len(grid[0]) - 1)
    cells = start if start == end else f"{start}:{end}"
    return {"range": absolute_range_name(title, cells), "values": grid}


def batches(
    data: Iterable[dict[str, Any]], limit: int = MAX_PAYLOAD_BYTES
) -> Iterator[list[bytes]]:
    """Yield the encoded ranges of each RAW values.batchUpdate body, for `body` to join.

    A body holds at most `limit` bytes of ranges (one body unless huge). Each range is
    encoded once, as the body sent: UTF-8 JSON, Vietnamese letters unescaped, byte for byte
    what json.dumps of the whole body gives.
    """
    parts: list[bytes] = []
    size = 0
    for entry in data:
        part = _ENCODE(entry).encode("utf-8")
        if parts and size + len(part) + 2 > limit:
            yield parts
            parts, size = [], 0
        parts.append(part)
        size += len(part) + 2
    if parts:
        yield parts


def body(parts: list[bytes]) -> bytes:
    """Join encoded ranges into a RAW values.batchUpdate body."""
    return b'{"valueInputOption": "RAW", "data": [' + b", ".join(parts) + b"]}"


class Ahead(Generic[T]):
    """Work out the items of `items` one ahead, in a thread, while the caller uses the last.

    Building a request body is the client's own work; sending it is mostly waiting for
    Google. The first item is started at once, so that it is built while the rows are
    checked. The thread makes many small objects only: the encoded ranges, each a few
    hundred bytes. The caller joins them: memory taken in one piece by a second thread
    would stay with that thread's own allocator and add to the run's peak.
    """

    def __init__(self, items: Iterator[T]) -> None:
        self._items = items
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="sheets-sync-body")
        self._next = self._pool.submit(next, items, None)

    def __iter__(self) -> Iterator[T]:
        return iter(self._advance, None)

    def _advance(self) -> T | None:
        # The item is handed over, not kept: the caller's use of it is its last.
        item = self._next.result()
        self._next = self._pool.submit(next, self._items, None)
        return item

    def __enter__(self) -> Ahead[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self._next.cancel()
        self._pool.shutdown(wait=True)  # an item being worked out is finished, then dropped


def grid_of(echoed_range: str) -> tuple[int, int] | None:
    """Return (rows, cols) of a sheet from a whole-sheet read's echo (`'T'!A1:Z1000`)."""
    cells = echoed_range.rpartition("!")[2]
    end = cells.rpartition(":")[2]
    try:
        return a1_to_rowcol(end)
    except Exception:
        return None


def _same(a: Cell, b: Cell) -> bool:
    a = "" if a is None else a
    b = "" if b is None else b
    return a == b and isinstance(a, bool) == isinstance(b, bool)


def _alike(a: Sequence[Cell], b: Sequence[Cell]) -> bool:
    """Equal cell by cell and of the same types (so `True` is not `1`): `_same` throughout."""
    return a == b and list(map(type, a)) == list(map(type, b))


def _row(rows: Sequence[Sequence[Cell]], number: int) -> Sequence[Cell]:
    return rows[number - 1] if number <= len(rows) else []


def check_spans(rows: Iterable[int]) -> list[tuple[int, int]] | None:
    """Return the runs of adjacent rows among the header and `rows`: (first, last) each.

    None past MAX_CHECK_SPANS runs: the whole sheet is then asked for (a short URL).
    """
    spans: list[list[int]] = []
    for number in sorted({1, *rows}):
        if spans and spans[-1][1] + 1 == number:
            spans[-1][1] = number
        elif len(spans) == MAX_CHECK_SPANS:
            return None
        else:
            spans.append([number, number])
    return [(first, last) for first, last in spans]


def numbered(
    parts: Iterable[tuple[int, list[Cell]]], spans: Sequence[tuple[int, int]]
) -> Iterator[tuple[int, int, list[Cell]]]:
    """Yield (range index, row number, row) for every row of every span, in order.

    `parts` are the rows of a values.batchGet of one range a span, each range read from the
    span's first row. The answer leaves out a range's trailing empty rows: they come as [];
    rows past a span (a whole sheet read for rows up to a last one) are left out.
    """
    answer = iter(parts)
    pending = next(answer, None)
    for index, (first, last) in enumerate(spans):
        number = first
        while pending is not None and pending[0] == index:
            if number <= last:
                yield index, number, pending[1]
            number += 1
            pending = next(answer, None)
        for empty in range(number, last + 1):
            yield index, empty, []


def changed_row(
    before: Table, now: Iterable[tuple[int, Sequence[Cell]]], rows: Iterable[int], skip: set[int]
) -> int | None:
    """Return the first of the header and `rows` that no longer matches, outside `skip` cols.

    `now` is (row number, row) in increasing order, the header and every row of `rows` among
    them (an empty row as []).
    """
    wanted = {1, *rows}
    for number, new in now:
        if number in wanted and _differs(_row(before.rows, number), new, skip):
            return number
    return None


def _differs(old: Sequence[Cell], new: Sequence[Cell], skip: set[int]) -> bool:
    """Tell whether a row changed outside the `skip` columns."""
    # Columns left of the first skipped one are compared in one go when they are alike.
    head = min(skip, default=0) - 1
    width = max(len(old), len(new))
    alike = head if head >= 0 else width
    start = alike + 1 if _alike(old[:alike], new[:alike]) else 1
    for col in range(start, width + 1):
        if col in skip:
            continue
        a = old[col - 1] if col <= len(old) else None
        b = new[col - 1] if col <= len(new) else None
        if not _same(a, b):
            return True
    return False


def check_rows(
    before: Table, now: Iterable[tuple[int, Sequence[Cell]]], rows: dict[int, dict[int, str]]
) -> None:
    """Raise SheetChangedError when a row to write no longer holds the response read."""
    skip = {col for cells in rows.values() for col in cells}
    number = changed_row(before, now, rows, skip)
    if number is None:
        return
    where = "dòng tiêu đề đã đổi" if number == 1 else f"dòng {number} không còn như lúc đọc"
    raise SheetChangedError(
        f"Trang tính '{before.title}' vừa bị sửa trong lúc kiểm tra ({where}: có người sắp "
        "xếp, chèn, xóa hoặc sửa dòng): chạy lại lệnh khi không còn ai sửa bảng tính."
    )
