"""Turn decided rows into .docx bytes: one list per unit and the consolidated list."""

from __future__ import annotations

import functools
import io
import operator
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO, TypeVar, overload

from ..config import DocumentSettings
from ..model import Response, RowResult, Staff
from ..phones import format_phone
from ..positions import is_chair
from ..text import fold
from .layout import (
    SUMMARY_STAFF_HEADING,
    Letterhead,
    Signature,
    Widths,
    body_parts,
    signature_block,
    table_columns,
    table_widths,
)
from .package import (
    BASE_PARTS,
    DOCUMENT_HEAD,
    DOCUMENT_PART,
    DOCUMENT_TAIL,
    TEXT_WIDTH,
    StreamedPart,
    ZipFrame,
    compress,
    write_zip,
)
from .template import TemplateFiller

Rows = list[tuple[str, ...]]
T = TypeVar("T")
# One unit as the lists print it: unit, fanpage name, link, note and its staff as (name,
# position, unit, phone), then the day it was submitted. Plain tuples are cheap to send to a
# worker process.
SummaryUnit = tuple[str, str, str, str, tuple[tuple[str, str, str, str], ...], date | None]
# Characters of document.xml encoded and deflated at a time while the consolidated list streams.
CHUNK_CHARS = 1 << 18
BLANK_DATE = ("...", "...", "....")  # day, month and year left to write by hand


class DocumentMaker:
    """Make the Word lists of one run; the parts shared by every file are built once, here."""

    def __init__(
        self, settings: DocumentSettings, template: Path | None = None, today: date | None = None
    ) -> None:
        self.settings = settings
        self.template = template
        # Resolved once, so every file of a run carries the same date, even past midnight.
        self.day = today or date.today()
        self._filler = TemplateFiller(template) if template is not None else None
        self._entries = [compress(name, text.encode()) for name, text in BASE_PARTS]
        self._slot = [name for name, _ in BASE_PARTS].index(DOCUMENT_PART)
        self._frame = ZipFrame(self._entries, self._slot)

    def unit(self, result: RowResult) -> bytes:
        """Return the list of one unit, signed for its executive committee by its chair."""
        response = result.response
        return self.unit_of(summary_unit(response), response.roster_unit or response.unit)

    def unit_of(self, unit: SummaryUnit, listed: str) -> bytes:
        """Return the list of one unit already reduced by `summary_units`.

        `listed` is the unit as the roster writes it (a unit's own template may print it).
        """
        name, fanpage, url, note, staff, submitted = unit
        settings = self.settings
        signature = Signature(
            settings.signer_authority,
            settings.signer_title,
            settings.signer_note,
            _chair(staff),
        )
        fanpages = [("1", name, fanpage, url, note)]  # as `fanpage_rows` lays out one unit
        staff_table = list(_summary_staff([unit]))
        day = self.document_day(submitted)
        issuer = issuer_name(settings.unit_prefix, name)
        if self._filler is not None:
            values = placeholder_values(settings.superior_body, issuer, listed, day, signature)
            return self._filler.fill(fanpages, staff_table, values, signature_block(signature))
        head = Letterhead(settings.superior_body, issuer, date_line(settings.place, day))
        widths = table_widths(fanpages, staff_table)
        return self._document(body_parts(head, fanpages, staff_table, signature, widths))

    def summary(self, results: Sequence[RowResult]) -> bytes:
        """Return the consolidated list: one fanpage row per unit, then every staff member."""
        return self.summary_of(summary_units(results))

    def summary_of(self, units: Sequence[SummaryUnit]) -> bytes:
        """Return the consolidated list of units already reduced by `summary_units`."""
        stream = io.BytesIO()
        self.write_summary(units, stream)
        return stream.getvalue()

    def write_summary(self, units: Sequence[SummaryUnit], stream: BinaryIO) -> None:
        """Write the consolidated list `summary_of` returns into a seekable `stream`.

        Its document.xml goes row by row into the deflater, and the deflated bytes into
        `stream`: a national roster's list is hundreds of megabytes of XML, and over ten
        of deflated bytes, that never need to be whole in memory.
        """
        settings = self.settings
        signature = Signature(
            settings.summary_signer_authority,
            settings.summary_signer_title,
            settings.signer_note,
            settings.summary_signer_name,
        )
        if self._filler is not None:
            day = self.document_day(latest_day(units))
            superior, issuer = settings.summary_superior_body, settings.summary_issuer
            values = placeholder_values(superior, issuer, issuer, day, signature)
            rows = list(_fanpages(units)), list(_summary_staff(units))
            stream.write(self._filler.fill(*rows, values, signature_block(signature)))
            return
        latest, widths = measured(units)
        line = date_line(settings.place, self.document_day(latest))
        head = Letterhead(settings.summary_superior_body, settings.summary_issuer, line)
        parts = body_parts(
            head,
            _fanpages(units),
            _summary_staff(units),
            signature,
            widths,
            SUMMARY_STAFF_HEADING,
        )
        chunks = _encoded((DOCUMENT_HEAD, DOCUMENT_TAIL), parts)
        write_zip(stream, self._entries, StreamedPart(self._slot, DOCUMENT_PART, chunks))

    def document_day(self, submitted: date | None) -> date | None:
        """Return the day a list whose latest submission is `submitted` carries, or None for
        a line left to fill in by hand.

        Only the settings and the data decide it (not the clock, unless asked for "today"),
        so a rerun on another day gives the same bytes.
        """
        mode = self.settings.date
        if isinstance(mode, date):
            return mode
        if mode == "today":
            return self.day
        if mode == "submission":
            return submitted
        return None

    def _document(self, parts: Iterable[str]) -> bytes:
        # Joined with the part's head and tail at once: `document_xml(body(...))` copies twice.
        xml = "".join((DOCUMENT_HEAD, *parts, DOCUMENT_TAIL))
        return self._frame.archive(compress(DOCUMENT_PART, xml.encode()))


