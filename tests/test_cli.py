import json
import re
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from sheets_sync import __version__
from sheets_sync.cli import main
from sheets_sync.config import STATUS_COLUMNS

EXAMPLE = Path(__file__).parent.parent / "examples" / "form-responses.xlsx"
RESPONSES = "Câu trả lời biểu mẫu 1"
ROSTER = "Danh sách đơn vị"


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    copy = tmp_path / "responses.xlsx"
    shutil.copy(EXAMPLE, copy)
    return copy


def invoke(*args: str, cwd: Path | None = None):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def cells(path: Path, sheet: str) -> list[list[object]]:
    wb = openpyxl.load_workbook(path)
    return [list(r) for r in wb[sheet].iter_rows(values_only=True)]


def test_run_writes_lists_and_status_columns_and_a_rerun_changes_nothing(workbook, tmp_path):
    before = cells(workbook, RESPONSES)
    out = tmp_path / "danh-sach"
    result = invoke("run", str(workbook), "--out", str(out))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("Đã kiểm tra 31 dòng của 30 đơn vị: ")
    assert lines[-2].startswith("Đã ghi ") and lines[-2].endswith(" ô trạng thái vào bảng tính.")
    assert lines[-1] == "Xong trong chưa tới 1 giây."

    after = cells(workbook, RESPONSES)
    width = len(before[0])
    assert [r[:width] for r in after] == before  # no form cell changed
    assert after[0][width:] == list(STATUS_COLUMNS.values())
    statuses = {r[width] for r in after[1:] if r[width]}
    assert statuses == {"Hợp lệ", "Hợp lệ, cần lưu ý", "Cần sửa", "Đã thay bằng lần gửi sau"}
    files = {r[width + 3] for r in after[1:] if r[width + 3]}
    assert {p.name for p in out.iterdir()} == files | {"tong-hop.docx"}
    roster = cells(workbook, ROSTER)
    assert roster[0][-1] == "Tình trạng nộp"
    assert {r[-1] for r in roster[1:]} == {"Đã nộp", "Đã nộp, cần sửa", "Chưa nộp"}

    bytes_before = workbook.read_bytes()
    docs_before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    again = invoke("run", str(workbook), "--out", str(out))
    assert again.exit_code == 0
    assert (
        again.output.splitlines()[-2] == "Trạng thái trong bảng tính đã đúng, không cần ghi ô nào."
    )
    assert workbook.read_bytes() == bytes_before
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == docs_before


def test_dry_run_writes_nothing_and_lists_the_changes(workbook, tmp_path):
    before = workbook.read_bytes()
    result = invoke("run", str(workbook), "--out", str(tmp_path / "d"), "--dry-run")
    assert result.exit_code == 0
    assert "Chạy thử: sẽ ghi " in result.output
    lines = [line for line in result.output.splitlines() if line.startswith("  Trang")]
    assert lines[0] == (
        f"  Trang '{RESPONSES}': thêm cột 'Trạng thái', 'Chi tiết kiểm tra', "
        "'Tên Fanpage đề nghị', 'File danh sách', 'Kiểm tra lúc'"
    )
    assert re.fullmatch(
        rf"  Trang '{RESPONSES}', dòng 2: Trạng thái: 'Hợp lệ'; "
        r"File danh sách: 'truong-thcs-ngoc-lam\.docx'; "
        r"Kiểm tra lúc: '\d\d/\d\d/\d{4} \d\d:\d\d'",
        lines[1],
    )
    assert workbook.read_bytes() == before
    assert not (tmp_path / "d").exists()


