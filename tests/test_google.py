"""The Google backend over real gspread and google-auth, against the Sheets API emulator."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sheets_sync.errors import CredentialsError, SheetChangedError, SourceError
from sheets_sync.model import CellWrite
from sheets_sync.sheets.google import GoogleBackend, spreadsheet_key
from sheets_sync.sheets.google_http import RetryPolicy, is_idempotent
from sheets_sync.sheets.google_stream import answer_rows, batch_get
from sheets_sync.sheets.google_writes import MAX_PAYLOAD_BYTES, batches, body, value_ranges
from tests.conftest import ServiceAccountKey
from tests.helpers import HEADER as FULL_HEADER
from tests.sheets_emulator import READONLY_SCOPE, SCOPE, Request, SheetsEmulator

KEY = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcd"
RESPONSES = "Câu trả lời biểu mẫu 1"
ROSTER = "Danh sách đơn vị"
HEADER = FULL_HEADER[:8]  # one staff member, no note: the narrow form the grid tests need
STATUS = [
    "Trạng thái",
    "Chi tiết kiểm tra",
    "Tên Fanpage đề nghị",
    "File danh sách",
    "Kiểm tra lúc",
]
FIRST_STATUS_COL = len(HEADER) + 1


def form_row(i: int) -> list[Any]:
    return [
        datetime(2024, 1, 30, 8, 15) + timedelta(minutes=i),
        f"cd{i}@example.com",
        f"Trường THCS số {i}",
        f"Công đoàn _ Trường THCS số {i}",
        f"https://www.facebook.com/congdoan{i}",
        "Nguyễn Thị Thu Hà",
        "Chủ tịch Công đoàn",
        984919862,
    ]


def add_book(emu: SheetsEmulator, key: ServiceAccountKey, n: int = 10, **kwargs: Any) -> None:
    sheets = {
        RESPONSES: [HEADER] + [form_row(i) for i in range(n)],
        ROSTER: [["STT", "Tên đơn vị"], [1, "Trường THCS số 0"]],
    }
    emu.add_spreadsheet(KEY, sheets, **kwargs)
    emu.share(KEY, key.client_email)


def statuses(n: int, first_col: int = FIRST_STATUS_COL) -> list[CellWrite]:
    """Status writes as the pipeline makes them: titles in row 1, then a value per row."""
    writes = [CellWrite(RESPONSES, 1, first_col + i, title) for i, title in enumerate(STATUS)]
    for row in range(2, n + 2):
        values = ["Cần sửa", "Số điện thoại 1 sai; =1+1", "", "0984", "2024-02-01T09:00:00"]
        writes += [CellWrite(RESPONSES, row, first_col + i, v) for i, v in enumerate(values)]
    return writes


def backend(key: ServiceAccountKey, readonly: bool = False, **kwargs: Any) -> GoogleBackend:
    return GoogleBackend(KEY, key.path, readonly=readonly, **kwargs)


def one_line(message: str, key: ServiceAccountKey) -> None:
    assert "\n" not in message
    assert "PRIVATE KEY" not in message and key.private_key[40:80] not in message


# -- sources --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (f"https://docs.google.com/spreadsheets/d/{KEY}/edit#gid=0", KEY),
        (f"https://docs.google.com/spreadsheets/d/{KEY}", KEY),
        (f"  https://docs.google.com/spreadsheets/d/{KEY}/edit?usp=sharing  ", KEY),
        (f"https://docs.google.com/spreadsheet/ccc?key={KEY}&hl=vi", KEY),
        (KEY, KEY),
        (
            "1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms",
            "1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms",
        ),
        (f"https://example.com/spreadsheets/d/{KEY}", None),
        (f"https://docs.google.com.example.net/spreadsheets/d/{KEY}", None),
        ("https://docs.google.com/document/d/", None),
        ("responses.xlsx", None),
        ("data/responses.csv", None),
        ("short-key", None),
        ("", None),
    ],
)
def test_spreadsheet_key(source: str, expected: str | None) -> None:
    assert spreadsheet_key(source) == expected


def test_existing_local_path_is_not_a_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "danh_sach_cau_tra_loi_2024").write_text("x")
    assert spreadsheet_key("danh_sach_cau_tra_loi_2024") is None


# -- reading --------------------------------------------------------------------------------


def test_read_makes_two_requests_with_locale_free_options(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey
) -> None:
    add_book(sheets_emulator, service_account_key, n=3)
    data = backend(service_account_key, readonly=True).read(None, ROSTER)
    assert data.source == KEY
    assert data.responses.title == RESPONSES and data.responses.rows[0] == HEADER
    assert data.responses.rows[1][0] == pytest.approx(45321.34375)
    assert data.responses.rows[1][7] == 984919862
    assert data.roster is not None and data.roster.rows == [
        ["STT", "Tên đơn vị"],
        [1, "Trường THCS số 0"],
    ]
    meta, batch = sheets_emulator.requests
    assert (meta.method, meta.path) == ("GET", f"/v4/spreadsheets/{KEY}")
    assert "sheets.properties" in meta.query["fields"][0]
    assert batch.path == f"/v4/spreadsheets/{KEY}/values:batchGet"
    assert batch.query["ranges"] == [f"'{RESPONSES}'", f"'{ROSTER}'"]
    assert batch.query["valueRenderOption"] == ["UNFORMATTED_VALUE"]
    assert batch.query["dateTimeRenderOption"] == ["SERIAL_NUMBER"]


def test_read_without_roster_and_named_worksheet(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey
) -> None:
    sheets_emulator.add_spreadsheet(KEY, {"Ghi chú": [["x"]], "Đợt 2": [HEADER, form_row(1)]})
    sheets_emulator.share(KEY, service_account_key.client_email)
    data = backend(service_account_key).read("đợt 2", ROSTER)
    assert data.responses.title == "Đợt 2" and data.roster is None
    assert len(data.responses.rows) == 2
    assert sheets_emulator.requests[1].query["ranges"] == ["'Đợt 2'"]


@pytest.mark.parametrize("locale", ["vi_VN", "en_US"])
def test_cells_come_back_the_same_whatever_the_locale(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey, locale: str
) -> None:
    row = [
        datetime(2024, 2, 4, 23, 59),
        ("date", 45326),
        984919862,
        12.5,
        "04/02/2024 23:59:00",
        "0984919862",
        True,
        None,
        "x",
    ]
    sheets_emulator.add_spreadsheet(KEY, {RESPONSES: [HEADER, row]}, locale=locale)
    sheets_emulator.share(KEY, service_account_key.client_email)
    data = backend(service_account_key).read(None, ROSTER)
    assert data.responses.rows[1] == [
        pytest.approx(45326.999305555555),
        45326,
        984919862,
        12.5,
        "04/02/2024 23:59:00",
        "0984919862",
        True,
        "",
        "x",
    ]


def test_missing_worksheet_lists_the_titles(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey
) -> None:
    add_book(sheets_emulator, service_account_key)
    with pytest.raises(SourceError) as caught:
        backend(service_account_key).read("Trang tính 9", ROSTER)
    assert str(caught.value) == (
        f"Không có trang tính 'Trang tính 9' trong bảng tính (các trang tính hiện có: "
        f"'{RESPONSES}', '{ROSTER}'): sửa --worksheet cho đúng tên."
    )


# -- writing --------------------------------------------------------------------------------


def _cols_of(range_text: str) -> set[int]:
    from gspread.utils import a1_range_to_grid_range

    grid = a1_range_to_grid_range(range_text.rpartition("!")[2])
    return set(range(grid["startColumnIndex"] + 1, grid["endColumnIndex"] + 1))


# Five requests a run; six on a first run whose grid must grow for the status columns.
@pytest.mark.parametrize(("n", "grid_cols", "expected"), [(10, 26, 5), (10, 8, 6), (10_000, 8, 6)])
def test_run_stays_within_five_requests(
    sheets_emulator: SheetsEmulator,
    service_account_key: ServiceAccountKey,
    n: int,
    grid_cols: int,
    expected: int,
) -> None:
    add_book(sheets_emulator, service_account_key, n=n, grid=(1000, grid_cols))
    google = backend(service_account_key)
    data = google.read(None, ROSTER)
    google.write(statuses(n), data)
    assert len(sheets_emulator.requests) == expected
    stored = sheets_emulator.values(KEY, RESPONSES)
    assert stored[0] == HEADER + STATUS
    assert stored[n][FIRST_STATUS_COL - 1 :] == [
        "Cần sửa",
        "Số điện thoại 1 sai; =1+1",
        "",
        "0984",
        "2024-02-01T09:00:00",
    ]
    assert [row[: len(HEADER)] for row in stored[1:]] == [
        [("date", data.responses.rows[i + 1][0]), *form_row(i)[1:]] for i in range(n)
    ]
    assert sheets_emulator.grid(KEY, RESPONSES)[1] == max(grid_cols, FIRST_STATUS_COL + 4)


def test_write_covers_status_cells_only_as_raw_text(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey
) -> None:
    add_book(sheets_emulator, service_account_key, grid=(1000, 8))
    google = backend(service_account_key)
    data = google.read(None, ROSTER)
    roster_writes = [CellWrite(ROSTER, 2, 3, "Đã nộp"), CellWrite(ROSTER, 1, 3, "Tình trạng nộp")]
    writes = [*statuses(10), *roster_writes]
    google.write(writes, data)
    grow, check, put, recheck = sheets_emulator.requests[2:]
    # The checks read the header and the rows written, here as one row range a sheet.
    for read in (check, recheck):
        assert read.path.endswith("values:batchGet") and read.query["ranges"] == [
            f"'{RESPONSES}'!1:11",
            f"'{ROSTER}'!1:2",
        ]
    # The grid grows with nothing sent back: the rows come back as values, not GridData.
    assert grow.path.endswith(":batchUpdate") and grow.query["fields"] == ["spreadsheetId"]
    assert grow.body == {
        "requests": [{"appendDimension": {"sheetId": 0, "dimension": "COLUMNS", "length": 5}}],
    }
    assert put.path.endswith("values:batchUpdate") and put.body["valueInputOption"] == "RAW"
    ranges = [entry["range"] for entry in put.body["data"]]
    assert ranges == [f"'{RESPONSES}'!I1:M11", f"'{ROSTER}'!C1:C2"]
    for entry in put.body["data"]:
        allowed = (
            set(range(FIRST_STATUS_COL, FIRST_STATUS_COL + 5))
            if RESPONSES in entry["range"]
            else {3}
        )
        assert _cols_of(entry["range"]) <= allowed
    assert sheets_emulator.values(KEY, ROSTER) == [
        ["STT", "Tên đơn vị", "Tình trạng nộp"],
        [1, "Trường THCS số 0", "Đã nộp"],
    ]


def test_nothing_to_write_sends_nothing(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey
) -> None:
    add_book(sheets_emulator, service_account_key)
    google = backend(service_account_key)
    data = google.read(None, ROSTER)
    google.write([], data)
    assert len(sheets_emulator.requests) == 2


def test_sparse_writes_never_cover_an_unwritten_cell(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey
) -> None:
    add_book(sheets_emulator, service_account_key)
    google = backend(service_account_key)
    data = google.read(None, ROSTER)
    google.write(
        [
            CellWrite(RESPONSES, 3, 9, "Hợp lệ"),
            CellWrite(RESPONSES, 3, 13, "t"),
            CellWrite(RESPONSES, 5, 9, "Cần sửa"),
        ],
        data,
    )
    assert [e["range"] for e in sheets_emulator.requests[-2].body["data"]] == [
        f"'{RESPONSES}'!I3",
        f"'{RESPONSES}'!M3",
        f"'{RESPONSES}'!I5",
    ]


def test_sheet_titles_with_quotes_are_escaped(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey
) -> None:
    title = "Đợt 'Tết' 2024"
    sheets_emulator.add_spreadsheet(KEY, {title: [HEADER, form_row(0)]})
    sheets_emulator.share(KEY, service_account_key.client_email)
    google = backend(service_account_key)
    data = google.read(None, ROSTER)
    google.write([CellWrite(title, 2, 9, "Hợp lệ")], data)
    assert sheets_emulator.requests[-2].body["data"][0]["range"] == "'Đợt ''Tết'' 2024'!I2"
    assert sheets_emulator.values(KEY, title)[1][8] == "Hợp lệ"


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ({2: {9: "a", 10: "b"}, 3: {9: "c", 10: "d"}}, [("I2:J3", [["a", "b"], ["c", "d"]])]),
        ({2: {9: "a"}, 4: {9: "c"}}, [("I2", [["a"]]), ("I4", [["c"]])]),
        ({2: {9: "a", 11: "b"}}, [("I2", [["a"]]), ("K2", [["b"]])]),
        (
            {1: {9: "h"}, 2: {9: "a", 10: "b"}, 3: {9: "c", 10: "d"}},
            [("I1", [["h"]]), ("I2:J3", [["a", "b"], ["c", "d"]])],
        ),
        ({2: {9: ""}}, [("I2", [[""]])]),
    ],
)
def test_value_ranges(
    cells: dict[int, dict[int, str]], expected: list[tuple[str, list[list[str]]]]
) -> None:
    ranges = [{"range": f"'T'!{r}", "values": v} for r, v in expected]
    assert list(value_ranges("T", cells)) == ranges


def payloads(entries: list[dict[str, Any]]) -> list[bytes]:
    """The bodies the client sends for `entries`: each batch of ranges joined."""
    return [body(parts) for parts in batches(entries)]


def test_payloads_split_only_above_the_limit() -> None:
    # Vietnamese text counts as the UTF-8 the client sends: 2-3 bytes a letter.
    entries = [{"range": f"'T'!I{i}", "values": [["Cần sửa " * 100]]} for i in range(1, 20001)]
    bodies = payloads(entries)
    assert len(bodies) == 3
    assert all(len(sent) <= MAX_PAYLOAD_BYTES + 100 for sent in bodies)
    assert [entry for sent in bodies for entry in json.loads(sent)["data"]] == entries
    # Each body is what json.dumps of it gives, Vietnamese letters as UTF-8.
    whole = {"valueInputOption": "RAW", "data": entries[:100]}
    assert payloads(entries[:100]) == [json.dumps(whole, ensure_ascii=False).encode()]
    assert payloads([]) == []


# -- rows moved between read and write ---------------------------------------------------------


def _edit(emu: SheetsEmulator, change: str) -> None:
    sheet = emu.sheet(KEY, RESPONSES)
    if change == "append":
        sheet.rows.append(list(sheet.rows[2]))
    elif change == "sort":
        sheet.rows[1:] = sorted(sheet.rows[1:], key=lambda row: str(row[2]))
    elif change == "insert":
        sheet.rows.insert(3, [])
    elif change == "delete":
        del sheet.rows[2]
    elif change == "edit":
        sheet.rows[5][2] = "Trường khác"
    elif change == "header":
        sheet.rows[0][3] = "Tên Fanpage"
    elif change == "status":
        sheet.rows[5].extend([None] * 5)
        sheet.rows[5][FIRST_STATUS_COL - 1] = "Hợp lệ"


@pytest.mark.parametrize(
    ("change", "fails"),
    [
        ("append", False),
        ("status", False),
        ("sort", True),
        ("insert", True),
        ("delete", True),
        ("edit", True),
        ("header", True),
    ],
)
def test_rows_changed_between_read_and_write(
    sheets_emulator: SheetsEmulator,
    service_account_key: ServiceAccountKey,
    change: str,
    fails: bool,
) -> None:
    add_book(sheets_emulator, service_account_key, n=12)
    google = backend(service_account_key)
    data = google.read(None, ROSTER)

    def hook(request: Request) -> None:
        if request.path.endswith("values:batchGet") and len(sheets_emulator.requests) == 3:
            _edit(sheets_emulator, change)

    sheets_emulator.on_request = hook
    writes = statuses(12)
    if fails:
        with pytest.raises(SheetChangedError) as caught:
            google.write(writes, data)
        assert "vừa bị sửa trong lúc kiểm tra" in str(caught.value)
        assert not any(r.path.endswith("values:batchUpdate") for r in sheets_emulator.requests)
        assert all(STATUS[0] not in row for row in sheets_emulator.values(KEY, RESPONSES))
    else:
        google.write(writes, data)
        assert sheets_emulator.values(KEY, RESPONSES)[0][FIRST_STATUS_COL - 1] == STATUS[0]


@pytest.mark.parametrize(
    ("change", "fails"),
    [(None, False), ("row 5", False), ("row 7", True), ("header", True), ("cut", True)],
)
def test_a_rerun_checks_the_header_and_the_rows_it_writes_only(
    sheets_emulator: SheetsEmulator,
    service_account_key: ServiceAccountKey,
    change: str | None,
    fails: bool,
) -> None:
    add_book(sheets_emulator, service_account_key, n=12)
    google = backend(service_account_key)
    data = google.read(None, ROSTER)
    sheet = sheets_emulator.sheet(KEY, RESPONSES)
    if change == "row 5" or change == "row 7":
        sheet.rows[int(change[-1]) - 1][2] = "Trường khác"
    elif change == "header":
        sheet.rows[0][3] = "Tên Fanpage"
    elif change == "cut":  # just before the check, the grid is cut above a row to write

        def cut(request: Request) -> None:
            if request.path.endswith("values:batchGet"):
                sheet.row_count = 6
                sheet.truncate()

        sheets_emulator.on_request = cut
    writes = [CellWrite(RESPONSES, 3, 2, "a@example.com"), CellWrite(RESPONSES, 7, 2, "b")]
    if fails:
        with pytest.raises(SheetChangedError):
            google.write(writes, data)
        assert not any(r.path.endswith("values:batchUpdate") for r in sheets_emulator.requests)
        return
    google.write(writes, data)
    checks = [r for r in sheets_emulator.requests if r.path.endswith("values:batchGet")][1:]
    ranges = [f"'{RESPONSES}'!{n}:{n}" for n in (1, 3, 7)]
    assert [r.query["ranges"] for r in checks] == [ranges, ranges]
    written = sheets_emulator.values(KEY, RESPONSES)
    assert (written[2][1], written[6][1]) == ("a@example.com", "b")


def test_renamed_worksheet_is_a_change(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey
) -> None:
    add_book(sheets_emulator, service_account_key)
    google = backend(service_account_key)
    data = google.read(None, ROSTER)
    sheets_emulator.sheet(KEY, RESPONSES).title = "Đã đổi tên"
    with pytest.raises(SheetChangedError):
        google.write(statuses(2), data)


# -- scopes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("readonly", "scope"), [(False, SCOPE), (True, READONLY_SCOPE)])
def test_scope_asked_for(
    sheets_emulator: SheetsEmulator,
    service_account_key: ServiceAccountKey,
    readonly: bool,
    scope: str,
) -> None:
    add_book(sheets_emulator, service_account_key)
    backend(service_account_key, readonly=readonly).read(None, ROSTER)
    assert [claims["scope"] for claims in sheets_emulator.token_requests] == [scope]
    assert sheets_emulator.token_requests[0]["iss"] == service_account_key.client_email


def test_readonly_backend_refuses_to_write(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey
) -> None:
    add_book(sheets_emulator, service_account_key)
    google = backend(service_account_key, readonly=True)
    data = google.read(None, ROSTER)
    with pytest.raises(SourceError):
        google.write(statuses(1), data)
    assert len(sheets_emulator.requests) == 2


def test_drive_is_never_called(service_account_key: ServiceAccountKey) -> None:
    google = backend(service_account_key)
    with pytest.raises(SourceError):
        google.http.request("get", "https://www.googleapis.com/drive/v3/files")


@pytest.mark.parametrize(
    ("method", "url", "body", "expected"),
    [
        ("get", "https://x/v4/spreadsheets/K/values:batchGet", None, True),
        ("post", "https://x/v4/spreadsheets/K/values:batchUpdate", {"data": []}, True),
        ("put", "https://x/v4/spreadsheets/K/values/A1", {}, True),
        (
            "post",
            "https://x/v4/spreadsheets/K:batchUpdate",
            {"requests": [{"updateSheetProperties": {}}]},
            True,
        ),
        (
            "post",
            "https://x/v4/spreadsheets/K:batchUpdate",
            {"requests": [{"appendDimension": {}}]},
            False,
        ),
        ("post", "https://x/v4/spreadsheets/K/values/A1:append", {}, False),
    ],
)
def test_only_idempotent_requests_are_retried(
    method: str, url: str, body: Any, expected: bool
) -> None:
    assert is_idempotent(method, url, body) is expected


# -- faults ---------------------------------------------------------------------------------


def test_429_with_retry_after_is_waited_out(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey
) -> None:
    add_book(sheets_emulator, service_account_key)
    google = backend(service_account_key)
    sleeps: list[float] = []
    google.http.sleep = sleeps.append
    sheets_emulator.fail_next(2, 429, retry_after=7, match="values:batchGet")
    data = google.read(None, ROSTER)
    assert len(data.responses.rows) == 11
    assert sleeps == [pytest.approx(0.007), pytest.approx(0.007)]
    assert len(sheets_emulator.requests) == 4


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_retried_on_every_request(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey, status: int
) -> None:
    add_book(sheets_emulator, service_account_key)
    google = backend(service_account_key)
    sleeps: list[float] = []
    google.http.sleep = sleeps.append
    sheets_emulator.fail_next(5, status, match=lambda r: len(sheets_emulator.requests) % 2 == 1)
    google.write(statuses(3), google.read(None, ROSTER))
    assert sheets_emulator.values(KEY, RESPONSES)[1][FIRST_STATUS_COL - 1] == "Cần sửa"
    assert len(sleeps) == 5 and all(0 <= s <= 0.032 for s in sleeps)


def test_growing_the_grid_is_retried_after_429_only(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey
) -> None:
    add_book(sheets_emulator, service_account_key, grid=(1000, 8))
    before = sheets_emulator.values(KEY, RESPONSES)
    google = backend(service_account_key)
    data = google.read(None, ROSTER)
    grows = lambda r: r.path.endswith(":batchUpdate") and "values" not in r.path  # noqa: E731
    # appendDimension twice would add twice: a 500 may have been carried out, so no retry.
    sheets_emulator.fail_next(1, 500, match=grows)
    with pytest.raises(SourceError, match="HTTP 500"):
        google.write(statuses(3), data)
    assert sheets_emulator.values(KEY, RESPONSES) == before
    assert sheets_emulator.grid(KEY, RESPONSES)[1] == 8
    # A 429 says the request was refused before anything happened: sent again.
    sheets_emulator.fail_next(1, 429, match=grows)
    google.write(statuses(3), data)
    assert sheets_emulator.grid(KEY, RESPONSES)[1] == FIRST_STATUS_COL + 4
    assert sheets_emulator.values(KEY, RESPONSES)[1][FIRST_STATUS_COL - 1] == "Cần sửa"


def test_backoff_grows_with_full_jitter() -> None:
    policy = RetryPolicy()
    for failures, ceiling in [(1, 1), (2, 2), (3, 4), (6, 32), (9, 32)]:
        waits = [policy.delay(failures, None) for _ in range(200)]
        assert all(0 <= w <= ceiling for w in waits) and max(waits) > ceiling / 2
    assert policy.delay(3, 12.0) == 12.0


def test_dropped_connections_are_survived(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey
) -> None:
    add_book(sheets_emulator, service_account_key)
    google = backend(service_account_key)
    sheets_emulator.drop_next(2, match="values:batch")
    data = google.read(None, ROSTER)
    sheets_emulator.drop_next(1, match="values:batchUpdate")
    google.write(statuses(2), data)
    assert sheets_emulator.values(KEY, RESPONSES)[2][FIRST_STATUS_COL - 1] == "Cần sửa"


def test_slow_answers_time_out_and_are_retried(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey
) -> None:
    add_book(sheets_emulator, service_account_key)
    google = backend(service_account_key, retry=RetryPolicy(scale=0.001, read_timeout=0.2))
    sheets_emulator.delay_next(1, 0.6, match="values:batchGet")
    assert len(google.read(None, ROSTER).responses.rows) == 11
    assert len(sheets_emulator.requests) == 3


def test_failures_are_bounded_and_nothing_is_written(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey
) -> None:
    add_book(sheets_emulator, service_account_key)
    google = backend(service_account_key)
    data = google.read(None, ROSTER)
    before = sheets_emulator.values(KEY, RESPONSES)
    sheets_emulator.fail_next(100, 503, match="values:batchUpdate")
    with pytest.raises(SourceError) as caught:
        google.write(statuses(10), data)
    assert str(caught.value) == (
        "Không kết nối được Google Sheets sau 6 lần thử (HTTP 503): kiểm tra mạng rồi chạy lại."
    )
    assert sum(r.path.endswith("values:batchUpdate") for r in sheets_emulator.requests) == 6
    assert sheets_emulator.values(KEY, RESPONSES) == before


def test_total_time_is_bounded(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey
) -> None:
    add_book(sheets_emulator, service_account_key)
    google = backend(service_account_key, retry=RetryPolicy(total=120.0))
    sleeps: list[float] = []
    google.http.sleep = sleeps.append
    sheets_emulator.fail_next(100, 429, retry_after=50)
    with pytest.raises(SourceError) as caught:
        google.read(None, ROSTER)
    assert sleeps == [50, 50]
    assert "sau 3 lần thử (Google báo quá nhiều yêu cầu, HTTP 429): đợi vài phút" in str(
        caught.value
    )


def test_no_network(
    sheets_emulator: SheetsEmulator,
    service_account_key: ServiceAccountKey,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import socket

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setenv("SHEETS_SYNC_API_ROOT", f"http://127.0.0.1:{port}")
    add_book(sheets_emulator, service_account_key)
    with pytest.raises(SourceError) as caught:
        backend(service_account_key).read(None, ROSTER)
    assert str(caught.value) == (
        "Không kết nối được Google Sheets sau 6 lần thử (mất kết nối): kiểm tra mạng rồi chạy lại."
    )


# -- one-line errors --------------------------------------------------------------------------


def test_not_shared_names_the_account_and_the_roles(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey
) -> None:
    sheets_emulator.add_spreadsheet(KEY, {RESPONSES: [HEADER]})
    with pytest.raises(SourceError) as caught:
        backend(service_account_key).read(None, ROSTER)
    email = service_account_key.client_email
    assert str(caught.value) == (
        f"Bảng tính chưa được chia sẻ với tài khoản dịch vụ {email}: bấm Chia sẻ trong Google "
        f"Sheets và thêm {email} với quyền Người chỉnh sửa (Editor) để chạy run, hoặc Người xem "
        "(Viewer) nếu chỉ dùng check, report, docs."
    )
    one_line(str(caught.value), service_account_key)


def test_viewer_only_cannot_write(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey
) -> None:
    add_book(sheets_emulator, service_account_key)
    sheets_emulator.share(KEY, service_account_key.client_email, role="reader")
    google = backend(service_account_key)
    with pytest.raises(SourceError) as caught:
        google.write(statuses(2), google.read(None, ROSTER))
    assert "chỉ có quyền xem bảng tính" in str(caught.value)
    assert "Người chỉnh sửa (Editor)" in str(caught.value)


def test_wrong_key(sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey) -> None:
    with pytest.raises(SourceError) as caught:
        backend(service_account_key).read(None, ROSTER)
    assert str(caught.value) == (
        f"Không tìm thấy bảng tính {KEY}: kiểm tra lại đường link hoặc mã bảng tính."
    )


def test_api_not_enabled(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey
) -> None:
    add_book(sheets_emulator, service_account_key)
    sheets_emulator.disable_api()
    with pytest.raises(SourceError) as caught:
        backend(service_account_key).read(None, ROSTER)
    assert str(caught.value) == (
        "Google Sheets API chưa được bật cho dự án ldld-long-bien của khóa: bật Google Sheets "
        "API trong Google Cloud console (APIs & Services > Library) rồi chạy lại."
    )


def test_revoked_key(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey
) -> None:
    add_book(sheets_emulator, service_account_key)
    sheets_emulator.revoke_key(service_account_key.client_email)
    with pytest.raises(CredentialsError) as caught:
        backend(service_account_key).read(None, ROSTER)
    assert "(invalid_grant): khóa đã bị thu hồi hoặc xóa, hoặc đồng hồ máy tính bị lệch" in str(
        caught.value
    )
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    one_line(str(caught.value), service_account_key)


def test_key_signed_by_another_private_key(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey
) -> None:
    from tests.sheets_emulator import generate_key_pair

    add_book(sheets_emulator, service_account_key)
    sheets_emulator.register_key(service_account_key.client_email, generate_key_pair()[1])
    with pytest.raises(CredentialsError) as caught:
        backend(service_account_key).read(None, ROSTER)
    assert "invalid_grant" in str(caught.value)


def _write_key(path: Path, content: str) -> Path:
    path.write_text(content, encoding="utf-8")
    path.chmod(0o600)
    return path


NOT_JSON = (
    "Tệp khóa {path} không phải JSON: tải lại khóa JSON của tài khoản dịch vụ trong "
    "Google Cloud console."
)
NOT_SERVICE_ACCOUNT = (
    "Tệp {path} không phải khóa tài khoản dịch vụ Google ({what}): tạo khóa JSON trong "
    "Google Cloud console, mục IAM > Tài khoản dịch vụ > Khóa."
)
BAD_KEYS = [
    (
        None,
        "Không tìm thấy tệp khóa tài khoản dịch vụ {path}: kiểm tra đường dẫn trong "
        "--credentials hoặc GOOGLE_APPLICATION_CREDENTIALS.",
    ),
    (
        "dir",
        "Không đọc được tệp khóa {path} (đây là một thư mục, không phải tệp): kiểm tra quyền "
        "đọc tệp rồi chạy lại.",
    ),
    ("-----BEGIN PRIVATE KEY-----\nMIIEv", NOT_JSON),
    ('["a"]', NOT_JSON),
    (
        '{"installed": {"client_secret": "s3cr3t"}}',
        NOT_SERVICE_ACCOUNT.replace("{what}", "thiếu client_email, private_key, token_uri"),
    ),
    ("drop:private_key", NOT_SERVICE_ACCOUNT.replace("{what}", "thiếu private_key")),
    (
        "type:authorized_user",
        NOT_SERVICE_ACCOUNT.replace(
            "{what}", "không phải loại service_account, loại authorized_user"
        ),
    ),
    (
        "break:private_key",
        "Khóa riêng (private_key) trong {path} bị hỏng: tạo khóa JSON mới trong Google Cloud "
        "console.",
    ),
]


@pytest.mark.parametrize(("content", "expected"), BAD_KEYS)
def test_bad_key_files(
    service_account_key: ServiceAccountKey, tmp_path: Path, content: str | None, expected: str
) -> None:
    path = tmp_path / "bad.json"
    info = dict(service_account_key.info)
    if content == "dir":
        path.mkdir()
    elif content is not None and content.startswith(("drop:", "type:", "break:")):
        action, _, field = content.partition(":")
        if action == "drop":
            del info[field]
        elif action == "type":
            info["type"] = field
        else:
            info[field] = info[field][:200] + "AAAA" + info[field][-100:]
        _write_key(path, json.dumps(info))
    elif content is not None:
        _write_key(path, content)
    with pytest.raises(CredentialsError) as caught:
        GoogleBackend(KEY, path, readonly=True)
    assert str(caught.value) == expected.format(path=path)
    one_line(str(caught.value), service_account_key)
    assert "s3cr3t" not in str(caught.value)


def test_credentials_from_environment(
    sheets_emulator: SheetsEmulator,
    service_account_key: ServiceAccountKey,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    add_book(sheets_emulator, service_account_key)
    with pytest.raises(CredentialsError) as caught:
        GoogleBackend(KEY, None, readonly=True)
    assert str(caught.value) == (
        "Chưa có khóa tài khoản dịch vụ Google: dùng --credentials ĐƯỜNG_DẪN hoặc đặt biến "
        "môi trường GOOGLE_APPLICATION_CREDENTIALS."
    )
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(service_account_key.path))
    google = GoogleBackend(
        f"https://docs.google.com/spreadsheets/d/{KEY}/edit", None, readonly=True
    )
    assert google.read(None, ROSTER).responses.title == RESPONSES
    assert google.warnings == []


def test_key_readable_by_others_warns(service_account_key: ServiceAccountKey) -> None:
    service_account_key.path.chmod(0o644)
    google = backend(service_account_key)
    assert google.warnings == [
        f"Tệp khóa {service_account_key.path} để người dùng khác đọc được: chạy "
        f"`chmod 600 {service_account_key.path}` để giữ kín khóa."
    ]


def test_not_a_google_source(service_account_key: ServiceAccountKey) -> None:
    with pytest.raises(SourceError):
        GoogleBackend("responses.xlsx", service_account_key.path, readonly=True)


def test_rows_read_after_growing_the_grid_read_as_the_values_read(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey
) -> None:
    """The row check after growing the grid compares like with like: same cells, same types."""
    rows = [
        HEADER,
        form_row(0),
        [None, "", "x", None, None],  # empty cells inside a row, trailing ones trimmed
        [],
        [True, 0.5, "=1+1", -3, "Trường"],
    ]
    sheets_emulator.add_spreadsheet(KEY, {RESPONSES: rows}, grid=(1000, 8))
    sheets_emulator.share(KEY, service_account_key.client_email)
    google = backend(service_account_key)
    data = google.read(None, ROSTER)
    last = FIRST_STATUS_COL + 4
    google._widen(google._widen_requests([RESPONSES], {RESPONSES: {2: {last: "x"}}}))
    assert sheets_emulator.grid(KEY, RESPONSES)[1] == last
    # The check's answer, parsed row by row as it arrives, is what the read parsed whole.
    streamed = batch_get(google.http, KEY, [f"'{RESPONSES}'"], lambda c: list(answer_rows(c)))
    assert streamed == [(0, row) for row in data.responses.rows]
    writes = {RESPONSES: {number: {last: "x"} for number in range(2, 6)}}
    google._check_unmoved({RESPONSES: data.responses}, writes)
    sheets_emulator.sheet(KEY, RESPONSES).rows[4][1] = 0.25
    with pytest.raises(SheetChangedError, match="dòng 5 không còn như lúc đọc"):
        google._check_unmoved({RESPONSES: data.responses}, writes)
