"""Column widths of the two tables, sized from what they hold; pure.

A column gets at least the width of its longest word (a link's longest piece between the
places Word and LibreOffice break it: after `/` and `?`), so no word is cut in the middle
when there is room for it; the space left goes to the columns whose text would wrap, in
proportion to what they lack (a link may take two lines). An empty `Ghi chú` column keeps
only the width of its title.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence

from .wordml import CELL_MARGIN

# Widths of 12 pt Times New Roman characters in twips, by kind, a little generous.
_NARROW = frozenset("iljI.,:;/|!'()[] ")
_SMALL = frozenset("fjrt-")
_WIDE = frozenset("mwMWĐD")
NARROW_TWIPS, SMALL_TWIPS, WIDE_TWIPS, UPPER_TWIPS, OTHER_TWIPS = 72, 86, 190, 165, 125
BOLD = 1.12  # the titles are bold
# No column's longest word takes more than this share of the table: a 100-digit link id
# breaks anyway, and must not crush the other columns.
MOST_FOR_A_WORD = 0.5
SHORT_TITLE = 10  # a title this short (`Ghi chú`, `Họ tên`) stays on one line
# Word and LibreOffice break a link after `/` and `?` (not after `.`, `=` or `&`).
_LINK_BREAK = re.compile(r"(?<=[/?])|\s+")
TEXTS_KEPT = 1 << 10  # texts of a column remembered as measured


def text_twips(text: str) -> int:
    """Return about how wide `text` prints in the tables' 12 pt Times New Roman."""
    # Every character of every cell is measured: a lookup keeps a national list's tables
    # from spending more on their widths than on their text.
    return sum(map(_WIDTHS.__getitem__, text))


class _Widths(dict[str, int]):
    """Each character's width, worked out by `_char_twips` the first time it is asked for."""

    def __missing__(self, char: str) -> int:
        width = self[char] = _char_twips(char)
        return width


_WIDTHS = _Widths()


class _WordWidths(dict[str, int]):
    """Each word's width, measured the first time it is asked for; all forgotten when
    `kept` are known, as links and notes bring words without end."""

    def __init__(self, kept: int) -> None:
        super().__init__()
        self.kept = kept

    def __missing__(self, word: str) -> int:
        if len(self) >= self.kept:
            self.clear()
        width = self[word] = text_twips(word)
        return width


# Names and units reuse a few thousand words; of a link only its first pieces recur.
_WORD_WIDTHS = _WordWidths(1 << 12)
_PIECE_WIDTHS = _WordWidths(1 << 8)


def _char_twips(char: str) -> int:
    if char in _NARROW:
        return NARROW_TWIPS
    if char in _SMALL:
        return SMALL_TWIPS
    if char in _WIDE:
        return WIDE_TWIPS
    return UPPER_TWIPS if char.isupper() else OTHER_TWIPS


def fit_widths(
    total: int,
    headers: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    fixed: dict[int, int],
    links: frozenset[int] = frozenset(),
) -> tuple[int, ...]:
    """Return column widths in twips that add up to `total`; `fixed` columns keep theirs."""
    columns = Columns(headers, fixed=fixed, links=links)
    for values in rows:
        columns.add(values)
    return columns.fit(total)


class Columns:
    """The widest word and the longest line met so far in each column of one table.

    Rows are added one at a time, so that a long list's two tables can be measured in
    one pass over its units.
    """

    def __init__(
        self, headers: Sequence[str], *, fixed: dict[int, int], links: frozenset[int] = frozenset()
    ) -> None:
        self.fixed = fixed
        self.word = [title_twips(title) for title in headers]
        self.line = [0] * len(headers)
        self._free = [i for i in range(len(headers)) if i not in fixed]
        self._measured = [(i, i in links) for i in self._free]
        self._links = links
        # Texts met lately in each column: positions and units repeat from row to row, and
        # a text met before changes nothing.
        self._met: list[set[str]] = [set() for _ in headers]

    def add(self, values: Sequence[str]) -> None:
        """Take one row's texts into account."""
        word, line, met = self.word, self.line, self._met
        for index, link in self._measured:
            text = values[index]
            if text and text not in met[index]:
                widest, width = measure(text, link)
                word[index] = max(word[index], widest)
                line[index] = max(line[index], width)
                if len(met[index]) >= TEXTS_KEPT:
                    met[index].clear()
                met[index].add(text)

    def fit(self, total: int) -> tuple[int, ...]:
        """Return the widths, adding up to `total`, that the rows added so far call for."""
        fixed, word, line, links, free = self.fixed, self.word, self.line, self._links, self._free
        space = total - sum(fixed.values())
        cap = int(space * MOST_FOR_A_WORD)
        floor = {i: min(word[i], cap) + 2 * CELL_MARGIN for i in free}
        # A link may wrap at its break points: two lines are enough for it.
        want = {
            i: max((line[i] // 2 if i in links else line[i]) + 2 * CELL_MARGIN, floor[i])
            for i in free
        }
        widths = _share(space, floor, want)
        result = [fixed.get(index, 0) or widths.get(index, 0) for index in range(len(word))]
        result[max(free, key=lambda i: result[i])] += total - sum(result)  # rounding
        return tuple(result)


def measure(text: str, link: bool) -> tuple[int, int]:
    """Return how wide `text`'s widest word (or link piece) and the whole `text` print."""
    if not text.isprintable():  # a tab, a line break, an unusual space: measured plainly
        return _widest_word(text, link), text_twips(text)
    if link:
        # Its only whitespace is plain spaces, which the split drops: its pieces' widths give
        # both. A link's first pieces (`https:/`, `www.facebook.com/`) recur.
        pieces = _LINK_BREAK.split(text)
        widths = list(map(_PIECE_WIDTHS.__getitem__, pieces))
    elif " " in text:
        # Likewise for its words, each word measured once per run rather than in every row.
        widths = list(map(_WORD_WIDTHS.__getitem__, text.split(" ")))
    else:
        width = text_twips(text)  # one word (a phone number): nothing to remember
        return width, width
    return max(widths), sum(widths) + text.count(" ") * _WIDTHS[" "]


@functools.lru_cache(maxsize=256)  # the same few titles, measured for every list
def title_twips(title: str) -> int:
    """Return the width a bold title needs: a short one on one line, else its longest word."""
    if len(title) <= SHORT_TITLE:
        return round(text_twips(title) * BOLD)
    return round(_widest_word(title, False) * BOLD)


def _share(space: int, floor: dict[int, int], want: dict[int, int]) -> dict[int, int]:
    """Give each column its floor, then the rest in proportion to what each still lacks."""
    floors = sum(floor.values())
    if floors >= space:
        scale = space / floors
        return {i: int(width * scale) for i, width in floor.items()}
    extra = space - floors
    lack = {i: want[i] - floor[i] for i in floor}
    lacking = sum(lack.values())
    if lacking >= extra:
        return {i: floor[i] + int(extra * lack[i] / lacking) for i in floor}
    # Every text fits on one line: what is left is shared as the texts' widths are.
    left = extra - lacking
    wanted = sum(want.values())
    return {i: want[i] + int(left * want[i] / wanted) for i in floor}


def _widest_word(text: str, link: bool) -> int:
    pieces = _LINK_BREAK.split(text) if link else text.split()
    return max(map(text_twips, pieces), default=0)
