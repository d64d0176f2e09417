"""Rewrite the cells of one worksheet XML part as it streams, leaving every other byte alone.

Rows without a write are copied as they are; a row with writes has its target cells replaced by
inline strings and new cells put in column order; missing rows are created in row order.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from functools import lru_cache
from typing import IO

from .xlsx_cells import (
    STYLE,
    CellText,
    attributes,
    col_letters,
    col_number,
    parse_range,
    plain_cells,
    widen_spans,
)

_CHUNK = 1 << 20
_LOOKAHEAD = 1 << 16  # a start tag longer than this is not one this writer expects
_ATTRS = rb"((?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*"
_MAIN_NS = (
    b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    b"http://purl.oclc.org/ooxml/spreadsheetml/main",
)
_SHEET_DATA = re.compile(rb"<(\w+:)?sheetData(?=[\s/>])" + _ATTRS + rb"(/?)>")
_ROOT = re.compile(rb"<(?:\w+:)?worksheet(?=[\s/>])" + _ATTRS + rb">")
_DECLARATION = re.compile(rb"\s*(?:\xef\xbb\xbf)?\s*<\?xml" + _ATTRS + rb"\?>")
_ROW_NUMBER = re.compile(rb"\sr\s*=\s*[\"'](\d+)[\"']")
_ANY_R = re.compile(rb"\sr\s*=")
_ANY_REF = re.compile(rb"\sref\s*=")
# A cell element under any prefix, for content the row parser did not take as a cell.
_ANY_CELL = re.compile(rb"<(?:\w+:)?c[\s/>]")
_CELL_REF = re.compile(rb"\sr\s*=\s*[\"']([A-Za-z]{1,3})(\d+)[\"']")
_BACK_STEPS = 64
_AFTER_NAME = (b" ", b"\t", b"\r", b"\n", b"/", b">")
_BLANK = re.compile(rb"\s*")
_REF_ATTR = re.compile(rb"(\sref\s*=\s*([\"']))(.*?)(\2)")


class UnsafeSheet(Exception):
    """The sheet holds something this writer cannot change without risk; `ref` names the cell."""

    def __init__(self, reason: str, ref: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.ref = ref


@lru_cache(maxsize=8)
def _grammar(prefix: bytes) -> dict[str, re.Pattern[bytes]]:
    """Compile the patterns for elements written with `prefix` (b"" or b"x:")."""
    p = re.escape(prefix)
    return {
        "row": re.compile(rb"<" + p + rb"row(?=[\s/>])" + _ATTRS + rb"(/?)>"),
        "row_end": re.compile(rb"</" + p + rb"row\s*>"),
        "data_end": re.compile(rb"</" + p + rb"sheetData\s*>"),
        # A cell's content never holds another cell's tag: stopping there keeps a row of
        # unclosed `<c>` linear instead of scanning to the row's end from each of them.
        # Text without `<` is taken a run at a time (possessively: never given back), and
        # only a `<` is looked at closely.
        "cell": re.compile(
            rb"<"
            + p
            + rb"c(?=[\s/>])"
            + _ATTRS
            + rb"(?:/>|>((?:[^<]++|<(?!/?"
            + p
            + rb"c[\s/>]))*?)</"
            + p
            + rb"c\s*>)",
            re.S,
        ),
        "formula": re.compile(rb"<" + p + rb"f(?=[\s/>])" + _ATTRS + rb"/?>"),
        "dimension": re.compile(rb"<" + p + rb"dimension(?=[\s/>])" + _ATTRS + rb"/?>"),
        "merge": re.compile(rb"<" + p + rb"mergeCell(?=[\s/>])" + _ATTRS + rb"/?>"),
    }


class SheetPatch:
    """Stream one worksheet part from `source` to `target`, applying `cells` (row → col → text)."""

    def __init__(
        self, source: IO[bytes], target: IO[bytes], cells: Mapping[int, Mapping[int, str]]
    ) -> None:
        self.source, self.target = source, target
        self.cells = plain_cells(cells)
        self.rows = sorted(cells)
        self.cols = sorted({col for row in cells.values() for col in row})
        self.buf, self.pos, self.mark, self.done = b"", 0, 0, 0
        self.eof = False
        self.next_new = 0  # index in self.rows of the next row not yet written
        self.formula_replaced = False
        self.g: dict[str, re.Pattern[bytes]] = {}
        self.prefix = b""

    def run(self) -> None:
        """Copy the part with the writes applied."""
        found = self._head()
        if found[3]:  # <sheetData/>: an empty sheet
            self._emit(self.buf[self.done : found.start()])
            self._emit(b"<" + self.prefix + b"sheetData" + found[2] + b">")
            self._emit(self._new_rows(None))
            self._emit(b"</" + self.prefix + b"sheetData>")
            self.done = found.end()
        else:
            self._rows()
        self._tail()

    def _tail(self) -> None:
        """Copy what follows the rows, refusing a write into a merged cell's hidden part.

        `<mergeCells>` comes after `<sheetData>`: the rows are already in the temporary
        file, which a refusal throws away. Chunks overlap so a tag cut in two is seen whole.
        """
        window = self.buf[self.done :]
        self._emit(window)
        while True:
            if b"mergeCell" in window:
                for merge in self.g["merge"].finditer(window):
                    self._check_merge(attributes(merge[1]).get(b"ref", b""))
            chunk = self.source.read(_CHUNK)
            if not chunk:
                return
            self._emit(chunk)
            window = window[-_LOOKAHEAD:] + chunk

    def _check_merge(self, ref: bytes) -> None:
        """Refuse text written into a merged range anywhere but its top-left cell."""
        try:
            top, left, bottom, right = parse_range(ref.decode("ascii"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise UnsafeSheet("vùng ô gộp lạ") from exc
        if bisect_left(self.cols, left) == bisect_right(self.cols, right):
            return
        for number in self.rows[bisect_left(self.rows, top) : bisect_right(self.rows, bottom)]:
            for col, text in self.cells[number].items():
                if left <= col <= right and text and (number, col) != (top, left):
                    where = f"{col_letters(col)}{number}"
                    raise UnsafeSheet(f"vùng ô gộp {ref.decode('ascii')}", where)

    def _head(self) -> re.Match[bytes]:
        """Read up to `<sheetData>`, learn the prefixes and write the head with its dimension."""
        while not (found := _SHEET_DATA.search(self.buf)):
            if not self._more():
                raise UnsafeSheet("không có thẻ sheetData")
        head = self.buf[: found.start()]
        declaration = _DECLARATION.match(head)
        encoding = attributes(declaration[1]).get(b"encoding", b"utf-8") if declaration else b""
        if encoding.lower() not in (b"utf-8", b"utf8", b"") or b"<!" in head:
            raise UnsafeSheet("mã hóa hoặc khai báo XML lạ")
        self.prefix = found[1] or b""
        root = _ROOT.search(head)
        name = b"xmlns:" + self.prefix[:-1] if self.prefix else b"xmlns"
        if root is None or attributes(root[1]).get(name) not in _MAIN_NS:
            raise UnsafeSheet("không gian tên XML lạ")
        self.g = _grammar(self.prefix)
        self._emit(self._with_dimension(head))
        self.done = self.pos = self.mark = found.start()
        if not found[3]:
            self.pos = found.end()
        return found

    def _with_dimension(self, head: bytes) -> bytes:
        """Widen `<dimension ref>` to hold the new cells."""
        dimension = self.g["dimension"].search(head)
        # Rows and columns of the texts written (an empty write only clears a cell).
        rows = [r for r, row in self.cells.items() if any(row.values())]
        cols = {c for row in self.cells.values() for c, text in row.items() if text}
        if dimension is None or not rows:
            return head
        ref = attributes(dimension[1]).get(b"ref")
        if ref is None:
            return head
        try:
            top, left, bottom, right = parse_range(ref.decode("ascii"))
        except ValueError as exc:
            raise UnsafeSheet("thẻ dimension lạ") from exc
        box = (min(top, *rows), min(left, *cols), max(bottom, *rows), max(right, *cols))
        if box == (top, left, bottom, right):
            return head
        new_ref = CellText.range_ref(*box).encode()
        tag = _REF_ATTR.sub(lambda m: m[1] + new_ref + m[4], dimension[0], count=1)
        return head[: dimension.start()] + tag + head[dimension.end() :]

    def _rows(self) -> None:
        """Walk the rows of `<sheetData>`, copying untouched ones in runs."""
        number = 0
        while True:
            self.mark = self.pos = self._skip_blank()
            end = self._match(self.g["data_end"])
            if end is not None:
                self._emit(self.buf[self.done : self.pos])
                self._emit(self._new_rows(None))
                self.done = self.pos
                return
            start = self._match(self.g["row"])
            if start is None:
                raise UnsafeSheet("nội dung lạ trong sheetData")
            given = _ROW_NUMBER.search(start[1])
            if given is None and _ANY_R.search(start[1]):
                raise UnsafeSheet("số hàng không đọc được")  # `r="5.0"`: no guessing
            previous, number = number, int(given[1]) if given else number + 1
            if number <= previous:
                raise UnsafeSheet("các hàng không theo thứ tự")
            tag, body_start = start[0], start.end() - self.pos
            if start[2]:
                body_end = row_end = start.end()
            else:  # the search may read more and move the buffer: positions come after it
                end = self._search(self.g["row_end"], start.end())
                body_end, row_end = end.start(), end.end()
            self._row(tag, self.mark + body_start, body_end, row_end, number)
            self.pos = row_end

    def _row(self, tag: bytes, body_start: int, body_end: int, row_end: int, number: int) -> None:
        """Handle one existing row: new rows before it, then it copied or rewritten."""
        row_start = self.mark
        if self.next_new < len(self.rows) and self.rows[self.next_new] < number:
            self._emit(self.buf[self.done : row_start])
            self._emit(self._new_rows(number))
            self.done = row_start
        if self.buf.find(b"<!", body_start, body_end) >= 0:
            # A comment or CDATA could hide a closing tag: this row's end is not certain.
            raise UnsafeSheet("chú thích hoặc CDATA trong hàng", str(number))
        # The plain search skips the regular expression, slow over a whole row, most times.
        if self.buf.find(b"ref", body_start, body_end) >= 0 and _ANY_REF.search(
            self.buf, body_start, body_end
        ):
            self._check_ranges(self.buf[body_start:body_end])
        if number in self.cells:
            self._emit(self.buf[self.done : row_start])
            body = self.buf[body_start:body_end]
            self._emit(self._patched_row(tag, body, number, exists=True))
            self.done = row_end
            self.next_new += 1

    def _new_rows(self, before: int | None) -> bytes:
        """Create the rows with writes numbered below `before` (all that remain for None)."""
        stop = len(self.rows) if before is None else bisect_left(self.rows, before)
        pieces = []
        for number in self.rows[self.next_new : stop]:
            tag = b"<" + self.prefix + b'row r="' + str(number).encode() + b'">'
            pieces.append(self._patched_row(tag, b"", number, exists=False))
        self.next_new = max(self.next_new, stop)
        return b"".join(pieces)

    def _patched_row(self, tag: bytes, body: bytes, number: int, *, exists: bool) -> bytes:
        """Return the row with its writes applied; b"" for a new row left empty."""
        if b"xmlns" in tag or b"xmlns" in body:
            raise UnsafeSheet("khai báo không gian tên trong hàng", str(number))
        if tag.endswith(b"/>"):
            tag = tag[:-2].rstrip() + b">"
        edit = CellText(number, self.prefix, self.cells[number])
        cells_xml, trailing = self._merge_cells(edit, body)
        if not exists and not cells_xml:
            return b""
        tag = widen_spans(tag, edit.new_cols)
        return tag + cells_xml + trailing + b"</" + self.prefix + b"row>"

    def _merge_cells(self, edit: CellText, body: bytes) -> tuple[bytes, bytes]:
        """Put the row's writes among its existing cells; return the cells and what follows."""
        done = self._resume_point(body, edit.pending[0])
        out: list[bytes] = [body[:done]]
        col = 0
        for cell in self.g["cell"].finditer(body, done):
            if body[done : cell.start()].strip():
                raise UnsafeSheet("nội dung lạ giữa các ô", str(edit.row))
            ref = _CELL_REF.search(cell[1])
            previous, col = col, col_number(ref[1]) if ref else col + 1
            if col <= previous or (ref and int(ref[2]) != edit.row):
                raise UnsafeSheet("các ô không theo thứ tự", edit.ref(col))
            out.append(edit.before(col))
            if edit.targets(col):
                self._check_formula(cell[2] or b"", edit.ref(col))
                style = STYLE.search(cell[1])
                out.append(edit.replace(col, style[1] if style else None))
            else:
                out.append(cell[0])
                edit.saw(col, cell[1])
            done = cell.end()
        trailing = body[done:]
        if _ANY_CELL.search(trailing) or trailing.lstrip()[:1] not in (b"", b"<"):
            raise UnsafeSheet("nội dung lạ sau các ô", str(edit.row))
        out.append(edit.before(None))
        return b"".join(out), trailing

    def _resume_point(self, body: bytes, first: int) -> int:
        """Find the last cell left of column `first` that states its reference; 0 if unsure.

        Status columns sit at the right of a row, so the cells before this one need no parsing.
        """
        tag = b"<" + self.prefix + b"c"
        end = len(body)
        for _ in range(_BACK_STEPS):
            start = body.rfind(tag, 0, end)
            if start < 0:
                return 0
            end = start
            if body[start + len(tag) : start + len(tag) + 1] not in _AFTER_NAME:
                continue
            cell = self.g["cell"].match(body, start)
            ref = _CELL_REF.search(cell[1]) if cell else None
            if ref is None:
                return 0
            if col_number(ref[1]) < first:
                return start
        return 0

    def _check_formula(self, content: bytes, ref: str) -> None:
        """Refuse a cell in a shared or array formula; note a plain formula being replaced."""
        formula = self.g["formula"].search(content)
        if formula is None:
            return
        kind = attributes(formula[1]).get(b"t", b"normal")
        if kind != b"normal":
            raise UnsafeSheet("công thức dùng chung hoặc công thức mảng", ref)
        self.formula_replaced = True

    def _check_ranges(self, row: bytes) -> None:
        """Refuse writes inside the range of an array, shared or data-table formula."""
        for formula in self.g["formula"].finditer(row):
            attrs = attributes(formula[1])
            if b"ref" not in attrs:
                continue
            try:
                top, left, bottom, right = parse_range(attrs[b"ref"].decode("ascii"))
            except ValueError as exc:
                raise UnsafeSheet("công thức có vùng lạ") from exc
            if bisect_left(self.cols, left) == bisect_right(self.cols, right):
                continue  # no write in those columns: the common case, decided quickly
            for number in self.rows[bisect_left(self.rows, top) : bisect_right(self.rows, bottom)]:
                for col in self.cells[number]:
                    if left <= col <= right:
                        ref = f"{col_letters(col)}{number}"
                        raise UnsafeSheet("công thức dùng chung hoặc công thức mảng", ref)

    # -- the buffer ---------------------------------------------------------------------------

    def _emit(self, data: bytes) -> None:
        if data:
            self.target.write(data)

    def _more(self) -> bool:
        """Read another chunk, first dropping what is written and no longer needed."""
        chunk = b"" if self.eof else self.source.read(_CHUNK)
        if not chunk:
            self.eof = True
            return False
        cut = self.mark if self.g else 0  # the head stays whole until its dimension is set
        if self.done < cut:
            self._emit(self.buf[self.done : cut])
            self.done = cut
        self.buf = self.buf[cut:] + chunk
        self.pos, self.mark, self.done = self.pos - cut, self.mark - cut, self.done - cut
        return True

    def _skip_blank(self) -> int:
        """Move past whitespace; what is skipped may leave the buffer, so a run is read once."""
        while True:
            end = _BLANK.match(self.buf, self.pos).end()  # type: ignore[union-attr]
            if end < len(self.buf):
                return end
            self.pos = self.mark = end
            if not self._more():
                return end

    def _match(self, pattern: re.Pattern[bytes]) -> re.Match[bytes] | None:
        """Match `pattern` at the position, reading more while the buffer may cut it short."""
        while True:
            found = pattern.match(self.buf, self.pos)
            if (found and found.end() < len(self.buf)) or len(self.buf) - self.pos > _LOOKAHEAD:
                return found
            if not self._more():
                return found

    def _search(self, pattern: re.Pattern[bytes], start: int) -> re.Match[bytes]:
        """Search for a closing tag from `start`, reading more; each byte is searched once.

        A closing tag holds one `<`, so after a miss only the text from the last `<` on
        can still start one.
        """
        offset = start - self.pos
        while not (found := pattern.search(self.buf, self.pos + offset)):
            last = self.buf.rfind(b"<", self.pos + offset)
            offset = (last if last >= 0 else len(self.buf)) - self.pos
            if not self._more():
                raise UnsafeSheet("hàng không có thẻ đóng")
        return found
