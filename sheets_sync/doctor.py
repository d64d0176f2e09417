"""Check the whole setup of a source, step by step, each step one ✔ or ✘ line naming the fix.

Nothing is written: not the spreadsheet (the Editor check sends a find-and-replace whose
search text is its own replacement, which Google refuses to a Viewer and which changes no
cell for an Editor), not the workbook, not the output folder (a temporary file is made
and removed there).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from .config import DocumentSettings, Settings, load_settings
from .errors import SheetsSyncError
from .form import read_layout
from .model import SheetData
from .roster import load_roster
from .system_text import os_reason
from .text import cell_text, make_unit_keyer

PACKAGES = ("sheets-sync", "click", "gspread", "google-auth", "openpyxl", "python-docx")
MIN_PYTHON = (3, 11)
OK, FAIL, ADVICE = "✔", "✘", "⚠"


@dataclass(frozen=True)
class Step:
    """One line: passed (✔, or ⚠ with `advice` that fails nothing) or not, and the fix."""

    ok: bool
    text: str
    advice: bool = False

    def line(self) -> str:
        return f"{(ADVICE if self.advice else OK) if self.ok else FAIL} {self.text}"


@dataclass
class Setup:
    """What the command was given."""

    source: str
    worksheet: str | None
    roster: Path | None
    credentials: Path | None
    config: Path | None
    out_dir: Path


@dataclass
class State:
    """What earlier steps found, for the later ones."""

    settings: Settings = field(default_factory=Settings)
    settings_error: str | None = None
    data: SheetData | None = None
    info: dict[str, Any] | None = None
    key: Path | None = None


def run_doctor(setup: Setup) -> Iterator[Step]:
    """Yield the steps in order; a step another depends on stops that one when it fails."""
    state = State()
    try:
        state.settings = load_settings(setup.config)
    except SheetsSyncError as exc:
        state.settings_error = str(exc)
    yield versions()
    from .sheets import LOCAL_SUFFIXES

    path = Path(setup.source)
    if "://" not in setup.source and (path.suffix.lower() in LOCAL_SUFFIXES or path.exists()):
        yield from _local_steps(setup, state)
    else:
        yield from _google_steps(setup, state)
    if state.data is not None:
        yield form_step(state.data, state.settings)
        yield roster_step(state.data, state.settings)
    yield settings_step(state.settings, state.settings_error)
    yield out_step(setup.out_dir)
    if state.settings.email.host:
        yield mail_step(state.settings)


def versions() -> Step:
    """Python and the packages the program runs on."""
    found = []
    for name in PACKAGES:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            return Step(
                False, f"Thiếu gói {name}: cài lại bằng `pip install .` trong thư mục chương trình."
            )
    python = ".".join(map(str, sys.version_info[:3]))
    if sys.version_info[:2] < MIN_PYTHON:
        return Step(False, f"Python {python} quá cũ: cài Python 3.11 trở lên từ python.org.")
    return Step(True, f"Python {python}; " + ", ".join(found))


def _local_steps(setup: Setup, state: State) -> Iterator[Step]:
    """A workbook or CSV on this machine: readable, and writable for `run`."""
    from .sheets import open_source
    from .sheets.localfile import office_lock_files

    path = Path(setup.source)
    try:
        with open_source(setup.source, roster=setup.roster, readonly=True) as backend:
            state.data = backend.read(
                setup.worksheet, state.settings.roster_worksheet, state.settings.headers
            )
    except SheetsSyncError as exc:
        yield Step(False, str(exc))
        return
    yield Step(
        True,
        f"Đọc được tệp {path} (một bản trên máy: trạng thái ghi vào tệp này, không lên Google "
        "Sheets; không cần khóa Google).",
    )
    owners = office_lock_files(path)
    if owners:
        yield Step(
            False, f"Tệp {path} đang mở trong Excel hoặc LibreOffice: đóng tệp trước khi chạy run."
        )
    elif not os.access(path, os.W_OK):
        yield Step(
            False,
            f"Không có quyền ghi tệp {path}: bỏ thuộc tính chỉ đọc (Read-only) "
            "của tệp hoặc chép tệp sang thư mục của mình.",
        )
    else:
        yield Step(True, f"Ghi được tệp {path} (lệnh run ghi trạng thái vào đó).")


def _google_steps(setup: Setup, state: State) -> Iterator[Step]:
    from .sheets.google_auth import account_of

    yield (key := key_step(setup.credentials, state))
    if not key.ok or state.info is None or state.key is None:
        return
    yield (token := token_step(state.key, state.info))
    if not token.ok:
        return
    email = account_of(state.info).client_email
    yield from sharing_steps(setup, state, email)


def key_step(credentials: Path | None, state: State) -> Step:
    """The key file: there, a service-account key (not an OAuth client), kept private."""
    from .sheets.google_auth import CREDENTIALS_ENV, account_of, key_path, load_key

    try:
        path = key_path(credentials)
        kind = _oauth_client_kind(path)
        if kind:
            return Step(
                False,
                (
                    f"Tệp {path} là tệp OAuth client ({kind}, Mã ứng dụng khách OAuth), không phải "
                    "khóa tài khoản dịch vụ: trong Google Cloud, mở IAM và quản trị → "
                    "Tài khoản dịch vụ → Khóa → Thêm khóa → Tạo khóa mới → JSON, rồi dùng tệp đó."
                ),
            )
        warnings: list[str] = []
        info = load_key(path, warnings)
    except SheetsSyncError as exc:
        return Step(False, str(exc))
    state.info, state.key = info, path
    account = account_of(info)
    where = "--credentials" if credentials else CREDENTIALS_ENV
    found = (
        f"Khóa tài khoản dịch vụ {path} (từ {where}): {account.client_email}, "
        f"dự án {account.project_id}."
    )
    # Others able to read the key is advice, as `run` treats it: the later steps still run.
    return Step(True, " ".join([found, *warnings]), advice=bool(warnings))


def _oauth_client_kind(path: Path) -> str | None:
    """Name the OAuth client file (`installed`/`web`) a user may take for the key, else None."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # load_key says what is wrong with it
    if isinstance(data, dict) and "type" not in data:
        return next((kind for kind in ("installed", "web") if kind in data), None)
    return None


