"""Cell references, tag attributes and the XML of a text cell, for the worksheet writer."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

EXCEL_MAX_TEXT = 32767
# What XML 1.0 cannot hold at all: C0 controls but tab and line ends, lone surrogates, U+FFFE/F.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"}
_TO_ESCAPE = re.compile("[&<>\r]")
_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)")
_SPANS = re.compile(rb"(\sspans\s*=\s*[\"'])([\d: ]*)([\"'])")
STYLE = re.compile(rb"\ss\s*=\s*[\"'](\d+)[\"']")
_ATTR = re.compile(rb"([^\s=/>]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")


@lru_cache(maxsize=4096)
def col_number(letters: bytes | str) -> int:
    """Turn column letters (`AB`) into a 1-based column number."""
    number = 0
    for char in letters.upper() if isinstance(letters, str) else letters.decode().upper():
        number = number * 26 + ord(char) - 64
    return number


@lru_cache(maxsize=4096)
def col_letters(number: int) -> str:
    """Turn a 1-based column number into its letters."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def parse_range(ref: str) -> tuple[int, int, int, int]:
    """Read `A1` or `A1:T200` as (top, left, bottom, right); ValueError when it is neither."""
    ends = []
    for part in ref.strip().split(":"):
        found = _REF.fullmatch(part)
        if found is None:
            raise ValueError(ref)
        ends.append((int(found[2]), col_number(found[1])))
    if len(ends) not in (1, 2):
        raise ValueError(ref)
    (top, left), (bottom, right) = ends[0], ends[-1]
    return min(top, bottom), min(left, right), max(top, bottom), max(left, right)


def plain_text(value: str) -> str:
    """Drop what a workbook cannot hold and cut the text to Excel's cell limit."""
    return _NOT_XML.sub("", value)[:EXCEL_MAX_TEXT]


def is_plain(value: str) -> bool:
    """Tell whether `plain_text` would leave `value` as it is."""
    return len(value) <= EXCEL_MAX_TEXT and _NOT_XML.search(value) is None


def plain_cells(cells: Mapping[int, Mapping[int, str]]) -> Mapping[int, Mapping[int, str]]:
    """The writes with texts made plain; the same mapping, not a copy, when they already are."""
    if all(is_plain(text) for writes in cells.values() for text in writes.values()):
        return cells
    return {
        row: {col: plain_text(text) for col, text in writes.items()}
        for row, writes in cells.items()
    }


def _escape(text: str) -> bytes:
    return _TO_ESCAPE.sub(lambda m: _ESCAPES[m[0]], text).encode("utf-8")


class CellText:
    """The writes of one row, turned into `<c>` elements in column order as the row streams.

    `writes` maps columns to texts already made plain (`plain_text`); empty clears a cell.
    """

    def __init__(self, row: int, prefix: bytes, writes: Mapping[int, str]) -> None:
        self.row = row
        self.prefix = prefix
        self.pending = sorted(writes)
        self.writes = writes
        self.new_cols: list[int] = []
        self._index = 0
        self._last: tuple[int, bytes | None] = (0, None)  # column and style of the cell before

    @staticmethod
    def range_ref(top: int, left: int, bottom: int, right: int) -> str:
        """Write a range reference (`A1:T200`, or `A1` for one cell)."""
        first, last = f"{col_letters(left)}{top}", f"{col_letters(right)}{bottom}"
        return first if first == last else f"{first}:{last}"

    def ref(self, col: int) -> str:
        """Return the reference of this row's cell in column `col`."""
        return f"{col_letters(col)}{self.row}"

    def targets(self, col: int) -> bool:
        """Tell whether the existing cell in column `col` receives a write."""
        return col in self.writes

    def before(self, col: int | None) -> bytes:
        """Create the written cells left of column `col` (all remaining for None)."""
        pieces = []
        while self._index < len(self.pending):
            target = self.pending[self._index]
            if col is not None and target >= col:
                break
            self._index += 1
            if self.writes[target]:
                self.new_cols.append(target)
                pieces.append(self._cell(target, None))
        return b"".join(pieces)

    def replace(self, col: int, style: bytes | None) -> bytes:
        """Return the new XML of the existing cell in column `col`, keeping its style."""
        self._index += 1
        return self._cell(col, style)

    def saw(self, col: int, attrs: bytes) -> None:
        """Note a cell kept as it is (its start tag's attributes `attrs`), whose style a new
        header on its right may copy."""
        if self.row == 1:  # only a header copies a style: other rows skip the search
            style = STYLE.search(attrs)
            self._last = (col, style[1] if style else None)
        else:
            self._last = (col, None)

    def _cell(self, col: int, style: bytes | None) -> bytes:
        if self.row == 1 and style in (None, b"0") and self._last[0] == col - 1 > 0:
            # A new status column's header looks like the headers before it.
            style = self._last[1] or style
        self._last = (col, style)
        head = _opening(self.prefix, col) + b'%d"' % self.row
        if style is not None:
            head += b' s="' + style + b'"'
        text = self.writes[col]
        if not text:
            return head + b"/>"
        return head + _inline_rest(self.prefix, text)


# A few texts (statuses, the run's time) fill most written cells: their XML is made once.
@lru_cache(maxsize=1024)
def _opening(prefix: bytes, col: int) -> bytes:
    """Start a cell in column `col`: `<c r="AB`, the row number follows."""
    return b"<" + prefix + b'c r="' + col_letters(col).encode()


@lru_cache(maxsize=1024)
def _inline_rest(prefix: bytes, text: str) -> bytes:
    """Finish an inline-string cell holding `text`, after its reference and style."""
    p = prefix
    body = b'<%sis><%st xml:space="preserve">%s</%st></%sis>' % (p, p, _escape(text), p, p)
    return b' t="inlineStr">' + body + b"</" + p + b"c>"


def attributes(tag_attrs: bytes) -> dict[bytes, bytes]:
    """Parse the attributes of a start tag's attribute text."""
    return {m[1]: m[2] if m[3] is None else m[3] for m in _ATTR.finditer(tag_attrs)}


def widen_spans(tag: bytes, cols: list[int]) -> bytes:
    """Stretch a row's `spans` hint over newly created cells."""
    spans = _SPANS.search(tag)
    if spans is None or not cols:
        return tag
    try:
        bounds = [int(n) for part in spans[2].split() for n in part.split(b":")]
    except ValueError:
        return tag[: spans.start()] + tag[spans.end() :]
    low, high = min(*bounds, *cols), max(*bounds, *cols)
    if [low, high] == bounds:
        return tag
    return tag[: spans.start()] + spans[1] + b"%d:%d" % (low, high) + spans[3] + tag[spans.end() :]
