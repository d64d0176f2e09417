"""Settings and their defaults; every default follows the district's letter (Công văn 20/LĐLĐ)."""

from __future__ import annotations

import ipaddress
import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .system_text import os_reason, toml_error
from .timestamps import DATE_ORDERS, DateOrder

DEFAULT_CONFIG_FILE = "sheets-sync.toml"

# Form fields and the question titles that name them (matched on the folded key).
# Staff fields carry a number k: "Họ tên cán bộ phụ trách 1", "Chức vụ 1", ...
HEADER_ALIASES: dict[str, list[str]] = {
    "submitted_at": ["Dấu thời gian", "Timestamp"],
    "email": ["Địa chỉ email", "Email address", "Email"],
    "unit": ["Tên đơn vị", "Tên công đoàn cơ sở"],
    "fanpage_name": ["Tên trang Fanpage (facebook)", "Tên Fanpage"],
    "fanpage_url": [
        "Đường link Fanpage (facebook)",
        "Đường link tài khoản Facebook",
        "Link Fanpage",
    ],
    "note": ["Ghi chú"],
    "staff_name": ["Họ tên cán bộ phụ trách", "Họ tên"],
    "staff_position": ["Chức vụ"],
    "staff_phone": ["Số điện thoại", "SĐT"],
    "staff_unit": ["Đơn vị công tác"],
}

# Abbreviations in unit names and what they stand for; both sides fold to the same key.
# "CĐ" is left out on purpose: Công đoàn, Cao đẳng and Công điện all shorten to it.
ABBREVIATIONS: dict[str, str] = {
    "THCS": "Trung học cơ sở",
    "THPT": "Trung học phổ thông",
    "TH": "Tiểu học",
    "MN": "Mầm non",
    "MG": "Mẫu giáo",
    "UBND": "Ủy ban nhân dân",
    "HĐND": "Hội đồng nhân dân",
    "TNHH": "Trách nhiệm hữu hạn",
    "CTCP": "Công ty cổ phần",
    "Cty": "Công ty",
    "LĐLĐ": "Liên đoàn Lao động",
    "CĐCS": "Công đoàn cơ sở",
    "BQL": "Ban Quản lý",
    "MTTQ": "Mặt trận Tổ quốc",
    "GD&ĐT": "Giáo dục và Đào tạo",
    "GDĐT": "Giáo dục và Đào tạo",
    "TT": "Trung tâm",
    "BV": "Bệnh viện",
    "TYT": "Trạm y tế",
}

# Abbreviations in staff positions (whole words, any case or accents) and how the lists
# print them; "BCH" (Ban Chấp hành) stays as it is, in capitals.
POSITIONS: dict[str, str] = {
    "CT": "Chủ tịch",
    "PCT": "Phó Chủ tịch",
    "CĐ": "Công đoàn",
    "CĐCS": "Công đoàn cơ sở",
    "UV": "Ủy viên",
    "BCH": "Ban Chấp hành",
    "UVBCH": "Ủy viên Ban Chấp hành",
}

# Leading words that say what a unit is, not which one: ignored when matching.
UNIT_PREFIXES: list[str] = ["Công đoàn cơ sở", "Công đoàn", "CĐCS", "Trường"]

STATUS_TEXTS: dict[str, str] = {
    "ok": "Hợp lệ",
    "warning": "Hợp lệ, cần lưu ý",
    "error": "Cần sửa",
    "superseded": "Đã thay bằng lần gửi sau",
}

ROSTER_TEXTS: dict[str, str] = {
    "ok": "Đã nộp",
    "error": "Đã nộp, cần sửa",
    "missing": "Chưa nộp",
}

STATUS_COLUMNS: dict[str, str] = {
    "status": "Trạng thái",
    "details": "Chi tiết kiểm tra",
    "expected_name": "Tên Fanpage đề nghị",
    "file": "File danh sách",
    "checked_at": "Kiểm tra lúc",
}
ROSTER_STATUS_COLUMN = "Tình trạng nộp"
ROSTER_UNIT_HEADER = "Tên đơn vị"
ROSTER_WORKSHEET = "Danh sách đơn vị"
# What `notify` sent, or why it could not: one column in the responses, one in the roster.
NOTIFIED_COLUMN = "Đã báo qua email"
REMINDED_COLUMN = "Đã nhắc qua email"
ROSTER_EMAIL_HEADERS = ["Email", "Địa chỉ email", "Thư điện tử"]
SECURITIES = ("starttls", "ssl", "none")


