from datetime import date, datetime

import pytest

from sheets_sync.config import Settings
from sheets_sync.form import read_layout
from sheets_sync.model import SheetData, Table
from sheets_sync.pipeline import check_data
from sheets_sync.rules import parse_timestamp
from tests.helpers import HEADER, ROSTER, row


def decide_rows(*rows: list[object], roster: bool = True, header: list[str] = HEADER):
    data = SheetData(
        "test",
        Table("Câu trả lời biểu mẫu 1", [list(header), *rows]),
        Table("Danh sách đơn vị", ROSTER) if roster else None,
    )
    return check_data(data, Settings())


def codes(result) -> list[str]:
    return sorted(i.code for i in result.issues)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (datetime(2024, 2, 4, 23, 59, 0, 500), datetime(2024, 2, 4, 23, 59)),
        (date(2024, 2, 4), datetime(2024, 2, 4)),
        ("04/02/2024 23:59:00", datetime(2024, 2, 4, 23, 59)),
        ("4/2/2024 8:05:00", datetime(2024, 2, 4, 8, 5)),
        ("04/02/2024", datetime(2024, 2, 4)),
        ("2024-02-04 23:59:00", datetime(2024, 2, 4, 23, 59)),
        ("2024-02-04T23:59:00", datetime(2024, 2, 4, 23, 59)),
        (45326.5, datetime(2024, 2, 4, 12, 0)),  # serial number (UNFORMATTED_VALUE)
        (45326, datetime(2024, 2, 4)),
        ("  04/02/2024\u00a023:59:00 ", datetime(2024, 2, 4, 23, 59)),
        ("hôm qua", None),
        ("", None),
        (None, None),
        (True, None),
        (-5, None),
        (10**9, None),
    ],
)
def test_parse_timestamp(cell, expected):
    assert parse_timestamp(cell) == expected


@pytest.mark.parametrize(
    ("header", "field", "col"),
    [
        (["Timestamp", "Tên đơn vị"], "submitted_at", 0),
        (["dau thoi gian", "TÊN ĐƠN VỊ:"], "unit", 1),
        (["Dấu  thời gian", " Tên công đoàn cơ sở "], "unit", 1),
        (["Tên đơn vị", "Tên đơn vị"], "unit", 0),  # the first repeated title wins
        (["Link Fanpage"], "fanpage_url", 0),
        (["Đường link tài khoản Facebook"], "fanpage_url", 0),
        (["Tên Fanpage"], "fanpage_name", 0),
        (["Ghi chú"], "note", 0),
    ],
)
def test_layout_finds_fields_by_folded_title(header, field, col):
    assert read_layout(header, Settings().headers).fields[field] == col


def test_layout_numbers_staff_slots_and_keeps_status_columns_apart():
    header = [
        "Tên đơn vị",
        "Họ tên 1",
        "SĐT 1",
        "Họ tên cán bộ phụ trách 2",
        "Số điện thoại 2",
        "Đơn vị công tác 2",
        "Trạng thái",
        "Kiểm tra lúc",
    ]
    layout = read_layout(header, Settings().headers)
    assert layout.staff == {1: {"name": 1, "phone": 2}, 2: {"name": 3, "phone": 4, "unit": 5}}
    assert layout.status == {"Trạng thái": 6, "Kiểm tra lúc": 7}
    assert 6 not in layout.form_columns()


def test_layout_reports_missing_required_columns():
    layout = read_layout(["Dấu thời gian", "Tên đơn vị"], Settings().headers)
    assert layout.missing == [
        "Tên trang Fanpage (facebook)",
        "Đường link Fanpage (facebook)",
        "Họ tên cán bộ phụ trách 1",
    ]


def test_clean_row_is_ok_with_roster_spelling():
    checked = decide_rows(row("trường  thcs ngọc lâm"))
    (result,) = checked.results
    assert result.status == "ok", result.issues
    assert result.response.unit == "Trường THCS Ngọc Lâm"
    assert result.response.roster_unit == "Trường THCS Ngọc Lâm"