def test_dry_run_counts_the_lists_it_would_write_against_the_out_folder(workbook, tmp_path):
    out = tmp_path / "d"

    def dry_line() -> str:
        result = invoke("run", str(workbook), "--out", str(out), "--dry-run")
        assert result.exit_code == 0, result.output
        return next(line for line in result.output.splitlines() if " danh sách và " in line)

    def said(written: int, unchanged: int) -> str:
        return (
            f"Chạy thử: 26 danh sách và tệp tổng hợp trong {out}/: sẽ ghi {written} tệp mới "
            f"hoặc đã đổi, {unchanged} tệp không đổi."
        )

    assert dry_line() == said(27, 0)
    assert not out.exists()
    assert invoke("run", str(workbook), "--out", str(out)).exit_code == 0
    assert dry_line() == said(0, 27)
    (out / "truong-thcs-ngoc-lam.docx").unlink()
    (out / "tong-hop.docx").write_bytes(b"sua tay")
    files = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in out.iterdir()}
    assert dry_line() == said(2, 25)
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in out.iterdir()} == files


def test_a_csv_missing_columns_is_called_a_file(tmp_path):
    csv = tmp_path / "r.csv"
    csv.write_text("Tên đơn vị,Ghi chú\nTrường THCS Ngọc Lâm,x\n", "utf-8")
    result = invoke("check", str(csv))
    assert result.exit_code == 0, result.output
    assert (
        f"Chú ý: tệp {csv} thiếu cột 'Tên trang Fanpage (facebook)', "
        "'Đường link Fanpage (facebook)', 'Họ tên cán bộ phụ trách 1'."
    ) in result.output.splitlines()


def test_check_json_follows_the_contract(workbook):
    result = invoke("check", str(workbook), "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["source"] == str(workbook)
    assert set(data["summary"]) == {"rows", "units", "ok", "warning", "error", "superseded"}
    assert data["summary"]["rows"] == len(data["rows"]) == 31
    first = data["rows"][0]
    assert list(first) == [
        "row",
        "submitted_at",
        "unit",
        "roster_unit",
        "fanpage_name",
        "expected_fanpage_name",
        "fanpage_url",
        "note",
        "staff",
        "status",
        "issues",
    ]
    assert first["row"] == 2
    assert set(first["staff"][0]) == {"name", "position", "unit", "phone"}
    for row in data["rows"]:
        for issue in row["issues"]:
            assert set(issue) == {"code", "severity", "field", "message"}
    codes = {i["code"] for r in data["rows"] for i in r["issues"]}
    assert {
        "fanpage_name_convention",
        "phone_old_prefix",
        "late_submission",
        "unit_not_in_roster",
        "url_not_page",
        "url_not_facebook",
        "phone_invalid",
        "phone_missing",
        "duplicate_superseded",
        "url_unverifiable",
    } <= codes


def test_report_json_lists_every_roster_unit(workbook):
    result = invoke("report", str(workbook), "--format", "json")
    data = json.loads(result.output)
    assert {u["state"] for u in data["units"]} == {"ok", "error", "missing"}
    assert data["summary"]["units"] == len(data["units"])
    missing = [u for u in data["units"] if u["state"] == "missing"]
    assert missing and all(u["row"] is None for u in missing)


def test_csv_source_with_roster_file(tmp_path):
    csv = tmp_path / "responses.csv"
    csv.write_text(
        "Dấu thời gian,Tên đơn vị,Tên trang Fanpage (facebook),Đường link Fanpage (facebook),"
        "Họ tên cán bộ phụ trách 1,Chức vụ 1,Số điện thoại 1\n"
        "30/01/2024 08:15:00,THCS Ngọc Lâm,Công đoàn _ Trường THCS Ngọc Lâm,"
        "facebook.com/cdngoclam?mibextid=ZbWKwL,nguyễn thị hà,Chủ tịch,+84 984 919 862\n",
        encoding="utf-8",
    )
    roster = tmp_path / "roster.csv"
    roster.write_text("STT,Tên đơn vị\n1,Trường THCS Ngọc Lâm\n2,Trường MN Hoa Sữa\n", "utf-8")
    result = invoke("check", str(csv), "--roster", str(roster), "--format", "json")
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.output)["rows"]
    assert row["status"] == "ok"
    assert row["unit"] == "Trường THCS Ngọc Lâm"
    assert row["fanpage_url"] == "https://www.facebook.com/cdngoclam"
    assert row["staff"] == [
        {
            "name": "Nguyễn Thị Hà",
            "position": "Chủ tịch",
            "unit": "Trường THCS Ngọc Lâm",
            "phone": "0984919862",
        }
    ]
    run = invoke("run", str(csv), "--roster", str(roster), "--out", str(tmp_path / "out"))
    assert run.exit_code == 0, run.output
    assert "Trạng thái" in csv.read_text("utf-8").splitlines()[0]
    assert (tmp_path / "out" / "truong-thcs-ngoc-lam.docx").is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["check", "khong-co.xlsx"],
            "Lỗi: Không tìm thấy tệp khong-co.xlsx. Kiểm tra lại đường dẫn.",
        ),
        (
            ["check", "abc"],
            "Lỗi: Không nhận ra nguồn dữ liệu 'abc': cần đường link Google Sheets, "
            "mã bảng tính, hoặc một tệp .xlsx/.csv có sẵn.",
        ),
    ],
)
def test_errors_are_one_vietnamese_line_and_exit_1(args, message):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert result.output.strip() == message


