"""Which worksheet holds the responses: the one whose header reads as the form, wherever it sits."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner, Result

from sheets_sync.cli import main
from sheets_sync.config import HEADER_ALIASES, STATUS_COLUMNS
from sheets_sync.errors import SourceError
from sheets_sync.form import pick_responses
from tests.conftest import ServiceAccountKey
from tests.helpers import HEADER, ROSTER, row
from tests.sheets_emulator import SheetsEmulator

EXAMPLE = Path(__file__).parent.parent / "examples" / "form-responses.xlsx"
FORM = "Câu trả lời biểu mẫu 1"
UNITS = "Danh sách đơn vị"
KEY = "1Qm9uZ0RvYW5Mb25nQmllbl9EYW5oU2FjaEZhbnBhZ2U"
ROSTER_HEADER = ["STT", "Tên đơn vị", "Họ tên", "Số điện thoại", "Email"]
NOTES = ["Ghi chú", "Tên đơn vị"]


def pick(*sheets: tuple[str, list[Any]], roster: str | None = UNITS) -> tuple[int, str | None]:
    return pick_responses(list(sheets), HEADER_ALIASES, roster)


@pytest.mark.parametrize(
    ("sheets", "expected"),
    [
        ([(UNITS, ROSTER_HEADER), (FORM, HEADER)], 1),
        ([(FORM, HEADER), (UNITS, ROSTER_HEADER)], 0),
        ([("Tổng hợp", NOTES), (UNITS, ROSTER_HEADER), (FORM, HEADER)], 2),
        # A roster under another title still does not read as the form.
        ([("Đơn vị", ROSTER_HEADER), (FORM, HEADER)], 1),
        # Nothing reads as the form: the first besides the roster (its columns are reported).
        ([(UNITS, ROSTER_HEADER), ("Trang 1", ["a", "b"])], 1),
        ([(UNITS, HEADER), (FORM, HEADER[:6])], 1),  # the roster's title never answers
    ],
)
def test_the_sheet_reading_as_the_form_is_taken(
    sheets: list[tuple[str, list[Any]]], expected: int
) -> None:
    assert pick(*sheets) == (expected, None)


def test_a_weaker_second_form_is_named_and_a_tie_refused() -> None:
    index, warning = pick((FORM, HEADER[:6]), ("Bản sao", HEADER), (UNITS, ROSTER_HEADER))
    assert index == 1
    assert warning == (
        "Đã lấy trang 'Bản sao' làm trang câu trả lời (khớp nhiều câu hỏi nhất); trang "
        f"'{FORM}' cũng giống biểu mẫu: chọn trang khác bằng --worksheet nếu cần."
    )
    with pytest.raises(SourceError) as err:
        pick((FORM, HEADER), ("Bản sao", HEADER))
    assert str(err.value) == (
        f"Có nhiều trang tính giống trang câu trả lời biểu mẫu ('{FORM}', 'Bản sao'): chọn một "
        "trang bằng --worksheet. Chưa ghi gì."
    )


def test_a_spreadsheet_holding_only_the_roster_is_refused() -> None:
    with pytest.raises(SourceError, match="Chỉ có trang danh sách đơn vị 'Danh sách đơn vị'"):
        pick((UNITS, ROSTER_HEADER))


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def values(path: Path, title: str) -> list[list[Any]]:
    book = openpyxl.load_workbook(path)
    return [list(line) for line in book[title].iter_rows(values_only=True)]


def test_xlsx_roster_first_gets_no_response_statuses(tmp_path: Path) -> None:
    path = tmp_path / "responses.xlsx"
    shutil.copy(EXAMPLE, path)
    book = openpyxl.load_workbook(path)
    book.move_sheet(UNITS, offset=-book.sheetnames.index(UNITS))
    book.save(path)
    assert openpyxl.load_workbook(path).sheetnames[0] == UNITS
    roster_before = values(path, UNITS)

    result = invoke("run", str(path), "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    form = values(path, FORM)
    assert form[0][-5:] == list(STATUS_COLUMNS.values())
    roster = values(path, UNITS)
    assert roster[0] == [*roster_before[0], "Tình trạng nộp"]  # one roster column, no statuses
    assert {line[-1] for line in roster[1:]} == {"Đã nộp", "Đã nộp, cần sửa", "Chưa nộp"}
    assert len(list((tmp_path / "out").iterdir())) > 1

    report = invoke("report", str(path))
    assert report.exit_code == 0, report.output
    assert "Chưa nộp" in report.output


def google_book(emu: SheetsEmulator, key: ServiceAccountKey, sheets: dict[str, Any]) -> None:
    emu.add_spreadsheet(KEY, sheets)
    emu.share(KEY, key.client_email)


def google_run(key: ServiceAccountKey, tmp_path: Path) -> Result:
    return invoke("run", KEY, "--out", str(tmp_path / "out"), "--credentials", str(key.path))


@pytest.mark.parametrize(
    ("before", "reads"),
    [({}, 2), ({"Tổng hợp": [NOTES, ["x", "Trường THCS Ngọc Lâm"]]}, 3)],
)
def test_google_roster_first_within_the_request_budget(
    sheets_emulator: SheetsEmulator,
    service_account_key: ServiceAccountKey,
    tmp_path: Path,
    before: dict[str, Any],
    reads: int,
) -> None:
    rows = [HEADER, row("Trường THCS Ngọc Lâm"), row("UBND phường Bồ Đề")]
    google_book(sheets_emulator, service_account_key, {UNITS: ROSTER, **before, FORM: rows})
    result = google_run(service_account_key, tmp_path)
    assert result.exit_code == 0, result.output
    assert len(sheets_emulator.requests) == reads + 3
    form = sheets_emulator.values(KEY, FORM)
    assert form[0] == HEADER + list(STATUS_COLUMNS.values())
    assert [line[len(HEADER)] for line in form[1:]] == ["Hợp lệ", "Hợp lệ"]
    roster = sheets_emulator.values(KEY, UNITS)
    assert roster[0] == [*ROSTER[0], "Tình trạng nộp"]
    assert [line[-1] for line in roster[1:]] == ["Đã nộp", "Chưa nộp", "Đã nộp"]
    for title in before:
        assert sheets_emulator.values(KEY, title) == before[title]

    sheets_emulator.requests.clear()
    again = google_run(service_account_key, tmp_path)
    assert again.exit_code == 0, again.output
    assert len(sheets_emulator.requests) == reads

    sheets_emulator.requests.clear()
    report = invoke("report", KEY, "--credentials", str(service_account_key.path))
    assert report.exit_code == 0, report.output
    assert "Chưa nộp" in report.output


def test_xlsx_says_which_of_two_form_sheets_was_taken(tmp_path: Path) -> None:
    path = tmp_path / "hai-trang.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "Bản nháp"
    for line in ([*HEADER[:5], "Họ tên cán bộ phụ trách 1"], row("Trường THCS Ngọc Lâm")[:6]):
        book.active.append(line)
    form = book.create_sheet(FORM)
    for line in (HEADER, row("Trường THCS Ngọc Lâm")):
        form.append(line)
    book.save(path)
    draft_before = values(path, "Bản nháp")

    result = invoke("run", str(path), "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert (
        f"Cảnh báo: Đã lấy trang '{FORM}' làm trang câu trả lời (khớp nhiều câu hỏi nhất); "
        "trang 'Bản nháp' cũng giống biểu mẫu: chọn trang khác bằng --worksheet nếu cần."
    ) in result.stderr.splitlines()
    assert values(path, "Bản nháp") == draft_before
    assert values(path, FORM)[0][-5:] == list(STATUS_COLUMNS.values())


def test_google_refuses_two_sheets_reading_equally_as_the_form(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey, tmp_path: Path
) -> None:
    rows = [HEADER, row("Trường THCS Ngọc Lâm")]
    sheets = {UNITS: ROSTER, "Bản sao": rows, FORM: rows}
    google_book(sheets_emulator, service_account_key, sheets)
    before = {title: sheets_emulator.values(KEY, title) for title in sheets}
    result = google_run(service_account_key, tmp_path)
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"Lỗi: Có nhiều trang tính giống trang câu trả lời biểu mẫu ('Bản sao', '{FORM}'): chọn "
        "một trang bằng --worksheet. Chưa ghi gì."
    )
    assert len(sheets_emulator.requests) == 2
    assert {title: sheets_emulator.values(KEY, title) for title in sheets} == before
    assert not (tmp_path / "out").exists()


ROSTER_NAMED = (
    f"Lỗi: Trang '{UNITS}' là danh sách đơn vị, không phải trang câu trả lời biểu mẫu; trang câu "
    f"trả lời là '{FORM}': bỏ --worksheet hoặc dùng --worksheet '{FORM}'. Chưa ghi gì."
)


def test_xlsx_worksheet_naming_the_roster_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "q.xlsx"
    shutil.copy(EXAMPLE, path)
    out = tmp_path / "out"
    assert invoke("run", str(path), "--out", str(out)).exit_code == 0
    data, lists = path.read_bytes(), {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    for command in (["run", "--out", str(out)], ["check"], ["report"], ["doctor"]):
        result = invoke(command[0], str(path), *command[1:], "--worksheet", "danh sách  đơn vị")
        assert result.exit_code == 1, result.output
        assert ROSTER_NAMED.removeprefix("Lỗi: ") in result.output
    assert path.read_bytes() == data
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == lists
    assert not (out / "cu").exists()


def test_google_worksheet_naming_the_roster_is_refused(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey, tmp_path: Path
) -> None:
    sheets = {FORM: [HEADER, row("Trường THCS Ngọc Lâm")], UNITS: ROSTER}
    google_book(sheets_emulator, service_account_key, sheets)
    before = {title: sheets_emulator.values(KEY, title) for title in sheets}
    result = invoke(
        "run", KEY, "--out", str(tmp_path / "out"), "--credentials", str(service_account_key.path),
        "--worksheet", UNITS,
    )  # fmt: skip
    assert result.exit_code == 1
    assert result.stderr.strip() == ROSTER_NAMED
    assert {title: sheets_emulator.values(KEY, title) for title in sheets} == before
    assert not (tmp_path / "out").exists()


NO_UNIT = (
    "Lỗi: Trang tính 'Ghi chú' không có cột 'Tên đơn vị' ('Ghi chú', 'Ngày'): chọn đúng trang "
    "bằng --worksheet, hoặc thêm tên câu hỏi vào [headers] unit trong tệp cấu hình. Chưa ghi gì."
)


@pytest.mark.parametrize("command", [["check"], ["report"], ["run", "--dry-run"]])
def test_xlsx_worksheet_without_a_unit_column_is_refused_by_every_command(
    tmp_path: Path, command: list[str]
) -> None:
    path = tmp_path / "q.xlsx"
    shutil.copy(EXAMPLE, path)
    book = openpyxl.load_workbook(path)
    book.create_sheet("Ghi chú").append(["Ghi chú", "Ngày"])
    book.save(path)
    result = invoke(command[0], str(path), *command[1:], "--worksheet", "Ghi chú")
    assert result.exit_code == 1
    assert result.stderr.strip() == NO_UNIT


def test_google_check_refuses_a_worksheet_without_a_unit_column(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey
) -> None:
    sheets = {FORM: [HEADER, row("Trường THCS Ngọc Lâm")], "Ghi chú": [["Ghi chú", "Ngày"]]}
    google_book(sheets_emulator, service_account_key, sheets)
    credentials = ["--credentials", str(service_account_key.path)]
    result = invoke("check", KEY, *credentials, "--worksheet", "Ghi chú")
    assert result.exit_code == 1
    assert result.stderr.strip() == NO_UNIT


def test_xlsx_roster_tab_wins_over_roster_file_and_says_so(tmp_path: Path) -> None:
    other = tmp_path / "other.csv"
    other.write_text("Tên đơn vị\nTrường Mầm non X\n", "utf-8")
    for fmt in ("text", "json"):
        result = invoke("check", str(EXAMPLE), "--roster", str(other), "--format", fmt)
        assert result.exit_code == 0, result.output
        note = (
            f"Chú ý: đã dùng danh sách đơn vị ở trang '{UNITS}' của bảng tính, không dùng tệp "
            f"--roster {other}; muốn dùng tệp đó thì đổi tên hoặc xóa trang '{UNITS}'."
        )
        assert result.output.splitlines().count(note) == (fmt == "text")
    assert other.read_text("utf-8") == "Tên đơn vị\nTrường Mầm non X\n"


def test_google_roster_sheet_wins_over_roster_file_and_says_so(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey, tmp_path: Path
) -> None:
    google_book(sheets_emulator, service_account_key, {FORM: [HEADER, row()], UNITS: ROSTER})
    other = tmp_path / "other.csv"
    other.write_text("Tên đơn vị\nTrường Mầm non X\n", "utf-8")
    credentials = ["--credentials", str(service_account_key.path)]
    result = invoke("report", KEY, *credentials, "--roster", str(other))
    assert result.exit_code == 0, result.output
    assert (
        f"Chú ý: đã dùng danh sách đơn vị ở trang '{UNITS}' của bảng tính, không dùng tệp "
        f"--roster {other}; muốn dùng tệp đó thì đổi tên hoặc xóa trang '{UNITS}'."
    ) in result.output.splitlines()
    assert "Trường Mầm non X" not in result.output
