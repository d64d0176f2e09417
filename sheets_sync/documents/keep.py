"""Keep a template's signature on the page of the staff table's last rows.

A template that ends with the staff table gets the built-in signature block after it.

The built-in layout builds this from the start (layout.kept_together); a unit's own template
gets the same shape after its rows are filled: the last rows move into a table of their own
and, with what follows up to the signature table, into the table's new last row, over all its
columns, that never splits across pages (its header row repeats above it on a new page).
Only that plain shape is touched: empty or short paragraphs, then a table, with no section
break in between; anything else is left as the template has it.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from docx.oxml import parse_xml
from docx.oxml.ns import qn

from .layout import KEEP_ROWS, kept_together, last_row
from .wordml import W_NS

# What comes before tblBorders in a table's properties (the schema's order).
_BEFORE_BORDERS = frozenset(
    qn(f"w:{tag}")
    for tag in (
        "tblStyle",
        "tblpPr",
        "tblOverlap",
        "bidiVisual",
        "tblStyleRowBandSize",
        "tblStyleColBandSize",
        "tblW",
        "jc",
        "tblCellSpacing",
        "tblInd",
    )
)
_SLOT = "<w:p><w:r><w:t>\ue000</w:t></w:r></w:p>"


def add_signature(staff_table: Any, signature: str) -> None:
    """Put the built-in `signature` block after `staff_table` when the template ends there
    (nothing but empty paragraphs follows it)."""
    tbl = staff_table._tbl
    if any(
        element.tag == qn("w:tbl") or "".join(element.itertext()).strip()
        for element in tbl.itersiblings()
    ):
        return
    holder = parse_xml(f'<w:body xmlns:w="{W_NS}">{signature}</w:body>')
    for element in reversed(list(holder)):
        tbl.addnext(element)


def keep_signature(staff_table: Any, text_width: int) -> None:
    """Move the last rows of `staff_table` and the signature after it into one kept row."""
    tbl = staff_table._tbl
    moving = _until_signature(tbl)
    if moving is None:
        return
    rows = tbl.tr_lst
    if len(rows) - 1 > KEEP_ROWS:
        tail = tbl.makeelement(qn("w:tbl"), {})
        tail.append(_without_top_border(deepcopy(tbl.tblPr)))
        tail.append(deepcopy(tbl.tblGrid))
        for tr in rows[-KEEP_ROWS:]:
            tail.append(tr)  # moves the row
        # The table's new last row holds them: its header row repeats above it on a new page.
        columns = [int(col.get(qn("w:w"), "0")) for col in tbl.tblGrid.iter(qn("w:gridCol"))]
        wrapper = parse_xml(_namespaced(last_row(sum(columns), len(columns), _SLOT), "<w:tr>"))
        tbl.append(wrapper)
        content = [tail, *moving]
    else:
        wrapper = parse_xml(_wrapper_xml(text_width))
        tbl.addnext(wrapper)
        content = [tbl, *moving]
    slot = next(p for p in wrapper.iter(qn("w:p")) if "\ue000" in "".join(p.itertext()))
    for element in content:
        slot.addprevious(element)
    slot.getparent().remove(slot)


def _until_signature(tbl: Any) -> list[Any] | None:
    """Return the paragraphs after `tbl` and the table that ends them, or None."""
    found: list[Any] = []
    for element in tbl.itersiblings():
        if element.tag == qn("w:tbl"):
            return [*found, element]
        if element.tag != qn("w:p") or element.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") is not None:
            return None
        if len("".join(element.itertext())) > 80:
            return None  # a real paragraph of text, not the space before a signature
        found.append(element)
    return None


def _wrapper_xml(width: int) -> str:
    """Return a kept-together borderless table holding only a placeholder paragraph."""
    return _namespaced(kept_together(_SLOT, width), "<w:tbl>")


def _namespaced(xml: str, opening: str) -> str:
    return xml.replace(opening, f'{opening[:-1]} xmlns:w="{W_NS}">', 1)


def _without_top_border(tbl_pr: Any) -> Any:
    """Return the table properties `tbl_pr` with no top border: the line above is drawn."""
    borders = tbl_pr.find(qn("w:tblBorders"))
    if borders is None:
        borders = tbl_pr.makeelement(qn("w:tblBorders"), {})
        at = sum(1 for child in tbl_pr if child.tag in _BEFORE_BORDERS)
        tbl_pr.insert(at, borders)
    top = borders.find(qn("w:top"))
    if top is None:
        top = borders.makeelement(qn("w:top"), {})
        borders.insert(0, top)
    top.attrib.clear()
    top.set(qn("w:val"), "nil")
    return tbl_pr
