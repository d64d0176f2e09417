"""The bundled example: configuration, workbook, and the synthetic data generator."""

from __future__ import annotations

import csv
import importlib
import random
import sys
import tomllib
import unicodedata
from dataclasses import fields
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from openpyxl import load_workbook

from sheets_sync.config import DocumentSettings, EmailSettings, Settings, load_settings
from sheets_sync.model import SheetData, Table
from sheets_sync.pipeline import check_data

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_TOML = ROOT / "examples" / "sheets-sync.toml"
EXAMPLE_XLSX = ROOT / "examples" / "form-responses.xlsx"
HEADER = [
    "Dấu thời gian",
    "Địa chỉ email",
    "Tên đơn vị",
    "Tên trang Fanpage (facebook)",
    "Đường link Fanpage (facebook)",
    *(
        title
        for k in (1, 2, 3)
        for title in (
            f"Họ tên cán bộ phụ trách {k}",
            f"Chức vụ {k}",
            f"Số điện thoại {k}",
            f"Đơn vị công tác {k}",
        )
    ),
    "Ghi chú",
]


def _script(name: str) -> ModuleType:
    scripts = str(ROOT / "scripts")
    if scripts not in sys.path:
        sys.path.insert(0, scripts)
    return importlib.import_module(name)


@pytest.fixture(scope="module")
def make_example() -> ModuleType:
    return _script("make_example")


@pytest.fixture(scope="module")
def synthetic() -> ModuleType:
    return _script("synthetic")


def _tables(path: Path) -> list[Table]:
    workbook = load_workbook(path)
    return [
        Table(sheet.title, [list(row) for row in sheet.iter_rows(values_only=True)])
        for sheet in workbook.worksheets
    ]


def test_example_config_equals_the_defaults() -> None:
    assert load_settings(EXAMPLE_TOML) == Settings()


def test_example_config_spells_out_every_setting() -> None:
    data = tomllib.loads(EXAMPLE_TOML.read_text(encoding="utf-8"))
    documents = data.pop("documents")
    email = data.pop("email")
    assert set(data) == {f.name for f in fields(Settings)} - {"documents", "email"}
    # `from` is a Python keyword: the setting is `sender` in the code.
    assert set(email) == {f.name for f in fields(EmailSettings)} - {"sender"} | {"from"}
    assert set(documents) == {f.name for f in fields(DocumentSettings)}
    defaults = Settings()
    for table in ("headers", "abbreviations", "positions", "status_texts", "roster_texts"):
        assert data[table] == getattr(defaults, table), table


def test_committed_workbook_is_what_the_script_makes(
    make_example: ModuleType, tmp_path: Path
) -> None:
    out = tmp_path / "form-responses.xlsx"
    make_example.write_example(out)
    assert out.read_bytes() == EXAMPLE_XLSX.read_bytes()


def test_workbook_has_responses_and_roster() -> None:
    responses, roster = _tables(EXAMPLE_XLSX)
    assert responses.title == "Câu trả lời biểu mẫu 1"
    assert responses.header == HEADER
    answered = [row for row in responses.rows[1:] if any(cell is not None for cell in row)]
    assert len(answered) >= 28
    assert len(answered) < len(responses.rows) - 1  # one blank row in the middle
    assert roster.title == "Danh sách đơn vị"
    assert roster.header == ["STT", "Tên đơn vị", "Khối"]
    assert len(roster.rows) - 1 >= 28


def test_workbook_timestamps_are_dates_but_one_text() -> None:
    sheet = load_workbook(EXAMPLE_XLSX).worksheets[0]
    stamps = [row[0] for row in sheet.iter_rows(min_row=2) if row[0].value is not None]
    texts = [cell.value for cell in stamps if isinstance(cell.value, str)]
    dates = [cell for cell in stamps if isinstance(cell.value, datetime)]
    assert texts == ["04/02/2024 23:59:00"]
    assert len(dates) == len(stamps) - 1
    assert all(cell.number_format == "dd/mm/yyyy hh:mm:ss" for cell in dates)
    assert all(datetime(2024, 1, 26) <= cell.value < datetime(2024, 2, 6) for cell in dates)


def test_workbook_carries_the_mess() -> None:
    responses, _ = _tables(EXAMPLE_XLSX)
    cells = [cell for row in responses.rows[1:] for cell in row]
    texts = [cell for cell in cells if isinstance(cell, str)]
    assert any(not unicodedata.is_normalized("NFC", text) for text in texts)
    assert 971234568 in cells and 84912345678 in cells
    for typed in ("+84 983 123 456", "01684 567 890", "024.3827.1234", "0936 247 815 (Zalo)"):
        assert typed in texts
    assert any("/groups/" in text for text in texts)
    assert any("/share/" in text for text in texts)


