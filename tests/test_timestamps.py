"""Submission times in every style the exports write, and the column's day/month decision."""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from sheets_sync.cli import main
from sheets_sync.config import Settings
from sheets_sync.model import SheetData, Table
from sheets_sync.pipeline import check_data
from sheets_sync.text import cell_text
from sheets_sync.timestamps import DateOrder, column_order, parse_timestamp, proven_order
from tests.helpers import HEADER, ROSTER, row
from tests.test_properties import bounded

EXAMPLE_XLSX = Path(__file__).resolve().parent.parent / "examples" / "form-responses.xlsx"
AT_0815 = datetime(2024, 1, 30, 8, 15)


@pytest.mark.parametrize(
    ("cell", "order", "expected"),
    [
        # Sheet values: real dates and serial numbers.
        (datetime(2024, 2, 4, 23, 59, 0, 500), "day-first", datetime(2024, 2, 4, 23, 59)),
        (date(2024, 2, 4), "month-first", datetime(2024, 2, 4)),
        (45326.5, "day-first", datetime(2024, 2, 4, 12, 0)),
        (45326, "month-first", datetime(2024, 2, 4)),
        (45321.3438310185, "day-first", datetime(2024, 1, 30, 8, 15, 7)),  # 10 decimals
        # A serial number typed as text (a CSV of a sheet's raw values).
        ("45321.5", "day-first", datetime(2024, 1, 30, 12, 0)),
        (" 45321,5 ", "month-first", datetime(2024, 1, 30, 12, 0)),
        ("45321", "day-first", datetime(2024, 1, 30)),
        ("45321.3438310185", "month-first", datetime(2024, 1, 30, 8, 15, 7)),
        (datetime(2024, 1, 30, 8, 15, 6, 999_999), "day-first", datetime(2024, 1, 30, 8, 15, 7)),
        (datetime.max, "day-first", datetime.max.replace(microsecond=0)),
        (datetime(2024, 1, 30, 8, 15, tzinfo=timezone(timedelta(hours=7))), "day-first", AT_0815),
        # A sheet in the Vietnamese locale, as text.
        ("30/01/2024 08:15:00", "day-first", AT_0815),
        ("30/01/2024 8:15", "month-first", AT_0815),  # the text proves day-first
        ("04/02/2024 23:59:00", "day-first", datetime(2024, 2, 4, 23, 59)),
        ("04/02/2024 23:59:00", "month-first", datetime(2024, 4, 2, 23, 59)),
        ("4/2/2024", "day-first", datetime(2024, 2, 4)),
        ("30-01-2024 08:15:00", "day-first", AT_0815),
        ("30.01.2024 08:15", "day-first", AT_0815),
        ("  30/01/2024\u00a008:15:00 ", "day-first", AT_0815),
        # A sheet in the en-US locale, as text (month first).
        ("1/30/2024 8:15:00", "month-first", AT_0815),
        ("1/30/2024 8:15:00", "day-first", AT_0815),  # the text proves month-first
        ("1/30/2024 8:15:00 PM", "month-first", datetime(2024, 1, 30, 20, 15)),
        ("2/4/2024 12:30:00 AM", "month-first", datetime(2024, 2, 4, 0, 30)),
        # The Forms "download responses" file: Vietnamese and English.
        ("2024/01/30 8:15:00 SA GMT+7", "month-first", AT_0815),
        ("2024/01/30 8:15:00 CH GMT+7", "day-first", datetime(2024, 1, 30, 20, 15)),
        ("2024/01/30 12:05:00 SA GMT+7", "day-first", datetime(2024, 1, 30, 0, 5)),
        ("2024/01/30 12:05:00 CH GMT+7", "day-first", datetime(2024, 1, 30, 12, 5)),
        ("2024/01/30 8:15:00 AM GMT+07:00", "day-first", AT_0815),
        ("2024/01/30 8:15:00 p.m. UTC+7", "day-first", datetime(2024, 1, 30, 20, 15)),
        ("2024/1/30 8:15:00 sa gmt+7", "day-first", AT_0815),
        ("2024/01/30 8:15:00 GMT+7", "day-first", AT_0815),
        # ISO text; an offset names the zone the wall clock already shows.
        ("2024-01-30 08:15:00", "month-first", AT_0815),
        ("2024-01-30T08:15:00", "day-first", AT_0815),
        ("2024-01-30T08:15:00.250+07:00", "day-first", AT_0815),
        ("2024-01-30T08:15:00Z", "day-first", AT_0815),
        ("2024-01-30", "day-first", datetime(2024, 1, 30)),
        # Not a time: None, and the row gets `submitted_at_invalid`.
        ("13/13/2024 08:00:00", "day-first", None),
        ("31/02/2024", "day-first", None),
        ("2024/01/30 13:00:00 CH GMT+7", "day-first", None),
        ("2024/01/30 25:00:00", "day-first", None),
        ("1/30/24 8:15", "month-first", None),
        ("30/01-2024", "day-first", None),
        ("30/01/2024 08:15:00 GMT+7 hôm qua", "day-first", None),
        ("hôm qua", "day-first", None),
        ("", "day-first", None),
        (None, "day-first", None),
        (True, "day-first", None),
        (-5, "day-first", None),
        (10**9, "day-first", None),
        ("1000000000", "day-first", None),
        ("0.5", "day-first", None),
        ("45321.", "day-first", None),
        ("-45321", "day-first", None),
        ("45.321,5", "day-first", None),
    ],
)
def test_parse_timestamp(cell: object, order: DateOrder, expected: datetime | None) -> None:
    assert parse_timestamp(cell, order) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("column", "default", "order", "noted"),
    [
        (["30/01/2024 8:15:00", "04/02/2024 9:00:00"], "month-first", "day-first", False),
        (["1/30/2024 8:15:00", "2/4/2024 9:00:00"], "day-first", "month-first", False),
        (["2/4/2024 9:00:00", "2/3/2024 9:00:00"], "day-first", "day-first", True),
        (["2/4/2024 9:00:00", "2/3/2024 9:00:00"], "month-first", "month-first", True),
        # Both orders proved: the setting reads the ambiguous rest, and says so.
        (["30/01/2024", "1/30/2024", "2/4/2024"], "day-first", "day-first", True),
        # Nothing ambiguous: real dates, year-first text, a day equal to its month.
        (
            [datetime(2024, 2, 4), 45326.5, "2024/02/04 9:00:00 SA GMT+7"],
            "day-first",
            "day-first",
            False,
        ),
        (["04/04/2024 9:00", None, "", "hôm qua"], "month-first", "month-first", False),
    ],
)
def test_column_order(column: list[object], default: DateOrder, order: str, noted: bool) -> None:
    decided = column_order(column, default)  # type: ignore[arg-type]
    assert decided.order == order
    assert (decided.note is not None) == noted
    if noted:
        assert f'date_order = "{default}"' in (decided.note or "")


