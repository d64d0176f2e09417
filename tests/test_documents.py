"""Word output: every produced .docx is read back with python-docx and checked."""

from __future__ import annotations

import io
import pickle
import subprocess
import sys
import zipfile
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, NamedTuple

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from hypothesis import given
from hypothesis import strategies as st

from sheets_sync.config import DocumentSettings
from sheets_sync.documents import DocumentMaker, write_documents
from sheets_sync.documents import maker as maker_module
from sheets_sync.documents import writer as writer_module
from sheets_sync.documents.columns import text_twips, title_twips
from sheets_sync.documents.layout import (
    CAPITAL_TWIPS,
    CELL_SPACING,
    LETTERHEAD_WIDTH,
    NUMBER_WIDTH,
    SUMMARY_STAFF_HEADING,
    TABLE_SIZE,
    Letterhead,
    Signature,
    balanced,
    body,
    data_table_parts,
    table_widths,
)
from sheets_sync.documents.maker import (
    chair_name,
    date_line,
    fanpage_rows,
    issuer_name,
    staff_rows,
)
from sheets_sync.documents.package import (
    BASE_PARTS,
    DOCUMENT_PART,
    TEXT_WIDTH,
    StreamedPart,
    ZipEntry,
    compress,
    document_xml,
    write_zip,
    zip_entries,
)
from sheets_sync.documents.wordml import CELL_MARGIN, Font, cell, row, text_paragraph
from sheets_sync.errors import SourceError
from sheets_sync.model import Response, RowResult, Staff

DAY = date(2024, 2, 5)
FONT = "Times New Roman"
TITLE = ["DANH SÁCH", "THEO DÕI, QUẢN LÝ LỰC LƯỢNG THAM GIA TUYÊN TRUYỀN"]
FANPAGE_HEADERS = [
    "STT",
    "Tên đơn vị",
    "Tên trang Fanpage (facebook)",
    "Đường link tài khoản Facebook",
    "Ghi chú",
]
STAFF_HEADERS = ["STT", "Họ tên", "Chức vụ", "Đơn vị", "Số điện thoại"]
LONG_LINK = "https://www.facebook.com/profile.php?id=" + "1234567890" * 12


def staff(name: str, position: str = "Ủy viên", phone: str = "0984919862", unit: str = "") -> Staff:
    return Staff(name=name, position=position, unit=unit, phone=phone)


def result(unit: str, members: list[Staff], url: str = "", note: str = "") -> RowResult:
    response = Response(
        row=2,
        submitted_at=datetime(2024, 1, 30, 8, 15),
        email="cd@example.vn",
        unit=unit,
        roster_unit=unit,
        fanpage_name=f"Công đoàn _ {unit}",
        expected_fanpage_name=f"Công đoàn _ {unit}",
        fanpage_url=url or "https://www.facebook.com/congdoanthcsngoclam",
        note=note,
        staff=[replace(m, unit=m.unit or unit) for m in members],
    )
    return RowResult(response=response, status="ok")


NGOC_LAM = result(
    "Trường THCS Ngọc Lâm",
    [
        staff("Trần Văn Bình", "Phó Chủ tịch Công đoàn", "02438271234"),
        staff("Nguyễn Thị Thu Hà", "Chủ tịch Công đoàn", "0984919862"),
        staff("Lê Hoa", "Ủy viên", "0912 345", unit="Phòng GD&ĐT"),
    ],
)


@pytest.fixture(scope="module")
def maker() -> DocumentMaker:
    return DocumentMaker(DocumentSettings(summary_signer_name="Đặng Thị Ánh Nguyệt"), today=DAY)


def read(data: bytes) -> Any:
    return docx.Document(io.BytesIO(data))


def texts(table: Any) -> list[list[str]]:
    """The rows' texts, without a row that holds tables (the last rows and the signature)."""
    return [[cell.text for cell in row.cells] for row in table.rows if not row.cells[0].tables]


class Laid(NamedTuple):
    """The tables of a list: letterhead, table 1, table 2 (its last rows in a table of their
    own, kept with the signature in table 2's last row) and the signature."""

    head: Any
    fanpage: Any
    people: list[Any]
    signature: Any


def laid_out(document: Any) -> Laid:
    head, fanpage, *rest = document.tables
    *people, kept = rest
    *tail, signature = kept.rows[-1].cells[0].tables
    if len(kept.rows) > 1:
        people.append(kept)  # table 2, its last row holding its last rows and the signature
    return Laid(head, fanpage, [*people, *tail], signature)


def people_texts(document: Any) -> list[list[str]]:
    return [line for table in laid_out(document).people for line in texts(table)]


