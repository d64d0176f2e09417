"""Per-row checks, then the decisions across rows: duplicates, deadline, status."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .config import Settings
from .form import Layout
from .links import normalize_link
from .messages import issue
from .model import Cell, Issue, Response, RowResult, RowStatus, Staff, cell_at
from .phones import normalize_phone
from .positions import normalize_position
from .roster import Roster
from .text import cell_text, clean, fold, name_case

_SHEET_EPOCH = datetime(1899, 12, 30)
_TEXT_FORMATS = (
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
)
# "Công đoàn _ <unit>" with the underscore's spaces optional, on the folded text.
_CONVENTION = re.compile(r"^cong doan ?_ ?(.+)$")
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
    unit_key: Callable[[str], str]
    roster: Roster | None


def parse_timestamp(value: Cell) -> datetime | None:
    """Read a sheet timestamp: a date, a serial number, or day-first text."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None, microsecond=0)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        # Serial days since 1899-12-30; outside 1900..2200 it is no timestamp.
        if not 1 <= value < 110_000:
            return None
        return (_SHEET_EPOCH + timedelta(days=float(value))).replace(microsecond=0)
    text = clean(cell_text(value))
    for fmt in _TEXT_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def read_response(
    number: int, row: Sequence[Cell], layout: Layout, ctx: Context
) -> Response | None:
    """Normalize and check one form row; None when all its form cells are empty."""
    get = _getter(row)
    if not any(get(col) for col in layout.form_columns()):
        return None
    fields = {name: get(col) for name, col in layout.fields.items()}
    typed_unit = fields.get("unit", "")
    key = ctx.unit_key(typed_unit) if typed_unit else ""
    issues: list[Issue] = []
    unit, roster_unit = _unit(typed_unit, key, ctx.roster, issues)
    staff = _staff(row, layout, unit, ctx, issues)
    response = Response(
        row=number,
        submitted_at=parse_timestamp(cell_at(row, layout.fields.get("submitted_at"))),
        email=fields.get("email", ""),
        unit=unit,
        roster_unit=roster_unit,
        fanpage_name=fields.get("fanpage_name", ""),
        expected_fanpage_name=f"Công đoàn _ {unit}" if unit else "",
        fanpage_url=fields.get("fanpage_url", ""),
        note=fields.get("note", ""),
        staff=staff,
        issues=issues,
        unit_key=key,
    )
    _check_fanpage(response, ctx, issues)
    if not any(s.name for s in staff):
        issues.append(issue("missing_staff", "staff"))
    return response


def _getter(row: Sequence[Cell]) -> Callable[[int], str]:
    def get(col: int) -> str:
        return clean(cell_text(cell_at(row, col)))

    return get


def _unit(
    typed: str, key: str, roster: Roster | None, issues: list[Issue]
) -> tuple[str, str | None]:
    """Give the roster's spelling of the unit, or the typed one with a warning."""
    if not typed:
        issues.append(issue("missing_unit", "unit"))
        return "", None
    if roster is None:
        return typed, None
    found = roster.match(key)
    if found:
        return found.name, found.name
    near = roster.closest(key)
    hint = f"; gần nhất: {near}" if near else ""
    issues.append(issue("unit_not_in_roster", "unit", closest=hint))
    return typed, None


def _check_fanpage(response: Response, ctx: Context, issues: list[Issue]) -> None:
    name, url = response.fanpage_name, response.fanpage_url
    if not name:
        issues.append(issue("missing_fanpage_name", "fanpage_name"))
    elif response.unit and not _follows_convention(name, response.unit_key, ctx):
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


def _follows_convention(name: str, unit_key: str, ctx: Context) -> bool:
    match = _CONVENTION.match(fold(name))
    return match is not None and ctx.unit_key(match.group(1)) == unit_key


def _staff(
    row: Sequence[Cell], layout: Layout, unit: str, ctx: Context, issues: list[Issue]
) -> list[Staff]:
    """Read every staff slot that has a name; check each one's phone."""
    people = []
    for k, slot in layout.staff.items():
        cells = {name: cell_at(row, col) for name, col in slot.items()}
        name = name_case(clean(cell_text(cells.get("name"))))
        if not name:
            continue
        own_unit = clean(cell_text(cells.get("unit")))
        if not own_unit or (unit and ctx.unit_key(own_unit) == ctx.unit_key(unit)):
            own_unit = unit
        position = normalize_position(
            clean(cell_text(cells.get("position"))), ctx.settings.positions
        )
        phone = _phone(cells.get("phone"), k, name, issues)
        people.append(Staff(name=name, position=position, unit=own_unit, phone=phone))
    return people


def _phone(value: Cell, k: int, name: str, issues: list[Issue]) -> str:
    field = f"staff[{k}].phone"
    typed = clean(cell_text(value))
    if not typed:
        issues.append(issue("phone_missing", field, k=k, name=name))
        return ""
    phone = normalize_phone(value)
    if phone.digits is None:
        issues.append(issue("phone_invalid", field, k=k, name=name, value=typed))
        return typed
    if phone.old_prefix:
        issues.append(issue("phone_old_prefix", field, k=k, name=name, value=phone.digits))
    return phone.digits


def decide(responses: Sequence[Response], deadline: date) -> list[RowResult]:
    """Mark late rows and superseded resubmissions, then give every row its status."""
    cutoff = datetime(deadline.year, deadline.month, deadline.day)
    latest: dict[str, Response] = {}
    for response in responses:
        if response.submitted_at and response.submitted_at >= cutoff:
            value = response.submitted_at.strftime("%d/%m/%Y %H:%M")
            response.issues.append(
                issue(
                    "late_submission", "submitted_at", value=value, deadline=f"{deadline:%d/%m/%Y}"
                )
            )
        if response.unit_key:
            best = latest.get(response.unit_key)
            if best is None or _order(response) >= _order(best):
                latest[response.unit_key] = response
    results = []
    for response in responses:
        winner = latest.get(response.unit_key, response)
        if winner is not response:
            response.issues.append(issue("duplicate_superseded", "submitted_at", row=winner.row))
        results.append(RowResult(response, _status(response, winner is not response)))
    return results


def _order(response: Response) -> tuple[datetime, int]:
    return (response.submitted_at or datetime.min, response.row)


def _status(response: Response, superseded: bool) -> RowStatus:
    if superseded:
        return "superseded"
    severities = {i.severity for i in response.issues}
    return "error" if "error" in severities else "warning" if severities else "ok"