STYLES: dict[DateOrder, Callable[[datetime], str]] = {
    "day-first": lambda d: f"{d.day:02}/{d.month:02}/{d.year} {d:%H:%M:%S}",
    "month-first": lambda d: f"{d.month}/{d.day}/{d.year} {d.hour}:{d:%M:%S}",
}
WHEN = st.datetimes(datetime(1990, 1, 1), datetime(2100, 12, 31)).map(
    lambda d: d.replace(microsecond=0)
)


@bounded(300)
@given(
    st.lists(st.tuples(WHEN, st.sampled_from(list(STYLES))), min_size=1, max_size=12),
    st.sampled_from(list(STYLES)),
)
def test_the_column_decision_never_flips_a_provable_date(
    column: list[tuple[datetime, DateOrder]], default: DateOrder
) -> None:
    texts = [STYLES[style](when) for when, style in column]
    decided = column_order(texts, default).order
    for (when, style), text in zip(column, texts, strict=True):
        if proven_order(text) is not None:
            assert proven_order(text) == style
            assert parse_timestamp(text, decided) == when
        if len({s for _, s in column}) == 1 and any(map(proven_order, texts)):
            # One style throughout, proved once: every date of the column reads right.
            assert parse_timestamp(text, decided) == when


def _decide(*cells: object) -> list[tuple[str, list[str]]]:
    rows = [row(at=cell) for cell in cells]
    data = SheetData("t", Table("Câu trả lời", [HEADER, *rows]), Table("Danh sách đơn vị", ROSTER))
    return [
        (r.status, sorted(i.code for i in r.issues)) for r in check_data(data, Settings()).results
    ]


def test_an_unreadable_time_is_an_issue_and_ranks_after_the_rows_above() -> None:
    # Never the earliest: a readable older row above does not win over it.
    assert _decide(datetime(2024, 1, 30, 9), "hôm qua") == [
        ("superseded", ["duplicate_superseded"]),
        ("warning", ["submitted_at_invalid"]),
    ]
    assert _decide("1/30/2024 8:15:00 PM extra", None) == [
        ("superseded", ["duplicate_superseded", "submitted_at_invalid"]),
        ("warning", ["submitted_at_invalid"]),
    ]
    # Ranked at the latest time above it: a later time below still wins.
    assert _decide(datetime(2024, 2, 1, 9), "", datetime(2024, 2, 2, 9)) == [
        ("superseded", ["duplicate_superseded"]),
        ("superseded", ["duplicate_superseded", "submitted_at_invalid"]),
        ("ok", []),
    ]
    assert _decide(datetime(2024, 2, 1, 9), "", datetime(2024, 1, 31, 9)) == [
        ("superseded", ["duplicate_superseded"]),
        ("warning", ["submitted_at_invalid"]),
        ("superseded", ["duplicate_superseded"]),
    ]


def test_the_issue_names_what_was_typed() -> None:
    rows = [row(at="hôm qua"), row(at=None), row(at="x" * 500)]
    data = SheetData("t", Table("Câu trả lời", [HEADER, *rows]))
    first, second, third = check_data(data, Settings()).results
    assert first.issues[0].message.startswith("Không đọc được dấu thời gian (hôm qua): ")
    assert second.issues[0].message.startswith("Không đọc được dấu thời gian (ô trống): ")
    assert third.issues[0].message.startswith(f"Không đọc được dấu thời gian ({'x' * 40}…): ")


