"""Per-row checks, then the decisions across rows: duplicates, deadline, status."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from .config import Settings
from .form import Layout
from .links import normalize_link
from .messages import issue
from .model import Cell, Issue, Response, RowResult, RowStatus, Staff, cell_at
from .phones import normalize_phone
from .positions import normalize_position
from .roster import Roster
from .text import cell_text, clean, fold, name_case
from .timestamps import DateOrder, parse_timestamp

# "Công đoàn _ <unit>" with the underscore's spaces optional; the first two words fold to
# "cong doan", the rest must name the row's unit.
_CONVENTION = re.compile(r"^(\S+ \S+) ?_ ?(.+)$")
_LINK_CODES = {
    "invalid": "url_invalid",
    "not_facebook": "url_not_facebook",
    "not_page": "url_not_page",
    "unverifiable": "url_unverifiable",
}


@dataclass(frozen=True)
class Context:
    """What reading a row needs besides the row: settings, unit keys, the roster."""

    settings: Settings
    # The accent-keeping unit key (`make_unit_keyer(..., accents=True)`).
    unit_key: Callable[[str], str]
    roster: Roster | None
    # How the column's ambiguous text dates read (`04/02/2024`), decided on the whole column.
    date_order: DateOrder = "day-first"


def read_response(
    number: int, row: Sequence[Cell], layout: Layout, ctx: Context
) -> Response | None:
    """Normalize and check one form row; None when all its form cells are empty."""
    fields = layout.fields
    typed_unit = _text_at(row, fields.get("unit"))
    # A row that names its unit is not empty: the other cells are looked at only otherwise.
    if not typed_unit and not any(_text_at(row, col) for col in layout.form_columns()):
        return None
    key = ctx.unit_key(typed_unit) if typed_unit else ""
    issues: list[Issue] = []
    unit, roster_unit, key = _unit(typed_unit, key, ctx.roster, issues)
    staff = _staff(row, layout, unit, ctx, issues)
    fanpage_name = _text_at(row, fields.get("fanpage_name"))
    response = Response(
        row=number,
        submitted_at=_submitted_at(row, layout, ctx, issues),
        email=_text_at(row, fields.get("email")),
        unit=unit,
        roster_unit=roster_unit,
        fanpage_name=fanpage_name,
        expected_fanpage_name=_expected_name(unit, fanpage_name),
        fanpage_url=_text_at(row, fields.get("fanpage_url")),
        note=_text_at(row, fields.get("note")),
        staff=staff,
        issues=issues,
        unit_key=key,
    )
    _check_fanpage(response, ctx, issues)
    if not staff:  # `_staff` keeps only the slots with a name
        issues.append(issue("missing_staff", "staff"))
    return response


def _text_at(row: Sequence[Cell], col: int | None) -> str:
    """The cleaned text of the cell at 0-based `col` ("" past the row's end or for no column)."""
    # `clean(cell_text(cell_at(row, col)))`, spelled out: a national run reads 1.3 million
    # cells here, most of them text.
    if col is None or col >= len(row):
        return ""
    value = row[col]
    return clean(value if type(value) is str else cell_text(value))


_EXPECTED_PREFIX = "Công đoàn _ "


def _expected_name(unit: str, typed: str) -> str:
    """The fanpage name the convention asks for: `Công đoàn _ <unit>`, "" without a unit.

    Most rows type exactly that name; they share the typed string rather than hold a copy.
    """
    if not unit:
        return ""
    if (
        len(typed) == len(_EXPECTED_PREFIX) + len(unit)
        and typed.startswith(_EXPECTED_PREFIX)
        and typed.endswith(unit)
    ):
        return typed
    return _EXPECTED_PREFIX + unit


def _submitted_at(
    row: Sequence[Cell], layout: Layout, ctx: Context, issues: list[Issue]
) -> datetime | None:
    """Read the row's time; one that cannot be read is an issue, never a silent gap."""
    col = layout.fields.get("submitted_at")
    if col is None:
        return None
    cell = cell_at(row, col)
    when = parse_timestamp(cell, ctx.date_order)
    if when is None:
        typed = clean(cell_text(cell))
        shown = f"{typed[:40]}…" if len(typed) > 40 else typed or "ô trống"
        issues.append(issue("submitted_at_invalid", "submitted_at", value=shown))
    return when


def _unit(
    typed: str, key: str, roster: Roster | None, issues: list[Issue]
) -> tuple[str, str | None, str]:
    """Give the unit's name, its roster spelling, and the key its submissions share.

    A roster match names the unit by the roster's spelling and key, so two typed names
    that match different roster units never share a key; no match keeps the typed name.
    """
    if not typed:
        issues.append(issue("missing_unit", "unit"))
        return "", None, ""
    if roster is None:
        return typed, None, key
    found = roster.match(key)
    if found:
        return found.name, found.name, found.key
    near = roster.closest(key)
    hint = f"; gần nhất: {near}" if near else ""
    issues.append(issue("unit_not_in_roster", "unit", closest=hint))
    return typed, None, key


def _same_unit(left: str, right: str, ctx: Context) -> bool:
    """Tell whether two typed names name one unit, as the unit column would match them.

    The same roster unit when either matches one; otherwise the same key, accents ignored
    only when one of the two is typed without any (`Dong Hoa` = `Đông Hòa` ≠ `Đồng Hòa`).
    """
    a, b = ctx.unit_key(left), ctx.unit_key(right)
    if a == b:
        return True
    if ctx.roster is not None:
        found_a, found_b = ctx.roster.match(a), ctx.roster.match(b)
        if found_a is not None or found_b is not None:
            return found_a is found_b
    return fold(a) == fold(b) and (a == fold(a) or b == fold(b))


def _check_fanpage(response: Response, ctx: Context, issues: list[Issue]) -> None:
    name, url = response.fanpage_name, response.fanpage_url
    if not name:
        issues.append(issue("missing_fanpage_name", "fanpage_name"))
    elif (
        response.unit
        # The name as the convention spells it follows it; only other names are looked into.
        and name != response.expected_fanpage_name
        and not _follows_convention(name, response.unit, ctx)
    ):
        issues.append(
            issue(
                "fanpage_name_convention", "fanpage_name", expected=response.expected_fanpage_name
            )
        )
    if not url:
        issues.append(issue("missing_fanpage_url", "fanpage_url"))
        return
    link = normalize_link(url)
    response.fanpage_url = link.url
    if link.kind in _LINK_CODES:
        issues.append(issue(_LINK_CODES[link.kind], "fanpage_url", value=link.url))


def _follows_convention(name: str, unit: str, ctx: Context) -> bool:
    match = _CONVENTION.match(name)
    return (
        match is not None
        and fold(match.group(1)) == "cong doan"
        and _same_unit(match.group(2), unit, ctx)
    )


def _staff(
    row: Sequence[Cell], layout: Layout, unit: str, ctx: Context, issues: list[Issue]
) -> list[Staff]:
    """Read every staff slot that has a name; check each one's phone."""
    people = []
    for k, name_col, position_col, phone_col, unit_col in layout.staff_columns:
        if cell_at(row, name_col) in (None, ""):
            continue  # the usual empty slot, passed over before its cells are read
        name = name_case(_text_at(row, name_col))
        if not name:
            continue
        own_unit = _text_at(row, unit_col)
        if not own_unit or (unit and (own_unit == unit or _same_unit(own_unit, unit, ctx))):
            own_unit = unit
        position = normalize_position(_text_at(row, position_col), ctx.settings.positions)
        phone = _phone(cell_at(row, phone_col), k, name, issues)
        people.append(Staff(name=name, position=position, unit=own_unit, phone=phone))
    return people


def _phone(value: Cell, k: int, name: str, issues: list[Issue]) -> str:
    field = f"staff[{k}].phone"
    typed = clean(cell_text(value))
    if not typed:
        issues.append(issue("phone_missing", field, k=k, name=name))
        return ""
    digits, old_prefix = normalize_phone(value)
    if digits is None:
        issues.append(issue("phone_invalid", field, k=k, name=name, value=typed))
        return typed
    if old_prefix:
        issues.append(issue("phone_old_prefix", field, k=k, name=name, value=digits))
    return digits


def decide(responses: Sequence[Response], deadline: date) -> list[RowResult]:
    """Mark late rows and superseded resubmissions, then give every row its status.

    A unit's latest submission wins: by time, then by row. A row whose time could not be
    read (it carries `submitted_at_invalid`) is ranked as if sent at the latest time of the
    rows above it, so after all of them: the form appends rows in the order they arrive. It
    is never taken as the earliest, which would let an older submission win silently.
    """
    cutoff = datetime(deadline.year, deadline.month, deadline.day)
    _join_unaccented(responses)
    latest: dict[str, tuple[tuple[datetime, int], Response]] = {}
    known = datetime.min
    for response in responses:
        order = (response.submitted_at or known, response.row)
        known = max(known, order[0])
        if response.submitted_at and response.submitted_at >= cutoff:
            value = response.submitted_at.strftime("%d/%m/%Y %H:%M")
            response.issues.append(
                issue(
                    "late_submission", "submitted_at", value=value, deadline=f"{deadline:%d/%m/%Y}"
                )
            )
        if response.unit_key:
            best = latest.get(response.unit_key)
            if best is None or order >= best[0]:
                latest[response.unit_key] = (order, response)
    results = []
    for response in responses:
        winner = latest[response.unit_key][1] if response.unit_key else response
        if winner is not response:
            response.issues.append(issue("duplicate_superseded", "submitted_at", row=winner.row))
        results.append(RowResult(response, _status(response, winner is not response)))
    return results


def _join_unaccented(responses: Sequence[Response]) -> None:
    """Give a name typed without accents the key of the one accented unit it can be.

    Only for names no roster unit matched: `Truong TH Dong Hoa` joins `Trường TH Đông Hòa`
    when that is the only accented spelling of those letters among the rows; beside both
    `Đông Hòa` and `Đồng Hòa` it stays a unit of its own.
    """
    unmatched = [r for r in responses if r.roster_unit is None and r.unit_key]
    accented: dict[str, set[str]] = {}
    for response in unmatched:
        bare = fold(response.unit_key)
        if bare != response.unit_key:
            accented.setdefault(bare, set()).add(response.unit_key)
    for response in unmatched:
        keys = accented.get(response.unit_key, set())
        if len(keys) == 1:
            response.unit_key = next(iter(keys))


def _status(response: Response, superseded: bool) -> RowStatus:
    if superseded:
        return "superseded"
    issues = response.issues
    if not issues:
        return "ok"
    return "error" if any(i.severity == "error" for i in issues) else "warning"
