"""Column widths of the two tables, sized from what they hold; pure.

A column gets at least the width of its longest word (a link's longest piece between the
places Word and LibreOffice break it: after `/` and `?`), so no word is cut in the middle
when there is room for it; the space left goes to the columns whose text would wrap, in proportion
to what they lack (a link wraps at its break points and asks for no more). An empty
`Ghi chú` column keeps only the width of its title.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from .wordml import CELL_MARGIN

# Width of an average character of the tables' 12 pt Times New Roman, in twips, with slack
# for capitals; the titles are bold.
CHAR_TWIPS = 115
BOLD_TWIPS = 140
LINK_TWIPS = 140  # `www` and `facebook` are wider than most words
# No column's longest word takes more than this share of the table: a 100-digit link id
# breaks anyway, and must not crush the other columns.
MOST_FOR_A_WORD = 0.4
SHORT_TITLE = 10
# Word and LibreOffice break a link after `/` and `?` (not after `.`, `=` or `&`).
_LINK_BREAK = re.compile(r"(?<=[/?])|\s+")


def fit_widths(
    total: int,
    headers: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    fixed: dict[int, int],
    links: frozenset[int] = frozenset(),
) -> tuple[int, ...]:
    """Return column widths in twips that add up to `total`; `fixed` columns keep theirs."""
    count = len(headers)
    word = [_longest_word(title, False) for title in headers]
    line = [len(title) for title in headers]
    for values in rows:
        for index, text in enumerate(values):
            if text and index not in fixed:
                word[index] = max(word[index], _longest_word(text, index in links))
                line[index] = max(line[index], len(text))
    free = [index for index in range(count) if index not in fixed]
    space = total - sum(fixed.values())
    cap = int(space * MOST_FOR_A_WORD)
    floor = {
        i: max(min(word[i] * (LINK_TWIPS if i in links else CHAR_TWIPS), cap), _title(headers[i]))
        for i in free
    }
    floor = {i: width + 2 * CELL_MARGIN for i, width in floor.items()}
    # A link may wrap at its break points: two lines are enough for it.
    want = {
        i: max((line[i] // 2 if i in links else line[i]) * CHAR_TWIPS + 2 * CELL_MARGIN, floor[i])
        for i in free
    }
    widths = _share(space, floor, want)
    result = [fixed.get(index, 0) or widths.get(index, 0) for index in range(count)]
    result[max(free, key=lambda i: result[i])] += total - sum(result)  # rounding
    return tuple(result)


def _share(space: int, floor: dict[int, int], want: dict[int, int]) -> dict[int, int]:
    """Give each column its floor, then the rest in proportion to what each still lacks."""
    if sum(floor.values()) >= space:
        scale = space / sum(floor.values())
        return {i: int(width * scale) for i, width in floor.items()}
    extra = space - sum(floor.values())
    lack = {i: want[i] - floor[i] for i in floor}
    if sum(lack.values()) >= extra:
        return {i: floor[i] + int(extra * lack[i] / sum(lack.values())) for i in floor}
    # Every text fits on one line: what is left is shared as the texts' widths are.
    left = extra - sum(lack.values())
    return {i: want[i] + int(left * want[i] / sum(want.values())) for i in floor}


def _title(title: str) -> int:
    """Return the width a title's longest word needs in bold; a short title (`Ghi chú`,
    `Họ tên`) stays on one line."""
    chars = len(title) if len(title) <= SHORT_TITLE else _longest_word(title, False)
    return chars * BOLD_TWIPS


def _longest_word(text: str, link: bool) -> int:
    pieces = _LINK_BREAK.split(text) if link else text.split()
    return max(map(len, pieces), default=0)
