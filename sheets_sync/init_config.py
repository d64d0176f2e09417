"""`sheets-sync init`: write a commented `sheets-sync.toml` for one federation.

The answers fill the settings every federation must change (its superior body, its own
name, the place of the date line, the deadline, the signer); everything else keeps its
default and is left out, so the file stays short and `examples/sheets-sync.toml` lists the rest.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from .config import DocumentSettings
from .errors import ConfigError
from .fileops import replace
from .system_text import os_reason

_DAY_FIRST = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*$")
_ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")
_DOCS = DocumentSettings()


@dataclass(frozen=True)
class Answers:
    """What `init` asks for."""

    superior: str  # the federation's superior body: heads the consolidated list
    federation: str  # the federation itself: heads each unit's list, issues the consolidated one
    place: str
    deadline: date
    signer: str  # who signs the consolidated list; empty leaves room for a hand signature


def parse_day(text: str) -> date:
    """Read a deadline typed the Vietnamese way (05/02/2024) or as 2024-02-05."""
    day_first, iso = _DAY_FIRST.match(text), _ISO.match(text)
    try:
        if day_first:
            day, month, year = map(int, day_first.groups())
            return date(year, month, day)
        if iso:
            year, month, day = map(int, iso.groups())
            return date(year, month, day)
    except ValueError:
        pass
    raise ConfigError(f"'{text}' không phải một ngày: viết dạng ngày/tháng/năm, ví dụ 05/02/2024.")


def _toml(text: str) -> str:
    """A TOML basic string: JSON's escapes are valid TOML, Vietnamese letters stay as they are."""
    return json.dumps(" ".join(text.split()), ensure_ascii=False)


def render(answers: Answers) -> str:
    """The commented configuration file for these answers."""
    place = " ".join(answers.place.split())
    superior = _toml(answers.superior.upper())
    federation = _toml(answers.federation.upper())
    return f"""\
# Cấu hình sheets-sync của {" ".join(answers.federation.split())}, viết bởi `sheets-sync init`.
# Sửa bằng Notepad và lưu với mã hóa UTF-8. Khóa nào không có ở đây thì dùng giá trị mặc định;
# examples/sheets-sync.toml liệt kê mọi khóa với chú thích.

# Hạn nộp: câu trả lời gửi từ ngày này trở đi bị ghi là nộp muộn ("trước ngày
# {answers.deadline:%d/%m/%Y}"). Viết NĂM-THÁNG-NGÀY, không có dấu ngoặc kép.
deadline = {answers.deadline.isoformat()}

[documents]
# Danh sách của từng đơn vị: dòng đầu góc trái là Liên đoàn Lao động (IN HOA), dòng thứ hai
# là "CÔNG ĐOÀN" và tên đơn vị.
superior_body = {federation}
# Địa danh ở dòng ngày tháng: "{place}, ngày ... tháng ... năm ...".
place = {_toml(place)}
# Danh sách tổng hợp do Liên đoàn Lao động ban hành, dưới tên cơ quan cấp trên của mình.
summary_superior_body = {superior}
summary_issuer = {federation}
# Họ tên người ký danh sách tổng hợp; để trống ("") thì chừa chỗ ký tay.
summary_signer_name = {_toml(answers.signer)}
"""


# What `init` asks, in order: (field, question, default).
QUESTIONS: tuple[tuple[str, str, str], ...] = (
    ("superior", "Cơ quan cấp trên của Liên đoàn Lao động", _DOCS.summary_superior_body),
    ("federation", "Tên Liên đoàn Lao động của mình", _DOCS.summary_issuer),
    ("place", "Địa danh ở dòng ngày tháng", _DOCS.place),
    ("deadline", "Hạn nộp (ngày/tháng/năm)", "05/02/2024"),
    ("signer", "Họ tên người ký danh sách tổng hợp (để trống nếu ký tay)", ""),
)


def ask(given: dict[str, str | None], prompt: Callable[..., Any]) -> Answers:
    """Take the answers given as options, and ask `prompt` (click.prompt) for the others."""
    values: dict[str, Any] = {}
    for name, question, default in QUESTIONS:
        value = given.get(name)
        if value is not None:
            values[name] = parse_day(value) if name == "deadline" else value
            continue
        # A deadline that is not a day is asked again (click.prompt repeats on BadParameter).
        check = _day_or_ask_again if name == "deadline" else str
        values[name] = prompt(
            question, default=default, show_default=bool(default), value_proc=check
        )
    return Answers(**values)


def _day_or_ask_again(text: str) -> date:
    try:
        return parse_day(text)
    except ConfigError as exc:
        import click

        raise click.BadParameter(str(exc)) from None


def check_free(path: Path, *, force: bool) -> None:
    """Refuse before asking anything when the file exists (unless `force`) or is a folder."""
    if path.is_dir():
        raise ConfigError(f"{path} là một thư mục: chọn tên tệp khác bằng --out.")
    if path.exists() and not force:
        raise ConfigError(
            f"Đã có tệp {path}: giữ nguyên tệp đó. Muốn viết lại, chạy lệnh với --force "
            "(tệp cũ sẽ bị thay)."
        )


def write_new(path: Path, text: str, *, force: bool) -> None:
    """Write `text` to `path`; an existing file is replaced only with `force`, and whole."""
    check_free(path, force=force)
    folder = path.parent if str(path.parent) else Path(".")
    temp = None
    try:
        fd, temp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        if not force and path.exists():  # made meanwhile by someone else: keep theirs
            raise ConfigError(f"Đã có tệp {path}: giữ nguyên tệp đó.")
        replace(temp, path)
        temp = None
    except OSError as exc:
        raise ConfigError(f"Không ghi được tệp {path} ({os_reason(exc)}).") from None
    finally:
        if temp is not None:
            Path(temp).unlink(missing_ok=True)
