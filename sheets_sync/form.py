"""The form's header row: which column holds which field."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from .config import STATUS_COLUMNS
from .errors import SourceError
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


class StaffColumns(NamedTuple):
    """The columns of staff slot `k` (the number in its questions), None for one it lacks."""

    k: int
    name: int | None
    position: int | None
    phone: int | None
    unit: int | None


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

    @functools.cached_property
    def staff_columns(self) -> list[StaffColumns]:
        """Each staff slot's columns, in slot order: what every row's staff is read from."""
        return [
            StaffColumns(
                k, slot.get("name"), slot.get("position"), slot.get("phone"), slot.get("unit")
            )
            for k, slot in self.staff.items()
        ]

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


def form_score(header: Sequence[Cell], aliases: Mapping[str, list[str]]) -> int:
    """Count the form columns of a header row that reads as the form, else 0.

    It reads as the form when it has the unit question and at least two of the other
    required questions: a roster's `Tên đơn vị`, `Họ tên`, `Số điện thoại` does not.
    """
    layout = read_layout(header, aliases)
    if "unit" not in layout.fields or len(REQUIRED) - len(layout.missing) < 3:
        return 0
    return len(layout.form_columns())


def pick_responses(
    headers: Sequence[tuple[str, Sequence[Cell]]],
    aliases: Mapping[str, list[str]],
    roster: str | None = None,
) -> tuple[int, str | None]:
    """Choose the responses worksheet among (title, header row) pairs, in tab order.

    The worksheet whose header reads most as the form wins, wherever it sits; the roster
    (`roster`, an exact title) never does. Returns its index and a warning when another
    worksheet reads as the form too; a tie is refused. With no worksheet reading as the
    form, the first one besides the roster is taken (its missing columns are reported
    later); a spreadsheet holding only the roster is refused.
    """
    scores = [0 if title == roster else form_score(row, aliases) for title, row in headers]
    best = max(scores, default=0)
    if best == 0:
        rest = [i for i, (title, _) in enumerate(headers) if title != roster]
        if not rest:
            raise SourceError(
                f"Chỉ có trang danh sách đơn vị '{roster}', không có trang câu trả lời biểu mẫu: "
                "thêm trang câu trả lời hoặc chỉ ra tệp khác."
            )
        return rest[0], None
    top = [i for i, score in enumerate(scores) if score == best]
    others = [headers[i][0] for i, score in enumerate(scores) if score and i != top[0]]
    if len(top) > 1:
        titles = ", ".join(f"'{headers[i][0]}'" for i in top)
        raise SourceError(
            f"Có nhiều trang tính giống trang câu trả lời biểu mẫu ({titles}): chọn một trang "
            "bằng --worksheet. Chưa ghi gì."
        )
    if not others:
        return top[0], None
    also = ", ".join(f"'{title}'" for title in others)
    return top[0], (
        f"Đã lấy trang '{headers[top[0]][0]}' làm trang câu trả lời (khớp nhiều câu hỏi nhất); "
        f"trang {also} cũng giống biểu mẫu: chọn trang khác bằng --worksheet nếu cần."
    )


def refuse_roster(
    roster: str,
    headers: Sequence[tuple[str, Sequence[Cell]]],
    aliases: Mapping[str, list[str]],
) -> SourceError:
    """The error for a `--worksheet` naming the roster: it is never taken as the responses.

    `headers` are the (title, header row) pairs of the other worksheets; the one reading
    most as the form is named as the responses sheet to choose.
    """
    scores = [(form_score(row, aliases), title) for title, row in headers if title != roster]
    best = max(scores, default=(0, ""), key=lambda pair: pair[0])
    found = (
        f"trang câu trả lời là '{best[1]}': bỏ --worksheet hoặc dùng --worksheet '{best[1]}'"
        if best[0]
        else "không thấy trang nào giống trang câu trả lời biểu mẫu: chọn đúng trang"
    )
    return SourceError(
        f"Trang '{roster}' là danh sách đơn vị, không phải trang câu trả lời biểu mẫu; "
        f"{found}. Chưa ghi gì."
    )
