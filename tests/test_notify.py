"""`notify` against a real SMTP server on 127.0.0.1: results, reminders, ledger, journal."""

from __future__ import annotations

import csv
import io
import json
import ssl
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import docx
import pytest
from aiosmtpd.smtp import AuthResult

from sheets_sync.config import EmailSettings, Settings
from sheets_sync.documents import DocumentMaker
from sheets_sync.errors import MailError
from sheets_sync.mailer import Mailer
from sheets_sync.notify import NotifyOutcome, notify, summary_lines
from sheets_sync.sheets import open_source
from tests.helpers import HEADER, ROSTER, row
from tests.smtp_server import DROP, PASSWORD, USER, Mailbox, SmtpServer, make_certificate

NOW = datetime(2026, 12, 2, 10, 15)
VALID = "cd@example.com"  # row() gives every unit this address; tests set their own
NGOC_LAM, HOA_SUA, BO_DE = (r[1] for r in ROSTER[1:])


def email_settings(**kwargs: Any) -> EmailSettings:
    base = EmailSettings(
        host="127.0.0.1",
        security="none",
        sender=USER,
        from_name="LĐLĐ quận Long Biên",
        reply_to="tuyengiao@example.com",
        form_url="https://forms.gle/abc123",
        contact="Chị Nguyễn Thu Hà, Ban Tuyên giáo, 0984.919.862",
    )
    return replace(base, **kwargs)