def token_step(path: Path, info: dict[str, Any]) -> Step:
    """Ask Google for an access token with the key, as every run does first."""
    from google.auth.exceptions import RefreshError, TransportError
    from google.auth.transport.requests import Request

    from .sheets.google_auth import account_of, explain_refresh, make_credentials

    account = account_of(info)
    try:
        make_credentials(path, info, readonly=False).refresh(Request())  # type: ignore[no-untyped-call]
    except SheetsSyncError as exc:
        return Step(False, str(exc))
    except RefreshError as exc:
        return Step(False, str(explain_refresh(exc, account)))
    except TransportError:
        return Step(
            False,
            "Không kết nối được máy chủ cấp quyền của Google: kiểm tra mạng "
            "(hoặc tường lửa, proxy của cơ quan) rồi chạy lại.",
        )
    return Step(True, f"Google cấp quyền truy cập cho {account.client_email}.")


def sharing_steps(setup: Setup, state: State, email: str) -> Iterator[Step]:
    """Shared with the account at all (it can read), then as Editor (it can write)."""
    from .sheets.google import GoogleBackend

    share = f"bấm Chia sẻ trong Google Sheets, thêm {email} với quyền Người chỉnh sửa (Editor)"
    try:
        backend = GoogleBackend(setup.source, setup.credentials, readonly=False)
        data = backend.read(None, state.settings.roster_worksheet, state.settings.headers)
    except SheetsSyncError as exc:
        yield Step(False, f"{exc} Địa chỉ cần chia sẻ: {email}")
        return
    yield Step(True, f"Bảng tính được chia sẻ với {email}: đọc được.")
    yield editor_step(backend, email, share)
    if setup.worksheet is None and setup.roster is None:
        state.data = data
        return
    from .sheets import RosterBeside

    reader = RosterBeside(backend, setup.roster) if setup.roster else backend
    try:
        state.data = reader.read(
            setup.worksheet, state.settings.roster_worksheet, state.settings.headers
        )
    except SheetsSyncError as exc:
        yield Step(False, str(exc))


def editor_step(backend: Any, email: str, share: str) -> Step:
    """Send a write that changes nothing: allowed to an Editor, refused to a Viewer."""
    from gspread.exceptions import APIError
    from gspread.urls import SPREADSHEET_BATCH_UPDATE_URL

    from .sheets.google_auth import explain_api_error

    token = f"sheets-sync-doctor-{uuid.uuid4().hex}"
    find = {
        "find": token,
        "replacement": token,  # even a cell holding it would keep the same text
        "matchCase": True,
        "matchEntireCell": True,
        "allSheets": True,
    }
    url = SPREADSHEET_BATCH_UPDATE_URL % backend.key
    try:
        backend.http.request("post", url, json={"requests": [{"findReplace": find}]})
    except APIError as err:
        if err.response.status_code == 403:
            return Step(
                False,
                f"{email} chỉ có quyền xem bảng tính, lệnh run không ghi được trạng thái: {share}.",
            )
        return Step(False, str(explain_api_error(err, backend.account, backend.key, writing=True)))
    except SheetsSyncError as exc:
        return Step(False, str(exc))
    return Step(True, f"{email} có quyền Người chỉnh sửa: lệnh run ghi được trạng thái.")


