"""The HTTP client under gspread: API root override, timeouts, deadlines, bounded retries."""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass, replace
from functools import partial
from json import dumps
from typing import Any, TypeVar

import requests
from google.auth.exceptions import TransportError
from google.auth.transport.requests import AuthorizedSession
from gspread.exceptions import APIError
from gspread.http_client import FileType, HTTPClient, ParamsType

from ..errors import SourceError, UnreachableError

GOOGLE_SHEETS_ROOT = "https://sheets.googleapis.com"
API_ROOT_ENV = "SHEETS_SYNC_API_ROOT"
RETRY_SCALE_ENV = "SHEETS_SYNC_RETRY_SCALE"
DEADLINE_ENV = "SHEETS_SYNC_REQUEST_DEADLINE"
JSON_TYPE = "application/json; charset=utf-8"
# Chunks of an answer read as a stream: small beside a national sheet, large beside a row.
STREAM_CHUNK = 1 << 20
T = TypeVar("T")
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Dropped connections, timeouts, and google-auth's wrapper for the same on the token endpoint.
NETWORK_ERRORS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    TransportError,
)


@dataclass(frozen=True)
class RetryPolicy:
    """How long to keep trying: exponential backoff with full jitter, bounded twice over."""

    attempts: int = 6
    base_delay: float = 1.0
    max_delay: float = 32.0
    total: float = 120.0
    # Multiplies every wait, Retry-After included: tests run with a tiny scale.
    scale: float = 1.0
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    # The whole of one request, token exchange and answer included: the read timeout starts
    # again with every byte, so a server trickling one byte at a time never hits it.
    deadline: float = 300.0

    @classmethod
    def from_env(cls) -> RetryPolicy:
        """Return the default policy; SHEETS_SYNC_RETRY_SCALE and _REQUEST_DEADLINE change it."""
        policy = cls()
        scale = _positive(os.environ.get(RETRY_SCALE_ENV, ""))
        deadline = _positive(os.environ.get(DEADLINE_ENV, ""))
        return replace(policy, scale=scale or policy.scale, deadline=deadline or policy.deadline)

    def delay(self, failures: int, retry_after: float | None) -> float:
        """Return the wait before the next attempt, after `failures` failed ones."""
        if retry_after is not None:
            return retry_after * self.scale
        ceiling = min(self.max_delay, self.base_delay * 2 ** (failures - 1))
        return random.uniform(0, ceiling) * self.scale


def _positive(text: str) -> float | None:
    try:
        number = float(text)
    except ValueError:
        return None
    return number if 0 < number < float("inf") else None


def api_root() -> str:
    """Return the Sheets API root: SHEETS_SYNC_API_ROOT when set, else Google's."""
    return os.environ.get(API_ROOT_ENV, "").strip().rstrip("/") or GOOGLE_SHEETS_ROOT


def is_idempotent(method: str, url: str, body: Mapping[str, Any] | None) -> bool:
    """Tell whether sending the request twice leaves the spreadsheet as sending it once.

    Only those are retried: a retry after a timeout may repeat a request that did arrive.
    GETs read; values.update/batchUpdate put fixed values into fixed cells (this backend
    always sends RAW values); updateSheetProperties sets an absolute grid size. appendDimension,
    append and insertDimension would add a second time, so they are never retried.
    """
    if method.upper() in ("GET", "PUT"):
        return True
    if url.endswith("/values:batchUpdate"):
        return True
    if url.endswith(":batchUpdate") and body is not None:
        requests_ = body.get("requests") or []
        return bool(requests_) and all(set(r) == {"updateSheetProperties"} for r in requests_)
    return False


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None  # an HTTP date: rare from Google; the backoff covers it


class DeadlineExceeded(requests.Timeout):
    """A request still unanswered at its deadline, however steadily bytes were arriving."""


