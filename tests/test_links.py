"""Facebook links as units paste them into the form."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sheets_sync.links import RESERVED_SEGMENTS, Link, LinkKind, normalize_link

ROOT = "https://www.facebook.com/"


@pytest.mark.parametrize(
    ("value", "url"),
    [
        ("https://www.facebook.com/congdoanthcsngoclam", "congdoanthcsngoclam"),
        ("https://www.facebook.com/congdoanthcsngoclam/", "congdoanthcsngoclam"),
        ("http://facebook.com/congdoanthcsngoclam", "congdoanthcsngoclam"),
        ("facebook.com/abc", "abc"),
        ("www.facebook.com/abc", "abc"),
        ("m.facebook.com/abc", "abc"),
        ("mbasic.facebook.com/CongDoan.MNHoaSua", "CongDoan.MNHoaSua"),
        ("https://web.facebook.com/congdoan.thpt.ly.thuong.kiet", "congdoan.thpt.ly.thuong.kiet"),
        ("https://touch.facebook.com/congdoanlongbien", "congdoanlongbien"),
        ("https://business.facebook.com/congdoanlongbien", "congdoanlongbien"),
        ("https://vi-vn.facebook.com/congdoanlongbien", "congdoanlongbien"),
        ("fb.com/congdoanlongbien", "congdoanlongbien"),
        ("https://fb.com/congdoanlongbien/", "congdoanlongbien"),
        ("HTTPS://WWW.FACEBOOK.COM/CongDoanLongBien", "CongDoanLongBien"),
        ("https:/www.facebook.com/congdoanlongbien", "congdoanlongbien"),
        ("https//www.facebook.com/congdoanlongbien", "congdoanlongbien"),
        ("//www.facebook.com/congdoanlongbien", "congdoanlongbien"),
        # Tracking parameters, fragments and tabs go.
        ("https://www.facebook.com/congdoanlongbien?mibextid=ZbWKwL", "congdoanlongbien"),
        ("https://m.facebook.com/congdoanlongbien?ref=bookmarks&fbclid=IwAR0x", "congdoanlongbien"),
        ("https://www.facebook.com/congdoanlongbien/?locale=vi_VN", "congdoanlongbien"),
        ("https://www.facebook.com/congdoanlongbien#top", "congdoanlongbien"),
        ("https://www.facebook.com/congdoanlongbien/about", "congdoanlongbien"),
        ("https://www.facebook.com/congdoanlongbien/about/?ref=page_internal", "congdoanlongbien"),
        ("https://www.facebook.com/congdoanlongbien/posts/", "congdoanlongbien"),
        ("https://www.facebook.com/congdoanlongbien/photos", "congdoanlongbien"),
        ("https://www.facebook.com/congdoanlongbien/videos/", "congdoanlongbien"),
        ("https://www.facebook.com/congdoanlongbien/reviews", "congdoanlongbien"),
        ("https://www.facebook.com/congdoanlongbien/community", "congdoanlongbien"),
        ("https://www.facebook.com/congdoanlongbien/mentions", "congdoanlongbien"),
        (
            "https://www.facebook.com/congdoanlongbien/about_contact_and_basic_info",
            "congdoanlongbien",
        ),
        ("https://www.facebook.com/#!/congdoanlongbien", "congdoanlongbien"),
        # Pages without a username.
        (
            "https://www.facebook.com/profile.php?id=100064123456789",
            "profile.php?id=100064123456789",
        ),
        (
            "https://m.facebook.com/profile.php?id=100064123456789&mibextid=ZbWKwL",
            "profile.php?id=100064123456789",
        ),
        (
            "https://www.facebook.com/profile.php?sk=about&id=100064123456789",
            "profile.php?id=100064123456789",
        ),
        ("facebook.com/profile.php/?id=100064123456789", "profile.php?id=100064123456789"),
        (
            "https://www.facebook.com/pages/Cong-doan-MN-Hoa-Sua/123456789012345",
            "pages/Cong-doan-MN-Hoa-Sua/123456789012345",
        ),
        (
            "https://www.facebook.com/pages/Cong-doan-MN-Hoa-Sua/123456789012345/about",
            "pages/Cong-doan-MN-Hoa-Sua/123456789012345",
        ),
        (
            "https://www.facebook.com/pages/category/School/Cong-doan-THCS-Ngoc-Lam-104512345678901/",
            "pages/category/School/Cong-doan-THCS-Ngoc-Lam-104512345678901",
        ),
        (
            "https://www.facebook.com/people/Cong-Doan-Phuong-Bo-De/100089123456789/",
            "people/Cong-Doan-Phuong-Bo-De/100089123456789",
        ),
        (
            "https://www.facebook.com/p/Cong-doan-THCS-Ngoc-Lam-100064123456789/",
            "p/Cong-doan-THCS-Ngoc-Lam-100064123456789",
        ),
        (
            "https://www.facebook.com/Cong-doan-THCS-Ngoc-Lam-104512345678901/",
            "Cong-doan-THCS-Ngoc-Lam-104512345678901",
        ),
        ("https://www.facebook.com/100064123456789", "100064123456789"),
        # The old /pg/ prefix canonicalizes to the page itself.
        ("https://www.facebook.com/pg/congdoanlongbien", "congdoanlongbien"),
        ("https://www.facebook.com/pg/congdoanlongbien/posts/", "congdoanlongbien"),
        # How the text arrives around the link.
        ("  https://www.facebook.com/congdoanlongbien\u00a0", "congdoanlongbien"),
        ("https://www.facebook.com/congdoanlongbien.", "congdoanlongbien"),
        ("https://www.facebook.com/congdoanlongbien,", "congdoanlongbien"),
        ("<https://www.facebook.com/congdoanlongbien>", "congdoanlongbien"),
        ("“https://www.facebook.com/congdoanlongbien”", "congdoanlongbien"),
        ("\u200bhttps://www.facebook.com/congdoanlongbien\u200b", "congdoanlongbien"),
        ("Link: https://www.facebook.com/congdoanlongbien", "congdoanlongbien"),
        ("https://www.facebook.com/congdoanlongbien (Fanpage)", "congdoanlongbien"),
        ("https://www.facebook.com./congdoanlongbien", "congdoanlongbien"),
        ("https://m.facebook.com/congdoanlongbien./?mibextid=ZbWKwL", "congdoanlongbien"),
        (
            "https://www.facebook.com/Trường-THCS-Ngọc-Lâm-105123456789",
            "Trường-THCS-Ngọc-Lâm-105123456789",
        ),
        (
            "https://www.facebook.com/Tr%C6%B0%E1%BB%9Dng-THCS-Ng%E1%BB%8Dc-L%C3%A2m-105123456789/",
            "Tr%C6%B0%E1%BB%9Dng-THCS-Ng%E1%BB%8Dc-L%C3%A2m-105123456789",
        ),
    ],
)
def test_page_links_become_canonical(value: str, url: str) -> None:
    assert normalize_link(value) == Link(ROOT + url, "page")


@pytest.mark.parametrize(
    ("value", "url", "kind"),
    [
        # Not a page: Facebook features and content.
        ("https://www.facebook.com/groups/congdoanlongbien", None, "not_page"),
        ("https://www.facebook.com/groups/123456789/permalink/987654321/", None, "not_page"),
        ("facebook.com/groups/abc", "https://facebook.com/groups/abc", "not_page"),
        ("https://www.facebook.com/events/123456789/", None, "not_page"),
        ("https://www.facebook.com/congdoanlongbien/posts/pfbid02abcDEF", None, "not_page"),
        ("https://www.facebook.com/congdoanlongbien/posts/123456789", None, "not_page"),
        ("https://www.facebook.com/permalink.php?story_fbid=123&id=456", None, "not_page"),
        ("https://m.facebook.com/story.php?story_fbid=123&id=456", None, "not_page"),
        ("https://www.facebook.com/photo.php?fbid=123456", None, "not_page"),
        ("https://www.facebook.com/photo/?fbid=123456&set=a.789", None, "not_page"),
        ("https://www.facebook.com/congdoanlongbien/photos/a.123/456/", None, "not_page"),
        ("https://www.facebook.com/congdoanlongbien/videos/123456789/", None, "not_page"),
        ("https://www.facebook.com/watch/?v=123456789", None, "not_page"),
        ("https://www.facebook.com/watch", None, "not_page"),
        ("https://www.facebook.com/reel/123456789", None, "not_page"),
        ("https://www.facebook.com/reels/123456789", None, "not_page"),
        ("https://www.facebook.com/stories/123456789", None, "not_page"),
        ("https://www.facebook.com/marketplace/item/123", None, "not_page"),
        ("https://www.facebook.com/hashtag/congdoan", None, "not_page"),
        ("https://www.facebook.com/search/top?q=cong%20doan", None, "not_page"),
        ("https://www.facebook.com/gaming/abc", None, "not_page"),
        ("https://www.facebook.com/login/?next=%2Fcongdoan", None, "not_page"),
        ("https://www.facebook.com/help/123", None, "not_page"),
        ("https://www.facebook.com/share.php?u=https%3A%2F%2Fexample.com", None, "not_page"),
        ("https://www.facebook.com/sharer/sharer.php?u=x", None, "not_page"),
        ("https://www.facebook.com/video.php?v=123", None, "not_page"),
        ("https://www.facebook.com/profile.php", None, "not_page"),
        ("https://www.facebook.com/pages/", None, "not_page"),
        ("https://www.facebook.com/pg", None, "not_page"),
        ("https://facebook.com", "https://facebook.com", "not_page"),
        ("https://www.facebook.com/", None, "not_page"),
        ("facebook.com", "https://facebook.com", "not_page"),
        ("https://www.facebook.com/Công-đoàn-trường", None, "not_page"),
        ("https://www.facebook.com/.../", None, "not_page"),
        ("https://www.facebook.com/../../etc", None, "not_page"),
        (
            "www.facebook.com/share/p/x?mibextid=1&__cft__[0]=AZ&a=b",
            "https://www.facebook.com/share/p/x?a=b",
            "unverifiable",
        ),
        ("https://fb.watch/abcDEF/", None, "not_page"),
        (
            "https://www.facebook.com/events/123/?mibextid=ZbWKwL&acontext=x",
            "https://www.facebook.com/events/123/?acontext=x",
            "not_page",
        ),
        # Redirects that cannot be followed offline.
        ("https://www.facebook.com/share/1AbCdEfGh/", None, "unverifiable"),
        (
            "https://www.facebook.com/share/p/1AbCdEfGh/?mibextid=oFDknk",
            "https://www.facebook.com/share/p/1AbCdEfGh/",
            "unverifiable",
        ),
        ("fb.me/congdoanlongbien", "https://fb.me/congdoanlongbien", "unverifiable"),
        ("https://fb.me/abc123", None, "unverifiable"),
        ("https://l.facebook.com/l.php?u=https%3A%2F%2Fexample.com", None, "unverifiable"),
        # Other hosts, look-alikes included.
        ("https://facebook.com.example/congdoan", None, "not_facebook"),
        ("https://facebook.co/congdoan", None, "not_facebook"),
        ("https://faceb00k.com/congdoan", None, "not_facebook"),
        ("fb.com.vn/congdoan", "fb.com.vn/congdoan", "not_facebook"),
        ("https://www.facebook.com@evil.example/congdoan", None, "not_facebook"),
        ("https://zalo.me/0984919862", None, "not_facebook"),
        ("https://www.youtube.com/@congdoan", None, "not_facebook"),
        ("https://congdoanlongbien.vn", None, "not_facebook"),
        ("https://myfacebook.com/abc", None, "not_facebook"),
        # Not a URL at all.
        ("chưa có", None, "invalid"),
        ("Công đoàn trường", None, "invalid"),
        ("Chưa lập Fanpage", None, "invalid"),
        ("congdoanlongbien", None, "invalid"),
        ("http://", None, "invalid"),
        ("https://", None, "invalid"),
        ("www.facebook .com/abc", None, "invalid"),
        ("https://www.facebook .com/abc", None, "invalid"),
        ("http://face book.com/abc", None, "invalid"),
        ("", None, "invalid"),
        ("ftp://facebook.com/abc", None, "invalid"),
        ("https://www.facebook.com/a https://www.facebook.com/b", None, "invalid"),
    ],
)
def test_other_links_keep_the_typed_text(value: str, url: str | None, kind: LinkKind) -> None:
    assert normalize_link(value) == Link(value if url is None else url, kind)


@given(st.text())
def test_any_text_gives_a_link(value: str) -> None:
    link = normalize_link(value)
    if link.kind == "page":
        assert link.url.startswith(ROOT)
        assert normalize_link(link.url) == link


@given(st.from_regex(r"[A-Za-z0-9.]{1,20}", fullmatch=True))
def test_any_username_is_a_page(name: str) -> None:
    link = normalize_link(f"https://m.facebook.com/{name}/?mibextid=ZbWKwL")
    trimmed = name.strip(".")
    if not trimmed:
        assert link.kind == "not_page"
    elif trimmed.lower() not in RESERVED_SEGMENTS | {"p", "pg", "pages", "people", "share"}:
        assert link == Link(ROOT + trimmed, "page")


@given(
    st.from_regex(r"[A-Za-z0-9.]{1,20}", fullmatch=True)
    | st.sampled_from(sorted(RESERVED_SEGMENTS | {"p", "pg", "pages", "people", "share"}))
    | st.sampled_from(["profile.php", "Profile.php", "l.php", "P", "Groups", "SHARE"])
)
def test_a_usual_link_reads_as_any_other_spelling(name: str) -> None:
    for typed, twin in [
        (ROOT + name, f"https://touch.facebook.com/{name}"),
        (f"facebook.com/{name}/?mibextid=ZbWKwL&ref=x/y", f"web.facebook.com/{name}/?ref=x/y"),
        (f"http://m.facebook.com/{name}?", f"https://mbasic.facebook.com/{name}"),
    ]:
        link, other = normalize_link(typed), normalize_link(twin)
        assert link.kind == other.kind
        if other.kind == "page":
            assert link == other