def body_paragraphs(document: Any) -> list[Any]:
    return [p for p in document.paragraphs if p.text]


def test_page_is_a4_portrait_with_decree_margins(maker: DocumentMaker) -> None:
    for data in (maker.unit(NGOC_LAM), maker.summary([NGOC_LAM])):
        (section,) = read(data).sections
        assert abs(section.page_width - Mm(210)) < Mm(0.1)
        assert abs(section.page_height - Mm(297)) < Mm(0.1)
        assert section.orientation == 0  # portrait
        margins = (section.top_margin, section.bottom_margin, section.left_margin)
        assert [round(m.mm) for m in (*margins, section.right_margin)] == [20, 20, 30, 15]


def test_times_new_roman_for_every_script_in_defaults_and_styles(maker: DocumentMaker) -> None:
    styles = read(maker.unit(NGOC_LAM)).styles.element
    defaults = styles.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")
    normal = styles.xpath('w:style[@w:styleId="Normal"]/w:rPr')[0]
    for rpr in (defaults, normal):
        fonts = rpr.find(qn("w:rFonts"))
        for script in ("ascii", "hAnsi", "eastAsia", "cs"):
            assert fonts.get(qn(f"w:{script}")) == FONT
        assert rpr.find(qn("w:sz")).get(qn("w:val")) == "26"  # 13 pt


def test_letterhead_date_line_and_title(maker: DocumentMaker) -> None:
    document = read(maker.unit(NGOC_LAM))
    head = document.tables[0]
    superior, issuer, rule = head.cell(0, 0).paragraphs
    assert superior.text == "LIÊN ĐOÀN LAO ĐỘNG QUẬN LONG BIÊN"
    assert not superior.runs[0].bold and not superior.runs[0].italic
    assert issuer.text == "CÔNG ĐOÀN TRƯỜNG THCS NGỌC LÂM"
    assert issuer.runs[0].bold
    assert rule.text == "" and rule._p.find(f".//{qn('w:pBdr')}/{qn('w:bottom')}") is not None
    (date_paragraph,) = head.cell(1, 1).paragraphs
    # The day of the unit's submission, not the day of the run.
    assert date_paragraph.text == "Long Biên, ngày 30 tháng 01 năm 2024"
    assert date_paragraph.runs[0].italic
    title = body_paragraphs(document)[:2]
    assert [p.text for p in title] == TITLE
    assert all(p.runs[0].bold and p.alignment == 1 for p in title)
    assert all(p.runs[0].font.size == Pt(14) for p in title)


def test_section_headings_are_bold(maker: DocumentMaker) -> None:
    headings = body_paragraphs(read(maker.unit(NGOC_LAM)))[2:]
    assert [p.text for p in headings] == [
        "1. Thông tin tài khoản Fanpage (facebook)",
        "2. Danh sách cán bộ phụ trách, quản lý trang Fanpage (facebook) của đơn vị",
    ]
    assert all(p.runs[0].bold for p in headings)


def test_unit_tables_hold_every_value(maker: DocumentMaker) -> None:
    document = read(maker.unit(NGOC_LAM))
    assert texts(laid_out(document).fanpage) == [
        FANPAGE_HEADERS,
        [
            "1",
            "Trường THCS Ngọc Lâm",
            "Công đoàn _ Trường THCS Ngọc Lâm",
            "https://www.facebook.com/congdoanthcsngoclam",
            "",
        ],
    ]
    assert people_texts(document) == [
        STAFF_HEADERS,
        ["1", "Trần Văn Bình", "Phó Chủ tịch Công đoàn", "Trường THCS Ngọc Lâm", "024.3827.1234"],
        ["2", "Nguyễn Thị Thu Hà", "Chủ tịch Công đoàn", "Trường THCS Ngọc Lâm", "0984.919.862"],
        ["3", "Lê Hoa", "Ủy viên", "Phòng GD&ĐT", "0912 345"],
    ]


