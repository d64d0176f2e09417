"""WordprocessingML snippets as strings: runs, paragraphs, cells and tables."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

# XML 1.0 allows only these characters; anything else makes Word refuse the whole file.
CELL_MARGIN = 85  # twips left and right of the text in every table cell

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

Align = Literal["left", "center", "right", "both"]


def xml_safe(value: str) -> str:
    """Drop the characters XML 1.0 forbids (control characters, lone surrogates, U+FFFE/F)."""
    return _NOT_XML.sub("", value)


def xml_text(value: str) -> str:
    """Return `value` ready for an XML element: forbidden characters gone, `<&>` escaped."""
    # The forbidden characters are controls, surrogates and non-characters, none of them
    # printable: most texts skip the search for them. The replaces are `escape`'s.
    if not value.isprintable():
        value = xml_safe(value)
    return value.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


@dataclass(frozen=True)
class Font:
    """Run formatting: bold, italic and size in points (None keeps the style's size)."""

    bold: bool = False
    italic: bool = False
    size: float | None = None

    def rpr(self) -> str:
        """Return the `w:rPr` element, or nothing when the run is plain."""
        return _rpr(self)


@functools.cache
def _rpr(font: Font) -> str:
    parts = []
    if font.bold:
        parts.append("<w:b/><w:bCs/>")
    if font.italic:
        parts.append("<w:i/><w:iCs/>")
    if font.size is not None:
        half = round(font.size * 2)
        parts.append(f'<w:sz w:val="{half}"/><w:szCs w:val="{half}"/>')
    return f"<w:rPr>{''.join(parts)}</w:rPr>" if parts else ""


def run(text: str, font: Font = Font()) -> str:
    """Return one run holding `text`, escaped; each newline becomes a line break."""
    texts = (f'<w:t xml:space="preserve">{xml_text(line)}</w:t>' for line in text.split("\n"))
    return f"<w:r>{font.rpr()}{'<w:br/>'.join(texts)}</w:r>"


def paragraph(
    content: str = "",
    *,
    align: Align | None = None,
    before: int = 0,
    after: int = 0,
    font: Font | None = None,
    keep_next: bool = False,
    indent: tuple[int, int] | None = None,
    rule_below: bool = False,
    exact_line: int | None = None,
) -> str:
    """Return a paragraph around the runs in `content`; spacing is in twentieths of a point.

    `font` also sets the paragraph mark, so an empty paragraph takes that height.
    `indent` is (left, right) in twips; `rule_below` draws a single line under the paragraph;
    `exact_line` fixes the line height (twentieths of a point).
    """
    ppr = []
    if keep_next:
        ppr.append("<w:keepNext/>")
    if rule_below:
        ppr.append(
            '<w:pBdr><w:bottom w:val="single" w:sz="6" w:space="1" w:color="000000"/></w:pBdr>'
        )
    line = f' w:line="{exact_line}" w:lineRule="exact"' if exact_line is not None else ""
    ppr.append(f'<w:spacing w:before="{before}" w:after="{after}"{line}/>')
    if indent is not None:
        ppr.append(f'<w:ind w:left="{indent[0]}" w:right="{indent[1]}"/>')
    if align is not None:
        ppr.append(f'<w:jc w:val="{align}"/>')
    if font is not None:
        ppr.append(font.rpr())
    return f"<w:p><w:pPr>{''.join(ppr)}</w:pPr>{content}</w:p>"


# Most paragraphs are the same in every list (titles, letterhead, signature, headings).
@functools.lru_cache(maxsize=4096)
def text_paragraph(
    text: str,
    font: Font = Font(),
    *,
    align: Align | None = None,
    before: int = 0,
    after: int = 0,
    keep_next: bool = False,
) -> str:
    """Return a paragraph with one run of `text` in `font`."""
    content = run(text, font) if text else ""
    return paragraph(
        content, align=align, before=before, after=after, font=font, keep_next=keep_next
    )


_TEXT = "\ue000"  # a character `run` keeps as it is, to find where its text goes
_BREAK = run(f"{_TEXT}\n{_TEXT}").split(_TEXT)[1]  # what `run` puts between two lines


def run_text(text: str) -> str:
    """Return `text` escaped as `run` writes it between its opening and its end."""
    return xml_text(text).replace("\n", _BREAK)


def run_frame(font: Font) -> tuple[str, str]:
    """Return what `run` writes before and after the text `run_text` escapes."""
    before, _, after = run(f"{_TEXT}\n{_TEXT}", font).split(_TEXT)
    return before, after


def centred_paragraph(text: str, font: Font) -> str:
    """Return `text_paragraph(text, font, align="center")` for a text of one list only.

    The text goes into a frame built once, leaving `text_paragraph`'s cache to the
    paragraphs that every list repeats.
    """
    before, after, empty = _centred_frame(font)
    return f"{before}{run_text(text)}{after}" if text else empty


@functools.lru_cache(maxsize=64)
def _centred_frame(font: Font) -> tuple[str, str, str]:
    before, after = text_paragraph(_TEXT, font, align="center").split(_TEXT)
    return before, after, text_paragraph("", font, align="center")


def cell(width: int, paragraphs: str, *, v_center: bool = False, span: int = 1) -> str:
    """Return a table cell of `width` twips, over `span` grid columns, holding the paragraphs."""
    merged = f'<w:gridSpan w:val="{span}"/>' if span > 1 else ""
    valign = '<w:vAlign w:val="center"/>' if v_center else ""
    return (
        f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{merged}{valign}</w:tcPr>'
        f"{paragraphs}</w:tc>"
    )


def row(cells: Sequence[str], *, header: bool = False) -> str:
    """Return a row that never splits across pages; a header row repeats on every page."""
    repeat = "<w:tblHeader/>" if header else ""
    return f"<w:tr><w:trPr><w:cantSplit/>{repeat}</w:trPr>{''.join(cells)}</w:tr>"


def table(widths: Sequence[int], rows: Sequence[str], *, borders: bool) -> str:
    """Return a fixed-layout table whose columns have exactly `widths` twips."""
    return f"{table_start(widths, borders=borders)}{''.join(rows)}{TABLE_END}"


def table_start(widths: Sequence[int], *, borders: bool, top: bool = True) -> str:
    """Return a table's opening and properties, up to where its rows begin.

    A borderless table only places text side by side, so its cells get no inner margins.
    `top=False` leaves out the top border of a bordered table (the line above is drawn already).
    """
    return _table_start(tuple(widths), borders, top)


@functools.lru_cache(maxsize=4096)  # every list opens its tables with the same few widths
def _table_start(widths: tuple[int, ...], borders: bool, top: bool) -> str:
    kind = "single" if borders else "nil"
    margin = CELL_MARGIN if borders else 0
    edges = "".join(
        f'<w:{edge} w:val="{kind if top or edge != "top" else "nil"}" w:sz="4" w:space="0"'
        ' w:color="000000"/>'
        for edge in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    grid = "".join(f'<w:gridCol w:w="{width}"/>' for width in widths)
    return (
        f'<w:tbl><w:tblPr><w:tblW w:w="{sum(widths)}" w:type="dxa"/>'
        f'<w:tblInd w:w="0" w:type="dxa"/><w:tblBorders>{edges}</w:tblBorders>'
        '<w:tblLayout w:type="fixed"/>'
        f'<w:tblCellMar><w:left w:w="{margin}" w:type="dxa"/>'
        f'<w:right w:w="{margin}" w:type="dxa"/></w:tblCellMar>'
        '<w:tblLook w:val="0000" w:firstRow="0" w:lastRow="0" w:firstColumn="0" w:lastColumn="0"'
        ' w:noHBand="0" w:noVBand="0"/></w:tblPr>'
        f"<w:tblGrid>{grid}</w:tblGrid>"
    )


TABLE_END = "</w:tbl>"
