"""Every package the code imports is declared in pyproject.toml."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).parent.parent


def top_level_imports(folder: Path) -> set[str]:
    names: set[str] = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names


def declared(requirements: list[str]) -> set[str]:
    return {re.split(r"[<>=!~\[; ]", req, maxsplit=1)[0].lower() for req in requirements}


def test_every_imported_package_is_a_declared_dependency() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    dependencies = declared(project["dependencies"])
    owners = packages_distributions()
    third_party = top_level_imports(ROOT / "sheets_sync") - set(sys.stdlib_module_names)
    third_party.discard("sheets_sync")
    assert "requests" in third_party  # the Google HTTP client uses it directly
    undeclared = {
        name: owners.get(name)
        for name in third_party
        if not {dist.lower() for dist in owners.get(name, [name])} & dependencies
    }
    assert undeclared == {}
