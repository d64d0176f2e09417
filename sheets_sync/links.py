"""Facebook links: canonical page addresses, and what a link that is not a page is.

Canonical form of a page: `https://www.facebook.com/<path>`, path as typed (case kept). For the
other kinds the url is the cleaned text as typed, with `https://` added when the host belongs to
Facebook, so the reviewer gets something clickable. Choices the contract leaves open:
- `/pg/<name>` is the old prefix of a page and canonicalizes to `/<name>`;
- `/p/<Name>-<id>` and `/<Name>-<id>` (pages without a username) are pages, kept as typed;
- `l.facebook.com/l.php?u=...`, `fb.me/...` and `/share/...` are redirects: unverifiable;
- `share.php` and `sharer.php` are share dialogs, `fb.watch` a video: not pages.
"""

from __future__ import annotations

import re
from typing import Literal, NamedTuple
from urllib.parse import parse_qs, urlsplit

from .text import clean

LinkKind = Literal["page", "not_page", "unverifiable", "not_facebook", "invalid"]

CANONICAL_ROOT = "https://www.facebook.com/"

# Hosts that serve the same pages as www.facebook.com.
FACEBOOK_HOSTS: frozenset[str] = frozenset(
    f"{sub}facebook.com" for sub in ("", "www.", "m.", "mbasic.", "web.", "touch.", "business.")
) | frozenset(["fb.com", "www.fb.com"])
# Language subdomains such as vi-vn.facebook.com serve the same pages too.
_LOCALE_HOST = re.compile(r"[a-z]{2}-[a-z]{2}\.facebook\.com")
# Hosts that only redirect somewhere a link checker cannot follow offline.
REDIRECT_HOSTS: frozenset[str] = frozenset(["fb.me", "l.facebook.com", "lm.facebook.com"])
# Hosts of Facebook content that is never a page.
CONTENT_HOSTS: frozenset[str] = frozenset(["fb.watch", "fb.gg"])

# Tracking parameters pasted along with a link (reference/vn-domain.md). A page link keeps no
# parameter at all; other Facebook links lose only these, so the reviewer sees a shorter link.
TRACKING_PARAMETERS: frozenset[str] = frozenset(
    ["mibextid", "ref", "ref_page_id", "fbclid", "locale", "__tn__", "__cft__", "rdid", "sfnsn"]
)

# First path segments that are Facebook features, not page names.
# fmt: off
RESERVED_SEGMENTS: frozenset[str] = frozenset([
    "watch", "events", "event", "marketplace", "groups", "group", "help", "login", "login.php",
    "photo.php", "photo", "photos", "story.php", "stories", "story", "permalink.php", "reel",
    "reels", "share.php", "sharer.php", "sharer", "hashtag", "search", "gaming", "video.php",
    "videos", "video", "live", "media", "notes", "home.php", "home", "me", "messages",
    "notifications", "friends", "bookmarks", "saved", "settings", "privacy", "policies",
    "policy.php", "legal", "terms", "about", "careers", "dialog", "plugins", "recover",
    "checkpoint", "reg", "r.php", "signup", "games", "jobs", "offers", "memories", "onthisday",
    "feeds", "feed", "messenger", "lite", "ads", "adsmanager", "business", "latest",
    "fundraisers", "donate", "places", "directory", "pages_manager", "composer", "campaign",
    "watchparty", "profile", "page", "n",
])
# fmt: on
REDIRECT_SEGMENTS: frozenset[str] = frozenset(["share", "l.php"])

# Second segments that are tabs of a page (`/<name>/about`): dropped from the canonical link.
# fmt: off
PAGE_TABS: frozenset[str] = frozenset([
    "about", "posts", "photos", "videos", "reviews", "community", "mentions", "events", "reels",
    "live_videos", "photos_by", "photos_albums", "followers", "following", "friends", "likes",
    "map", "services", "shop", "groups", "timeline", "info", "notes", "offers", "jobs",
    "featured", "home", "videos_by",
])
# fmt: on

_USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9.]*")
# Pages without a username: `/<Name>-<id>`, `/p/<Name>-<id>`.
_NAME_WITH_ID = re.compile(r".+-[0-9]{5,}")
# The usual page links: `https://www.facebook.com/<username>`, or with another usual host
# start, a closing `/` and a query (which a page link drops).
_PLAIN_PAGE = re.compile(
    r"(?:https?://)?(?:www\.|m\.)?facebook\.com/([A-Za-z0-9]+(?:\.[A-Za-z0-9]+)*)/?(?:\?[^#]*)?"
)
# First segments a username never is, read on the long way round.
_NOT_USERNAMES = (
    RESERVED_SEGMENTS | REDIRECT_SEGMENTS | {"profile.php", "pages", "people", "pg", "p"}
)
_SCHEME = re.compile(r"^https?(?::/*|/+)", re.IGNORECASE)
_HOST_CHARS = re.compile(r"[\w.-]+")
_WRAPPING = "<>\"'“”‘’«»[]"
_TRAILING = ".,;:!?"


class Link(NamedTuple):
    """A link as it will be shown, and what it points to (a named tuple: one per row)."""

    url: str
    kind: LinkKind


