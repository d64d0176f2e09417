"""A local CSV of responses as a source: read it, write statuses back in place.

Records nobody writes to are written back exactly as they were read; only the records that
get a status are serialized again, in the file's own delimiter, line ending and encoding.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from ..errors import SourceError
from ..model import Cell, CellWrite, SheetData, Table
from . import limits
from .localfile import (
    FileStamp,
    atomic_replace,
    ensure_not_open,
    read_stamped,
    read_unchanged,
)
from .rosterfile import RosterFile, locked_sources, split_writes

# A cell starting with one of these is a formula to spreadsheet programs (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_DELIMITERS = ",;\t"
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Windows-1258 spells Vietnamese with base letters â ê ô ơ ư ă and separate tone marks.
_SHAPE_MARKS = "\u0302\u0306\u031b"
_CLUSTER = re.compile(r"(.)([\u0300-\u036f]*)", re.DOTALL)


@dataclass(frozen=True)
class CsvText:
    """A decoded CSV: how it was spelled and, per record, its raw text and its fields."""

    codec: str
    bom: bytes
    delimiter: str
    newline: str
    records: list[str]
    rows: list[list[str]]

    def table_rows(self) -> list[list[Cell]]:
        """Return the rows as the Sheets API would: trailing empty cells and rows trimmed."""
        rows: list[list[Cell]] = []
        last = 0
        for fields in self.rows:
            end = len(fields)
            while end and fields[end - 1] == "":
                end -= 1
            row: list[Cell] = list(fields[:end])
            if any(value[:1] == "'" for value in fields[:end]):
                row = [_unescape(value) for value in fields[:end]]
            rows.append(row)
            if row:
                last = len(rows)
        return rows[:last]

    def render(self, writes: Sequence[CellWrite]) -> bytes:
        """Return the file's bytes with `writes` applied, in its encoding when it can hold them."""
        spell = _cp1258_form if self.codec == "cp1258" else str
        try:
            return self.bom + self._render_text(writes, spell).encode(self.codec)
        except UnicodeEncodeError:
            # Text the file's encoding cannot hold (Vietnamese in an ASCII file): the file moves
            # to UTF-8 with the byte-order mark by which Excel recognizes it.
            return codecs.BOM_UTF8 + self._render_text(writes, str).encode("utf-8")

    def _render_text(self, writes: Sequence[CellWrite], spell: Callable[[str], str]) -> str:
        records = list(self.records)
        changed: dict[int, list[str]] = {}
        for write in writes:
            index = write.row - 1
            if index not in changed:
                changed[index] = list(self.rows[index]) if index < len(self.rows) else []
            row = changed[index]
            row.extend([""] * (write.col - len(row)))
            row[write.col - 1] = spell(escape_formula(write.value))
        needed = max(changed, default=-1) + 1
        if needed > len(records):
            if records and not _ending(records[-1]):
                records[-1] += self.newline
            records.extend([self.newline] * (needed - len(records)))
        for index, row in sorted(changed.items()):
            records[index] = _serialize(row, self.delimiter) + _ending(records[index])
        return "".join(records)


def escape_formula(value: str) -> str:
    """Prefix `'` to a value a spreadsheet program would run as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _unescape(value: str) -> str:
    if value[:1] == "'" and value[1:2] and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def parse_csv(data: bytes, path: Path) -> CsvText:
    """Decode and split a CSV file, remembering its encoding, delimiter and line ending."""
    if data.startswith(b"PK\x03\x04"):
        raise SourceError(
            f"Tệp {path} là tệp Excel chứ không phải CSV; đổi đuôi tệp thành .xlsx rồi chạy lại."
        )
    limits.check_file_size(path, len(data), limits.MAX_CSV_BYTES)
    codec, bom, text = _decode(data, path)
    delimiter = _sniff_delimiter(text)
    if data.count(b"\n") > limits.MAX_ROWS:  # count first: keeping every record costs more
        limits.check_row_count(_count_records(text, delimiter), path, path.stem)
    records, rows = _split_records(text, delimiter, path)
    limits.check_row_count(len(rows), path, path.stem)
    for number, record in enumerate(records, start=1):
        if len(record) > limits.MAX_CELL_CHARS:  # only then can a cell of it be too long
            limits.check_cells(rows[number - 1], number, path, path.stem)
    newline = next((_ending(record) for record in records if _ending(record)), "\r\n")
    return CsvText(codec, bom, delimiter, newline, records, rows)


def _decode(data: bytes, path: Path) -> tuple[str, bytes, str]:
    """Return codec, byte-order mark and text: a BOM's codec, else UTF-8, else Windows-1258."""
    # Pure ASCII is told apart so that adding Vietnamese text gets the file a UTF-8 BOM.
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return codec, bom, data[len(bom) :].decode(codec)
            except UnicodeDecodeError:
                break
    else:
        for codec in (*_utf16_without_bom(data), "ascii", "utf-8", "cp1258"):
            try:
                return codec, b"", data.decode(codec)
            except UnicodeDecodeError:
                continue
    raise SourceError(
        f"Không đọc được bảng mã chữ của tệp {path}; mở bằng Excel và lưu lại dạng "
        "“CSV UTF-8” rồi chạy lại."
    )


