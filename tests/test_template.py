"""A unit's own template: placeholders anywhere, split across runs, and its two tables."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Pt

from sheets_sync.config import DocumentSettings
from sheets_sync.documents import DocumentMaker
from sheets_sync.errors import SourceError

from .test_documents import (
    DAY,
    FANPAGE_HEADERS,
    NGOC_LAM,
    STAFF_HEADERS,
    assert_header_repeats_above_the_kept_rows,
    laid_out,
    people_texts,
    result,
    staff,
)

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "mau-danh-sach.docx"
SETTINGS = DocumentSettings(summary_signer_name="Đặng Thị Ánh Nguyệt")


def read(data: bytes) -> Any:
    return docx.Document(io.BytesIO(data))


def all_text(document: Any) -> list[str]:
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        lines += [p.text for row in table.rows for c in row.cells for p in c.paragraphs]
    for section in document.sections:
        lines += [p.text for p in section.footer.paragraphs + section.header.paragraphs]
    return lines


def test_committed_template_is_what_the_script_makes(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import make_template
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    assert make_template.build() == EXAMPLE.read_bytes()


def test_the_example_template_takes_each_units_letterhead_date_and_signer() -> None:
    maker = DocumentMaker(SETTINGS, EXAMPLE, today=DAY)
    hoa_sua = result("Trường MN Hoa Sữa", [staff("Lê Văn Tư", "Chủ tịch")])
    first, second = read(maker.unit(NGOC_LAM)), read(maker.unit(hoa_sua))
    head = first.tables[0].rows[0].cells
    assert [p.text for p in head[0].paragraphs][:2] == [
        "LIÊN ĐOÀN LAO ĐỘNG QUẬN LONG BIÊN",
        "CÔNG ĐOÀN TRƯỜNG THCS NGỌC LÂM",
    ]
    assert head[1].paragraphs[1].text == "Long Biên, ngày 30 tháng 01 năm 2024"
    assert "Đơn vị: Trường THCS Ngọc Lâm" in all_text(first)
    signature = [p.text for p in laid_out(first).signature.cell(0, 1).paragraphs]
    assert signature[1] == "CHỦ TỊCH" and signature[-1] == "Nguyễn Thị Thu Hà"
    assert "Trường THCS Ngọc Lâm - danh sách lực lượng tham gia tuyên truyền" in all_text(first)
    assert "CÔNG ĐOÀN TRƯỜNG MN HOA SỮA" in all_text(second)
    assert not [line for line in all_text(first) + all_text(second) if "{{" in line]
    # The header variants TT, Tên đơn vị (CĐCS), Họ và tên and SĐT are the two tables.
    assert [c.text for c in first.tables[1].rows[1].cells][:2] == ["1", "Trường THCS Ngọc Lâm"]
    assert people_texts(first)[3][1] == "Lê Hoa"


def test_the_consolidated_list_is_issued_by_the_federation() -> None:
    document = read(DocumentMaker(SETTINGS, EXAMPLE, today=DAY).summary([NGOC_LAM]))
    head = document.tables[0].rows[0].cells
    assert [p.text for p in head[0].paragraphs][:2] == [
        "LIÊN ĐOÀN LAO ĐỘNG THÀNH PHỐ HÀ NỘI",
        "LIÊN ĐOÀN LAO ĐỘNG QUẬN LONG BIÊN",
    ]
    assert laid_out(document).signature.cell(0, 1).paragraphs[-1].text == "Đặng Thị Ánh Nguyệt"


def test_the_last_rows_of_a_template_keep_with_its_signature() -> None:
    members = [staff(f"Người {i}", "Ủy viên") for i in range(1, 6)]
    maker = DocumentMaker(SETTINGS, EXAMPLE, today=DAY)
    document = read(maker.summary([result("Trường MN Hoa Sữa", members)]))
    laid = laid_out(document)
    _, tail = laid.people
    assert [r[0] for r in people_texts(document)] == ["TT", "1", "2", "3", "4", "5"]
    assert [row.cells[0].text for row in tail.rows] == ["4", "5"]
    kept = assert_header_repeats_above_the_kept_rows(document.tables[-1], "TT")
    assert [t._tbl for t in kept] == [tail._tbl, laid.signature._tbl]
    assert laid.signature.cell(0, 1).paragraphs[0].text == "TM. BAN THƯỜNG VỤ"


def test_a_template_without_a_signature_gets_the_built_in_one_for_each_kind_of_list() -> None:
    maker = DocumentMaker(SETTINGS, EXAMPLE, today=DAY)
    for data, authority, name in (
        (maker.unit(NGOC_LAM), "TM. BAN CHẤP HÀNH", "Nguyễn Thị Thu Hà"),
        (maker.summary([NGOC_LAM]), "TM. BAN THƯỜNG VỤ", "Đặng Thị Ánh Nguyệt"),
    ):
        lines = [p.text for p in laid_out(read(data)).signature.cell(0, 1).paragraphs]
        assert [lines[0], lines[1], lines[-1]] == [authority, "CHỦ TỊCH", name]


def test_lists_made_from_the_example_template_pass_a_strict_open_xml_validator(
    tmp_path: Path,
) -> None:
    audit = Path(sys.executable).parent / "openxml-audit"
    maker = DocumentMaker(SETTINGS, EXAMPLE, today=DAY)
    files = {"mau.docx": EXAMPLE.read_bytes(), "unit.docx": maker.unit(NGOC_LAM)}
    files["summary.docx"] = maker.summary([NGOC_LAM])
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        done = subprocess.run(
            [str(audit), "--policy", "strict", str(tmp_path / name)], capture_output=True
        )
        assert done.returncode == 0, name + done.stdout.decode()


def test_the_example_templates_rule_is_a_third_to_a_half_of_the_letterhead() -> None:
    letterhead = docx.Document(str(EXAMPLE)).tables[0].cell(0, 0)
    rule = letterhead.paragraphs[2]
    assert rule._p.pPr.find(qn("w:pBdr")) is not None
    fmt = rule.paragraph_format
    width_mm = (letterhead.width - fmt.left_indent - fmt.right_indent) / 36000
    # The issuing body prints 60 to 90 mm wide in the 92 mm cell (one or two lines).
    assert 90 / 3 <= round(width_mm, 1) <= 60 / 2


def test_a_template_with_text_after_its_table_is_left_as_it_is(tmp_path: Path) -> None:
    template = split_template(tmp_path / "mau.docx")
    document = docx.Document(str(template))
    document.add_paragraph("Nơi nhận: " + "các đơn vị trực thuộc, " * 5)
    document.add_table(rows=1, cols=2)
    document.save(str(template))
    filled = read(DocumentMaker(SETTINGS, template, today=DAY).summary([NGOC_LAM]))
    assert len(filled.tables) == 3  # two tables of the form and the one after the text


def split_template(path: Path, extra: str = "") -> Path:
    """A template as Word saves it: placeholders cut into several runs, in every story."""
    document = docx.Document()
    p = document.add_paragraph()
    for piece, bold in (("Kính gửi {{DO", True), ("N_V", False), ("I}} ngày {{ ng", False)):
        p.add_run(piece).bold = bold
    p.add_run("ay }}/{{thang}}/{{nam}}" + extra)
    for headers in (FANPAGE_HEADERS, STAFF_HEADERS):
        table = document.add_table(rows=1, cols=5)
        for cell, text in zip(table.rows[0].cells, headers, strict=True):
            cell.text = text
    header = document.sections[0].header.paragraphs[0]
    header.add_run("{{CAP_")
    header.add_run("TREN}}").font.size = Pt(9)
    footer = document.sections[0].footer.paragraphs[0]
    footer.add_run("{{nguoi_")
    footer.add_run("ky}}, {{chuc_vu_ky}} — {{don_vi}}")
    document.save(path)
    return path


def test_placeholders_split_across_runs_are_filled_in_the_first_runs_format(
    tmp_path: Path,
) -> None:
    template = split_template(tmp_path / "mau.docx")
    document = read(DocumentMaker(SETTINGS, template, today=DAY).unit(NGOC_LAM))
    body = document.paragraphs[0]
    assert body.text == "Kính gửi CÔNG ĐOÀN TRƯỜNG THCS NGỌC LÂM ngày 30/01/2024"
    assert body.runs[0].bold and body.runs[0].text.endswith("NGỌC LÂM")
    section = document.sections[0]
    assert section.header.paragraphs[0].text == "LIÊN ĐOÀN LAO ĐỘNG QUẬN LONG BIÊN"
    assert section.footer.paragraphs[0].text == (
        "Nguyễn Thị Thu Hà, CHỦ TỊCH — Trường THCS Ngọc Lâm"
    )


def test_a_blank_date_leaves_dots_in_the_template(tmp_path: Path) -> None:
    template = split_template(tmp_path / "mau.docx")
    maker = DocumentMaker(DocumentSettings(date="blank"), template, today=DAY)
    assert read(maker.unit(NGOC_LAM)).paragraphs[0].text.endswith("ngày .../.../....")


@pytest.mark.parametrize("unknown", ["{{TEN_DON_VI}}", "{{ ngày }}", "{{Don_Vi}}"])
def test_an_unknown_placeholder_is_named(tmp_path: Path, unknown: str) -> None:
    template = split_template(tmp_path / "mau.docx", f" {unknown}")
    with pytest.raises(SourceError) as caught:
        DocumentMaker(SETTINGS, template, today=DAY)
    assert f"có chỗ điền không biết: {unknown}" in str(caught.value)
    assert "{{CAP_TREN}}, {{DON_VI}}, {{don_vi}}" in str(caught.value)
