"""The architecture holds: layers import only downward and no two subpackages import each other.

`lint-imports` checks the layer contracts in pyproject.toml; the cycle check below also counts
imports inside functions between top-level modules of the package.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from ek_fixtures import REPO

PACKAGE = REPO / "src" / "escalation_kit"


def _edges() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = defaultdict(set)
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).parts
        if len(parts) == 1 and path.name == "__init__.py":
            continue
        me = parts[0].removesuffix(".py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "escalation_kit."
            ):
                other = str(node.module).split(".")[1]
                if other != me:
                    edges[me].add(other)
    return edges


def test_no_two_subpackages_import_each_other() -> None:
    edges = _edges()
    cycles = {f"{a}<->{b}" for a in edges for b in edges[a] if a < b and a in edges.get(b, ())}
    assert cycles == set()


def test_import_linter_contracts_are_kept() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    out = subprocess.run(
        [str(lint), "--no-cache"], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert "0 broken" in out.stdout
