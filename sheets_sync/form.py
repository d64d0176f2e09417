"""The form's header row: which column holds which field."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .config import STATUS_COLUMNS
from .model import Cell
from .text import cell_text, header_key

SINGLE_FIELDS = ("submitted_at", "email", "unit", "fanpage_name", "fanpage_url", "note")
STAFF_FIELDS = ("name", "position", "phone", "unit")
# Columns a run cannot do without; a missing one gives every row an error, not a crash.
REQUIRED = {
    "unit": "Tên đơn vị",
    "fanpage_name": "Tên trang Fanpage (facebook)",
    "fanpage_url": "Đường link Fanpage (facebook)",
    "staff_name": "Họ tên cán bộ phụ trách 1",
}

_NUMBERED = re.compile(r"^(.*?)\s*(\d+)$")


@dataclass
class Layout:
    """Column indexes (0-based) of each form field; status columns kept apart."""

    fields: dict[str, int] = field(default_factory=dict)
    # Staff slot k (the number in the question titles) -> {"name": col, "phone": col, ...}.
    staff: dict[int, dict[str, int]] = field(default_factory=dict)
    # Status column title -> index, for the columns already present.
    status: dict[str, int] = field(default_factory=dict)
    # Titles of required columns the header lacks.
    missing: list[str] = field(default_factory=list)

    def form_columns(self) -> list[int]:
        """Every column that holds form data."""
        cols = list(self.fields.values())
        for slot in self.staff.values():
            cols.extend(slot.values())
        return sorted(cols)


def read_layout(header: Sequence[Cell], aliases: Mapping[str, list[str]]) -> Layout:
    """Map a header row to fields; the first column wins when a title repeats."""
    single = {header_key(a): name for name in SINGLE_FIELDS for a in aliases.get(name, [])}
    staff = {header_key(a): name for name in STAFF_FIELDS for a in aliases.get(f"staff_{name}", [])}
    status_titles = {header_key(t): t for t in STATUS_COLUMNS.values()}
    layout = Layout()
    slots: dict[int, dict[str, int]] = {}
    for col, cell in enumerate(header):
        key = header_key(cell_text(cell))
        if not key:
            continue
        if key in status_titles:
            layout.status.setdefault(status_titles[key], col)
        elif key in single:
            layout.fields.setdefault(single[key], col)
        else:
            slot, name = _staff_field(key, staff)
            if name:
                slots.setdefault(slot, {}).setdefault(name, col)
    layout.staff = {k: slots[k] for k in sorted(slots)}
    layout.missing = [
        title
        for name, title in REQUIRED.items()
        if name not in layout.fields and not (name == "staff_name" and _has_names(layout))
    ]
    return layout


def _staff_field(key: str, staff: Mapping[str, str]) -> tuple[int, str | None]:
    """Split `ho ten can bo phu trach 2` into (2, "name"); a title without k is slot 1."""
    match = _NUMBERED.match(key)
    base, slot = (match.group(1), int(match.group(2))) if match else (key, 1)
    return slot, staff.get(base)


def _has_names(layout: Layout) -> bool:
    return any("name" in slot for slot in layout.staff.values())
