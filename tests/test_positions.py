"""Staff positions are printed and exported with a capital and without abbreviations."""

from __future__ import annotations

import io
from datetime import date

import docx
import pytest

from sheets_sync.config import POSITIONS, DocumentSettings, Settings, settings_from_dict
from sheets_sync.documents import DocumentMaker
from sheets_sync.model import SheetData, Table
from sheets_sync.output import row_json
from sheets_sync.pipeline import check_data
from sheets_sync.positions import MEMO_SIZE, is_chair, normalize_position

from .helpers import HEADER, row
from .test_documents import laid_out, people_texts


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("ct công đoàn", "Chủ tịch Công đoàn"),
        ("chủ tịch cđcs", "Chủ tịch Công đoàn cơ sở"),
        ("Chủ tịch công đoàn cơ sở", "Chủ tịch Công đoàn cơ sở"),
        ("CHỦ TỊCH CÔNG ĐOÀN", "Chủ tịch Công đoàn"),
        ("CT CĐ", "Chủ tịch Công đoàn"),
        ("ủy viên bch", "Ủy viên Ban Chấp hành"),
        ("UV  BCH", "Ủy viên Ban Chấp hành"),
        ("Ủy viên BCH", "Ủy viên Ban Chấp hành"),
        ("uỷ viên ban chấp hành", "Ủy viên Ban Chấp hành"),
        ("UVBCH", "Ủy viên Ban Chấp hành"),
        ("pct", "Phó Chủ tịch"),
        ("P.CT", "Phó Chủ tịch"),
        ("P. CT", "Phó Chủ tịch"),
        ("p.ct công đoàn", "Phó Chủ tịch Công đoàn"),
        ("phó chủ tịch", "Phó Chủ tịch"),
        ("phó chủ tịch thường trực", "Phó Chủ tịch thường trực"),
        ("PCT Thường trực", "Phó Chủ tịch thường trực"),
        ("Phó ct CĐCS", "Phó Chủ tịch Công đoàn cơ sở"),
        ("ủy viên ban thường vụ", "Ủy viên Ban Thường vụ"),
        ("kế toán", "Kế toán"),
        ("Trưởng ban Nữ công", "Trưởng ban Nữ công"),
        ("Chủ tịch Công đoàn", "Chủ tịch Công đoàn"),
        ("", ""),
        ("CTV", "CTV"),  # a word that only starts like an abbreviation stays
        ("Tp. Kế toán", "Tp. Kế toán"),  # only a `P.` of its own stands for Phó
    ],
)
def test_positions_are_expanded_and_capitalized(typed: str, shown: str) -> None:
    assert normalize_position(typed, POSITIONS) == shown


@pytest.mark.parametrize(
    ("position", "chair"),
    [("Chủ tịch Công đoàn", True), ("Phó Chủ tịch", False), ("Ủy viên BCH", False)],
)
def test_the_chair_is_not_a_vice_chair(position: str, chair: bool) -> None:
    assert is_chair(position) is chair


def test_the_positions_table_takes_more_entries() -> None:
    settings = settings_from_dict({"positions": {"TBTT": "Trưởng ban Tuyên truyền"}})
    assert settings.positions["CT"] == "Chủ tịch"
    assert normalize_position("tbtt", settings.positions) == "Trưởng ban Tuyên truyền"
    # Its expansions are printed as it writes them, however they were typed.
    assert normalize_position("trưởng ban tuyên truyền", settings.positions) == (
        "Trưởng ban Tuyên truyền"
    )


def test_json_and_the_list_show_the_normalized_position_and_sign_for_the_chair() -> None:
    rows = [
        row(
            position="ủy viên bch",
            staff="Trần Văn Bình",
            staff2=("Nguyễn Thị Thu Hà", "ct cđcs", "0912345678"),
        )
    ]
    data = SheetData("x.xlsx", Table("Câu trả lời biểu mẫu 1", [list(HEADER), *rows]))
    (result,) = check_data(data, Settings()).results
    positions = [member["position"] for member in row_json(result)["staff"]]
    assert positions == ["Ủy viên Ban Chấp hành", "Chủ tịch Công đoàn cơ sở"]
    maker = DocumentMaker(DocumentSettings(), today=date(2024, 2, 5))
    document = docx.Document(io.BytesIO(maker.unit(result)))
    assert [r[2] for r in people_texts(document)[1:]] == positions
    assert laid_out(document).signature.cell(0, 1).paragraphs[-1].text == "Nguyễn Thị Thu Hà"


def test_each_positions_table_gives_its_own_expansions() -> None:
    ours = {"TB": "Trưởng ban"}
    theirs = {"TB": "Thủ quỹ ban"}
    for _ in range(2):  # the second time from what each table remembers
        assert normalize_position("tb", ours) == "Trưởng ban"
        assert normalize_position("tb", theirs) == "Thủ quỹ ban"
        assert normalize_position("tb", {"TB": "Thư ký"}) == "Thư ký"


def test_positions_past_what_a_table_remembers_are_still_expanded() -> None:
    table = {"CT": "Chủ tịch"}
    typed = [f"ct tổ {n}" for n in range(MEMO_SIZE + 10)]
    shown = [normalize_position(text, table) for text in typed * 2]
    assert shown == [f"Chủ tịch tổ {n}" for n in range(MEMO_SIZE + 10)] * 2
