"""Small builders shared by the tests: a form header and rows in the contract's shape."""

from __future__ import annotations

import importlib
import sys
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

HEADER = [
    "Dấu thời gian",
    "Địa chỉ email",
    "Tên đơn vị",
    "Tên trang Fanpage (facebook)",
    "Đường link Fanpage (facebook)",
    "Họ tên cán bộ phụ trách 1",
    "Chức vụ 1",
    "Số điện thoại 1",
    "Họ tên cán bộ phụ trách 2",
    "Chức vụ 2",
    "Số điện thoại 2",
    "Ghi chú",
]

ROSTER = [
    ["STT", "Tên đơn vị"],
    [1, "Trường THCS Ngọc Lâm"],
    [2, "Trường Mầm non Hoa Sữa"],
    [3, "UBND phường Bồ Đề"],
]


def row(
    unit: str = "Trường THCS Ngọc Lâm",
    *,
    at: Any = datetime(2024, 1, 30, 8, 15),
    name: str | None = None,
    url: str = "https://www.facebook.com/congdoanthcsngoclam",
    staff: str = "Nguyễn Thị Thu Hà",
    position: str = "Chủ tịch Công đoàn",
    phone: Any = "0984919862",
    staff2: tuple[str, str, Any] = ("", "", ""),
    note: str = "",
) -> list[Any]:
    """One response row; the fanpage name follows the convention unless given."""
    fanpage = f"Công đoàn _ {unit}" if name is None else name
    return [at, "cd@example.com", unit, fanpage, url, staff, position, phone, *staff2, note]


def script(name: str) -> ModuleType:
    """Import one of the project's scripts (`scripts/<name>.py`) as a module."""
    scripts = str(Path(__file__).resolve().parent.parent / "scripts")
    if scripts not in sys.path:
        sys.path.insert(0, scripts)
    return importlib.import_module(name)
