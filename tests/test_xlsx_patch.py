"""Writing statuses by patching the workbook's zip: what is kept, what changes, what is refused."""

from __future__ import annotations

import re
import warnings
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from sheets_sync.errors import SourceError
from sheets_sync.model import CellWrite
from sheets_sync.sheets import xlsx_sheetxml
from sheets_sync.sheets.xlsx import XlsxBackend
from tests.test_xlsx import FORM, ROSTER, make_book

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
TITLE = "Câu trả lời"
SHEET_PART = "xl/worksheets/du-lieu.xml"  # not sheetN.xml: the path comes from the relations

ROOT = (
    f'<worksheet xmlns="{MAIN}" xmlns:r="{REL}" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'mc:Ignorable="x14ac xr" '
    'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac" '
    'xmlns:xr="http://schemas.microsoft.com/office/spreadsheetml/2014/revision" '
    'xr:uid="{00000000-0001-0000-0000-000000000000}">'
)
HEAD = (
    '<dimension ref="A1:C4"/>'
    '<sheetViews><sheetView tabSelected="1" workbookViewId="0"/></sheetViews>'
    '<sheetFormatPr defaultRowHeight="15" x14ac:dyDescent="0.25"/>'
    '<cols><col min="2" max="2" width="42" customWidth="1"/></cols>'
)
ROWS = (
    '<row r="1" spans="1:3" x14ac:dyDescent="0.25">'
    '<c r="A1" s="1" t="s"><v>0</v></c><c r="B1" s="1" t="s"><v>1</v></c>'
    '<c r="C1" s="1" t="s"><v>2</v></c></row>'
    '<row r="2" spans="1:3" x14ac:dyDescent="0.25">'
    '<c r="A2" s="2"><v>45321.34375</v></c><c r="B2" t="s"><v>3</v></c>'
    '<c r="C2"><v>984919862</v></c></row>'
    '<row r="4" spans="1:3" x14ac:dyDescent="0.25">'
    '<c r="A4" s="2"><v>45323.375</v></c><c r="C4" s="1" t="s"><v>4</v></c></row>'
)
TAIL = (
    '<autoFilter ref="A1:C4"/>'
    '<mergeCells count="1"><mergeCell ref="A6:B6"/></mergeCells>'
    '<conditionalFormatting sqref="C2:C4"><cfRule type="cellIs" dxfId="0" priority="1" '
    'operator="greaterThan"><formula>0</formula></cfRule></conditionalFormatting>'
    '<dataValidations count="1"><dataValidation type="list" allowBlank="1" sqref="D2:D4">'
    '<formula1>"Có,Không"</formula1></dataValidation></dataValidations>'
    '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
    '<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
    'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
    '<x14:dataValidations count="0" '
    'xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"/></ext></extLst>'
)
STRINGS = ["Dấu thời gian", "Tên đơn vị", "Trạng thái", "Trường THCS Ngọc Lâm", "cũ"]
STYLES = (
    f'<styleSheet xmlns="{MAIN}"><numFmts count="1"><numFmt numFmtId="164" '
    'formatCode="dd/mm/yyyy hh:mm"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '<dxfs count="1"><dxf><font><b/></font></dxf></dxfs></styleSheet>'
)