def test_missing_worksheet_names_the_existing_ones(workbook):
    result = CliRunner().invoke(main, ["check", str(workbook), "--worksheet", "Trang 9"])
    assert result.exit_code == 1
    assert result.output.startswith("Lỗi: ")
    assert RESPONSES in result.output and len(result.output.strip().splitlines()) == 1


def test_bad_config_is_a_clear_error(workbook, tmp_path):
    config = tmp_path / "c.toml"
    config.write_text("deadline = 'mai'\n", "utf-8")
    result = CliRunner().invoke(main, ["check", str(workbook), "--config", str(config)])
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"Lỗi: Tệp cấu hình {config}: khóa 'deadline' phải là một ngày dạng 2024-02-05 "
        "(không có giờ)."
    )


def test_config_deadline_changes_late_rows(workbook, tmp_path):
    config = tmp_path / "c.toml"
    config.write_text("deadline = 2024-01-01\n", "utf-8")
    result = invoke("check", str(workbook), "--config", str(config), "--format", "json")
    rows = json.loads(result.output)["rows"]
    assert all("late_submission" in {i["code"] for i in r["issues"]} for r in rows)


def test_version_and_usage():
    assert invoke("--version").output == f"sheets-sync, phiên bản {__version__}\n"
    assert CliRunner().invoke(main, ["check"]).exit_code == 2
    assert CliRunner().invoke(main, ["check", "x.xlsx", "--format", "xml"]).exit_code == 2


def test_an_unexpected_failure_is_one_line_not_a_traceback(workbook, monkeypatch):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr("sheets_sync.pipeline.check_data", broken)
    result = CliRunner().invoke(main, ["check", str(workbook)])
    assert result.exit_code == 1
    assert result.output.startswith(
        "Lỗi: Lỗi không mong đợi (ZeroDivisionError): division by zero."
    )
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
    monkeypatch.setenv("SHEETS_SYNC_DEBUG", "1")
    assert isinstance(
        CliRunner().invoke(main, ["check", str(workbook)]).exception, ZeroDivisionError
    )


def test_report_without_roster_is_a_clear_error(tmp_path):
    csv = tmp_path / "r.csv"
    csv.write_text("Tên đơn vị\nTrường A\n", "utf-8")
    result = CliRunner().invoke(main, ["report", str(csv)])
    assert result.exit_code == 1
    assert result.output.strip() == (
        "Lỗi: Không có danh sách đơn vị: thêm trang tính 'Danh sách đơn vị' hoặc dùng --roster TỆP."
    )


