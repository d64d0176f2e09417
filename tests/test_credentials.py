"""The service-account key never leaks: not in output, not in exceptions, not in the repository.

Every way a Google run can fail is driven through the CLI with a freshly generated key; the
private key (its PEM, each base64 line of it) and its `private_key_id` must appear nowhere in
stdout, stderr, or any exception of the chain the library raises.
"""

from __future__ import annotations

import json
import re
import subprocess
import threading
import traceback
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from sheets_sync.cli import main
from sheets_sync.errors import CredentialsError, SheetsSyncError
from sheets_sync.sheets.google import GoogleBackend
from tests.conftest import ServiceAccountKey
from tests.helpers import HEADER, ROSTER, row
from tests.sheets_emulator import READONLY_SCOPE, SCOPE, SheetsEmulator

REPO = Path(__file__).resolve().parent.parent
KEY = "1Q3JlZGVudGlhbHNOZXZlckxlYWtfTG9uZ0JpZW4xMjM0"
RESPONSES = "Câu trả lời biểu mẫu 1"


def secrets_of(key: ServiceAccountKey) -> list[str]:
    """What must never be shown: the PEM, every base64 line of it, the key id."""
    pem = key.private_key
    lines = [line for line in pem.splitlines() if line and "-----" not in line]
    body = "".join(lines)
    # Any 24 consecutive characters of the body, wherever the line breaks fall.
    pieces = [body[i : i + 24] for i in range(0, len(body) - 24, 12)]
    return [pem, pem.replace("\n", "\\n"), *lines, *pieces, key.info["private_key_id"]]


def assert_no_secret(text: str, key: ServiceAccountKey) -> None:
    leaked = [s for s in secrets_of(key) if s in text]
    assert not leaked, leaked[0][:30]


