from datetime import datetime

from sheets_sync.config import STATUS_COLUMNS, Settings
from sheets_sync.model import CellWrite, SheetData, Table
from sheets_sync.pipeline import check_data, status_writes
from tests.helpers import HEADER, ROSTER, row

NOW = datetime(2024, 2, 6, 9, 30, 0)
TITLE = "Câu trả lời biểu mẫu 1"


def plan(rows, roster=ROSTER, now=NOW):
    data = SheetData("t", Table(TITLE, rows), Table("Danh sách đơn vị", roster))
    checked = check_data(data, Settings())
    return status_writes(checked, Settings(), now)


def apply(rows, roster, writes):
    """Write the cells into copies of the tables, as a backend would."""
    tables = {TITLE: [list(r) for r in rows], "Danh sách đơn vị": [list(r) for r in roster]}
    for w in writes:
        target = tables[w.sheet]
        while len(target) < w.row:
            target.append([])
        line = target[w.row - 1]
        line.extend([None] * (w.col - len(line)))
        line[w.col - 1] = w.value
    return tables[TITLE], tables["Danh sách đơn vị"]


def test_first_run_appends_status_columns_after_the_last_used_column():
    rows = [HEADER, row(), row("Trường Mầm non Hoa Sữa", phone="")]
    writes = plan(rows)
    first_new = len(HEADER) + 1
    headers = [w for w in writes if w.sheet == TITLE and w.row == 1]
    assert headers == [
        CellWrite(TITLE, 1, first_new + i, title) for i, title in enumerate(STATUS_COLUMNS.values())
    ]
    cells = {(w.row, w.col): w.value for w in writes if w.sheet == TITLE}
    assert cells[(2, first_new)] == "Hợp lệ"
    assert (2, first_new + 1) not in cells  # nothing to say: the empty cell stays empty
    assert cells[(2, first_new + 4)] == "06/02/2024 09:30"
    assert cells[(3, first_new)] == "Cần sửa"
    assert "chưa có số điện thoại" in cells[(3, first_new + 1)]
    assert all(w.col > len(HEADER) for w in writes if w.sheet == TITLE)  # no form cell


def test_second_run_over_unchanged_data_writes_nothing():
    rows = [HEADER, row(), row("THCS Ngọc Lâm", name="CĐ Ngọc Lâm"), row("Trường X")]
    new_rows, new_roster = apply(rows, ROSTER, plan(rows))
    assert plan(new_rows, new_roster, now=datetime(2024, 3, 1)) == []


def test_roster_gets_its_column_and_only_changed_cells():
    rows = [HEADER, row()]
    writes = [w for w in plan(rows) if w.sheet == "Danh sách đơn vị"]
    assert writes == [
        CellWrite("Danh sách đơn vị", 1, 3, "Tình trạng nộp"),
        CellWrite("Danh sách đơn vị", 2, 3, "Đã nộp"),
        CellWrite("Danh sách đơn vị", 3, 3, "Chưa nộp"),
        CellWrite("Danh sách đơn vị", 4, 3, "Chưa nộp"),
    ]
    new_rows, new_roster = apply(rows, ROSTER, plan(rows))
    new_rows.append(row("Trường Mầm non Hoa Sữa", phone=""))
    later = plan(new_rows, new_roster)
    assert [w for w in later if w.sheet == "Danh sách đơn vị"] == [
        CellWrite("Danh sách đơn vị", 3, 3, "Đã nộp, cần sửa")
    ]


def test_a_changed_row_rewrites_its_own_cells_and_time_only():
    rows = [HEADER, row(), row("Trường Mầm non Hoa Sữa")]
    new_rows, new_roster = apply(rows, ROSTER, plan(rows))
    new_rows[2][7] = "12"  # the unit fixes... breaks its phone
    later = plan(new_rows, new_roster, now=datetime(2024, 2, 7))
    responses = [w for w in later if w.sheet == TITLE]
    assert {w.row for w in responses} == {3}
    assert any(w.value == "07/02/2024 00:00" for w in responses)


def test_a_row_emptied_since_gets_its_status_cleared():
    rows = [HEADER, row(), row("Trường Mầm non Hoa Sữa")]
    new_rows, new_roster = apply(rows, ROSTER, plan(rows))
    new_rows[2] = [None] * len(HEADER) + new_rows[2][len(HEADER) :]
    later = [w for w in plan(new_rows, new_roster) if w.sheet == TITLE]
    assert {w.row for w in later} == {3}
    assert all(w.value == "" for w in later)


def test_statuses_found_by_title_anywhere_in_row_one():
    header = ["Trạng thái", *HEADER]
    rows = [header, [None, *row()]]
    writes = [w for w in plan(rows) if w.sheet == TITLE]
    assert CellWrite(TITLE, 2, 1, "Hợp lệ") in writes
    assert not any(w.row == 1 and w.value == "Trạng thái" for w in writes)
