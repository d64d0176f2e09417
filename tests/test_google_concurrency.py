"""People edit the Sheet while a run works on it; two runs work on it at once.

Each trial builds a fresh spreadsheet and draws, from `random.Random(trial)`, what happens
while `pipeline.run` reads, checks and writes: a person appends a response, sorts the rows,
inserts or deletes a row, or edits a form cell, at the arrival of a random request of the run
(before the emulator serves it); or a second run works at the same time. Random pauses inside
the requests shuffle the interleavings. Afterwards every status cell must sit on the response
it was computed for, and no form cell may differ from what the person left. SECURITY.md quotes
TRIALS.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sheets_sync import pipeline
from sheets_sync.config import STATUS_COLUMNS, Settings
from sheets_sync.documents import assign_file_names
from sheets_sync.errors import SheetChangedError
from sheets_sync.sheets.google import GoogleBackend
from sheets_sync.status import status_values
from tests.conftest import ServiceAccountKey
from tests.helpers import HEADER, row
from tests.sheets_emulator import Request, SheetsEmulator
from tests.sheets_emulator_cells import from_user

TRIALS = 100
KEY = "1Q29uY3VycmVudEVkaXRzT25UaGVTaGVldF9Mb25nQmllbg"
RESPONSES = "Câu trả lời biểu mẫu 1"
WIDTH = len(HEADER)
STATUS = list(STATUS_COLUMNS)  # status, details, expected_name, file, checked_at
START = datetime(2024, 1, 29, 8, 0)
EDITS = ("append", "sort", "insert", "delete", "edit")
SCENARIOS = (*EDITS, "two runs")


@pytest.fixture(autouse=True)
def short_pauses(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pause a few milliseconds, not seconds, before reading moved rows again."""
    monkeypatch.setattr(pipeline, "SETTLE_PAUSE", 0.002)


def responses(count: int) -> list[list[Any]]:
    """Distinct units, distinct times: no row's decision depends on another row."""
    made = []
    for i in range(count):
        at = START + timedelta(hours=i)
        unit = f"Trường THCS số {i}"
        kind = i % 4
        if kind == 0:
            made.append(row(unit, at=at, url=f"https://www.facebook.com/cd{i}"))
        elif kind == 1:
            made.append(row(unit, at=at, name=f"CĐ số {i}", url=f"facebook.com/cd{i}"))
        elif kind == 2:
            made.append(row(unit, at=at, url=f"https://www.facebook.com/groups/cd{i}"))
        else:
            made.append(row(unit, at=at, url=f"https://www.facebook.com/cd{i}", phone="12345"))
    return made


@dataclass
class Person:
    """Someone editing the responses in the browser: one change, at one request of a run."""

    kind: str
    at: int  # the change lands when the run's `at`-th Sheets request arrives
    seed: float
    done: bool = False
    new_rows: list[list[Any]] = field(default_factory=list)
    target: int = 0  # the row number an in-place edit changed

    def change(self, rows: list[list[Any]], trial: int) -> None:
        """Apply the change to stored `rows` (header first); every call makes the same change."""
        draw = random.Random(self.seed)
        data = rows[1:]
        if self.kind == "append":
            at = START + timedelta(days=3)
            new = row(f"Trường Tiểu học mới {trial}", at=at, url="https://fb.com/moi")
            rows.append([from_user(v) for v in new])
            self.new_rows.append(rows[-1])
        elif self.kind == "sort":
            order = list(range(len(data)))
            draw.shuffle(order)
            rows[1:] = [data[i] for i in order]
        elif self.kind == "insert":
            rows.insert(draw.randrange(1, len(rows) + 1), [])
        elif self.kind == "delete":
            del rows[draw.randrange(1, len(rows))]
        else:
            index = draw.randrange(1, len(rows))
            col, value = draw.choice([(4, "https://www.facebook.com/groups/x"), (7, "0912345678")])
            rows[index][col] = value
            self.target = index + 1


def _form(rows: list[list[Any]]) -> list[list[Any]]:
    """Form cells only, empty as None, without the empty rows at the end."""
    cells = [[None if v == "" else v for v in (list(r) + [None] * WIDTH)[:WIDTH]] for r in rows]
    while cells and all(v is None for v in cells[-1]):
        cells.pop()
    return cells


class Sheet:
    """The emulator's responses sheet, and what its form cells should end as."""

    def __init__(self, emu: SheetsEmulator, key: ServiceAccountKey, rows: list[list[Any]]):
        self.emu = emu
        emu.add_spreadsheet(KEY, {RESPONSES: [HEADER, *rows]})
        emu.share(KEY, key.client_email)
        emu.requests.clear()
        self.expected_form = _form(self.rows())
        # A row edited in place, with the status cells it had then: if no run writes them
        # afterwards they stay as computed for the response before the edit, as after any
        # edit made once a run is over.
        self.left: dict[int, list[Any]] = {}

    def rows(self) -> list[list[Any]]:
        return self.emu.sheet(KEY, RESPONSES).rows

    def edit(self, person: Person, trial: int) -> None:
        with self.emu.lock:
            person.change(self.rows(), trial)
            if person.target:
                self.left = {person.target: list(self.rows()[person.target - 1][WIDTH:])}
        person.change(self.expected_form, trial)


