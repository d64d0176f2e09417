"""Vietnamese text: clean cells, fold to keys, name case, unit keys, slugs."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import cast

from .model import Cell

# Windows refuses these as file names whatever the extension.
WINDOWS_RESERVED_NAMES: frozenset[str] = frozenset(
    ["con", "prn", "aux", "nul"]
    + [f"com{i}" for i in range(1, 10)]
    + [f"lpt{i}" for i in range(1, 10)]
)

# Latin-1 letters and signs that Vietnamese never uses: TCVN3 (ABC) and VNI text read as
# Unicode shows them in place of Vietnamese letters (`Xin chµo, ®©y lµ`, `Coâng ñoaøn`).
LEGACY_ENCODING_CHARS: frozenset[str] = frozenset(
    "¡¢£¤¥¦§¨©ª«¬®¯°±²³´µ¶·¸¹º»¼½¾¿ÄÅÆÇËÎÏÐÑÖ×ØÛÜÞßäåæçëîïðñö÷øûüþÿ"
)
# Marks that close a brand name (`Vinamilk®`) rather than stand for a letter.
_BRAND_MARKS = frozenset("®©")

SLUG_FALLBACK = "don-vi"


class _DropTable(dict[int, int | None]):
    """Translate table that learns each code point once: control and format characters go."""

    def __missing__(self, code: int) -> int | None:
        char = chr(code)
        # Line breaks and tabs are Cc but must split words, so they stay for str.split().
        drop = unicodedata.category(char) in ("Cc", "Cf") and not char.isspace()
        # Remember kept characters too, so each one costs a Python call only the first time.
        value = None if drop else code
        self[code] = value
        return value


class _MarkTable(dict[int, int | None]):
    """Translate table that drops combining marks and maps đ to d, learning lazily."""

    def __missing__(self, code: int) -> int | None:
        if code == ord("đ"):
            value: int | None = ord("d")
        elif unicodedata.combining(chr(code)):
            value = None
        else:
            value = code
        self[code] = value
        return value


_DROP = _DropTable()
_MARKS = _MarkTable()
_PUNCTUATION = re.compile(r"[\W_]+")
# Dotted acronyms: `T.H.C.S` is `THCS`.
_DOTTED = re.compile(r"(?<!\w)(?:[^\W\d_]\.)+[^\W\d_](?!\w)")
_AMPERSAND_GLUE = re.compile(r"\s*&\s*")
_NON_WORD = re.compile(r"[^\w&]+|_")
_LOOSE_AMPERSAND = re.compile(r"(?<!\w)&|&(?!\w)")
_SLUG_WORDS = re.compile(r"[a-z0-9]+")


def cell_text(value: Cell) -> str:
    """Turn any cell into text, as a person would read it; the result is not cleaned."""
    # Text and empty cells are most of a sheet: a national run reads millions of them.
    if type(value) is str:
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _float_text(value: float) -> str:
    # A phone number held as a number comes back as 984919862.0; the ".0" is noise.
    if value.is_integer():
        return str(int(value))
    text = repr(value)
    if "e" in text and value == value and abs(value) != float("inf"):
        return format(Decimal(text), "f")
    return text


def clean(value: str) -> str:
    """Normalize to NFC, drop invisible characters, collapse every kind of space."""
    if (
        value.isprintable()  # so the only space it can hold is " ": the others are unprintable
        and "  " not in value
        and (value.isascii() or unicodedata.is_normalized("NFC", value))
        and value == value.strip()  # no space at either end (strip gives `value` back if so)
    ):
        # Already clean, as most cells are: given back as it is, so a national sheet's
        # cells are not held twice, and without the cost of a cache entry.
        return value
    return _clean(value)


# Positions, unit names and column titles repeat across rows; phones, links and e-mails
# mostly do not. A small cache keeps most of the hits and measured faster than a large one.
@functools.lru_cache(maxsize=4096)
def _clean(value: str) -> str:
    if value.isprintable():
        # No control or format character to drop (both are unprintable). Text already clean
        # is given back as it is: a national sheet's cells are not held twice.
        text = value if value.isascii() else unicodedata.normalize("NFC", value)
        spaced = " ".join(text.split())
        return value if spaced == value else spaced
    text = unicodedata.normalize("NFC", value.translate(_DROP))
    # str.split() with no argument splits on every Unicode space (NBSP, U+3000, line breaks).
    return " ".join(text.split())


def fold(value: str) -> str:
    """Give the accent-, case- and tone-placement-insensitive key of a text (`Thuỷ` -> `thuy`)."""
    text = clean(value).casefold()
    if text.isascii():
        return " ".join(text.split())
    # Taking the marks off costs a dictionary look-up per letter, and the words of names
    # repeat (a national roster is written with a few hundred): each word is done once.
    return " ".join(filter(None, map(_unmarked, text.split())))


@functools.lru_cache(maxsize=65536)
def _unmarked(word: str) -> str:
    """One casefolded word without its marks; what `fold` gives for it, word by word.

    Decomposing and dropping marks never makes or takes a space, and a mark is never moved
    past a space, so the words can be done one at a time.
    """
    return unicodedata.normalize("NFD", word).translate(_MARKS)


# The words of unit names repeat; folding each one once is most of the key's cost.
_fold_word = functools.lru_cache(maxsize=65536)(fold)


class _PlainForms(dict[str, str | None]):
    """Each casefolded word's form in the accent-keeping key, worked out once; None unless
    that form is only letters and digits (what `_tokens` then gives back as it is)."""

    def __missing__(self, word: str) -> str | None:
        toned = _tone_word(word)
        form = self[word] = toned if toned.isalnum() else None
        return form


class _Folds(dict[str, str]):
    """Each word's `fold`, worked out once."""

    def __missing__(self, word: str) -> str:
        folded = self[word] = _fold_word(word)
        return folded