DATE_MODES = ("submission", "today", "blank")
DAY_KEYS = ("deadline", "date")  # a day, with or without quotes
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
DATE_WHAT = '"submission", "today", "blank" hoặc một ngày dạng 2024-02-05'


@dataclass(frozen=True)
class DocumentSettings:
    """Names of the issuing bodies and the signature block: federations get reorganized."""

    superior_body: str = "LIÊN ĐOÀN LAO ĐỘNG QUẬN LONG BIÊN"
    unit_prefix: str = "CÔNG ĐOÀN"
    place: str = "Long Biên"
    # The date line of the documents: "submission" (the unit's latest submission; the
    # consolidated list: the latest of all), "today", "blank" (dots to fill by hand) or a day.
    date: str | date = "submission"
    signer_authority: str = "TM. BAN CHẤP HÀNH"
    signer_title: str = "CHỦ TỊCH"
    signer_note: str = "(Ký tên, đóng dấu)"
    # The consolidated list is issued by the federation itself, under its own superior.
    summary_superior_body: str = "LIÊN ĐOÀN LAO ĐỘNG THÀNH PHỐ HÀ NỘI"
    summary_issuer: str = "LIÊN ĐOÀN LAO ĐỘNG QUẬN LONG BIÊN"
    summary_signer_authority: str = "TM. BAN THƯỜNG VỤ"
    summary_signer_title: str = "CHỦ TỊCH"
    summary_signer_name: str = ""


@dataclass(frozen=True)
class EmailSettings:
    """The SMTP server and what every message says; the password only from the environment."""

    host: str = ""
    port: int = 587
    security: str = "starttls"
    username: str = ""
    sender: str = ""  # `from` in the TOML file
    from_name: str = ""
    reply_to: str = ""
    form_url: str = ""
    contact: str = ""
    # Gmail's consumer accounts stop at 500 messages a day.
    max_per_run: int = 400


@dataclass(frozen=True)
class Settings:
    """Everything a run can be told; build with `load_settings`."""

    # Submissions on or after this day (spreadsheet's local time) are late.
    deadline: date = date(2024, 2, 5)
    roster_worksheet: str = ROSTER_WORKSHEET
    # How text dates read when the timestamp column cannot tell (`04/02/2024`).
    date_order: DateOrder = "day-first"
    headers: dict[str, list[str]] = field(default_factory=lambda: dict(HEADER_ALIASES))
    abbreviations: dict[str, str] = field(default_factory=lambda: dict(ABBREVIATIONS))
    positions: dict[str, str] = field(default_factory=lambda: dict(POSITIONS))
    unit_prefixes: list[str] = field(default_factory=lambda: list(UNIT_PREFIXES))
    status_texts: dict[str, str] = field(default_factory=lambda: dict(STATUS_TEXTS))
    roster_texts: dict[str, str] = field(default_factory=lambda: dict(ROSTER_TEXTS))
    documents: DocumentSettings = field(default_factory=DocumentSettings)
    email: EmailSettings = field(default_factory=EmailSettings)


def load_settings(path: Path | None) -> Settings:
    """Read a TOML file over the defaults; no file (None) gives the defaults."""
    if path is None:
        default = Path(DEFAULT_CONFIG_FILE)
        if not default.is_file():
            return Settings()
        path = default
    try:
        text = path.read_text(encoding="utf-8-sig")  # Notepad may save a UTF-8 BOM
        data = tomllib.loads(text)
    except FileNotFoundError:
        raise ConfigError(f"Không tìm thấy tệp cấu hình {path}.") from None
    except OSError as exc:
        raise ConfigError(f"Không đọc được tệp cấu hình {path}: {os_reason(exc)}.") from None
    except UnicodeDecodeError:
        raise ConfigError(
            f"Tệp cấu hình {path} không phải văn bản UTF-8: lưu lại tệp với mã hóa UTF-8."
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"Tệp cấu hình {path} sai cú pháp TOML ở {toml_error(exc, text)}."
        ) from None
    return settings_from_dict(data, str(path))


def settings_from_dict(data: dict[str, Any], origin: str = "cấu hình") -> Settings:
    """Merge a parsed TOML document over the defaults, naming the key that is wrong."""
    data = dict(data)
    base = Settings()
    documents = _merge(base.documents, data.pop("documents", {}), f"{origin} [documents]")
    email = _email(data.pop("email", {}), f"{origin} [email]")
    tables: dict[str, Any] = {}
    for name in ("headers", "abbreviations", "positions", "status_texts", "roster_texts"):
        extra = data.pop(name, {})
        _expect(isinstance(extra, dict), origin, name, "một bảng")
        tables[name] = _table(name, getattr(base, name), extra, f"{origin} [{name}]")
    settings = _merge(base, data, origin)
    result: Settings = replace(settings, documents=documents, email=email, **tables)
    return result


