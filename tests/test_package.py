"""Package-level promises: a complete public API, a light import, help for every command."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
from typer.testing import CliRunner

import escalation_kit

HEAVY = (
    "plotly",
    "ipywidgets",
    "jupyter_server",
    "jupyterlab",
    "duckdb",
    "playwright",
    "pandas",
    "sqlalchemy",
    "httpx",
    "sklearn",
    "scipy",
)


def test_all_names_resolve() -> None:
    names = escalation_kit.__all__
    assert len(set(names)) == len(names)
    for name in names:
        assert getattr(escalation_kit, name) is not None, name


def test_dir_lists_the_public_api() -> None:
    assert set(escalation_kit.__all__) <= set(dir(escalation_kit))


def test_unknown_attribute_raises_attribute_error() -> None:
    with pytest.raises(AttributeError):
        _ = escalation_kit.no_such_thing  # type: ignore[attr-defined]


def test_import_loads_no_heavy_module() -> None:
    code = (
        "import sys, json, escalation_kit; "
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert json.loads(out.stdout) == []


def test_every_command_has_help_with_an_example() -> None:
    import typer.main

    from escalation_kit.cli import app

    root = typer.main.get_command(app)
    runner = CliRunner()
    seen = 0

    def walk(command: Any, path: list[str]) -> None:
        nonlocal seen
        subcommands = getattr(command, "commands", None)
        if subcommands:
            for name, sub in subcommands.items():
                walk(sub, [*path, name])
            return
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert "Example" in result.output, f"{' '.join(path)} --help has no example"
        seen += 1

    walk(root, [])
    assert seen >= 8


def test_exports_are_the_objects_their_modules_define_in_any_import_order() -> None:
    """Submodules imported first, then each public name: never a module, always its definer's."""
    code = """
import importlib, json, pkgutil, sys, types
import escalation_kit
walk = pkgutil.walk_packages(escalation_kit.__path__, "escalation_kit.")
order = sorted(m.name for m in walk if ".migrations" not in m.name)  # alembic's scripts
if sys.argv[1] == "reversed":
    order.reverse()
for name in order:
    importlib.import_module(name)
bad = []
for name in escalation_kit.__all__:
    value = getattr(escalation_kit, name)
    home = getattr(value, "__module__", None)
    if isinstance(value, types.ModuleType) or home is None:
        bad.append(name)
    elif getattr(sys.modules[home], name, None) is not value:
        bad.append(name)
print(json.dumps({"bad": bad, "count": len(escalation_kit.__all__)}))
"""
    for order in ("sorted", "reversed"):
        out = subprocess.run(
            [sys.executable, "-c", code, order], check=True, capture_output=True, text=True
        )
        result = json.loads(out.stdout.strip().splitlines()[-1])
        assert result["bad"] == [], order
        assert 30 <= result["count"] <= 50


def test_from_import_gives_the_function_not_the_subpackage() -> None:
    import escalation_kit.triage.engine
    import escalation_kit.triage.evaluate  # noqa: F401  (the module named like the function)
    from escalation_kit import evaluate, triage_tickets

    assert callable(triage_tickets) and triage_tickets.__name__ == "triage_tickets"
    assert callable(evaluate) and evaluate.__module__ == "escalation_kit.triage.evaluate"