def header_key(value: str) -> str:
    """Fold a column title and turn its punctuation into spaces (`(SĐT 1):` -> `sdt 1`)."""
    # Punctuation inside a title counts too: `Fanpage(facebook)` = `Fanpage (facebook)`.
    return " ".join(_PUNCTUATION.sub(" ", fold(value)).split())


# Names made only of spaces and letters that each have one plain upper and lower case (the
# Vietnamese alphabet and Latin-1's, without ß): str.title() cases them as name_case does.
_PLAIN_NAME = re.compile("[ A-Za-zÀ-ÖØ-Þà-öø-ÿĂăĐđĨĩŨũƠơƯư\u1ea0-\u1ef9]+")


# Names come back with every resubmission of a unit; a miss costs little next to the work.
# Names already cased are given back at once, so a small cache is enough.
@functools.lru_cache(maxsize=4096)
def name_case(value: str) -> str:
    """Capitalize every syllable of a person's name and lower the rest."""
    text = clean(value)
    if _PLAIN_NAME.fullmatch(text) and text.title() == text:
        return text  # already cased as a name, as most are
    out: list[str] = []
    in_word = False
    for char in text:
        if char.isalpha():
            out.append(char.lower() if in_word else char.upper())
            in_word = True
        elif unicodedata.combining(char):
            out.append(char)
        else:
            # A hyphen or apostrophe starts a new syllable: `Thu-Hà`, `H'Hen`.
            out.append(char)
            in_word = False
    cased = unicodedata.normalize("NFC", "".join(out))
    # A name typed as it should be keeps its string: the sheet's cell is not held twice.
    return value if cased == value else cased


def tone_fold(value: str) -> str:
    """Give the case-, spacing- and tone-placement-insensitive key that keeps accents.

    `Thuỷ` and `Thủy` give the same key (the tone mark goes on the syllable's last vowel),
    `Đông` and `Đồng` do not.
    """
    text = clean(value).casefold()
    if text.isascii():
        return " ".join(text.split())
    return " ".join(filter(None, map(_tone_word, text.split())))


# Names are made of a few thousand syllables that repeat: each word is worked out once.
@functools.lru_cache(maxsize=65536)
def _tone_word(word: str) -> str:
    if word.isascii():
        return word
    text = _SYLLABLE.sub(_tone_on_last_vowel, unicodedata.normalize("NFD", word))
    text = unicodedata.normalize("NFC", text)
    # A mark left over (a second tone, a mark on a consonant) is noise, not a letter.
    return "".join(c for c in text if not unicodedata.combining(c))


_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")
_SYLLABLE = re.compile(r"(?:[^\W\d_]|[\u0300-\u036f])+")


