"""No input crashes the pipeline, loses a form cell or writes outside the status columns.

Hypothesis runs with a fixed seed and a bounded number of examples (the constants below), so
every run tries the same sheets; SECURITY.md quotes these counts.
"""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
import unicodedata
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import docx
import openpyxl
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sheets_sync import output, pipeline
from sheets_sync.cli import main
from sheets_sync.config import (
    HEADER_ALIASES,
    ROSTER_STATUS_COLUMN,
    ROSTER_UNIT_HEADER,
    STATUS_COLUMNS,
    Settings,
)
from sheets_sync.documents import DocumentMaker, assign_file_names
from sheets_sync.model import Cell, CellWrite, SheetData, Table

# Examples per property; SECURITY.md sums them.
CHECK_EXAMPLES = 2000
DOCUMENT_EXAMPLES = 200
CLI_EXAMPLES = 25  # per backend (.xlsx, .csv)
PROPERTY_EXAMPLES = CHECK_EXAMPLES + DOCUMENT_EXAMPLES + 2 * CLI_EXAMPLES

STATUSES = {"ok", "warning", "error", "superseded"}
STATUS_TITLES = list(STATUS_COLUMNS.values())
NOW = datetime(2024, 2, 6, 9, 30)
RESPONSES = "Câu trả lời biểu mẫu 1"
ROSTER = "Danh sách đơn vị"


def bounded(examples: int) -> settings:
    """Fixed seed, no example database, no deadline: the same examples on every machine."""
    return settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# -- cells ------------------------------------------------------------------------------------

# Characters that break naive code: controls, bidi marks, zero-width, BOM, line and paragraph
# separators, noncharacters, emoji with skin tones and joiners, combining marks.
NASTY = (
    "\x00\x01\x07\x08\x0b\x0c\x1b\x1f\x7f\x85\u200b\u200c\u200d\u200e\u200f\u202a\u202e"
    "\u2066\u2069\ufeff\u00a0\u2007\u3000\u2028\u2029\ufffe\uffff\U0010ffff"
    "🙂👍🏽👨‍👩‍👧\u0301\u0303\u0323"
)
REAL = [
    "Trường THCS Ngọc Lâm",
    "Truo\u0300ng THCS Ngo\u0323c La\u0302m",  # NFD, as macOS keyboards send it
    "Công đoàn _ Trường THCS Ngọc Lâm",
    "Trường Mầm non Hoa Sữa",
    "UBND phường Bồ Đề",
    "https://www.facebook.com/congdoanthcsngoclam",
    "facebook.com/profile.php?id=100064",
    "https://www.facebook.com/groups/abc",
    "fb.me/xyz",
    "http://evil.example/facebook.com",
    "0984919862",
    "+84 984 919 862",
    "01689123456",
    "0983 456 789 (Zalo)",
    "Nguyễn Thị Thu Hà",
    "Chủ tịch Công đoàn",
    "30/01/2024 08:15:00",
    "04/02/2024 23:59:00",
    "2024-02-05",
    "\u200fمرحبا\u200e Ngọc",  # right-to-left text between bidi marks
    '=HYPERLINK("http://evil","x")',
]
LONG = [
    "a" * 50_000,
    "Ngọc Lâm " * 5_600,
    "https://www.facebook.com/" + "a" * 50_000,
    "0" * 50_000,
    "🙂" * 50_000,
    "\u0301" * 50_000,
    ("(" * 25_000) + (")" * 25_000),
]

texts = st.one_of(
    st.text(max_size=30),  # any code point but surrogates
    st.text(alphabet=st.sampled_from(NASTY + "aĐơ _.:/?=&-0123456789"), max_size=30),
    st.sampled_from(REAL),
    st.builds(lambda s: unicodedata.normalize("NFD", s), st.sampled_from(REAL)),
)
cells: st.SearchStrategy[Cell] = st.one_of(
    st.none(),
    texts,
    st.integers(min_value=-(2**63), max_value=2**63),
    st.floats(),  # nan and ±inf included
    st.booleans(),
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)),
    st.dates(),
    st.just(""),
)


def _titles() -> list[str]:
    titles: list[str] = []
    for field, aliases in HEADER_ALIASES.items():
        for alias in aliases:
            if field.startswith("staff_"):
                titles += [alias, f"{alias} 1", f"{alias} 2", f"{alias} 3", f"{alias}10"]
            else:
                titles.append(alias)
    return titles + STATUS_TITLES + [ROSTER_STATUS_COLUMN]


TITLES = _titles()


