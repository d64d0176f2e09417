"""Service-account keys and the one-line Vietnamese messages for Google's refusals.

No message here ever quotes a key file's contents: only its path, field names, the account's
client_email and project_id. Google's own error texts are left out for the token endpoint,
whose replies may echo what was sent, and pass through `redact` everywhere else.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from google.auth.exceptions import RefreshError, TransportError
from google.oauth2 import service_account
from gspread.exceptions import APIError

from ..errors import CredentialsError, SheetsSyncError, SourceError, UnreachableError
from ..system_text import os_reason
from .google_redact import redact

CREDENTIALS_ENV = "GOOGLE_APPLICATION_CREDENTIALS"
SCOPE = "https://www.googleapis.com/auth/spreadsheets"
READONLY_SCOPE = SCOPE + ".readonly"
REQUIRED_FIELDS = ("client_email", "private_key", "token_uri")
_CODE = re.compile(r"^[a-z_]{1,40}$")
CONSOLE = "Google Cloud console"


@dataclass(frozen=True)
class Account:
    """What messages may name about a key: its account and project, never its secret."""

    client_email: str
    project_id: str


def key_path(credentials: Path | None) -> Path:
    """Return the key file: `credentials`, else GOOGLE_APPLICATION_CREDENTIALS."""
    if credentials is not None:
        return credentials
    from_env = os.environ.get(CREDENTIALS_ENV, "").strip()
    if not from_env:
        raise CredentialsError(
            "Chưa có khóa tài khoản dịch vụ Google: dùng --credentials ĐƯỜNG_DẪN "
            f"hoặc đặt biến môi trường {CREDENTIALS_ENV}."
        )
    return Path(from_env)


def load_key(path: Path, warnings: list[str]) -> dict[str, Any]:
    """Read and check a service-account JSON key; append a warning when others can read it."""
    try:
        text = path.read_text(encoding="utf-8-sig")  # Notepad saves a byte-order mark
    except FileNotFoundError:
        raise CredentialsError(
            f"Không tìm thấy tệp khóa tài khoản dịch vụ {path}: kiểm tra đường dẫn trong "
            f"--credentials hoặc {CREDENTIALS_ENV}."
        ) from None
    except (OSError, UnicodeDecodeError) as err:
        why = os_reason(err) if isinstance(err, OSError) else "không phải văn bản UTF-8"
        raise CredentialsError(
            f"Không đọc được tệp khóa {path} ({why}): kiểm tra quyền đọc tệp rồi chạy lại."
        ) from None
    try:
        info = json.loads(text)
    except ValueError:
        info = None
    if not isinstance(info, dict):
        raise CredentialsError(
            f"Tệp khóa {path} không phải JSON: tải lại khóa JSON của tài khoản dịch vụ "
            f"trong {CONSOLE}."
        ) from None
    _check_fields(path, info)
    if os.name == "posix" and path.stat().st_mode & 0o077:
        warnings.append(
            f"Tệp khóa {path} để người dùng khác đọc được: chạy `chmod 600 {path}` để giữ kín khóa."
        )
    return info


def _check_fields(path: Path, info: dict[str, Any]) -> None:
    missing = [f for f in REQUIRED_FIELDS if not isinstance(info.get(f), str) or not info[f]]
    kind = info.get("type")
    if not missing and kind in (None, "service_account"):
        return
    what = f"thiếu {', '.join(missing)}" if missing else "không phải loại service_account"
    if isinstance(kind, str) and _CODE.match(kind) and kind != "service_account":
        what += f", loại {kind}"
    raise CredentialsError(
        f"Tệp {path} không phải khóa tài khoản dịch vụ Google ({what}): tạo khóa JSON trong "
        f"{CONSOLE}, mục IAM > Tài khoản dịch vụ > Khóa."
    )


class _Credentials(service_account.Credentials):
    """Service-account credentials whose token exchange fails as a refusal or a network error."""

    def refresh(self, request: Any) -> None:
        try:
            super().refresh(request)  # type: ignore[no-untyped-call]
        except (TypeError, KeyError, ValueError):
            # A proxy or captive portal answering 200 with a web page: google-auth trips on
            # the page instead of raising. It is the network's fault, and retried as such.
            raise TransportError(  # type: ignore[no-untyped-call]
                "token endpoint answer is not OAuth JSON"
            ) from None


def make_credentials(
    path: Path, info: dict[str, Any], *, readonly: bool
) -> service_account.Credentials:
    """Build credentials asking for the spreadsheets scope only (read-only when asked)."""
    scope = READONLY_SCOPE if readonly else SCOPE
    try:
        credentials: service_account.Credentials = _Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
            info, scopes=[scope]
        )
    except (ValueError, TypeError, IndexError):
        raise CredentialsError(
            f"Khóa riêng (private_key) trong {path} bị hỏng: tạo khóa JSON mới trong {CONSOLE}."
        ) from None
    return credentials


def account_of(info: dict[str, Any]) -> Account:
    return Account(str(info["client_email"]), str(info.get("project_id") or "?"))


def explain_refresh(err: RefreshError, account: Account) -> CredentialsError:
    """Turn a refusal of the token endpoint into a message; its body is never repeated."""
    data = err.args[1] if len(err.args) > 1 else None
    code = data.get("error") if isinstance(data, dict) else None
    if not isinstance(code, str):
        first = str(err.args[0]) if err.args else ""
        code = first.split(":", 1)[0].strip()
    email = account.client_email
    if code == "invalid_grant":
        return CredentialsError(
            f"Google từ chối khóa của {email} (invalid_grant): khóa đã bị thu hồi hoặc xóa, hoặc "
            "đồng hồ máy tính bị lệch; tạo khóa mới hoặc chỉnh lại giờ máy rồi chạy lại."
        )
    code = code if _CODE.match(code) else "lỗi xác thực"
    return CredentialsError(
        f"Google không cấp quyền truy cập cho {email} ({code}): kiểm tra tệp khóa tài khoản "
        "dịch vụ rồi chạy lại."
    )


def _reasons(error: Any) -> set[str]:
    details = error.get("details") if isinstance(error, dict) else None
    return {d.get("reason", "") for d in details or [] if isinstance(d, dict)}


def explain_api_error(
    err: APIError, account: Account, key: str, *, writing: bool
) -> SheetsSyncError:
    """Turn a Sheets API refusal into a one-line message naming the fix."""
    code = err.response.status_code
    message = str(err.error.get("message", "")) if isinstance(err.error, dict) else ""
    email = account.client_email
    if code == 404:
        return SourceError(
            f"Không tìm thấy bảng tính {key}: kiểm tra lại đường link hoặc mã bảng tính."
        )
    if code == 401:
        return CredentialsError(
            f"Google không chấp nhận khóa của {email} (HTTP 401): tạo khóa mới trong {CONSOLE}."
        )
    if code == 403:
        return _explain_403(err, message, account, writing=writing)
    text = redact(message, limit=200)
    # A busy or failing server (a request not retried, as appendDimension is) may answer later.
    kind = UnreachableError if code == 429 or code >= 500 else SourceError
    return kind(
        f"Google Sheets từ chối yêu cầu (HTTP {code}: {text}): kiểm tra bảng tính rồi chạy lại."
    )


def _explain_403(err: APIError, message: str, account: Account, *, writing: bool) -> SourceError:
    reasons = _reasons(err.error)
    email = account.client_email
    if "SERVICE_DISABLED" in reasons or "has not been used in project" in message:
        return SourceError(
            f"Google Sheets API chưa được bật cho dự án {account.project_id} của khóa: bật "
            f"Google Sheets API trong {CONSOLE} (APIs & Services > Library) rồi chạy lại."
        )
    if "ACCESS_TOKEN_SCOPE_INSUFFICIENT" in reasons or "insufficient authentication" in message:
        return SourceError(
            "Lệnh này chỉ được cấp quyền đọc Google Sheets: dùng lệnh run để ghi trạng thái."
        )
    if writing:
        return SourceError(
            f"Tài khoản dịch vụ {email} chỉ có quyền xem bảng tính: chia sẻ bảng tính với "
            f"{email} với quyền Người chỉnh sửa (Editor) rồi chạy lại."
        )
    return SourceError(
        f"Bảng tính chưa được chia sẻ với tài khoản dịch vụ {email}: bấm Chia sẻ trong Google "
        f"Sheets và thêm {email} với quyền Người chỉnh sửa (Editor) để chạy run, hoặc Người xem "
        "(Viewer) nếu chỉ dùng check, report, docs."
    )
