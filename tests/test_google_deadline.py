"""A server that trickles its answer one byte at a time cannot keep a run alive.

The read timeout starts again with every byte, so only a deadline on the whole request stops
a server (or a proxy) that sends a byte every few seconds. A real server on 127.0.0.1 answers
the Sheets requests, or the token request, that way; with the deadline set to a fraction of
a second, the CLI must stop with one Vietnamese line. The server gives up by itself after
TRICKLE_LIMIT seconds per connection, so that a client without a deadline fails this test
(with another message) instead of hanging it.
"""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from sheets_sync.cli import main
from sheets_sync.sheets.google_http import DEADLINE_ENV
from tests.conftest import ServiceAccountKey
from tests.sheets_emulator import SheetsEmulator
from tests.test_credentials import KEY, add_book, key_with

DEADLINE = "0.5"  # seconds, for the whole of one request
BYTE_GAP = 0.05  # seconds between two bytes: far below any read timeout
TRICKLE_LIMIT = 8.0  # seconds the server trickles one connection before it hangs up


class TrickleServer:
    """Answers every request with a status line, headers and body sent one byte at a time."""

    def __init__(self, head_first: bool) -> None:
        self.head_first = head_first  # headers at once, then the body byte by byte
        self.stop = threading.Event()
        self.connections = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}"

    def __enter__(self) -> TrickleServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        self.listener.close()

    def _accept(self) -> None:
        self.listener.settimeout(0.05)  # a closed listener does not wake a blocked accept
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._trickle, args=(conn,), daemon=True).start()

    def _trickle(self, conn: socket.socket) -> None:
        body = b'{"error": {"code": 503, "message": "' + b"x" * 4000 + b'"}}'
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        head += b"Content-Length: %d\r\n\r\n" % len(body)
        with conn:
            conn.settimeout(1)
            try:
                conn.recv(65536)  # the request (its body, if any, is never read)
                if self.head_first:
                    conn.sendall(head)
                ticks = int(TRICKLE_LIMIT / BYTE_GAP)
                for byte in ((b"" if self.head_first else head) + body)[:ticks]:
                    if self.stop.wait(BYTE_GAP):
                        return
                    conn.sendall(bytes([byte]))
            except OSError:
                return  # the client gave up and closed: what a deadline does


def _one_line(key_path: Path, tmp_path: Path) -> str:
    args = ["check", KEY, "--credentials", str(key_path)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize("head_first", [False, True], ids=["status line", "body"])
def test_a_trickling_sheets_answer_ends_the_run(
    sheets_emulator: SheetsEmulator,
    service_account_key: ServiceAccountKey,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    head_first: bool,
) -> None:
    add_book(sheets_emulator, service_account_key)
    monkeypatch.setenv(DEADLINE_ENV, DEADLINE)
    with TrickleServer(head_first) as server:
        monkeypatch.setenv("SHEETS_SYNC_API_ROOT", server.root)
        line = _one_line(service_account_key.path, tmp_path)
    assert server.connections >= 2  # retried, as any request that timed out
    assert "Lỗi: Không kết nối được Google Sheets" in line, line
    assert f"quá chậm, quá {DEADLINE} giây" in line, line


def test_a_trickling_token_endpoint_ends_the_run(
    sheets_emulator: SheetsEmulator,
    service_account_key: ServiceAccountKey,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    add_book(sheets_emulator, service_account_key)
    monkeypatch.setenv(DEADLINE_ENV, DEADLINE)
    with TrickleServer(head_first=True) as server:
        path = key_with(service_account_key, tmp_path, "k.json", token_uri=server.root + "/token")
        line = _one_line(path, tmp_path)
    assert server.connections >= 2
    assert not sheets_emulator.requests  # no Sheets request went out without a token
    assert f"quá chậm, quá {DEADLINE} giây" in line, line
