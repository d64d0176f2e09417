"""The fast worksheet reader gives every cell exactly as openpyxl's read-only rows give it."""

from __future__ import annotations

import re
import sys
import warnings
import zipfile
from datetime import date, datetime, time, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from sheets_sync.sheets.xlsx_values import SheetValues, load_values_book, sheet_values

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import synthetic  # noqa: E402

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def typed(rows: Any) -> list[list[tuple[type, Any]]]:
    """Each row as (type, value) pairs, so `5` and `5.0` or a date and a datetime differ."""
    return [[(type(v), v) for v in row] for row in rows]


def both_ways(data: bytes) -> list[tuple[str, bool, list[Any], list[Any]]]:
    """Read every sheet with openpyxl's rows and with sheet_values, values and formulas."""
    compared = []
    for values in (True, False):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(BytesIO(data), read_only=True, data_only=values)
            ours_book = load_values_book(BytesIO(data), values=values)
            assert [s.title for s in ours_book.worksheets] == [s.title for s in book.worksheets]
            for sheet, our_sheet in zip(book.worksheets, ours_book.worksheets, strict=True):
                sheet.reset_dimensions()
                theirs = typed(sheet.iter_rows(values_only=True))
                ours = typed(sheet_values(ours_book, our_sheet))
                compared.append((sheet.title, values, theirs, ours))
            book.close()
            ours_book.close()
    return compared


def assert_same(data: bytes) -> int:
    cells = 0
    for title, values, theirs, ours in both_ways(data):
        assert ours == theirs, (title, values)
        cells += sum(len(row) for row in theirs)
    return cells


def save(book: openpyxl.Workbook) -> bytes:
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def every_kind(book: openpyxl.Workbook) -> None:
    """Fill a workbook with each kind of value a form export or a person's edit holds."""
    sheet = book.active
    sheet.title = "Câu trả lời biểu mẫu 1"
    sheet.append(["Dấu thời gian", "Số", "Chữ", "Đúng/Sai", "Ngày", "Giờ", "Công thức"])
    sheet.append([datetime(2024, 2, 5, 8, 30, 15), 984919862, "0984919862", True, date(2024, 2, 5)])
    sheet.append([datetime(2024, 1, 31, 23, 59, 59, 999000), 2.5, "  Trường  THCS ", False])
    sheet.append([None, 12345678901234567890, "", None, time(8, 30), timedelta(hours=30)])
    sheet.append([1e20, -0.0, "#N/A", "=1+1", 1.5e-7, "Công đoàn _ Trường\nTiểu học"])
    sheet["G2"] = "=SUM(B2:B3)"
    sheet["J9"] = "xa"  # a gap of rows and columns
    sheet["C12"] = CellRichText(["Trường ", TextBlock(InlineFont(b=True), "THCS"), " Ngọc Lâm"])
    sheet["A14"] = datetime(1900, 1, 1)
    sheet["B14"] = datetime(1899, 12, 31)
    roster = book.create_sheet("Danh sách đơn vị")
    roster.append(["STT", "Tên đơn vị"])
    roster.append([1, "Trường THCS Ngọc Lâm"])


