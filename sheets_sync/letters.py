"""The emails to the units: what each one says, and the message that carries it.

Nothing a respondent typed reaches a header but the unit name in the subject, after every
line break is gone; the recipient is one checked address, given to the server apart from
the headers, so no typed `Bcc:` or second address can add a recipient.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Sequence
from dataclasses import astuple, dataclass
from datetime import date, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from pathlib import Path

from . import mail_texts as texts
from .config import EmailSettings, Settings
from .errors import ConfigError
from .model import RowResult
from .phones import format_phone
from .text import fold, slug

# In the --outbox folder: the .eml files the last dry run wrote, name -> SHA-256 of the bytes.
OUTBOX_INDEX = ".sheets-sync-thu-soan-thu.json"

# One dotted-atom address, ASCII only: anything else is "not an address" and is skipped.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ADDRESS = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})+")
# Python 3.11 drops the space where it folds a long encoded Subject in two; lines up to
# RFC 5322's 998 characters keep each header whole, and every mail program reads them.
POLICY = SMTP.clone(max_line_length=998)
DOCX_TYPE = ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")

# A paragraph, or a bulleted list of lines.
Block = str | list[str]


@dataclass
class Letter:
    """One email before it has a recipient: subject, body blocks, attachment, fingerprint.

    The fingerprint covers what the unit is told (status, issues, its data), not the
    wording around it: a changed contact line does not mail every unit again.
    """

    kind: str
    unit: str
    subject: str
    blocks: list[Block]
    fingerprint: str
    # What the ledger cell says was sent: the status text, or "Đã nhắc nộp".
    ledger_status: str = ""
    attachment: Path | None = None


def valid_address(text: str) -> str | None:
    """Return `text` as one plain address (`a@b.vn`), or None when it is not exactly that."""
    value = text.strip()
    if len(value) > 254 or not _ADDRESS.fullmatch(value):
        return None
    return value


def fingerprint(*parts: object) -> str:
    """A short hash of what a message tells: equal parts, equal fingerprint."""
    data = json.dumps(parts, ensure_ascii=False, default=str).encode()
    return hashlib.sha256(data).hexdigest()[:8]


def result_letter(result: RowResult, settings: Settings, out_dir: Path) -> Letter:
    """Say a unit what its latest submission gave, with its list when it is valid."""
    response, status = result.response, result.status
    status_text = settings.status_texts[status]
    unit = response.unit or "(chưa ghi tên đơn vị)"
    values = _common(settings, unit)
    at = response.submitted_at
    values["submitted"] = at.strftime("%H:%M ngày %d/%m/%Y") if at else "(không rõ)"
    values["file"] = result.file_name or ""
    blocks: list[Block] = [texts.GREETING, texts.RECEIVED, texts.VERDICT[status]]
    if result.issues:
        blocks.append([i.message for i in result.issues])
    if any(i.code == "fanpage_name_convention" for i in result.issues):
        values["expected"] = response.expected_fanpage_name
        blocks.append(texts.EXPECTED_NAME)
    blocks.append(texts.NEXT_STEP[status])
    blocks += [texts.RECORDED, _recorded(result)]
    blocks += _closing(settings.email)
    told: list[object] = [status, [i.message for i in result.issues], response.fanpage_name]
    told += [response.fanpage_url, [list(astuple(s)) for s in response.staff]]
    valid = status in ("ok", "warning") and result.file_name
    return Letter(
        kind="result",
        unit=unit,
        subject=texts.SUBJECT["result"].format(unit=unit, status=status_text),
        blocks=_fill(blocks, values),
        fingerprint=fingerprint("result", response.unit, *told),
        ledger_status=status_text,
        attachment=out_dir / str(result.file_name) if valid else None,
    )


def reminder_letter(unit: str, settings: Settings, today: date) -> Letter:
    """Remind a roster unit that has not answered: the deadline and the form link."""
    values = _common(settings, unit)
    values["today"] = today.strftime("%d/%m/%Y")
    ask = texts.ASK_LATE if today >= settings.deadline else texts.ASK
    blocks: list[Block] = [texts.GREETING, texts.NOT_RECEIVED, ask, texts.ALREADY_SENT]
    blocks += _closing(settings.email)
    return Letter(
        kind="reminder",
        unit=unit,
        subject=texts.SUBJECT["reminder"].format(unit=unit),
        blocks=_fill(blocks, values),
        fingerprint=fingerprint("reminder", unit, today.isoformat()),
        ledger_status=texts.REMINDED,
    )


def _common(settings: Settings, unit: str) -> dict[str, str]:
    email = settings.email
    union = fold(texts.UNION)
    is_union = fold(unit) == union or fold(unit).startswith(union + " ")
    return {
        "unit": unit,
        "union": unit if is_union else f"{texts.UNION} {unit}",
        "sender": email.from_name or texts.DEFAULT_SENDER,
        "deadline": settings.deadline.strftime("%d/%m/%Y"),
        "form_url": email.form_url,
        "contact": email.contact,
    }


def _recorded(result: RowResult) -> list[str]:
    response = result.response
    lines = [
        texts.RECORDED_FANPAGE.format(name=response.fanpage_name or "(trống)"),
        texts.RECORDED_URL.format(url=response.fanpage_url or "(trống)"),
    ]
    for k, staff in enumerate(response.staff, 1):
        phone = format_phone(staff.phone) or "(trống)"
        position = staff.position or "(chưa ghi chức vụ)"
        lines.append(
            texts.RECORDED_STAFF.format(k=k, name=staff.name, position=position, phone=phone)
        )
    return lines


def _closing(email: EmailSettings) -> list[Block]:
    blocks: list[Block] = []
    if email.form_url:
        blocks.append(texts.FORM_LINK)
    if email.contact:
        blocks.append(texts.CONTACT)
    return [*blocks, texts.SIGNATURE, texts.AUTOMATIC]


def _fill(blocks: list[Block], values: dict[str, str]) -> list[Block]:
    """Put the values into the templates; respondents' texts in lists stay as typed."""
    return [b.format(**values) if isinstance(b, str) else list(b) for b in blocks]