def test_tables_have_fixed_full_width_columns_and_repeat_their_header(
    maker: DocumentMaker,
) -> None:
    document = read(maker.unit(NGOC_LAM))
    section = document.sections[0]
    text_width = section.page_width - section.left_margin - section.right_margin
    laid = laid_out(document)
    for table in (laid.fanpage, *laid.people):
        tbl = table._tbl
        assert tbl.tblPr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
        widths = [int(col.get(qn("w:w"))) for col in tbl.tblGrid.findall(qn("w:gridCol"))]
        assert abs(sum(widths) * 635 - text_width) < Mm(0.1)
        assert (
            tbl.tblPr.find(f"{qn('w:tblBorders')}/{qn('w:insideH')}").get(qn("w:val")) == "single"
        )
        assert all(r._tr.trPr.find(qn("w:cantSplit")) is not None for r in table.rows)
    for table in (laid.fanpage, laid.people[0]):
        header, *rows = table.rows
        assert header._tr.trPr.find(qn("w:tblHeader")) is not None
        assert all(r._tr.trPr.find(qn("w:tblHeader")) is None for r in rows)
        assert all(c.paragraphs[0].runs[0].bold for c in header.cells)
        assert all(c.paragraphs[0].alignment == 1 for c in header.cells)
        assert all(r.font.size == Pt(12) for c in rows[0].cells for r in c.paragraphs[0].runs)


def test_signature_block_names_the_chair(maker: DocumentMaker) -> None:
    signature = laid_out(read(maker.unit(NGOC_LAM))).signature.cell(0, 1).paragraphs
    assert [p.text for p in signature] == [
        "TM. BAN CHẤP HÀNH",
        "CHỦ TỊCH",
        "(Ký tên, đóng dấu)",
        "",
        "",
        "",
        "",
        "Nguyễn Thị Thu Hà",
    ]
    assert signature[0].runs[0].bold and signature[1].runs[0].bold
    assert signature[2].runs[0].italic
    assert signature[-1].runs[0].bold
    assert all(p.alignment == 1 for p in signature if p.text)


def assert_header_repeats_above_the_kept_rows(table: Any, header: str) -> Any:
    """Check that `table`'s last row, never split, is where its repeated header row goes
    above it on a new page; return the tables that row holds."""
    first, last = table.rows[0]._tr.trPr, table.rows[-1]._tr.trPr
    assert first.find(qn("w:tblHeader")) is not None
    assert table.rows[0].cells[0].text == header
    assert last.find(qn("w:cantSplit")) is not None
    assert len({id(cell._tc) for cell in table.rows[-1].cells}) == 1  # over all columns
    return table.rows[-1].cells[0].tables


def test_the_last_rows_and_the_signature_share_a_row_that_never_splits(
    maker: DocumentMaker,
) -> None:
    members = [staff(f"Người {i}", "Ủy viên") for i in range(1, 6)]
    document = read(maker.summary([result("Trường MN Hoa Sữa", members)]))
    staff_table = document.tables[-1]
    tail, signature = assert_header_repeats_above_the_kept_rows(staff_table, "STT")
    assert [r[0] for r in texts(tail)] == ["4", "5"]
    assert signature.cell(0, 1).paragraphs[0].text == "TM. BAN THƯỜNG VỤ"
    assert [r[0] for r in texts(staff_table)] == ["STT", "1", "2", "3"]


def test_signature_without_chair_has_no_name_line(maker: DocumentMaker) -> None:
    unit = result("Trường MN Hoa Sữa", [staff("Lê Văn Tư", "Phó Chủ tịch")])
    signature = laid_out(read(maker.unit(unit))).signature.cell(0, 1).paragraphs
    assert [p.text for p in signature][-1] == ""
    assert len(signature) == 7


@pytest.mark.parametrize(
    ("positions", "expected"),
    [
        (["Chủ tịch Công đoàn"], "A"),
        (["Phó Chủ tịch", "CHỦ TỊCH CĐCS"], "B"),
        (["Ủy viên", "chu tich"], "B"),
        (["Chủ  tịch", "Chủ tịch"], "A"),  # the first chair wins
        (["Phó chủ tịch", "Phó Chủ Tịch"], ""),
        (["Ủy viên BCH", "Tổ trưởng"], ""),
        (["Chủ tịch kiêm Hiệu trưởng"], "A"),
    ],
)
def test_chair_is_the_first_chair_but_never_a_vice_chair(
    positions: list[str], expected: str
) -> None:
    members = [staff(name, position) for name, position in zip("AB", positions, strict=False)]
    assert chair_name(members) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2024, 2, 5), "Long Biên, ngày 05 tháng 02 năm 2024"),
        (date(2024, 1, 1), "Long Biên, ngày 01 tháng 01 năm 2024"),
        (date(2024, 3, 15), "Long Biên, ngày 15 tháng 3 năm 2024"),
        (date(2024, 9, 9), "Long Biên, ngày 09 tháng 9 năm 2024"),
        (date(2024, 12, 31), "Long Biên, ngày 31 tháng 12 năm 2024"),
    ],
)
def test_date_line_pads_days_below_10_and_months_1_2(day: date, expected: str) -> None:
    assert date_line("Long Biên", day) == expected