# Sheet row → status and issue codes the contract gives it (see scripts/make_example.py).
EXPECTED = [
    (2, "ok", []),
    (4, "ok", []),
    (7, "warning", ["fanpage_name_convention"]),
    (8, "superseded", ["url_not_page", "duplicate_superseded"]),
    (9, "warning", ["fanpage_name_convention"]),
    (11, "warning", ["phone_old_prefix", "fanpage_name_convention"]),
    (12, "ok", []),
    (13, "ok", []),
    (14, "ok", []),
    (15, "warning", ["url_unverifiable"]),
    (19, "error", ["url_not_facebook"]),
    (20, "error", ["url_not_facebook"]),
    (21, "error", ["phone_invalid"]),
    (22, "error", ["phone_missing"]),
    (25, "warning", ["unit_not_in_roster"]),
    (32, "ok", []),
    (33, "warning", ["late_submission"]),
]


@pytest.fixture(scope="module")
def example_results() -> dict[int, Any]:
    responses, roster = _tables(EXAMPLE_XLSX)
    checked = check_data(SheetData(str(EXAMPLE_XLSX), responses, roster), Settings())
    return {result.row: result for result in checked.results}


@pytest.mark.parametrize(("row", "status", "codes"), EXPECTED)
def test_example_rows_decide_as_documented(
    example_results: dict[int, Any], row: int, status: str, codes: list[str]
) -> None:
    result = example_results[row]
    assert result.status == status
    assert sorted(issue.code for issue in result.issues) == sorted(codes)


def test_example_skips_the_blank_row_and_lists_most_units(example_results: dict[int, Any]) -> None:
    assert 18 not in example_results
    listed = [r for r in example_results.values() if r.status in ("ok", "warning")]
    assert len(listed) == 26


def test_synthetic_shape(synthetic: ModuleType) -> None:
    header, rows, roster = synthetic.responses(1100, seed=3)
    assert header == HEADER
    assert len(rows) == 1100
    assert all(len(row) == len(HEADER) for row in rows)
    stamps = [row[0] for row in rows]
    assert stamps == sorted(stamps)
    assert all(isinstance(stamp, datetime) for stamp in stamps)
    assert roster[0] == ["STT", "Tên đơn vị", "Khối"]
    names = [row[1] for row in roster[1:]]
    assert len(set(names)) == len(names)
    assert 1000 <= len(names) <= 1100


def test_synthetic_is_deterministic(synthetic: ModuleType) -> None:
    assert synthetic.responses(200, seed=5) == synthetic.responses(200, seed=5)
    assert synthetic.responses(200, seed=5) != synthetic.responses(200, seed=6)


def test_synthetic_units_stay_distinct_at_scale(synthetic: ModuleType) -> None:
    units = synthetic.units(120_000, random.Random(1))
    keys = {synthetic.ascii_key(name) for name, _ in units}
    assert len(keys) == len(units)


def test_synthetic_rows_decide_with_a_mix(synthetic: ModuleType) -> None:
    header, rows, roster = synthetic.responses(2000, seed=2)
    data = SheetData("synthetic", Table("r", [header, *rows]), Table("d", roster))
    results = check_data(data, Settings()).results
    statuses = {r.status for r in results}
    assert statuses == {"ok", "warning", "error", "superseded"}
    ok = sum(r.status == "ok" for r in results)
    assert ok > len(results) // 3
    codes = {issue.code for r in results for issue in r.issues}
    assert {"phone_old_prefix", "url_not_page", "unit_not_in_roster", "late_submission"} <= codes


def test_synthetic_files(synthetic: ModuleType, tmp_path: Path) -> None:
    synthetic.write_xlsx(tmp_path / "s.xlsx", 50, seed=4)
    synthetic.write_csv(tmp_path / "s.csv", 50, seed=4)
    responses, roster = _tables(tmp_path / "s.xlsx")
    assert responses.header == HEADER
    assert len(responses.rows) == 51
    assert roster.title == "Danh sách đơn vị"
    with (tmp_path / "s.csv").open(encoding="utf-8", newline="") as handle:
        lines = list(csv.reader(handle))
    assert lines[0] == HEADER
    assert len(lines) == 51
    assert datetime.strptime(lines[1][0], "%d/%m/%Y %H:%M:%S") == responses.rows[1][0]
