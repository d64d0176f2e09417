"""The [email] settings: defaults, types, and `security = "none"` only to this machine."""

from __future__ import annotations

from typing import Any

import pytest

from sheets_sync.config import EmailSettings, is_loopback, settings_from_dict
from sheets_sync.errors import ConfigError, MailError
from sheets_sync.letters import valid_address
from sheets_sync.mailer import Mailer


def test_defaults_follow_gmail() -> None:
    email = settings_from_dict({}).email
    assert (email.port, email.security, email.max_per_run) == (587, "starttls", 400)


def test_from_is_read_as_the_sender() -> None:
    email = settings_from_dict(
        {"email": {"host": "smtp.gmail.com", "from": "ldld@gmail.com", "port": 465,
                   "security": "ssl", "max_per_run": 50, "contact": "Chị Hà, 0984.919.862"}}
    ).email  # fmt: skip
    assert email == EmailSettings(
        host="smtp.gmail.com",
        port=465,
        security="ssl",
        sender="ldld@gmail.com",
        contact="Chị Hà, 0984.919.862",
        max_per_run=50,
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"port": "587"}, "[email]: khóa 'port' phải là một số nguyên dương"),
        ({"port": True}, "khóa 'port' phải là một số nguyên dương"),
        ({"max_per_run": 0}, "khóa 'max_per_run' phải là một số nguyên dương"),
        ({"security": "tls"}, 'khóa \'security\' phải là "starttls", "ssl" hoặc "none"'),
        ({"password": "x"}, "khóa 'password' phải là một khóa đã biết"),
        ({"sender": "a@b.vn"}, "khóa 'sender' phải là một khóa đã biết"),
        ({"host": 1}, "khóa 'host' phải là một chuỗi"),
        ({"host": "smtp.gmail.com", "security": "none"}, "chỉ dùng được với máy chủ thư trên"),
        ({"host": "10.0.0.5", "security": "none"}, "không với 10.0.0.5"),
    ],
)
def test_wrong_email_settings_name_the_key(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        settings_from_dict({"email": data}, "c.toml")
    assert message in str(caught.value)
    assert str(caught.value).startswith("Tệp cấu hình c.toml [email]")


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("localhost", True), ("127.0.0.1", True), ("127.8.9.10", True), ("::1", True),
     ("[::1]", True), ("smtp.gmail.com", False), ("192.168.1.2", False), ("", False)],
)  # fmt: skip
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("cd@example.com", "cd@example.com"),
        ("  thcs.ngoclam+form@gmail.com ", "thcs.ngoclam+form@gmail.com"),
        ("cd@example", None),
        ("cd@@example.com", None),
        ("cd@example.com, evil@example.com", None),
        ("cd@example.com\r\nBcc: evil@example.com", None),
        ("Công đoàn <cd@example.com>", None),
        ("cd.@example.com", None),
        ("côngđoàn@example.com", None),
        ("", None),
    ],
)
def test_valid_address(text: str, address: str | None) -> None:
    assert valid_address(text) == address


def test_the_password_comes_from_the_environment_only(monkeypatch: pytest.MonkeyPatch) -> None:
    email = EmailSettings(host="smtp.gmail.com", username="ldld@gmail.com", sender="ldld@gmail.com")
    monkeypatch.delenv("SHEETS_SYNC_SMTP_PASSWORD", raising=False)
    with pytest.raises(MailError, match="đặt biến môi trường SHEETS_SYNC_SMTP_PASSWORD"):
        Mailer.from_settings(email)
    monkeypatch.setenv("SHEETS_SYNC_SMTP_PASSWORD", "abcd efgh ijkl mnop")
    mailer = Mailer.from_settings(email)
    assert "abcd" not in repr(mailer) and "abcd" not in str(vars(mailer).get("password"))
    with pytest.raises(MailError, match=r'ghi \[email\] host \(ví dụ "smtp.gmail.com"\)'):
        Mailer.from_settings(EmailSettings())