def _tone_on_last_vowel(match: re.Match[str]) -> str:
    syllable = match.group(0)
    tones = "".join(c for c in syllable if c in _TONE_MARKS)
    if not tones:
        return syllable
    bare = "".join(c for c in syllable if c not in _TONE_MARKS)
    vowels = [i for i, c in enumerate(bare) if c in "aeiouy"]
    end = vowels[-1] + 1 if vowels else len(bare)
    # The vowel's own marks (â, ơ, ư, ă) stay next to it, before the tone.
    while end < len(bare) and unicodedata.combining(bare[end]):
        end += 1
    return bare[:end] + tones + bare[end:]


def _tokens(value: str, accents: bool = False) -> str:
    """Fold a unit name into space-separated words; `&` stays glued inside `GD&ĐT`."""
    text = tone_fold(value) if accents else fold(value)
    if text.replace(" ", "").isalnum():
        return text  # letters and digits between single spaces, as most names are
    if "." in text:
        text = _DOTTED.sub(lambda m: m.group(0).replace(".", ""), text)
    if "&" in text:
        text = _AMPERSAND_GLUE.sub("&", text)
        text = _LOOSE_AMPERSAND.sub(" ", _NON_WORD.sub(" ", text))
    else:
        text = _NON_WORD.sub(" ", text)
    return " ".join(text.split())


def make_unit_keyer(
    abbreviations: Mapping[str, str], prefixes: Sequence[str], *, accents: bool = False
) -> UnitKeyer:
    """Build the roster-matching key function for one table of abbreviations and prefixes.

    With `accents`, the key keeps the letters' accents (`Đông Hòa` and `Đồng Hòa` differ),
    while abbreviations and leading prefixes are still recognized whatever their accents;
    `fold` of that key is then the accent-blind key built without `accents`.
    """
    words_for = {
        tuple(_tokens(short).split()): _tokens(long, accents).split()
        for short, long in abbreviations.items()
    }
    words_for.pop((), None)
    # Abbreviation lengths by first word: most words start none, and are passed over at once.
    lengths_after: dict[str, list[int]] = {}
    for short in words_for:
        lengths_after.setdefault(short[0], []).append(len(short))
    lengths_after = {word: sorted(set(ns), reverse=True) for word, ns in lengths_after.items()}
    joiner = " và " if accents else " va "

    # A keyer lives as long as its run: the words of the run's names, each read once.
    plain_forms, folds_of = _PlainForms(), _Folds()
    fold_words = (lambda words: list(map(folds_of.__getitem__, words))) if accents else list

    def expand(words: list[str], folded: list[str], amp: bool) -> tuple[list[str], list[str]]:
        """Spell out abbreviations and `&` (when `amp`); give the words and each one's fold."""
        # Most names hold no abbreviation: no word of theirs starts one.
        if not lengths_after.keys().isdisjoint(folded):
            words = _expanded(words, folded)
            folded = fold_words(words)
            amp = "&" in " ".join(words)
        # A leftover `&` joins two names: `A & B` is the same unit as `A và B`.
        if amp:
            words = " ".join(words).replace("&", joiner).split()
            folded = fold_words(words)
        return words, folded

    def _expanded(words: list[str], folded: list[str]) -> list[str]:
        out: list[str] = []
        i = 0
        while i < len(words):
            for n in lengths_after.get(folded[i], ()):
                long = words_for.get(tuple(folded[i : i + n]))
                if long is not None:
                    out += long
                    i += n
                    break
            else:
                out.append(words[i])
                i += 1
        return out

    def tokens(value: str) -> tuple[list[str], list[str]]:
        """The words of a name, abbreviations spelled out, and each one's fold."""
        if accents:
            # Most names are words of letters and digits, each read once from a cache.
            forms = list(map(plain_forms.__getitem__, clean(value).casefold().split()))
            if forms and None not in forms:
                keyed = cast(list[str], forms)
                return expand(keyed, fold_words(keyed), False)
        text = _tokens(value, accents)
        words = text.split()
        return expand(words, fold_words(words), "&" in text)

    leading = sorted({tuple(tokens(p)[1]) for p in prefixes} - {()}, key=len, reverse=True)

    # The prefixes by first word, longest first as above.
    leading_after: dict[str, list[tuple[str, ...]]] = {}
    for prefix in leading:
        leading_after.setdefault(prefix[0], []).append(prefix)

    def leading_length(folded: list[str]) -> int:
        """The length of the longest prefix that starts `folded` with more words after it, or 0."""
        found = leading_after.get(folded[0]) if folded else None
        if not found:
            return 0  # the usual case: the first word starts no prefix
        for prefix in found:
            if len(folded) > len(prefix) and tuple(folded[: len(prefix)]) == prefix:
                return len(prefix)
        return 0

    def words(value: str) -> tuple[list[str], list[str]]:
        """The key's words, and each one's fold: the words of the accent-blind key."""
        words, folded = tokens(value)
        while strip := leading_length(folded):
            words, folded = words[strip:], folded[strip:]
        return words, folded

    return UnitKeyer(words)


