"""Write examples/mau-danh-sach.docx: a unit's own Word template using placeholders.

Usage: python scripts/make_template.py [OUT.docx]

Same input, same bytes: fixed properties, fixed zip dates. `--template` fills the
placeholders ({{CAP_TREN}}, {{DON_VI}}, {{don_vi}}, {{ngay}}, {{thang}}, {{nam}}) and the
two tables, whose header rows use the usual variants (`TT`, `Tên đơn vị (CĐCS)`, `Họ và tên`,
`SĐT`). It has no signature table of its own, so each list made from it gets the built-in
signature block (`TM. BAN CHẤP HÀNH` for a unit, `TM. BAN THƯỜNG VỤ` for the consolidated
list); {{nguoi_ky}} and {{chuc_vu_ky}} are for a template that signs in its own table.
"""

from __future__ import annotations

import io
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import docx
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from sheets_sync.documents.package import repack
from sheets_sync.documents.template import drop_styles_with_effects

OUT = Path(__file__).resolve().parent.parent / "examples" / "mau-danh-sach.docx"
FONT = "Times New Roman"
FANPAGE = (
    ("TT", 12),
    ("Tên đơn vị (CĐCS)", 34),
    ("Tên trang Fanpage (facebook)", 34),
    ("Đường link tài khoản Facebook", 62),  # room for a link's longest piece
    ("Ghi chú", 23),
)
STAFF = (("TT", 12), ("Họ và tên", 38), ("Chức vụ", 37), ("Đơn vị", 47), ("SĐT", 31))
LEFT, RIGHT = 92, 73  # mm: the letterhead's and the signature's two sides


def paragraph(
    where: Any,
    text: str = "",
    *,
    bold: bool = False,
    italic: bool = False,
    size: float = 13,
    center: bool = True,
) -> Any:
    p = where.add_paragraph()
    p.paragraph_format.space_after = Pt(0)
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if text:
        run = p.add_run(text)
        run.bold, run.italic, run.font.size = bold, italic, Pt(size)
    return p


def borderless(document: Any, widths: tuple[int, ...]) -> Any:
    table = document.add_table(rows=1, cols=len(widths))
    table.autofit = False
    for column, cell, width in zip(table.columns, table.rows[0].cells, widths, strict=True):
        column.width = cell.width = Mm(width)
        cell._tc.remove(cell.paragraphs[0]._p)
    return table


def data_table(document: Any, columns: tuple[tuple[str, int], ...]) -> None:
    table = document.add_table(rows=2, cols=len(columns))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for index, (title, width) in enumerate(columns):
        head, data = table.cell(0, index), table.cell(1, index)
        table.columns[index].width = head.width = data.width = Mm(width)
        if index in (0, len(columns) - 1):
            data.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        head.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = head.paragraphs[0].add_run(title)
        run.bold, run.font.size = True, Pt(12)
        data.paragraphs[0].add_run("").font.size = Pt(12)
    for tr in (table.rows[0]._tr, table.rows[1]._tr):
        tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))  # a row never splits
    table.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))


def build() -> bytes:
    document = docx.Document()
    style = document.styles["Normal"]
    style.font.name, style.font.size = FONT, Pt(13)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    head = borderless(document, (LEFT, RIGHT))
    left, right = head.rows[0].cells
    paragraph(left, "{{CAP_TREN}}", size=12)
    paragraph(left, "{{DON_VI}}", bold=True, size=12)
    # The rule under the issuing body: a line 30 mm wide, 1/3 to 1/2 of the usual name.
    rule = paragraph(left, "", size=2)
    rule.paragraph_format.left_indent = rule.paragraph_format.right_indent = Mm((LEFT - 30) / 2)
    rule.paragraph_format.space_before = Pt(3)
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for name, value in (("val", "single"), ("sz", "6"), ("space", "1"), ("color", "000000")):
        bottom.set(qn(f"w:{name}"), value)
    borders.append(bottom)
    rule._p.get_or_add_pPr().insert_element_before(
        borders, "w:shd", "w:tabs", "w:spacing", "w:ind", "w:jc", "w:rPr"
    )
    paragraph(right, "")
    paragraph(right, "Long Biên, ngày {{ngay}} tháng {{thang}} năm {{nam}}", italic=True, size=12)

    title = paragraph(document, "DANH SÁCH", bold=True, size=14)
    title.paragraph_format.space_before = Pt(18)
    paragraph(document, "THEO DÕI, QUẢN LÝ LỰC LƯỢNG THAM GIA TUYÊN TRUYỀN", bold=True, size=14)
    paragraph(document, "Đơn vị: {{don_vi}}", italic=True)
    heading = paragraph(
        document, "1. Thông tin tài khoản Fanpage (facebook)", bold=True, center=False
    )
    heading.paragraph_format.space_before = Pt(12)
    data_table(document, FANPAGE)
    heading = paragraph(
        document,
        "2. Danh sách cán bộ phụ trách, quản lý trang Fanpage (facebook)",
        bold=True,
        center=False,
    )
    heading.paragraph_format.space_before = Pt(12)
    data_table(document, STAFF)

    # No signature of its own: each list gets the built-in one, signed on behalf of the
    # executive committee (a unit) or the standing committee (the consolidated list).

    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    run = footer.add_run("{{don_vi}} - danh sách lực lượng tham gia tuyên truyền")
    run.italic, run.font.size = True, Pt(9)

    properties = document.core_properties
    properties.author, properties.last_modified_by = "sheets-sync", ""
    properties.title = "Mẫu danh sách của đơn vị"
    properties.created = properties.modified = datetime(2024, 1, 1)
    properties.revision = 1
    drop_styles_with_effects(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return repack(buffer.getvalue())


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else OUT
    out.write_bytes(build())
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
