"""`sheets-sync notify` from the command line: options, summary lines, one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from sheets_sync.cli import main
from tests.smtp_server import PASSWORD, USER, Mailbox, SmtpServer
from tests.test_notify import book  # noqa: F401  (fixture)


def config(folder: Path, port: int, extra: str = "") -> Path:
    path = folder / "sheets-sync.toml"
    path.write_text(
        f'[email]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
        f'from = "{USER}"\nfrom_name = "LĐLĐ quận Long Biên"\n{extra}',
        encoding="utf-8",
    )
    return path


def test_dry_run_prints_what_it_wrote(
    book: tuple[Path, Path],  # noqa: F811
    tmp_path: Path,
) -> None:
    responses, roster = book
    outbox = tmp_path / "hop-thu"
    args = ["notify", str(responses), "--roster", str(roster), "--dry-run", "--remind"]
    args += ["--config", str(config(tmp_path, 25)), "--outbox", str(outbox)]
    args += ["--out", str(tmp_path / "danh-sach")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"Chạy thử: đã soạn 3 thư vào thư mục {outbox}/ để mở xem; chưa gửi thư nào, "
        "chưa ghi gì vào bảng tính.\n"
    )
    assert len(list(outbox.glob("*.eml"))) == 3


def test_sending_prints_the_summary(
    book: tuple[Path, Path],  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    responses, roster = book
    box = Mailbox()
    monkeypatch.chdir(tmp_path)
    with SmtpServer(box) as server:
        config(tmp_path, server.port)
        result = CliRunner().invoke(main, ["notify", str(responses), "--roster", str(roster)])
        again = CliRunner().invoke(main, ["notify", str(responses), "--roster", str(roster)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Đã gửi 2 thư báo kết quả và 0 thư nhắc nộp.",
        "Đã ghi 2 ô vào cột 'Đã báo qua email'/'Đã nhắc qua email'.",
    ]
    assert again.output.splitlines() == [
        "Đã gửi 0 thư báo kết quả và 0 thư nhắc nộp.",
        "2 đơn vị đã được báo đúng nội dung này: không gửi lại.",
    ]
    assert len(box.received) == 2
    assert (tmp_path / "danh-sach" / "truong-thcs-ngoc-lam.docx").is_file()
    assert (tmp_path / "nhat-ky-email.jsonl").is_file()


def test_a_wrong_password_is_one_line_without_the_password(
    book: tuple[Path, Path],  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.smtp_server import make_certificate

    responses, roster = book
    cert, key = make_certificate(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    monkeypatch.setenv("SHEETS_SYNC_SMTP_PASSWORD", "mat-khau-sai-123")
    box = Mailbox()
    with SmtpServer(box, (cert, key)) as server:
        path = tmp_path / "c.toml"
        path.write_text(
            f'[email]\nhost = "127.0.0.1"\nport = {server.port}\nusername = "{USER}"\n'
            f'from = "{USER}"\n',
            encoding="utf-8",
        )
        args = ["notify", str(responses), "--roster", str(roster), "--config", str(path)]
        args += ["--out", str(tmp_path / "danh-sach")]
        result = CliRunner().invoke(main, args)
        monkeypatch.setenv("SHEETS_SYNC_SMTP_PASSWORD", PASSWORD)
        good = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    (line,) = result.output.splitlines()
    assert line.startswith(f"Lỗi: Máy chủ thư 127.0.0.1:{server.port} từ chối đăng nhập (535):")
    assert "mật khẩu ứng dụng (app password)" in line
    assert "mat-khau-sai-123" not in result.output
    assert good.exit_code == 0, good.output
    assert len(box.received) == 2


def test_no_sender_is_a_one_line_error(
    book: tuple[Path, Path],  # noqa: F811
    tmp_path: Path,
) -> None:
    responses = book[0]
    path = tmp_path / "c.toml"
    path.write_text("[email]\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["notify", str(responses), "--config", str(path)])
    assert result.exit_code == 1
    assert result.output == (
        'Lỗi: Chưa có địa chỉ gửi thư hợp lệ: ghi [email] from = "ten@donvi.vn" (địa chỉ của '
        "tài khoản gửi) vào sheets-sync.toml rồi chạy lại.\n"
    )
