"""The roster: units expected to answer, matched on the unit key, accents as a fallback."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from .config import ROSTER_STATUS_COLUMN, ROSTER_UNIT_HEADER, Settings
from .errors import SourceError
from .model import RosterEntry, RowResult, Table, cell_at
from .nearest import Nearest
from .text import UnitKeyer, cell_text, clean, fold, header_key


class RosterUnit(NamedTuple):
    """One unit of the roster: a named tuple, as a national roster has a hundred thousand."""

    row: int
    name: str
    key: str


class Roster:
    """Look up the roster's spelling of a unit typed in any of its usual forms.

    `keyer` gives the accent-keeping key (`make_unit_keyer(..., accents=True)`): an exact
    key wins; the accent-blind key (its `fold`) is a fallback used only when it names
    exactly one roster unit, so `Đông Hòa` and `Đồng Hòa` stay two units.
    """

    def __init__(self, table: Table, keyer: UnitKeyer, aliases: Sequence[str]) -> None:
        self.title = table.title
        self.unit_col = _unit_column(table, aliases)
        self.status_col = _column(table, ROSTER_STATUS_COLUMN)
        self.units: list[RosterUnit] = []
        self.by_key: dict[str, RosterUnit] = {}
        # Rows that list a unit again, by the row that lists it first.
        self.repeats: dict[int, list[int]] = {}
        repeated: dict[int, RosterUnit] = {}
        # Each unit's accent-blind key, read with its key: the twins below need them all.
        folds: list[tuple[str, RosterUnit]] = []
        for number, row in enumerate(table.rows[1:], start=2):
            name = clean(cell_text(cell_at(row, self.unit_col)))
            if not name:
                continue
            key, folded = keyer.key_and_fold(name)
            unit = RosterUnit(number, name, key)
            self.units.append(unit)
            first = self.by_key.setdefault(unit.key, unit)
            if first is not unit:
                self.repeats.setdefault(first.row, []).append(number)
                repeated[first.row] = first
            else:
                folds.append((folded, unit))
        self._folds = _by_fold(folds)
        # Problems of the roster itself, said once per run (Vietnamese, one line each).
        self.warnings = [
            _repeat_warning(repeated[row], rows) for row, rows in self.repeats.items()
        ] + [_twins_warning(units) for units in self.twins.values()]

    @property
    def by_fold(self) -> dict[str, RosterUnit | None]:
        """Each unit by its accent-blind key; None where several units share it (`twins`)."""
        return self._folds[0]

    @property
    def twins(self) -> dict[str, list[RosterUnit]]:
        """The units that differ only by their accents, by their shared accent-blind key."""
        return self._folds[1]

    def forget_matching(self) -> None:
        """Let go of what only matching typed names needs, once every row is read.

        The accent-blind keys and the nearest-name index of a national roster weigh tens of
        MB that the later steps never read; `match` and `closest` build them again if called.
        """
        for name in ("_folds", "_nearest"):
            vars(self).pop(name, None)

    @functools.cached_property
    def _folds(self) -> tuple[dict[str, RosterUnit | None], dict[str, list[RosterUnit]]]:
        # Read with the keys; built again only when matching goes on after forget_matching.
        return _by_fold((fold(unit.key), unit) for unit in self.by_key.values())

    @property
    def distinct(self) -> list[RosterUnit]:
        """Each unit once, where the roster first lists it."""
        return list(self.by_key.values())

    def match(self, key: str) -> RosterUnit | None:
        """The roster unit a key names: the same key, else the only one equal without accents."""
        found = self.by_key.get(key)
        if found is None:
            found = self.by_fold.get(fold(key))
        return found

    def closest(self, key: str) -> str | None:
        """Name the roster unit nearest to an unmatched key, for the reviewer's hint."""
        return self._nearest(fold(key))

    @functools.cached_property
    def _nearest(self) -> Nearest:
        # Built when a unit first fails to match: a sheet whose units all match never needs it.
        return Nearest({k: (v or self.twins[k][0]).name for k, v in self.by_fold.items()})


def _by_fold(
    folds: Iterable[tuple[str, RosterUnit]],
) -> tuple[dict[str, RosterUnit | None], dict[str, list[RosterUnit]]]:
    """Each unit by its accent-blind key (None where several share it), and those twins."""
    # Most accent-blind keys name one unit: no list is held for each unit of a national
    # roster, only for the twins.
    by_fold: dict[str, RosterUnit | None] = {}
    twins: dict[str, list[RosterUnit]] = {}
    for folded, unit in folds:
        other = by_fold.setdefault(folded, unit)
        if other is not unit:
            if other is not None:
                twins[folded] = [other]
                by_fold[folded] = None
            twins[folded].append(unit)
    # The twins in the order their accent-blind keys first appear in the roster.
    return by_fold, {k: twins[k] for k, unit in by_fold.items() if unit is None}


def load_roster(table: Table | None, settings: Settings, keyer: UnitKeyer) -> Roster | None:
    """Build the roster from its worksheet, or None when there is none (checks skipped).

    An empty roster worksheet counts as none.
    """
    if table is None or not any(cell_text(c) for row in table.rows for c in row):
        return None
    aliases = [ROSTER_UNIT_HEADER, *settings.headers.get("unit", [])]
    return Roster(table, keyer, aliases)


def roster_states(roster: Roster, effective: Sequence[RowResult]) -> list[RosterEntry]:
    """Say for each roster unit whether it sent a valid list, one with errors, or nothing."""
    sent = {r.response.unit_key: r for r in effective}
    entries = []
    for unit in roster.distinct:
        result = sent.get(unit.key)
        if result is None:
            entries.append(RosterEntry(unit.row, unit.name, "missing", None))
        else:
            failed = result.status == "error"
            entries.append(
                RosterEntry(unit.row, unit.name, "error" if failed else "ok", result.row)
            )
    return entries


def _repeat_warning(unit: RosterUnit, rows: Sequence[int]) -> str:
    where = ", ".join(str(row) for row in (unit.row, *rows))
    return (
        f"đơn vị '{unit.name}' có tên nhiều lần trong danh sách đơn vị (dòng {where}): chỉ tính "
        "một lần; nên xóa các dòng thừa."
    )


def _twins_warning(units: Sequence[RosterUnit]) -> str:
    names = " và ".join(f"'{u.name}' (dòng {u.row})" for u in units)
    return (
        f"danh sách đơn vị có các đơn vị chỉ khác nhau ở dấu: {names}; tên đơn vị gõ không dấu "
        "sẽ không được ghép với đơn vị nào trong số này, cần gõ đúng dấu."
    )


def _unit_column(table: Table, aliases: Sequence[str]) -> int:
    for alias in aliases:
        col = _column(table, alias)
        if col is not None:
            return col
    # Guessing another column could take a title row or a status column for the unit list.
    titles = ", ".join(f"'{t}'" for t in map(cell_text, table.header) if t) or "không có tiêu đề"
    raise SourceError(
        f"Danh sách đơn vị '{table.title}' không có cột '{aliases[0]}' ({titles}): đặt tiêu đề "
        f"'{aliases[0]}' cho cột tên đơn vị ở dòng 1 rồi chạy lại."
    )


def _column(table: Table, title: str) -> int | None:
    want = header_key(title)
    for col, cell in enumerate(table.header):
        if header_key(cell_text(cell)) == want:
            return col
    return None