def excel_like(
    path: Path, rows: str = ROWS, *, head: str = HEAD, extra: dict[str, bytes] | None = None
) -> Path:
    """Save a workbook laid out as Excel saves one: shared strings, x14ac, its own part names."""
    sheet = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n{ROOT}{head}'
    sheet += (
        f"<sheetData>{rows}</sheetData>{TAIL}</worksheet>"
        if rows
        else f"<sheetData/>{TAIL}</worksheet>"
    )
    items = "".join(f"<si><t>{text}</t></si>" for text in STRINGS)
    ct = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{ct}.sheet.main+xml"/>'
            f'<Override PartName="/{SHEET_PART}" ContentType="{ct}.worksheet+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{ct}.styles+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{ct}.sharedStrings+xml"/>'
            f'<Override PartName="/xl/calcChain.xml" ContentType="{ct}.calcChain+xml"/></Types>'
        ).encode(),
        "_rels/.rels": (
            f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" '
            f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ).encode(),
        "xl/workbook.xml": (
            f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
            f'<sheet name="{TITLE}" sheetId="3" r:id="rId7"/></sheets></workbook>'
        ).encode(),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{PKG}">'
            f'<Relationship Id="rId7" Type="{REL}/worksheet" Target="/{SHEET_PART}"/>'
            f'<Relationship Id="rId8" Type="{REL}/styles" Target="styles.xml"/>'
            f'<Relationship Id="rId9" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
            f'<Relationship Id="rId10" Type="{REL}/calcChain" Target="calcChain.xml"/>'
            "</Relationships>"
        ).encode(),
        SHEET_PART: sheet.encode(),
        "xl/styles.xml": STYLES.encode(),
        "xl/sharedStrings.xml": (
            f'<sst xmlns="{MAIN}" count="{len(STRINGS)}" uniqueCount="{len(STRINGS)}">{items}</sst>'
        ).encode(),
        "xl/calcChain.xml": f'<calcChain xmlns="{MAIN}"><c r="B2" i="3"/></calcChain>'.encode(),
        **(extra or {}),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            stored = name.endswith(".png")
            archive.writestr(name, content, zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED)
    return path


def write(path: Path, writes: list[tuple[int, int, str]], title: str = TITLE) -> None:
    backend = XlsxBackend(path)
    data = backend.read(title, ROSTER)
    backend.write([CellWrite(title, r, c, v) for r, c, v in writes], data)


def entries(path: Path) -> dict[str, tuple[bytes, int]]:
    with zipfile.ZipFile(path) as archive:
        return {i.filename: (archive.read(i), i.compress_type) for i in archive.infolist()}


def sheet_xml(path: Path, part: str = SHEET_PART) -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read(part).decode()


