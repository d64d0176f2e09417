"""The journal and the ledger cells: what counts as told, what gets written."""

from __future__ import annotations

from pathlib import Path

import pytest

from sheets_sync.ledger import (
    Entry,
    History,
    Journal,
    Record,
    already_told,
    ledger_writes,
    sent_cell,
)
from sheets_sync.model import CellWrite, Table

TITLE = "Đã báo qua email"


def record(state: str, fp: str, at: str = "2026-12-02T10:15:30", key: str = "ngoclam") -> Record:
    return Record("result", key, "Trường THCS Ngọc Lâm", fp, state, at, f"{at} — {fp}")


def table(*cells: str) -> Table:
    return Table("Trả lời", [["Tên đơn vị", TITLE], *(["x", c] for c in cells)])


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("02/12/2026 10:15 — Cần sửa (mã 1a2b3c4d)", ("2026-12-02 10:15:00", "1a2b3c4d")),
        ("02/12/2026 10:15 — Đã nhắc nộp (mã 00ff00ff)", ("2026-12-02 10:15:00", "00ff00ff")),
        ("02/12/2026 10:15 — Không gửi được: 550", None),
        ("Không gửi: chưa có địa chỉ email hợp lệ", None),
        ("02/12/2026 10:15 — Cần sửa", None),
        ("", None),
    ],
)
def test_sent_cell(text: str, parsed: tuple[str, str] | None) -> None:
    found = sent_cell(text)
    assert (None if found is None else (str(found[0]), found[1])) == parsed


@pytest.mark.parametrize(
    ("cells", "journal", "told"),
    [
        (("",), [], False),
        (("02/12/2026 10:15 — Hợp lệ (mã aaaaaaaa)",), [], True),
        (("02/12/2026 10:15 — Cần sửa (mã bbbbbbbb)",), [], False),
        (("",), [record("sending", "aaaaaaaa")], True),
        (("",), [record("sent", "aaaaaaaa")], True),
        (("",), [record("sending", "aaaaaaaa"), record("refused", "aaaaaaaa")], False),
        (("",), [record("sent", "aaaaaaaa"), record("refused", "bbbbbbbb")], True),
        # The newer of the sheet and the journal wins: here the sheet (another computer).
        (("03/12/2026 09:00 — Cần sửa (mã bbbbbbbb)",), [record("sent", "aaaaaaaa")], False),
        # A resubmission: the new row is empty, the superseded row says what was told.
        (("02/12/2026 10:15 — Hợp lệ (mã aaaaaaaa)", ""), [], True),
    ],
)
def test_already_told(
    cells: tuple[str, ...], journal: list[Record], told: bool, tmp_path: Path
) -> None:
    log = Journal(tmp_path / "nhat-ky-email.jsonl")
    for line in journal:
        log.append(line)
    log.close()
    row = len(cells) + 1
    entry = Entry("result", "ngoclam", row, "aaaaaaaa", "a@b.vn", tuple(range(2, row)))
    assert already_told(entry, table(*cells), 1, log.load()) is told


def test_journal_round_trip_skips_a_torn_line(tmp_path: Path) -> None:
    path = tmp_path / "nhat-ky-email.jsonl"
    journal = Journal(path)
    journal.append(record("sending", "aaaaaaaa"))
    journal.close()
    with path.open("a", encoding="utf-8") as stream:
        stream.write('{"kind": "result", "key": "ngo')  # killed mid-line
    journal = Journal(path)
    journal.append(record("refused", "aaaaaaaa"))
    journal.append(record("sending", "bbbbbbbb", key="hoasua"))
    journal.close()
    history = Journal(path).load()
    assert history.latest[("result", "ngoclam")].state == "refused"
    assert ("result", "ngoclam") not in history.told
    assert history.told[("result", "hoasua")].fingerprint == "bbbbbbbb"
    assert len(path.read_text(encoding="utf-8").splitlines()) == 4


def test_ledger_writes_add_the_column_and_only_changed_cells() -> None:
    history = History()
    history.latest[("result", "ngoclam")] = record("sent", "aaaaaaaa")
    sheet = Table("Trả lời", [["Tên đơn vị"], ["x"], ["y"]])
    entries = [
        Entry("result", "ngoclam", 2, "aaaaaaaa", "a@b.vn"),
        Entry("result", "hoasua", 3, "cccccccc", None),
    ]
    assert ledger_writes(sheet, TITLE, entries, history) == [
        CellWrite("Trả lời", 1, 2, TITLE),
        CellWrite("Trả lời", 2, 2, "2026-12-02T10:15:30 — aaaaaaaa"),
        CellWrite("Trả lời", 3, 2, "Không gửi: chưa có địa chỉ email hợp lệ"),
    ]
    done = Table("Trả lời", [["Tên đơn vị", TITLE], ["x", "2026-12-02T10:15:30 — aaaaaaaa"]])
    assert ledger_writes(done, TITLE, entries[:1], history) == []
