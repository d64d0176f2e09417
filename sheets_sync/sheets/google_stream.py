"""The rows of a values.batchGet answer, parsed one at a time while the answer arrives.

A national sheet's answer is about 70-100 MB of JSON; parsed whole it is a second copy of the
sheet (several hundred MB) beside the one read. The row check needs one row at a time, so only
the text of the row being parsed is held: the structure around the rows is walked here and each
row is handed to the standard JSON decoder on its own.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from gspread.exceptions import APIError
from gspread.urls import SPREADSHEET_VALUES_BATCH_URL

from ..errors import SheetChangedError
from ..model import Cell
from .google_http import SheetsHTTPClient, T

READ_OPTIONS = {
    "valueRenderOption": "UNFORMATTED_VALUE",
    "dateTimeRenderOption": "SERIAL_NUMBER",
    "majorDimension": "ROWS",
    # Without indentation a national sheet's answer is a third smaller.
    "prettyPrint": "false",
}

_DECODER = json.JSONDecoder()
_SPACE = re.compile(r"[ \t\n\r]*")


class _Text:
    """The answer's text, decoded from UTF-8 chunk by chunk; text already parsed is dropped."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._utf8 = codecs.getincrementaldecoder("utf-8")()
        self.text, self.pos, self.ended = "", 0, False

    def _more(self) -> None:
        chunk = next(self._chunks, None)
        self.ended = chunk is None
        piece = self._utf8.decode(chunk or b"", final=self.ended)
        self.text, self.pos = self.text[self.pos :] + piece, 0

    def peek(self) -> str:
        """Return the next character that is not white space, reading on when needed."""
        while True:
            self.pos = _SPACE.match(self.text, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.text):
                return self.text[self.pos]
            if self.ended:
                raise ValueError("values.batchGet: the answer ends too soon")
            self._more()

    def take(self, char: str) -> None:
        if self.peek() != char:
            raise ValueError(
                f"values.batchGet: expected {char!r} at {self.text[self.pos :][:40]!r}"
            )
        self.pos += 1

    def value(self) -> Any:
        """Parse the next JSON value (a row, a string) once all of it has arrived."""
        self.peek()
        while True:
            try:
                value, end = _DECODER.raw_decode(self.text, self.pos)
                # A number at the very end of the text may go on in the next chunk.
                if end < len(self.text) or self.ended:
                    self.pos = end
                    return value
            except json.JSONDecodeError:
                if self.ended:
                    raise
            self._more()


def _members(text: _Text) -> Iterator[str]:
    """Yield the keys of a JSON object; the caller parses each member's value in turn."""
    text.take("{")
    if text.peek() == "}":
        text.pos += 1
        return
    while True:
        key = text.value()
        text.take(":")
        yield str(key)
        if text.peek() == "}":
            text.pos += 1
            return
        text.take(",")


def _items(text: _Text) -> Iterator[int]:
    """Yield the index of each item of a JSON array; the caller parses each item in turn."""
    text.take("[")
    if text.peek() == "]":
        text.pos += 1
        return
    index = 0
    while True:
        yield index
        if text.peek() == "]":
            text.pos += 1
            return
        text.take(",")
        index += 1


def _walk(chunks: Iterable[bytes]) -> Iterator[tuple[int, str | None, Any]]:
    """Yield (range index, key, value) through a values.batchGet answer, `values` row by row.

    Each range starts with (index, None, None), so a range with no member still shows.
    """
    text = _Text(chunks)
    for key in _members(text):
        if key != "valueRanges":
            text.value()
            continue
        for index in _items(text):
            yield index, None, None
            for field in _members(text):
                if field != "values":
                    yield index, field, text.value()
                    continue
                for _ in _items(text):
                    yield index, field, text.value()


def answer_rows(chunks: Iterable[bytes]) -> Iterator[tuple[int, list[Cell]]]:
    """Yield (index of the range asked for, row) for every row of a values.batchGet answer."""
    return ((index, value) for index, key, value in _walk(chunks) if key == "values")


def answer_ranges(chunks: Iterable[bytes]) -> list[tuple[list[list[Cell]], str]]:
    """Return each range's rows and its echoed A1 range (`'T'!A1:Z1000`), in order.

    A text repeated in the rows (a unit name typed in several columns) is kept as one object,
    as each row arrives: the answer is never held with its repeats.
    """
    parts: list[tuple[list[list[Cell]], list[str]]] = []
    seen: dict[str, str] = {}
    for _, key, value in _walk(chunks):
        if key is None:
            parts.append(([], [""]))
        elif key == "values":
            parts[-1][0].append(_held_once(value, seen))
        elif key == "range":
            parts[-1][1][0] = str(value)
    return [(rows, echo) for rows, (echo,) in parts]


def batch_get(
    http: SheetsHTTPClient, key: str, ranges: list[str], consume: Callable[[Iterator[bytes]], T]
) -> T:
    """Send one values.batchGet of `ranges` and hand its answer to `consume` as it arrives.

    Values come UNFORMATTED with dates as serial numbers, so the spreadsheet's locale never
    changes what comes back.
    """
    params: dict[str, Any] = {**READ_OPTIONS, "ranges": ranges}
    try:
        return http.stream(SPREADSHEET_VALUES_BATCH_URL % key, params, consume)
    except APIError as err:
        gone = ("Unable to parse range", "exceeds grid limits")
        if err.response.status_code == 400 and any(text in str(err) for text in gone):
            # Read a moment ago, gone now: renamed, deleted or cut short while we worked.
            raise SheetChangedError(
                "Một trang tính vừa bị đổi tên hoặc xóa trong lúc kiểm tra: chạy lại lệnh."
            ) from None
        raise


def _held_once(row: list[Cell], seen: dict[str, str]) -> list[Cell]:
    """Make each text of `row` already met in `seen` that same object."""
    for index, value in enumerate(row):
        if type(value) is str:
            row[index] = seen.setdefault(value, value)
    return row
