"""The SMTP edge: one small class around smtplib; tests hand it a server on 127.0.0.1."""

from __future__ import annotations

import base64
import os
import re
import smtplib
import ssl
import time
from collections.abc import Callable
from email.message import EmailMessage
from types import TracebackType

from .config import EmailSettings
from .errors import MailError

PASSWORD_VARIABLE = "SHEETS_SYNC_SMTP_PASSWORD"
AUTH_FIX = (
    "kiểm tra [email] username và biến môi trường SHEETS_SYNC_SMTP_PASSWORD; với Gmail cần bật "
    "xác minh 2 bước rồi tạo mật khẩu ứng dụng (app password) và dùng mật khẩu đó, không dùng "
    "mật khẩu đăng nhập Gmail."
)
ACCENTED_LOGIN = (
    "Máy chủ thư {where} không nhận tên đăng nhập hoặc mật khẩu có chữ có dấu (chỉ nhận "
    "đăng nhập kiểu CRAM-MD5): đổi mật khẩu chỉ gồm chữ không dấu, số và ký hiệu, rồi đặt lại "
    f"biến môi trường {PASSWORD_VARIABLE}."
)


class _Reply(Exception):
    """An SMTP reply code and text that ended the attempt."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(f"{code} {reason}")
        self.code = code
        self.reason = reason


class Refused(_Reply):
    """The server would not take this message (a 5xx, or a 4xx still there after retries)."""


class Uncertain(Exception):
    """The message went out whole but no answer came back: it may have been delivered."""


class _Temporary(_Reply):
    """A 4xx reply or a dropped connection before the message was complete: try again."""


class _NoConnection(_Temporary):
    """The server could not be reached or dropped the connection while greeting."""


class Mailer:
    """Send messages one by one over one SMTP connection, reconnecting when it drops."""

    def __init__(
        self,
        host: str,
        port: int,
        security: str,
        username: str = "",
        password: str = "",
        *,
        ssl_context: ssl.SSLContext | None = None,
        timeout: float = 30.0,
        attempts: int = 4,
        delay: float = 2.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.host, self.port, self.security = host, port, security
        self.username = username
        self._password = password
        self.ssl_context = ssl_context
        self.timeout = timeout
        self.attempts = attempts
        self.delay = delay * float(os.environ.get("SHEETS_SYNC_RETRY_SCALE", "1"))
        self.sleep = sleep
        self._smtp: smtplib.SMTP | None = None

    @classmethod
    def from_settings(cls, settings: EmailSettings) -> Mailer:
        """Build the mailer of `[email]`, the password from SHEETS_SYNC_SMTP_PASSWORD."""
        if not settings.host:
            raise MailError(
                'Chưa có máy chủ thư: ghi [email] host (ví dụ "smtp.gmail.com") vào '
                "sheets-sync.toml, hoặc dùng --dry-run để chỉ soạn thư."
            )
        password = os.environ.get(PASSWORD_VARIABLE, "")
        if settings.username and not password:
            raise MailError(
                f"Chưa có mật khẩu thư cho {settings.username}: đặt biến môi trường "
                f"{PASSWORD_VARIABLE} (mật khẩu ứng dụng với Gmail) rồi chạy lại."
            )
        return cls(settings.host, settings.port, settings.security, settings.username, password)

    def __repr__(self) -> str:
        # Never shows the password, whatever prints the object.
        return f"Mailer({self.host}:{self.port}, {self.security}, {self.username!r})"

    def __enter__(self) -> Mailer:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Say QUIT when the server still listens, else just drop the connection."""
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    def send(
        self,
        message: EmailMessage,
        sender: str,
        recipient: str,
        committing: Callable[[], None] = lambda: None,
    ) -> None:
        """Deliver `message` to `recipient` only, whatever its headers say.

        `committing` is called right before the message itself goes out, once the server
        has said it will take it (after DATA): from then on it may be delivered. Raises
        Refused (not taken; try on a later run), Uncertain (maybe taken: never send again)
        or MailError (the server cannot be used at all: stop).
        """
        for attempt in range(1, self.attempts + 1):
            try:
                self._transmit(self._connection(), message, (sender, recipient), committing)
                return
            except _Temporary as exc:
                self._drop()
                if attempt == self.attempts and isinstance(exc, _NoConnection):
                    raise _unreachable(exc, attempt) from None
                if attempt == self.attempts:
                    raise Refused(exc.code, exc.reason) from None
                self.sleep(self.delay * 2 ** (attempt - 1))

    def connect(self) -> None:
        """Connect and log in now, so that a wrong password stops the run before any message."""
        for attempt in range(1, self.attempts + 1):
            try:
                self._connection()
                return
            except _NoConnection as exc:
                if attempt == self.attempts:
                    raise _unreachable(exc, attempt) from None
                self.sleep(self.delay * 2 ** (attempt - 1))

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is None:
            self._smtp = self._connect()
        return self._smtp

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            smtp.close()

    def _connect(self) -> smtplib.SMTP:
        where = f"{self.host}:{self.port}"
        context = self.ssl_context or ssl.create_default_context()
        try:
            smtp = self._open(context)
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, TimeoutError) as exc:
            raise _NoConnection(0, f"{where}: {exc}") from None
        except ssl.SSLError as exc:
            raise MailError(
                f"Không lập được kết nối mã hóa tới máy chủ thư {where} ({exc.reason}): kiểm tra "
                '[email] port và security ("starttls" với cổng 587, "ssl" với cổng 465).'
            ) from None
        except smtplib.SMTPAuthenticationError as exc:
            raise MailError(
                f"Máy chủ thư {where} từ chối đăng nhập ({exc.smtp_code}): {AUTH_FIX}"
            ) from None
        except smtplib.SMTPNotSupportedError:
            raise MailError(
                f"Máy chủ thư {where} không hỗ trợ STARTTLS hoặc đăng nhập: kiểm tra [email] "
                'host, port và security (Gmail: smtp.gmail.com, 587, "starttls").'
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise _NoConnection(0, f"{where}: {exc}") from None
        return smtp

    def _open(self, context: ssl.SSLContext) -> smtplib.SMTP:
        smtp: smtplib.SMTP
        if self.security == "ssl":
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            smtp.ehlo()
            if self.security == "starttls":
                smtp.starttls(context=context)
                smtp.ehlo()
            if self.username:
                self._login(smtp)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _login(self, smtp: smtplib.SMTP) -> None:
        """Log in; accented credentials go as UTF-8 by AUTH PLAIN or LOGIN (smtplib sends ASCII)."""
        if (self.username + self._password).isascii():
            smtp.login(self.username, self._password)
            return
        if not smtp.has_extn("auth"):
            raise smtplib.SMTPNotSupportedError("SMTP AUTH extension not supported by server.")
        offered = smtp.esmtp_features["auth"].upper().split()
        user, secret = self.username.encode(), self._password.encode()
        if "PLAIN" in offered:
            code, reply = smtp.docmd("AUTH", "PLAIN " + _base64(b"\0" + user + b"\0" + secret))
        elif "LOGIN" in offered:
            code, reply = smtp.docmd("AUTH", "LOGIN " + _base64(user))
            if code == 334:
                code, reply = smtp.docmd(_base64(secret))
        else:
            raise MailError(ACCENTED_LOGIN.format(where=f"{self.host}:{self.port}"))
        if code not in (235, 503):
            raise smtplib.SMTPAuthenticationError(code, reply)

    def _transmit(
        self,
        smtp: smtplib.SMTP,
        message: EmailMessage,
        envelope: tuple[str, str],
        committing: Callable[[], None],
    ) -> None:
        sender, recipient = envelope
        data = wire_bytes(message)
        try:
            _reply(*smtp.mail(sender), sender_step=True)
            try:
                _reply(*smtp.rcpt(recipient))
            except Refused:
                smtp.rset()
                raise
            _reply(*smtp.docmd("DATA"), expect=354)
            committing()
            # A message cut short never counts: the server takes it only with the final dot.
            smtp.send(data)
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            raise _Temporary(0, f"mất kết nối: {exc}") from None
        try:
            code, reason = smtp.getreply()
        except (smtplib.SMTPServerDisconnected, OSError):
            self._drop()
            raise Uncertain() from None
        _reply(code, reason)


def wire_bytes(message: EmailMessage) -> bytes:
    """The DATA of `message`: CRLF lines, a leading dot doubled, the closing dot line."""
    body = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
    body = re.sub(rb"(?m)^\.", b"..", body)
    return body + (b"" if body.endswith(b"\r\n") else b"\r\n") + b".\r\n"


def _base64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unreachable(exc: _Temporary, attempts: int) -> MailError:
    return MailError(
        f"Không kết nối được máy chủ thư sau {attempts} lần thử ({exc.reason}): "
        "kiểm tra [email] host, port và mạng rồi chạy lại."
    )


def _reply(code: int, reason: bytes, *, expect: int = 250, sender_step: bool = False) -> None:
    """Turn an SMTP reply into nothing (as expected), _Temporary, Refused or MailError."""
    if code == expect or (expect == 250 and 200 <= code < 300):
        return
    text = reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)
    if 400 <= code < 500 or code < 0:
        raise _Temporary(code, text)
    if sender_step and code == 530:
        raise MailError(
            f"Máy chủ thư đòi đăng nhập ({code} {text}): ghi [email] username và đặt biến môi "
            f"trường {PASSWORD_VARIABLE}."
        )
    if sender_step:
        raise MailError(
            f"Máy chủ thư từ chối địa chỉ gửi ({code} {text}): [email] from phải là địa chỉ "
            "của chính tài khoản đăng nhập ([email] username), và tài khoản chưa vượt hạn mức "
            "gửi trong ngày."
        )
    raise Refused(code, text)