@pytest.mark.parametrize(
    ("fanpage", "ok"),
    [
        ("Công đoàn _ Trường THCS Ngọc Lâm", True),
        ("Công đoàn_Trường THCS Ngọc Lâm", True),
        ("CÔNG ĐOÀN _ TRƯỜNG THCS NGỌC LÂM", True),
        ("Công đoàn _ Trung học cơ sở Ngọc Lâm", True),
        ("Cong doan _ THCS Ngoc Lam", True),
        ("Công đoàn Trường THCS Ngọc Lâm", False),  # the underscore is the convention
        ("CĐ Trường THCS Ngọc Lâm", False),
        ("Công đoàn - Trường THCS Ngọc Lâm", False),
        ("THCS Ngọc Lâm", False),
        ("Công đoàn _ Trường THCS Ngọc Thụy", False),
        ("Nguyễn Thị Thu Hà", False),
    ],
)
def test_fanpage_name_convention(fanpage, ok):
    (result,) = decide_rows(row(name=fanpage)).results
    has_warning = "fanpage_name_convention" in codes(result)
    assert has_warning is not ok
    if not ok:
        assert result.response.expected_fanpage_name == "Công đoàn _ Trường THCS Ngọc Lâm"
        assert result.status == "warning"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"unit": ""}, ["missing_unit"]),
        ({"name": ""}, ["missing_fanpage_name"]),
        ({"url": ""}, ["missing_fanpage_url"]),
        ({"staff": ""}, ["missing_staff"]),
        ({"phone": ""}, ["phone_missing"]),
        ({"phone": "12345"}, ["phone_invalid"]),
        ({"phone": "01684567890"}, ["phone_old_prefix"]),
        ({"url": "chưa có"}, ["url_invalid"]),
        ({"url": "https://zalo.me/abc"}, ["url_not_facebook"]),
        ({"url": "https://www.facebook.com/groups/123456"}, ["url_not_page"]),
        ({"url": "https://www.facebook.com/share/abc123"}, ["url_unverifiable"]),
        ({"at": datetime(2024, 2, 5, 0, 0)}, ["late_submission"]),
        ({"at": "05/02/2024 07:00:00"}, ["late_submission"]),
        ({"at": datetime(2024, 2, 4, 23, 59, 59)}, []),
    ],
)
def test_each_rule_gives_its_code(changes, expected):
    unit = changes.pop("unit", "Trường THCS Ngọc Lâm")
    (result,) = decide_rows(row(unit, **changes)).results
    assert codes(result) == expected


def test_unit_not_in_roster_names_the_closest_unit():
    (result,) = decide_rows(row("Trường THCS Ngọc Lâmm")).results
    assert codes(result) == ["unit_not_in_roster"]
    assert "Trường THCS Ngọc Lâm" in result.issues[0].message
    assert result.response.roster_unit is None
    assert result.response.unit == "Trường THCS Ngọc Lâmm"


def test_without_roster_no_roster_checks():
    (result,) = decide_rows(row("THCS Ngọc Lâm"), roster=False).results
    assert result.status == "ok"
    assert result.response.unit == "THCS Ngọc Lâm"


def test_latest_submission_wins_even_with_errors():
    checked = decide_rows(
        row(at=datetime(2024, 2, 1, 9, 0)),
        row("THCS Ngọc Lâm", at=datetime(2024, 2, 2, 9, 0), phone=""),
        row("Trường Mầm non Hoa Sữa", at=datetime(2024, 1, 29)),
    )
    first, second, other = checked.results
    assert first.status == "superseded"
    assert "duplicate_superseded" in codes(first)
    assert "dòng 3" in first.issues[-1].message
    assert second.status == "error"
    assert other.status == "ok"
    assert [r.row for r in checked.listed] == [4]
    states = {e.unit: (e.state, e.response_row) for e in checked.roster_entries}
    assert states == {
        "Trường THCS Ngọc Lâm": ("error", 3),
        "Trường Mầm non Hoa Sữa": ("ok", 4),
        "UBND phường Bồ Đề": ("missing", None),
    }


def test_row_order_breaks_timestamp_ties_and_sorts_out_of_order_rows():
    same = datetime(2024, 2, 1, 9, 0)
    checked = decide_rows(row(at=same), row(at=same), row(at=datetime(2024, 1, 1)))
    assert [r.status for r in checked.results] == ["superseded", "ok", "superseded"]


def test_empty_rows_are_skipped_and_rows_keep_sheet_numbers():
    checked = decide_rows(row(), [None, "", "  "], [], row("Trường Mầm non Hoa Sữa"))
    assert [r.row for r in checked.results] == [2, 5]


def test_staff_names_are_cased_and_staff_unit_defaults_to_row_unit():
    checked = decide_rows(
        row(staff="nguyễn   văn AN", staff2=("TRẦN THỊ BÌNH", "Ủy viên", 984919862))
    )
    staff = checked.results[0].response.staff
    assert [s.name for s in staff] == ["Nguyễn Văn An", "Trần Thị Bình"]
    assert [s.unit for s in staff] == ["Trường THCS Ngọc Lâm"] * 2
    assert staff[1].phone == "0984919862"


def test_phone_issue_names_the_slot():
    checked = decide_rows(row(staff2=("Trần Bình", "Ủy viên", "0111")))
    (issue,) = checked.results[0].issues
    assert (issue.code, issue.field, issue.severity) == ("phone_invalid", "staff[2].phone", "error")
    assert checked.results[0].response.staff[1].phone == "0111"


def test_missing_columns_give_errors_not_a_crash():
    checked = decide_rows(["Trường THCS Ngọc Lâm"], header=["Tên đơn vị"])
    assert codes(checked.results[0]) == [
        "missing_fanpage_name",
        "missing_fanpage_url",
        "missing_staff",
    ]


def test_staff_numbers_follow_the_question_titles():
    header = ["Tên đơn vị", "Tên Fanpage", "Link Fanpage", "Họ tên 1", "SĐT 1", "Họ tên 3", "SĐT 3"]
    unit = "Trường THCS Ngọc Lâm"
    checked = decide_rows(
        [unit, f"Công đoàn _ {unit}", "facebook.com/cdngoclam", "An", "0984919862", "Bình", ""],
        header=header,
    )
    (issue,) = checked.results[0].issues
    assert issue.field == "staff[3].phone"
    assert issue.message == "Cán bộ 3 (Bình) chưa có số điện thoại"
