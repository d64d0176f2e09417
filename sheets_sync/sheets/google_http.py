"""The HTTP client under gspread: API root override, timeouts, bounded retries."""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass, replace
from json import dumps
from typing import Any

import requests
from google.auth.exceptions import TransportError
from gspread.exceptions import APIError
from gspread.http_client import FileType, HTTPClient, ParamsType

from ..errors import SourceError, UnreachableError

GOOGLE_SHEETS_ROOT = "https://sheets.googleapis.com"
API_ROOT_ENV = "SHEETS_SYNC_API_ROOT"
RETRY_SCALE_ENV = "SHEETS_SYNC_RETRY_SCALE"
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

    @classmethod
    def from_env(cls) -> RetryPolicy:
        """Return the default policy, scaled by SHEETS_SYNC_RETRY_SCALE when set."""
        policy = cls()
        scale = os.environ.get(RETRY_SCALE_ENV, "").strip()
        try:
            return replace(policy, scale=float(scale)) if scale else policy
        except ValueError:
            return policy

    def delay(self, failures: int, retry_after: float | None) -> float:
        """Return the wait before the next attempt, after `failures` failed ones."""
        if retry_after is not None:
            return retry_after * self.scale
        ceiling = min(self.max_delay, self.base_delay * 2 ** (failures - 1))
        return random.uniform(0, ceiling) * self.scale


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
        if not endpoint.startswith(GOOGLE_SHEETS_ROOT + "/"):
            # Drive and anything else: the backend needs none, and its scope allows none.
            raise SourceError(f"Yêu cầu ngoài Google Sheets API bị chặn: {endpoint}")
        url = self.api_root + endpoint[len(GOOGLE_SHEETS_ROOT) :]
        policy = self.retry
        self.timeout = (policy.connect_timeout, policy.read_timeout)
        retry = is_idempotent(method, url, json)
        if json is not None:
            # UTF-8 instead of requests' \uXXXX escapes: Vietnamese text is a third smaller.
            data, json = dumps(json, ensure_ascii=False).encode("utf-8"), None
            headers = {**(headers or {}), "Content-Type": "application/json; charset=utf-8"}
        started, failures, waited = time.monotonic(), 0, 0.0
        while True:
            try:
                return super().request(method, url, params, data, json, files, headers)
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


METADATA_FIELDS = (
    "spreadsheetId,properties(title,locale,timeZone),"
    "sheets.properties(sheetId,title,index,sheetType,gridProperties(rowCount,columnCount))"
)


def _network_reason(err: Exception) -> str:
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
