"""Keep secrets out of every message: tokens, private keys, and whole web pages.

A proxy, a captive portal or a misbehaving server may answer with a page that echoes what
was sent, `Authorization: Bearer …` included. Every error text built from a server's answer
goes through `redact`, and the CLI passes every message through it once more before showing
it. Standard library only, so that the CLI can import it without the Google libraries.
"""

from __future__ import annotations

import html
import re

HIDDEN = "[đã ẩn]"
# At most this much of a web page shows in a message, its tags stripped.
PAGE_EXCERPT = 160

_PRIVATE_KEY = re.compile(
    r"-----BEGIN[A-Z ]*PRIVATE KEY-----.*?(?:-----END[A-Z ]*PRIVATE KEY-----|$)", re.S
)
_SECRETS = (
    # "Bearer" (also right after a "%20"), then spaces, %20 (a URL) or \u0020 (JSON), the token.
    re.compile(r"(?<![A-Za-z])(Bearer)(?:\s|%20|\\u0020)+[A-Za-z0-9._~+/=-]+", re.I),
    re.compile(r"ya29\.[A-Za-z0-9._~+/=-]*"),  # wherever it sits: after `_`, `%20`, a digit
    re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_.-]*"),  # a signed JWT (the assertion)
    re.compile(
        r"\b(access_token|private_key_id|private_key|assertion)(\W?\s*[:=]\s*\W?)[^\s\"'&,;}\[]+"
    ),
)
# A base64 run as long as a PEM line: what is left of a key whose BEGIN line was cut off.
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/=]{60,}")
_PAGE = re.compile(r"<\s*(?:!doctype|html|head|body|title|div|h1|p|pre|table)\b", re.I)
_HIDDEN_PARTS = re.compile(r"<(script|style)\b.*?</\1\s*>|<!--.*?-->", re.I | re.S)
_TAG = re.compile(r"<[^>]*>")


def redact(text: str, limit: int | None = None) -> str:
    """Return `text` on one line with secrets hidden, a web page cut to a short excerpt.

    `limit` cuts the result to that many characters (after hiding, so no cut leaves part of
    a secret behind).
    """
    text = _PRIVATE_KEY.sub(HIDDEN, text)
    page = _PAGE.search(text) is not None
    if page:
        text = html.unescape(_TAG.sub(" ", _HIDDEN_PARTS.sub(" ", text)))
        text = _PRIVATE_KEY.sub(HIDDEN, text)  # a key written as &lt;-----BEGIN…
    text = _SECRETS[0].sub(rf"\1 {HIDDEN}", text)
    text = _SECRETS[1].sub(HIDDEN, text)
    text = _SECRETS[2].sub(HIDDEN, text)
    text = _SECRETS[3].sub(rf"\1\2{HIDDEN}", text)
    text = _BASE64_RUN.sub(_hide_base64, text)
    text = " ".join(text.split())
    cut = min(PAGE_EXCERPT, limit or PAGE_EXCERPT) if page else limit
    if cut is not None and len(text) > cut:
        text = text[: cut - 1].rstrip() + "…"
    return text


def _hide_base64(match: re.Match[str]) -> str:
    """Hide a long run mixing digits and both cases: key material, not a word, path or link."""
    run, before = match.group(0), match.string[: match.start()]
    word = before.split()[-1] if before and not before[-1].isspace() else ""
    if "://" in word:
        return run  # the path of a link
    mixed = any(c.isdigit() for c in run) and any(c.isupper() for c in run)
    return HIDDEN if mixed and any(c.islower() for c in run) else run