def run_once(key: ServiceAccountKey, out: Path) -> str:
    """Run the pipeline once; say how it ended (a refusal to write is a fine ending)."""
    backend = GoogleBackend(KEY, key.path, readonly=False)
    try:
        outcome = pipeline.run(backend, Settings(), None, out, None)
    except SheetChangedError:
        return "stopped"
    return "written" if outcome.written else "nothing to write"


def check_final(
    emu: SheetsEmulator, key: ServiceAccountKey, fresh: set[int], left: dict[int, list[Any]]
) -> int:
    """Assert each status cell belongs to its row's response; return rows checked.

    `fresh` are the ids of rows the person added: no run had to see them. `left` are rows
    edited in place, with their status cells at the time: those may stay as they were.
    """
    data = GoogleBackend(KEY, key.path, readonly=True).read(None, "Danh sách đơn vị")
    settings = Settings()
    checked = pipeline.check_data(data, settings)
    assign_file_names(checked.listed)
    wanted = {r.row: status_values(r, settings) for r in checked.results}
    header = data.responses.header
    cols = {name: header.index(STATUS_COLUMNS[name]) for name in STATUS if name != "checked_at"}
    stored = emu.sheet(KEY, RESPONSES).rows
    for number, line in enumerate(data.responses.rows[1:], start=2):
        cells = {name: line[col] if col < len(line) else "" for name, col in cols.items()}
        cells = {name: "" if v is None else v for name, v in cells.items()}
        if not any(cells.values()):
            # No status at all: only a row nobody had to check yet, or an empty one.
            assert number not in wanted or id(stored[number - 1]) in fresh, number
            continue
        assert number in wanted, f"status on row {number}, which holds no response"
        if number in left and list(stored[number - 1][WIDTH:]) == left[number]:
            continue
        assert cells == wanted[number], number
    return len(wanted)


def _pauses(rng: random.Random, lock: threading.Lock) -> Callable[[], None]:
    def pause() -> None:
        with lock:
            seconds = rng.uniform(0, 0.004)
        time.sleep(seconds)

    return pause


def one_trial(emu: SheetsEmulator, key: ServiceAccountKey, tmp: Path, trial: int) -> str:
    rng = random.Random(trial)
    scenario = rng.choice(SCENARIOS)
    sheet = Sheet(emu, key, responses(rng.randint(3, 9)))
    if rng.random() < 0.4:
        # Statuses already there from an earlier run, then one response fixed since.
        run_once(key, tmp / "a")
        sheet.rows()[1][4] = sheet.expected_form[1][4] = "https://www.facebook.com/groups/sua"
    lock = threading.Lock()
    pause = _pauses(rng, lock)
    person = Person(scenario, rng.randint(1, 4), rng.random())
    seen: list[Request] = []

    def hook(request: Request) -> None:
        with lock:
            seen.append(request)
            due = scenario in EDITS and not person.done and len(seen) == person.at
            person.done |= due
        if due:
            sheet.edit(person, trial)
        pause()

    emu.on_request = hook
    try:
        if scenario == "two runs":
            endings: list[str] = []
            threads = [
                threading.Thread(target=lambda o=o: endings.append(run_once(key, tmp / o)))
                for o in ("b", "c")
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=30)
            assert len(endings) == 2
            ending = "+".join(sorted(endings))
        else:
            ending = run_once(key, tmp / "b")
            assert person.done, "the person's change landed after the run"
    finally:
        emu.on_request = None
    assert _form(sheet.rows()) == _form(sheet.expected_form)
    fresh = {id(r) for r in sheet.rows() if any(r is n for n in person.new_rows)}
    check_final(emu, key, fresh, sheet.left)
    return f"{scenario}: {ending}"


def test_concurrent_edits_never_put_a_status_on_another_response(
    sheets_emulator: SheetsEmulator, service_account_key: ServiceAccountKey, tmp_path: Path
) -> None:
    endings: dict[str, int] = {}
    for trial in range(TRIALS):
        print(f"trial {trial}")  # shown with the failure: which seed to replay
        ending = one_trial(sheets_emulator, service_account_key, tmp_path, trial)
        endings[ending] = endings.get(ending, 0) + 1
    assert sum(endings.values()) == TRIALS
    # Every kind of interference was tried, and most runs still got their statuses written.
    assert {e.split(":")[0] for e in endings} == set(SCENARIOS)
    written = sum(n for e, n in endings.items() if "written" in e)
    assert written >= TRIALS // 2, endings


@pytest.mark.parametrize("kind", EDITS)
def test_person_replays_the_same_change(kind: str) -> None:
    a = [list(HEADER), *responses(5)]
    b = [list(r) for r in a]
    person = Person(kind, 1, 0.25)
    person.change(a, 0)
    person.change(b, 0)
    assert a == b
    assert a != [list(HEADER), *responses(5)]