@pytest.mark.parametrize(
    ("unit", "expected"),
    [
        ("Trường THCS Ngọc Lâm", "CÔNG ĐOÀN TRƯỜNG THCS NGỌC LÂM"),
        ("Công đoàn cơ sở Phường Bồ Đề", "CÔNG ĐOÀN CƠ SỞ PHƯỜNG BỒ ĐỀ"),
        ("cong doan Bệnh viện Đức Giang", "CONG DOAN BỆNH VIỆN ĐỨC GIANG"),
        ("Công Doanh Long Biên", "CÔNG ĐOÀN CÔNG DOANH LONG BIÊN"),
    ],
)
def test_issuer_is_the_unit_in_capitals_after_the_prefix(unit: str, expected: str) -> None:
    assert issuer_name("CÔNG ĐOÀN", unit) == expected


@pytest.mark.parametrize(
    "issuer", ["CÔNG ĐOÀN BV", "CÔNG ĐOÀN TRƯỜNG THCS NGỌC LÂM", "LIÊN ĐOÀN LAO ĐỘNG\nQUẬN X"]
)
def test_the_rule_under_the_issuer_is_a_third_to_a_half_of_its_line(issuer: str) -> None:
    head = Letterhead("LIÊN ĐOÀN LAO ĐỘNG QUẬN LONG BIÊN", issuer, "")
    rule = docx.Document(io.BytesIO(_document(head))).tables[0].cell(0, 0).paragraphs[2]
    indent = rule.paragraph_format
    width = LETTERHEAD_WIDTH - indent.left_indent.twips - indent.right_indent.twips
    line = max(map(len, issuer.split("\n"))) * CAPITAL_TWIPS
    assert line / 3 <= width <= line / 2


def _document(head: Letterhead) -> bytes:
    maker = DocumentMaker(DocumentSettings(), today=DAY)
    return maker._document(body(head, [], [], Signature("", "", "", "")))


def test_columns_are_sized_from_the_content() -> None:
    link = "https://www.facebook.com/congdoanphuongbode"
    rows = [("1", "Ủy ban nhân dân phường Bồ Đề", "Công đoàn _ UBND phường Bồ Đề", link, "")]
    fanpage, people = table_widths(rows, [("1", "Nguyễn Thị Thu Hà", "Chủ tịch", "UBND", "")])
    assert sum(fanpage) == sum(people) == TEXT_WIDTH
    # The link's longest piece fits: it breaks after `/`, never inside a word.
    assert fanpage[3] >= text_twips("congdoanphuongbode") + 2 * CELL_MARGIN
    # An empty note column keeps only the width of its title.
    assert fanpage[4] == title_twips("Ghi chú") + 2 * CELL_MARGIN
    assert fanpage[0] == people[0] == NUMBER_WIDTH


def test_a_link_longer_than_any_column_does_not_crush_the_others() -> None:
    rows = [("1", "Trường Mầm non Hoa Sữa", "Công đoàn _ Trường", LONG_LINK, "")]
    fanpage, _ = table_widths(rows, [])
    assert min(fanpage[1:3]) >= title_twips("(facebook)")
    assert fanpage[4] >= title_twips("Ghi chú")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("LIÊN ĐOÀN LAO ĐỘNG QUẬN LONG BIÊN", "LIÊN ĐOÀN LAO ĐỘNG QUẬN LONG BIÊN"),
        ("LIÊN ĐOÀN LAO ĐỘNG THÀNH PHỐ HÀ NỘI", "LIÊN ĐOÀN LAO ĐỘNG THÀNH PHỐ HÀ NỘI"),
        (
            "LIÊN ĐOÀN LAO ĐỘNG THÀNH PHỐ HỒ CHÍ MINH MỞ RỘNG",
            "LIÊN ĐOÀN LAO ĐỘNG THÀNH\nPHỐ HỒ CHÍ MINH MỞ RỘNG",
        ),
        ("CÔNG ĐOÀN TRƯỜNG TRUNG HỌC CƠ SỞ NGỌC LÂM", "CÔNG ĐOÀN TRƯỜNG TRUNG\nHỌC CƠ SỞ NGỌC LÂM"),
        ("A" * 50, "A" * 50),
    ],
)
def test_long_letterhead_lines_break_evenly(text: str, expected: str) -> None:
    assert balanced(text) == expected


