"""The body of the list as the letter's form lays it out, following Nghị định 30/2020/NĐ-CP."""

from __future__ import annotations

import functools
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from .columns import Columns, fit_widths
from .package import TEXT_WIDTH
from .wordml import (
    TABLE_END,
    Font,
    cell,
    centred_paragraph,
    paragraph,
    row,
    run_frame,
    run_text,
    table,
    table_start,
    text_paragraph,
)

TITLE_LINES = ("DANH SÁCH", "THEO DÕI, QUẢN LÝ LỰC LƯỢNG THAM GIA TUYÊN TRUYỀN")
FANPAGE_HEADING = "1. Thông tin tài khoản Fanpage (facebook)"
STAFF_HEADING = "2. Danh sách cán bộ phụ trách, quản lý trang Fanpage (facebook) của đơn vị"
SUMMARY_STAFF_HEADING = (
    "2. Danh sách cán bộ phụ trách, quản lý trang Fanpage (facebook) của các đơn vị"
)
FANPAGE_HEADERS = (
    "STT",
    "Tên đơn vị",
    "Tên trang Fanpage (facebook)",
    "Đường link tài khoản Facebook",
    "Ghi chú",
)
STAFF_HEADERS = ("STT", "Họ tên", "Chức vụ", "Đơn vị", "Số điện thoại")

# Each table is exactly as wide as the text area (165 mm); the STT column is 13 mm (1 mm =
# 56.7 twips), the others are sized from what the list holds (see columns.py).
NUMBER_WIDTH = 737
LINK_COLUMN = 3
Widths = tuple[tuple[int, ...], tuple[int, ...]]
# Left and right sides of the letterhead and of the signature block (86 and 79 mm): the
# date line in 13 pt italic just fits on the right.
SIDE_WIDTHS = (4876, TEXT_WIDTH - 4876)
SIGNATURE_GAP = 4  # empty lines left for the signature and the stamp

TABLE_SIZE = 12
LETTERHEAD_SIZE = 12
# The letterhead's width (99 mm): `LIÊN ĐOÀN LAO ĐỘNG THÀNH PHỐ HÀ NỘI` and, in bold,
# `LIÊN ĐOÀN LAO ĐỘNG QUẬN LONG BIÊN` each fit on one line at 12 pt.
LETTERHEAD_WIDTH = 5600
# Capitals per line of the letterhead (about 2.6 mm each at 12 pt): a longer name is broken
# into even lines, so that no lone word (`HÀ NỘI`... `NỘI`) hangs on a line of its own.
LETTERHEAD_CHARS = 37
CAPITAL_TWIPS = 160  # width of an average bold capital at 12 pt, spaces included
RULE_SHARE = 0.4
RULE_GAP = 60  # 3 pt between the issuing body and its rule
TITLE_SIZE = 14
CELL_SPACING = 40  # 2 pt above and below the text of each cell
# Rows of table 2 kept on the page of the signature block below it.
KEEP_ROWS = 2
# The header cells and the cell frames repeat from one unit's list to the next (a column's
# width takes a few thousand values over a national run): each is built once, not per list.
_CACHED = 4096
_Frame = tuple[str, str, str]  # a data cell's markup before and after its text, and when empty


@dataclass(frozen=True)
class Letterhead:
    """Top of the page: the superior body, the issuing union and the place and date line."""

    superior: str
    issuer: str
    date_line: str


@dataclass(frozen=True)
class Signature:
    """Bottom right: on whose behalf, the signer's title, the note and the signer's name."""

    authority: str
    title: str
    note: str
    name: str


def body(
    head: Letterhead,
    fanpages: Sequence[Sequence[str]],
    staff: Sequence[Sequence[str]],
    signature: Signature,
    staff_heading: str = STAFF_HEADING,
) -> str:
    """Return the body content of `word/document.xml`, section properties excluded."""
    widths = table_widths(fanpages, staff)
    return "".join(body_parts(head, fanpages, staff, signature, widths, staff_heading))


