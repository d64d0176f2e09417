"""Status cells: what each row's status columns should say, and which cells changed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from .config import ROSTER_STATUS_COLUMN, STATUS_COLUMNS, Settings
from .form import Layout
from .model import Cell, CellWrite, RosterEntry, RowResult, Table
from .roster import Roster
from .text import cell_text

# The status columns in the order they are appended; `checked_at` comes last and is
# written only when one of the others changes.
ORDER = ("status", "details", "expected_name", "file", "checked_at")

# `Kiểm tra lúc` as staff write a moment (02/12/2026 10:15), local time.
STAMP_FORMAT = "%d/%m/%Y %H:%M"


def status_values(result: RowResult, settings: Settings) -> dict[str, str]:
    """Say what the status columns of one response should hold (without the time)."""
    response = result.response
    issues = response.issues
    # Checked before reading them: many rows of a national sheet have no issue at all.
    convention = bool(issues) and any(i.code == "fanpage_name_convention" for i in issues)
    return {
        "status": settings.status_texts[result.status],
        "details": "; ".join([i.message for i in issues]) if issues else "",
        "expected_name": response.expected_fanpage_name if convention else "",
        "file": result.file_name or "",
    }


def plan_writes(
    table: Table,
    layout: Layout,
    results: Sequence[RowResult],
    settings: Settings,
    now: datetime,
) -> list[CellWrite]:
    """List the status cells of the responses sheet that differ from what they should be."""
    columns, writes = _columns(table, layout)
    stamp = now.strftime(STAMP_FORMAT)
    title, stamp_col = table.title, columns["checked_at"]
    # Each row's wanted values are made as the row comes, not held for the whole sheet.
    by_row = {r.row: r for r in results}
    shown = [(name, columns[name]) for name in ORDER[:-1]]
    for number, row in enumerate(table.rows[1:], start=2):
        result = by_row.get(number)
        values = None
        if result is not None:
            number = result.response.row  # its own int: not one more per written cell
            values = status_values(result, settings)
        changed = []
        for name, col in shown:
            current = _text(row, col)
            target = values[name] if values else ""
            if current != target:  # so a cell emptied here held something
                changed.append(CellWrite(title, number, col + 1, target))
        # The time is written with any change; a row without a response has its time
        # emptied, when there is one.
        if changed and (values or _text(row, stamp_col)):
            changed.append(CellWrite(title, number, stamp_col + 1, stamp if values else ""))
        writes += changed
    return writes


def plan_roster_writes(
    table: Table, roster: Roster, entries: Sequence[RosterEntry], settings: Settings
) -> list[CellWrite]:
    """List the `Tình trạng nộp` cells of the roster that differ from each unit's state."""
    writes = []
    col = roster.status_col
    if col is None:
        col = _width(table)
        writes.append(CellWrite(table.title, 1, col + 1, ROSTER_STATUS_COLUMN))
    for entry in entries:
        target = settings.roster_texts[entry.state]
        # A unit the roster lists twice gets the same state on each of its rows.
        for row in (entry.row, *roster.repeats.get(entry.row, ())):
            if _text(table.rows[row - 1], col) != target:
                writes.append(CellWrite(table.title, row, col + 1, target))
    return writes


def _columns(table: Table, layout: Layout) -> tuple[dict[str, int], list[CellWrite]]:
    """Find each status column by title, appending the missing ones after the last used."""
    columns: dict[str, int] = {}
    writes = []
    next_col = _width(table)
    for name in ORDER:
        title = STATUS_COLUMNS[name]
        if title in layout.status:
            columns[name] = layout.status[title]
        else:
            columns[name] = next_col
            writes.append(CellWrite(table.title, 1, next_col + 1, title))
            next_col += 1
    return columns, writes


def _width(table: Table) -> int:
    return max((len(row) for row in table.rows), default=0)


def _text(row: Sequence[Cell], col: int) -> str:
    cell = row[col] if col < len(row) else None
    return cell if type(cell) is str else cell_text(cell)
