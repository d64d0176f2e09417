"""`sheets-sync doctor`: every step of the setup, one ✔/✘ line each, against the emulator."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from sheets_sync.cli import main
from tests.conftest import ServiceAccountKey
from tests.helpers import HEADER, ROSTER, row
from tests.sheets_emulator import SheetsEmulator

KEY = "1Qm9uZ0RvYW5Mb25nQmllbl9EYW5oU2FjaEZhbnBhZ2U"
RESPONSES = "Câu trả lời biểu mẫu 1"
EXAMPLE = Path(__file__).parent.parent / "examples" / "form-responses.xlsx"


def doctor(tmp_path: Path, source: str, *args: str) -> Result:
    out = str(tmp_path / "danh-sach")
    return CliRunner().invoke(main, ["doctor", source, "--out", out, *args])


def google(key: ServiceAccountKey, tmp_path: Path, *args: str) -> Result:
    return doctor(tmp_path, KEY, "--credentials", str(key.path), *args)


def add_book(emu: SheetsEmulator, header: list[str] = HEADER) -> None:
    emu.add_spreadsheet(KEY, {RESPONSES: [header, row()], "Danh sách đơn vị": ROSTER})


def marks(result: Result) -> list[str]:
    return [line[0] for line in result.output.splitlines()]


def test_a_good_google_setup_passes_every_step_and_writes_nothing(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey, tmp_path: Path
) -> None:
    add_book(sheets_emulator)
    sheets_emulator.share(KEY, service_account_key.client_email, "writer")
    before = sheets_emulator.values(KEY, RESPONSES)
    result = google(service_account_key, tmp_path)
    assert result.exit_code == 0, result.output
    email = service_account_key.client_email
    lines = result.output.splitlines()
    assert lines[0].startswith("✔ Python 3.")
    assert lines[1:] == [
        f"✔ Khóa tài khoản dịch vụ {service_account_key.path} (từ --credentials): {email}, "
        "dự án ldld-long-bien.",
        f"✔ Google cấp quyền truy cập cho {email}.",
        f"✔ Bảng tính được chia sẻ với {email}: đọc được.",
        f"✔ {email} có quyền Người chỉnh sửa: lệnh run ghi được trạng thái.",
        f"✔ Trang câu trả lời '{RESPONSES}': 1 dòng, nhận ra 6 câu hỏi chung và 2 cán bộ.",
        "✔ Danh sách đơn vị 'Danh sách đơn vị': 3 đơn vị.",
        "✔ Cấu hình: hạn nộp trước ngày 05/02/2024; văn bản của LIÊN ĐOÀN LAO ĐỘNG QUẬN LONG "
        "BIÊN, ký tại Long Biên, CHỦ TỊCH.",
        f"✔ Ghi được danh sách Word vào {tmp_path / 'danh-sach'} (sẽ được tạo khi chạy).",
    ]
    assert sheets_emulator.values(KEY, RESPONSES) == before
    assert not (tmp_path / "danh-sach").exists()
    assert list(tmp_path.iterdir()) == [service_account_key.path]


def test_an_unshared_sheet_names_the_email_to_share_with(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey, tmp_path: Path
) -> None:
    add_book(sheets_emulator)
    result = google(service_account_key, tmp_path)
    assert result.exit_code == 1
    email = service_account_key.client_email
    shared = result.output.splitlines()[3]
    assert shared.startswith(f"✘ Bảng tính chưa được chia sẻ với tài khoản dịch vụ {email}")
    assert shared.endswith(f"Địa chỉ cần chia sẻ: {email}")
    assert marks(result) == ["✔", "✔", "✔", "✘", "✔", "✔"]


def test_a_viewer_share_is_told_apart_from_an_editor_share(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey, tmp_path: Path
) -> None:
    add_book(sheets_emulator)
    sheets_emulator.share(KEY, service_account_key.client_email, "reader")
    before = sheets_emulator.values(KEY, RESPONSES)
    result = google(service_account_key, tmp_path)
    assert result.exit_code == 1
    email = service_account_key.client_email
    assert result.output.splitlines()[4] == (
        f"✘ {email} chỉ có quyền xem bảng tính, lệnh run không ghi được trạng thái: bấm Chia sẻ "
        f"trong Google Sheets, thêm {email} với quyền Người chỉnh sửa (Editor)."
    )
    assert marks(result) == ["✔", "✔", "✔", "✔", "✘", "✔", "✔", "✔", "✔"]
    assert sheets_emulator.values(KEY, RESPONSES) == before


def test_unrecognized_questions_are_listed(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey, tmp_path: Path
) -> None:
    add_book(sheets_emulator, [*HEADER[:-1], "Số thành viên"])
    sheets_emulator.share(KEY, service_account_key.client_email, "writer")
    result = google(service_account_key, tmp_path)
    assert result.exit_code == 1
    assert (
        f"✘ Trang câu trả lời '{RESPONSES}': 1 dòng, nhận ra 5 câu hỏi chung và 2 cán bộ; các "
        "câu hỏi không nhận ra (sẽ bị bỏ qua): 'Số thành viên'."
    ) in result.output


def test_an_oauth_client_file_is_named_as_such(tmp_path: Path) -> None:
    client = tmp_path / "client_secret.json"
    client.write_text(json.dumps({"installed": {"client_id": "x", "client_secret": "y"}}), "utf-8")
    result = doctor(tmp_path, KEY, "--credentials", str(client))
    assert result.exit_code == 1
    assert result.output.splitlines()[1].startswith(
        f"✘ Tệp {client} là tệp OAuth client (installed, Mã ứng dụng khách OAuth), không phải "
        "khóa tài khoản dịch vụ"
    )
    assert "y" not in result.output.splitlines()[1].split("JSON")[-1]


def test_a_key_others_can_read_is_advice_and_every_check_still_runs(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey, tmp_path: Path
) -> None:
    add_book(sheets_emulator)
    sheets_emulator.share(KEY, service_account_key.client_email, "reader")
    service_account_key.path.chmod(0o644)
    result = google(service_account_key, tmp_path)
    assert result.exit_code == 1  # the Viewer share fails; the key's mode alone does not
    email, path = service_account_key.client_email, service_account_key.path
    assert result.output.splitlines()[1] == (
        f"⚠ Khóa tài khoản dịch vụ {path} (từ --credentials): {email}, dự án ldld-long-bien. "
        f"Tệp khóa {path} để người dùng khác đọc được: chạy `chmod 600 {path}` để giữ kín khóa."
    )
    assert marks(result) == ["✔", "⚠", "✔", "✔", "✘", "✔", "✔", "✔", "✔"]

    sheets_emulator.share(KEY, email, "writer")
    result = google(service_account_key, tmp_path)
    assert result.exit_code == 0, result.output
    assert marks(result) == ["✔", "⚠", "✔", "✔", "✔", "✔", "✔", "✔", "✔"]


def test_a_refused_token_stops_before_the_sheet(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey, tmp_path: Path
) -> None:
    add_book(sheets_emulator)
    sheets_emulator.revoked.add(service_account_key.client_email)
    result = google(service_account_key, tmp_path)
    assert result.exit_code == 1
    assert marks(result) == ["✔", "✔", "✘", "✔", "✔"]
    assert sheets_emulator.requests == []


def test_a_local_workbook_passes_and_says_it_is_a_local_copy(tmp_path: Path) -> None:
    book = tmp_path / "cau-tra-loi.xlsx"
    shutil.copy(EXAMPLE, book)
    result = doctor(tmp_path, str(book))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[1] == (
        f"✔ Đọc được tệp {book} (một bản trên máy: trạng thái ghi vào tệp này, không lên Google "
        "Sheets; không cần khóa Google)."
    )
    assert lines[3] == (
        f"✔ Trang câu trả lời '{RESPONSES}': 31 dòng, nhận ra 6 câu hỏi chung và 3 cán bộ."
    )
    assert marks(result) == ["✔"] * 7


@pytest.mark.parametrize(
    ("setup", "line", "index"),
    [
        (
            "excel",
            "✘ Tệp {book} đang mở trong Excel hoặc LibreOffice: đóng tệp trước khi chạy run.",
            2,
        ),
        (
            "config",
            "✘ Tệp cấu hình {config} sai cú pháp TOML ở dòng 1, cột 12 («deadline = mai»): ",
            5,
        ),
        ("out", "✘ Không tạo được thư mục {out}: {blocker} là một tệp; chọn --out khác.", 6),
    ],
)
def test_a_local_setup_problem_fails_its_own_step(tmp_path: Path, setup, line, index) -> None:
    book = tmp_path / "cau-tra-loi.xlsx"
    shutil.copy(EXAMPLE, book)
    config, blocker = tmp_path / "c.toml", tmp_path / "tep"
    config.write_text("deadline = mai\n", "utf-8")
    blocker.write_text("x", "utf-8")
    out = blocker / "ds" if setup == "out" else tmp_path / "ds"
    args = ["doctor", str(book), "--out", str(out)]
    if setup == "excel":
        (tmp_path / "~$cau-tra-loi.xlsx").write_text("", "utf-8")
    if setup == "config":
        args += ["--config", str(config)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    expected = line.format(book=book, config=config, out=out, blocker=blocker)
    assert result.output.splitlines()[index].startswith(expected)


def test_a_roster_file_beside_a_google_sheet_is_found(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey, tmp_path: Path
) -> None:
    sheets_emulator.add_spreadsheet(KEY, {RESPONSES: [HEADER, row()]})
    sheets_emulator.share(KEY, service_account_key.client_email, "writer")
    roster = tmp_path / "danh-sach-don-vi.csv"
    roster.write_text("\n".join(f"{n},{u}" for n, u in ROSTER) + "\n", "utf-8")
    without = google(service_account_key, tmp_path)
    assert without.exit_code == 1
    assert "✘ Không có danh sách đơn vị: thêm trang tính 'Danh sách đơn vị'" in without.output
    result = google(service_account_key, tmp_path, "--roster", str(roster))
    assert result.exit_code == 0, result.output
    assert "✔ Danh sách đơn vị 'Danh sách đơn vị': 3 đơn vị." in result.output


@pytest.mark.parametrize(
    ("password", "mark"),
    [
        ("PASSWORD", "✔"),
        ("mat-khau-sai-123", "✘"),
        ("mật-khẩu-sai-123", "✘"),
        # The server takes this one too: accented passwords go as UTF-8.
        ("Mật khẩu Đoàn 2026", "✔"),
    ],
)
def test_the_mail_login_is_checked_when_email_is_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, password: str, mark: str
) -> None:
    from tests.smtp_server import PASSWORD, USER, Mailbox, SmtpServer, make_certificate

    book = tmp_path / "cau-tra-loi.xlsx"
    shutil.copy(EXAMPLE, book)
    cert, key = make_certificate(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    monkeypatch.setenv(
        "SHEETS_SYNC_SMTP_PASSWORD", PASSWORD if password == "PASSWORD" else password
    )
    box = Mailbox()
    accepted = password if mark == "✔" and password != "PASSWORD" else PASSWORD
    with SmtpServer(box, (cert, key), password=accepted) as server:
        config = tmp_path / "c.toml"
        config.write_text(
            f'[email]\nhost = "127.0.0.1"\nport = {server.port}\nusername = "{USER}"\n'
            f'from = "{USER}"\n',
            encoding="utf-8",
        )
        result = doctor(tmp_path, str(book), "--config", str(config))
    last = result.output.splitlines()[-1]
    assert last.startswith(mark), result.output
    assert result.exit_code == (0 if mark == "✔" else 1)
    assert box.received == []
    if mark == "✔":
        assert (
            last == f"✔ Kết nối được máy chủ thư 127.0.0.1:{server.port} bằng tài khoản {USER}; "
            "lệnh notify gửi được thư."
        )
    else:
        assert "mật khẩu ứng dụng (app password)" in last
        assert password not in result.output


def test_no_email_section_means_no_mail_step(tmp_path: Path) -> None:
    book = tmp_path / "cau-tra-loi.xlsx"
    shutil.copy(EXAMPLE, book)
    result = doctor(tmp_path, str(book))
    assert "máy chủ thư" not in result.output


def test_a_worksheet_naming_the_roster_fails_its_step(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey, tmp_path: Path
) -> None:
    add_book(sheets_emulator)
    sheets_emulator.share(KEY, service_account_key.client_email, "writer")
    result = google(service_account_key, tmp_path, "--worksheet", "Danh sách đơn vị")
    assert result.exit_code == 1
    assert result.output.splitlines()[5] == (
        "✘ Trang 'Danh sách đơn vị' là danh sách đơn vị, không phải trang câu trả lời biểu mẫu; "
        f"trang câu trả lời là '{RESPONSES}': bỏ --worksheet hoặc dùng --worksheet '{RESPONSES}'. "
        "Chưa ghi gì."
    )
    assert marks(result) == ["✔", "✔", "✔", "✔", "✔", "✘", "✔", "✔"]