def form_step(data: SheetData, settings: Settings) -> Step:
    """The responses worksheet and which of its questions the program recognizes."""
    header = data.responses.header
    layout = read_layout(header, settings.headers)
    known = set(layout.form_columns()) | set(layout.status.values())
    unknown = [cell_text(c) for i, c in enumerate(header) if i not in known and cell_text(c)]
    where = f"Trang câu trả lời '{data.responses.title}'"
    if layout.missing:
        titles = ", ".join(f"'{t}'" for t in layout.missing)
        extra = f"; các câu hỏi không nhận ra: {_quoted(unknown)}" if unknown else ""
        return Step(
            False,
            f"{where} thiếu câu hỏi {titles}{extra}: sửa tên câu hỏi cho giống, "
            "hoặc thêm tên đang dùng vào [headers] trong sheets-sync.toml.",
        )
    slots = len(layout.staff)
    rows = sum(1 for line in data.responses.rows[1:] if any(cell_text(c) for c in line))
    text = f"{where}: {rows} dòng, nhận ra {len(layout.fields)} câu hỏi chung và {slots} cán bộ"
    if unknown:
        return Step(
            False,
            f"{text}; các câu hỏi không nhận ra (sẽ bị bỏ qua): {_quoted(unknown)}."
            " Nếu cần, thêm tên của chúng vào [headers] trong sheets-sync.toml.",
        )
    return Step(True, text + ".")


def _quoted(titles: list[str]) -> str:
    return ", ".join(f"'{t}'" for t in titles)


def roster_step(data: SheetData, settings: Settings) -> Step:
    """The roster of units expected to answer."""
    keyer = make_unit_keyer(settings.abbreviations, settings.unit_prefixes)
    try:
        roster = load_roster(data.roster, settings, keyer)
    except SheetsSyncError as exc:
        return Step(False, str(exc))
    if roster is None or data.roster is None:
        return Step(
            False,
            f"Không có danh sách đơn vị: thêm trang tính '{settings.roster_worksheet}'"
            " (cột 'Tên đơn vị') vào bảng tính, hoặc dùng --roster TỆP.",
        )
    return Step(True, f"Danh sách đơn vị '{roster.title}': {len(roster.units)} đơn vị.")


def settings_step(settings: Settings, error: str | None) -> Step:
    """The configuration: the deadline and what the documents will say."""
    if error:
        return Step(False, error)
    docs: DocumentSettings = settings.documents
    empty = [
        name
        for name, value in (
            ("superior_body", docs.superior_body),
            ("place", docs.place),
            ("signer_title", docs.signer_title),
        )
        if not value.strip()
    ]
    if empty:
        return Step(
            False,
            f"Cấu hình [documents] để trống {', '.join(empty)}: điền vào "
            "sheets-sync.toml (hoặc chạy sheets-sync init).",
        )
    deadline = settings.deadline.strftime("%d/%m/%Y")
    return Step(
        True,
        f"Cấu hình: hạn nộp trước ngày {deadline}; văn bản của "
        f"{docs.superior_body}, ký tại {docs.place}, {docs.signer_title}.",
    )


def out_step(out_dir: Path) -> Step:
    """The folder for the Word lists can take new files (a temporary one is made and removed)."""
    folder = out_dir
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        return Step(
            False, f"Không tạo được thư mục {out_dir}: {folder} là một tệp; chọn --out khác."
        )
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".sheets-sync-doctor-"):
            pass
    except OSError as exc:
        return Step(
            False,
            f"Không ghi được vào thư mục {folder} ({os_reason(exc)}): chọn --out "
            "khác hoặc cấp quyền ghi.",
        )
    made = "" if folder == out_dir else " (sẽ được tạo khi chạy)"
    return Step(True, f"Ghi được danh sách Word vào {out_dir}{made}.")


def mail_step(settings: Settings) -> Step:
    """The SMTP server of `[email]` takes the login (nothing is sent)."""
    from .mailer import Mailer

    email = settings.email
    where = f"{email.host}:{email.port}"
    try:
        with Mailer.from_settings(email) as mailer:
            mailer.attempts = 1
            mailer.connect()
    except SheetsSyncError as exc:
        return Step(False, str(exc))
    who = f" bằng tài khoản {email.username}" if email.username else ""
    return Step(True, f"Kết nối được máy chủ thư {where}{who}; lệnh notify gửi được thư.")


def report(steps: Iterator[Step], echo: Callable[[str], None]) -> bool:
    """Print each step as it finishes; tell whether all passed."""
    passed = True
    for step in steps:
        echo(step.line())
        passed = passed and step.ok
    return passed