def write_csv(path: Path, rows: list[list[Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as stream:
        csv.writer(stream).writerows(rows)
    return path


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as stream:
        return list(csv.reader(stream))


def column(rows: list[list[str]], title: str) -> list[str]:
    col = rows[0].index(title)
    return [r[col] if col < len(r) else "" for r in rows[1:]]


def all_cells(tables: list[Any]) -> list[str]:
    """The text of every cell, nested tables included (the last rows sit beside the signature)."""
    found = []
    for table in tables:
        for table_row in table.rows:
            for cell in table_row.cells:
                found.append(cell.text)
                found.extend(all_cells(cell.tables))
    return found


@pytest.fixture
def book(tmp_path: Path) -> tuple[Path, Path]:
    """Responses: Ngọc Lâm valid, Hoa Sữa with errors; roster: Bồ Đề has not answered."""
    ngoc_lam = row()
    ngoc_lam[1] = "ngoclam@example.com"
    hoa_sua = row(HOA_SUA, name="Fanpage Hoa Sữa", phone="0912 345 67")
    hoa_sua[1] = "hoasua@example.com"
    responses = write_csv(tmp_path / "tra-loi.csv", [HEADER, ngoc_lam, hoa_sua])
    roster_rows = [[*ROSTER[0], "Email"]]
    roster_rows += [[*r, f"{i}@example.com"] for i, r in enumerate(ROSTER[1:])]
    roster_rows[3][2] = "bode@example.com"
    roster = write_csv(tmp_path / "don-vi.csv", roster_rows)
    return responses, roster


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, SmtpServer]]:
    box = Mailbox()
    with SmtpServer(box) as server:
        yield box, server


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHEETS_SYNC_RETRY_SCALE", "0.001")


def run_notify(
    book: tuple[Path, Path],
    server: SmtpServer | None,
    *,
    email: EmailSettings | None = None,
    mailer: Mailer | None = None,
    now: datetime = NOW,
    **kwargs: Any,
) -> NotifyOutcome:
    responses, roster = book
    port = server.port if server is not None else 25
    settings = Settings(email=email or email_settings(port=port))
    dry = kwargs.get("dry_run", False)
    if mailer is None and server is not None:
        mailer = Mailer("127.0.0.1", server.port, "none")
    out = responses.parent / "danh-sach"
    maker = DocumentMaker(settings.documents)
    with open_source(str(responses), roster=roster, readonly=dry) as backend:
        return notify(
            backend,
            settings,
            None,
            out,
            maker,
            remind=kwargs.pop("remind", False),
            mailer=mailer,
            now=now,
            **kwargs,
        )


def test_starttls_and_auth_each_unit_hears_its_result_once(
    book: tuple[Path, Path], tmp_path: Path
) -> None:
    box = Mailbox()
    cert, key = make_certificate(tmp_path)
    with SmtpServer(box, (cert, key)) as server:
        context = ssl.create_default_context(cafile=str(cert))
        mailer = Mailer("127.0.0.1", server.port, "starttls", USER, PASSWORD, ssl_context=context)
        outcome = run_notify(book, server, mailer=mailer)
        assert [o.letter.unit for o in outcome.sent] == [NGOC_LAM, HOA_SUA]
        assert [r.recipients for r in box.received] == [
            ["ngoclam@example.com"],
            ["hoasua@example.com"],
        ]
        assert all(r.logged_in and r.sender == USER for r in box.received)
        again = run_notify(
            book,
            server,
            mailer=Mailer(
                "127.0.0.1", server.port, "starttls", USER, PASSWORD, ssl_context=context
            ),
        )
    assert again.sent == [] and again.unchanged == 2
    assert len(box.received) == 2
    valid = box.received[0].message
    assert valid["Subject"] == f"Kết quả kiểm tra danh sách Fanpage: {NGOC_LAM} — Hợp lệ"
    assert valid["From"] == f"LĐLĐ quận Long Biên <{USER}>"
    assert valid["To"] == "ngoclam@example.com"
    assert valid["Reply-To"] == "tuyengiao@example.com"
    text = valid.get_body(("plain",)).get_content()
    assert f"Kính gửi: Ban Chấp hành Công đoàn {NGOC_LAM}." in text
    assert "Kết quả: Hợp lệ." in text
    assert "trước ngày 05/02/2024" in text
    assert "Liên hệ: Chị Nguyễn Thu Hà, Ban Tuyên giáo, 0984.919.862" in text
    assert (
        "Cán bộ phụ trách 1: Nguyễn Thị Thu Hà, Chủ tịch Công đoàn, điện thoại 0984.919.862" in text
    )
    html = valid.get_body(("html",)).get_content()
    assert "<li>Cán bộ phụ trách 1: Nguyễn Thị Thu Hà" in html
    (attachment,) = list(valid.iter_attachments())
    assert attachment.get_filename() == "truong-thcs-ngoc-lam.docx"
    document = docx.Document(io.BytesIO(attachment.get_content()))
    cells = all_cells(document.tables)
    assert NGOC_LAM in cells and "Nguyễn Thị Thu Hà" in cells and "0984.919.862" in cells
    assert (
        attachment.get_content()
        == (tmp_path / "danh-sach" / "truong-thcs-ngoc-lam.docx").read_bytes()
    )
    wrong = box.received[1].message
    assert wrong["Subject"] == f"Kết quả kiểm tra danh sách Fanpage: {HOA_SUA} — Cần sửa"
    assert list(wrong.iter_attachments()) == []
    body = wrong.get_body(("plain",)).get_content()
    assert "- Số điện thoại của cán bộ 1 (Nguyễn Thị Thu Hà) không hợp lệ: 0912 345 67" in body
    assert f"Tên Fanpage đề nghị: Công đoàn _ {HOA_SUA}" in body
    assert "Biểu mẫu: https://forms.gle/abc123" in body
    ledger = column(read_csv(book[0]), "Đã báo qua email")
    assert ledger[0].startswith("02/12/2026 10:15 — Hợp lệ (mã ")
    assert ledger[1].startswith("02/12/2026 10:15 — Cần sửa (mã ")


def test_implicit_tls_on_port_465_style(book: tuple[Path, Path], tmp_path: Path) -> None:
    box = Mailbox()
    cert, key = make_certificate(tmp_path)
    with SmtpServer(box, (cert, key), implicit_tls=True) as server:
        context = ssl.create_default_context(cafile=str(cert))
        mailer = Mailer("127.0.0.1", server.port, "ssl", USER, PASSWORD, ssl_context=context)
        outcome = run_notify(book, server, mailer=mailer)
    assert len(outcome.sent) == 2 and [r.logged_in for r in box.received] == [True, True]


def test_an_untrusted_certificate_stops_with_one_line(
    book: tuple[Path, Path], tmp_path: Path
) -> None:
    box = Mailbox()
    with SmtpServer(box, make_certificate(tmp_path)) as server:
        mailer = Mailer("127.0.0.1", server.port, "starttls", USER, PASSWORD)
        with pytest.raises(MailError, match="Không lập được kết nối mã hóa tới máy chủ thư"):
            run_notify(book, server, mailer=mailer)
    assert box.received == []


def test_a_wrong_password_stops_before_any_message(book: tuple[Path, Path], tmp_path: Path) -> None:
    box = Mailbox()
    cert, key = make_certificate(tmp_path)
    with SmtpServer(box, (cert, key)) as server:
        context = ssl.create_default_context(cafile=str(cert))
        mailer = Mailer("127.0.0.1", server.port, "starttls", USER, "sai", ssl_context=context)
        with pytest.raises(MailError) as caught:
            run_notify(book, server, mailer=mailer)
    message = str(caught.value)
    assert "từ chối đăng nhập (535)" in message and "mật khẩu ứng dụng (app password)" in message
    assert "sai" not in message.split()
    assert box.received == []
    assert not (tmp_path / "nhat-ky-email.jsonl").exists()
    assert "Đã báo qua email" not in read_csv(book[0])[0]


VIETNAMESE_PASSWORD = "Mật khẩu Đoàn 2026"


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_a_password_with_accents_logs_in_as_utf8(
    book: tuple[Path, Path], tmp_path: Path, mechanism: str
) -> None:
    box = Mailbox()
    cert, key = make_certificate(tmp_path)
    with SmtpServer(
        box, (cert, key), password=VIETNAMESE_PASSWORD, mechanisms=(mechanism,)
    ) as server:
        context = ssl.create_default_context(cafile=str(cert))
        mailer = Mailer(
            "127.0.0.1", server.port, "starttls", USER, VIETNAMESE_PASSWORD, ssl_context=context
        )
        outcome = run_notify(book, server, mailer=mailer)
    assert len(outcome.sent) == 2 and [r.logged_in for r in box.received] == [True, True]


class CramOnly(Mailbox):
    """A server whose only login is CRAM-MD5, which never succeeds here."""

    async def auth_CRAM__MD5(self, server: Any, args: list[str]) -> AuthResult:
        return AuthResult(success=False)


def test_a_password_with_accents_the_server_cannot_take_stops_with_one_line(
    book: tuple[Path, Path], tmp_path: Path
) -> None:
    box = CramOnly()
    cert, key = make_certificate(tmp_path)
    with SmtpServer(box, (cert, key), mechanisms=("CRAM-MD5",)) as server:
        context = ssl.create_default_context(cafile=str(cert))
        mailer = Mailer(
            "127.0.0.1", server.port, "starttls", USER, VIETNAMESE_PASSWORD, ssl_context=context
        )
        with pytest.raises(MailError) as caught:
            run_notify(book, server, mailer=mailer)
    assert str(caught.value) == (
        f"Máy chủ thư 127.0.0.1:{server.port} không nhận tên đăng nhập hoặc mật khẩu có chữ có "
        "dấu (chỉ nhận đăng nhập kiểu CRAM-MD5): đổi mật khẩu chỉ gồm chữ không dấu, số và ký "
        "hiệu, rồi đặt lại biến môi trường SHEETS_SYNC_SMTP_PASSWORD."
    )
    assert box.received == []


def test_a_refused_recipient_is_recorded_and_tried_again_next_run(
    book: tuple[Path, Path], mailbox: tuple[Mailbox, SmtpServer]
) -> None:
    box, server = mailbox
    box.refuse.add("ngoclam@example.com")
    outcome = run_notify(book, server)
    assert [o.letter.unit for o in outcome.sent] == [HOA_SUA]
    assert [o.letter.unit for o, _ in outcome.refused] == [NGOC_LAM]
    assert (
        f"Không gửi được cho {NGOC_LAM}: máy chủ thư từ chối (550 5.1.1 Hộp thư không tồn tại); "
        "sẽ thử lại lần chạy sau."
    ) in summary_lines(outcome)
    ledger = column(read_csv(book[0]), "Đã báo qua email")
    assert ledger[0] == (
        "02/12/2026 10:15 — Không gửi được: máy chủ thư từ chối (550 5.1.1 Hộp thư không tồn tại)"
    )
    box.refuse.clear()
    later = run_notify(book, server, now=NOW + timedelta(hours=1))
    assert [o.letter.unit for o in later.sent] == [NGOC_LAM]
    assert [len(box.to(a)) for a in ("ngoclam@example.com", "hoasua@example.com")] == [1, 1]
    assert column(read_csv(book[0]), "Đã báo qua email")[0].startswith("02/12/2026 11:15 — Hợp lệ")


@pytest.mark.parametrize(
    "script",
    [
        {"ngoclam@example.com": ["451 4.3.0 Thử lại sau", "421 4.7.0 Máy chủ bận"]},
        {"DATA": ["451 4.3.0 Thử lại sau"]},
        {"ngoclam@example.com": [DROP]},
        {"MAIL": [DROP, "421 4.7.0 Máy chủ bận"]},
    ],
    ids=["rcpt-451-421", "data-451", "dropped-at-rcpt", "dropped-at-mail"],
)
def test_temporary_failures_and_drops_are_retried(
    book: tuple[Path, Path], mailbox: tuple[Mailbox, SmtpServer], script: dict[str, list[str]]
) -> None:
    box, server = mailbox
    box.script = script
    outcome = run_notify(book, server)
    assert outcome.refused == [] and len(outcome.sent) == 2
    assert [len(box.to(a)) for a in ("ngoclam@example.com", "hoasua@example.com")] == [1, 1]
    assert all(not replies for replies in box.script.values())


def test_a_drop_after_the_whole_message_is_never_sent_again(
    book: tuple[Path, Path], mailbox: tuple[Mailbox, SmtpServer]
) -> None:
    """No answer to the end of DATA: the server may have taken it, so it counts as sent."""
    box, server = mailbox
    box.script = {"DATA": [DROP]}
    outcome = run_notify(book, server)
    assert [o.letter.unit for o in outcome.uncertain] == [NGOC_LAM]
    assert [o.letter.unit for o in outcome.sent] == [HOA_SUA]
    assert (
        "1 thư mất kết nối ngay sau khi gửi: có thể đã tới, được coi là đã gửi và không gửi lại."
    ) in summary_lines(outcome)
    assert column(read_csv(book[0]), "Đã báo qua email")[0].startswith("02/12/2026 10:15 — Hợp lệ")
    again = run_notify(book, server, now=NOW + timedelta(hours=1))
    assert again.sent == [] and again.unchanged == 2


def test_a_failure_that_outlasts_the_retries_is_a_refusal(
    book: tuple[Path, Path], mailbox: tuple[Mailbox, SmtpServer]
) -> None:
    box, server = mailbox
    box.script = {"hoasua@example.com": ["451 4.3.0 Thử lại sau"] * 10}
    outcome = run_notify(book, server)
    assert [o.letter.unit for o, _ in outcome.refused] == [HOA_SUA]
    assert len(box.script["hoasua@example.com"]) == 6  # four attempts, then the run went on
    assert [len(box.to(a)) for a in ("ngoclam@example.com", "hoasua@example.com")] == [1, 0]


def test_no_server_stops_with_one_line(book: tuple[Path, Path]) -> None:
    from tests.smtp_server import free_port

    port = free_port()
    with pytest.raises(MailError, match=r"^Không kết nối được máy chủ thư sau 4 lần thử"):
        run_notify(book, None, mailer=Mailer("127.0.0.1", port, "none"))


def test_what_is_told_again_only_when_it_changes(
    book: tuple[Path, Path], mailbox: tuple[Mailbox, SmtpServer]
) -> None:
    box, server = mailbox
    run_notify(book, server)
    responses, _ = book
    rows = read_csv(responses)
    fixed = row(HOA_SUA, at="31/01/2024 09:00:00")
    fixed[1] = "hoasua@example.com"
    write_csv(responses, [*rows, fixed])
    outcome = run_notify(book, server, now=NOW + timedelta(days=1))
    assert [o.letter.unit for o in outcome.sent] == [HOA_SUA]
    assert box.to("hoasua@example.com")[-1].message["Subject"].endswith("— Hợp lệ")
    ledger = column(read_csv(responses), "Đã báo qua email")
    assert ledger[1].startswith("02/12/2026 10:15 — Cần sửa")  # the superseded row keeps its own
    assert ledger[2].startswith("03/12/2026 10:15 — Hợp lệ")
    assert run_notify(book, server, now=NOW + timedelta(days=2)).sent == []
    assert len(box.received) == 3


def test_rows_without_an_address_are_skipped_and_counted(
    book: tuple[Path, Path], mailbox: tuple[Mailbox, SmtpServer]
) -> None:
    box, server = mailbox
    responses, _ = book
    rows = read_csv(responses)
    rows[1][1] = ""
    rows[2][1] = "hoasua@example"
    write_csv(responses, rows)
    outcome = run_notify(book, server)
    assert outcome.sent == [] and box.received == []
    assert summary_lines(outcome) == [
        "Đã gửi 0 thư báo kết quả và 0 thư nhắc nộp.",
        f"Bỏ qua 2 đơn vị không có địa chỉ email hợp lệ: {NGOC_LAM}, {HOA_SUA}.",
        "Đã ghi 2 ô vào cột 'Đã báo qua email'/'Đã nhắc qua email'.",
    ]
    assert (
        column(read_csv(responses), "Đã báo qua email")
        == ["Không gửi: chưa có địa chỉ email hợp lệ"] * 2
    )


def test_nothing_typed_adds_a_header_or_a_recipient(
    book: tuple[Path, Path], mailbox: tuple[Mailbox, SmtpServer]
) -> None:
    box, server = mailbox
    responses, _ = book
    typed = "Trường Tiểu học Mới\r\nBcc: evil@example.com\nX-Evil: 1"
    evil = row(typed, name="Fanpage\nBcc: evil@example.com")
    evil[1] = "moi@example.com"
    evil[5] = "Nguyễn Văn A\r\nCc: evil@example.com"
    two = row(HOA_SUA)
    two[1] = "hoasua@example.com, evil@example.com"
    three = row(BO_DE)
    three[1] = "bode@example.com\r\nBcc: evil@example.com"
    write_csv(responses, [HEADER, evil, two, three])
    outcome = run_notify(book, server)
    assert [o.letter.unit for o in outcome.no_address] == [HOA_SUA, BO_DE]
    assert [r.recipients for r in box.received] == [["moi@example.com"]]
    head = box.received[0].data.split(b"\r\n\r\n")[0]
    assert b"evil" not in head and b"X-Evil" not in head
    message = box.received[0].message
    assert message["Subject"] == (
        "Kết quả kiểm tra danh sách Fanpage: Trường Tiểu học Mới Bcc: evil@example.com "
        "X-Evil: 1 — Hợp lệ, cần lưu ý"
    )
    assert message["Bcc"] is None and message["Cc"] is None and message["X-Evil"] is None
    assert sorted(set(message.keys())) == [
        "Content-Type", "Date", "From", "MIME-Version", "Message-ID", "Reply-To", "Subject", "To"
    ]  # fmt: skip


def test_dry_run_writes_eml_files_and_nothing_else(book: tuple[Path, Path], tmp_path: Path) -> None:
    responses, roster = book
    before = responses.read_bytes(), roster.read_bytes()
    outbox = tmp_path / "thu-gui"
    outcome = run_notify(book, None, dry_run=True, outbox=outbox, remind=True)
    assert (responses.read_bytes(), roster.read_bytes()) == before
    assert not (tmp_path / "nhat-ky-email.jsonl").exists()
    assert sorted(p.name for p in outbox.iterdir()) == [
        ".sheets-sync-thu-soan-thu.json",
        "nhac-ubnd-phuong-bo-de.eml",
        "truong-mam-non-hoa-sua.eml",
        "truong-thcs-ngoc-lam.eml",
    ]
    assert summary_lines(outcome, outbox)[0] == (
        f"Chạy thử: đã soạn 3 thư vào thư mục {outbox}/ để mở xem; chưa gửi thư nào, "
        "chưa ghi gì vào bảng tính."
    )
    import email
    from email.policy import default

    reminder = email.message_from_bytes(
        (outbox / "nhac-ubnd-phuong-bo-de.eml").read_bytes(), policy=default
    )
    assert reminder["To"] == "bode@example.com"
    assert reminder["Subject"] == f"Nhắc nộp danh sách Fanpage: {BO_DE}"
    text = reminder.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Đến 02/12/2026, LĐLĐ quận Long Biên chưa nhận được danh sách" in text
    assert "Hạn nộp (trước ngày 05/02/2024) đã qua" in text


def test_a_dry_run_outbox_holds_only_its_own_messages(
    book: tuple[Path, Path], tmp_path: Path
) -> None:
    outbox = tmp_path / "thu-gui"
    run_notify(book, None, dry_run=True, outbox=outbox, remind=True)
    edited = outbox / "nhac-ubnd-phuong-bo-de.eml"
    edited.write_bytes(edited.read_bytes() + b"Ghi chu cua can bo.\r\n")
    (outbox / "ghi-chu.txt").write_text("của cán bộ", encoding="utf-8")
    (outbox / "thu-mau.eml").write_bytes(b"Subject: mau\r\n\r\n")
    for sheet in book:  # the unit is gone from the responses and from the roster
        write_csv(sheet, [r for r in read_csv(sheet) if HOA_SUA not in r])
    outcome = run_notify(book, None, dry_run=True, outbox=outbox, remind=True)
    assert sorted(p.name for p in outbox.glob("*.eml")) == [
        "nhac-ubnd-phuong-bo-de-2.eml",
        "nhac-ubnd-phuong-bo-de.eml",
        "thu-mau.eml",
        "truong-thcs-ngoc-lam.eml",
    ]
    assert edited.read_bytes().endswith(b"Ghi chu cua can bo.\r\n")
    assert (outbox / "ghi-chu.txt").read_text(encoding="utf-8") == "của cán bộ"
    assert [p.name for p in outcome.outbox] == [
        "truong-thcs-ngoc-lam.eml",
        "nhac-ubnd-phuong-bo-de-2.eml",
    ]
    assert summary_lines(outcome, outbox)[1] == (
        f"Đã xóa 2 thư soạn thử của lần chạy thử trước khỏi {outbox}/: thư mục chỉ còn thư "
        "của lần này."
    )
    third = run_notify(book, None, dry_run=True, outbox=outbox, remind=True)
    assert third.outbox_cleared == 2 and len(list(outbox.glob("*.eml"))) == 4


def test_a_dry_run_refuses_an_outbox_that_is_a_link(
    book: tuple[Path, Path], tmp_path: Path
) -> None:
    from sheets_sync.errors import SourceError

    target = tmp_path / "noi-khac"
    target.mkdir()
    link = tmp_path / "lnk"
    link.symlink_to(target)
    with pytest.raises(SourceError) as caught:
        run_notify(book, None, dry_run=True, outbox=link)
    assert str(caught.value) == (
        f"--outbox {link} là một liên kết tới {target}: hãy ghi thẳng đường dẫn thư mục thật. "
        "Chưa ghi gì."
    )
    assert list(target.iterdir()) == [] and not (tmp_path / "danh-sach").exists()


def test_reminders_go_once_a_day(
    book: tuple[Path, Path], mailbox: tuple[Mailbox, SmtpServer]
) -> None:
    box, server = mailbox
    first = run_notify(book, server, remind=True)
    assert [o.letter.unit for o in first.sent] == [NGOC_LAM, HOA_SUA, BO_DE]
    again = run_notify(book, server, remind=True, now=NOW + timedelta(hours=3))
    assert again.sent == []
    assert summary_lines(again)[1:3] == [
        "2 đơn vị đã được báo đúng nội dung này: không gửi lại.",
        "1 đơn vị đã được nhắc hôm nay: không nhắc lại.",
    ]
    next_day = run_notify(book, server, remind=True, now=NOW + timedelta(days=1))
    assert [o.letter.unit for o in next_day.sent] == [BO_DE]
    assert [r.message["Subject"] for r in box.to("bode@example.com")] == [
        f"Nhắc nộp danh sách Fanpage: {BO_DE}"
    ] * 2
    reminded = column(read_csv(book[1]), "Đã nhắc qua email")
    assert reminded[:2] == ["", ""] and reminded[2].startswith(
        "03/12/2026 10:15 — Đã nhắc nộp (mã "
    )


def test_at_most_max_per_run(book: tuple[Path, Path], mailbox: tuple[Mailbox, SmtpServer]) -> None:
    box, server = mailbox
    email = email_settings(port=server.port, max_per_run=1)
    first = run_notify(book, server, email=email)
    assert (len(first.sent), first.deferred) == (1, 1)
    assert "Còn 1 thư để lần chạy sau" in summary_lines(first)[-2]
    second = run_notify(book, server, email=email)
    assert (len(second.sent), second.deferred, second.unchanged) == (1, 0, 1)
    assert len(box.received) == 2


def test_an_unconfirmed_message_counts_as_sent(
    book: tuple[Path, Path], mailbox: tuple[Mailbox, SmtpServer], tmp_path: Path
) -> None:
    """The journal says `sending` and nothing more: a killed run; the sheet was never told."""
    box, server = mailbox
    run_notify(book, server, dry_run=True, outbox=tmp_path / "thu-gui")
    journal = tmp_path / "nhat-ky-email.jsonl"
    dry = run_notify(book, server, dry_run=True, outbox=tmp_path / "thu-gui")
    ngoc_lam = next(o for o in dry.outbox if o.name.startswith("truong-thcs"))
    assert ngoc_lam.exists()
    record = {
        "kind": "result",
        "key": "",
        "unit": NGOC_LAM,
        "fingerprint": "",
        "state": "sending",
        "at": "2026-12-02T10:00:00",
        "ledger": "02/12/2026 10:00 — Hợp lệ (mã 00000000)",
    }
    # The key and fingerprint the real run would use, taken from a plan of this sheet.
    from sheets_sync.notify import plan

    with open_source(str(book[0]), roster=book[1]) as backend:
        from sheets_sync.pipeline import decide_all

        checked = decide_all(backend.read(None, "Danh sách đơn vị"), Settings())
    first = plan(checked, Settings(), tmp_path, remind=False, today=NOW.date())[0]
    record |= {"key": first.entry.key, "fingerprint": first.entry.fingerprint}
    record["ledger"] = f"02/12/2026 10:00 — Hợp lệ (mã {first.entry.fingerprint})"
    journal.write_text(json.dumps(record, ensure_ascii=False) + '\n{"torn', encoding="utf-8")
    outcome = run_notify(book, server)
    assert [o.letter.unit for o in outcome.sent] == [HOA_SUA]
    assert box.to("ngoclam@example.com") == []
    assert column(read_csv(book[0]), "Đã báo qua email")[0] == record["ledger"]
    lines = journal.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["state"] for line in lines[2:]] == ["sending", "sent"]


