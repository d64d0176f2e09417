"""The README's first run shows what the program really prints, and CI runs its test command."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from sheets_sync.cli import main

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_first_run_prints_what_the_readme_shows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown = re.search(r"```\n(Đã kiểm tra .*?)```", README, re.S)
    assert shown is not None
    shutil.copy(ROOT / "examples" / "form-responses.xlsx", tmp_path / "cau-tra-loi.xlsx")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["run", "cau-tra-loi.xlsx"])
    assert result.exit_code == 0, result.output
    *lines, took = result.output.splitlines()
    *expected, _ = shown.group(1).splitlines()
    assert lines == expected
    assert re.fullmatch(r"Xong trong (chưa tới 1 giây|\d+(,\d)? giây)\.", took), took


def test_ci_runs_the_readme_test_command_word_for_word() -> None:
    commands = re.search(r"```bash\n(.*?)```", README, re.S)
    assert commands is not None
    test_command = commands.group(1).strip().splitlines()[-1]
    assert test_command.endswith(".venv/bin/pytest")
    assert test_command in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