def load(path: Path) -> Any:
    """Open the whole workbook as a reader would, hushing openpyxl's notes on what it skips."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return openpyxl.load_workbook(path)


def values(path: Path, title: str = TITLE) -> list[list[object]]:
    sheet = load(path)[title]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def read_back(path: Path) -> list[list[object]]:
    return XlsxBackend(path).read(TITLE, ROSTER).responses.rows


def sheet_data(xml: str) -> str:
    return xml[xml.index("<sheetData>") + len("<sheetData>") : xml.index("</sheetData>")]


# What is kept


IMAGE_PARTS = {
    "xl/media/image1.png": b"\x89PNG\r\n\x1a\n" + bytes(range(256)),
    "xl/drawings/drawing1.xml": b'<xdr:wsDr xmlns:xdr="urn:drawing"/>',
    "xl/vbaProject.bin": b"\xd0\xcf\x11\xe0" + b"\x01" * 300,
    "customXml/item1.xml": b"<root>gi\xe1\xbb\xaf nguy\xc3\xaan</root>",
}


def test_every_entry_but_the_written_sheet_is_byte_identical(tmp_path: Path) -> None:
    path = excel_like(tmp_path / "excel.xlsx", extra=IMAGE_PARTS)
    before = entries(path)
    write(path, [(1, 4, "Trạng thái"), (2, 4, "Hợp lệ"), (4, 4, "Cần sửa")])
    after = entries(path)
    assert list(after) == list(before)
    changed = [name for name in before if before[name] != after[name]]
    assert changed == [SHEET_PART]
    assert after["xl/media/image1.png"][1] == zipfile.ZIP_STORED


def test_an_openpyxl_workbook_with_images_keeps_them(tmp_path: Path) -> None:
    path = make_book(tmp_path / "form.xlsx")
    with zipfile.ZipFile(path, "a") as archive:
        for name, content in IMAGE_PARTS.items():
            archive.writestr(name, content)
    before = entries(path)
    write(path, [(2, 5, "Hợp lệ")], FORM)
    after = entries(path)
    assert [n for n in before if before[n] != after[n]] == ["xl/worksheets/sheet1.xml"]
    assert values(path, FORM)[1][4] == "Hợp lệ"


def test_the_rest_of_the_sheet_xml_is_kept_byte_for_byte(tmp_path: Path) -> None:
    path = excel_like(tmp_path / "excel.xlsx")
    before = sheet_xml(path)
    write(path, [(2, 5, "Hợp lệ")])
    after = sheet_xml(path)
    head, tail = before.split("<sheetData>")[0], before.split("</sheetData>")[1]
    assert after.split("<sheetData>")[0] == head.replace('ref="A1:C4"', 'ref="A1:E4"')
    assert after.split("</sheetData>")[1] == tail
    assert 'mc:Ignorable="x14ac xr"' in after and 'x14ac:dyDescent="0.25"' in sheet_data(after)
    assert '<row r="2" spans="1:5" x14ac:dyDescent="0.25">' in after


def test_without_a_dimension_none_is_added(tmp_path: Path) -> None:
    path = excel_like(tmp_path / "excel.xlsx", head=HEAD.replace('<dimension ref="A1:C4"/>', ""))
    write(path, [(2, 5, "Hợp lệ")])
    assert "<dimension" not in sheet_xml(path)
    assert values(path)[1] == [*values(path)[1][:3], None, "Hợp lệ"]


# Cells and rows


def test_cells_go_in_column_order_and_rows_in_row_order(tmp_path: Path) -> None:
    path = excel_like(tmp_path / "excel.xlsx")
    write(
        path,
        [(2, 4, "sau C"), (4, 2, "giữa"), (3, 2, "hàng mới"), (7, 1, "cuối"), (4, 1, "thay A4")],
    )
    rows = values(path)
    assert rows[1][3] == "sau C"
    assert rows[2] == [None, "hàng mới", None, None]
    assert rows[3] == ["thay A4", "giữa", "cũ", None]
    assert rows[6] == ["cuối", None, None, None]
    data = sheet_data(sheet_xml(path))
    assert re.findall(r'<row r="(\d+)"', data) == ["1", "2", "3", "4", "7"]
    assert re.findall(r'<c r="([A-Z]+)4"', data) == ["A", "B", "C"]


def test_a_shared_string_cell_becomes_inline_and_the_strings_stay(tmp_path: Path) -> None:
    path = excel_like(tmp_path / "excel.xlsx")
    strings = entries(path)["xl/sharedStrings.xml"]
    write(path, [(2, 2, "Trường THCS Ngọc Thuỵ")])
    assert entries(path)["xl/sharedStrings.xml"] == strings
    assert (
        '<c r="B2" t="inlineStr"><is><t xml:space="preserve">Trường THCS Ngọc Thuỵ</t></is></c>'
        in sheet_xml(path)
    )
    assert values(path)[1][1] == "Trường THCS Ngọc Thuỵ"


def test_styles_are_kept_and_a_new_header_copies_its_neighbour(tmp_path: Path) -> None:
    path = excel_like(tmp_path / "excel.xlsx")
    write(path, [(1, 4, "Trạng thái"), (1, 5, "Ghi chú"), (4, 3, "mới"), (2, 4, "Hợp lệ")])
    xml = sheet_xml(path)
    assert '<c r="D1" s="1" t="inlineStr">' in xml and '<c r="E1" s="1" t="inlineStr">' in xml
    assert '<c r="C4" s="1" t="inlineStr">' in xml
    assert '<c r="D2" t="inlineStr">' in xml
    sheet = load(path)[TITLE]
    assert sheet["E1"].font.bold and sheet["A2"].number_format == "dd/mm/yyyy hh:mm"


def test_an_empty_value_clears_a_cell_and_creates_none(tmp_path: Path) -> None:
    path = excel_like(tmp_path / "excel.xlsx")
    before = read_back(path)[3]
    write(path, [(4, 3, ""), (2, 9, ""), (9, 1, "")])
    data = sheet_data(sheet_xml(path))
    assert '<c r="C4" s="1"/>' in data
    assert "I2" not in data and 'r="9"' not in data
    assert before == [datetime(2024, 2, 1, 9, 0), None, "cũ"]
    assert read_back(path)[3] == [datetime(2024, 2, 1, 9, 0)]


LONG = "🙂 " * 20000


@pytest.mark.parametrize(
    ("value", "stored", "read"),
    [
        ('=HYPERLINK("http://x")', '=HYPERLINK("http://x")', '=HYPERLINK("http://x")'),
        ("=1+1", "=1+1", "=1+1"),
        ("+84 984 919 862", "+84 984 919 862", "+84 984 919 862"),
        ("a < b & c > d", "a &lt; b &amp; c &gt; d", "a < b & c > d"),
        ("  lề  ", "  lề  ", "  lề  "),
        ("dòng 1\r\ndòng 2", "dòng 1&#13;\ndòng 2", "dòng 1\r\ndòng 2"),
        ("x\x00\x07y\ufffez\ud800", "xyz", "xyz"),
        (LONG, LONG[:32767], LONG[:32767]),
    ],
)
def test_text_is_stored_as_text(tmp_path: Path, value: str, stored: str, read: str) -> None:
    path = excel_like(tmp_path / "excel.xlsx")
    write(path, [(2, 4, value)])
    assert (
        f'<c r="D2" t="inlineStr"><is><t xml:space="preserve">{stored}</t></is></c>'
        in sheet_xml(path)
    )
    cell = load(path)[TITLE]["D2"]
    assert (cell.value, cell.data_type) == (read, "s")


def test_a_sheet_with_a_namespace_prefix(tmp_path: Path) -> None:
    rows = '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>Tên</x:t></x:is></x:c></x:row>'
    path = excel_like(tmp_path / "x.xlsx")
    xml = (
        f'<?xml version="1.0" encoding="UTF-8"?><x:worksheet xmlns:x="{MAIN}">'
        f"<x:sheetData>{rows}</x:sheetData></x:worksheet>"
    )
    with zipfile.ZipFile(path) as archive:
        parts = {i.filename: archive.read(i) for i in archive.infolist()}
    parts[SHEET_PART] = xml.encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    write(path, [(1, 2, "Trạng thái"), (2, 2, "Hợp lệ")])
    assert values(path) == [["Tên", "Trạng thái"], [None, "Hợp lệ"]]
    assert '<x:row r="2"><x:c r="B2" t="inlineStr"><x:is><x:t' in sheet_xml(path)


def test_rows_and_cells_without_references(tmp_path: Path) -> None:
    rows = '<row><c><v>1</v></c><c><v>2</v></c></row><row><c><v>3</v></c></row><row r="5"/>'
    path = excel_like(tmp_path / "excel.xlsx", rows, head="")
    write(path, [(2, 3, "mới"), (2, 1, "thay"), (4, 1, "hàng 4"), (5, 2, "hàng 5")])
    assert read_back(path) == [[1, 2], ["thay", None, "mới"], [], ["hàng 4"], [None, "hàng 5"]]


def test_an_empty_sheet_gets_its_rows(tmp_path: Path) -> None:
    path = excel_like(tmp_path / "excel.xlsx", "", head='<dimension ref="A1"/>')
    write(path, [(1, 1, "Tên"), (3, 2, "x")])
    assert read_back(path) == [["Tên"], [], [None, "x"]]
    assert '<dimension ref="A1:B3"/>' in sheet_xml(path)


@pytest.mark.parametrize("chunk", [1, 7, 64, 1000])
def test_the_result_does_not_depend_on_how_the_xml_streams(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    writes = [(1, 4, "Trạng thái"), (3, 1, "mới"), (4, 2, "giữa"), (2, 2, ""), (8, 8, "cuối")]
    expected = excel_like(tmp_path / "a.xlsx")
    write(expected, writes)
    monkeypatch.setattr(xlsx_sheetxml, "_CHUNK", chunk)
    path = excel_like(tmp_path / "b.xlsx")
    write(path, writes)
    assert sheet_xml(path) == sheet_xml(expected)


# Formulas


def test_a_plain_formula_is_replaced_and_the_calculation_chain_goes(tmp_path: Path) -> None:
    rows = ROWS.replace('<c r="B2" t="s"><v>3</v></c>', '<c r="B2"><f>A2*2</f><v>9</v></c>')
    path = excel_like(tmp_path / "excel.xlsx", rows)
    before = entries(path)
    write(path, [(2, 2, "văn bản")])
    after = entries(path)
    assert "xl/calcChain.xml" not in after
    assert b"calcChain" not in after["[Content_Types].xml"][0]
    assert b"calcChain" not in after["xl/_rels/workbook.xml.rels"][0]
    changed = {n for n in after if before[n] != after[n]}
    assert changed == {SHEET_PART, "[Content_Types].xml", "xl/_rels/workbook.xml.rels"}
    assert values(path)[1][1] == "văn bản"


def test_a_workbook_without_formulas_keeps_its_calculation_chain(tmp_path: Path) -> None:
    path = excel_like(tmp_path / "excel.xlsx")
    write(path, [(2, 2, "văn bản")])
    assert "xl/calcChain.xml" in entries(path)


@pytest.mark.parametrize(
    ("cells", "target"),
    [
        ('<c r="D2"><f t="shared" ref="D2:D4" si="0">A2*2</f><v>1</v></c>', (4, 4)),
        ('<c r="D2"><f t="shared" ref="D2:D4" si="0">A2*2</f><v>1</v></c>', (2, 4)),
        ('<c r="D2"><f t="array" ref="D2:E4">A2:B4</f><v>1</v></c>', (4, 5)),
        ('<c r="D2"><f t="shared" si="0"/><v>1</v></c>', (2, 4)),
        ('<c r="D2"><f t="array" ref = "D2:E4">A2:B4</f><v>1</v></c>', (4, 5)),
    ],
)
def test_a_cell_in_a_shared_or_array_formula_is_refused(
    tmp_path: Path, cells: str, target: tuple[int, int]
) -> None:
    rows = ROWS.replace('<c r="C2"><v>984919862</v></c>', f'<c r="C2"><v>9</v></c>{cells}')
    path = excel_like(tmp_path / "excel.xlsx", rows)
    original = path.read_bytes()
    ref = f"{'ABCDE'[target[1] - 1]}{target[0]}"
    with pytest.raises(SourceError) as error:
        write(path, [(*target, "Hợp lệ")])
    assert str(error.value) == (
        f"Không ghi được vào ô {ref} của trang “{TITLE}” trong {path} vì ở đó có công thức "
        "dùng chung hoặc công thức mảng; xóa phần đó khỏi cột trạng thái hoặc mở bằng Excel, "
        "lưu lại dạng .xlsx rồi chạy lại."
    )
    assert path.read_bytes() == original


@pytest.mark.parametrize(
    "rows",
    [
        ROWS.replace('<row r="2"', '<!-- ghi chú --><row r="2"'),
        ROWS.replace('<row r="4"', '<row r="1"'),
        ROWS.replace("<v>45321.34375</v>", "<v><![CDATA[1]]></v>"),
        ROWS.replace("<v>45323.375</v>", "<v>45323.375</v><!-- </row> -->"),
        ROWS.replace('<row r="4"', '<row r="4.0"'),  # a row number not to guess at
    ],
)
def test_xml_that_cannot_be_patched_safely_is_refused(tmp_path: Path, rows: str) -> None:
    path = excel_like(tmp_path / "excel.xlsx", rows)
    original = path.read_bytes()
    with pytest.raises(SourceError, match=f"Không ghi được vào trang “{TITLE}” trong"):
        write(path, [(2, 4, "Hợp lệ")])
    assert path.read_bytes() == original


def test_cells_under_another_prefix_than_their_row_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`<row><x:c r="C2">` is the same cell to Excel: skipping it would write C2 twice."""
    monkeypatch.setitem(
        globals(), "ROOT", ROOT.replace("<worksheet ", f'<worksheet xmlns:x="{MAIN}" ')
    )
    rows = ROWS.replace('<c r="C2"><v>984919862</v></c>', '<x:c r="C2"><x:v>9</x:v></x:c>')
    path = excel_like(tmp_path / "excel.xlsx", rows)
    original = path.read_bytes()
    with pytest.raises(SourceError, match=f"Không ghi được vào trang “{TITLE}” trong"):
        write(path, [(2, 4, "Hợp lệ")])
    assert path.read_bytes() == original