def table_widths(fanpages: Iterable[Sequence[str]], staff: Iterable[Sequence[str]]) -> Widths:
    """Return the column widths of table 1 and table 2 for these rows."""
    return (
        fit_widths(TEXT_WIDTH, FANPAGE_HEADERS, fanpages, fixed=_FIXED, links=_LINKS),
        fit_widths(TEXT_WIDTH, STAFF_HEADERS, staff, fixed=_FIXED),
    )


def table_columns() -> tuple[Columns, Columns]:
    """Return table 1's and table 2's columns, to be given their rows one at a time."""
    fanpages = Columns(FANPAGE_HEADERS, fixed=_FIXED, links=_LINKS)
    return fanpages, Columns(STAFF_HEADERS, fixed=_FIXED)


_FIXED = {0: NUMBER_WIDTH}
_LINKS = frozenset({LINK_COLUMN})


def body_parts(
    head: Letterhead,
    fanpages: Iterable[Sequence[str]],
    staff: Iterable[Sequence[str]],
    signature: Signature,
    widths: Widths,
    staff_heading: str = STAFF_HEADING,
) -> Iterator[str]:
    """Yield the body content piece by piece, a table row at a time, for long lists."""
    yield letterhead(head)
    yield _TITLE
    yield _heading(FANPAGE_HEADING)
    yield from data_table_parts(widths[0], FANPAGE_HEADERS, fanpages, centred=(0,))
    yield _heading(staff_heading)
    yield from data_table_parts(
        widths[1],
        STAFF_HEADERS,
        staff,
        centred=(0, 4),
        keep_last=KEEP_ROWS,
        closing=signature_block(signature),
    )
    # A body must not end with a table; the closing paragraph is 0.1 pt high, exactly, or on
    # a full page LibreOffice would give it a page of its own.
    yield _END


def letterhead(head: Letterhead) -> str:
    """Return the borderless table: the letterhead top left, the date line under it on the right.

    The date sits a line lower, where Nghị định 30 puts it below the motto; beside the
    superior body's name it would read as part of the letterhead.
    """
    before, after = _letterhead_frame(head.superior, head.date_line)
    issuer = balanced(head.issuer, LETTERHEAD_CHARS - 3)
    side = (LETTERHEAD_WIDTH - rule_width(issuer)) // 2
    return f"{before}{centred_paragraph(issuer, _ISSUER_FONT)}{_rule(side)}{after}"


@functools.lru_cache(maxsize=_CACHED)
def _rule(side: int) -> str:
    return paragraph(font=Font(size=2), before=RULE_GAP, indent=(side, side), rule_below=True)


@functools.lru_cache(maxsize=_CACHED)
def _letterhead_frame(superior: str, date_line: str) -> tuple[str, str]:
    """Return the letterhead's markup before and after the issuing body and its rule: all
    but these is the same in every unit's list."""
    left = text_paragraph(balanced(superior), Font(size=LETTERHEAD_SIZE), align="center") + _SLOT
    date = text_paragraph(date_line, Font(italic=True), align="center", before=120)
    # The letterhead is wider than the signature's left side: the consolidated list's two
    # bodies then each fit on one line and read as one letterhead. Three grid columns let
    # the date below keep the right side's width.
    middle = LETTERHEAD_WIDTH - SIDE_WIDTHS[0]
    grid = (SIDE_WIDTHS[0], middle, SIDE_WIDTHS[1] - middle)
    top = (cell(LETTERHEAD_WIDTH, left, span=2), cell(grid[2], paragraph()))
    bottom = (cell(SIDE_WIDTHS[0], paragraph()), cell(SIDE_WIDTHS[1], date, span=2))
    before, after = table(grid, [row(top), row(bottom)], borders=False).split(_SLOT)
    return before, after


