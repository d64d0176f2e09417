"""A Google Sheets API v4 emulator on 127.0.0.1 for driving gspread and google-auth over HTTP.

Usage::

    with SheetsEmulator() as emu:
        emu.register_key(client_email, public_key_pem)
        emu.add_spreadsheet(KEY, {"Sheet1": [["a", "b"], [1, 2]]})
        emu.share(KEY, client_email)
        # point SHEETS_SYNC_API_ROOT at emu.root and the key's token_uri at emu.token_uri

It serves the token endpoint (JWT bearer grant, RS256 checked against registered keys) and the
Sheets endpoints gspread 6.2 calls, with the real API's trimming, range echoes and error bodies.
Deliberately stricter than Google: a token is only granted for the `spreadsheets` and
`spreadsheets.readonly` scopes (asking for Drive or anything else is refused), so a test notices
a client that asks for more than it needs.

Values: RAW stores what is sent; USER_ENTERED turns numbers typed as text (`0984919862`) into
numbers, TRUE/FALSE into booleans, `2020-01-01` and locale dates (`04/02/2024 23:59:00`,
day first in vi_VN) into dates, `'text` into text, and `=...` into a formula whose value is
computed for plain arithmetic (`=4/2` gives 2) and is `#ERROR!` otherwise. Reads render with
valueRenderOption FORMATTED_VALUE (numbers with the locale's decimal mark, dates as
`dd/MM/yyyy HH:mm:ss` in vi_VN, `M/d/yyyy H:mm:ss` in en_US, or as typed), UNFORMATTED_VALUE
(JSON numbers; dates as serial numbers or, with FORMATTED_STRING, formatted) or FORMULA.

`values(key, title)` shows a sheet as stored: rows up to the last non-empty one, each row cut
after its last non-empty cell, "" for empty cells, dates as ("date", serial), formulas as their
text. No pytest imports here: a benchmark script may import this module too.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from .sheets_emulator_cells import from_user, to_user
from .sheets_emulator_grid import Sheet, Spreadsheet
from .sheets_emulator_http import (
    READONLY_SCOPE,
    SCOPE,
    Fault,
    Handler,
    QuietServer,
    Request,
    TokenGrant,
)
from .sheets_emulator_ops import metadata

__all__ = ["READONLY_SCOPE", "SCOPE", "Request", "SheetsEmulator"]


class SheetsEmulator:
    """Serve spreadsheets kept in memory; see the module docstring."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.books: dict[str, Spreadsheet] = {}
        self.public_keys: dict[str, Any] = {}
        self.revoked: set[str] = set()
        self.grants: dict[str, TokenGrant] = {}
        self.requests: list[Request] = []
        # The size of each JSON answer to a Sheets request, in the order they were answered.
        self.answer_bytes: list[int] = []
        self.token_requests: list[dict[str, Any]] = []
        self.faults: list[Fault] = []
        self.on_request: Callable[[Request], None] | None = None
        self.api_disabled = False
        self.project_number = "123456789012"
        self.theme: dict[str, Any] | None = None
        self._server: QuietServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> SheetsEmulator:
        """Listen on a free port of 127.0.0.1 in a background thread."""
        handler = type("BoundHandler", (Handler,), {"emulator": self})
        self._server = QuietServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> SheetsEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def root(self) -> str:
        assert self._server is not None, "start() the emulator first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def token_uri(self) -> str:
        return self.root + "/token"

    # -- state -------------------------------------------------------------------------------

    def add_spreadsheet(
        self,
        key: str,
        sheets: dict[str, list[list[Any]]],
        locale: str = "vi_VN",
        grid: tuple[int, int] = (1000, 26),
        *,
        title: str | None = None,
        time_zone: str = "Asia/Ho_Chi_Minh",
    ) -> None:
        """Create a spreadsheet; each sheet's grid is `grid`, grown to fit its rows."""
        made = []
        for index, (sheet_title, rows) in enumerate(sheets.items()):
            width = max((len(row) for row in rows), default=0)
            sheet = Sheet(index * 7919, sheet_title, max(grid[0], len(rows)), max(grid[1], width))
            sheet.rows = [[from_user(cell) for cell in row] for row in rows]
            made.append(sheet)
        with self.lock:
            self.books[key] = Spreadsheet(key, title or key, locale, time_zone, made)

    def remove_spreadsheet(self, key: str) -> None:
        with self.lock:
            self.books.pop(key, None)

    def share(self, key: str, client_email: str, role: str = "writer") -> None:
        """Give `client_email` access: "writer" (Editor) or "reader" (Viewer)."""
        with self.lock:
            self.books[key].shared[client_email] = role

    def book(self, key: str) -> Spreadsheet:
        return self.books[key]

    def sheet(self, key: str, title: str) -> Sheet:
        found = self.books[key].sheet(title)
        if found is None:
            raise KeyError(title)
        return found

    def values(self, key: str, title: str) -> list[list[Any]]:
        """Return a sheet's cells as stored (see the module docstring)."""
        with self.lock:
            rows = [[to_user(cell) for cell in line] for line in self.sheet(key, title).rows]
        for row in rows:
            while row and row[-1] == "":
                row.pop()
        while rows and not rows[-1]:
            rows.pop()
        return rows

    def grid(self, key: str, title: str) -> tuple[int, int]:
        """Return (rowCount, columnCount) of a sheet."""
        sheet = self.sheet(key, title)
        return sheet.row_count, sheet.col_count

    def metadata(self, key: str) -> dict[str, Any]:
        return metadata(self.books[key], None, self.theme)

    # -- identities --------------------------------------------------------------------------

    def register_key(self, client_email: str, public_key_pem: bytes | str) -> None:
        """Accept JWTs signed by the private half of this key for `client_email`."""
        from cryptography.hazmat.primitives.serialization import load_pem_public_key

        pem = public_key_pem.encode() if isinstance(public_key_pem, str) else public_key_pem
        with self.lock:
            self.public_keys[client_email] = load_pem_public_key(pem)
            self.revoked.discard(client_email)

    def revoke_key(self, client_email: str) -> None:
        """Refuse this account's JWTs from now on (`invalid_grant`), as for a deleted key."""
        with self.lock:
            self.revoked.add(client_email)
            self.grants = {t: g for t, g in self.grants.items() if g.email != client_email}

    def issue_token(self, client_email: str, scopes: list[str]) -> str:
        """Return an access token without the JWT exchange (for raw HTTP tests)."""
        with self.lock:
            token = f"emu-token-{len(self.grants) + 1}-{time.monotonic_ns()}"
            self.grants[token] = TokenGrant(client_email, frozenset(scopes))
        return token

    def disable_api(self, disabled: bool = True) -> None:
        """Answer every Sheets request with 403 SERVICE_DISABLED (API not enabled)."""
        self.api_disabled = disabled

    # -- faults ------------------------------------------------------------------------------

    def fail_next(
        self,
        n: int,
        status: int = 429,
        retry_after: float | None = None,
        match: str | Callable[[Request], bool] | None = None,
    ) -> None:
        """Answer the next `n` matching Sheets requests with `status` (an API error body)."""
        self._add_fault(Fault("fail", n, match, status=status, retry_after=retry_after))

    def drop_next(self, n: int, match: str | Callable[[Request], bool] | None = None) -> None:
        """Close the connection of the next `n` matching requests without answering."""
        self._add_fault(Fault("drop", n, match))

    def delay_next(
        self, n: int, seconds: float, match: str | Callable[[Request], bool] | None = None
    ) -> None:
        """Wait `seconds` before serving the next `n` matching requests (they still apply)."""
        self._add_fault(Fault("delay", n, match, seconds=seconds))

    def answer_next(
        self,
        n: int,
        status: int,
        page: Callable[[dict[str, str]], str],
        content_type: str = "text/html; charset=UTF-8",
        match: str | Callable[[Request], bool] | None = None,
    ) -> None:
        """Answer the next `n` matching requests with `page(request headers)`, as a proxy or
        a misconfigured server that echoes what it was sent would."""
        self._add_fault(Fault("page", n, match, status=status, page=page, type=content_type))

    def _add_fault(self, fault: Fault) -> None:
        with self.lock:
            self.faults.append(fault)

    def take_fault(self, request: Request) -> Fault | None:
        """Return the first pending fault matching `request`, counting it down."""
        with self.lock:
            for fault in self.faults:
                if fault.remaining > 0 and fault.matches(request):
                    fault.remaining -= 1
                    return fault
        return None


# -- service-account keys for tests and benchmarks -----------------------------------------------


def generate_key_pair() -> tuple[str, bytes]:
    """Return a fresh RSA key: (private key PEM as a key file holds it, public key PEM)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public


def service_account_info(
    emulator: SheetsEmulator, private_pem: str, client_email: str, project_id: str
) -> dict[str, str]:
    """Return a key file's fields, shaped as Google issues them, with the emulator's token_uri."""
    return {
        "type": "service_account",
        "project_id": project_id,
        "private_key_id": "0123456789abcdef0123456789abcdef01234567",
        "private_key": private_pem,
        "client_email": client_email,
        "client_id": "100000000000000000001",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": emulator.token_uri,
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/bot",
        "universe_domain": "googleapis.com",
    }
