"""What keeps the package working on Windows: replaces wait out brief holds; no POSIX-only call."""

from __future__ import annotations

import ast
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from sheets_sync import fileops
from sheets_sync.cli import main

PACKAGE = Path(__file__).parent.parent / "sheets_sync"
EXAMPLE = Path(__file__).parent.parent / "examples" / "form-responses.xlsx"


def held_for(times: int, monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Make the next `times` os.replace calls fail as Windows does on a held file."""
    real, left, waits = os.replace, [times], []

    def replace(src, dst):
        if left[0] > 0:
            left[0] -= 1
            raise PermissionError(13, "Permission denied", str(dst))
        real(src, dst)

    monkeypatch.setattr(fileops.os, "replace", replace)
    monkeypatch.setattr(fileops.time, "sleep", waits.append)
    return waits


def test_a_briefly_held_workbook_is_still_written_on_windows(tmp_path, monkeypatch):
    book = tmp_path / "cau-tra-loi.xlsx"
    shutil.copy(EXAMPLE, book)
    monkeypatch.setattr(fileops, "WINDOWS", True)
    waits = held_for(2, monkeypatch)
    result = CliRunner().invoke(main, ["run", str(book), "--out", str(tmp_path / "ds")])
    assert result.exit_code == 0, result.output
    assert waits == [0.05, 0.1]
    assert book.read_bytes() != EXAMPLE.read_bytes()


def test_a_file_held_for_good_fails_with_one_line_and_stays_whole(tmp_path, monkeypatch):
    book = tmp_path / "cau-tra-loi.xlsx"
    shutil.copy(EXAMPLE, book)
    monkeypatch.setattr(fileops, "WINDOWS", True)
    waits = held_for(100, monkeypatch)
    result = CliRunner().invoke(main, ["run", str(book), "--out", str(tmp_path / "ds")])
    assert result.exit_code == 1
    assert result.output.startswith("Lỗi: Không ghi được tệp ")
    assert len(waits) == len(fileops.REPLACE_WAITS_S)
    assert book.read_bytes() == EXAMPLE.read_bytes()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_off_windows_a_refused_replace_is_not_retried(tmp_path, monkeypatch):
    monkeypatch.setattr(fileops, "WINDOWS", False)
    waits = held_for(1, monkeypatch)
    source, target = tmp_path / "a", tmp_path / "b"
    source.write_text("a", "utf-8")
    with pytest.raises(PermissionError):
        fileops.replace(source, target)
    assert waits == []


@pytest.mark.parametrize(("cpus", "size"), [(None, 1), (2, 2), (64, 61), (256, 61)])
def test_the_document_pool_stays_within_the_windows_limit(cpus, size):
    assert fileops.pool_size(cpus) == size


# Calls that do not exist or do something else on Windows, and where they may appear.
POSIX_ONLY = {
    "os.kill": {
        "sheets/localfile.py"
    },  # pid_alive: only off Windows (kill(pid, 0) terminates there)
    "os.fork": set(),
    "os.getuid": set(),
    "os.geteuid": set(),
    "os.chown": set(),
    "os.replace": {"fileops.py"},  # everything else goes through fileops.replace
    "os.rename": set(),
    "signal.SIGKILL": set(),
    "os.O_NOFOLLOW": set(),
}
POSIX_MODULES = {"fcntl", "pwd", "grp", "termios", "resource"}


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return node.id if isinstance(node, ast.Name) else ""


def test_no_posix_only_call_outside_its_guarded_place():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE).as_posix()
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                modules = (
                    [a.name for a in node.names]
                    if isinstance(node, ast.Import)
                    else [node.module or ""]
                )
                found += [(name, m) for m in modules if m.split(".")[0] in POSIX_MODULES]
            dotted = _dotted(node) if isinstance(node, ast.Attribute) else ""
            if dotted in POSIX_ONLY and name not in POSIX_ONLY[dotted]:
                found.append((name, dotted))
    assert found == []