def test_a_form_without_emails_and_a_roster_without_them_are_explained(
    book: tuple[Path, Path], mailbox: tuple[Mailbox, SmtpServer]
) -> None:
    box, server = mailbox
    responses, roster = book
    write_csv(responses, [[c for i, c in enumerate(r) if i != 1] for r in read_csv(responses)])
    write_csv(roster, [r[:2] for r in read_csv(roster)])
    outcome = run_notify(book, server, remind=True)
    assert box.received == []
    assert [o.entry.kind for o in outcome.no_address] == ["result", "result"]
    assert summary_lines(outcome)[2:4] == [
        "Trang câu trả lời không có cột 'Địa chỉ email': trong Google Forms, bật "
        "Cài đặt > Câu trả lời > Thu thập địa chỉ email.",
        "Không nhắc được đơn vị nào: cần danh sách đơn vị (trang 'Danh sách đơn vị' hoặc "
        "--roster) có cột 'Email'.",
    ]


def test_a_reply_to_that_is_not_an_address_is_refused(book: tuple[Path, Path]) -> None:
    from sheets_sync.errors import ConfigError

    email = email_settings(reply_to="Ban Tuyên giáo")
    with pytest.raises(ConfigError, match="reply_to = 'Ban Tuyên giáo' không phải một địa chỉ"):
        run_notify(book, None, email=email, dry_run=True)


