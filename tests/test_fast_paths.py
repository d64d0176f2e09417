"""Each faster path gives exactly what the plain way of working it out gives.

The plain ways are written out here as the code first had them; Hypothesis compares the two
on many texts (a fixed seed, so every run tries the same ones).
"""

from __future__ import annotations

import difflib
import itertools
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from sheets_sync import phones
from sheets_sync.config import ABBREVIATIONS, UNIT_PREFIXES
from sheets_sync.model import Table
from sheets_sync.nearest import Nearest, _trigrams
from sheets_sync.phones import Phone, normalize_phone
from sheets_sync.roster import Roster
from sheets_sync.text import _MARKS, clean, fold, make_unit_keyer
from tests.test_properties import bounded

EXAMPLES = 3000

# Vietnamese letters precomposed and decomposed, marks alone, other scripts whose letters
# compose across a join (Hangul jamo), case oddities (ß, İ), spaces of every kind, controls.
ODD = (
    "aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂĐÊÔƠƯ0123456789 "
    "áàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ"
    "ÁÀẢÃẠĐỨỪỬỮỰ\u0300\u0301\u0303\u0309\u0323\u0302\u0306\u031b\u0345"
    "\u1100\u1161\u11a8가ßİﬁ\u00a0\u2003\u3000\t\n\u200b\u200d\u00ad&.-_'"
)
texts = st.one_of(st.text(alphabet=ODD, max_size=40), st.text(max_size=20))
words = st.text(alphabet=ODD.replace(" ", ""), min_size=1, max_size=6)
names = st.one_of(
    texts,
    st.lists(st.one_of(words, st.sampled_from(["THCS", "TH", "CĐCS", "Công", "đoàn"]))).map(
        " ".join
    ),
)
EXACT = make_unit_keyer(ABBREVIATIONS, UNIT_PREFIXES, accents=True)
LOOSE = make_unit_keyer(ABBREVIATIONS, UNIT_PREFIXES)


def plain_fold(value: str) -> str:
    """`fold` as one pass over the whole text, without the word cache."""
    text = clean(value).casefold()
    if not text.isascii():
        text = unicodedata.normalize("NFD", text).translate(_MARKS)
    return " ".join(text.split())


@bounded(EXAMPLES)
@given(texts)
def test_fold_word_by_word_is_fold_of_the_whole_text(value: str) -> None:
    assert fold(value) == plain_fold(value)


@bounded(EXAMPLES)
@given(names)
def test_key_and_fold_give_the_key_and_the_fold_of_the_key(value: str) -> None:
    for keyer in (EXACT, LOOSE):
        key, folded = keyer.key_and_fold(value)
        assert key == keyer(value)
        assert folded == plain_fold(key)