def text_body(letter: Letter) -> str:
    """The plain-text part: paragraphs apart, list lines as `- `."""
    parts = [
        b if isinstance(b, str) else "\n".join(f"- {line}" for line in b) for b in letter.blocks
    ]
    return "\n\n".join(parts) + "\n"


def html_body(letter: Letter) -> str:
    """The HTML part: the same blocks, every text escaped."""
    parts = []
    for block in letter.blocks:
        if isinstance(block, str):
            parts.append(f"<p>{html.escape(block).replace(chr(10), '<br>')}</p>")
        else:
            items = "".join(f"<li>{html.escape(line)}</li>" for line in block)
            parts.append(f"<ul>{items}</ul>")
    body = "\n".join(parts)
    return (
        f'<!DOCTYPE html>\n<html lang="vi"><meta charset="utf-8"><body>\n{body}\n</body></html>\n'
    )


def build_message(
    letter: Letter, email: EmailSettings, recipient: str, now: datetime
) -> EmailMessage:
    """The message for one recipient: text and HTML parts, and the list when there is one."""
    message = EmailMessage(policy=POLICY)
    # split() drops every line break a unit name could still carry.
    message["Subject"] = " ".join(letter.subject.split())
    message["From"] = Address(
        display_name=" ".join(email.from_name.split()), addr_spec=email.sender
    )
    message["To"] = Address(addr_spec=recipient)
    if email.reply_to:
        message["Reply-To"] = Address(addr_spec=email.reply_to)
    message["Date"] = format_datetime(now.astimezone())
    message["Message-ID"] = make_msgid(domain=email.sender.rpartition("@")[2] or None)
    message.set_content(text_body(letter), charset="utf-8")
    message.add_alternative(html_body(letter), subtype="html", charset="utf-8")
    if letter.attachment is not None:
        message.add_attachment(
            letter.attachment.read_bytes(),
            maintype=DOCX_TYPE[0],
            subtype=DOCX_TYPE[1],
            filename=letter.attachment.name,
        )
    return message


def require_sender(settings: Settings) -> None:
    """Refuse settings without a valid sender (or with a reply-to that is not an address)."""
    email = settings.email
    if valid_address(email.sender) is None:
        raise ConfigError(
            'Chưa có địa chỉ gửi thư hợp lệ: ghi [email] from = "ten@donvi.vn" (địa chỉ của '
            "tài khoản gửi) vào sheets-sync.toml rồi chạy lại."
        )
    if email.reply_to and valid_address(email.reply_to) is None:
        raise ConfigError(
            f"[email] reply_to = {email.reply_to!r} không phải một địa chỉ email: sửa hoặc bỏ "
            "dòng này trong sheets-sync.toml."
        )


def write_outbox(
    items: Sequence[tuple[Letter, str]], email: EmailSettings, outbox: Path, now: datetime
) -> tuple[list[Path], int]:
    """Write each (letter, recipient) as an .eml file a mail program opens; send nothing.

    The outbox then holds this dry run's messages only: the last dry run's go first (see
    `clear_outbox`; how many is returned with the paths). A file already there that this
    tool did not write keeps its name: the new message takes the next free one. The names
    and contents written go into OUTBOX_INDEX.
    """
    try:
        outbox.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"Không tạo được thư mục {outbox} ({exc.strerror}); chọn --outbox khác."
        ) from None
    cleared = clear_outbox(outbox)
    paths, written = [], {}
    for letter, address in items:
        stem = ("nhac-" if letter.kind == "reminder" else "") + slug(letter.unit)
        name, number = f"{stem}.eml", 1
        while name in written or (outbox / name).exists() or (outbox / name).is_symlink():
            number += 1
            name = f"{stem}-{number}.eml"
        data = build_message(letter, email, address, now).as_bytes()
        path = outbox / name
        path.write_bytes(data)
        written[name] = hashlib.sha256(data).hexdigest()
        paths.append(path)
    (outbox / OUTBOX_INDEX).write_text(json.dumps(written, indent=1), encoding="utf-8")
    return paths, cleared


def clear_outbox(outbox: Path) -> int:
    """Remove the .eml files the last dry run wrote into `outbox`, unless changed since.

    Only the files OUTBOX_INDEX names and that still hold what was written go; every other
    file stays. Returns how many were removed.
    """
    try:
        written = json.loads((outbox / OUTBOX_INDEX).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return 0  # no earlier dry run here (or an index nobody can trust): remove nothing
    removed = 0
    for name, digest in written.items() if isinstance(written, dict) else ():
        path = outbox / str(name)
        if Path(name).name != name or path.suffix != ".eml" or path.is_symlink():
            continue
        try:
            if hashlib.sha256(path.read_bytes()).hexdigest() != digest:
                continue
            path.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise ConfigError(
                f"Không xóa được thư soạn thử cũ {path} ({exc.strerror}): đóng tệp nếu đang "
                "mở rồi chạy lại."
            ) from None
        removed += 1
    return removed