def _variant(title: str, how: int) -> str:
    """Spell a title as people retype it: case, accents decomposed, spaces, punctuation."""
    return [
        title,
        title.upper(),
        unicodedata.normalize("NFD", title),
        f"  {title}  ",
        f"{title}:",
        title.replace(" ", "\u00a0"),
    ][how % 6]


header_cells = st.one_of(
    st.builds(_variant, st.sampled_from(TITLES), st.integers(0, 5)),
    st.builds(_variant, st.sampled_from(TITLES), st.integers(0, 5)),
    cells,
)


FORM = [
    "Dấu thời gian",
    "Tên đơn vị",
    "Tên trang Fanpage (facebook)",
    "Đường link Fanpage (facebook)",
    "Họ tên cán bộ phụ trách 1",
    "Chức vụ 1",
    "Số điện thoại 1",
    "Ghi chú",
]
# Text with at least one visible character around anything drawn.
visible = st.tuples(texts, st.sampled_from("aĐơ🙂0="), texts).map("".join)


@st.composite
def passing_rows(draw: st.DrawFn) -> list[Cell]:
    """Draw a row that passes the checks (or only warns) whatever its text holds."""
    unit = draw(st.one_of(visible, st.sampled_from(LONG)))
    name = draw(st.one_of(st.just(f"Công đoàn _ {unit}"), visible))
    page = draw(st.from_regex(r"[a-z][a-z0-9.]{4,20}", fullmatch=True))
    phone = draw(st.sampled_from(["0984919862", "0984.919.862", "+84 983 123 456", 983123456]))
    when = draw(st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2024, 3, 1)))
    return [
        when,
        unit,
        name,
        f"facebook.com/{page}",
        draw(visible),
        draw(texts),
        phone,
        draw(texts),
    ]


@st.composite
def passing_sheets(draw: st.DrawFn) -> SheetData:
    rows = draw(st.lists(passing_rows(), min_size=1, max_size=4))
    return SheetData("tệp thử", Table(RESPONSES, [list(FORM), *rows]))


@st.composite
def sheets(draw: st.DrawFn, max_rows: int = 12) -> SheetData:
    """Draw a responses table (and sometimes a roster) in any shape a sheet can have."""
    header = draw(st.lists(header_cells, max_size=16))
    if draw(st.booleans()):
        # The real form in a random order, so most rows reach the deep checks.
        real = [_variant(t, 0) for t in TITLES if t not in STATUS_TITLES][:14]
        header = draw(st.permutations(real))[: draw(st.integers(4, len(real)))] + header
    width = len(header) + 3
    row = st.lists(cells, max_size=width)
    rows: list[list[Cell]] = draw(st.lists(st.one_of(row, st.just([])), max_size=max_rows))
    if draw(st.booleans()):
        header = list(FORM) + header
        rows += draw(st.lists(passing_rows(), max_size=3))
    if rows and draw(st.integers(0, 9)) == 0:
        rows[0] = [*rows[0], draw(st.sampled_from(LONG))]
    if not draw(st.integers(0, 7)):
        header = []  # no header row at all, or only data
    roster = None
    if draw(st.booleans()):
        roster_header = draw(
            st.lists(
                st.one_of(
                    st.sampled_from([ROSTER_UNIT_HEADER, "STT", ROSTER_STATUS_COLUMN, "Ghi chú"]),
                    cells,
                ),
                max_size=4,
            )
        )
        if ROSTER_UNIT_HEADER not in roster_header:
            # A roster without the unit title is refused with its own message (test_cli).
            roster_header.insert(draw(st.integers(0, len(roster_header))), ROSTER_UNIT_HEADER)
        units = st.one_of(st.sampled_from(REAL[:5]), cells)
        roster_rows = draw(st.lists(st.lists(units, max_size=4), max_size=6))
        roster = Table(ROSTER, [list(roster_header), *roster_rows])
    all_rows = [list(header), *rows] if header or rows else []
    return SheetData("tệp thử", Table(RESPONSES, all_rows), roster)


# -- the properties ---------------------------------------------------------------------------


def _empty(value: Cell) -> bool:
    """Tell whether a cell holds nothing a person could read (the contract's empty cell)."""
    if value is None:
        return True
    if not isinstance(value, str):
        return False
    visible = "".join(c for c in value if unicodedata.category(c) not in ("Cc", "Cf"))
    return not visible.split()


def _apply(data: SheetData, writes: Sequence[CellWrite]) -> SheetData:
    tables = {t.title: [list(r) for r in t.rows] for t in (data.responses, data.roster) if t}
    for write in writes:
        rows = tables[write.sheet]
        while len(rows) < write.row:
            rows.append([])
        line = rows[write.row - 1]
        line.extend([None] * (write.col - len(line)))
        line[write.col - 1] = write.value
    roster = Table(data.roster.title, tables[data.roster.title]) if data.roster else None
    return SheetData(data.source, Table(data.responses.title, tables[RESPONSES]), roster)


