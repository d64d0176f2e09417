"""Staff positions as the lists print them: `ct cđcs` -> `Chủ tịch Công đoàn cơ sở`; pure."""

from __future__ import annotations

from collections.abc import Mapping

from .text import fold

# Tables already folded, by the identity of the settings' table (settings are frozen).
_FOLDED: dict[int, tuple[Mapping[str, str], dict[str, str]]] = {}


def normalize_position(position: str, table: Mapping[str, str]) -> str:
    """Expand the abbreviations of `table` (whole words, any case or accents), capital first.

    Other words stay as typed: `ct công đoàn` -> `Chủ tịch công đoàn`.
    """
    words = position.split()
    if not words:
        return ""
    expand = _folded(table)
    text = " ".join(expand.get(fold(word), word) for word in words)
    return text[0].upper() + text[1:]


def is_chair(position: str) -> bool:
    """Tell whether a normalized position is the chair (Chủ tịch), not a vice-chair."""
    key = fold(position)
    return "chu tich" in key and "pho chu tich" not in key


def _folded(table: Mapping[str, str]) -> dict[str, str]:
    entry = _FOLDED.get(id(table))
    if entry is None or entry[0] is not table:
        entry = (table, {fold(short): full for short, full in table.items()})
        _FOLDED[id(table)] = entry
    return entry[1]
