"""Server answers that echo what was sent never put a token or a key on the screen.

A proxy or a misconfigured server may answer a Sheets request with a page repeating the
request's headers (`Authorization: Bearer …`), or with a key pasted into it. Each answer is
driven through the CLI: its one line of error must hold no access token, no `ya29.` token and
no private-key text, and show at most a short excerpt of a web page, without its tags.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from sheets_sync import pipeline
from sheets_sync.cli import main
from sheets_sync.sheets.google_redact import HIDDEN, PAGE_EXCERPT, redact
from tests.conftest import ServiceAccountKey
from tests.sheets_emulator import SheetsEmulator
from tests.test_credentials import KEY, add_book, secrets_of

YA29 = "ya29.a0AfB_byC3xQvT9Lk2mWz8pRn4sJd7YhUe1oGi5FcKbNtVqXrS0lPwMaZyDjH6"
Echo = Callable[[dict[str, str], str], str]


def _headers(headers: dict[str, str]) -> str:
    first = [f"{k}: {v}" for k, v in headers.items() if k.lower() == "authorization"]
    return "\n".join(first + [f"{k}: {v}" for k, v in headers.items() if k not in first])


def _html(headers: dict[str, str], pem: str) -> str:
    return (
        "<!DOCTYPE html><html><head><title>Error 400 (Bad Request)</title><style>"
        "body{font-family:arial}</style><script>var t='" + YA29 + "'</script></head><body>"
        f"<h1>Bad Request</h1><pre>{_headers(headers)}\ncached: {YA29}\n{pem}</pre>"
        + "<p>"
        + "Your client has issued a malformed request. " * 40
        + "</p></body></html>"
    )


def _json(headers: dict[str, str], pem: str) -> str:
    message = f"Bad request from {_headers(headers)} token={YA29} key={json.dumps(pem)}"
    return json.dumps({"error": {"code": 400, "message": message, "status": "INVALID_ARGUMENT"}})


# (HTTP status, Content-Type, page made from the request headers and the key's PEM)
ECHOES: dict[str, tuple[int, str, Echo]] = {
    "html page 400": (400, "text/html; charset=UTF-8", _html),
    "json error 400": (400, "application/json; charset=UTF-8", _json),
    "html page 403": (403, "text/html; charset=UTF-8", _html),
    "html page 409": (409, "text/html", _html),
    "html page 502": (502, "text/html", _html),  # retried, then the give-up line
}


def _secrets(emu: SheetsEmulator, key: ServiceAccountKey) -> list[str]:
    return [*secrets_of(key), *emu.grants, YA29, YA29[:20], "ya29.", "BEGIN PRIVATE KEY"]


def _invoke(key: ServiceAccountKey, tmp_path: Path) -> Result:
    args = ["run", KEY, "--out", str(tmp_path / "out"), "--credentials", str(key.path)]
    return CliRunner().invoke(main, args)


def _run_clean(emu: SheetsEmulator, key: ServiceAccountKey, tmp_path: Path) -> str:
    """Run the CLI; return its one error line, asserting it holds no secret."""
    result = _invoke(key, tmp_path)
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    leaked = [s for s in _secrets(emu, key) if s in result.output]
    assert not leaked, leaked[0][:30]
    assert "Bearer emu-token" not in result.output
    return lines[0]


@pytest.mark.parametrize("echo", ECHOES)
def test_an_echoed_request_prints_no_token_and_no_key(
    sheets_emulator: SheetsEmulator,
    service_account_key: ServiceAccountKey,
    tmp_path: Path,
    echo: str,
) -> None:
    add_book(sheets_emulator, service_account_key)
    status, content_type, page = ECHOES[echo]
    pem = service_account_key.private_key
    sheets_emulator.answer_next(9, status, lambda h: page(h, pem), content_type)
    line = _run_clean(sheets_emulator, service_account_key, tmp_path)
    assert sheets_emulator.grants  # a token was granted and sent, and stayed hidden
    assert "<" not in line and "font-family" not in line
    assert len(line) < 400, line
    if status == 400:
        assert HIDDEN in line, line  # the server's words are shown, secrets hidden


def test_an_unexpected_error_quoting_a_token_prints_none(
    sheets_emulator: SheetsEmulator,
    service_account_key: ServiceAccountKey,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    add_book(sheets_emulator, service_account_key)
    token = "ya29.c.b0Aaekm1KxYz9QwErTyUiOpAsDfGhJkLzXcVbNm"

    def broken(*args: object) -> pipeline.Checked:
        raise RuntimeError(
            f"Authorization: Bearer {next(iter(sheets_emulator.grants))} cached {token}\n"
            f"{service_account_key.private_key}"
        )

    monkeypatch.setattr(pipeline, "check_data", broken)
    line = _run_clean(sheets_emulator, service_account_key, tmp_path)
    assert token[:12] not in line and "RuntimeError" in line


PEM = (
    "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n"
    "-----END PRIVATE KEY-----\n"
)


# Text holding a secret, and a piece of the secret that must not be shown.
SECRET_TEXTS = [
    ("Authorization: Bearer emu-token-1-99 rest", "emu-token"),
    ("authorization: bearer AbC.dEf-gh_ij~k+l/m= x", "AbC.dEf"),
    (f"cached {YA29} here", "a0AfB"),
    (PEM, "MIIEvQ"),
    (json.dumps({"private_key": PEM}), "MIIEvQ"),
    ("-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA3", "MIIEpA"),  # cut short
    ('{"private_key_id": "0123456789abcdef0123456789abcdef01234567"}', "0123456789abcdef"),
    ("grant: access_token=abc.DEF_123&expires_in=3599", "abc.DEF_123"),
    ("assertion=eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2lnbmF0dXJl&x=1", "c2lnbmF0"),
    ("key line MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7abcDEF12", "MIIEvQ"),
    ("<p>&lt;-----BEGIN PRIVATE KEY-----MIIEvQIBADANBg</p>", "MIIEvQ"),
    # Tokens inside a URL-encoded or JSON-escaped header, or glued to a word.
    (f"Authorization: Bearer%20{YA29}", "a0AfB"),
    ("GET /?h=Authorization:%20Bearer%20emu-token-1-99 HTTP/1.1", "emu-token"),
    ('{"header": "Authorization: Bearer\\u0020emu-token-1-99"}', "emu-token"),
    (f'{{"header": "Bearer\\u0020{YA29}"}}', "a0AfB"),
    (f"cached_{YA29}", "a0AfB"),
    (f"token0{YA29}", "a0AfB"),
]


@pytest.mark.parametrize(("text", "gone"), SECRET_TEXTS)
def test_redact_hides_each_kind_of_secret(text: str, gone: str) -> None:
    shown = redact(text)
    assert gone not in shown and HIDDEN in shown, shown


def test_redact_cuts_a_web_page_to_a_short_excerpt_without_tags() -> None:
    page = "<html><head><script>alert(1)</script></head><body><h1>Lỗi&nbsp;502</h1>"
    shown = redact(page + "<p>" + "máy chủ bận " * 100 + "</p></body></html>")
    assert shown.startswith("Lỗi 502 máy chủ bận") and len(shown) <= PAGE_EXCERPT
    assert "<" not in shown and "alert" not in shown and shown.endswith("…")


@pytest.mark.parametrize(
    "text",
    [
        "Không tìm thấy tệp /home/nguoidung/Documents/ThuMucRatDaiKhongCoDauChamNaoCaABCDEFGH",
        "Trang tính 'Câu trả lời biểu mẫu 1' không có cột 'Tên đơn vị' (x < y, 3 > 2).",
        "https://docs.google.com/spreadsheets/d/1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms",
        "Khóa riêng (private_key) trong /tmp/k.json bị hỏng: tạo khóa JSON mới.",
        "Tệp k.json không phải khóa tài khoản dịch vụ Google (thiếu private_key, token_uri).",
    ],
)
def test_redact_leaves_ordinary_messages_alone(text: str) -> None:
    assert redact(text) == text