def _table(name: str, default: dict[str, Any], extra: dict[str, Any], origin: str) -> Any:
    """Check one table and lay it over its default.

    Question titles add to the built-in ones (a renamed question keeps its old title too);
    abbreviations and positions add entries; status texts replace the ones named.
    """
    merged = dict(default)
    for key, value in extra.items():
        if name == "headers":
            ok = isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)
            _expect(key in default and ok, origin, key, "một danh sách tên câu hỏi đã biết")
            merged[key] = [*default[key], *(v for v in value if v not in default[key])]
            continue
        _expect(isinstance(value, str) and bool(value.strip()), origin, key, "một chuỗi khác rỗng")
        free = name in ("abbreviations", "positions")
        _expect(free or key in default, origin, key, "một khóa đã biết")
        merged[key] = value
    return merged


def _merge(obj: Any, data: Any, origin: str) -> Any:
    _expect(isinstance(data, dict), origin, "", "một bảng")
    known = {f.name: f for f in fields(obj)}
    data = {key: _quoted_day(value) if key in DAY_KEYS else value for key, value in data.items()}
    for key, value in data.items():
        _expect(key in known, origin, key, "một khóa đã biết")
        current = getattr(obj, key)
        if key in DAY_KEYS and isinstance(value, str) and _ISO_DAY.fullmatch(value.strip()):
            _expect(False, origin, key, f"một ngày có thật ({value.strip()} không có trong lịch)")
        if key == "date" and isinstance(value, str):
            _expect(value in DATE_MODES, origin, key, DATE_WHAT)
        elif key in ("deadline", "date"):
            is_day = isinstance(value, date) and not isinstance(value, datetime)
            what = DATE_WHAT if key == "date" else "một ngày dạng 2024-02-05 (không có giờ)"
            _expect(is_day, origin, key, what)
        elif key == "date_order":
            _expect(value in DATE_ORDERS, origin, key, '"day-first" hoặc "month-first"')
        elif isinstance(current, list):
            ok = isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)
            _expect(ok, origin, key, "một danh sách chuỗi")
        else:
            _expect(isinstance(value, str), origin, key, "một chuỗi")
    return replace(obj, **data)


def _quoted_day(value: Any) -> Any:
    """Take a day written in quotes, `"2024-03-01"`, as the TOML date 2024-03-01."""
    if isinstance(value, str) and _ISO_DAY.fullmatch(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return value
    return value


def _email(data: Any, origin: str) -> EmailSettings:
    """Check the [email] table: whole numbers for the port and the limit, a known security."""
    _expect(isinstance(data, dict), origin, "", "một bảng")
    data = dict(data)
    _expect("sender" not in data, origin, "sender", "một khóa đã biết")
    if "from" in data:
        data["sender"] = data.pop("from")
    numbers = {key: data.pop(key) for key in ("port", "max_per_run") if key in data}
    for key, value in numbers.items():
        whole = isinstance(value, int) and not isinstance(value, bool)
        _expect(whole and 0 < value < 65536, origin, key, "một số nguyên dương")
    settings: EmailSettings = replace(_merge(EmailSettings(), data, origin), **numbers)
    _expect(settings.security in SECURITIES, origin, "security", '"starttls", "ssl" hoặc "none"')
    if settings.security == "none" and settings.host and not is_loopback(settings.host):
        raise ConfigError(
            f'Tệp cấu hình {origin}: security = "none" gửi mật khẩu và thư không mã hóa, chỉ '
            f"dùng được với máy chủ thư trên chính máy này (localhost), không với {settings.host}; "
            'hãy dùng security = "starttls" (cổng 587) hoặc "ssl" (cổng 465).'
        )
    return settings


def is_loopback(host: str) -> bool:
    """Tell whether `host` names this machine: localhost or a 127.0.0.0/8 or ::1 address."""
    if host.strip().lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _expect(ok: bool, origin: str, key: str, what: str) -> None:
    if not ok:
        where = f" khóa {key!r}" if key else ""
        raise ConfigError(f"Tệp cấu hình {origin}:{where} phải là {what}.")
