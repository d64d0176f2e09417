"""Staff positions as the lists print them: `ct cđcs` -> `Chủ tịch Công đoàn cơ sở`; pure."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from .text import fold

# How the lists print these words wherever they stand in a position, the way Vietnamese
# administrative writing capitalizes them; longer phrases first. The positions table's own
# expansions (`Trưởng ban Tuyên truyền`) are printed as the table writes them too.
CANONICAL = (
    "Phó Chủ tịch",
    "Chủ tịch",
    "Công đoàn cơ sở",
    "Công đoàn",
    "Ban Chấp hành",
    "Ban Thường vụ",
    "Ủy ban Kiểm tra",
    "Ủy viên",
    "thường trực",
)
# `P.CT`, `P. CT`: the `P.` of `Phó`.
_VICE = re.compile(r"(?<!\w)p\.\s*(?=\w)", re.IGNORECASE)

# Distinct typed positions remembered per table: a sheet repeats a few dozen titles typed a
# few ways, so the bound is rarely met; when it is, the memo starts again.
MEMO_SIZE = 4096


@dataclass
class _Folded:
    """A positions table made ready to apply, and what it gave for each text seen so far."""

    # The table itself: held so that its id, the key in _FOLDED, is never another table's.
    table: Mapping[str, str]
    expand: dict[str, str]
    phrases: list[tuple[list[str], list[str]]]
    memo: dict[str, str] = field(default_factory=dict)


# Tables already folded, by the identity of the settings' table (settings are frozen).
_FOLDED: dict[int, _Folded] = {}


def normalize_position(position: str, table: Mapping[str, str]) -> str:
    """Expand the abbreviations of `table` (whole words, any case or accents) and print the
    known phrases one way, capital first: `ct công đoàn`, `CT CĐ` -> `Chủ tịch Công đoàn`.
    """
    folded = _folded(table)
    shown = folded.memo.get(position)
    if shown is None:
        if len(folded.memo) >= MEMO_SIZE:
            folded.memo.clear()
        # Every row naming the same position shares one string.
        shown = folded.memo[position] = _normalize(position, folded.expand, folded.phrases)
    return shown


def _normalize(
    position: str, expand: Mapping[str, str], phrases: list[tuple[list[str], list[str]]]
) -> str:
    words = _VICE.sub("Phó ", position).split()
    words = " ".join(expand.get(fold(word), word) for word in words).split()
    if not words:
        return ""
    text = " ".join(_canonical(words, phrases))
    return text[0].upper() + text[1:]


def _canonical(words: list[str], phrases: list[tuple[list[str], list[str]]]) -> list[str]:
    """Replace each known phrase among `words`, however typed, by its canonical spelling."""
    keys = [fold(word) for word in words]
    out: list[str] = []
    at = 0
    while at < len(words):
        for key, spelled in phrases:
            if keys[at : at + len(key)] == key:
                out.extend(spelled)
                at += len(key)
                break
        else:
            out.append(words[at])
            at += 1
    return out


def is_chair(position: str) -> bool:
    """Tell whether a normalized position is the chair (Chủ tịch), not a vice-chair."""
    key = fold(position)
    return "chu tich" in key and "pho chu tich" not in key


def _folded(table: Mapping[str, str]) -> _Folded:
    entry = _FOLDED.get(id(table))
    if entry is None or entry.table is not table:
        expand = {fold(short): full for short, full in table.items()}
        spellings = {fold(text): text for text in (*table.values(), *CANONICAL)}
        phrases = sorted(
            ((key.split(), text.split()) for key, text in spellings.items() if key),
            key=lambda phrase: -len(phrase[0]),
        )
        entry = _FOLDED[id(table)] = _Folded(table, expand, phrases)
    return entry
