"""A values.batchGet answer parsed row by row as it arrives gives what json.loads gives."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sheets_sync.sheets.google_stream import answer_ranges, answer_rows

ANSWER: dict[str, Any] = {
    "spreadsheetId": "abc",
    "valueRanges": [
        {
            "range": "'Câu trả lời'!A1:Z1000",
            "majorDimension": "ROWS",
            "values": [
                ["Tên đơn vị", "Số điện thoại", "x"],
                [],
                ["Trường Mầm non Hoa Sữa", 984919862, 45327.5, True, False, "", 'a"]}[{,'],
                [-3, 1e21, 12345678901234567890, "\\u1ea1 ạ 😀"],
            ],
        },
        {"range": "Roster!A1:B3", "majorDimension": "ROWS"},
        {"majorDimension": "ROWS", "values": [["after"]], "range": "'T'!1:1"},
    ],
}


def expected(answer: dict[str, Any]) -> list[tuple[int, list[Any]]]:
    return [
        (index, row)
        for index, part in enumerate(answer["valueRanges"])
        for row in part.get("values", [])
    ]


@pytest.mark.parametrize("indent", [None, 2])
def test_every_split_of_the_answer_gives_the_same_rows(indent: int | None) -> None:
    data = json.dumps(ANSWER, ensure_ascii=False, indent=indent).encode()
    for size in (1, 2, 3, 7, 64, len(data)):
        chunks = [data[i : i + size] for i in range(0, len(data), size)]
        assert list(answer_rows(chunks)) == expected(ANSWER), size


def test_each_range_comes_with_its_rows_and_echo_even_when_empty() -> None:
    data = json.dumps(ANSWER, ensure_ascii=False).encode()
    chunks = [data[i : i + 5] for i in range(0, len(data), 5)]
    assert answer_ranges(chunks) == [
        (part.get("values", []), part["range"]) for part in ANSWER["valueRanges"]
    ]
    assert answer_ranges([b'{"valueRanges": [{}, {"values": [["a"]]}]}']) == [
        ([], ""),
        ([["a"]], ""),
    ]


def test_an_answer_without_ranges_has_no_rows() -> None:
    assert list(answer_rows([b'{"spreadsheetId": "abc"}'])) == []
    assert list(answer_rows([b'{"valueRanges": []}'])) == []


@pytest.mark.parametrize("text", [b'{"valueRanges": [{"values": [[1, 2]', b"", b"[1]"])
def test_a_cut_or_wrong_answer_is_refused(text: bytes) -> None:
    with pytest.raises(ValueError):
        list(answer_rows([text]))


def test_a_text_repeated_in_the_answer_is_held_as_one_object() -> None:
    """A unit name typed in several columns and rows is one string, not one per cell."""
    unit = "Trường Mầm non Hoa Sữa"
    answer = {
        "valueRanges": [
            {"range": "'Câu trả lời'!A1:C3", "values": [[unit, unit, 5], [unit, "5"]]},
            {"range": "Roster!A1:A2", "values": [[unit]]},
        ]
    }
    parts = answer_ranges([json.dumps(answer).encode("utf-8")])
    (responses, _), (roster, _) = parts
    cells = [responses[0][0], responses[0][1], responses[1][0], roster[0][0]]
    assert all(cell == unit for cell in cells)
    assert len({id(cell) for cell in cells}) == 1
    assert responses[0][2] == 5 and responses[1][1] == "5"  # numbers and texts kept apart