def exception_chain(exc: BaseException) -> Iterator[BaseException]:
    """Every exception reachable through __cause__ and __context__, suppressed or not."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo += [e for e in (current.__cause__, current.__context__) if e is not None]


def assert_clean_exception(exc: BaseException, key: ServiceAccountKey) -> None:
    for link in exception_chain(exc):
        text = "".join(traceback.format_exception_only(type(link), link))
        assert_no_secret(text + repr(link.args), key)
        # json.JSONDecodeError keeps the whole document it failed on.
        assert_no_secret(str(getattr(link, "doc", "")), key)


def add_book(emu: SheetsEmulator, key: ServiceAccountKey, *, share: bool = True) -> None:
    emu.add_spreadsheet(KEY, {RESPONSES: [HEADER, row()], "Danh sách đơn vị": ROSTER})
    if share:
        emu.share(KEY, key.client_email)


def invoke(key_path: Path, tmp_path: Path, *args: str) -> Result:
    command = list(args) or ["run", KEY, "--out", str(tmp_path / "out")]
    return CliRunner().invoke(main, [*command, "--credentials", str(key_path)])


# -- a token endpoint that answers badly ----------------------------------------------------------


class TokenServer:
    """A stand-in for oauth2.googleapis.com/token that answers what it is told, echoing input."""

    def __init__(self, status: int, body: Callable[[str], str]) -> None:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                sent = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                data = body(sent).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                owner.calls += 1

            def log_message(self, format: str, *args: Any) -> None:
                """Stay quiet."""

        self.calls = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def uri(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/token"

    def __enter__(self) -> TokenServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


TOKEN_ANSWERS: dict[str, tuple[int, Callable[[str], str]]] = {
    "html 502": (502, lambda sent: f"<html>Bad gateway for {sent}</html>"),
    "not json 200": (200, lambda sent: "ok " + sent),
    "json without token": (200, lambda sent: json.dumps({"echo": sent})),
    "invalid_client echo": (
        401,
        lambda sent: json.dumps({"error": "invalid_client", "error_description": sent}),
    ),
    "odd error code": (
        400,
        lambda sent: json.dumps({"error": f"weird {sent[:300]}", "error_description": sent}),
    ),
}


def key_with(key: ServiceAccountKey, tmp_path: Path, name: str, **changes: Any) -> Path:
    info = {**key.info, **changes}
    info = {k: v for k, v in info.items() if v is not None}
    path = tmp_path / name
    path.write_text(json.dumps(info), encoding="utf-8")
    path.chmod(0o600)
    return path


@pytest.mark.parametrize("answer", TOKEN_ANSWERS)
def test_bad_token_endpoint_answers_leak_nothing(
    sheets_emulator: SheetsEmulator,
    service_account_key: ServiceAccountKey,
    tmp_path: Path,
    answer: str,
) -> None:
    add_book(sheets_emulator, service_account_key)
    status, body = TOKEN_ANSWERS[answer]
    with TokenServer(status, body) as server:
        path = key_with(service_account_key, tmp_path, "k.json", token_uri=server.uri)
        result = invoke(path, tmp_path)
        with pytest.raises(SheetsSyncError) as caught:
            GoogleBackend(KEY, path, readonly=True).read(None, "Danh sách đơn vị")
    assert server.calls >= 2
    assert result.exit_code == 1, result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert "eyJ" not in result.output  # nor the signed assertion the endpoint echoed
    assert_no_secret(result.output, service_account_key)
    assert_clean_exception(caught.value, service_account_key)


# -- every other way to fail ------------------------------------------------------------------


def _revoked(emu: SheetsEmulator, key: ServiceAccountKey, tmp_path: Path) -> Path:
    add_book(emu, key)
    emu.revoke_key(key.client_email)
    return key.path


def _not_shared(emu: SheetsEmulator, key: ServiceAccountKey, tmp_path: Path) -> Path:
    add_book(emu, key, share=False)
    return key.path


def _viewer(emu: SheetsEmulator, key: ServiceAccountKey, tmp_path: Path) -> Path:
    add_book(emu, key, share=False)
    emu.share(KEY, key.client_email, "reader")
    return key.path


def _missing(emu: SheetsEmulator, key: ServiceAccountKey, tmp_path: Path) -> Path:
    return key.path  # no spreadsheet: 404


def _api_down(emu: SheetsEmulator, key: ServiceAccountKey, tmp_path: Path) -> Path:
    add_book(emu, key)
    emu.fail_next(1000, 503)
    return key.path


def _no_network(emu: SheetsEmulator, key: ServiceAccountKey, tmp_path: Path) -> Path:
    # Port 9 (discard) on the loopback: nothing listens, every connection is refused.
    return key_with(key, tmp_path, "k.json", token_uri="http://127.0.0.1:9/token")


def _malformed(emu: SheetsEmulator, key: ServiceAccountKey, tmp_path: Path) -> Path:
    pem = key.private_key
    return key_with(key, tmp_path, "k.json", private_key=pem[:300] + "!!" + pem[302:])


def _truncated(emu: SheetsEmulator, key: ServiceAccountKey, tmp_path: Path) -> Path:
    return key_with(key, tmp_path, "k.json", private_key=key.private_key[:-200])


def _not_json(emu: SheetsEmulator, key: ServiceAccountKey, tmp_path: Path) -> Path:
    path = tmp_path / "k.json"
    path.write_text(json.dumps(key.info)[:-1] + ",}", encoding="utf-8")
    path.chmod(0o600)
    return path


def _dropping(field: str) -> Callable[[SheetsEmulator, ServiceAccountKey, Path], Path]:
    def make(emu: SheetsEmulator, key: ServiceAccountKey, tmp_path: Path) -> Path:
        return key_with(key, tmp_path, "k.json", **{field: None})

    return make


def _wrong_type(emu: SheetsEmulator, key: ServiceAccountKey, tmp_path: Path) -> Path:
    return key_with(key, tmp_path, "k.json", type="authorized_user")


FAILURES: dict[str, Callable[[SheetsEmulator, ServiceAccountKey, Path], Path]] = {
    "invalid_grant": _revoked,
    "403 not shared": _not_shared,
    "403 viewer writes": _viewer,
    "404": _missing,
    "503 every time": _api_down,
    "network down": _no_network,
    "malformed private_key": _malformed,
    "truncated private_key": _truncated,
    "not JSON": _not_json,
    "no client_email": _dropping("client_email"),
    "no token_uri": _dropping("token_uri"),
    "no private_key": _dropping("private_key"),
    "authorized_user key": _wrong_type,
}


@pytest.mark.parametrize("failure", FAILURES)
@pytest.mark.parametrize("command", ["check", "run"])
def test_every_failure_is_one_line_without_the_key(
    sheets_emulator: SheetsEmulator,
    service_account_key: ServiceAccountKey,
    tmp_path: Path,
    failure: str,
    command: str,
) -> None:
    path = FAILURES[failure](sheets_emulator, service_account_key, tmp_path)
    args = ["check", KEY] if command == "check" else []
    result = invoke(path, tmp_path, *args)
    if failure == "403 viewer writes" and command == "check":
        assert result.exit_code == 0, result.output  # reading is what a viewer may do
    else:
        assert result.exit_code == 1, result.output
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert result.stderr.startswith("Lỗi: ")
    assert "Traceback" not in result.output
    assert_no_secret(result.output, service_account_key)
    assert_no_secret(str(result.exception or ""), service_account_key)

    with pytest.raises(SheetsSyncError) as caught:
        backend = GoogleBackend(KEY, path, readonly=False)
        data = backend.read(None, "Danh sách đơn vị")
        backend.write([], data)
        raise CredentialsError("đọc được: lỗi chỉ đến khi ghi")  # viewer: fail on the write
    assert_clean_exception(caught.value, service_account_key)


# -- the warning, the scopes ------------------------------------------------------------------


@pytest.mark.parametrize("command", ["check", "run"])
def test_key_readable_by_others_gives_one_warning_line(
    sheets_emulator: SheetsEmulator,
    service_account_key: ServiceAccountKey,
    tmp_path: Path,
    command: str,
) -> None:
    add_book(sheets_emulator, service_account_key)
    service_account_key.path.chmod(0o644)
    result = invoke(
        service_account_key.path, tmp_path, *(["check", KEY] if command == "check" else [])
    )
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("Cảnh báo: ")]
    assert warnings == [
        f"Cảnh báo: Tệp khóa {service_account_key.path} để người dùng khác đọc được: chạy "
        f"`chmod 600 {service_account_key.path}` để giữ kín khóa."
    ]
    assert_no_secret(result.output, service_account_key)


@pytest.mark.parametrize(
    ("command", "scope"),
    [
        (["check", KEY], READONLY_SCOPE),
        (["check", KEY, "--format", "json"], READONLY_SCOPE),
        (["report", KEY], READONLY_SCOPE),
        (["docs", KEY, "--out", "{out}"], READONLY_SCOPE),
        (["run", KEY, "--out", "{out}", "--dry-run"], READONLY_SCOPE),
        (["run", KEY, "--out", "{out}"], SCOPE),
    ],
)
def test_each_command_asks_for_the_least_scope(
    sheets_emulator: SheetsEmulator,
    service_account_key: ServiceAccountKey,
    tmp_path: Path,
    command: list[str],
    scope: str,
) -> None:
    add_book(sheets_emulator, service_account_key)
    args = [a.replace("{out}", str(tmp_path / "out")) for a in command]
    result = invoke(service_account_key.path, tmp_path, *args)
    assert result.exit_code == 0, result.output
    scopes = {claims["scope"] for claims in sheets_emulator.token_requests}
    assert scopes == {scope}
    assert not any("drive" in s for s in scopes)
    assert all(r.path.startswith("/v4/spreadsheets/") for r in sheets_emulator.requests)


# -- the repository ---------------------------------------------------------------------------


def test_example_key_holds_placeholders_only() -> None:
    example = REPO / "credentials.example.json"
    info = json.loads(example.read_text(encoding="utf-8"))
    assert info["type"] == "service_account"
    assert info["token_uri"] == "https://oauth2.googleapis.com/token"
    assert info["client_email"].endswith(".iam.gserviceaccount.com")
    assert {"project_id", "private_key_id", "client_id", "auth_uri"} <= set(info)
    pem = info["private_key"]
    assert pem.startswith("-----BEGIN PRIVATE KEY-----\n")
    assert pem.endswith("\n-----END PRIVATE KEY-----\n")
    body = pem.split("\n", 1)[1].rsplit("-----END", 1)[0]
    assert not re.search(r"[A-Za-z0-9+/=]{12,}", body.replace("REPLACE_ME", ""))
    assert len(body.strip()) < 20
    assert not re.fullmatch(r"[0-9a-f]{40}", info["private_key_id"])


def test_example_key_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "credentials.json"
    path.write_bytes((REPO / "credentials.example.json").read_bytes())
    path.chmod(0o600)
    with pytest.raises(CredentialsError, match=r"Khóa riêng \(private_key\) .* bị hỏng"):
        GoogleBackend(KEY, path, readonly=True)


@pytest.mark.parametrize(
    ("name", "ignored"),
    [
        ("credentials.json", True),
        ("key.json", True),
        ("ldld-credentials.json", True),
        ("service-account.json", True),
        ("service-account-ldld-long-bien-1a2b3c.json", True),
        ("config/credentials.json", True),
        ("credentials.example.json", False),
        ("examples/form-responses.xlsx", False),
    ],
)
def test_gitignore_keeps_real_keys_out(name: str, ignored: bool) -> None:
    done = subprocess.run(
        ["git", "check-ignore", "--no-index", "-q", name],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    assert (done.returncode == 0) is ignored


def test_key_saved_with_a_byte_order_mark_is_accepted(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey, tmp_path: Path
) -> None:
    """Notepad on Windows saves UTF-8 with a BOM; the key still reads as JSON."""
    add_book(sheets_emulator, service_account_key)
    path = service_account_key.path
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    result = invoke(path, tmp_path, "check", KEY)
    assert result.exit_code == 0, result.output
    assert "Lỗi" not in result.output
