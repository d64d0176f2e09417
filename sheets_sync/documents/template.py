"""Fill a unit's own .docx (its letterhead and styles) with the rows of the two tables."""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping, Sequence
from copy import deepcopy
from datetime import datetime
from pathlib import Path
from typing import Any

import docx
from docx.oxml.ns import qn

from ..errors import SourceError
from ..system_text import os_reason
from ..text import header_key
from .keep import add_signature, keep_signature
from .package import APP, TEXT_WIDTH, repack
from .placeholders import PLACEHOLDERS, fill_placeholders, unknown_placeholders
from .wordml import xml_safe

# Second header cell, folded, that tells the two tables apart; the first one numbers the rows.
FANPAGE_KEYS = frozenset({"ten don vi", "ten don vi cdcs", "ten cdcs", "don vi"})
STAFF_KEYS = frozenset({"ho ten", "ho va ten"})
NUMBER_KEYS = frozenset({"stt", "tt", "so tt", "so thu tu"})
COLUMNS = 5
EMU_PER_TWIP = 635
FIXED_DATE = datetime(2024, 1, 1)


class TemplateFiller:
    """Hold a template's bytes; each `fill` opens a fresh copy and writes the data rows."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._bytes = path.read_bytes()
        except OSError as exc:
            raise SourceError(
                f"Không đọc được mẫu Word {path} ({os_reason(exc)}); hãy kiểm tra đường dẫn."
            ) from None
        document = self._open()  # fail now, not on the first unit
        _tables(document, path)
        unknown = unknown_placeholders(document)
        if unknown:
            known = ", ".join(f"{{{{{name}}}}}" for name in PLACEHOLDERS)
            raise SourceError(
                f"Mẫu Word {path} có chỗ điền không biết: {', '.join(unknown)}; "
                f"chỉ dùng được {known}."
            )

    def fill(
        self,
        fanpages: Sequence[Sequence[str]],
        staff: Sequence[Sequence[str]],
        values: Mapping[str, str],
        signature: str = "",
    ) -> bytes:
        """Return the template with its placeholders filled in and table 1 and table 2
        holding exactly these rows; `signature` (WordprocessingML) follows table 2 when
        the template has no table after it."""
        document = self._open()
        fill_placeholders(document, values)
        fanpage_table, staff_table = _tables(document, self.path)
        _fill(fanpage_table, fanpages)
        _fill(staff_table, staff)
        if signature:
            add_signature(staff_table, signature)
        keep_signature(staff_table, _text_width(document))
        _fix_properties(document)
        drop_styles_with_effects(document)
        buffer = io.BytesIO()
        document.save(buffer)
        # The list names this tool as its application, as the built-in layout's lists do:
        # a list saved since in Word or LibreOffice names that program instead.
        return repack(buffer.getvalue(), {"docProps/app.xml": APP.encode()})

    def _open(self) -> Any:
        try:
            return docx.Document(io.BytesIO(self._bytes))
        except Exception:
            # python-docx raises zip, XML and key errors alike for a file that is not a .docx.
            raise SourceError(
                f"Không mở được mẫu Word {self.path}; hãy chọn một tệp .docx lưu bằng Word."
            ) from None


def _tables(document: Any, path: Path) -> tuple[Any, Any]:
    found: dict[str, Any] = {}
    for table in _all_tables(document.tables):
        kind = _kind(table)
        if kind is not None:
            found.setdefault(kind, table)
    if len(found) < 2:
        raise SourceError(
            f"Mẫu Word {path} thiếu bảng có dòng tiêu đề 'STT | Tên đơn vị | ...' hoặc"
            " 'STT | Họ tên | ...'; hãy dùng mẫu kèm công văn."
        )
    return found["fanpage"], found["staff"]


def _all_tables(tables: Sequence[Any]) -> Iterator[Any]:
    for table in tables:
        yield table
        for row in table.rows:
            for cell in row.cells:
                yield from _all_tables(cell.tables)


def _kind(table: Any) -> str | None:
    if not table.rows:
        return None
    keys = [header_key(cell.text) for cell in table.rows[0].cells]
    if len(keys) < COLUMNS or keys[0] not in NUMBER_KEYS:
        return None
    if keys[1] in FANPAGE_KEYS:
        return "fanpage"
    if keys[1] in STAFF_KEYS:
        return "staff"
    return None


def _fill(table: Any, rows: Sequence[Sequence[str]]) -> None:
    header, *old = table._tbl.tr_lst
    prototype = old[0] if old else _plain_copy(header)
    for tr in old:
        tr.getparent().remove(tr)
    anchor = header
    for values in rows:
        tr = deepcopy(prototype)
        for index, tc in enumerate(tr.tc_lst):
            _set_text(tc, values[index] if index < len(values) else "")
        anchor.addnext(tr)
        anchor = tr


def _plain_copy(header: Any) -> Any:
    """Copy the header row as a data row: same cells, no repeat flag, no bold."""
    tr = deepcopy(header)
    for name in ("w:tblHeader", "w:b", "w:bCs"):
        for element in tr.iter(qn(name)):
            element.getparent().remove(element)
    return tr


def _set_text(tc: Any, text: str) -> None:
    """Replace a cell's content by one paragraph in the format of its first paragraph and run."""
    first = tc.find(qn("w:p"))
    ppr = first.find(qn("w:pPr")) if first is not None else None
    rpr = first.find(f"{qn('w:r')}/{qn('w:rPr')}") if first is not None else None
    if rpr is None and ppr is not None:
        rpr = ppr.find(qn("w:rPr"))  # an empty cell keeps its format on the paragraph mark
    for child in list(tc):
        if child.tag != qn("w:tcPr"):
            tc.remove(child)
    p = tc.makeelement(qn("w:p"), {})
    if ppr is not None:
        p.append(deepcopy(ppr))
    r = p.makeelement(qn("w:r"), {})
    if rpr is not None:
        r.append(deepcopy(rpr))
    t = r.makeelement(qn("w:t"), {qn("xml:space"): "preserve"})
    t.text = xml_safe(text)
    r.append(t)
    p.append(r)
    tc.append(p)


def _text_width(document: Any) -> int:
    """Return the width between the margins of the last section, in twips."""
    section = document.sections[-1]
    sizes = (section.page_width, section.left_margin, section.right_margin)
    if any(size is None for size in sizes):
        return TEXT_WIDTH
    page, left, right = (int(size) for size in sizes)
    return (page - left - right) // EMU_PER_TWIP


def drop_styles_with_effects(document: Any) -> None:
    """Leave out Word 2010's copy of the styles (`stylesWithEffects.xml`), which Word makes
    again when it needs it: left as the template had it, it no longer matches the styles."""
    for rid, rel in list(document.part.rels.items()):
        if rel.reltype.endswith("/stylesWithEffects"):
            document.part.rels.pop(rid)


def _fix_properties(document: Any) -> None:
    """Set fixed metadata so the same data always gives the same bytes."""
    properties = document.core_properties
    properties.author = "sheets-sync"
    properties.last_modified_by = ""
    properties.created = FIXED_DATE
    properties.modified = FIXED_DATE
    properties.revision = 1