def rule_width(issuer: str) -> int:
    """Return the rule under the issuing body: 2/5 of its longest line (Nghị định 30 asks
    for 1/3 to 1/2), from the width of a bold capital at the letterhead's size."""
    longest = max(map(len, issuer.split("\n")), default=0)
    return round(longest * CAPITAL_TWIPS * RULE_SHARE)


def balanced(text: str, width: int = LETTERHEAD_CHARS) -> str:
    """Break a line longer than `width` characters into lines of even length, at spaces."""
    words = text.split(" ")
    count = -(-len(text) // width)  # lines needed, rounded up
    if count < 2 or len(words) < 2:
        return text
    target = len(text) / count
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        # Break before the word when the line is closer to the target without it.
        if (
            current
            and len(lines) < count - 1
            and abs(len(candidate) - target) > abs(len(current) - target)
        ):
            lines.append(current)
            candidate = word
        current = candidate
    lines.append(current)
    return "\n".join(lines)


def data_table_parts(
    widths: Sequence[int],
    headers: Sequence[str],
    rows: Iterable[Sequence[str]],
    centred: Sequence[int],
    keep_last: int = 0,
    closing: str = "",
) -> Iterator[str]:
    """Yield a bordered table's opening and header row, then each data row, then its end.

    With `keep_last`, the last rows (the whole table when it is that short) and `closing`
    after them are kept on one page: the signature block never stands alone.
    """
    head = [_head_cell(width, text) for width, text in zip(widths, headers, strict=True)]
    opening = table_start(widths, borders=True) + row(head, header=True)
    # Every data cell of a column is the same markup around one run's text: build it once.
    frames = [_cell_frame(width, index in centred) for index, width in enumerate(widths)]
    start, end = _ROW_START, _ROW_END
    held: deque[Sequence[str]] = deque()
    opened = False
    for values in rows:
        held.append(values)
        if len(held) > keep_last:
            if not opened:
                yield opening
                opened = True
            yield _data_row(start, end, frames, held.popleft())
    tail = "".join(_data_row(start, end, frames, values) for values in held)
    if not keep_last:
        yield (tail if opened else opening + tail) + TABLE_END
    elif opened:
        # The last rows, in a table of their own with the signature, fill the table's last
        # row: when that row starts a page, the header row repeats above it.
        top_open = table_start(widths, borders=True, top=False)
        yield last_row(sum(widths), len(widths), f"{top_open}{tail}{TABLE_END}{closing}")
        yield TABLE_END
    else:
        yield kept_together(f"{opening}{tail}{TABLE_END}{closing}")


JOIN = paragraph(font=Font(size=1))
_END = paragraph(font=Font(size=1), exact_line=2)


def kept_together(content: str, width: int = TEXT_WIDTH) -> str:
    """Return `content` in a borderless one-cell row that never splits across pages.

    Word and LibreOffice both move such a row whole to the next page; keep-with-next on
    table rows is ignored by LibreOffice when the table runs over a page.
    """
    before, after = _kept_frame(width)
    return f"{before}{content}{after}"


@functools.lru_cache(maxsize=_CACHED)
def _kept_frame(width: int) -> tuple[str, str]:
    inner = _SLOT + JOIN  # a cell must end with a paragraph
    before, after = table((width,), [row([cell(width, inner)])], borders=False).split(_SLOT)
    return before, after


def last_row(width: int, columns: int, content: str) -> str:
    """Return a row over all `columns` that never splits, without margins or borders but its top.

    It holds `content` (the last rows as a table of their own, and what follows them): Word
    and LibreOffice repeat the table's header row above it when it starts a page.
    """
    return row(
        [
            f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/><w:gridSpan w:val="{columns}"/>'
            f"<w:tcBorders>{_LAST_EDGES}</w:tcBorders><w:tcMar>{_LAST_MARGINS}</w:tcMar></w:tcPr>"
            f"{content}{_END}</w:tc>"
        ]
    )


_LAST_EDGES = "".join(f'<w:{edge} w:val="nil"/>' for edge in ("left", "bottom", "right"))
_LAST_MARGINS = "".join(f'<w:{side} w:w="0" w:type="dxa"/>' for side in ("left", "right"))


def _data_row(start: str, end: str, frames: Sequence[_Frame], values: Sequence[str]) -> str:
    cells = [
        f"{before}{run_text(text)}{after}" if text else empty
        for (before, after, empty), text in zip(frames, values, strict=True)
    ]
    return f"{start}{''.join(cells)}{end}"


def signature_block(signature: Signature) -> str:
    """Return the borderless table whose right cell holds the signature, centred."""
    before, after = _signature_frame(signature.authority, signature.title, signature.note)
    if not signature.name:
        return before + after
    return before + centred_paragraph(signature.name, _SIGNER_FONT) + after


# Every unit's signature is the same but for its signer's name: the rest is built once.
@functools.lru_cache(maxsize=_CACHED)
def _signature_frame(authority: str, title: str, note: str) -> tuple[str, str]:
    """Return the signature block's markup before and after the signer's name."""
    lines = [
        text_paragraph(authority, Font(bold=True), align="center"),
        text_paragraph(title, Font(bold=True), align="center"),
        text_paragraph(note, Font(italic=True), align="center"),
        *[paragraph() for _ in range(SIGNATURE_GAP)],
        _SLOT,
    ]
    cells = (cell(SIDE_WIDTHS[0], paragraph()), cell(SIDE_WIDTHS[1], "".join(lines)))
    block = paragraph(before=120) + table(SIDE_WIDTHS, [row(cells)], borders=False)
    before, after = block.split(_SLOT)
    return before, after


_ISSUER_FONT = Font(bold=True, size=LETTERHEAD_SIZE)
_SIGNER_FONT = Font(bold=True)


@functools.lru_cache(maxsize=_CACHED)
def _head_cell(width: int, text: str) -> str:
    """Return a header cell: its bold title centred, the cell centred vertically."""
    return cell(width, _head_text(text), v_center=True)


@functools.lru_cache(maxsize=16)
def _head_text(text: str) -> str:
    return _cell_text(text, Font(bold=True, size=TABLE_SIZE), centre=True)


def _cell_text(text: str, font: Font, *, centre: bool) -> str:
    return text_paragraph(
        text, font, align="center" if centre else None, before=CELL_SPACING, after=CELL_SPACING
    )


_SLOT = "\x00"  # a character no cell text can hold: XML forbids it
_ROW_START, _ROW_END = row([_SLOT]).split(_SLOT)


@functools.lru_cache(maxsize=_CACHED)
def _cell_frame(width: int, centre: bool) -> _Frame:
    """Return a data cell's markup before and after its escaped text, and the empty cell.

    Taken from what `_cell_text` and `cell` make, so the shortcut writes the same bytes.
    """
    before, after = cell(width, _SLOT).split(_SLOT)
    text_open, text_close, empty = _cell_paragraph_frame(centre)
    return before + text_open, text_close + after, before + empty + after


# Column widths take thousands of values over a national run: what does not depend on
# them is built once, so that a width met for the first time costs little.
@functools.lru_cache(maxsize=2)
def _cell_paragraph_frame(centre: bool) -> _Frame:
    font = Font(size=TABLE_SIZE)
    before, after = paragraph(
        _SLOT,
        align="center" if centre else None,
        before=CELL_SPACING,
        after=CELL_SPACING,
        font=font,
    ).split(_SLOT)
    run_open, run_close = run_frame(font)
    return before + run_open, run_close + after, before + after


def _heading(text: str) -> str:
    return text_paragraph(text, Font(bold=True), before=240, after=120, keep_next=True)


_TITLE = "".join(
    (
        text_paragraph(
            TITLE_LINES[0], Font(bold=True, size=TITLE_SIZE), align="center", before=360
        ),
        text_paragraph(TITLE_LINES[1], Font(bold=True, size=TITLE_SIZE), align="center", after=120),
    )
)
