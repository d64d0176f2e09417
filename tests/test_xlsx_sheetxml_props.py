"""The worksheet XML patcher over generated sheets: what it writes, keeps and refuses."""

from __future__ import annotations

import io
from typing import Any
from xml.etree import ElementTree

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sheets_sync.sheets import xlsx_sheetxml
from sheets_sync.sheets.xlsx_cells import col_letters
from sheets_sync.sheets.xlsx_sheetxml import SheetPatch, UnsafeSheet
from tests.test_properties import bounded

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS = {"m": MAIN}
EXAMPLES = 300

blanks = st.one_of(
    st.just(""),
    st.text(" \t\r\n", max_size=8),
    st.integers(1, 5000).map(lambda n: " " * n),  # long runs, past a small chunk
)
texts = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x2FF), max_size=12)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@st.composite
def cell_xml(draw: Any, ref: str) -> str:
    kind = draw(st.sampled_from(["number", "shared", "inline", "empty", "formula"]))
    style = draw(st.sampled_from(["", ' s="1"']))
    if kind == "number":
        return f'<c r="{ref}"{style}><v>{draw(st.integers(-5, 10**6))}</v></c>'
    if kind == "shared":
        return f'<c r="{ref}"{style} t="s"><v>{draw(st.integers(0, 3))}</v></c>'
    if kind == "inline":
        return f'<c r="{ref}" t="inlineStr"><is><t>{_escape(draw(texts))}</t></is></c>'
    if kind == "formula":
        return f'<c r="{ref}"><f>A1*2</f><v>4</v></c>'
    return f'<c r="{ref}"{style}/>'


@st.composite
def sheets(draw: Any) -> tuple[bytes, dict[int, dict[int, str]], list[str]]:
    """A worksheet part, the writes to make and the merged ranges it declares."""
    numbers = sorted(draw(st.sets(st.integers(1, 12), max_size=8)))
    rows = []
    for number in numbers:
        cols = sorted(draw(st.sets(st.integers(1, 8), max_size=5)))
        cells = [draw(blanks) + draw(cell_xml(f"{col_letters(c)}{number}")) for c in cols]
        rows.append(f'{draw(blanks)}<row r="{number}">{"".join(cells)}{draw(blanks)}</row>')
    writes: dict[int, dict[int, str]] = {}
    for row, col, text in draw(
        st.lists(st.tuples(st.integers(1, 14), st.integers(1, 10), texts), max_size=12)
    ):
        writes.setdefault(row, {})[col] = text
    merges = draw(st.lists(st.sampled_from(["A6:B6", "I1:J1", "C3:D4", "J14"]), max_size=2))
    merge_xml = "".join(f'<mergeCell ref="{m}"/>' for m in merges)
    tail = f"<mergeCells>{merge_xml}</mergeCells>" if merges else ""
    xml = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<worksheet xmlns="{MAIN}">'
        f'<dimension ref="A1:H12"/><sheetData>{"".join(rows)}{draw(blanks)}</sheetData>'
        f'{draw(blanks)}{tail}<pageMargins left="0.7"/></worksheet>'
    )
    return xml.encode(), writes, merges


def patch(xml: bytes, writes: dict[int, dict[int, str]]) -> bytes:
    out = io.BytesIO()
    SheetPatch(io.BytesIO(xml), out, writes).run()
    return out.getvalue()


def cells_of(xml: bytes) -> dict[tuple[int, int], str]:
    """Every cell as (row, column) -> its XML, checking rows and cells are in order."""
    found: dict[tuple[int, int], str] = {}
    last_row = 0
    for row in ElementTree.fromstring(xml).iterfind("m:sheetData/m:row", NS):
        number = int(row.get("r", "0"))
        assert number > last_row
        last_row, last_col = number, 0
        for cell in row.iterfind("m:c", NS):
            ref = cell.get("r", "")
            letters = ref.rstrip("0123456789")
            col = next(c for c in range(1, 30) if col_letters(c) == letters)
            assert col > last_col and ref == f"{letters}{number}"
            last_col = col
            cell.tail = None  # whitespace between the cells of a rewritten row may go
            found[(number, col)] = ElementTree.tostring(cell, encoding="unicode")
    return found


def hidden(merges: list[str], writes: dict[int, dict[int, str]]) -> bool:
    from sheets_sync.sheets.xlsx_cells import parse_range

    for merge in merges:
        top, left, bottom, right = parse_range(merge)
        for row, cols in writes.items():
            for col, text in cols.items():
                inside = top <= row <= bottom and left <= col <= right
                if inside and text and (row, col) != (top, left):
                    return True
    return False


@bounded(EXAMPLES)
@given(sheets())
def test_writes_land_and_nothing_else_changes(
    sheet: tuple[bytes, dict[int, dict[int, str]], list[str]],
) -> None:
    xml, writes, merges = sheet
    if hidden(merges, writes):
        with pytest.raises(UnsafeSheet, match="vùng ô gộp"):
            patch(xml, writes)
        return
    out = patch(xml, writes)
    before, after = cells_of(xml), cells_of(out)
    written = {(r, c) for r, cols in writes.items() for c in cols}
    assert {k: v for k, v in after.items() if k not in written} == {
        k: v for k, v in before.items() if k not in written
    }
    for (row, col), text in ((k, writes[k[0]][k[1]]) for k in written):
        if text:
            cell = ElementTree.fromstring(after[(row, col)])
            assert cell.get("t") == "inlineStr"
            assert "".join(cell.itertext()) == text
        else:
            assert (row, col) not in after or "<ns0:v" not in after[(row, col)]
    # Outside <sheetData>, every byte is kept (the dimension may only grow).
    tail = xml[xml.index(b"</sheetData>") :]
    assert out.endswith(tail)


@bounded(EXAMPLES // 3)
@given(sheets(), st.sampled_from([1, 5, 64]))
def test_the_result_does_not_depend_on_the_chunk_size(
    sheet: tuple[bytes, dict[int, dict[int, str]], list[str]], chunk: int
) -> None:
    xml, writes, merges = sheet
    if hidden(merges, writes):
        return
    expected = patch(xml, writes)
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(xlsx_sheetxml, "_CHUNK", chunk)
        # Rows, cells and merges then cross chunk ends, as in a sheet far larger than a chunk.
        monkeypatch.setattr(xlsx_sheetxml, "_LOOKAHEAD", 40)
        assert patch(xml, writes) == expected
