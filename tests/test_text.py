"""Vietnamese text as it comes out of forms and spreadsheets."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import unicodedata
from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sheets_sync.config import ABBREVIATIONS, UNIT_PREFIXES
from sheets_sync.model import Cell
from sheets_sync.nearest import Nearest, closest
from sheets_sync.text import (
    SLUG_FALLBACK,
    WINDOWS_RESERVED_NAMES,
    cell_text,
    clean,
    fold,
    header_key,
    is_legacy_encoding,
    make_unit_keyer,
    name_case,
    slug,
    unit_key,
)


def nfd(value: str) -> str:
    return unicodedata.normalize("NFD", value)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        ("", ""),
        ("  Trường THCS  ", "  Trường THCS  "),
        (0, "0"),
        (984919862, "984919862"),
        (984919862.0, "984919862"),
        (2.5, "2.5"),
        (1e-05, "0.00001"),
        (1.5e16, "15000000000000000"),
        (True, "True"),
        (False, "False"),
        (date(2024, 2, 5), "2024-02-05"),
        (datetime(2024, 1, 30, 8, 15), "2024-01-30T08:15:00"),
    ],
)
def test_cell_text(value: Cell, text: str) -> None:
    assert cell_text(value) == text


@pytest.mark.parametrize(
    ("value", "cleaned"),
    [
        ("Trường THCS Ngọc Lâm", "Trường THCS Ngọc Lâm"),
        ("  Trường   THCS\tNgọc Lâm \n", "Trường THCS Ngọc Lâm"),
        ("Trường\u00a0THCS\u00a0Ngọc\u00a0Lâm", "Trường THCS Ngọc Lâm"),
        ("Trường\u2003THCS\u202fNgọc\u3000Lâm", "Trường THCS Ngọc Lâm"),
        ("Trường\r\nTHCS", "Trường THCS"),
        ("Trường\u2028THCS", "Trường THCS"),
        ("\ufeffTrường THCS", "Trường THCS"),
        ("Ngọc\u200bLâm", "NgọcLâm"),
        ("Ngọc\u200c\u200d\u2060 Lâm", "Ngọc Lâm"),
        ("\u202aNgọc Lâm\u202c", "Ngọc Lâm"),
        ("\u200eNgọc Lâm\u200f", "Ngọc Lâm"),
        ("\u2066Ngọc Lâm\u2069", "Ngọc Lâm"),
        ("Ngọc\x00 Lâm\x07\x7f", "Ngọc Lâm"),
        ("Ngọc\u00adLâm", "NgọcLâm"),
        (nfd("Nguyễn Thị Thu Hà"), "Nguyễn Thị Thu Hà"),
        ("\u00a0", ""),
        ("", ""),
    ],
)
def test_clean(value: str, cleaned: str) -> None:
    assert clean(value) == cleaned
    assert unicodedata.is_normalized("NFC", clean(value))


@pytest.mark.parametrize(
    ("value", "key"),
    [
        ("Thuỷ", "thuy"),
        ("Thủy", "thuy"),
        ("THUY", "thuy"),
        (nfd("Thủy"), "thuy"),
        ("Hoà Bình", "hoa binh"),
        ("Hòa  Bình", "hoa binh"),
        ("Đặng Thị Ánh Nguyệt", "dang thi anh nguyet"),
        ("ĐƯỜNG", "duong"),
        ("Uỷ ban nhân dân", "uy ban nhan dan"),
        ("Ủy ban nhân dân", "uy ban nhan dan"),
        ("  Khoẻ\u00a0 ", "khoe"),
        ("Khỏe", "khoe"),
    ],
)
def test_fold(value: str, key: str) -> None:
    assert fold(value) == key


@pytest.mark.parametrize(
    ("value", "key"),
    [
        ("  Tên đơn vị: ", "ten don vi"),
        ("(Số điện thoại 1)", "so dien thoai 1"),
        ("Tên trang Fanpage (facebook)", "ten trang fanpage facebook"),
        ("Tên trang Fanpage(facebook)", "ten trang fanpage facebook"),
        ("Đường link Fanpage (facebook) *", "duong link fanpage facebook"),
        ("Địa chỉ e-mail", "dia chi e mail"),
        ("HỌ TÊN CÁN BỘ PHỤ TRÁCH 2", "ho ten can bo phu trach 2"),
        ("Dấu thời gian", "dau thoi gian"),
        ("SĐT 3.", "sdt 3"),
        ("“Ghi chú”", "ghi chu"),
        ("Chức vụ\u00a01", "chuc vu 1"),
        ("--", ""),
    ],
)
def test_header_key(value: str, key: str) -> None:
    assert header_key(value) == key


@pytest.mark.parametrize(
    ("value", "name"),
    [
        ("nguyễn   văn AN", "Nguyễn Văn An"),
        ("NGUYỄN THỊ THU HÀ", "Nguyễn Thị Thu Hà"),
        ("đặng thị ánh nguyệt", "Đặng Thị Ánh Nguyệt"),
        (nfd("nguyễn văn an"), "Nguyễn Văn An"),
        ("  đỗ\u00a0thị   phượng ", "Đỗ Thị Phượng"),
        ("lê thị thu-hà", "Lê Thị Thu-Hà"),
        ("h'hen niê", "H'Hen Niê"),
        ("ÔNG ích khiêm", "Ông Ích Khiêm"),
        ("", ""),
    ],
)
def test_name_case(value: str, name: str) -> None:
    assert name_case(value) == name


def key(value: str) -> str:
    return unit_key(value, ABBREVIATIONS, UNIT_PREFIXES)


@pytest.mark.parametrize(
    "names",
    [
        [
            "Trường THCS Ngọc Lâm",
            "trường trung học cơ sở ngọc lâm",
            "THCS Ngọc  Lâm",
            "Công đoàn Trường THCS Ngọc Lâm",
            "CĐCS THCS Ngoc Lam",
            "Công đoàn cơ sở trường THCS Ngọc Lâm",
            "Trường T.H.C.S Ngọc Lâm",
            nfd("Trường THCS Ngọc Lâm"),
            "Trường THCS Ngọc Lâm.",
        ],
        ["MN Hoa Sữa", "Trường Mầm non Hoa Sữa", "Trường MN Hoa Sữa", "mầm non hoa sữa"],
        ["UBND phường Bồ Đề", "Ủy ban nhân dân phường Bồ Đề", "Uỷ ban nhân dân phường Bồ Đề"],
        ["Phòng GD&ĐT quận Long Biên", "Phòng Giáo dục và Đào tạo quận Long Biên"],
        ["Phòng GD & ĐT quận Long Biên", "Phòng GDĐT quận Long Biên"],
        ["Công ty TNHH Hoa Sen", "Công ty Trách nhiệm hữu hạn Hoa Sen", "Cty TNHH Hoa Sen"],
        ["CTCP Xây dựng Long Biên", "Công ty cổ phần Xây dựng Long Biên"],
        ["Trường TH Gia Thụy", "Trường Tiểu học Gia Thuỵ", "TH Gia Thụy"],
        ["Hoà Bình & Minh Khai", "Hòa Bình và Minh Khai"],
    ],
)
def test_unit_key_matches_spellings_of_one_unit(names: list[str]) -> None:
    keys = {key(name) for name in names}
    assert len(keys) == 1, keys


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Trường THCS Ngọc Lâm", "Trường THPT Ngọc Lâm"),
        ("Trường THCS Ngọc Lâm", "Trường TH Ngọc Lâm"),
        ("CĐ Trường THCS Ngọc Lâm", "Trường THCS Ngọc Lâm"),  # CĐ is never expanded
        ("Trường Cao đẳng Long Biên", "Công đoàn Long Biên"),
        ("Trường Mầm non Hoa Sữa", "Trường Mầm non Hoa Sen"),
    ],
)
def test_unit_key_keeps_different_units_apart(left: str, right: str) -> None:
    assert key(left) != key(right)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Trường THCS Ngọc Lâm", "trunghoccosongoclam"),
        ("Công đoàn Trường", "truong"),
        ("Trường", "truong"),
        ("", ""),
    ],
)
def test_unit_key_shape(value: str, expected: str) -> None:
    assert key(value) == expected


def test_make_unit_keyer_uses_its_own_tables() -> None:
    keyer = make_unit_keyer({"BV": "Bệnh viện"}, ["Công đoàn"])
    assert keyer("Công đoàn BV Đức Giang") == keyer("Bệnh viện Đức Giang") == "benhvienducgiang"
    assert keyer("Trường THCS A") == "truongthcsa"


def test_closest() -> None:
    roster = {
        key(n): n for n in ["Trường THCS Ngọc Lâm", "Trường THCS Ngọc Thụy", "Trường MN Hoa Sữa"]
    }
    assert closest(key("THCS Ngoc Lamm"), roster) == "Trường THCS Ngọc Lâm"
    assert closest(key("Mầm non Hoa Sua"), roster) == "Trường MN Hoa Sữa"
    assert closest(key("Công ty Điện lực Long Biên"), roster) is None
    assert closest("x", {}) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Trường THCS Ngọc Lâm", "truong-thcs-ngoc-lam"),
        ("Đảng ủy phường Đức Giang", "dang-uy-phuong-duc-giang"),
        ("UBND phường Bồ Đề (cơ quan)", "ubnd-phuong-bo-de-co-quan"),
        ("Trường Mầm non Hoa Sữa / cơ sở 2", "truong-mam-non-hoa-sua-co-so-2"),
        ("../../etc/passwd", "etc-passwd"),
        ("..", "don-vi"),
        ("", "don-vi"),
        ("中文", "don-vi"),
        ("CON", "don-vi-con"),
        ("Nul", "don-vi-nul"),
        ("com1", "don-vi-com1"),
        ("LPT9", "don-vi-lpt9"),
        ("con ngựa", "con-ngua"),
        ("Trường " * 30, "-".join(["truong"] * 11)),
        ("a" * 100, "a" * 80),
    ],
)
def test_slug(value: str, expected: str) -> None:
    assert slug(value) == expected


def test_slug_length_is_bounded() -> None:
    assert slug("Trường Trung học cơ sở Ngọc Lâm", max_length=20) == "truong-trung-hoc-co"


@pytest.mark.parametrize(
    ("value", "legacy"),
    [
        ("Xin chµo, ®©y lµ", True),
        ("Tr­êng THCS Ngäc L©m", True),
        ("Xin chµo", True),
        ("Coâng ñoaøn tröôøng", True),
        ("Tröôøng THCS Ngoïc Laâm", True),
        ("Trường THCS Ngọc Lâm", False),
        ("Công đoàn _ Trường THCS Ngọc Lâm", False),
        ("Công ty Vinamilk® Việt Nam", False),
        ("© Công đoàn Long Biên", False),
        ("Café sữa đá", False),
        ("", False),
    ],
)
def test_is_legacy_encoding(value: str, legacy: bool) -> None:
    assert is_legacy_encoding(value) is legacy


@given(st.text())
def test_clean_is_idempotent_and_leaves_no_invisible_characters(value: str) -> None:
    cleaned = clean(value)
    assert clean(cleaned) == cleaned
    assert cleaned == cleaned.strip()
    assert "  " not in cleaned
    assert not any(unicodedata.category(c) in ("Cc", "Cf") for c in cleaned)


def _clean_by_definition(value: str) -> str:
    kept = "".join(c for c in value if c.isspace() or unicodedata.category(c) not in ("Cc", "Cf"))
    return " ".join(unicodedata.normalize("NFC", kept).split())


@given(st.text() | st.text(st.sampled_from(" ae\u0301\u00e9\u00a0\t\u200b\u1ea1\u0323")))
def test_clean_gives_the_same_text_however_it_gets_there(value: str) -> None:
    # Text already clean is given back at once; the rest is worked out: both agree.
    assert clean(value) == _clean_by_definition(value)
    assert clean(value) == clean(value)  # the second time from the cache


def _name_case_by_definition(value: str) -> str:
    out, in_word = [], False
    for char in clean(value):
        if char.isalpha():
            out.append(char.lower() if in_word else char.upper())
            in_word = True
        else:
            out.append(char)
            in_word = in_word and bool(unicodedata.combining(char))
    return unicodedata.normalize("NFC", "".join(out))


@given(st.text() | st.text(st.sampled_from(" aAđĐễỄưƯßÿŸǅǆʼ'-İı\u0301Hh")))
def test_names_already_cased_read_as_any_other(value: str) -> None:
    # A name already cased is given back at once; the others are cased letter by letter.
    assert name_case(value) == _name_case_by_definition(value)


@given(st.text() | st.text(st.sampled_from(" aAđĐễỄưƯßẞﬁÿŸǅİı\u0301\u00a0\u200b09-_.&")))
def test_slug_is_the_ascii_words_of_the_fold(value: str) -> None:
    # `slug` takes the words of a name one at a time, from a cache; by definition they are
    # the runs of ASCII letters and digits in the fold of the whole name.
    words = re.findall("[a-z0-9]+", fold(value))
    expected = "-".join(words) or SLUG_FALLBACK
    if expected in WINDOWS_RESERVED_NAMES:
        expected = f"{SLUG_FALLBACK}-{expected}"
    assert slug(value, max_length=10**6) == expected


@given(st.text())
def test_keys_never_fail(value: str) -> None:
    assert fold(fold(value)) == fold(value)
    assert " " not in key(value)
    assert slug(value)
    assert len(slug(value)) <= 80
    name_case(value)
    header_key(value)
    is_legacy_encoding(value)


def test_nearest_finds_the_closest_unit_among_many():
    keyer = make_unit_keyer(ABBREVIATIONS, UNIT_PREFIXES)
    names = [f"Trường Tiểu học số {i} {w}" for i in range(300) for w in ("Ái Mộ", "Gia Thụy")]
    names.append("Trường THCS Ngọc Lâm")
    nearest = Nearest({keyer(n): n for n in names})
    assert nearest(keyer("Trường THCS Ngọc Lâmm")) == "Trường THCS Ngọc Lâm"
    assert nearest(keyer("Tiểu học số 17 Ái Mộ B")) == "Trường Tiểu học số 17 Ái Mộ"
    assert nearest(keyer("Công ty Xyz")) is None


# Many names alike, so that candidates tie at the end of the shortlist.
NEAREST_LOOKUPS = """
from sheets_sync.config import ABBREVIATIONS, UNIT_PREFIXES
from sheets_sync.nearest import Nearest
from sheets_sync.text import make_unit_keyer
keyer = make_unit_keyer(ABBREVIATIONS, UNIT_PREFIXES)
places = ["Ái Mộ", "Gia Thụy", "Ngọc Lâm", "Bồ Đề", "Thạch Bàn", "Cự Khối", "Phúc Đồng",
          "Việt Hưng", "Long Biên", "Đức Giang"]