def _plan(data: SheetData, config: Settings) -> tuple[pipeline.Checked, list[CellWrite]]:
    checked = pipeline.check_data(data, config)
    assign_file_names(checked.listed)
    return checked, pipeline.status_writes(checked, config, NOW)


def _header_text(row: Sequence[Cell], col: int) -> Cell:
    return row[col] if col < len(row) else None


def _check_targets(data: SheetData, checked: pipeline.Checked, writes: list[CellWrite]) -> None:
    """Assert that writes reach status cells only: a status column, or a new empty column."""
    form = set(checked.layout.form_columns())
    status = set(checked.layout.status.values())
    header = data.responses.header
    roster_col = checked.roster.status_col if checked.roster else None
    roster_unit = checked.roster.unit_col if checked.roster else None
    for write in writes:
        assert isinstance(write.value, str)
        col = write.col - 1
        if write.sheet == RESPONSES:
            assert col not in form, write
            assert col in status or _empty(_header_text(header, col)), write
            if write.row == 1:
                assert write.value in STATUS_TITLES
        else:
            assert data.roster is not None and write.sheet == data.roster.title
            unused = all(_empty(_header_text(line, col)) for line in data.roster.rows)
            assert col == roster_col or (roster_col is None and unused), write
            assert col != roster_unit or unused, write
    targets = [(w.sheet, w.row, w.col) for w in writes]
    assert len(targets) == len(set(targets))


@bounded(CHECK_EXAMPLES)
@given(sheets())
def test_any_sheet_is_checked_without_crash_and_writes_only_status_cells(data: SheetData) -> None:
    config = Settings()
    checked, writes = _plan(data, config)

    form_cols = checked.layout.form_columns()
    expected_rows = [
        number
        for number, row in enumerate(data.responses.rows[1:], start=2)
        if any(not _empty(_header_text(row, col)) for col in form_cols)
    ]
    assert [r.row for r in checked.results] == expected_rows
    event(f"statuses {sorted({r.status for r in checked.results})}")
    assert all(r.status in STATUSES for r in checked.results)
    text = json.dumps(output.check_json(checked), ensure_ascii=False, allow_nan=False)
    text.encode("utf-8")  # no lone surrogate slipped through

    _check_targets(data, checked, writes)
    written = _apply(data, writes)
    again, second = _plan(written, config)
    assert second == []
    assert [(r.row, r.status) for r in again.results] == [
        (r.row, r.status) for r in checked.results
    ]


_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


@bounded(DOCUMENT_EXAMPLES)
@given(st.one_of(passing_sheets(), sheets(max_rows=6)))
def test_documents_open_and_name_their_unit(data: SheetData) -> None:
    config = Settings()
    checked = pipeline.check_data(data, config)
    listed = checked.listed
    event(f"{min(len(listed), 3)} lists")
    maker = DocumentMaker(config.documents, today=date(2024, 2, 6))
    for result in listed[:3]:
        text = _docx_text(maker.unit(result))
        assert _NOT_XML.sub("", result.response.unit) in text
    summary = _docx_text(maker.summary(listed))
    for result in listed:
        assert _NOT_XML.sub("", result.response.unit) in summary


# -- end to end through the CLI ------------------------------------------------------------------


def _xlsx_text(value: str) -> str:
    return _NOT_XML.sub("", value)


def _csv_text(value: str) -> str:
    return value.replace("\x00", "")


# A sheet saved as .xlsx cannot hold what XML forbids (C0 controls, U+FFFE), as Excel knows.
xlsx_cells: st.SearchStrategy[Cell] = st.one_of(
    st.none(),
    texts.map(_xlsx_text),
    st.integers(min_value=-(10**15), max_value=10**15),
    # Excel's range: beyond ±9.99e307 openpyxl writes a repr that reads back as infinity.
    st.floats(min_value=-1e307, max_value=1e307),
    st.booleans(),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(2100, 1, 1)),
)
csv_cells = st.one_of(st.just(""), texts.map(_csv_text))


@st.composite
def form_grids(
    draw: st.DrawFn, cell: st.SearchStrategy[Any], fit: Callable[[str], str]
) -> list[list[Any]]:
    real = [t for t in TITLES if t not in STATUS_TITLES and t != ROSTER_STATUS_COLUMN]
    header: list[Any] = list(draw(st.permutations(real)))[: draw(st.integers(3, 12))]
    header += draw(st.lists(st.one_of(st.sampled_from(STATUS_TITLES), cell), max_size=3))
    rows = draw(st.lists(st.lists(cell, max_size=len(header) + 2), min_size=1, max_size=8))
    if draw(st.booleans()):
        header, rows = list(FORM), draw(st.lists(passing_rows(), min_size=1, max_size=4))
    return [header, *([fit(v) if isinstance(v, str) else v for v in row] for row in rows)]


