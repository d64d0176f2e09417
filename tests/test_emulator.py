"""The Sheets API emulator against recorded Google traffic, and under gspread's own calls."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import gspread
import pytest
import requests
from google.oauth2 import service_account

from tests.conftest import ServiceAccountKey
from tests.sheets_emulator import SCOPE, SheetsEmulator
from tests.sheets_emulator_cells import DateCell, format_date, locale_of, parse_input
from tests.sheets_emulator_grid import Sheet, Spreadsheet, parse_range

RECORDINGS = Path(__file__).parent / "recordings"
GOOGLE = "https://sheets.googleapis.com"
EMAIL = "replay@example.iam.gserviceaccount.com"
# A spreadsheet that exists in the recordings but was never shared with the recorder.
PRIVATE = "1jIKzPs8LsiZZdLdeMEP-5ZIHw6RkjiOmj1LrJN706Yc"


def _compare(expected: Any, actual: Any, where: str = "") -> None:
    """Compare bodies: same keys, same lengths, same values; sheet ids are the server's own."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict) and set(actual) == set(expected), where
        for key, value in expected.items():
            if key != "sheetId":
                _compare(value, actual[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), where
        for i, (a, b) in enumerate(zip(expected, actual, strict=True)):
            _compare(a, b, f"{where}[{i}]")
    else:
        assert actual == expected, where


def _swap_ids(value: Any, ids: dict[int, int]) -> Any:
    if isinstance(value, dict):
        return {k: ids.get(v, v) if k == "sheetId" else _swap_ids(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_swap_ids(v, ids) for v in value]
    return value


def _drive(emu: SheetsEmulator, request: dict[str, Any], body: str) -> None:
    """Play Drive's part: create and delete the spreadsheets the recorded tests used."""
    if request["method"] == "POST":
        made = json.loads(body)
        emu.add_spreadsheet(
            made["id"], {"Sheet1": []}, "en_US", title=made["name"], time_zone="Etc/GMT"
        )
        emu.share(made["id"], EMAIL)
    elif request["method"] == "DELETE":
        emu.remove_spreadsheet(request["uri"].split("/files/")[1].split("?")[0])


@pytest.mark.parametrize("cassette", sorted(p.name for p in RECORDINGS.glob("*.json")))
def test_replay_recorded_traffic(cassette: str) -> None:
    interactions = json.loads((RECORDINGS / cassette).read_text())["interactions"]
    replayed, ids = 0, {}
    with SheetsEmulator() as emu:
        emu.add_spreadsheet(PRIVATE, {"Sheet1": []}, "en_US")
        token = emu.issue_token(EMAIL, [SCOPE])
        for interaction in interactions:
            request, response = interaction["request"], interaction["response"]
            recorded = response["body"]["string"]
            if not request["uri"].startswith(GOOGLE):
                _drive(emu, request, recorded)
                continue
            body = request["body"] and json.dumps(_swap_ids(json.loads(request["body"]), ids))
            answer = requests.request(
                request["method"],
                emu.root + request["uri"][len(GOOGLE) :],
                data=body,
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
                timeout=10,
            )
            assert answer.status_code == response["status"]["code"], request["uri"]
            expected = json.loads(recorded)
            if "spreadsheetTheme" in expected.get("properties", {}):
                # The colour theme is cosmetic; lend the recorded one to the emulator.
                emu.theme = expected["properties"]["spreadsheetTheme"]
                answer = requests.get(answer.url, headers=answer.request.headers, timeout=10)
            _compare(expected, answer.json(), request["uri"])
            mine = answer.json().get("replies", [])
            for reply, made in zip(expected.get("replies", []), mine, strict=True):
                if "addSheet" in reply:
                    recorded_id = reply["addSheet"]["properties"]["sheetId"]
                    ids[recorded_id] = made["addSheet"]["properties"]["sheetId"]
            replayed += 1
    assert replayed >= 2


# -- gspread against the emulator -------------------------------------------------------------


@pytest.fixture
def book(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey
) -> gspread.Spreadsheet:
    """A spreadsheet opened by plain gspread (its own HTTP client, URLs pointed at the emulator)."""
    root = sheets_emulator.root

    class Local(gspread.HTTPClient):
        def request(self, method: str, endpoint: str, *args: Any, **kwargs: Any) -> Any:
            return super().request(method, endpoint.replace(GOOGLE, root), *args, **kwargs)

    sheets_emulator.add_spreadsheet(
        "K" * 44, {"Sheet1": [["a", "b"], ["c"]]}, "en_US", grid=(10, 5)
    )
    sheets_emulator.share("K" * 44, service_account_key.client_email)
    auth = service_account.Credentials.from_service_account_info(
        service_account_key.info, scopes=[SCOPE]
    )
    return gspread.Client(auth, http_client=Local).open_by_key("K" * 44)


def test_gspread_reads_and_writes(
    book: gspread.Spreadsheet, sheets_emulator: SheetsEmulator
) -> None:
    sheet = book.sheet1
    assert sheet.get_all_values() == [["a", "b"], ["c", ""]]
    sheet.update([["0984919862", "=4/2", "2020-01-01"]], "A3", raw=False)
    sheet.update([["0984919862", "=4/2"]], "A4")
    assert sheet.get("A3:C4", value_render_option="UNFORMATTED_VALUE") == [
        [984919862, 2, 43831],
        ["0984919862", "=4/2"],
    ]
    assert sheet.get("A3:C3") == [["984919862", "2", "2020-01-01"]]
    assert sheet.get("A3:B3", value_render_option="FORMULA") == [[984919862, "=4/2"]]
    sheet.batch_update([{"range": "D1:E2", "values": [["x", "y"], ["z", ""]]}])
    sheet.append_row(["new", 5])
    assert sheets_emulator.values("K" * 44, "Sheet1") == [
        ["a", "b", "", "x", "y"],
        ["c", "", "", "z"],
        [984919862, "=4/2", ("date", 43831)],
        ["0984919862", "=4/2"],
        ["new", 5],
    ]
    sheet.resize(rows=20, cols=8)
    assert sheets_emulator.grid("K" * 44, "Sheet1") == (20, 8)
    sheet.resize(rows=2)
    assert sheets_emulator.values("K" * 44, "Sheet1") == [
        ["a", "b", "", "x", "y"],
        ["c", "", "", "z"],
    ]


def test_gspread_worksheets(book: gspread.Spreadsheet, sheets_emulator: SheetsEmulator) -> None:
    added = book.add_worksheet("Danh sách đơn vị", rows=5, cols=3)
    added.update([["STT", "Tên đơn vị"], [1, "Trường A"]], "A1")
    assert [w.title for w in book.worksheets()] == ["Sheet1", "Danh sách đơn vị"]
    assert book.values_get("'Danh sách đơn vị'!A:B")["range"] == "'Danh sách đơn vị'!A1:B5"
    added.insert_row(["0", "Trường 0"], 2)
    added.delete_rows(3)
    assert sheets_emulator.values("K" * 44, "Danh sách đơn vị") == [
        ["STT", "Tên đơn vị"],
        ["0", "Trường 0"],
    ]
    book.del_worksheet(added)
    assert [w.title for w in book.worksheets()] == ["Sheet1"]


def test_writes_past_the_grid_fail_like_google(book: gspread.Spreadsheet) -> None:
    with pytest.raises(gspread.exceptions.APIError) as caught:
        book.values_update(
            "'Sheet1'!F1", params={"valueInputOption": "RAW"}, body={"values": [["x"]]}
        )
    assert caught.value.response.json() == {
        "error": {
            "code": 400,
            "message": "Range ('Sheet1'!F1) exceeds grid limits. Max rows: 10, max columns: 5",
            "status": "INVALID_ARGUMENT",
        }
    }


FIRST_ROW = {"sheetId": 0, "dimension": "ROWS", "startIndex": 0, "endIndex": 1}


def test_batch_update_is_all_or_nothing(
    book: gspread.Spreadsheet, sheets_emulator: SheetsEmulator
) -> None:
    with pytest.raises(gspread.exceptions.APIError):
        book.batch_update(
            {
                "requests": [
                    {"appendDimension": {"sheetId": 0, "dimension": "COLUMNS", "length": 3}},
                    {"deleteSheet": {"sheetId": 42}},
                ]
            }
        )
    assert sheets_emulator.grid("K" * 44, "Sheet1") == (10, 5)
    before = sheets_emulator.values("K" * 44, "Sheet1")
    with pytest.raises(gspread.exceptions.APIError):
        book.batch_update(
            {
                "requests": [
                    {"deleteDimension": {"range": FIRST_ROW}},
                    {"deleteSheet": {"sheetId": 42}},
                ]
            }
        )
    assert sheets_emulator.values("K" * 44, "Sheet1") == before
    with pytest.raises(gspread.exceptions.APIError):
        book.values_batch_update(
            {
                "valueInputOption": "RAW",
                "data": [
                    {"range": "Sheet1!A1", "values": [["changed"]]},
                    {"range": "Sheet1!Z1", "values": [["x"]]},
                ],
            }
        )
    assert sheets_emulator.values("K" * 44, "Sheet1")[0][0] == "a"


def test_sort_range(book: gspread.Spreadsheet, sheets_emulator: SheetsEmulator) -> None:
    book.sheet1.update([["h"], ["b"], [3], ["a"]], "A1")
    book.sheet1.sort((1, "asc"), range="A2:B4")
    assert [row[0] for row in sheets_emulator.values("K" * 44, "Sheet1")] == ["h", 3, "a", "b"]


# -- ranges, rendering, tokens, faults ---------------------------------------------------------


def _book() -> Spreadsheet:
    sheets = [
        Sheet(0, "Sheet1"),
        Sheet(7, "Câu trả lời biểu mẫu 1"),
        Sheet(8, "It's"),
        Sheet(9, "A1"),
    ]
    return Spreadsheet("k", "t", "vi_VN", "Asia/Ho_Chi_Minh", sheets)


@pytest.mark.parametrize(
    ("text", "echo"),
    [
        ("Sheet1", "Sheet1!A1:Z1000"),
        ("'Sheet1'", "Sheet1!A1:Z1000"),
        ("'Sheet1'!A1:1", "Sheet1!A1:Z1"),
        ("Sheet1!A:B", "Sheet1!A1:B1000"),
        ("Sheet1!B2", "Sheet1!B2"),
        ("A1:D4", "Sheet1!A1:D4"),
        ("Câu trả lời biểu mẫu 1!A1:C2", "'Câu trả lời biểu mẫu 1'!A1:C2"),
        ("'Câu trả lời biểu mẫu 1'", "'Câu trả lời biểu mẫu 1'!A1:Z1000"),
        ("'It''s'!A2:2", "'It''s'!A2:Z2"),
        ("'A1'!A1", "'A1'!A1"),
        ("Sheet1!2:3", "Sheet1!A2:Z3"),
    ],
)
def test_ranges(text: str, echo: str) -> None:
    assert parse_range(_book(), text).echo() == echo


@pytest.mark.parametrize(
    "text", ["Nope!A1", "'Sheet1", "Sheet1!A0", "Sheet1!1A", "Sheet1!B2:A1", "Sheet1!A1:B2:C3"]
)
def test_bad_ranges(text: str) -> None:
    with pytest.raises(Exception, match="Unable to parse range"):
        parse_range(_book(), text)


@pytest.mark.parametrize(
    ("text", "locale", "stored"),
    [
        ("0984919862", "vi_VN", 984919862),
        ("12.5", "en_US", 12.5),
        ("12,5", "vi_VN", 12.5),
        ("12,5", "en_US", "12,5"),
        ("'0984", "vi_VN", "0984"),
        ("TRUE", "en_US", True),
        ("04/02/2024 23:59:00", "vi_VN", DateCell(45326.999305555555)),
        ("02/04/2024", "en_US", DateCell(45326, "date")),
        ("2020-01-01", "en_US", DateCell(43831, "{yyyy}-{MM}-{dd}")),
        ("Trường THCS", "vi_VN", "Trường THCS"),
    ],
)
def test_user_entered(text: str, locale: str, stored: Any) -> None:
    assert parse_input(text, "USER_ENTERED", locale_of(locale)) == stored
    assert parse_input(text, "RAW", locale_of(locale)) == text


@pytest.mark.parametrize(
    ("cell", "locale", "shown"),
    [
        (DateCell(45326.999305555555), "vi_VN", "04/02/2024 23:59:00"),
        (DateCell(45326.999305555555), "en_US", "2/4/2024 23:59:00"),
        (DateCell(45321.34375), "en_US", "1/30/2024 8:15:00"),
        (DateCell(45326, "date"), "vi_VN", "04/02/2024"),
    ],
)
def test_dates_format_per_locale(cell: DateCell, locale: str, shown: str) -> None:
    assert format_date(cell, locale_of(locale)) == shown


def test_formatted_numbers_follow_the_locale(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey
) -> None:
    sheets_emulator.add_spreadsheet(
        "V" * 44, {"S": [[12.5, 984919862, ("date", 45326.5)]]}, "vi_VN"
    )
    sheets_emulator.share("V" * 44, service_account_key.client_email)
    token = sheets_emulator.issue_token(service_account_key.client_email, [SCOPE])
    answer = requests.get(
        f"{sheets_emulator.root}/v4/spreadsheets/{'V' * 44}/values/S",
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    ).json()
    assert answer["values"] == [["12,5", "984919862", "04/02/2024 12:00:00"]]


def _token(emu: SheetsEmulator, key: ServiceAccountKey, scopes: list[str]) -> requests.Response:
    from google.auth import crypt, jwt

    now = int(time.time())
    claims = {
        "iss": key.client_email,
        "scope": " ".join(scopes),
        "aud": emu.token_uri,
        "iat": now,
        "exp": now + 3600,
    }
    assertion = jwt.encode(crypt.RSASigner.from_string(key.private_key), claims).decode()
    form = {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion}
    return requests.post(emu.token_uri, data=form, timeout=5)


@pytest.mark.parametrize(
    ("scopes", "error"),
    [
        ([SCOPE], None),
        ([SCOPE + ".readonly"], None),
        (["https://www.googleapis.com/auth/drive"], "invalid_scope"),
        ([SCOPE, "https://www.googleapis.com/auth/drive.file"], "invalid_scope"),
    ],
)
def test_token_endpoint_grants_sheets_scopes_only(
    sheets_emulator: SheetsEmulator,
    service_account_key: ServiceAccountKey,
    scopes: list[str],
    error: str | None,
) -> None:
    answer = _token(sheets_emulator, service_account_key, scopes)
    if error is None:
        assert answer.status_code == 200 and answer.json()["token_type"] == "Bearer"
    else:
        assert answer.status_code == 400 and answer.json()["error"] == error
    assert sheets_emulator.token_requests[-1]["scope"] == " ".join(scopes)


def test_readonly_token_cannot_write(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey
) -> None:
    sheets_emulator.add_spreadsheet("R" * 44, {"S": [["a"]]})
    sheets_emulator.share("R" * 44, service_account_key.client_email)
    token = _token(sheets_emulator, service_account_key, [SCOPE + ".readonly"]).json()[
        "access_token"
    ]
    url = f"{sheets_emulator.root}/v4/spreadsheets/{'R' * 44}/values/S!A1?valueInputOption=RAW"
    headers = {"Authorization": f"Bearer {token}"}
    assert requests.get(url, headers=headers, timeout=5).status_code == 200
    answer = requests.put(url, json={"values": [["b"]]}, headers=headers, timeout=5)
    assert answer.status_code == 403
    assert answer.json()["error"]["message"] == "Request had insufficient authentication scopes."
    assert requests.get(url, headers={"Authorization": "Bearer nope"}, timeout=5).status_code == 401


def test_unknown_signing_key_is_refused(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey
) -> None:
    sheets_emulator.revoke_key(service_account_key.client_email)
    answer = _token(sheets_emulator, service_account_key, [SCOPE])
    assert answer.json() == {
        "error": "invalid_grant",
        "error_description": "Invalid JWT Signature.",
    }


def test_fault_injection(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey
) -> None:
    sheets_emulator.add_spreadsheet("F" * 44, {"S": [["a"]]})
    sheets_emulator.share("F" * 44, service_account_key.client_email)
    token = sheets_emulator.issue_token(service_account_key.client_email, [SCOPE])
    url = f"{sheets_emulator.root}/v4/spreadsheets/{'F' * 44}/values/S"
    headers = {"Authorization": f"Bearer {token}"}
    sheets_emulator.fail_next(1, 429, retry_after=2)
    sheets_emulator.fail_next(1, 503, match="values/T")
    limited = requests.get(url, headers=headers, timeout=5)
    assert (limited.status_code, limited.headers["Retry-After"]) == (429, "2")
    assert limited.json()["error"]["status"] == "RESOURCE_EXHAUSTED"
    assert requests.get(url, headers=headers, timeout=5).status_code == 200
    sheets_emulator.drop_next(1)
    with pytest.raises(requests.ConnectionError):
        requests.get(url, headers=headers, timeout=5)
    sheets_emulator.delay_next(1, 0.5)
    with pytest.raises(requests.Timeout):
        requests.get(url, headers=headers, timeout=0.1)
    seen: list[str] = []
    sheets_emulator.on_request = lambda request: seen.append(request.path)
    assert requests.get(url, headers=headers, timeout=5).json()["values"] == [["a"]]
    assert seen == [f"/v4/spreadsheets/{'F' * 44}/values/S"]