@bounded(EXAMPLES // 10)
@given(st.lists(names, max_size=12))
def test_roster_groups_units_as_folding_their_keys_does(units: list[str]) -> None:
    table = Table("Danh sách đơn vị", [["Tên đơn vị"], *([u] for u in units)])
    roster = Roster(table, EXACT, ["Tên đơn vị"])
    read = (roster.by_fold, roster.twins)
    roster.forget_matching()  # built again from the keys alone, as the plain way does
    assert (roster.by_fold, roster.twins) == read
    assert all(k == plain_fold(u.key) for k, u in roster.by_fold.items() if u is not None)


def plain_shortlist(nearest: Nearest, key: str, grams: list[set[str]]) -> list[str]:
    """The SHORTLIST candidates sharing the most of the key's telling trigrams; among equals,
    the one met first walking the key's trigrams in sorted order, then roster order.

    `grams` are the trigrams of each candidate, in roster order."""
    having = {g: [n for n, own in enumerate(grams) if g in own] for g in _trigrams(key)}
    postings = [having[g] for g in sorted(having) if 0 < len(having[g]) <= nearest.common]
    score: dict[int, int] = {}
    first: dict[int, int] = {}
    for number, posting in enumerate(postings):
        for candidate in posting:
            score[candidate] = score.get(candidate, 0) + 1
            first.setdefault(candidate, number)
    ranked = sorted(score, key=lambda c: (-score[c], first[c], c))
    return [nearest.names[c] for c in ranked[: nearest.SHORTLIST]]


# Few letters, so that names share many trigrams, scores tie and some trigrams are common;
# one past the Basic Multilingual Plane and the padding's space among them.
unit_keys = st.text(alphabet="abcdeđ \U0001f600", min_size=1, max_size=14)


@bounded(EXAMPLES // 20)
@given(st.lists(unit_keys, min_size=101, max_size=400, unique=True), st.lists(unit_keys))
def test_nearest_hints_as_difflib_on_the_plain_shortlist(keys: list[str], typed: list[str]) -> None:
    nearest = Nearest({k: k.upper() for k in keys})
    grams = [_trigrams(k) for k in nearest.names]
    for key in [*typed, *keys[:5], keys[-1] + "x"]:
        shortlist = plain_shortlist(nearest, key, grams)
        assert [nearest.names[i] for i in nearest._shortlist(key)] == shortlist
        found = difflib.get_close_matches(key, shortlist, n=1, cutoff=0.6)
        assert nearest(key) == (found[0].upper() if found else None)
        nearest.COUNTDOWN = 0  # the least shortlisted score picked among all scores
        assert [nearest.names[i] for i in nearest._shortlist(key)] == shortlist
        del nearest.COUNTDOWN


def test_nearest_compares_with_every_unit_when_trigrams_cannot_be_coded() -> None:
    # 101 names of 4,500 distinct characters each: their trigrams would not fit 64 bits.
    names = ["".join(chr(0x20000 + 4500 * n + i) for i in range(4500)) for n in range(101)]
    nearest = Nearest({name: f"Đơn vị {n}" for n, name in enumerate(names)})
    assert nearest._index is None
    assert nearest(names[7][:4000]) == "Đơn vị 7"


def plain_phone(value: str) -> Phone:
    """`normalize_phone` of a text as the code first had it: every number run read in turn."""
    text = clean(value)
    if text.isascii() and text.isdigit():
        return phones._from_digits(text, False)
    text = unicodedata.normalize("NFKC", text)
    if phones._NUMBER_TEXT.fullmatch(text):
        integral = phones._integral(text)
        return phones._from_digits(integral, False) if integral else phones.INVALID
    for match in phones._NUMBER_RUN.finditer(text):
        run = match.group(0)
        if sum(map(str.isdigit, run)) < phones._MIN_DIGITS:
            continue
        if phones._glued_to_letter(text, match.start(), match.end()):
            return phones.INVALID
        return phones._first_number(run)
    return phones.INVALID


def cut(start: str, digits: str, cuts: list[int], separator: str) -> str:
    """`start` then `digits` cut into groups at `cuts`, joined by `separator`."""
    bounds = sorted({0, len(digits), *(c for c in cuts if c < len(digits))})
    return start + separator.join(digits[a:b] for a, b in itertools.pairwise(bounds))


digit_groups = st.lists(st.text(alphabet="0123456789", min_size=1, max_size=5), max_size=5)
typed_phones = st.one_of(
    st.tuples(digit_groups, st.sampled_from([" ", ".", "-", " - ", "..", ", ", "/"])).map(
        lambda parts: parts[1].join(parts[0])
    ),
    st.text(alphabet="0123456789 .-+()e,a\u00a0０９", max_size=16),
    # Valid numbers (new and old prefixes, landlines, with 84) cut into groups anywhere.
    st.builds(
        cut,
        st.sampled_from(["098", "035", "0165", "024", "84 98", "+84 98", "(024)", "0"]),
        st.text(alphabet="0123456789", min_size=6, max_size=9),
        st.lists(st.integers(1, 8), max_size=3),
        st.sampled_from([" ", ".", "-"]),
    ),
)


@bounded(EXAMPLES)
@given(typed_phones)
def test_phones_in_digit_groups_read_as_every_run_in_turn(value: str) -> None:
    assert normalize_phone(value) == plain_phone(value)
