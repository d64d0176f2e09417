"""Phone numbers as units type them into the form."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sheets_sync.model import Cell
from sheets_sync.phones import (
    MOBILE_PREFIXES,
    OLD_MOBILE_PREFIXES,
    Phone,
    format_phone,
    normalize_phone,
)


@pytest.mark.parametrize(
    ("value", "digits"),
    [
        # The letter's own number, in every shape a sheet hands it over.
        ("0984919862", "0984919862"),
        ("0984.919.862", "0984919862"),
        ("0984 919 862", "0984919862"),
        ("0984-919-862", "0984919862"),
        ("(0984) 919 862", "0984919862"),
        ("  0984\u00a0919\u00a0862  ", "0984919862"),
        ("0984\u200b919862", "0984919862"),
        (984919862, "0984919862"),
        (984919862.0, "0984919862"),
        ("984919862", "0984919862"),
        ("984919862.0", "0984919862"),
        ("9.84919862E8", "0984919862"),
        ("984,919,862", "0984919862"),
        ("\uff10\uff19\uff18\uff14\uff19\uff11\uff19\uff18\uff16\uff12", "0984919862"),
        # Country code, written every way.
        ("+84984919862", "0984919862"),
        ("+84 984 919 862", "0984919862"),
        ("(+84) 984 919 862", "0984919862"),
        ("(+84)984919862", "0984919862"),
        ("+84 (0) 984 919 862", "0984919862"),
        ("+840984919862", "0984919862"),
        ("84984919862", "0984919862"),
        (84983123456, "0983123456"),
        ("84983123456", "0983123456"),
        ("0084 983 123 456", "0983123456"),
        ("0084983123456", "0983123456"),
        # Notes before and after the number; two numbers give the first.
        ("0983 456 789 (Zalo)", "0983456789"),
        ("84 98 491 98 62", "0984919862"),  # the longest reading of the groups wins
        ("0984 919 862 0912 345 678", "0984919862"),
        ("ĐT: 0983456789", "0983456789"),
        ("ĐT:0983.456.789", "0983456789"),
        ("SĐT 1: 0983456789", "0983456789"),
        ("0983456789 - anh Nam", "0983456789"),
        ("0983456789 / 0912345678", "0983456789"),
        ("0983456789, 0912345678", "0983456789"),
        ("0983456789 - 0912345678", "0983456789"),
        ("0983456789 hoặc 0912345678", "0983456789"),
        ("1. 0983456789", "0983456789"),
        ("'0983456789", "0983456789"),
        # Every carrier, the newest prefixes included.
        ("0551234567", "0551234567"),
        ("0871234567", "0871234567"),
        ("0321234567", "0321234567"),
        ("0591234567", "0591234567"),
        ("0701234567", "0701234567"),
        ("0921234567", "0921234567"),
        ("0991234567", "0991234567"),
        # Landlines: Hà Nội, TP HCM, a three-digit area code.
        ("02438271234", "02438271234"),
        ("024.3827.1234", "02438271234"),
        ("(024) 3827 1234", "02438271234"),
        ("024 38271234", "02438271234"),
        ("+84 24 3827 1234", "02438271234"),
        (2438271234, "02438271234"),
        ("02838221234", "02838221234"),
        ("0203 3821 234", "02033821234"),
        ("02363821234", "02363821234"),
    ],
)
def test_valid_numbers_give_national_digits(value: Cell, digits: str) -> None:
    assert normalize_phone(value) == Phone(digits, False)


@pytest.mark.parametrize(
    ("value", "digits"),
    [
        ("01688123456", "0388123456"),
        ("0168 812 3456", "0388123456"),
        ("0168.812.3456", "0388123456"),
        (1688123456, "0388123456"),
        ("+84 168 812 3456", "0388123456"),
        ("841688123456", "0388123456"),
        ("01201234567", "0701234567"),
        ("01211234567", "0791234567"),
        ("01221234567", "0771234567"),
        ("01231234567", "0831234567"),
        ("01271234567", "0811234567"),
        ("01291234567", "0821234567"),
        ("01621234567", "0321234567"),
        ("01861234567", "0561234567"),
        ("01881234567", "0581234567"),
        ("01991234567", "0591234567"),
        ("0912345678 (cũ: 01688123456)", "0912345678"),
    ],
)
def test_old_prefixes_are_converted(value: Cell, digits: str) -> None:
    phone = normalize_phone(value)
    assert phone.digits == digits
    assert phone.old_prefix == (digits != "0912345678")


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "   ",
        "chưa có",
        "không",
        "0111234567",  # 011 was never a mobile prefix
        "0100000000",
        "0201234567",  # 02 is for landlines, which have 11 digits
        "098345678",  # one digit short
        "09834567890",  # one digit too many
        "098345678901",
        "0983 45 678 / 0912345678",  # the first number is wrong: do not pick the second
        "38271234",  # landline without area code
        "02178271234",  # 0217 is no area code
        "02308271234",  # nor is 0230
        "1900 1234",
        "19001234",
        "O983456789",  # letter O for zero
        "098345678a",
        "0983abc456",
        "ĐT0983456789",
        "+1 202 555 0143",
        "+44 20 7946 0958",
        "0046701234567",
        984919862.5,
        -984919862,
        True,
        date(2024, 1, 30),
        datetime(2024, 1, 30, 8, 15),
        "984919862.5e3",
    ],
)
def test_invalid_numbers_give_none(value: Cell) -> None:
    assert normalize_phone(value) == Phone(None, False)


def test_old_prefix_table_maps_to_current_prefixes() -> None:
    assert len(OLD_MOBILE_PREFIXES) == 21
    assert set(OLD_MOBILE_PREFIXES.values()) <= MOBILE_PREFIXES


@pytest.mark.parametrize(
    ("digits", "shown"),
    [
        ("0984919862", "0984.919.862"),
        ("02438271234", "024.3827.1234"),
        ("12345", "12345"),
        ("abc", "abc"),
    ],
)
def test_format_phone_groups_with_dots(digits: str, shown: str) -> None:
    assert format_phone(digits) == shown


@given(st.one_of(st.text(), st.integers(), st.floats(), st.none(), st.booleans()))
def test_any_cell_gives_valid_digits_or_none(value: Cell) -> None:
    phone = normalize_phone(value)
    if phone.digits is not None:
        assert normalize_phone(phone.digits) == Phone(phone.digits, False)
