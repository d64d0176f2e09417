"""`sheets-sync` end to end on a Google spreadsheet served by the emulator."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from sheets_sync.cli import main
from tests.conftest import ServiceAccountKey
from tests.helpers import HEADER, ROSTER, row
from tests.sheets_emulator import READONLY_SCOPE, SCOPE, Request, SheetsEmulator

KEY = "1Qm9uZ0RvYW5Mb25nQmllbl9EYW5oU2FjaEZhbnBhZ2U"
URL = f"https://docs.google.com/spreadsheets/d/{KEY}/edit#gid=0"
RESPONSES = "Câu trả lời biểu mẫu 1"
STATUS = [
    "Trạng thái",
    "Chi tiết kiểm tra",
    "Tên Fanpage đề nghị",
    "File danh sách",
    "Kiểm tra lúc",
]
ROWS = [
    row("Trường THCS Ngọc Lâm"),
    row("Trường Mầm non Hoa Sữa", phone=984919862, url="facebook.com/mnhoasua"),
    row("UBND phường Bồ Đề", url="https://www.facebook.com/groups/bode", at=datetime(2024, 2, 1)),
]


def add_book(
    emu: SheetsEmulator, key: ServiceAccountKey, *, cols: int = 26, role: str = "writer"
) -> None:
    emu.add_spreadsheet(
        KEY, {RESPONSES: [HEADER, *ROWS], "Danh sách đơn vị": ROSTER}, grid=(1000, cols)
    )
    emu.share(KEY, key.client_email, role)


def invoke(key: ServiceAccountKey, tmp_path: Path, *args: str) -> Result:
    return CliRunner().invoke(main, [*args, "--credentials", str(key.path)], catch_exceptions=False)


def run(key: ServiceAccountKey, tmp_path: Path, source: str = KEY) -> Result:
    return invoke(key, tmp_path, "run", source, "--out", str(tmp_path / "out"))


def statuses(emu: SheetsEmulator) -> list[list[Any]]:
    values = emu.values(KEY, RESPONSES)
    start = values[0].index(STATUS[0])
    assert values[0][start:] == STATUS
    return [line[start : start + 3] for line in values[1:]]


def form_cells(emu: SheetsEmulator) -> list[list[Any]]:
    width = len(HEADER)
    return [(line + [""] * width)[:width] for line in emu.values(KEY, RESPONSES)]


@pytest.mark.parametrize(("cols", "requests"), [(26, 5), (len(HEADER), 6)])
def test_run_writes_statuses_in_the_contract_columns(
    sheets_emulator: SheetsEmulator,
    service_account_key: ServiceAccountKey,
    tmp_path: Path,
    cols: int,
    requests: int,
) -> None:
    add_book(sheets_emulator, service_account_key, cols=cols)
    before = form_cells(sheets_emulator)
    result = run(service_account_key, tmp_path, URL)
    assert result.exit_code == 0, result.output
    assert len(sheets_emulator.requests) == requests
    assert [claims["scope"] for claims in sheets_emulator.token_requests] == [SCOPE]
    assert form_cells(sheets_emulator) == before
    done = statuses(sheets_emulator)
    assert [line[0] for line in done] == ["Hợp lệ", "Hợp lệ", "Cần sửa"]
    assert done[2][1] != "" and all(line[2] == "" for line in done)
    roster = sheets_emulator.values(KEY, "Danh sách đơn vị")
    assert roster[0][-1] == "Tình trạng nộp"
    assert [line[-1] for line in roster[1:]] == ["Đã nộp", "Đã nộp", "Đã nộp, cần sửa"]
    assert (tmp_path / "out" / "tong-hop.docx").exists()


def test_second_run_writes_nothing(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey, tmp_path: Path
) -> None:
    add_book(sheets_emulator, service_account_key)
    assert run(service_account_key, tmp_path).exit_code == 0
    first = sheets_emulator.values(KEY, RESPONSES)
    sheets_emulator.requests.clear()
    assert run(service_account_key, tmp_path).exit_code == 0
    assert [r.method for r in sheets_emulator.requests] == ["GET", "GET"]
    assert sheets_emulator.values(KEY, RESPONSES) == first


def test_check_reads_with_the_readonly_scope(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey, tmp_path: Path
) -> None:
    add_book(sheets_emulator, service_account_key, role="reader")
    result = invoke(service_account_key, tmp_path, "check", KEY, "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert [line["status"] for line in report["rows"]] == ["ok", "ok", "error"]
    assert report["rows"][1]["staff"][0]["phone"] == "0984919862"
    assert report["rows"][0]["submitted_at"] == "2024-01-30T08:15:00"
    assert len(sheets_emulator.requests) == 2
    assert [claims["scope"] for claims in sheets_emulator.token_requests] == [READONLY_SCOPE]


def test_run_survives_rate_limits_and_server_errors(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey, tmp_path: Path
) -> None:
    add_book(sheets_emulator, service_account_key)
    sheets_emulator.fail_next(2, 429, retry_after=1)
    sheets_emulator.fail_next(2, 500, match="values:batchUpdate")
    sheets_emulator.drop_next(1, match="values:batchGet")
    result = run(service_account_key, tmp_path)
    assert result.exit_code == 0, result.output
    assert [line[0] for line in statuses(sheets_emulator)] == ["Hợp lệ", "Hợp lệ", "Cần sửa"]


def test_run_after_rows_were_sorted_writes_on_the_right_rows(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey, tmp_path: Path
) -> None:
    add_book(sheets_emulator, service_account_key)
    sorted_once: list[bool] = []

    def sort_before_first_check(request: Request) -> None:
        reads = [r for r in sheets_emulator.requests if r.path.endswith("values:batchGet")]
        if len(reads) == 2 and not sorted_once:
            sheet = sheets_emulator.sheet(KEY, RESPONSES)
            sheet.rows[1:] = sheet.rows[1:][::-1]
            sorted_once.append(True)

    sheets_emulator.on_request = sort_before_first_check
    result = run(service_account_key, tmp_path)
    assert result.exit_code == 0, result.output
    units = [line[2] for line in form_cells(sheets_emulator)[1:]]
    assert units == ["UBND phường Bồ Đề", "Trường Mầm non Hoa Sữa", "Trường THCS Ngọc Lâm"]
    assert [line[0] for line in statuses(sheets_emulator)] == ["Cần sửa", "Hợp lệ", "Hợp lệ"]


def _error_line(result: Result) -> str:
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    # The CLI's prefix ("Lỗi: ") is its own business; the message follows it.
    return re.sub(r"^[^:]{1,12}: ", "", lines[0])


def test_not_shared_exits_1_naming_the_account(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey, tmp_path: Path
) -> None:
    sheets_emulator.add_spreadsheet(KEY, {RESPONSES: [HEADER, *ROWS]})
    line = _error_line(run(service_account_key, tmp_path))
    assert line.startswith("Bảng tính chưa được chia sẻ với tài khoản dịch vụ ")
    assert service_account_key.client_email in line and "Người chỉnh sửa (Editor)" in line


def test_viewer_cannot_run(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey, tmp_path: Path
) -> None:
    add_book(sheets_emulator, service_account_key, role="reader")
    line = _error_line(run(service_account_key, tmp_path))
    assert "chỉ có quyền xem bảng tính" in line


def test_wrong_key_exits_1(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey, tmp_path: Path
) -> None:
    line = _error_line(run(service_account_key, tmp_path))
    assert line == f"Không tìm thấy bảng tính {KEY}: kiểm tra lại đường link hoặc mã bảng tính."


def test_network_down_exits_1(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey, tmp_path: Path
) -> None:
    add_book(sheets_emulator, service_account_key)
    sheets_emulator.fail_next(100, 503)
    line = _error_line(run(service_account_key, tmp_path))
    assert line == (
        "Không kết nối được Google Sheets sau 6 lần thử (HTTP 503): kiểm tra mạng rồi chạy lại."
    )


def test_missing_key_file_exits_1(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey, tmp_path: Path
) -> None:
    service_account_key.path.unlink()
    line = _error_line(run(service_account_key, tmp_path))
    assert line.startswith("Không tìm thấy tệp khóa tài khoản dịch vụ ")


def test_revoked_key_exits_1_without_secrets(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey, tmp_path: Path
) -> None:
    add_book(sheets_emulator, service_account_key)
    sheets_emulator.revoke_key(service_account_key.client_email)
    result = run(service_account_key, tmp_path)
    line = _error_line(result)
    assert "invalid_grant" in line
    assert "PRIVATE KEY" not in result.output and "eyJ" not in result.output


def test_key_readable_by_others_is_warned_about(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey, tmp_path: Path
) -> None:
    add_book(sheets_emulator, service_account_key)
    service_account_key.path.chmod(0o644)
    result = invoke(service_account_key, tmp_path, "check", KEY)
    assert result.exit_code == 0
    assert (
        f"Cảnh báo: Tệp khóa {service_account_key.path} để người dùng khác đọc được"
        in result.stderr
    )


def test_roster_from_a_local_file_beside_a_spreadsheet_without_one(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey, tmp_path: Path
) -> None:
    sheets_emulator.add_spreadsheet(KEY, {RESPONSES: [HEADER, *ROWS]})
    sheets_emulator.share(KEY, service_account_key.client_email, "writer")
    roster = tmp_path / "roster.csv"
    roster.write_text("STT,Tên đơn vị\n1,Trường THCS Ngọc Lâm\n2,Trường THPT Lý Thường Kiệt\n")
    result = invoke(
        service_account_key,
        tmp_path,
        "run",
        KEY,
        "--roster",
        str(roster),
        "--out",
        str(tmp_path / "out"),
    )
    assert result.exit_code == 0, result.output
    assert [line[0] for line in statuses(sheets_emulator)] == [
        "Hợp lệ",
        "Hợp lệ, cần lưu ý",
        "Cần sửa",
    ]
    assert roster.read_text("utf-8-sig").splitlines() == [
        "STT,Tên đơn vị,Tình trạng nộp",
        "1,Trường THCS Ngọc Lâm,Đã nộp",
        "2,Trường THPT Lý Thường Kiệt,Chưa nộp",
    ]
    report = invoke(
        service_account_key, tmp_path, "report", KEY, "--roster", str(roster), "--format", "json"
    )
    assert [u["state"] for u in json.loads(report.output)["units"]] == ["ok", "missing"]