def _utf16_without_bom(data: bytes) -> tuple[str, ...]:
    """Tell UTF-16 saved without a byte-order mark by its zero bytes: ("utf-16-le",) or so.

    Text files hold no zero byte, but UTF-16 gives one to every ASCII character (digits,
    commas, spaces), always on the same side: odd offsets for little-endian.
    """
    sample = data[:65536]
    if len(sample) < 4 or b"\x00" not in sample:
        return ()
    even, odd = sample[0::2].count(0) / len(sample[0::2]), sample[1::2].count(0) / len(sample[1::2])
    if odd > 0.2 and even < 0.02:
        return ("utf-16-le",)
    if even > 0.2 and odd < 0.02:
        return ("utf-16-be",)
    return ()


def _sniff_delimiter(text: str) -> str:
    """Guess comma, semicolon or tab; the header line has the final say."""
    sample = text[:65536]
    if len(text) > len(sample) and "\n" in sample:
        sample = sample[: sample.rindex("\n") + 1]
    header = re.split(r"[\r\n]", sample, maxsplit=1)[0]
    try:
        found = csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        found = ""
    if found and found in header:
        return found
    best = max(_DELIMITERS, key=header.count)
    return best if header.count(best) else ","


def _count_records(text: str, delimiter: str) -> int:
    """Count the records without keeping them; a malformed file fails later with its message."""
    try:
        return sum(1 for _ in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error:
        return 0


def _split_records(text: str, delimiter: str, path: Path) -> tuple[list[str], list[list[str]]]:
    """Parse the records, keeping each one's raw text so it can be written back unchanged."""
    consumed: list[str] = []

    def lines() -> Iterator[str]:
        for line in io.StringIO(text, newline=""):
            consumed.append(line)
            yield line

    records: list[str] = []
    rows: list[list[str]] = []
    try:
        for row in csv.reader(lines(), delimiter=delimiter):
            records.append("".join(consumed))
            consumed.clear()
            rows.append(row)
    except csv.Error as exc:
        raise SourceError(
            f"Tệp {path} không đúng dạng CSV ({exc}); mở bằng Excel, lưu lại rồi chạy lại."
        ) from exc
    if consumed and records:
        records[-1] += "".join(consumed)
    return records, rows


def _ending(record: str) -> str:
    if record.endswith("\r\n"):
        return "\r\n"
    return record[-1] if record[-1:] in ("\r", "\n") else ""


def _serialize(row: list[str], delimiter: str) -> str:
    buffer = io.StringIO()
    # The terminator is cut off below; "\r\n" makes the writer quote fields holding either.
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerow(row)
    return buffer.getvalue()[:-2]


def _cp1258_form(text: str) -> str:
    """Spell Vietnamese text in the letters and tone marks Windows-1258 has."""
    parts = []
    for base, marks in _CLUSTER.findall(unicodedata.normalize("NFD", text)):
        shaped = unicodedata.normalize("NFC", base + "".join(m for m in marks if m in _SHAPE_MARKS))
        tones = "".join(m for m in marks if m not in _SHAPE_MARKS)
        whole = unicodedata.normalize("NFC", shaped + tones)
        try:
            whole.encode("cp1258")
            parts.append(whole)
        except UnicodeEncodeError:
            parts.append(shaped + tones)
    return "".join(parts)


def write_csv(
    path: Path, stamp: FileStamp, text: CsvText, writes: Sequence[CellWrite]
) -> tuple[FileStamp, CsvText]:
    """Apply `writes` to the CSV at `path` atomically; return the new stamp and content."""
    ensure_not_open(path)
    read_unchanged(path, stamp)
    out = text.render(writes)
    atomic_replace(path, lambda handle: handle.write(out), stamp)
    data, new_stamp = read_stamped(path)
    return new_stamp, parse_csv(data, path)


class CsvBackend:
    """Responses in a CSV file; the roster, if any, comes from `--roster PATH`."""

    def __init__(self, path: Path, roster: Path | None = None) -> None:
        self.path = path
        self.roster_path = roster
        self._stamp: FileStamp | None = None
        self._text: CsvText | None = None
        self._roster_file: RosterFile | None = None

    @property
    def title(self) -> str:
        """Name the one sheet of a CSV after its file, as spreadsheet programs do."""
        return self.path.stem

    def lock(self, *, writing: bool = True) -> AbstractContextManager[None]:
        """Hold the run lock on the CSV (and the roster file) for a read and its write."""
        return locked_sources([self.path, self.roster_path], writing=writing)

    def read(
        self,
        worksheet: str | None,
        roster_worksheet: str,
        headers: Mapping[str, list[str]] | None = None,
    ) -> SheetData:
        """Read the responses and, with `--roster`, the roster file (a CSV has one sheet)."""
        if worksheet is not None and worksheet.strip().casefold() != self.title.casefold():
            raise SourceError(
                f"Tệp CSV {self.path} chỉ có một trang tính; bỏ tùy chọn --worksheet rồi chạy lại."
            )
        data, self._stamp = read_stamped(self.path, limits.MAX_CSV_BYTES)
        self._text = parse_csv(data, self.path)
        responses = Table(self.title, self._text.table_rows())
        roster = None
        self._roster_file = None
        if self.roster_path is not None:
            self._roster_file = RosterFile(self.roster_path, self.path)
            roster = self._roster_file.read(roster_worksheet, taken={self.title})
        return SheetData(str(self.path), responses, roster)

    def write(self, writes: Sequence[CellWrite], read: SheetData) -> None:
        """Write the status cells into the CSV (and the roster file), each atomically."""
        if self._stamp is None or self._text is None:
            raise RuntimeError("write() needs a read() first")
        own, roster = split_writes(writes, {self.title}, self._roster_file)
        if own:
            self._stamp, self._text = write_csv(self.path, self._stamp, self._text, own)
        if roster and self._roster_file is not None:
            self._roster_file.write(roster)
