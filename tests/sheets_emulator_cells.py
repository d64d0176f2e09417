"""Cell values of the Sheets API emulator: how input is stored and how stored cells render.

Stored cells are `None` (empty), `str`, `bool`, `int`, `float`, `DateCell` or `Formula`.
Writing `""` empties a cell, as the real API does: it is then trimmed from reads.
"""

from __future__ import annotations

import ast
import operator
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

EPOCH = datetime(1899, 12, 30)


@dataclass(frozen=True)
class DateCell:
    """A date or date-time: a serial number (days since 1899-12-30) and a display pattern."""

    serial: float
    pattern: str | None = None  # `str.format` fields: yyyy MM M dd d HH H mm ss; None: locale's


@dataclass(frozen=True)
class Formula:
    """A formula as typed (`=4/2`) and the value it computed."""

    text: str
    value: Stored


Stored = None | str | bool | int | float | DateCell | Formula
# A tuple, not `str | bool | int | float`: that union is built again at every call.
_PLAIN = (str, bool, int, float)


@dataclass(frozen=True)
class Locale:
    decimal: str
    date_time: str
    date: str
    day_first: bool


LOCALES: dict[str, Locale] = {
    # Google Forms timestamps display as `dd/MM/yyyy HH:mm:ss` in a Vietnamese spreadsheet.
    "vi_VN": Locale(",", "{dd}/{MM}/{yyyy} {HH}:{mm}:{ss}", "{dd}/{MM}/{yyyy}", day_first=True),
    "en_US": Locale(".", "{M}/{d}/{yyyy} {H}:{mm}:{ss}", "{M}/{d}/{yyyy}", day_first=False),
    "en_GB": Locale(".", "{dd}/{MM}/{yyyy} {HH}:{mm}:{ss}", "{dd}/{MM}/{yyyy}", day_first=True),
}
ISO_DATE = "{yyyy}-{MM}-{dd}"

_NUMBER = {
    ".": re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"),
    ",": re.compile(r"^[+-]?(\d+(,\d*)?|,\d+)$"),
}
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_SLASHED = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


def locale_of(name: str) -> Locale:
    """Return the locale's conventions; unknown locales behave as en_US."""
    return LOCALES.get(name, LOCALES["en_US"])


def to_serial(moment: datetime | date) -> int | float:
    """Return the serial number of a date or date-time."""
    if not isinstance(moment, datetime):
        moment = datetime(moment.year, moment.month, moment.day)
    serial = (moment.replace(tzinfo=None) - EPOCH) / timedelta(days=1)
    return int(serial) if serial == int(serial) else serial


def from_user(value: Any) -> Stored:
    """Store a cell given to `add_spreadsheet`: Python values, or ("date", serial[, pattern])."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return DateCell(to_serial(value))
    if isinstance(value, date):
        return DateCell(to_serial(value), "date")
    if isinstance(value, tuple) and value[0] == "date":
        return DateCell(value[1], value[2] if len(value) > 2 else None)
    if isinstance(value, _PLAIN):
        return value
    raise TypeError(f"unsupported cell {value!r}")


def to_user(cell: Stored) -> Any:
    """Return a stored cell as `SheetsEmulator.values` shows it."""
    if cell is None:
        return ""
    if isinstance(cell, DateCell):
        return ("date", cell.serial)
    if isinstance(cell, Formula):
        return cell.text
    return cell


def parse_input(value: Any, option: str, locale: Locale) -> Stored:
    """Store a value sent through the API with valueInputOption RAW or USER_ENTERED."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or option == "RAW":
        return value if isinstance(value, _PLAIN) else str(value)
    return _parse_typed(value, locale)


def _parse_typed(text: str, locale: Locale) -> Stored:
    if text.startswith("'"):
        return text[1:] or None
    if text.startswith("="):
        return Formula(text, _evaluate(text[1:]))
    if text.upper() in ("TRUE", "FALSE"):
        return text.upper() == "TRUE"
    if _NUMBER[locale.decimal].match(text):
        number = float(text.replace(",", "."))
        return int(number) if number == int(number) and "e" not in text.lower() else number
    return _parse_date(text, locale) or text


def _parse_date(text: str, locale: Locale) -> DateCell | None:
    try:
        if m := _ISO.match(text):
            return DateCell(to_serial(date(int(m[1]), int(m[2]), int(m[3]))), ISO_DATE)
        if m := _SLASHED.match(text):
            first, second = int(m[1]), int(m[2])
            day, month = (first, second) if locale.day_first else (second, first)
            hour, minute, second = (int(part or 0) for part in (m[4], m[5], m[6]))
            moment = datetime(int(m[3]), month, day, hour, minute, second)
            return DateCell(to_serial(moment), None if m[4] else "date")
    except ValueError:
        return None
    return None


_OPERATORS: dict[type, Any] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.USub: operator.neg,
}


def _evaluate(expression: str) -> Stored:
    """Compute arithmetic on number literals; anything else gives `#ERROR!`."""
    try:
        result = _walk(ast.parse(expression, mode="eval").body)
    except (SyntaxError, KeyError, ZeroDivisionError, TypeError):
        return "#ERROR!"
    return int(result) if result == int(result) else result


def _walk(node: ast.AST) -> float:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return float(node.value)
    if isinstance(node, ast.BinOp):
        return float(_OPERATORS[type(node.op)](_walk(node.left), _walk(node.right)))
    if isinstance(node, ast.UnaryOp):
        return float(_OPERATORS[type(node.op)](_walk(node.operand)))
    raise TypeError(node)


def render(cell: Stored, value_option: str, date_option: str, locale: Locale) -> Any:
    """Render a stored cell as values.get does for the given render options."""
    if isinstance(cell, Formula):
        return (
            cell.text
            if value_option == "FORMULA"
            else render(cell.value, value_option, date_option, locale)
        )
    if isinstance(cell, DateCell):
        if value_option != "FORMATTED_VALUE" and date_option == "SERIAL_NUMBER":
            return cell.serial
        return format_date(cell, locale)
    if value_option != "FORMATTED_VALUE":
        return cell
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, int | float):
        return format_number(cell, locale)
    return cell


def format_number(number: float, locale: Locale) -> str:
    """Format a number as the General format shows it."""
    text = str(int(number)) if number == int(number) else format(number, ".15g")
    return text.replace(".", locale.decimal)


def format_date(cell: DateCell, locale: Locale) -> str:
    """Format a date cell with its pattern, else the locale's date-time pattern."""
    moment = EPOCH + timedelta(days=cell.serial)
    moment = (moment + timedelta(microseconds=500_000)).replace(microsecond=0)
    pattern = cell.pattern or locale.date_time
    if pattern == "date":
        pattern = locale.date
    return pattern.format(
        yyyy=f"{moment.year:04d}",
        MM=f"{moment.month:02d}",
        M=str(moment.month),
        dd=f"{moment.day:02d}",
        d=str(moment.day),
        HH=f"{moment.hour:02d}",
        H=str(moment.hour),
        mm=f"{moment.minute:02d}",
        ss=f"{moment.second:02d}",
    )
