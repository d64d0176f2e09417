"""Keep a template's signature on the page of the staff table's last rows.

The built-in layout builds this from the start (layout.kept_together); a unit's own template
gets the same shape after its rows are filled: the last rows move into a table of their own
and, with what follows up to the signature table, into a borderless one-cell row that never
splits across pages. Only that plain shape is touched: empty or short paragraphs, then a
table, with no section break in between; anything else is left as the template has it.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from docx.oxml import parse_xml
from docx.oxml.ns import qn

from .layout import JOIN, KEEP_ROWS, kept_together
from .wordml import W_NS

_SLOT = "<w:p><w:r><w:t>\ue000</w:t></w:r></w:p>"


def keep_signature(staff_table: Any, text_width: int) -> None:
    """Move the last rows of `staff_table` and the signature after it into one kept row."""
    tbl = staff_table._tbl
    moving = _until_signature(tbl)
    if moving is None:
        return
    rows = tbl.tr_lst
    if len(rows) - 1 > KEEP_ROWS:
        tail = tbl.makeelement(qn("w:tbl"), {})
        tail.append(deepcopy(tbl.tblPr))
        tail.append(deepcopy(tbl.tblGrid))
        for tr in rows[-KEEP_ROWS:]:
            tail.append(tr)  # moves the row
        join = parse_xml(JOIN.replace("<w:p>", f'<w:p xmlns:w="{W_NS}">', 1))
        tbl.addnext(join)
        anchor, content = join, [tail, *moving]
    else:
        anchor, content = tbl, [tbl, *moving]
    wrapper = parse_xml(_wrapper_xml(text_width))
    anchor.addnext(wrapper)
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
    return kept_together(_SLOT, width).replace("<w:tbl>", f'<w:tbl xmlns:w="{W_NS}">', 1)