def test_lists_pass_a_strict_open_xml_validator(maker: DocumentMaker, tmp_path: Path) -> None:
    audit = Path(sys.executable).parent / "openxml-audit"
    members = [staff(f"Người {i}", "Ủy viên") for i in range(1, 6)]
    files = {
        "unit.docx": maker.unit(NGOC_LAM),
        "summary.docx": maker.summary([NGOC_LAM, result("Trường MN Hoa Sữa", members)]),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            assert len(archive.read("word/theme/theme1.xml")) < 2048  # the package stays small
        done = subprocess.run(
            [str(audit), "--policy", "strict", str(tmp_path / name)], capture_output=True
        )
        assert done.returncode == 0, done.stdout.decode()


def test_page_numbers_from_page_two(maker: DocumentMaker) -> None:
    (section,) = read(maker.unit(NGOC_LAM)).sections
    assert section.different_first_page_header_footer
    assert not section.first_page_header.is_linked_to_previous
    assert "".join(p.text for p in section.first_page_header.paragraphs) == ""
    (number,) = section.header.paragraphs
    assert number.alignment == 1
    assert number._p.xpath("string(.//w:instrText)").strip() == "PAGE"


def test_same_data_gives_the_same_bytes() -> None:
    first = DocumentMaker(DocumentSettings(), today=DAY)
    second = DocumentMaker(DocumentSettings(), today=DAY)
    assert first.unit(NGOC_LAM) == second.unit(NGOC_LAM)
    assert first.summary([NGOC_LAM]) == second.summary([NGOC_LAM])
    with zipfile.ZipFile(io.BytesIO(first.unit(NGOC_LAM))) as archive:
        assert archive.namelist()[0] == "[Content_Types].xml"
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert archive.testzip() is None  # every CRC matches
    core = read(first.unit(NGOC_LAM)).core_properties
    assert (core.author, core.revision, core.last_modified_by) == ("sheets-sync", 1, "")
    assert core.created == core.modified == datetime(2024, 1, 1, tzinfo=UTC)


def test_a_changed_phone_changes_only_that_units_file(maker: DocumentMaker) -> None:
    other = result("Trường MN Hoa Sữa", [staff("Lê Văn Tư", "Chủ tịch")])
    before = maker.unit(NGOC_LAM), maker.unit(other)
    changed = replace(
        NGOC_LAM, response=replace(NGOC_LAM.response, staff=list(NGOC_LAM.response.staff))
    )
    changed.response.staff[0] = replace(changed.response.staff[0], phone="0983456789")
    assert maker.unit(changed) != before[0]
    assert maker.unit(other) == before[1]


def test_a_unit_with_40_staff_and_a_long_link(maker: DocumentMaker) -> None:
    members = [staff(f"Nguyễn Văn Số {i}", "Ủy viên", f"09849198{i:02d}") for i in range(1, 41)]
    document = read(maker.unit(result("Trường MN Hoa Sữa", members, url=LONG_LINK)))
    assert texts(laid_out(document).fanpage)[1][3] == LONG_LINK
    rows = people_texts(document)[1:]
    assert [r[0] for r in rows] == [str(i) for i in range(1, 41)]
    assert rows[39] == ["40", "Nguyễn Văn Số 40", "Ủy viên", "Trường MN Hoa Sữa", "0984.919.840"]


def test_markup_and_forbidden_characters_in_user_text(maker: DocumentMaker) -> None:
    unit = "Công ty <TNHH> A & B \"Quê\" 'tôi'"
    members = [staff("Lê\x00 Văn\x1f Tư\ufffe", "Chủ tịch\x0b </w:t>", "0984919862")]
    document = read(maker.unit(result(unit, members, note="Ghi chú & <b>")))
    fanpage = laid_out(document).fanpage
    assert texts(fanpage)[1][1] == unit
    assert texts(fanpage)[1][4] == "Ghi chú & <b>"
    assert people_texts(document)[1][1:3] == ["Lê Văn Tư", "Chủ tịch </w:t>"]
    assert people_texts(document)[1][4] == "0984.919.862"
    assert (
        document.tables[0].cell(0, 0).paragraphs[1].text.replace("\n", " ")
        == "CÔNG ĐOÀN " + unit.upper()
    )


def test_summary_lists_every_unit_and_every_member(maker: DocumentMaker) -> None:
    other = result("Trường MN Hoa Sữa", [staff("Lê Văn Tư", "Chủ tịch", "0983456789")])
    document = read(maker.summary([NGOC_LAM, other]))
    head, fanpage, _, signature = laid_out(document)
    people = people_texts(document)
    assert [p.text for p in head.cell(0, 0).paragraphs[:2]] == [
        # Each body on one line: the two read as one letterhead, not two stacked ones.
        "LIÊN ĐOÀN LAO ĐỘNG THÀNH PHỐ HÀ NỘI",
        "LIÊN ĐOÀN LAO ĐỘNG QUẬN LONG BIÊN",
    ]
    assert [r[:2] for r in texts(fanpage)[1:]] == [
        ["1", "Trường THCS Ngọc Lâm"],
        ["2", "Trường MN Hoa Sữa"],
    ]
    assert [r[0] for r in people[1:]] == ["1", "2", "3", "4"]
    assert [r[3] for r in people[1:]] == [
        "Trường THCS Ngọc Lâm",
        "Trường THCS Ngọc Lâm",
        "Phòng GD&ĐT",
        "Trường MN Hoa Sữa",
    ]
    lines = [p.text for p in signature.cell(0, 1).paragraphs]
    assert lines[:3] == ["TM. BAN THƯỜNG VỤ", "CHỦ TỊCH", "(Ký tên, đóng dấu)"]
    assert lines[-1] == "Đặng Thị Ánh Nguyệt"
    assert body_paragraphs(document)[3].text.endswith("của các đơn vị")


def date_of(data: bytes) -> str:
    text: str = read(data).tables[0].cell(1, 1).text
    return text


def submitted(unit: RowResult, moment: datetime | None) -> RowResult:
    return replace(unit, response=replace(unit.response, submitted_at=moment))


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        (date(2024, 3, 1), "Hà Nội, ngày 01 tháng 3 năm 2024"),
        ("today", "Hà Nội, ngày 05 tháng 02 năm 2024"),
        ("submission", "Hà Nội, ngày 30 tháng 01 năm 2024"),
        ("blank", "Hà Nội, ngày ... tháng ... năm ...."),
    ],
)
def test_date_line_follows_the_date_setting(mode: str | date, expected: str) -> None:
    settings = DocumentSettings(date=mode, place="Hà Nội")
    assert date_of(DocumentMaker(settings, today=DAY).unit(NGOC_LAM)) == expected


