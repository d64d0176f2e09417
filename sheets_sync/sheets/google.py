"""Google Sheets backend over gspread: a read is 2 requests, a write 3, so a run is 5.

read:  spreadsheets.get (titles, ids, grid sizes only) + values.batchGet (responses, roster,
       row 1 of the other worksheets, to tell which one holds the form's answers).
write: (only when a status column lies past the grid: a spreadsheets.batchUpdate that grows
       it, so a first run is 6) + values.batchGet, to check the header and every row to
       write still hold what was read + values.batchUpdate (RAW, status cells only; split only
       above Google's 10 MiB request limit) + values.batchGet (did a row move while the write
       was in flight?). The checks ask for those rows only, as a few row ranges, when few.
Values are read UNFORMATTED with dates as serial numbers, so the spreadsheet's locale never
changes what comes back.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import gspread
from google.auth.exceptions import RefreshError
from gspread.exceptions import APIError, NoValidUrlKeyFound, SpreadsheetNotFound
from gspread.spreadsheet import Spreadsheet
from gspread.urls import SPREADSHEET_BATCH_UPDATE_URL, SPREADSHEET_VALUES_BATCH_UPDATE_URL
from gspread.utils import absolute_range_name, extract_id_from_url

from ..config import HEADER_ALIASES
from ..errors import SheetChangedError, SourceError
from ..form import pick_responses, refuse_roster
from ..model import Cell, CellWrite, SheetData, Table
from .base import title_key
from .google_auth import (
    account_of,
    explain_api_error,
    explain_refresh,
    key_path,
    load_key,
    make_credentials,
)
from .google_http import JSON_TYPE, RetryPolicy, SheetsHTTPClient
from .google_stream import answer_ranges, answer_rows, batch_get
from .google_writes import (
    Ahead,
    batches,
    body,
    by_sheet,
    check_rows,
    check_spans,
    grid_of,
    numbered,
    value_ranges,
)

# Google keys are 44 characters today; older ones are shorter but never under 20.
_KEY = re.compile(r"^[A-Za-z0-9_-]{20,}$")
# A grid grown or cells written need no answer but that it was done.
GROW_FIELDS = "spreadsheetId"
WRITE_FIELDS = "totalUpdatedCells"


def spreadsheet_key(source: str) -> str | None:
    """Return the spreadsheet key of a Google Sheets URL or bare key, else None."""
    text = source.strip()
    if text.startswith(("http://", "https://")):
        host = urlparse(text).hostname or ""
        if host != "google.com" and not host.endswith(".google.com"):
            return None
        try:
            return extract_id_from_url(text)
        except NoValidUrlKeyFound:
            return None
    if _KEY.match(text) and not Path(text).exists():
        return text
    return None


Grid = tuple[int, int]  # (rowCount, columnCount)


@dataclass(frozen=True)
class SheetInfo:
    sheet_id: int
    title: str
    rows: int
    cols: int


def _find(sheets: Sequence[SheetInfo], title: str) -> SheetInfo | None:
    """Find a worksheet by title; case, spacing and Unicode form ignored when unambiguous."""
    exact = [s for s in sheets if s.title == title]
    loose = [s for s in sheets if title_key(s.title) == title_key(title)]
    found = exact or loose
    return found[0] if len(found) == 1 else None


def _sheets_of(metadata: Any) -> list[SheetInfo]:
    found = []
    for entry in sorted(metadata.get("sheets", []), key=lambda s: s["properties"].get("index", 0)):
        props = entry["properties"]
        if props.get("sheetType", "GRID") != "GRID":
            continue  # charts on their own sheet hold no cells
        grid = props.get("gridProperties", {})
        found.append(
            SheetInfo(
                props["sheetId"],
                props["title"],
                grid.get("rowCount", 0),
                grid.get("columnCount", 0),
            )
        )
    return found


class GoogleBackend:
    """Read a Google spreadsheet and write status cells into it, as a service account."""

    def __init__(
        self,
        source: str,
        credentials: Path | None,
        *,
        readonly: bool,
        retry: RetryPolicy | None = None,
    ) -> None:
        key = spreadsheet_key(source)
        if key is None:
            raise SourceError(
                f"{source} không phải đường link hay mã bảng tính Google Sheets: dán đường link "
                "dạng https://docs.google.com/spreadsheets/d/MÃ/edit."
            )
        self.source, self.key, self.readonly = source, key, readonly
        self.warnings: list[str] = []
        path = key_path(credentials)
        info = load_key(path, self.warnings)
        self.account = account_of(info)
        auth = make_credentials(path, info, readonly=readonly)
        self.client = gspread.Client(auth=auth, http_client=SheetsHTTPClient)
        http = self.client.http_client
        assert isinstance(http, SheetsHTTPClient)
        self.http = http
        if retry is not None:
            http.retry = retry
        self._spreadsheet: Spreadsheet | None = None
        self._sheets: list[SheetInfo] = []
        self._grids: dict[str, Grid | None] = {}

    @contextmanager
    def _google(self, *, writing: bool = False) -> Iterator[None]:
        """Turn Google's refusals into one-line messages (never carrying a token reply)."""
        try:
            yield
        except RefreshError as err:
            raise explain_refresh(err, self.account) from None
        except (SpreadsheetNotFound, PermissionError) as err:
            # open_by_key wraps the API error of a 404 / 403; the response is its cause.
            if not isinstance(err.__cause__, APIError):
                raise
            raise explain_api_error(
                err.__cause__, self.account, self.key, writing=writing
            ) from None
        except APIError as err:
            raise explain_api_error(err, self.account, self.key, writing=writing) from None

    def _open(self) -> Spreadsheet:
        with self._google():
            self._spreadsheet = self.client.open_by_key(self.key)
        self._sheets = _sheets_of(self.http.metadata)
        return self._spreadsheet

    def _batch_get(
        self, titles: Sequence[str], *, header_of: Sequence[str] = ()
    ) -> list[tuple[list[list[Cell]], Grid | None]]:
        """Read whole worksheets in one request: their rows and their grid size.

        The worksheets in `header_of` follow, with their first row only.
        """
        if self._spreadsheet is None:
            self._open()
        ranges = [absolute_range_name(title) for title in titles]
        ranges += [absolute_range_name(title, "1:1") for title in header_of]
        # Parsed row by row as it arrives: the answer is never held whole beside its rows.
        with self._google():
            parts = batch_get(self.http, self.key, ranges, answer_ranges)
        return [(rows, grid_of(echo)) for rows, echo in parts]

    def read(
        self,
        worksheet: str | None,
        roster_worksheet: str,
        headers: Mapping[str, list[str]] | None = None,
    ) -> SheetData:
        """Read the responses (`worksheet`, else the one reading as the form) and the roster.

        Without `worksheet` the same values.batchGet reads row 1 of every other worksheet, so
        the choice costs no request unless the first worksheet besides the roster is not it.
        """
        self._open()
        if not self._sheets:
            raise SourceError(f"Bảng tính {self.key} không có trang tính nào chứa ô: kiểm tra lại.")
        named_roster = roster = _find(self._sheets, roster_worksheet)
        rest = [s for s in self._sheets if s != roster] or self._sheets
        responses = _find(self._sheets, worksheet) if worksheet else rest[0]
        if responses is None:
            existing = ", ".join(f"'{s.title}'" for s in self._sheets)
            raise SourceError(
                f"Không có trang tính '{worksheet}' trong bảng tính (các trang tính hiện có: "
                f"{existing}): sửa --worksheet cho đúng tên."
            )
        if worksheet and responses == roster:
            raise self._roster_named(responses, headers)
        roster = None if roster is None or roster.title == responses.title else roster
        titles = [responses.title] + ([roster.title] if roster else [])
        others = [] if worksheet else [s.title for s in rest if s.title not in titles]
        parts = self._batch_get(titles, header_of=others)
        if not worksheet:
            read = dict(zip([*titles, *others], parts, strict=True))
            chosen = self._choose(read, named_roster, headers)
            if chosen != responses.title:
                parts[0] = self._batch_get([chosen])[0]
                titles[0] = chosen
        self._grids = {title: grid for title, (_, grid) in zip(titles, parts, strict=False)}
        return SheetData(
            source=self.source,
            responses=Table(titles[0], parts[0][0]),
            roster=Table(roster.title, parts[1][0]) if roster else None,
        )

    def _roster_named(
        self, roster: SheetInfo, aliases: Mapping[str, list[str]] | None
    ) -> SourceError:
        """The error for `--worksheet` naming the roster, naming the responses sheet."""
        others = [s.title for s in self._sheets if s != roster]
        parts = self._batch_get([], header_of=others) if others else []
        heads = [(title, (rows or [[]])[0]) for title, (rows, _) in zip(others, parts, strict=True)]
        return refuse_roster(roster.title, heads, aliases or HEADER_ALIASES)

    def _choose(
        self,
        read: Mapping[str, tuple[list[list[Cell]], Grid | None]],
        roster: SheetInfo | None,
        aliases: Mapping[str, list[str]] | None,
    ) -> str:
        """Return the title of the worksheet whose header row reads as the form."""
        headers = [(s.title, (read[s.title][0] or [[]])[0]) for s in self._sheets]
        roster_title = roster.title if roster else None
        index, warning = pick_responses(headers, aliases or HEADER_ALIASES, roster_title)
        if warning and warning not in self.warnings:
            self.warnings.append(warning)
        return headers[index][0]

    def write(self, writes: Sequence[CellWrite], read: SheetData) -> None:
        """Write status cells in one values.batchUpdate, checking the rows before and after.

        Before: the rows read again (after growing the grid, when it must grow) must still
        hold the responses of `read`, else SheetChangedError and nothing is written. After:
        the API has no conditional write, so a sort landing between that check and the write
        would put statuses on other responses; a second check raises
        SheetChangedError then, and the caller reads, decides and writes again
        (pipeline.write_settled). 3 requests, whatever the number of rows, unless the
        statuses pass 9 MB; 4 when the grid grows first. The bodies are built in a second
        thread, the first while the rows are checked, each next one while one is in flight.
        """
        if not writes:
            return
        tables, grouped = self._grouped(writes, read)
        titles = list(grouped)
        widen = self._widen_requests(titles, grouped)
        if widen:
            self._widen(widen)
        with Ahead(self._bodies(titles, grouped)) as bodies:
            self._check_unmoved(tables, grouped)
            self._send(bodies)
        try:
            self._check_unmoved(tables, grouped)
        except SheetChangedError as err:
            err.written = True
            raise

    def overwrite(self, writes: Sequence[CellWrite], read: SheetData) -> None:
        """Write status cells planned from `read` with no row check before or after.

        Only for a run's last word when the rows never stopped moving: the statuses go where
        its last read says they belong. 1 request (2 when the grid must grow).
        """
        if not writes:
            return
        _, grouped = self._grouped(writes, read)
        titles = list(grouped)
        widen = self._widen_requests(titles, grouped)
        if widen:
            self._widen(widen)
        with Ahead(self._bodies(titles, grouped)) as bodies:
            self._send(bodies)

    def _grouped(
        self, writes: Sequence[CellWrite], read: SheetData
    ) -> tuple[dict[str, Table], dict[str, dict[int, dict[int, str]]]]:
        """Return the tables read and the writes as {sheet: {row: {col: value}}}."""
        if self.readonly:
            raise SourceError("Bảng tính được mở chỉ để đọc: dùng lệnh run để ghi trạng thái.")
        grouped = by_sheet(writes)
        tables = {t.title: t for t in (read.responses, read.roster) if t is not None}
        unknown = [title for title in grouped if title not in tables]
        if unknown:
            raise SourceError(f"Không ghi được vào trang tính '{unknown[0]}' vì chưa đọc nó.")
        return tables, grouped

    @staticmethod
    def _bodies(
        titles: list[str], grouped: dict[str, dict[int, dict[int, str]]]
    ) -> Iterator[list[bytes]]:
        """The status cells as RAW values.batchUpdate bodies, each in pieces (one unless huge)."""
        return batches(entry for title in titles for entry in value_ranges(title, grouped[title]))

    def _send(self, bodies: Ahead[list[bytes]]) -> None:
        """Send each values.batchUpdate body, the next one built meanwhile."""
        url = SPREADSHEET_VALUES_BATCH_UPDATE_URL % self.key
        for payload in map(body, bodies):
            with self._google(writing=True):
                # Only the count comes back, not a line per range written.
                params: dict[str, Any] = {"fields": WRITE_FIELDS}
                self.http.request("post", url, params, payload, headers={"Content-Type": JSON_TYPE})

    def _check_unmoved(
        self, tables: dict[str, Table], grouped: dict[str, dict[int, dict[int, str]]]
    ) -> None:
        """Raise SheetChangedError when a row to write no longer holds the response read.

        The header and the written rows are read again in one values.batchGet (as a few row
        ranges, or whole sheets), compared row by row as the answer arrives, never held whole.
        """
        ranges, spans, owners = [], [], []
        for title, rows in grouped.items():
            runs = check_spans(rows)
            whole = runs is None
            for first, last in runs or [(1, max({1, *rows}))]:
                ranges.append(absolute_range_name(title, "" if whole else f"{first}:{last}"))
                spans.append((first, last))
                owners.append(title)

        def check(chunks: Iterator[bytes]) -> None:
            rows = numbered(answer_rows(chunks), spans)
            for title, part in groupby(rows, key=lambda row: owners[row[0]]):
                check_rows(tables[title], ((n, cells) for _, n, cells in part), grouped[title])

        with self._google():
            batch_get(self.http, self.key, ranges, check)

    def _widen_requests(
        self, titles: list[str], grouped: dict[str, dict[int, dict[int, str]]]
    ) -> list[dict[str, Any]]:
        """Ask for the columns (and rows) the writes reach past the grid read."""
        requests = []
        for title in titles:
            info = next(s for s in self._sheets if s.title == title)
            rows, cols = self._grids.get(title) or (info.rows, info.cols)
            need_rows = max(grouped[title])
            need_cols = max(col for cells in grouped[title].values() for col in cells)
            # appendDimension adds to the grid as it is now, so it can never shrink a grid
            # someone widened meanwhile; it is not repeated on a timeout (not idempotent).
            for dimension, need, have in (("COLUMNS", need_cols, cols), ("ROWS", need_rows, rows)):
                if need > have:
                    append = {
                        "sheetId": info.sheet_id,
                        "dimension": dimension,
                        "length": need - have,
                    }
                    requests.append({"appendDimension": append})
        return requests

    def _widen(self, requests: list[dict[str, Any]]) -> None:
        """Grow the grids in one spreadsheets.batchUpdate that sends nothing back.

        Reading the sheets back in the same request (as GridData) costs about four times
        the bytes of a values.batchGet, parsed cell by cell: the rows are read next instead.
        """
        url = SPREADSHEET_BATCH_UPDATE_URL % self.key
        with self._google(writing=True):
            body = {"requests": requests}
            self.http.request("post", url, json=body, params={"fields": GROW_FIELDS})
