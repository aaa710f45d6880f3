"""Dependencies point one way: api -> indexer; actions talk to api over HTTP only."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FORBIDDEN = {
    "indexer": {"api", "actions", "bot"},
    "actions": {"api", "indexer"},
    "bot": {"api", "actions", "indexer"},
    # The leaf: Vietnamese text normalisation for every package, stdlib only.
    "vntext": {"api", "actions", "bot", "indexer"},
}


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_dependency_direction(package: str) -> None:
    files = sorted((REPO / package).rglob("*.py"))
    assert files, f"{package}/ has no Python files"
    offenders = [
        f"{path.relative_to(REPO)} imports {sorted(imported_packages(path) & FORBIDDEN[package])}"
        for path in files
        if imported_packages(path) & FORBIDDEN[package]
    ]
    assert not offenders, "\n".join(offenders)


def test_checker_sees_a_forbidden_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("from api.main import app\nimport indexer.search\n", encoding="utf-8")
    assert imported_packages(module) == {"api", "indexer"}