def test_summary_is_dated_by_the_latest_submission(maker: DocumentMaker) -> None:
    units = [
        submitted(NGOC_LAM, datetime(2024, 1, 30, 23, 59)),
        submitted(result("Trường MN Hoa Sữa", []), datetime(2024, 2, 3, 7, 0)),
        submitted(result("Trường TH Bồ Đề", []), None),
    ]
    assert date_of(maker.summary(units)) == "Long Biên, ngày 03 tháng 02 năm 2024"
    # A unit without a time leaves the line for a hand-written date.
    assert date_of(maker.unit(units[2])) == "Long Biên, ngày ... tháng ... năm ...."


def test_a_rerun_on_another_day_rewrites_no_file(tmp_path: Path) -> None:
    results = [NGOC_LAM, result("Trường MN Hoa Sữa", [staff("Lê Văn Tư", "Chủ tịch")])]
    first = write_documents(results, tmp_path, DocumentMaker(DocumentSettings(), today=DAY))
    assert first.written == 3
    later = DocumentMaker(DocumentSettings(), today=date(2025, 7, 14))
    again = write_documents(results, tmp_path, later)
    assert (again.written, again.unchanged) == (0, 3)


# --- a unit's own template -------------------------------------------------------------


def make_template(path: Path, *, data_rows: bool = True, tables: bool = True) -> Path:
    document = docx.Document()
    document.add_paragraph("CÔNG ĐOÀN TRƯỜNG THCS NGỌC LÂM - MẪU RIÊNG")
    if tables:
        for headers in (FANPAGE_HEADERS, STAFF_HEADERS):
            table = document.add_table(rows=1, cols=5)
            for cell, text in zip(table.rows[0].cells, headers, strict=True):
                cell.paragraphs[0].add_run(text).bold = True
            for number in ("1", "2", "...") if data_rows else ():
                for index, cell in enumerate(table.add_row().cells):
                    run = cell.paragraphs[0].add_run("" if index else number)
                    run.italic = True
                    run.font.size = Pt(11)
    document.add_paragraph("Chữ ký riêng của đơn vị")
    document.save(path)
    return path


