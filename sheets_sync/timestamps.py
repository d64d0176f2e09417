"""Submission times: real dates, sheet serial numbers, and text in the exports' usual styles.

A serial number may come as text too (`45321.5` in a CSV of a sheet's raw values).

Text comes from a CSV or a sheet whose column is plain text: `30/01/2024 8:15:00` (a sheet in
the Vietnamese locale), `1/30/2024 8:15:00` (en-US), `2024/01/30 8:15:00 SA GMT+7` (the Forms
"download responses" file), ISO `2024-01-30T08:15:00`. Whether `04/02/2024` is 4 February or
April 2 is decided for the whole column (`column_order`), never row by row.

The time kept is the wall-clock time as written: the deadline is in the spreadsheet's local
time and a Forms export writes every row in that time zone, so a `GMT+7` suffix only names the
zone the clock already shows. Converting it would move every Vietnamese submission by 7 hours.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

from .model import Cell
from .text import cell_text, clean

DateOrder = Literal["day-first", "month-first"]
DATE_ORDERS: tuple[DateOrder, ...] = ("day-first", "month-first")
ORDER_NAMES: dict[DateOrder, str] = {"day-first": "ngày trước", "month-first": "tháng trước"}

_SHEET_EPOCH = datetime(1899, 12, 30)
_HALF_SECOND = timedelta(microseconds=500_000)
# Afternoon markers: English, and Vietnamese `CH` (chiều); morning is `AM` or `SA` (sáng).
_AFTERNOON = frozenset({"pm", "p.m.", "ch"})
_TEXT = re.compile(
    r"""^(?P<a>\d{1,4})(?P<sep>[/.-])(?P<b>\d{1,2})(?P=sep)(?P<c>\d{1,4})
    (?:(?:\s+|T)(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,]\d+)?)?)?
    (?:\s*(?P<half>[ap]\.m\.|[ap]m|sa|ch))?
    (?:\s*(?:(?:gmt|utc)(?:[+-]\d{1,2}(?::?\d{2})?)?|z|[+-]\d{2}:?\d{2}))?$""",
    re.IGNORECASE | re.VERBOSE,
)

# A serial number typed as text (a CSV of a sheet's raw values): `45321.5`, `45321,5`.
_SERIAL_TEXT = re.compile(r"^\d{1,6}(?:[.,]\d+)?$")


@dataclass(frozen=True)
class ColumnOrder:
    """How a column's ambiguous dates are read, and the note to show when it was a guess."""

    order: DateOrder
    note: str | None = None


def parse_timestamp(value: Cell, order: DateOrder = "day-first") -> datetime | None:
    """Read one timestamp cell; None when it is empty or cannot be read.

    `order` reads an ambiguous text date (`04/02/2024`); a date whose own fields prove the
    order (`30/01/2024`, `1/30/2024`) is read that way whatever `order` says.
    """
    if isinstance(value, datetime):
        if value.tzinfo is None and value.microsecond == 0:
            return value  # the usual cell, already to the second: kept, not copied
        # To the nearest second: a serial read back as a date can land a hair below it.
        value = value.replace(tzinfo=None)
        if value.microsecond >= _HALF_SECOND.microseconds and value < datetime.max - _HALF_SECOND:
            value += _HALF_SECOND
        return value.replace(microsecond=0)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return _serial(value)
    text = clean(cell_text(value))
    if _SERIAL_TEXT.match(text):
        return _serial(float(text.replace(",", ".")))
    match = _TEXT.match(text)
    if match is None:
        return None
    try:
        return datetime.combine(_day(match, order), _clock(match))
    except ValueError:
        return None


def _serial(value: float) -> datetime | None:
    """Serial days since 1899-12-30; outside 1900..2200 it is no timestamp."""
    if not 1 <= value < 110_000:
        return None
    # Rounded to the second: a serial stored with ten digits is off by a fraction of one.
    return _SHEET_EPOCH + timedelta(seconds=round(float(value) * 86_400))


def proven_order(value: Cell) -> DateOrder | None:
    """Say which order a text date proves by a field above 12, or None when it proves none."""
    if not isinstance(value, str):
        return None
    match = _TEXT.match(clean(value))
    if match is None or len(match["a"]) > 2:
        return None
    first, second = int(match["a"]), int(match["b"])
    if first > 12 and second <= 12:
        return "day-first"
    if second > 12 and first <= 12:
        return "month-first"
    return None


def column_order(values: Iterable[Cell], default: DateOrder) -> ColumnOrder:
    """Decide how a column's ambiguous text dates are read, from every date in it.

    One order proved and the other never: that order. Neither proved, or both (a column
    mixing styles): `default` (the `date_order` setting), with a note saying so, given only
    when some date in the column really is ambiguous.
    """
    proofs: set[DateOrder] = set()
    ambiguous = False
    for value in values:
        proof = proven_order(value)
        if proof is not None:
            proofs.add(proof)
        elif isinstance(value, str) and _is_ambiguous(value):
            ambiguous = True
    if len(proofs) == 1:
        return ColumnOrder(proofs.pop())
    if not ambiguous:
        return ColumnOrder(default)
    how = "có cả hai kiểu" if proofs else "không cho biết"
    return ColumnOrder(
        default,
        f"cột dấu thời gian {how} ngày hay tháng viết trước; các ngày như 04/02/2024 được đọc "
        f'theo {ORDER_NAMES[default]} (date_order = "{default}" trong tệp cấu hình).',
    )


def _is_ambiguous(text: str) -> bool:
    match = _TEXT.match(clean(text))
    if match is None or len(match["a"]) > 2:
        return False
    first, second = int(match["a"]), int(match["b"])
    return first != second and first <= 12 and second <= 12


def _day(match: re.Match[str], order: DateOrder) -> date:
    a, b, c = match["a"], match["b"], match["c"]
    if len(a) == 4:
        return date(int(a), int(b), int(c))
    if len(c) != 4:
        raise ValueError("the year must have four digits")
    order = proven_order(match.string) or order
    day, month = (a, b) if order == "day-first" else (b, a)
    return date(int(c), int(month), int(day))


def _clock(match: re.Match[str]) -> time:
    hour = int(match["hour"] or 0)
    half = (match["half"] or "").lower()
    if half:
        if not 0 <= hour <= 12:
            raise ValueError("a 12-hour clock reads 0..12")
        # 12 SA is midnight, 12 CH is noon.
        hour = hour % 12 + (12 if half in _AFTERNOON else 0)
    return time(hour, int(match["minute"] or 0), int(match["second"] or 0))
