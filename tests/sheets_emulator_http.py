"""HTTP side of the Sheets API emulator: routing, access checks, token endpoint, faults."""

from __future__ import annotations

import base64
import json
import socket
import sys
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple
from urllib.parse import parse_qs, unquote

from .sheets_emulator_grid import ApiError, Spreadsheet
from .sheets_emulator_ops import (
    append_values,
    apply_write,
    batch_update,
    batch_update_values,
    clear_values,
    get_values,
    input_option,
    masked,
    metadata,
    plan_write,
)

SCOPE = "https://www.googleapis.com/auth/spreadsheets"
READONLY_SCOPE = SCOPE + ".readonly"
GRANTABLE = frozenset({SCOPE, READONLY_SCOPE})
PREFIX = "/v4/spreadsheets/"
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"
HELP = "See https://developers.google.com/identity/sign-in/web/devconsole-project."
STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
FAULT_MESSAGES = {
    429: "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute "
    "per user' of service 'sheets.googleapis.com' for consumer 'project_number:123456789012'.",
    500: "Internal error encountered.",
    502: "Bad Gateway",
    503: "The service is currently unavailable.",
    504: "The request timed out. Please try again.",
}


class Request(NamedTuple):
    """One Sheets request as received: path decoded, query values as lists, JSON body or None."""

    method: str
    path: str
    query: dict[str, list[str]]
    body: Any


@dataclass(frozen=True)
class TokenGrant:
    email: str
    scopes: frozenset[str]