class Reduced(Sequence[T]):
    """Results each reduced by `reduce` when asked for, never all held reduced at once.

    A national run's lists read its hundred thousand results a few times over: reducing
    them again each time costs less than holding them all reduced. Sent to a worker
    process (pickled), it goes as the plain tuple of what it reduces to.
    """

    def __init__(self, results: Sequence[RowResult], reduce: Callable[[RowResult], T]) -> None:
        self._results = results
        self._reduce = reduce

    def __len__(self) -> int:
        return len(self._results)

    def __iter__(self) -> Iterator[T]:
        return map(self._reduce, self._results)

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> Reduced[T]: ...
    def __getitem__(self, index: int | slice) -> T | Reduced[T]:
        if isinstance(index, slice):
            return Reduced(self._results[index], self._reduce)
        return self._reduce(self._results[index])

    def __reduce__(self) -> tuple[type[tuple[T, ...]], tuple[list[T]]]:
        return tuple, (list(self),)


def summary_units(results: Sequence[RowResult]) -> Reduced[SummaryUnit]:
    """Keep of each result what the consolidated list prints, as plain tuples."""
    return Reduced(results, _result_unit)


def _result_unit(result: RowResult) -> SummaryUnit:
    return summary_unit(result.response)


def summary_unit(response: Response) -> SummaryUnit:
    """Keep of a response what the lists print, as plain tuples."""
    staff = tuple(map(_STAFF_FIELDS, response.staff))
    day = _day(response.submitted_at)
    return response.unit, response.fanpage_name, response.fanpage_url, response.note, staff, day


_STAFF_FIELDS = operator.attrgetter("name", "position", "unit", "phone")


def _day(moment: datetime | None) -> date | None:
    return moment.date() if moment is not None else None


def measured(units: Iterable[SummaryUnit]) -> tuple[date | None, Widths]:
    """Return `latest_day` and both tables' column widths, reading the units once.

    Each reading of a national run's units reduces them again (see `Reduced`).
    """
    fanpages, staff = table_columns()
    latest: date | None = None
    for unit in units:
        # Each unit's rows are numbered from 1 here: the number column is not measured.
        for values in _fanpages((unit,)):
            fanpages.add(values)
        for values in _summary_staff((unit,)):
            staff.add(values)
        day = unit[5]
        if day is not None and (latest is None or day > latest):
            latest = day
    return latest, (fanpages.fit(TEXT_WIDTH), staff.fit(TEXT_WIDTH))


def latest_day(units: Iterable[SummaryUnit]) -> date | None:
    """Return the latest submission day among the units, None when none has a time."""
    return max((unit[5] for unit in units if unit[5] is not None), default=None)