def test_two_runs_never_send_at_once(
    book: tuple[Path, Path], mailbox: tuple[Mailbox, SmtpServer], tmp_path: Path
) -> None:
    from sheets_sync.errors import LockedError
    from sheets_sync.sheets.localfile import locked

    box, server = mailbox
    busy = r"nhat-ky-email\.jsonl đang được một lần chạy khác"
    with (
        locked(tmp_path / "nhat-ky-email.jsonl", writing=False),
        pytest.raises(LockedError, match=busy),
    ):
        run_notify(book, server)
    assert box.received == []


class Offline:
    """A backend whose writes fail, as Google does when the network goes."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def read(self, worksheet: str | None, roster_worksheet: str) -> Any:
        return self.inner.read(worksheet, roster_worksheet)

    def write(self, writes: Any, read: Any) -> None:
        from sheets_sync.errors import SourceError

        raise SourceError("Mất mạng khi ghi bảng tính.")


def test_a_failed_ledger_write_says_the_mail_is_in_the_journal(
    book: tuple[Path, Path], mailbox: tuple[Mailbox, SmtpServer], tmp_path: Path
) -> None:
    from sheets_sync.errors import SourceError

    box, server = mailbox
    responses, roster = book
    settings = Settings(email=email_settings(port=server.port))
    maker = DocumentMaker(settings.documents)
    mailer = Mailer("127.0.0.1", server.port, "none")
    out = tmp_path / "danh-sach"
    with (
        open_source(str(responses), roster=roster, readonly=False) as backend,
        pytest.raises(SourceError) as caught,
    ):
        notify(Offline(backend), settings, None, out, maker, remind=False, mailer=mailer, now=NOW)
    journal = tmp_path / "nhat-ky-email.jsonl"
    assert str(caught.value) == (
        f"Mất mạng khi ghi bảng tính. Thư đã gửi được ghi trong {journal}: "
        "lần chạy sau không gửi lại và ghi bù vào bảng tính."
    )
    assert len(box.received) == 2
    again = run_notify(book, server, now=NOW + timedelta(hours=1))
    assert again.sent == [] and again.unchanged == 2 and len(box.received) == 2
    ledger = column(read_csv(responses), "Đã báo qua email")
    assert [c[:29] for c in ledger] == [
        "02/12/2026 10:15 — Hợp lệ (mã",
        "02/12/2026 10:15 — Cần sửa (m",
    ]


def test_without_a_maker_the_lists_must_already_be_there(
    book: tuple[Path, Path], mailbox: tuple[Mailbox, SmtpServer], tmp_path: Path
) -> None:
    from sheets_sync.errors import SourceError

    box, server = mailbox
    responses, roster = book
    settings = Settings(email=email_settings(port=server.port))
    missing = r"Chưa có danh sách Word .*truong-thcs-ngoc-lam\.docx"
    with (
        open_source(str(responses), roster=roster, readonly=False) as backend,
        pytest.raises(SourceError, match=missing),
    ):
        notify(backend, settings, None, tmp_path / "danh-sach", None, remind=False, now=NOW)
    assert box.received == [] and not (tmp_path / "nhat-ky-email.jsonl").exists()


def test_a_refused_sender_stops_the_run_and_nothing_counts_as_sent(
    book: tuple[Path, Path], mailbox: tuple[Mailbox, SmtpServer]
) -> None:
    box, server = mailbox
    box.script = {"MAIL": ["553 5.7.1 Địa chỉ gửi không thuộc tài khoản"]}
    with pytest.raises(MailError, match=r"từ chối địa chỉ gửi \(553 5\.7\.1"):
        run_notify(book, server)
    assert box.received == []
    assert column(read_csv(book[0]), "Đã báo qua email")[0] == (
        "02/12/2026 10:15 — Không gửi được: máy chủ thư ngừng nhận (xem thông báo lỗi của lần chạy)"
    )
    later = run_notify(book, server, now=NOW + timedelta(hours=1))
    assert len(later.sent) == 2 and len(box.received) == 2


@pytest.mark.parametrize(
    ("unit", "greeting"),
    [
        ("Trường THCS Ngọc Lâm", "Kính gửi: Ban Chấp hành Công đoàn Trường THCS Ngọc Lâm."),
        ("Công đoàn Công ty Điện lực", "Kính gửi: Ban Chấp hành Công đoàn Công ty Điện lực."),
        (
            "Công Doanh nghiệp Tư nhân",
            "Kính gửi: Ban Chấp hành Công đoàn Công Doanh nghiệp Tư nhân.",
        ),
    ],
)
def test_the_greeting_names_the_union_once(unit: str, greeting: str) -> None:
    from sheets_sync.letters import reminder_letter, text_body

    letter = reminder_letter(unit, Settings(), NOW.date())
    assert text_body(letter).startswith(greeting + "\n\n")


def test_a_server_that_wants_a_login_says_so(
    book: tuple[Path, Path], mailbox: tuple[Mailbox, SmtpServer]
) -> None:
    box, server = mailbox
    box.script = {"MAIL": ["530 5.7.0 Authentication required"]}
    with pytest.raises(MailError, match=r"^Máy chủ thư đòi đăng nhập \(530 5\.7\.0"):
        run_notify(book, server)
    assert box.received == []


def test_the_example_workbook_each_unit_once(
    tmp_path: Path, mailbox: tuple[Mailbox, SmtpServer]
) -> None:
    import shutil

    from openpyxl import load_workbook

    box, server = mailbox
    workbook = tmp_path / "form-responses.xlsx"
    shutil.copy(Path(__file__).parent.parent / "examples" / "form-responses.xlsx", workbook)
    settings = Settings(email=email_settings(port=server.port))
    for hours in (0, 1):
        with open_source(str(workbook), readonly=False) as backend:
            outcome = notify(
                backend, settings, None, tmp_path / "danh-sach", DocumentMaker(settings.documents),
                remind=True, mailer=Mailer("127.0.0.1", server.port, "none"),
                now=NOW + timedelta(hours=hours),
            )  # fmt: skip
        assert len(outcome.sent) == (30 if hours == 0 else 0)
    recipients = [a for r in box.received for a in r.recipients]
    assert len(recipients) == len(set(recipients)) == 30
    sheet = load_workbook(workbook).worksheets[0]
    header = [c.value for c in sheet[1]]
    ledger = [r[header.index("Đã báo qua email")].value for r in sheet.iter_rows(min_row=2)]
    assert sum(1 for c in ledger if c and c.startswith("02/12/2026 10:15 — ")) == 30


def test_a_list_no_valid_submission_backs_moves_to_cu_as_run_moves_it(
    book: tuple[Path, Path], mailbox: tuple[Mailbox, SmtpServer]
) -> None:
    _, server = mailbox
    responses = book[0]
    out = responses.parent / "danh-sach"
    run_notify(book, server)
    assert (out / "truong-thcs-ngoc-lam.docx").is_file()
    rows = read_csv(responses)
    fixed = row(at="31/01/2024 09:00:00", phone="0912 345 67")
    fixed[1] = "ngoclam@example.com"
    write_csv(responses, [*rows, fixed])
    outcome = run_notify(book, server, now=NOW + timedelta(hours=1))
    assert [o.letter.unit for o in outcome.sent] == [NGOC_LAM]
    assert outcome.sent[0].letter.attachment is None
    assert not (out / "truong-thcs-ngoc-lam.docx").exists()
    assert (out / "cu" / "truong-thcs-ngoc-lam.docx").is_file()
    assert (
        f"Đã chuyển 1 danh sách cũ không còn lần gửi hợp lệ vào {out}/cu/: "
        "truong-thcs-ngoc-lam.docx."
    ) in summary_lines(outcome)
