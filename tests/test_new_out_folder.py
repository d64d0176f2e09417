"""A first run into a folder that does not exist yet stages it whole and renames it into place."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sheets_sync.config import DocumentSettings
from sheets_sync.documents import STAGING_DIR, DocumentMaker, stage_documents, write_documents
from sheets_sync.documents import folder as folder_module
from sheets_sync.errors import SourceError

from .test_documents import DAY, NGOC_LAM, result, staff


@pytest.fixture
def maker() -> DocumentMaker:
    return DocumentMaker(DocumentSettings(), today=DAY)


def results() -> list[Any]:
    return [NGOC_LAM, result("Trường Mầm non Hoa Sữa", [staff("Lê Hoa", "Chủ tịch Công đoàn")])]


LISTS = ["tong-hop.docx", "truong-mam-non-hoa-sua.docx", "truong-thcs-ngoc-lam.docx"]


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_new_folder_exists_only_once_its_lists_are_all_in_it(
    tmp_path: Path, maker: DocumentMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "moi" / "danh-sach"
    outcome = stage_documents(results(), out, maker)
    assert not out.exists()
    staging = tmp_path / "moi" / f".danh-sach{STAGING_DIR}"
    assert names(staging) == LISTS
    moved: list[Any] = []
    rename = folder_module.replace

    def spy(source: Path, target: Path) -> None:
        moved.append((source, target))
        rename(source, target)

    monkeypatch.setattr(folder_module, "replace", spy)
    outcome.commit()
    assert names(out) == LISTS
    assert names(tmp_path / "moi") == ["danh-sach"]
    assert moved == [(staging, out)]  # one rename, not a move per list
    assert (outcome.written, outcome.unchanged, outcome.retired) == (3, 0, [])


def test_a_folder_made_meanwhile_gets_the_lists_one_by_one_and_keeps_its_files(
    tmp_path: Path, maker: DocumentMaker
) -> None:
    out = tmp_path / "danh-sach"
    outcome = stage_documents(results(), out, maker)
    out.mkdir()
    (out / "ghi-chu.txt").write_text("của người dùng")
    outcome.commit()
    assert names(out) == sorted([*LISTS, "ghi-chu.txt"])
    assert (out / "ghi-chu.txt").read_text() == "của người dùng"
    assert names(tmp_path) == ["danh-sach"]


def test_a_first_run_that_stops_leaves_no_folder(tmp_path: Path, maker: DocumentMaker) -> None:
    out = tmp_path / "danh-sach"
    stage_documents(results(), out, maker)
    folder_module.discard(out)  # what a run does when it stops before the statuses
    assert names(tmp_path) == []


def test_a_killed_first_runs_staging_is_cleared_by_the_next(
    tmp_path: Path, maker: DocumentMaker
) -> None:
    out = tmp_path / "danh-sach"
    left = folder_module.new_staging(out)
    left.mkdir()
    (left / "truong-cu.docx").write_bytes(b"half")
    write_documents(results(), out, maker)
    assert names(out) == LISTS
    assert names(tmp_path) == ["danh-sach"]


def test_an_existing_folder_stages_inside_it_and_compares(
    tmp_path: Path, maker: DocumentMaker
) -> None:
    out = tmp_path / "danh-sach"
    write_documents(results(), out, maker)
    again = stage_documents(results(), out, maker)
    assert (again.written, again.unchanged) == (0, 3)
    assert again.staging == out / STAGING_DIR
    again.commit()
    assert names(out) == LISTS


def test_a_new_folder_that_cannot_be_made_is_a_clear_message(
    tmp_path: Path, maker: DocumentMaker
) -> None:
    (tmp_path / "tep").write_text("không phải thư mục")
    with pytest.raises(SourceError, match="Không tạo được thư mục"):
        stage_documents(results(), tmp_path / "tep" / "danh-sach", maker)