def test_template_rows_are_filled_in_the_template_format(tmp_path: Path) -> None:
    template = make_template(tmp_path / "mau.docx")
    filled = DocumentMaker(DocumentSettings(), template, today=DAY).unit(NGOC_LAM)
    document = read(filled)
    assert [p.text for p in document.paragraphs] == [
        "CÔNG ĐOÀN TRƯỜNG THCS NGỌC LÂM - MẪU RIÊNG",
        "Chữ ký riêng của đơn vị",
    ]
    fanpage, people = document.tables
    assert texts(fanpage)[0] == FANPAGE_HEADERS
    assert texts(fanpage)[1:] == [
        [
            "1",
            "Trường THCS Ngọc Lâm",
            "Công đoàn _ Trường THCS Ngọc Lâm",
            "https://www.facebook.com/congdoanthcsngoclam",
            "",
        ]
    ]
    assert [r[:2] for r in texts(people)] == [
        STAFF_HEADERS[:2],
        ["1", "Trần Văn Bình"],
        ["2", "Nguyễn Thị Thu Hà"],
        ["3", "Lê Hoa"],
    ]
    assert texts(people)[3][4] == "0912 345"
    run = people.cell(3, 1).paragraphs[0].runs[0]
    assert run.italic and run.font.size == Pt(11)
    assert DocumentMaker(DocumentSettings(), template, today=DAY).unit(NGOC_LAM) == filled


def test_template_without_data_rows_copies_the_header_cells_unbold(tmp_path: Path) -> None:
    template = make_template(tmp_path / "mau.docx", data_rows=False)
    summary = DocumentMaker(DocumentSettings(), template, today=DAY).summary([NGOC_LAM])
    _, people = read(summary).tables
    assert len(people.rows) == 4
    row = people.rows[2]
    assert row.cells[1].text == "Nguyễn Thị Thu Hà"
    assert not row.cells[1].paragraphs[0].runs[0].bold
    assert row._tr.trPr is None or row._tr.trPr.find(qn("w:tblHeader")) is None


@pytest.mark.parametrize("kind", ["missing", "not a docx", "no tables"])
def test_unusable_template_is_a_source_error(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "mau.docx"
    if kind == "not a docx":
        path.write_text("không phải Word", encoding="utf-8")
    elif kind == "no tables":
        make_template(path, tables=False)
    with pytest.raises(SourceError, match=r"[mM]ẫu Word"):
        DocumentMaker(DocumentSettings(), path, today=DAY)


# --- the consolidated list, streamed --------------------------------------------------

TRICKY_TEXTS = ["", "Hà Nội", "dòng 1\ndòng 2", 'A & <B> "C"', "\x01", "x\x00y", "\r\n", "\ue000"]


def many_units(count: int) -> list[RowResult]:
    return [
        result(
            f"Trường Tiểu học Số {i}",
            [staff(f"Người {i}", "Chủ tịch"), staff(TRICKY_TEXTS[i % len(TRICKY_TEXTS)], "")],
            note=TRICKY_TEXTS[(i + 3) % len(TRICKY_TEXTS)],
        )
        for i in range(count)
    ]


def whole_summary(maker: DocumentMaker, results: list[RowResult]) -> bytes:
    """Build the consolidated list the plain way: document.xml as one string, then zipped."""
    settings = maker.settings
    head = Letterhead(
        settings.summary_superior_body,
        settings.summary_issuer,
        date_line(settings.place, date(2024, 1, 30)),
    )
    signature = Signature(
        settings.summary_signer_authority,
        settings.summary_signer_title,
        settings.signer_note,
        settings.summary_signer_name,
    )
    members = [row for r in results for row in staff_rows(r.response.staff, r.response.unit)]
    numbered = [(str(i), *row[1:]) for i, row in enumerate(members, 1)]
    content = body(head, fanpage_rows(results), numbered, signature, SUMMARY_STAFF_HEADING)
    parts = [
        (name, document_xml(content) if name == DOCUMENT_PART else text)
        for name, text in BASE_PARTS
    ]
    return zip_entries([compress(name, text.encode()) for name, text in parts])


@pytest.mark.parametrize("chunk", [1, 700, 1 << 20])
def test_streamed_summary_equals_the_one_built_whole(
    maker: DocumentMaker, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    results = many_units(60)
    monkeypatch.setattr(maker_module, "CHUNK_CHARS", chunk)
    assert maker.summary(results) == whole_summary(maker, results)


@given(st.binary(max_size=3000), st.lists(st.integers(0, 3000), max_size=6))
def test_deflating_in_pieces_gives_the_bytes_of_one_piece(data: bytes, cuts: list[int]) -> None:
    points = sorted({min(c, len(data)) for c in cuts})
    pieces = [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)]
    assert streamed_zip("part.xml", pieces) == whole_zip("part.xml", data)


def test_deflating_a_long_part_in_pieces_gives_the_same_bytes() -> None:
    data = "".join(f"<w:tr>{i} Nguyễn Văn {i % 97}</w:tr>" for i in range(60_000)).encode()
    pieces = [data[i : i + 65_537] for i in range(0, len(data), 65_537)]
    assert streamed_zip(DOCUMENT_PART, pieces) == whole_zip(DOCUMENT_PART, data)


def around(entry: ZipEntry) -> list[ZipEntry]:
    """Put an entry between two others, as the body sits among the fixed parts."""
    return [compress("a.xml", b"<a/>"), entry, compress("b.xml", b"<b>" * 50)]


def whole_zip(name: str, data: bytes) -> bytes:
    return zip_entries(around(compress(name, data)))


def streamed_zip(name: str, pieces: list[bytes]) -> bytes:
    stream = io.BytesIO()
    write_zip(stream, around(compress(name, b"")), StreamedPart(1, name, pieces))
    return stream.getvalue()


@pytest.mark.parametrize("text", TRICKY_TEXTS)
def test_table_cells_are_written_as_the_cell_builders_write_them(text: str) -> None:
    font, space = Font(size=TABLE_SIZE), CELL_SPACING
    expected = row(
        [
            cell(1000, text_paragraph(text, font, align="center", before=space, after=space)),
            cell(2000, text_paragraph(text, font, before=space, after=space)),
        ]
    )
    parts = list(data_table_parts((1000, 2000), ("A", "B"), [(text, text)], centred=(0,)))
    assert parts[1] == expected


# --- writing the folder --------------------------------------------------------------


def test_write_documents_names_files_and_skips_unchanged(
    tmp_path: Path, maker: DocumentMaker
) -> None:
    results = [
        NGOC_LAM,
        result("Trường THCS Ngọc Lâm", [staff("An", "Chủ tịch")]),
        result("Tổng hợp", [staff("Bình", "Chủ tịch")]),
        result("../..", [staff("Cường", "Chủ tịch")]),
    ]
    seen: list[int] = []
    outcome = write_documents(results, tmp_path / "out", maker, seen.append)
    names = [r.file_name for r in results]
    assert names == [
        "truong-thcs-ngoc-lam.docx",
        "truong-thcs-ngoc-lam-2.docx",
        "tong-hop-2.docx",
        "don-vi.docx",
    ]
    assert [p.name for p in outcome.paths] == [*names, "tong-hop.docx"]
    assert (outcome.written, outcome.unchanged) == (5, 0)
    assert seen == [1, 2, 3, 4, 5]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        p.name for p in outcome.paths
    )
    assert (tmp_path / "out" / names[0]).read_bytes() == maker.unit(NGOC_LAM)
    stamps = [p.stat().st_mtime_ns for p in outcome.paths]
    again = write_documents(results, tmp_path / "out", maker)
    assert (again.written, again.unchanged) == (0, 5)
    assert [p.stat().st_mtime_ns for p in outcome.paths] == stamps


