"""A real SMTP server on 127.0.0.1 (aiosmtpd) with a script of refusals and drops."""

from __future__ import annotations

import datetime
import email
import ipaddress
import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

USER = "ldld@example.com"
PASSWORD = "abcd efgh ijkl mnop"
DROP = "DROP"


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes
    logged_in: bool = False

    @property
    def message(self) -> EmailMessage:
        parsed: EmailMessage = email.message_from_bytes(self.data, policy=default)  # type: ignore[assignment]
        return parsed


@dataclass
class Mailbox:
    """The handler: keeps each message; replies from `script` first, per recipient or DATA."""

    received: list[Received] = field(default_factory=list)
    # recipient (or "MAIL", "DATA") -> replies to give, one per attempt, before accepting.
    script: dict[str, list[str]] = field(default_factory=dict)
    refuse: set[str] = field(default_factory=set)
    on_data: Callable[[Received], None] | None = None
    # Called with each recipient before it is accepted (a test can hold the server there).
    on_rcpt: Callable[[str], None] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _scripted(self, server: Any, key: str) -> str | None:
        with self.lock:
            replies = self.script.get(key)
            reply = replies.pop(0) if replies else None
        if reply == DROP:
            server.transport.close()
        return reply

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        reply = self._scripted(server, "MAIL")
        if reply is not None:
            return reply
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.on_rcpt is not None:
            self.on_rcpt(address)
        if address in self.refuse:
            return "550 5.1.1 Hộp thư không tồn tại"
        reply = self._scripted(server, address)
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        reply = self._scripted(server, "DATA")
        if reply is not None:
            return reply
        got = Received(
            envelope.mail_from,
            list(envelope.rcpt_tos),
            envelope.content,
            getattr(session, "logged_in", False),
        )
        with self.lock:
            self.received.append(got)
        if self.on_data is not None:
            self.on_data(got)
        return "250 2.0.0 OK"

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.recipients]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A throw-away certificate for 127.0.0.1 and localhost: (certificate, key) files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def authenticator(password: str) -> Callable[..., AuthResult]:
    """Accept USER with `password` (sent as UTF-8 bytes), by AUTH PLAIN or LOGIN."""

    def authenticate(
        server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            USER.encode(),
            password.encode(),
        )
        if ok:
            session.logged_in = True
        return AuthResult(success=ok, handled=False)

    return authenticate


class SmtpServer:
    """Start aiosmtpd in a thread; a certificate makes it require TLS (STARTTLS) and AUTH."""

    def __init__(
        self,
        mailbox: Mailbox,
        certificate: tuple[Path, Path] | None = None,
        *,
        implicit_tls: bool = False,
        password: str = PASSWORD,
        mechanisms: tuple[str, ...] = (),
    ) -> None:
        self.mailbox = mailbox
        self.port = free_port()
        kwargs: dict[str, Any] = {}
        if certificate is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*map(str, certificate))
            kwargs = {
                "authenticator": authenticator(password),
                "ssl_context": context,
                "server_hostname": "127.0.0.1",
                # aiosmtpd does not count a TLS-wrapped listener as TLS for AUTH; the mailbox
                # still only takes a message after a good login (see `logins`).
                "auth_require_tls": False,
            }
        if certificate is not None and not implicit_tls:
            kwargs = {
                "tls_context": context,
                "require_starttls": True,
                "authenticator": authenticator(password),
                "auth_required": True,
            }
        if mechanisms:
            # Offer only these AUTH mechanisms (aiosmtpd offers PLAIN and LOGIN).
            builtin = ("PLAIN", "LOGIN")
            kwargs["auth_exclude_mechanism"] = [m for m in builtin if m not in mechanisms]
        self.controller = Controller(mailbox, hostname="127.0.0.1", port=self.port, **kwargs)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