@dataclass
class Fault:
    kind: str  # "fail", "drop", "delay" or "page"
    remaining: int
    match: Any = None  # substring of "METHOD path", or a predicate on Request
    status: int = 429
    retry_after: float | None = None
    seconds: float = 0.0
    page: Any = None  # for "page": the body made from the request's headers
    type: str = ""  # for "page": its Content-Type

    def matches(self, request: Request) -> bool:
        if self.match is None:
            return True
        if isinstance(self.match, str):
            return self.match in f"{request.method} {request.path}"
        return bool(self.match(request))


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that timed out has gone: writing to it fails, which is expected here.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class Handler(BaseHTTPRequestHandler):
    emulator: Any  # the SheetsEmulator, set on a subclass made by SheetsEmulator.start
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # Headers and body leave in two writes; without this each answer waits for a delayed ACK.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: tests read `emulator.requests` instead."""

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        # Google indents its answers unless asked not to (the prettyPrint system parameter).
        compact = "prettyPrint=false" in self.path.partition("?")[2]
        indent, separators = (None, (",", ":")) if compact else (2, None)
        data = json.dumps(body, indent=indent, separators=separators, ensure_ascii=False).encode()
        if not self.path.startswith("/token"):
            with self.emulator.lock:
                self.emulator.answer_bytes.append(len(data))
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _serve(self, method: str) -> None:
        emu = self.emulator
        raw_path, _, query_text = self.path.partition("?")
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if raw_path == "/token" and method == "POST":
            self._send(*token_endpoint(emu, raw))
            return
        query = parse_qs(query_text, keep_blank_values=True)
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        request = Request(method, unquote(raw_path), query, body)
        with emu.lock:
            emu.requests.append(request)
        if emu.on_request is not None:
            emu.on_request(request)
        if self._fault(emu.take_fault(request)):
            return
        try:
            self._send(200, self._answer(request, raw_path))
        except ApiError as err:
            self._send(err.code, err.body())

    def _fault(self, fault: Fault | None) -> bool:
        """Play a fault; return True when the request is answered (or dropped) by it."""
        if fault is None:
            return False
        if fault.kind == "delay":
            time.sleep(fault.seconds)
            return False
        if fault.kind == "drop":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return True
        if fault.kind == "page":
            data = fault.page(dict(self.headers.items())).encode()
            self.send_response(fault.status)
            self.send_header("Content-Type", fault.type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return True
        message = FAULT_MESSAGES.get(fault.status, "Error")
        status = STATUS_NAMES.get(fault.status, "UNKNOWN")
        body = {"error": {"code": fault.status, "message": message, "status": status}}
        headers = {} if fault.retry_after is None else {"Retry-After": f"{fault.retry_after:g}"}
        self._send(fault.status, body, headers)
        return True

    def _answer(self, request: Request, raw_path: str) -> Any:
        emu = self.emulator
        if not raw_path.startswith(PREFIX):
            raise ApiError(404, "Method not found.", "NOT_FOUND")
        rest = raw_path[len(PREFIX) :]
        key, _, tail = rest.partition("/")
        key, _, action = key.partition(":")
        writing = request.method != "GET"
        with emu.lock:
            book = check_access(emu, self.headers.get("Authorization", ""), unquote(key), writing)
            return route(book, request, action, tail, emu.theme)


def check_access(emu: Any, authorization: str, key: str, writing: bool) -> Spreadsheet:
    """Apply the API's checks in its order: token, API enabled, scope, existence, sharing."""
    token = authorization.removeprefix("Bearer ").strip()
    grant = emu.grants.get(token)
    if grant is None:
        what = "had invalid" if token else "is missing required"
        raise ApiError(
            401,
            f"Request {what} authentication credential. Expected OAuth 2 access token, "
            f"login cookie or other valid authentication credential. {HELP}",
            "UNAUTHENTICATED",
        )
    if emu.api_disabled:
        raise service_disabled(emu.project_number)
    if (SCOPE not in grant.scopes) and (writing or READONLY_SCOPE not in grant.scopes):
        raise ApiError(
            403,
            "Request had insufficient authentication scopes.",
            "PERMISSION_DENIED",
            [_error_info("ACCESS_TOKEN_SCOPE_INSUFFICIENT", {"service": "sheets.googleapis.com"})],
        )
    book: Spreadsheet | None = emu.books.get(key)
    if book is None:
        raise ApiError(404, "Requested entity was not found.", "NOT_FOUND")
    role = book.shared.get(grant.email)
    if role is None or (writing and role != "writer"):
        raise ApiError(403, "The caller does not have permission", "PERMISSION_DENIED")
    return book


def _error_info(reason: str, meta: dict[str, str]) -> dict[str, Any]:
    return {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": reason,
        "domain": "googleapis.com",
        "metadata": meta,
    }


def service_disabled(project: str) -> ApiError:
    url = f"https://console.developers.google.com/apis/api/sheets.googleapis.com/overview?project={project}"
    message = (
        f"Google Sheets API has not been used in project {project} before or it is disabled. "
        f"Enable it by visiting {url} then retry. If you enabled this API recently, wait a few "
        "minutes for the action to propagate to our systems and retry."
    )
    info = _error_info(
        "SERVICE_DISABLED",
        {"service": "sheets.googleapis.com", "consumer": f"projects/{project}"},
    )
    return ApiError(403, message, "PERMISSION_DENIED", [info])


def _first(query: dict[str, list[str]]) -> dict[str, str]:
    return {name: values[0] for name, values in query.items() if values}


def route(book: Spreadsheet, request: Request, action: str, tail: str, theme: Any) -> Any:
    """Dispatch one authorized request to its operation."""
    method, query, body = request.method, request.query, request.body or {}
    params = _first(query)
    if not tail:
        if method == "GET" and not action:
            return metadata(book, params.get("fields"), theme)
        if method == "POST" and action == "batchUpdate":
            return batch_update(book, body, params.get("fields"))
    elif tail == "values:batchGet" and method == "GET":
        ranges = [get_values(book, text, params) for text in query.get("ranges", [])]
        return {"spreadsheetId": book.key, "valueRanges": ranges}
    elif tail == "values:batchUpdate" and method == "POST":
        return masked(batch_update_values(book, body), params.get("fields"))
    elif tail == "values:batchClear" and method == "POST":
        cleared = [clear_values(book, text)["clearedRange"] for text in body.get("ranges", [])]
        return {"spreadsheetId": book.key, "clearedRanges": cleared}
    elif tail.startswith("values/"):
        return _values_route(book, method, tail[len("values/") :], params, body)
    raise ApiError(404, "Method not found.", "NOT_FOUND")


def _values_route(
    book: Spreadsheet, method: str, tail: str, params: dict[str, str], body: Any
) -> Any:
    for suffix in (":append", ":clear"):
        if tail.endswith(suffix) and method == "POST":
            text = unquote(tail[: -len(suffix)])
            if suffix == ":clear":
                return clear_values(book, text)
            return append_values(book, text, body, params)
    text = unquote(tail)
    if method == "GET":
        return get_values(book, text, params)
    if method == "PUT":
        if (body.get("majorDimension") or "ROWS") != "ROWS":
            raise ApiError(400, "This emulator writes majorDimension ROWS only", "INVALID_ARGUMENT")
        return apply_write(plan_write(book, text, body.get("values") or [], input_option(params)))
    raise ApiError(404, "Method not found.", "NOT_FOUND")


# -- token endpoint ----------------------------------------------------------------------------


def _b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _oauth_error(error: str, description: str) -> tuple[int, dict[str, str]]:
    return 400, {"error": error, "error_description": description}


def token_endpoint(emu: Any, raw: bytes) -> tuple[int, dict[str, Any]]:
    """Exchange a signed JWT for an access token, as oauth2.googleapis.com/token does."""
    form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
    if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
        return _oauth_error("unsupported_grant_type", "Invalid grant_type: ")
    try:
        header_part, claims_part, signature = form["assertion"].split(".")
        claims = json.loads(_b64(claims_part))
        header = json.loads(_b64(header_part))
    except (KeyError, ValueError):
        return _oauth_error("invalid_request", "Invalid JWT.")
    with emu.lock:
        emu.token_requests.append(claims)
        key = emu.public_keys.get(claims.get("iss"))
        revoked = claims.get("iss") in emu.revoked
    if key is None or revoked or header.get("alg") != "RS256":
        return _oauth_error("invalid_grant", "Invalid JWT Signature.")
    if not _signature_ok(key, f"{header_part}.{claims_part}".encode(), _b64(signature)):
        return _oauth_error("invalid_grant", "Invalid JWT Signature.")
    # google-auth always addresses its JWT to Google's endpoint, whatever the key's token_uri.
    if claims.get("aud") not in (emu.token_uri, GOOGLE_TOKEN_URI):
        return _oauth_error("invalid_grant", "Invalid JWT: Failed audience check.")
    now, iat, exp = time.time(), claims.get("iat", 0), claims.get("exp", 0)
    if iat > now + 300 or exp < now or exp - iat > 3600:
        return _oauth_error(
            "invalid_grant",
            "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable "
            "timeframe. Check your iat and exp values in the JWT claim.",
        )
    scopes = set(str(claims.get("scope", "")).split())
    if not scopes or not scopes <= GRANTABLE:
        return _oauth_error("invalid_scope", "Scope not granted by this emulator.")
    token = emu.issue_token(claims["iss"], sorted(scopes))
    return 200, {"access_token": token, "expires_in": 3599, "token_type": "Bearer"}


def _signature_ok(key: Any, message: bytes, signature: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    try:
        key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True