def fanpage_rows(results: Sequence[RowResult]) -> Rows:
    """Return table 1: number, unit, fanpage name, link, note for each result."""
    return [
        (
            str(index),
            r.response.unit,
            r.response.fanpage_name,
            r.response.fanpage_url,
            r.response.note,
        )
        for index, r in enumerate(results, 1)
    ]


def staff_rows(staff: Sequence[Staff], unit: str) -> Rows:
    """Return table 2 for one unit: a staff member without a unit of their own works in `unit`."""
    return [_staff_row(index, member, unit) for index, member in enumerate(staff, 1)]


def _staff_row(index: int, member: Staff, unit: str) -> tuple[str, ...]:
    return (
        str(index),
        member.name,
        member.position,
        member.unit or unit,
        format_phone(member.phone),
    )


def _fanpages(units: Iterable[SummaryUnit]) -> Iterator[tuple[str, ...]]:
    for index, (unit, name, url, note, *_) in enumerate(units, 1):
        yield str(index), unit, name, url, note


def _summary_staff(units: Iterable[SummaryUnit]) -> Iterator[tuple[str, ...]]:
    """Yield every unit's staff, numbered straight through, as `staff_rows` lays them out."""
    index = 0
    for unit, _, _, _, staff, _ in units:
        for name, position, own_unit, phone in staff:
            index += 1
            yield str(index), name, position, own_unit or unit, format_phone(phone)


def _encoded(frame: tuple[str, str], parts: Iterable[str]) -> Iterator[bytes]:
    """Yield `frame[0]`, the parts, then `frame[1]` as UTF-8, about CHUNK_CHARS at a time."""
    pending = [frame[0]]
    length = len(frame[0])
    for part in parts:
        pending.append(part)
        length += len(part)
        if length >= CHUNK_CHARS:
            yield "".join(pending).encode()
            pending.clear()
            length = 0
    pending.append(frame[1])
    yield "".join(pending).encode()


def date_line(place: str, day: date | None) -> str:
    """Write the place and date as Nghị định 30 does: two digits for days < 10 and months 1-2.

    Without a day, dots leave room to write it by hand.
    """
    day_, month, year = date_parts(day)
    return f"{place}, ngày {day_} tháng {month} năm {year}"


def date_parts(day: date | None) -> tuple[str, str, str]:
    """Return day, month and year as the date line writes them; dots for a blank date."""
    if day is None:
        return BLANK_DATE
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{day.day:02d}", month, str(day.year)


def placeholder_values(
    superior: str, issuer: str, listed: str, day: date | None, signature: Signature
) -> dict[str, str]:
    """Return what each placeholder of a unit's own template stands for.

    `issuer` is the issuing body (`CÔNG ĐOÀN TRƯỜNG THCS NGỌC LÂM`), `listed` the unit as
    the roster writes it.
    """
    day_, month, year = date_parts(day)
    return {
        "CAP_TREN": superior.upper(),
        "DON_VI": issuer.upper(),
        "don_vi": listed,
        "ngay": day_,
        "thang": month,
        "nam": year,
        "nguoi_ky": signature.name,
        "chuc_vu_ky": signature.title,
    }


def issuer_name(prefix: str, unit: str) -> str:
    """Return the issuing union in capitals: `CÔNG ĐOÀN TRƯỜNG THCS NGỌC LÂM`."""
    key, prefix_key = fold(unit), _fold_prefix(prefix)
    # Word by word: "Công Doanh..." does not start with "Công đoàn".
    if key == prefix_key or key.startswith(prefix_key + " ") or not prefix_key:
        return unit.upper()
    return f"{prefix} {unit}".upper()


# The prefix is the same for every unit of a run: folded once.
_fold_prefix = functools.lru_cache(maxsize=16)(fold)


def chair_name(staff: Sequence[Staff]) -> str:
    """Return the name of the first staff member who chairs the union (not a vice-chair), or ''."""
    return _chair((member.name, member.position) for member in staff)


def _chair(staff: Iterable[tuple[str, ...]]) -> str:
    """Return the first name whose position (the next item) chairs the union, or ''."""
    return next((name for name, position, *_ in staff if _is_chair(position)), "")


# A few positions recur in every unit: each is folded once.
_is_chair = functools.lru_cache(maxsize=1024)(is_chair)
