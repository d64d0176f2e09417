"""Vietnamese phone numbers: read what people type, give national digits."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from .model import Cell
from .text import clean

# Current 10-digit mobile prefixes by carrier (reference/vn-domain.md).
MOBILE_CARRIERS: dict[str, tuple[str, ...]] = {
    "Viettel": ("032", "033", "034", "035", "036", "037", "038", "039", "086", "096", "097", "098"),
    "VinaPhone": ("081", "082", "083", "084", "085", "088", "091", "094"),
    "MobiFone": ("070", "076", "077", "078", "079", "089", "090", "093"),
    "Vietnamobile": ("052", "056", "058", "092"),
    "Gmobile": ("059", "099"),
    "Itelecom": ("087",),
    "Reddi / Wintel": ("055",),
}
MOBILE_PREFIXES: frozenset[str] = frozenset(p for ps in MOBILE_CARRIERS.values() for p in ps)

# 2018 conversion of 11-digit mobile numbers: old prefix -> new prefix, last 7 digits kept.
OLD_MOBILE_PREFIXES: dict[str, str] = {
    "0120": "070",
    "0121": "079",
    "0122": "077",
    "0126": "076",
    "0128": "078",
    "0123": "083",
    "0124": "084",
    "0125": "085",
    "0127": "081",
    "0129": "082",
    "0162": "032",
    "0163": "033",
    "0164": "034",
    "0165": "035",
    "0166": "036",
    "0167": "037",
    "0168": "038",
    "0169": "039",
    "0186": "056",
    "0188": "058",
    "0199": "059",
}

# Landline area codes since 2017 (Quyết định 2036/QĐ-BTTTT), without the leading 0.
# Hà Nội (24) and TP HCM (28) have two digits and 8-digit subscribers; the others have three
# digits and 7-digit subscribers, so every landline is 11 digits with the 0.
# fmt: off
LANDLINE_AREA_CODES: frozenset[str] = frozenset([
    "24", "28",
    "203", "204", "205", "206", "207", "208", "209", "210", "211", "212", "213", "214", "215",
    "216", "218", "219", "220", "221", "222", "225", "226", "227", "228", "229", "232", "233",
    "234", "235", "236", "237", "238", "239", "251", "252", "254", "255", "256", "257", "258",
    "259", "260", "261", "262", "263", "269", "270", "271", "272", "273", "274", "275", "276",
    "277", "290", "291", "292", "293", "294", "296", "297", "299",
])
# fmt: on

COUNTRY_CODE = "84"

# A run of digits with the separators people put inside one number; `/` and letters end it.
_NUMBER_RUN = re.compile(r"(?:\(\s*)?(?:\+\s*)?[0-9](?:[\s.,\-()]*[0-9])*")
_GROUP = re.compile(r"[0-9]+")
# Shorter runs are notes (`SĐT 1:`, `cơ sở 2`), not phone numbers.
_MIN_DIGITS = 7
# What separates the groups of a number typed the usual ways: dropped to read its digits.
_GROUP_MARKS = str.maketrans("", "", " .-")
# A number cell exported as text: `984919862.0`, `9.84919862E8`.
_NUMBER_TEXT = re.compile(r"[0-9]+\.0+|[0-9]+(?:\.[0-9]+)?[eE]\+?[0-9]+")


class Phone(NamedTuple):
    """A phone as national digits (None when it cannot be made valid).

    A named tuple: a national run reads a quarter of a million phones.
    """

    digits: str | None
    old_prefix: bool


INVALID = Phone(None, False)


def normalize_phone(value: Cell) -> Phone:
    """Read a phone cell (text or number) and give its national digits, converting old prefixes."""
    if value is None or isinstance(value, bool | date):
        return INVALID
    if isinstance(value, int):
        return _from_digits(str(value), international=False)
    if isinstance(value, float):
        return _from_digits(str(int(value)), False) if value.is_integer() else INVALID
    return _from_text(value)


def _from_text(value: str) -> Phone:
    # NFKC turns full-width digits and plus signs into ASCII ones.
    text = clean(value)
    if text.isascii() and text.isdigit():
        # Plain digits are one run: the number they make, or nothing (the usual cell).
        return _from_digits(text, False)
    text = unicodedata.normalize("NFKC", text)
    if _NUMBER_TEXT.fullmatch(text):
        integral = _integral(text)
        return _from_digits(integral, False) if integral else INVALID
    if text[:1].isdigit() and text[-1:].isdigit():
        # Groups of digits (`0984 919 862`, `024.3827.1234`): one run, whose digits taken
        # together are the longest reading when they make a valid number, as most do.
        digits = text.translate(_GROUP_MARKS)
        if len(digits) >= _MIN_DIGITS and digits.isascii() and digits.isdigit():
            whole = _from_digits(digits, False)
            if whole.digits is not None:
                return whole
    for match in _NUMBER_RUN.finditer(text):
        run = match.group(0)
        if sum(map(str.isdigit, run)) < _MIN_DIGITS:
            continue
        if _glued_to_letter(text, match.start(), match.end()):
            return INVALID
        return _first_number(run)
    return INVALID


def _integral(text: str) -> str | None:
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return str(int(number)) if number == number.to_integral_value() else None


def _glued_to_letter(text: str, start: int, end: int) -> bool:
    # `O983456789` or `0983abc` are typos, not a number followed by a note.
    before = text[start - 1] if start else ""
    after = text[end] if end < len(text) else ""
    return before.isalpha() or after.isalpha()


def _first_number(run: str) -> Phone:
    """Take the first groups of digits that make a valid number, as many groups as can.

    The longest reading wins: `84 98 491 98 62` is 0984919862, not the 9-digit 849849198
    that its first four groups would make.
    """
    international = "+" in run
    groups = _GROUP.findall(run)
    # The usual cell is one number written in groups (`0984 919 862`): when all the groups
    # make a valid number, that is the longest reading, found without trying each prefix.
    whole = _from_digits("".join(groups), international)
    if whole.digits is not None:
        return whole
    skipped = 0
    for start, label in enumerate(groups):
        # Leading short groups may be a label (`1. 0983...`); a skipped full number may not.
        if skipped >= _MIN_DIGITS:
            break
        digits, best = "", INVALID
        for group in groups[start:]:
            digits += group
            phone = _from_digits(digits, international)
            if phone.digits is not None:
                best = phone
        if best.digits is not None:
            return best
        skipped += len(label)
    return INVALID


def _from_digits(digits: str, international: bool) -> Phone:
    national = _national(digits, international)
    return INVALID if national is None else _validate(national)


def _national(digits: str, international: bool) -> str | None:
    if digits.startswith("00"):
        digits, international = digits[2:], True
    if international:
        if not digits.startswith(COUNTRY_CODE):
            return None
        # People write `+84 (0) 983...` or `+84 0983...`: the trunk 0 is dropped.
        return "0" + digits[len(COUNTRY_CODE) :].removeprefix("0")
    if digits.startswith("0"):
        return digits
    if digits.startswith(COUNTRY_CODE) and len(digits) in (11, 12):
        return "0" + digits[len(COUNTRY_CODE) :]
    # A cell that held a number lost its leading zero: 984919862, 2438271234.
    return "0" + digits if len(digits) in (9, 10) else None


def _validate(national: str) -> Phone:
    if len(national) == 10 and national[:3] in MOBILE_PREFIXES:
        return Phone(national, False)
    if len(national) == 11:
        new_prefix = OLD_MOBILE_PREFIXES.get(national[:4])
        if new_prefix is not None:
            return Phone(new_prefix + national[4:], True)
        if national[1:3] in LANDLINE_AREA_CODES or national[1:4] in LANDLINE_AREA_CODES:
            return Phone(national, False)
    return INVALID


def format_phone(digits: str) -> str:
    """Group national digits with dots as the letter does: 0984.919.862, 024.3827.1234."""
    if not digits.isdigit():
        return digits
    if len(digits) == 10:
        return f"{digits[:4]}.{digits[4:7]}.{digits[7:]}"
    if len(digits) == 11:
        return f"{digits[:3]}.{digits[3:7]}.{digits[7:]}"
    return digits