def test_docs_makes_the_lists_and_leaves_the_workbook_alone(workbook, tmp_path):
    before = workbook.read_bytes()
    result = invoke("docs", str(workbook), "--out", str(tmp_path / "d"))
    assert result.exit_code == 0
    assert result.output.splitlines()[-2] == (
        f"Danh sách Word: 26 đơn vị và tệp tổng hợp trong {tmp_path / 'd'}/ "
        "(27 tệp ghi mới, 0 tệp không đổi)."
    )
    assert workbook.read_bytes() == before
    assert len(list((tmp_path / "d").iterdir())) == 27


@pytest.mark.parametrize(
    ("content", "columns"),
    [
        ("A,B,C\n1,2,3\n", "'A', 'B', 'C'"),
        ("", "không có cột nào"),
    ],
)
@pytest.mark.parametrize(
    "command",
    [
        ["run", "--out"],
        ["run", "--dry-run", "--out"],
        ["docs", "--out"],
        ["check"],
        ["check", "--format", "json"],
        ["report"],
        ["report", "--format", "json"],
        ["notify", "--dry-run", "--config", "{mail}", "--outbox", "{out}"],
    ],
)
def test_every_command_refuses_a_csv_without_a_unit_column(tmp_path, content, columns, command):
    csv = tmp_path / "r.csv"
    csv.write_text(content, "utf-8")
    mail = tmp_path / "mail.toml"
    mail.write_text('[email]\nhost = "127.0.0.1"\nfrom = "ldld@example.vn"\n', "utf-8")
    command = [arg.format(mail=mail, out=tmp_path / "d") for arg in command]
    out = [str(tmp_path / "d")] if command[-1] == "--out" else []
    result = CliRunner().invoke(main, [command[0], str(csv), *command[1:], *out])
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"Lỗi: Tệp {csv} không có cột 'Tên đơn vị' ({columns}): kiểm tra đó có phải tệp câu "
        "trả lời biểu mẫu không, hoặc thêm tên cột đang dùng vào [headers] unit trong tệp cấu "
        "hình. Chưa ghi gì."
    )
    assert csv.read_text("utf-8") == content
    assert not (tmp_path / "d").exists()


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("https://example.com/x.xlsx", "Không nhận ra nguồn dữ liệu 'https://example.com/x.xlsx'"),
        ("cau-tra-loi-bieu-mau-2024", "Nếu cau-tra-loi-bieu-mau-2024 là tên tệp, kiểm tra lại"),
    ],
)
def test_sources_that_are_neither_file_nor_sheet(source, message, monkeypatch):
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    result = CliRunner().invoke(main, ["check", source])
    assert result.exit_code == 1
    assert message in result.output and len(result.output.strip().splitlines()) == 1


def test_a_directory_is_not_a_source(tmp_path):
    folder = tmp_path / "d.xlsx"
    folder.mkdir()
    result = CliRunner().invoke(main, ["check", str(folder)])
    assert result.exit_code == 1
    assert result.output.strip() == f"Lỗi: {folder} là thư mục; hãy chỉ ra một tệp .xlsx hoặc .csv."


def test_a_roster_without_the_unit_title_is_refused(tmp_path):
    csv = tmp_path / "r.csv"
    csv.write_text("Tên đơn vị\nTrường A\n", "utf-8")
    roster = tmp_path / "ds.csv"
    roster.write_text("Trường THCS Ngọc Lâm\nTrường Mầm non Hoa Sữa\n", "utf-8")
    result = CliRunner().invoke(main, ["report", str(csv), "--roster", str(roster)])
    assert result.exit_code == 1
    assert result.output.strip() == (
        "Lỗi: Danh sách đơn vị 'Danh sách đơn vị' không có cột 'Tên đơn vị' "
        "('Trường THCS Ngọc Lâm'): đặt tiêu đề 'Tên đơn vị' cho cột tên đơn vị ở dòng 1 "
        "rồi chạy lại."
    )


def test_an_empty_roster_file_is_named(tmp_path):
    csv = tmp_path / "r.csv"
    csv.write_text("Tên đơn vị\nTrường A\n", "utf-8")
    roster = tmp_path / "ds.csv"
    roster.write_text("", "utf-8")
    result = CliRunner().invoke(main, ["report", str(csv), "--roster", str(roster)])
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"Lỗi: Tệp danh sách đơn vị {roster} trống: thêm các đơn vị rồi chạy lại."
    )


