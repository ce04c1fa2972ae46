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
