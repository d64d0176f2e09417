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


def _user_part() -> list[str]:
    """The README's lines for users: everything before the developers' section."""
    return README.split("\n## Cho nhà phát triển", 1)[0].splitlines()


def _next_text(lines: list[str], start: int, step: int) -> str:
    index = start + step
    while 0 <= index < len(lines) and not lines[index].strip():
        index += step
    return lines[index] if 0 <= index < len(lines) else ""


def test_every_shell_example_for_users_is_for_windows_or_says_linux() -> None:
    lines = _user_part()
    heading, opening, not_said = "", -1, []
    for index, line in enumerate(lines):
        if line.startswith("#") and opening < 0:
            heading = line
        if not line.lstrip().startswith("```"):
            continue
        if opening < 0:
            opening = index
            continue
        around = (heading, _next_text(lines, opening, -1), _next_text(lines, index, 1))
        if lines[opening].strip() == "```bash" and not any("Linux" in t for t in around):
            not_said.append(lines[opening + 1])
        opening = -1
    assert not_said == []


def test_the_install_folder_is_named_the_same_everywhere() -> None:
    assert set(re.findall(r"[A-Z]:\\sheets-sync\b", README)) == {"C:\\sheets-sync"}