@pytest.mark.parametrize(
    ("args", "first_line"),
    [
        (["check"], "Lỗi cách dùng: Thiếu tham số 'NGUỒN'."),
        (["check", "x.xlsx", "--nope"], "Lỗi cách dùng: Không có tùy chọn --nope."),
        (["--nope"], "Lỗi cách dùng: Không có tùy chọn --nope."),
        (["frob"], "Lỗi cách dùng: Không có lệnh 'frob'."),
        (
            ["check", "x.xlsx", "--format", "xml"],
            "Lỗi cách dùng: Giá trị không hợp lệ cho '--format': 'xml' không phải một trong "
            "'text', 'json'.",
        ),
        (
            ["check", "x.xlsx", "--roster", "khong-co.csv"],
            "Lỗi cách dùng: Giá trị không hợp lệ cho '--roster': Không tìm thấy 'khong-co.csv'.",
        ),
        (["run", "x.xlsx", "--out"], "Lỗi cách dùng: Tùy chọn --out cần một giá trị."),
        (["check", "a", "b"], "Lỗi cách dùng: Thừa tham số (b)."),
        (
            ["run", "Bảng", "tính", "tháng", "2.xlsx"],
            "Lỗi cách dùng: Thừa tham số (tính tháng 2.xlsx). Nếu đường dẫn có dấu cách, đặt "
            'đường dẫn trong dấu ngoặc kép, ví dụ: "Bảng tính tháng 2.xlsx"',
        ),
        (
            ["check", "D:\\Cong", "doan\\ds.xlsx", "--format", "json"],
            "Lỗi cách dùng: Thừa tham số (doan\\ds.xlsx). Nếu đường dẫn có dấu cách, đặt "
            'đường dẫn trong dấu ngoặc kép, ví dụ: "D:\\Cong doan\\ds.xlsx"',
        ),
        (
            ["run", "cau tra loi.xlsx", "--out", "danh", "sach"],
            "Lỗi cách dùng: Thừa tham số (sach). Nếu giá trị có dấu cách, đặt cả giá trị trong "
            'dấu ngoặc kép, ví dụ: --out "danh sach"',
        ),
        (
            ["run", "cau tra loi.xlsx", "--out=danh", "sach", "moi"],
            "Lỗi cách dùng: Thừa tham số (sach moi). Nếu giá trị có dấu cách, đặt cả giá trị "
            'trong dấu ngoặc kép, ví dụ: --out "danh sach moi"',
        ),
        (
            ["check", "--roster", "khong", "co.csv", "a.xlsx"],
            "Lỗi cách dùng: Giá trị không hợp lệ cho '--roster': Không tìm thấy 'khong'.",
        ),
    ],
)
def test_usage_errors_are_vietnamese_and_exit_2(args, first_line):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert result.output.splitlines()[0] == first_line
    assert re.fullmatch(r"Xem hướng dẫn: \S+( check| run)? --help", result.output.splitlines()[1])


def test_every_command_knows_version():
    for command in ("check", "run", "docs", "report"):
        assert invoke(command, "--version").output == f"sheets-sync, phiên bản {__version__}\n"


def test_a_stale_key_variable_does_not_stop_a_local_run(workbook, tmp_path, monkeypatch):
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path))
    assert CliRunner().invoke(main, ["check", str(workbook)]).exit_code == 0


@pytest.mark.parametrize(
    ("seconds", "line"),
    [
        (0.04, "Xong trong chưa tới 1 giây."),
        (1.0, "Xong trong 1,0 giây."),
        (88.81, "Xong trong 88,8 giây."),
    ],
)
def test_run_time_is_said_the_vietnamese_way(seconds, line):
    from sheets_sync.output import took

    assert took(seconds) == line
