"""Units whose names differ only by accents stay apart; accents are a unique-match fallback."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from sheets_sync.cli import main
from sheets_sync.config import ABBREVIATIONS, UNIT_PREFIXES, Settings
from sheets_sync.model import SheetData, Table
from sheets_sync.pipeline import Checked, check_data, status_writes
from sheets_sync.text import cell_text, fold, make_unit_keyer, tone_fold
from tests.helpers import HEADER, row
from tests.test_properties import bounded

DONG = "Trường Tiểu học Đông Hòa"
DONG_GRAVE = "Trường Tiểu học Đồng Hòa"
OTHER = "Trường THCS Ngọc Lâm"
EXACT = make_unit_keyer(ABBREVIATIONS, UNIT_PREFIXES, accents=True)
LOOSE = make_unit_keyer(ABBREVIATIONS, UNIT_PREFIXES)


TWINS = (DONG, DONG_GRAVE, OTHER)


def roster(*units: str) -> Table:
    rows: list[list[object]] = [[i, u] for i, u in enumerate(units, start=1)]
    return Table("Danh sách đơn vị", [["STT", "Tên đơn vị"], *rows])


def check(*rows: list[object], units: tuple[str, ...] | None = TWINS) -> Checked:
    table = roster(*units) if units is not None else None
    return check_data(SheetData("t", Table("Câu trả lời", [HEADER, *rows]), table), Settings())


def outcome(checked: Checked) -> list[tuple[str, str | None, str, list[str]]]:
    return [
        (r.response.unit, r.response.roster_unit, r.status, sorted(i.code for i in r.issues))
        for r in checked.results
    ]


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Thuỷ", "Thủy"),
        ("Trường TH Đông Hoà", DONG),
        ("trường tiểu học  ĐÔNG HÒA", DONG),
        ("Công đoàn Tiểu học Đông Hòa", DONG),
        ("CĐCS Trường Tiểu học Đông Hòa", DONG),
        ("Uỷ ban nhân dân phường Bồ Đề", "UBND phường Bồ Đề"),
        ("Phòng GD&ĐT quận Long Biên", "Phòng Giáo dục và Đào tạo quận Long Biên"),
    ],
)
def test_the_exact_key_ignores_case_spacing_tone_placement_and_abbreviations(
    left: str, right: str
) -> None:
    assert EXACT(left) == EXACT(right)


@pytest.mark.parametrize(
    ("left", "right"),
    [(DONG, DONG_GRAVE), ("Thủy", "Thúy"), ("Trường TH Hòa", "Trường TH Hóa"), ("Đa", "Da")],
)
def test_the_exact_key_keeps_accents(left: str, right: str) -> None:
    assert EXACT(left) != EXACT(right)
    assert LOOSE(left) == LOOSE(right)


KEY_EXAMPLES = 800
VIETNAMESE = "aăâeêioôơuưyđAĐ dhnTHCS&._\u0300\u0301\u0303\u0309\u0323\u0302\u031b"


@bounded(KEY_EXAMPLES)
@given(st.text(alphabet=st.sampled_from(VIETNAMESE)) | st.text())
def test_folding_the_exact_key_gives_the_accent_blind_key(value: str) -> None:
    assert fold(EXACT(value)) == LOOSE(value)
    assert tone_fold(tone_fold(value)) == tone_fold(value)


def test_two_roster_units_that_differ_by_accents_are_two_units() -> None:
    checked = check(row(DONG), row(DONG_GRAVE))
    assert outcome(checked) == [
        (DONG, DONG, "ok", []),
        (DONG_GRAVE, DONG_GRAVE, "ok", []),
    ]
    assert [(e.unit, e.state, e.response_row) for e in checked.roster_entries or []] == [
        (DONG, "ok", 2),
        (DONG_GRAVE, "ok", 3),
        (OTHER, "missing", None),
    ]
    assert checked.notes == [
        f"danh sách đơn vị có các đơn vị chỉ khác nhau ở dấu: '{DONG}' (dòng 2) và "
        f"'{DONG_GRAVE}' (dòng 3); tên đơn vị gõ không dấu sẽ không được ghép với đơn vị nào "
        "trong số này, cần gõ đúng dấu."
    ]


def test_the_accent_blind_match_is_used_only_when_it_names_one_roster_unit() -> None:
    typed = "Truong Tieu hoc Dong Hoa"
    alone = check(row(typed, name=f"Công đoàn _ {DONG}"), units=(DONG, OTHER))
    assert outcome(alone) == [(DONG, DONG, "ok", [])]
    assert alone.notes == []
    twins = check(row(typed))
    assert outcome(twins) == [(typed, None, "warning", ["unit_not_in_roster"])]


def test_duplicates_are_decided_on_the_matched_unit() -> None:
    checked = check(row(DONG), row(DONG_GRAVE), row("TH Đông Hoà"))
    assert [r.status for r in checked.results] == ["superseded", "ok", "ok"]
    assert checked.results[0].issues[0].message == "Đã có lần gửi sau của đơn vị này (dòng 4)"


def test_without_a_roster_accents_tell_units_apart_and_bare_names_join_the_only_match() -> None:
    bare = "Truong Tieu hoc Dong Hoa"
    apart = check(row(DONG), row(DONG_GRAVE), units=None)
    assert [r.status for r in apart.results] == ["ok", "ok"]
    joined = check(row(bare, name=f"Công đoàn _ {DONG}"), row(DONG), units=None)
    assert [r.status for r in joined.results] == ["superseded", "ok"]
    # Beside two accented spellings, a bare name could be either: it stays a unit of its own.
    alone = check(row(bare), row(DONG), row(DONG_GRAVE), units=None)
    assert [r.status for r in alone.results] == ["ok", "ok", "ok"]


CONVENTION_CASES = [
    (f"Công đoàn _ {DONG}", (DONG, DONG_GRAVE), True),
    ("Công đoàn_TH Đông Hoà", (DONG, DONG_GRAVE), True),
    (f"Công đoàn _ {DONG_GRAVE}", (DONG, DONG_GRAVE), False),
    ("Công đoàn _ Truong Tieu hoc Dong Hoa", (DONG, DONG_GRAVE), False),
    ("Công đoàn _ Truong Tieu hoc Dong Hoa", (DONG,), True),
    (f"Công đoàn _ {DONG_GRAVE}", None, False),
    ("Cong doan _ Truong Tieu hoc Dong Hoa", None, True),
    (f"Đoàn thanh niên _ {DONG}", None, False),
]


@pytest.mark.parametrize(("fanpage", "units", "follows"), CONVENTION_CASES)
def test_the_fanpage_name_must_name_the_same_unit(
    fanpage: str, units: tuple[str, ...] | None, follows: bool
) -> None:
    (result,) = check(row(DONG, name=fanpage), units=units).results
    assert ("fanpage_name_convention" not in [i.code for i in result.issues]) is follows


def test_report_credits_each_accent_twin_and_names_the_roster_problem_once(tmp_path: Path) -> None:
    responses, roster_csv = tmp_path / "responses.csv", tmp_path / "roster.csv"
    with responses.open("w", encoding="utf-8", newline="") as handle:
        rows = [row(DONG), row(DONG_GRAVE, phone="")]
        csv.writer(handle).writerows([HEADER, *[[cell_text(c) for c in r] for r in rows]])
    with roster_csv.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([["STT", "Tên đơn vị"], [1, DONG], [2, DONG_GRAVE]])
    result = CliRunner().invoke(main, ["report", str(responses), "--roster", str(roster_csv)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"{DONG}: Đã nộp (dòng 2)",
        f"{DONG_GRAVE}: Đã nộp, cần sửa (dòng 3)",
        "2 đơn vị: 1 đã nộp, 1 đã nộp nhưng cần sửa, 0 chưa nộp.",
        f"Chú ý: danh sách đơn vị có các đơn vị chỉ khác nhau ở dấu: '{DONG}' (dòng 2) và "
        f"'{DONG_GRAVE}' (dòng 3); tên đơn vị gõ không dấu sẽ không được ghép với đơn vị nào "
        "trong số này, cần gõ đúng dấu.",
    ]


def test_a_unit_listed_twice_in_the_roster_counts_once_and_is_named(tmp_path: Path) -> None:
    units = (OTHER, DONG, "THCS Ngọc Lâm", "Trường Mầm non Hoa Sữa", OTHER)
    checked = check(row(OTHER), units=units)
    assert [(e.unit, e.state, e.row) for e in checked.roster_entries or []] == [
        (OTHER, "ok", 2),
        (DONG, "missing", 3),
        ("Trường Mầm non Hoa Sữa", "missing", 5),
    ]
    assert checked.notes == [
        f"đơn vị '{OTHER}' có tên nhiều lần trong danh sách đơn vị (dòng 2, 4, 6): chỉ tính "
        "một lần; nên xóa các dòng thừa."
    ]
    # Every row that lists the unit shows its state.
    writes = status_writes(checked, Settings(), datetime(2024, 2, 6, 9, 30))
    assert [(w.row, w.value) for w in writes if w.sheet == "Danh sách đơn vị"] == [
        (1, "Tình trạng nộp"),
        (2, "Đã nộp"),
        (4, "Đã nộp"),
        (6, "Đã nộp"),
        (3, "Chưa nộp"),
        (5, "Chưa nộp"),
    ]


def test_report_counts_a_repeated_roster_unit_once(tmp_path: Path) -> None:
    responses, roster_csv = tmp_path / "responses.csv", tmp_path / "roster.csv"
    with responses.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([HEADER, [cell_text(c) for c in row(OTHER)]])
    with roster_csv.open("w", encoding="utf-8", newline="") as handle:
        listed = [OTHER, DONG, OTHER, "Trường THCS Ngọc  Lâm", DONG_GRAVE]
        csv.writer(handle).writerows(
            [["STT", "Tên đơn vị"], *([i, u] for i, u in enumerate(listed))]
        )
    result = CliRunner().invoke(main, ["report", str(responses), "--roster", str(roster_csv)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[:4] == [
        f"{OTHER}: Đã nộp (dòng 2)",
        f"{DONG}: Chưa nộp",
        f"{DONG_GRAVE}: Chưa nộp",
        "3 đơn vị: 1 đã nộp, 0 đã nộp nhưng cần sửa, 2 chưa nộp.",
    ]
    assert lines[4] == (
        f"Chú ý: đơn vị '{OTHER}' có tên nhiều lần trong danh sách đơn vị (dòng 2, 4, 5): chỉ "
        "tính một lần; nên xóa các dòng thừa."
    )
    assert len(lines) == 6 and lines[5].startswith("Chú ý: danh sách đơn vị có các đơn vị chỉ")


NO_ROSTER_NOTE = (
    "Chú ý: không có danh sách đơn vị: tên đơn vị giữ như đã gõ, không đối chiếu được và không "
    "tính được 'Tình trạng nộp'; thêm trang tính 'Danh sách đơn vị' hoặc dùng --roster TỆP."
)


def test_without_a_roster_check_and_run_say_so_once(tmp_path: Path) -> None:
    source = tmp_path / "responses.csv"
    with source.open("w", encoding="utf-8", newline="") as handle:
        rows = [row(DONG), row(DONG_GRAVE), row(DONG)]
        csv.writer(handle).writerows([HEADER, *[[cell_text(c) for c in r] for r in rows]])
    for command in (["check"], ["run", "--out", str(tmp_path / "out")]):
        result = CliRunner().invoke(main, [*command, str(source)])
        assert result.exit_code == 0, result.output
        assert result.output.splitlines().count(NO_ROSTER_NOTE) == 1, result.output
    roster_csv = tmp_path / "roster.csv"
    roster_csv.write_text(f"Tên đơn vị\n{DONG}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(source), "--roster", str(roster_csv)])
    assert result.exit_code == 0, result.output
    assert "Chú ý" not in result.output


def test_the_nearest_unit_is_looked_for_only_once_a_unit_fails_to_match() -> None:
    matched = check(row(OTHER), row(DONG))
    assert matched.roster is not None
    assert "_nearest" not in vars(matched.roster)  # every unit matched: no index built
    missed = check(row(OTHER), row("Trường THCS Ngọc Lâmm"))
    hints = [i.message for i in missed.results[1].issues if i.code == "unit_not_in_roster"]
    assert hints == [f"Đơn vị không có trong danh sách; gần nhất: {OTHER}"]
    assert missed.roster is not None
    assert "_nearest" not in vars(missed.roster)  # let go once every row is read