def test_a_normal_workbook_reads_the_same(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    every_kind(book)
    assert_same(save(book))


def test_a_1904_workbook_reads_the_same() -> None:
    book = openpyxl.Workbook()
    book.epoch = openpyxl.utils.datetime.MAC_EPOCH
    every_kind(book)
    assert_same(save(book))


def test_a_write_only_workbook_with_inline_strings_reads_the_same() -> None:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Câu trả lời biểu mẫu 1")
    sheet.append(["Tên đơn vị", "Số", "Ngày"])
    sheet.append(["Trường THCS Ngọc Lâm", 984919862, datetime(2024, 2, 5, 8, 30)])
    sheet.append([])
    sheet.append(["", None, " ", "x" * 1000, True, 2.5])
    assert_same(save(book))


def test_synthetic_responses_read_the_same(tmp_path: Path) -> None:
    path = tmp_path / "responses.xlsx"
    synthetic.write_xlsx(path, 300, seed=3)
    assert assert_same(path.read_bytes()) > 300 * 10


def test_the_example_workbook_reads_the_same() -> None:
    assert_same((ROOT / "examples" / "form-responses.xlsx").read_bytes())


def _styles(data: bytes) -> dict[str, str]:
    """The style numbers openpyxl gave a datetime, a time and a duration cell."""
    with zipfile.ZipFile(BytesIO(data)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    return {ref: style for ref, style in re.findall(r'<c r="([A-Z]+1)" s="(\d+)"', xml)}


SHARED = (
    f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}" count="5" uniqueCount="5">'
    "<si><t>chữ dùng chung</t></si>"
    '<si><t xml:space="preserve">  Trường  THCS </t></si>'
    "<si><r><t>Công </t></r><r><rPr><b/></rPr><t>đoàn</t></r></si>"
    '<si><t>東京</t><rPh sb="0" eb="2"><t>トウキョウ</t></rPh></si>'
    "<si><t/></si></sst>"
)
SHARED_TYPE = (
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
)
SHARED_REL = (
    '<Relationship Id="rIdShared" Target="sharedStrings.xml" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>'
)


def _with_sheet(data: bytes, sheet_xml: str, shared: str = SHARED) -> bytes:
    """Put a hand-written first worksheet and a shared string table into a workbook."""
    source = zipfile.ZipFile(BytesIO(data))
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                body = sheet_xml.encode()
            elif item.filename == "[Content_Types].xml":
                body = body.replace(b"</Types>", SHARED_TYPE.encode() + b"</Types>")
            elif item.filename == "xl/_rels/workbook.xml.rels":
                body = body.replace(b"</Relationships>", SHARED_REL.encode() + b"</Relationships>")
            target.writestr(item, body)
        target.writestr("xl/sharedStrings.xml", shared)
    return out.getvalue()


# Cells as Excel, Google, LibreOffice and scripts write them: typed values, errors, shared and
# inline strings (plain, rich, phonetic, empty), references missing or out of order, rows
# without numbers, prefixed elements, dates out of range.
RAW_ROWS = """
<row r="1" spans="1:9">
 <c r="A1" s="{dt}"><v>45327.354166666664</v></c><c r="B1" s="{tm}"><v>0.5</v></c>
 <c r="C1" s="{td}"><v>1.25</v></c><c r="D1" t="s"><v>0</v></c><c r="E1" t="e"><v>#N/A</v></c>
 <c r="F1" t="b"><v>1</v></c><c r="G1" t="str"><v>văn bản</v></c>
 <c r="H1" t="d"><v>2024-02-05T08:30:00</v></c>
 <c r="I1"><v>5.0</v></c>
</row>
<row r="3">
 <c r="A3" t="inlineStr"><is><t xml:space="preserve">  Trường  THCS </t></is></c>
 <c r="B3" t="inlineStr"><is><r><t>Công </t></r><r><rPr><b/></rPr><t>đoàn</t></r></is></c>
 <c r="C3" t="inlineStr"><is><t>東京</t><rPh sb="0" eb="2"><t>トウキョウ</t></rPh></is></c>
 <c r="D3" t="inlineStr"><is><t/></is></c><c r="E3" t="inlineStr"/><c r="F3"><v></v></c>
 <c r="G3" s="{dt}"><v>99999999</v></c><c r="H3"><v>1E+20</v></c><c r="I3"><v>-12</v></c>
</row>
<row>
 <c t="inlineStr"><is><t>không có tọa độ</t></is></c><c><v>7</v></c>
 <c r="E4"><f>1+1</f><v>2</v></c><c r="F4"><f>A1</f></c>
</row>
<row r="6"><c r="C6"><v>3</v></c><c r="A6"><v>1</v></c></row>
<row r="7"/>
<row r="8"><c r="A8" t="s"><v>1</v></c><c r="B8" t="s"><v>2</v></c><c r="C8" t="s"><v>3</v></c>
 <c r="D8" t="s"><v>4</v></c><c r="XFD8"><v>9</v></c></row>
"""


def test_hand_written_cells_read_the_same() -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet["A1"], sheet["B1"], sheet["C1"] = datetime(2024, 2, 5, 8, 30), time(8), timedelta(1)
    sheet["D1"], sheet["E1"] = "chữ dùng chung", "Trường THCS Ngọc Lâm"
    data = save(book)
    styles = _styles(data)
    rows = RAW_ROWS.format(dt=styles["A1"], tm=styles["B1"], td=styles["C1"])
    xml = f'<?xml version="1.0"?><worksheet xmlns="{MAIN}"><sheetData>{rows}</sheetData>'
    xml += "</worksheet>"
    assert assert_same(_with_sheet(data, xml)) >= 30
    prefixed = re.sub(r"<(/?)(?!\?)", r"<\1x:", rows)
    xml = (
        f'<?xml version="1.0"?><x:worksheet xmlns:x="{MAIN}"><x:sheetData>{prefixed}'
        "</x:sheetData></x:worksheet>"
    )
    assert assert_same(_with_sheet(data, xml)) >= 30


@pytest.mark.parametrize("seed", range(4))
def test_random_cells_read_the_same(seed: int) -> None:
    import random

    rng = random.Random(seed)
    book = openpyxl.Workbook()
    sheet = book.active
    kinds = [
        lambda: rng.randint(-(10**12), 10**12),
        lambda: rng.uniform(-1e6, 1e6),
        lambda: rng.choice(["Hà Nội", " x ", "", "0912345678", "=A1", "1/2/2024", "TRUE"]),
        lambda: rng.random() < 0.5,
        lambda: datetime(2020, 1, 1) + timedelta(seconds=rng.randint(0, 10**8)),
        lambda: date(2024, 1, 1) + timedelta(days=rng.randint(0, 999)),
        lambda: None,
    ]
    for row in range(1, 60):
        for col in range(1, 12):
            if rng.random() < 0.7:
                sheet.cell(row=row, column=col, value=rng.choice(kinds)())
    assert_same(save(book))


def _hand_written(rows: str, head: str = "") -> bytes:
    book = openpyxl.Workbook()
    book.active["A1"] = "x"
    xml = f'<?xml version="1.0"?>{head}<worksheet xmlns="{MAIN}"><sheetData>{rows}</sheetData>'
    return _with_sheet(save(book), xml + "</worksheet>")


def test_comments_cdata_and_instructions_inside_cells_read_the_same() -> None:
    rows = (
        '<row r="1"><c r="A1"><v>1<!-- ghi chú -->2</v></c>'
        '<c r="B1" t="inlineStr"><is><t>Trường <![CDATA[<THCS> & ]]>Lâm</t></is></c>'
        '<c r="C1" t="str"><?pi x?><v>a<?pi y?>b</v></c><!-- giữa các ô -->'
        '<c r="D1" t="inlineStr"><is><!-- x --><t>chữ</t></is></c></row>'
    )
    assert assert_same(_hand_written(rows)) >= 4


def test_a_sheet_with_a_dtd_reads_the_same() -> None:
    head = '<!DOCTYPE worksheet [<!ENTITY dv "Công đoàn">]>'
    rows = '<row r="1"><c r="A1" t="inlineStr"><is><t>&dv; Trường</t></is></c></row>'
    assert assert_same(_hand_written(rows, head)) == 2  # one cell, read for values and formulas


def test_uncached_formulas_are_told_only_for_a_formula_without_value() -> None:
    def uncached(rows: str) -> bool:
        book = load_values_book(BytesIO(_hand_written(rows)), values=True)
        values = SheetValues(book, book.worksheets[0])
        list(values)
        return values.uncached_formulas

    assert uncached('<row r="1"><c r="A1"><f>1+1</f></c></row>')
    assert uncached('<row r="1"><c r="A1"><f>1+1</f><v></v></c></row>')
    assert uncached('<row r="1"><c r="A1" t="inlineStr"><f>1+1</f></c></row>')
    assert not uncached('<row r="1"><c r="A1"><f>1+1</f><v>2</v></c></row>')
    assert not uncached('<row r="1"><c r="A1"><v>2</v></c><c r="B1"/></row>')


def test_a_large_shared_string_table_reads_the_same() -> None:
    items = [
        f"<si><t>Trường số {n} &amp; x005F_x0041_</t></si>" if n % 7 else "<si><t/></si>"
        for n in range(3000)
    ]
    items[5] = "<si><!-- ghi chú --><t>có chú thích</t></si>"
    items[6] = '<si><r><t xml:space="preserve"> giàu </t></r><r><t>chữ</t></r></si>'
    shared = f'<?xml version="1.0"?><sst xmlns="{MAIN}">{"".join(items)}</sst>'
    rows = "".join(
        f'<row r="{n + 1}"><c r="A{n + 1}" t="s"><v>{n}</v></c></row>' for n in range(3000)
    )
    book = openpyxl.Workbook()
    book.active["A1"] = "x"
    xml = f'<?xml version="1.0"?><worksheet xmlns="{MAIN}"><sheetData>{rows}</sheetData>'
    assert assert_same(_with_sheet(save(book), xml + "</worksheet>", shared)) == 2 * 3000


def test_a_shared_string_table_with_a_dtd_reads_the_same() -> None:
    shared = (
        '<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY cd "Công đoàn">]>'
        f'<sst xmlns="{MAIN}"><si><t>&cd; Trường</t></si></sst>'
    )
    rows = '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
    book = openpyxl.Workbook()
    book.active["A1"] = "x"
    xml = f'<?xml version="1.0"?><worksheet xmlns="{MAIN}"><sheetData>{rows}</sheetData>'
    assert assert_same(_with_sheet(save(book), xml + "</worksheet>", shared)) == 2