kinds = ["Tiểu học", "THCS", "Mầm non", "Mầm non Hoa", "Tiểu học Lê", "THCS Nguyễn"]
names = [f"Trường {k} {p} {i}" for k in kinds for p in places for i in range(8)]
nearest = Nearest({keyer(n): n for n in names})
typed = ["Trường Mầm non Thạch Long", "Tiểu học Gia Lâm", "THCS Ngọc Thụy", "Mầm non Bồ Khối"]
print([nearest(keyer(t)) for t in typed])
"""


def test_nearest_gives_the_same_hint_whatever_the_hash_seed():
    answers = {
        subprocess.run(
            [sys.executable, "-c", NEAREST_LOOKUPS],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in range(1, 6)
    }
    assert len(answers) == 1
    assert "Trường Mầm non Thạch Bàn" in answers.pop()


@pytest.mark.parametrize("seed", range(5))
def test_closest_is_difflibs_closest_match(seed: int) -> None:
    import difflib
    import random

    rng = random.Random(seed)
    word = lambda: "".join(rng.choice("abcd ") for _ in range(rng.randint(0, 9)))  # noqa: E731
    for _ in range(400):
        candidates = {word(): str(i) for i in range(rng.randint(0, 12))}
        key = word()
        found = difflib.get_close_matches(key, list(candidates), n=1, cutoff=0.6)
        assert closest(key, candidates) == (candidates[found[0]] if found else None)