def _form_columns(grid: Sequence[Sequence[Any]]) -> list[int]:
    """Columns holding anything but a status title: a run must leave them as they were."""
    status = {t.casefold() for t in STATUS_TITLES}

    def used(col: int) -> bool:
        return any(col < len(row) and row[col] not in (None, "") for row in grid)

    header = grid[0] if grid else []
    return [
        col
        for col in range(max((len(row) for row in grid), default=0))
        if used(col)
        and not (
            col < len(header)
            and isinstance(header[col], str)
            and " ".join(header[col].split()).casefold() in status
        )
    ]


def _project(rows: Sequence[Sequence[Any]], cols: list[int]) -> list[list[Any]]:
    """Keep the form columns, with an empty cell as None and no empty rows at the end."""
    grid = [[None if c >= len(row) or row[c] == "" else row[c] for c in cols] for row in rows]
    while grid and not any(v is not None for v in grid[-1]):
        grid.pop()
    return grid


def _run_cli(source: Path, out: Path) -> None:
    before = source.read_bytes()
    result = CliRunner().invoke(main, ["run", str(source), "--out", str(out)])
    if result.exit_code == 1:
        # The one refusal: no column names the unit, so it is the wrong sheet; nothing written.
        assert "không có cột 'Tên đơn vị'" in result.output and "Chưa ghi gì." in result.output
        assert len(result.output.strip().splitlines()) == 1
        assert source.read_bytes() == before
    else:
        assert result.exit_code == 0, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output


def _xlsx_values(path: Path) -> list[list[Any]]:
    book = openpyxl.load_workbook(path)
    return [list(row) for row in book[RESPONSES].iter_rows(values_only=True)]


@bounded(CLI_EXAMPLES)
@given(form_grids(xlsx_cells, _xlsx_text))
def test_cli_run_on_any_workbook_keeps_every_form_cell(grid: list[list[Any]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tra-loi.xlsx"
        book = openpyxl.Workbook()
        book.active.title = RESPONSES
        for line in grid:
            book.active.append(line)
        book.save(path)
        before = _xlsx_values(path)
        _run_cli(path, Path(tmp) / "out")
        after = _xlsx_values(path)
        cols = _form_columns(before)
        assert _project(after, cols) == _project(before, cols)
        _run_cli(path, Path(tmp) / "out")  # a second run over its own output is fine too


def _csv_values(path: Path) -> list[list[str]]:
    text = path.read_bytes().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


@bounded(CLI_EXAMPLES)
@given(form_grids(csv_cells, _csv_text))
def test_cli_run_on_any_csv_keeps_every_form_cell(grid: list[list[Any]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tra-loi.csv"
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerows(grid)
        path.write_bytes(buffer.getvalue().encode("utf-8"))
        before = _csv_values(path)
        _run_cli(path, Path(tmp) / "out")
        after = _csv_values(path)
        cols = _form_columns(before)
        assert _project(after, cols) == _project(before, cols)


def test_security_figures_match_the_tests() -> None:
    """SECURITY.md quotes these tests' parameters; a change to one must show in the other."""
    from tests.test_credentials import FAILURES, TOKEN_ANSWERS
    from tests.test_google_concurrency import TRIALS
    from tests.test_injection import FIELDS, HOSTILE_UNITS, INJECTIONS, PAYLOADS

    root = Path(__file__).resolve().parent.parent
    text = " ".join((root / "SECURITY.md").read_text(encoding="utf-8").split())
    figures = [
        f"{PROPERTY_EXAMPLES:,} per run: {CHECK_EXAMPLES:,} sheets",
        f"{DOCUMENT_EXAMPLES} through the Word lists, {CLI_EXAMPLES} `.xlsx` and {CLI_EXAMPLES}",
        f"| {TRIALS} | `TRIALS`",
        f"{INJECTIONS} per backend ({len(PAYLOADS)} payloads × {len(FIELDS)} fields)",
        f"| {len(HOSTILE_UNITS)} | `HOSTILE_UNITS`",
        f"{len(FAILURES)} failures × 2 commands, plus {len(TOKEN_ANSWERS)} bad token-endpoint",
        "up to 4 per run, at least 2 asserted",
    ]
    assert [f for f in figures if f not in text] == []
    kills = (root / "tests" / "test_xlsx.py").read_text(encoding="utf-8")
    assert "while kills < 4 and" in kills and "assert kills >= 2" in kills