def normalize_link(value: str) -> Link:
    """Read a typed link and give its canonical page address or the kind of what it is."""
    text = _unwrap(clean(value))
    page = _PLAIN_PAGE.fullmatch(text)
    if page is not None and page.group(1).lower() not in _NOT_USERNAMES:
        # Most rows, read without taking the link apart; one already canonical keeps its text.
        canonical = CANONICAL_ROOT + page.group(1)
        return Link(text if text == canonical else canonical, "page")
    candidate = _url_token(text)
    if candidate is None:
        return Link(text, "invalid")
    url = _with_scheme(candidate)
    if url is None:
        return Link(text, "invalid")
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").rstrip(".")
    except ValueError:
        return Link(text, "invalid")
    if "." not in host or not _HOST_CHARS.fullmatch(host):
        return Link(text, "invalid")
    if host in REDIRECT_HOSTS:
        return Link(url, "unverifiable")
    if host in CONTENT_HOSTS:
        return Link(url, "not_page")
    if host not in FACEBOOK_HOSTS and not _LOCALE_HOST.fullmatch(host):
        return Link(text, "not_facebook")
    path, query = parts.path, parts.query
    if path.strip("/") == "" and parts.fragment.startswith("!/"):
        # Links copied in the early 2010s: facebook.com/#!/name
        path, _, query = parts.fragment[1:].partition("?")
    link = _classify(url, [s for s in path.split("/") if s], query)
    return link if link.kind == "page" else Link(_without_tracking(url), link.kind)


def _without_tracking(url: str) -> str:
    base, mark, rest = url.partition("?")
    if not mark:
        return url
    query, hash_mark, fragment = rest.partition("#")
    # `__cft__[0]=...`: the name before the brackets decides.
    kept = [
        p
        for p in query.split("&")
        if p and p.split("=")[0].split("[")[0] not in TRACKING_PARAMETERS
    ]
    return base + ("?" + "&".join(kept) if kept else "") + hash_mark + fragment


def _unwrap(text: str) -> str:
    text = text.strip(_WRAPPING + " ")
    while text and text[-1] in _TRAILING:
        text = text[:-1].rstrip(_WRAPPING + " ")
    return text


def _url_token(text: str) -> str | None:
    """Pick the link out of the text; a note around it is fine, spaces inside it are not."""
    if not text:
        return None
    words = text.split()
    if len(words) == 1:
        return text
    links = [w for w in words if _SCHEME.match(w)]
    others = [w for w in words if not _SCHEME.match(w)]
    if len(links) != 1 or any("." in w or "/" in w for w in others):
        return None
    return _unwrap(links[0])


def _with_scheme(text: str) -> str | None:
    match = _SCHEME.match(text)
    if match:
        return "https://" + text[match.end() :]
    if text.startswith("//"):
        return "https:" + text
    if "://" in text:
        return None
    host = re.split(r"[/?#]", text, maxsplit=1)[0]
    return "https://" + text if "." in host.strip(".") else None


def _classify(url: str, segments: list[str], query: str) -> Link:
    if not segments:
        return Link(url, "not_page")
    first = segments[0].lower()
    if first in REDIRECT_SEGMENTS:
        return Link(url, "unverifiable")
    if first == "profile.php":
        ids = parse_qs(query).get("id", [])
        if ids and ids[0].isdigit():
            return Link(f"{CANONICAL_ROOT}profile.php?id={ids[0]}", "page")
        return Link(url, "not_page")
    if first in ("pages", "people"):
        return _with_id(url, segments)
    if first == "pg" and len(segments) >= 2:
        return _named(url, segments[1:])
    if first == "p" and len(segments) >= 2 and _NAME_WITH_ID.fullmatch(segments[1]):
        return _page(segments[:2], segments[2:], url)
    if first in RESERVED_SEGMENTS or first in ("pg", "p"):
        return Link(url, "not_page")
    return _named(url, segments)


def _with_id(url: str, segments: list[str]) -> Link:
    """Classify `/pages/<name>/<id>` and `/people/<name>/<id>`."""
    if segments[0].lower() == "pages" and segments[1:2] == ["category"]:
        # Old page links: /pages/category/<Category>/<Name>-<id>/
        if len(segments) >= 4 and _NAME_WITH_ID.fullmatch(segments[3]):
            return _page(segments[:4], segments[4:], url)
        return Link(url, "not_page")
    if len(segments) >= 3 and segments[2].isalnum():
        return _page(segments[:3], segments[3:], url)
    return Link(url, "not_page")


def _named(url: str, segments: list[str]) -> Link:
    """Classify `/<username>[/<tab>]`, the most common form."""
    # Facebook ignores dots in usernames, and none starts or ends with one.
    name = segments[0].strip(".")
    if not (_USERNAME.fullmatch(name) or _NAME_WITH_ID.fullmatch(name)):
        return Link(url, "not_page")
    if name.lower() in RESERVED_SEGMENTS:
        return Link(url, "not_page")
    return _page([name], segments[1:], url)


def _page(path: list[str], rest: list[str], url: str) -> Link:
    """Accept a page path when what follows it is at most one tab (`/about`, `/posts`)."""
    if rest:
        tab = rest[0].lower()
        # `/about_contact_and_basic_info` and the like are tabs too; `/posts/<id>` is a post.
        if not (tab.startswith("about") or (tab in PAGE_TABS and len(rest) == 1)):
            return Link(url, "not_page")
    return Link(CANONICAL_ROOT + "/".join(path), "page")
