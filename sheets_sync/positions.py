"""Staff positions as the lists print them: `ct cđcs` -> `Chủ tịch Công đoàn cơ sở`; pure."""

from __future__ import annotations

import re
from collections.abc import Mapping

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

# Tables already folded, by the identity of the settings' table (settings are frozen).
_FOLDED: dict[int, tuple[Mapping[str, str], dict[str, str], list[tuple[list[str], list[str]]]]] = {}


def normalize_position(position: str, table: Mapping[str, str]) -> str:
    """Expand the abbreviations of `table` (whole words, any case or accents) and print the
    known phrases one way, capital first: `ct công đoàn`, `CT CĐ` -> `Chủ tịch Công đoàn`.
    """
    expand, phrases = _folded(table)
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


def _folded(
    table: Mapping[str, str],
) -> tuple[dict[str, str], list[tuple[list[str], list[str]]]]:
    entry = _FOLDED.get(id(table))
    if entry is None or entry[0] is not table:
        expand = {fold(short): full for short, full in table.items()}
        spellings = {fold(text): text for text in (*table.values(), *CANONICAL)}
        phrases = sorted(
            ((key.split(), text.split()) for key, text in spellings.items() if key),
            key=lambda phrase: -len(phrase[0]),
        )
        entry = (table, expand, phrases)
        _FOLDED[id(table)] = entry
    return entry[1], entry[2]