class UnitKeyer:
    """The key on which a typed unit name matches the roster (`make_unit_keyer`).

    Called on a name, gives its key. Roster and responses repeat the same names; a unit name
    is keyed once per run (each run builds its own keyer, so the cache lives as long as the
    run's rows do). A bounded cache would evict the roster's names before the responses that
    name them come.
    """

    def __init__(self, words: Callable[[str], tuple[list[str], list[str]]]) -> None:
        self._words = words
        self._keys: dict[str, str] = {}

    def __call__(self, value: str) -> str:
        key = self._keys.get(value)
        if key is None:
            key = self._keys[value] = "".join(self._words(value)[0])
        return key

    def key_and_fold(self, value: str) -> tuple[str, str]:
        """The key and its `fold`, the accent-blind key, from one reading of the name.

        A key is its words joined, and its fold is their folds joined: the words are folded
        once, as they are read (a whole national roster is folded this way).
        """
        words, folded = self._words(value)
        key = self._keys.setdefault(value, "".join(words))
        return key, "".join(folded)


@functools.lru_cache(maxsize=16)
def _cached_keyer(
    abbreviations: tuple[tuple[str, str], ...], prefixes: tuple[str, ...]
) -> UnitKeyer:
    return make_unit_keyer(dict(abbreviations), prefixes)


def unit_key(value: str, abbreviations: Mapping[str, str], prefixes: Sequence[str]) -> str:
    """Give the key on which a typed unit name matches the roster (`THCS` = `Trung học cơ sở`)."""
    keyer = _cached_keyer(tuple(abbreviations.items()), tuple(prefixes))
    return keyer(value)


def slug(value: str, max_length: int = 80) -> str:
    """Make a safe file stem: lowercase ASCII words joined by `-` (`truong-thcs-ngoc-lam`)."""
    # `_SLUG_WORDS.findall(fold(value))`, a word at a time: a national run names a hundred
    # thousand lists, written with a few thousand words.
    words = [piece for word in clean(value).split() for piece in _slug_pieces(word)]
    text = "-".join(words)
    if len(text) <= max_length:  # most names: every word fits
        return _safe_stem(text)
    kept: list[str] = []
    length = -1
    for word in words:
        if length + 1 + len(word) > max_length:
            if not kept:
                kept.append(word[:max_length])
            break
        kept.append(word)
        length += 1 + len(word)
    return _safe_stem("-".join(kept))


@functools.lru_cache(maxsize=65536)
def _slug_pieces(word: str) -> tuple[str, ...]:
    """The ASCII pieces of one word's fold; no piece spans a space, so words go one by one."""
    return tuple(_SLUG_WORDS.findall(_fold_word(word)))


def _safe_stem(text: str) -> str:
    text = text or SLUG_FALLBACK
    if text in WINDOWS_RESERVED_NAMES:
        text = f"{SLUG_FALLBACK}-{text}"
    return text


def is_legacy_encoding(value: str) -> bool:
    """Tell whether text looks like TCVN3 or VNI pasted as Unicode (`Xin chµo`)."""
    hits = 0
    for i, char in enumerate(value):
        if char not in LEGACY_ENCODING_CHARS:
            continue
        before = value[i - 1] if i else ""
        after = value[i + 1] if i + 1 < len(value) else ""
        if char in _BRAND_MARKS and not after.isalpha():
            continue
        if before.isalpha() or after.isalpha():
            hits += 1
    if hits >= 2:
        return True
    # One odd letter is enough when nothing in the text is written in real Vietnamese.
    return hits == 1 and not any(_is_vietnamese_letter(c) for c in value)


def _is_vietnamese_letter(char: str) -> bool:
    # â, ê, ô are left out: VNI text is full of them (`Coâng`).
    return char in "ăđĩũơưĂĐĨŨƠƯ" or "\u1ea0" <= char <= "\u1ef9"