def test_one_changed_unit_rewrites_its_file_and_the_summary(
    tmp_path: Path, maker: DocumentMaker
) -> None:
    other = result("Trường MN Hoa Sữa", [staff("Lê Văn Tư", "Chủ tịch")])
    write_documents([NGOC_LAM, other], tmp_path, maker)
    changed = result("Trường MN Hoa Sữa", [staff("Lê Văn Tư", "Chủ tịch", "0983456789")])
    outcome = write_documents([NGOC_LAM, changed], tmp_path, maker)
    assert (outcome.written, outcome.unchanged) == (2, 1)
    assert not list(tmp_path.glob("*.tmp"))


def test_many_units_are_written_by_worker_processes(
    tmp_path: Path, maker: DocumentMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writer_module, "PARALLEL_THRESHOLD", 3)
    results = [
        result(f"Trường Tiểu học Số {i}", [staff(f"Người {i}", "Chủ tịch")]) for i in range(9)
    ]
    seen: list[int] = []
    outcome = write_documents(results, tmp_path, maker, seen.append)
    assert (outcome.written, outcome.unchanged) == (10, 0)
    assert seen == list(range(1, 11))
    for item in results:
        assert (tmp_path / str(item.file_name)).read_bytes() == maker.unit(item)
    assert (tmp_path / "tong-hop.docx").read_bytes() == maker.summary(results)


def test_units_are_reduced_when_read_and_sent_to_a_worker_as_plain_tuples() -> None:
    results = many_units(7)
    units = maker_module.summary_units(results)
    each = [maker_module.summary_unit(r.response) for r in results]
    assert len(units) == 7 and list(units) == each and units[3] == each[3]
    assert list(units[2:5]) == each[2:5] and units[-1] == each[-1]
    sent = pickle.loads(pickle.dumps(units[1:6]))
    assert type(sent) is tuple and sent == tuple(each[1:6])