EXPORTS: dict[str, Callable[[datetime], str]] = {
    # A sheet in the en-US locale downloaded as CSV.
    "en-us": lambda d: f"{d.month}/{d.day}/{d.year} {d.hour}:{d:%M:%S}",
    # The Forms "download responses" CSV, Vietnamese interface.
    "forms": lambda d: (
        f"{d:%Y/%m/%d} {d.hour % 12 or 12}:{d:%M:%S} {'SA' if d.hour < 12 else 'CH'} GMT+7"
    ),
    # The same in English.
    "forms-en": lambda d: (
        f"{d:%Y/%m/%d} {d.hour % 12 or 12}:{d:%M:%S} {'AM' if d.hour < 12 else 'PM'} GMT+07:00"
    ),
    # A sheet's raw values (unformatted serial numbers) saved as text.
    "serial-text": lambda d: f"{(d - datetime(1899, 12, 30)) / timedelta(days=1):.10f}",
}


def _export(tmp_path: Path, style: str) -> tuple[Path, Path]:
    """Write the example's responses and roster as CSVs, the times in one export's style."""
    workbook = load_workbook(EXAMPLE_XLSX)
    responses, roster = workbook.worksheets
    out = tmp_path / f"{style}.csv"
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        for number, cells in enumerate(responses.iter_rows(values_only=True)):
            when = parse_timestamp(cells[0]) if number else None
            stamp = EXPORTS[style](when) if when else cell_text(cells[0])
            writer.writerow([stamp, *map(cell_text, cells[1:])])
    roster_csv = tmp_path / "roster.csv"
    with roster_csv.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(
            [cell_text(c) for c in cells] for cells in roster.iter_rows(values_only=True)
        )
    return out, roster_csv


def _check_rows(*args: str) -> list[dict[str, object]]:
    result = CliRunner().invoke(main, ["check", *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    rows: list[dict[str, object]] = json.loads(result.output)["rows"]
    return rows


def test_every_export_style_gives_the_same_decisions(tmp_path: Path) -> None:
    workbook = tmp_path / "form-responses.xlsx"
    shutil.copyfile(EXAMPLE_XLSX, workbook)
    expected = _check_rows(str(workbook))
    statuses = {r["status"] for r in expected}
    assert statuses == {"ok", "warning", "error", "superseded"}
    assert any("late_submission" in json.dumps(r["issues"]) for r in expected)
    for style in EXPORTS:
        responses, roster = _export(tmp_path, style)
        assert _check_rows(str(responses), "--roster", str(roster)) == expected, style
    assert _check_rows(str(_serials(tmp_path))) == expected


def _serials(tmp_path: Path) -> Path:
    """Save the example with its times as bare serial numbers, as a sheet holds them."""
    workbook = load_workbook(EXAMPLE_XLSX)
    for (cell,) in workbook.worksheets[0].iter_rows(min_row=2, max_col=1):
        if isinstance(cell.value, datetime):
            cell.value = (cell.value - datetime(1899, 12, 30)) / timedelta(days=1)
            cell.number_format = "General"
    path = tmp_path / "serials.xlsx"
    workbook.save(path)
    return path


def test_a_column_that_cannot_tell_follows_date_order_and_says_so(tmp_path: Path) -> None:
    source = tmp_path / "responses.csv"
    rows = [row(at="2/4/2024 9:00:00"), row("Trường Mầm non Hoa Sữa", at="2/3/2024 9:00:00")]
    with source.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([HEADER, *[[cell_text(c) for c in r] for r in rows]])
    config = tmp_path / "sheets-sync.toml"
    config.write_text('date_order = "month-first"\n', encoding="utf-8")
    times = [r["submitted_at"] for r in _check_rows(str(source), "--config", str(config))]
    assert times == ["2024-02-04T09:00:00", "2024-02-03T09:00:00"]
    result = CliRunner().invoke(main, ["check", str(source), "--config", str(config)])
    assert result.exit_code == 0, result.output
    notes = [line for line in result.output.splitlines() if line.startswith("Chú ý: cột")]
    assert notes == [
        "Chú ý: cột dấu thời gian không cho biết ngày hay tháng viết trước; các ngày như "
        '04/02/2024 được đọc theo tháng trước (date_order = "month-first" trong tệp cấu hình).'
    ]
    day_first = [r["submitted_at"] for r in _check_rows(str(source))]
    assert day_first == ["2024-04-02T09:00:00", "2024-03-02T09:00:00"]


def test_date_order_must_be_one_of_the_two(tmp_path: Path) -> None:
    config = tmp_path / "sheets-sync.toml"
    config.write_text('date_order = "dd/mm"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(EXAMPLE_XLSX), "--config", str(config)])
    assert result.exit_code == 1
    assert result.output == (
        f'Lỗi: Tệp cấu hình {config}: khóa \'date_order\' phải là "day-first" hoặc "month-first".\n'
    )
