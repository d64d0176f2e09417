"""The Word lists' shortcuts give exactly what the plain computations they replace give."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from datetime import date
from unittest import mock
from xml.sax.saxutils import escape

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sheets_sync.config import DocumentSettings
from sheets_sync.documents import DocumentMaker, columns, layout
from sheets_sync.documents import maker as maker_module
from sheets_sync.documents.columns import fit_widths, measure, text_twips, title_twips
from sheets_sync.documents.layout import (
    LETTERHEAD_WIDTH,
    Letterhead,
    Signature,
    balanced,
    letterhead,
    signature_block,
    table_widths,
)
from sheets_sync.documents.maker import SummaryUnit
from sheets_sync.documents.package import BASE_PARTS, ZipEntry, ZipFrame, compress, zip_entries
from sheets_sync.documents.wordml import (
    CELL_MARGIN,
    Font,
    cell,
    centred_paragraph,
    paragraph,
    row,
    table,
    text_paragraph,
    xml_safe,
    xml_text,
)

# Letters of every width class, Vietnamese ones, link breaks and each kind of whitespace.
ALPHABET = "aiIlmMwWĐDfrt-ệƯỹ/?.=&:0 9 \t\n\r\xa0\u2009\u3000\x1c"
texts = st.text(alphabet=ALPHABET, max_size=40)
rows = st.lists(st.tuples(st.just("1"), texts, texts, texts, texts), max_size=12)
HEADERS = ("STT", "Tên đơn vị", "Tên trang Fanpage (facebook)", "Đường link", "Ghi chú")


def plain_widest_word(text: str, link: bool) -> int:
    pieces = re.split(r"(?<=[/?])|\s+", text) if link else text.split()
    return max(map(text_twips, pieces), default=0)


def plain_fit_widths(
    total: int,
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    fixed: dict[int, int],
    links: frozenset[int],
) -> tuple[int, ...]:
    """The widths computed the straightforward way: every text and every word measured."""
    count = len(headers)
    word = [title_twips(title) for title in headers]
    line = [0] * count
    for values in rows:
        for index, text in enumerate(values):
            if text and index not in fixed:
                word[index] = max(word[index], plain_widest_word(text, index in links))
                line[index] = max(line[index], text_twips(text))
    free = [index for index in range(count) if index not in fixed]
    space = total - sum(fixed.values())
    cap = int(space * columns.MOST_FOR_A_WORD)
    floor = {i: min(word[i], cap) + 2 * CELL_MARGIN for i in free}
    want = {
        i: max((line[i] // 2 if i in links else line[i]) + 2 * CELL_MARGIN, floor[i]) for i in free
    }
    widths = plain_share(space, floor, want)
    result = [fixed.get(index, 0) or widths.get(index, 0) for index in range(count)]
    result[max(free, key=lambda i: result[i])] += total - sum(result)
    return tuple(result)


def plain_share(space: int, floor: dict[int, int], want: dict[int, int]) -> dict[int, int]:
    if sum(floor.values()) >= space:
        scale = space / sum(floor.values())
        return {i: int(width * scale) for i, width in floor.items()}
    extra = space - sum(floor.values())
    lack = {i: want[i] - floor[i] for i in floor}
    if sum(lack.values()) >= extra:
        return {i: floor[i] + int(extra * lack[i] / sum(lack.values())) for i in floor}
    left = extra - sum(lack.values())
    return {i: want[i] + int(left * want[i] / sum(want.values())) for i in floor}


@given(texts, st.booleans())
@settings(max_examples=600)
def test_measuring_by_words_gives_the_plain_widths(text: str, link: bool) -> None:
    assert measure(text, link) == (plain_widest_word(text, link), text_twips(text))


@pytest.mark.parametrize(
    "text",
    ["Nguyễn Thị  Thu Hà ", " ", "a/ b", "a/  b/", "? x", "a /b", "https://fb.com/a?id=1 x"],
)
@pytest.mark.parametrize("link", [False, True])
def test_measuring_spaces_and_link_breaks_gives_the_plain_widths(text: str, link: bool) -> None:
    assert measure(text, link) == (plain_widest_word(text, link), text_twips(text))


@given(rows, st.sampled_from([9000, 3000, 600]))
@settings(max_examples=300)
def test_fit_widths_gives_the_plain_widths(table: list[tuple[str, ...]], total: int) -> None:
    fixed, links = {0: 737}, frozenset({3})
    expected = plain_fit_widths(total, HEADERS, table, fixed, links)
    assert fit_widths(total, HEADERS, table, fixed=fixed, links=links) == expected


def test_words_remembered_are_forgotten_when_many(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(columns._WORD_WIDTHS, "kept", 3)
    columns._WORD_WIDTHS.clear()
    words = [f"w{'m' * i}" for i in range(10)]
    assert [measure(word, False)[0] for word in words] == list(map(text_twips, words))
    assert len(columns._WORD_WIDTHS) <= 3


entries = st.lists(
    st.builds(
        compress, st.text(alphabet="abc/._", min_size=1, max_size=12), st.binary(max_size=300)
    ),
    min_size=1,
    max_size=8,
)


@given(entries, st.data())
@settings(max_examples=200)
def test_a_zip_frame_gives_the_bytes_of_the_whole_archive(
    parts: list[ZipEntry], data: st.DataObject
) -> None:
    slot = data.draw(st.integers(0, len(parts) - 1))
    body = data.draw(st.binary(max_size=2000))
    entry = compress("word/document.xml", body)
    whole = zip_entries([*parts[:slot], entry, *parts[slot + 1 :]])
    assert ZipFrame(parts, slot).archive(entry) == whole


def test_a_unit_list_is_zipped_as_the_plain_zip_writer_zips_it() -> None:
    maker = DocumentMaker(DocumentSettings(), today=date(2024, 2, 5))
    unit = (
        "Trường THCS Ngọc Lâm",
        "Fanpage",
        "https://fb.com/x",
        "",
        (("An", "Chủ tịch", "", ""),),
        None,
    )
    made = maker.unit_of(unit, unit[0])
    with zipfile.ZipFile(io.BytesIO(made)) as archive:
        parts = [(info.filename, archive.read(info)) for info in archive.infolist()]
    assert [name for name, _ in parts] == [name for name, _ in BASE_PARTS]
    assert made == zip_entries([compress(name, data) for name, data in parts])


EVERY_CHARACTER = [chr(code) for code in range(0x110000)]


def test_no_character_xml_forbids_and_no_whitespace_but_a_space_is_printable() -> None:
    # What `xml_text` and `measure` take for granted of a printable text.
    forbidden = [char for char in EVERY_CHARACTER if xml_safe(char) != char]
    assert len(forbidden) == 29 + 2048 + 2
    assert not any(char.isprintable() for char in forbidden)
    spaces = [char for char in EVERY_CHARACTER if char.isspace()]
    assert [char for char in spaces if char.isprintable()] == [" "]


@given(st.text(st.characters(codec=None, exclude_categories=())))
@settings(max_examples=400)
def test_xml_text_escapes_as_the_plain_escape_does(text: str) -> None:
    assert xml_text(text) == escape(xml_safe(text))


@pytest.mark.parametrize("text", ["a<b>&c", "x\x00y\ud800\ufffe\uffff\x1f", "Ngọc\tLâm\n&amp;"])
def test_xml_text_drops_forbidden_characters_as_the_plain_escape_does(text: str) -> None:
    assert xml_text(text) == escape(xml_safe(text))


def plain_letterhead(head: Letterhead) -> str:
    """The letterhead built whole, every paragraph of it for every list."""
    superior = balanced(head.superior)
    issuer = balanced(head.issuer, layout.LETTERHEAD_CHARS - 3)
    side = (LETTERHEAD_WIDTH - layout.rule_width(issuer)) // 2
    size, gap = layout.LETTERHEAD_SIZE, layout.RULE_GAP
    left = "".join(
        (
            text_paragraph(superior, Font(size=size), align="center"),
            text_paragraph(issuer, Font(bold=True, size=size), align="center"),
            paragraph(font=Font(size=2), before=gap, indent=(side, side), rule_below=True),
        )
    )
    date = text_paragraph(head.date_line, Font(italic=True), align="center", before=120)
    sides = layout.SIDE_WIDTHS
    middle = LETTERHEAD_WIDTH - sides[0]
    grid = (sides[0], middle, sides[1] - middle)
    top = (cell(LETTERHEAD_WIDTH, left, span=2), cell(grid[2], paragraph()))
    bottom = (cell(sides[0], paragraph()), cell(sides[1], date, span=2))
    return table(grid, [row(top), row(bottom)], borders=False)


def plain_signature_block(signature: Signature) -> str:
    lines = [
        text_paragraph(signature.authority, Font(bold=True), align="center"),
        text_paragraph(signature.title, Font(bold=True), align="center"),
        text_paragraph(signature.note, Font(italic=True), align="center"),
        *[paragraph() for _ in range(layout.SIGNATURE_GAP)],
    ]
    if signature.name:
        lines.append(text_paragraph(signature.name, Font(bold=True), align="center"))
    sides = layout.SIDE_WIDTHS
    cells = (cell(sides[0], paragraph()), cell(sides[1], "".join(lines)))
    return paragraph(before=120) + table(sides, [row(cells)], borders=False)


words = st.text(alphabet="ĐÔNG NGỌC LÂM Hà Nội <&>\x00\n\r\t\ue000", max_size=90)


@given(words, words, words)
@settings(max_examples=200)
def test_the_letterhead_is_built_as_the_plain_builder_builds_it(
    superior: str, issuer: str, date_line: str
) -> None:
    head = Letterhead(superior, issuer, date_line)
    assert letterhead(head) == plain_letterhead(head)


@given(words, words, words, words)
@settings(max_examples=200)
def test_the_signature_is_built_as_the_plain_builder_builds_it(
    authority: str, title: str, note: str, name: str
) -> None:
    signature = Signature(authority, title, note, name)
    assert signature_block(signature) == plain_signature_block(signature)


member = st.tuples(texts, texts, texts, st.text(alphabet="0123456789+ ", max_size=14))
units = st.lists(
    st.tuples(
        texts, texts, texts, texts, st.lists(member, max_size=4).map(tuple), st.none() | st.dates()
    ),
    max_size=8,
)


@given(units)
@settings(max_examples=200)
def test_one_reading_of_the_units_gives_the_latest_day_and_both_widths(
    reduced: list[SummaryUnit],
) -> None:
    rows = maker_module._fanpages(reduced), maker_module._summary_staff(reduced)
    expected = maker_module.latest_day(reduced), table_widths(*rows)
    assert maker_module.measured(reduced) == expected


@given(st.lists(st.tuples(st.just("1"), texts, texts, texts, texts), max_size=40))
@settings(max_examples=100)
def test_texts_remembered_per_column_are_forgotten_when_many(table: list[tuple[str, ...]]) -> None:
    fixed, links = {0: 737}, frozenset({3})
    repeated = table + table[::-1]
    expected = plain_fit_widths(9000, HEADERS, repeated, fixed, links)
    with mock.patch.object(columns, "TEXTS_KEPT", 2):
        assert fit_widths(9000, HEADERS, repeated, fixed=fixed, links=links) == expected


@given(
    st.text(st.characters(codec=None, exclude_categories=()), max_size=30),
    st.sampled_from([Font(), Font(bold=True), Font(bold=True, size=12), Font(italic=True)]),
)
@settings(max_examples=300)
def test_a_framed_paragraph_is_the_plain_text_paragraph(text: str, font: Font) -> None:
    assert centred_paragraph(text, font) == text_paragraph(text, font, align="center")