class SheetsHTTPClient(HTTPClient):
    """gspread's HTTP client, pointed at SHEETS_SYNC_API_ROOT, with timeouts and retries."""

    def __init__(self, auth: Any, session: requests.Session | None = None) -> None:
        super().__init__(auth, session)
        self.api_root = api_root()
        self.retry = RetryPolicy.from_env()
        self.sleep: Callable[[float], None] = time.sleep
        self.metadata: Mapping[str, Any] = {}

    def fetch_sheet_metadata(self, id: str, params: ParamsType | None = None) -> Mapping[str, Any]:
        """Fetch only what the backend uses (titles, ids, grid sizes) and keep it."""
        if params is None:
            params = {"includeGridData": "false", "fields": METADATA_FIELDS}
        self.metadata = super().fetch_sheet_metadata(id, params)
        return self.metadata

    def request(
        self,
        method: str,
        endpoint: str,
        params: ParamsType | None = None,
        data: bytes | None = None,
        json: Mapping[str, Any] | None = None,
        files: FileType = None,
        headers: MutableMapping[str, str] | None = None,
    ) -> requests.Response:
        """Send one request to the Sheets API, retrying what is safe to retry."""
        url = self._url(endpoint)
        retry = is_idempotent(method, url, json)
        if json is not None:
            # UTF-8 instead of requests' \uXXXX escapes: Vietnamese text is a third smaller.
            data, json = dumps(json, ensure_ascii=False).encode("utf-8"), None
            headers = {**(headers or {}), "Content-Type": JSON_TYPE}
        send = partial(super().request, method, url, params, data, json, files, headers)
        return self._retrying(send, retry=retry)

    def stream(
        self, endpoint: str, params: ParamsType, consume: Callable[[Iterator[bytes]], T]
    ) -> T:
        """GET an answer and hand its body to `consume` in chunks as they arrive.

        `consume` runs within the request's deadline, and again from the start on a retry.
        """
        url = self._url(endpoint)

        def send() -> T:
            response = self.session.request(
                "GET", url, params=params, timeout=self.timeout, stream=True
            )
            with response:
                if not response.ok:
                    raise APIError(response)
                return consume(response.iter_content(STREAM_CHUNK))

        return self._retrying(send, retry=True)

    def _url(self, endpoint: str) -> str:
        if not endpoint.startswith(GOOGLE_SHEETS_ROOT + "/"):
            # Drive and anything else: the backend needs none, and its scope allows none.
            raise SourceError(f"Yêu cầu ngoài Google Sheets API bị chặn: {endpoint}")
        return self.api_root + endpoint[len(GOOGLE_SHEETS_ROOT) :]

    def _retrying(self, send: Callable[[], T], *, retry: bool) -> T:
        """Call `send` within the deadline until it answers, when `retry` allows it again."""
        policy = self.retry
        self.timeout = (policy.connect_timeout, policy.read_timeout)
        started, failures, waited = time.monotonic(), 0, 0.0
        while True:
            try:
                return self._within_deadline(send, policy.deadline)
            except APIError as err:
                status = err.response.status_code
                # A 429 says the request was not carried out: safe to send again, whatever it is.
                if status not in RETRY_STATUSES or not (retry or status == 429):
                    raise
                reason, wait = f"HTTP {err.response.status_code}", _retry_after(err.response)
            except NETWORK_ERRORS as err:
                if not retry:
                    raise give_up(1, _network_reason(err)) from None
                reason, wait = _network_reason(err), None
            failures += 1
            delay = policy.delay(failures, wait)
            # `waited` counts the waits even when `sleep` is swapped out (tests).
            spent = max(time.monotonic() - started, waited)
            if failures >= policy.attempts or spent + delay > policy.total:
                raise give_up(failures, reason) from None
            self.sleep(delay)
            waited += delay

    def _within_deadline(self, send: Callable[[], T], seconds: float) -> T:
        """Send in a worker thread; past `seconds`, leave it to its session and give up.

        The abandoned session is closed by its worker once the server lets go; later
        requests go through a new one.
        """
        answer: list[T] = []
        failure: list[BaseException] = []
        done, abandoned = threading.Event(), threading.Event()
        session = self.session

        def work() -> None:
            try:
                answer.append(send())
            except BaseException as err:  # handed to the waiting thread
                failure.append(err)
            finally:
                done.set()
                if abandoned.is_set():
                    session.close()

        threading.Thread(target=work, name="sheets-request", daemon=True).start()
        end = time.monotonic() + seconds
        # Short waits: Ctrl+C is not seen during a long wait on Windows.
        while not done.wait(min(0.25, max(0.0, end - time.monotonic()))):
            if time.monotonic() >= end:
                abandoned.set()
                self.session = AuthorizedSession(self.auth)  # type: ignore[no-untyped-call]
                raise DeadlineExceeded("no complete answer in time", seconds)
        if failure:
            raise failure[0]
        return answer[0]


METADATA_FIELDS = (
    "spreadsheetId,properties(title,locale,timeZone),"
    "sheets.properties(sheetId,title,index,sheetType,gridProperties(rowCount,columnCount))"
)


def _network_reason(err: Exception) -> str:
    if isinstance(err, DeadlineExceeded):
        return f"máy chủ trả lời quá chậm, quá {err.args[1]:g} giây cho một yêu cầu"
    if isinstance(err, requests.Timeout):
        return "hết thời gian chờ"
    return "mất kết nối"


def give_up(attempts: int, reason: str) -> UnreachableError:
    """Return the error for a request that kept failing."""
    fix = "kiểm tra mạng rồi chạy lại"
    if reason == "HTTP 429":
        reason, fix = "Google báo quá nhiều yêu cầu, HTTP 429", "đợi vài phút rồi chạy lại"
    return UnreachableError(
        f"Không kết nối được Google Sheets sau {attempts} lần thử ({reason}): {fix}."
    )
