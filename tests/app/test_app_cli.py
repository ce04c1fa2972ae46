"""`escalation-kit app` without a browser: its inputs, its errors, the console it builds."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import nbformat
import pytest
from typer.testing import CliRunner

from ek_fixtures import REPO, SAMPLE_DATA
from escalation_kit.cli import app as cli
from escalation_kit.cli.app_server import NOTEBOOK, app_environment, free_port, voila_command
from escalation_kit.errors import InputError
from escalation_kit.ledger import Ledger
from escalation_kit.widgets.console import ENV, console_from_environment, show_console


def test_missing_file_is_a_clean_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["app", "--tickets", str(tmp_path / "none.csv")])
    assert result.exit_code == 1
    assert "no such file" in result.output and "Traceback" not in result.output
    result = CliRunner().invoke(cli, ["app", "--health", str(SAMPLE_DATA / "health.json")])
    assert result.exit_code == 1 and "need --tickets" in result.output


def test_inputs_reach_the_console_as_absolute_paths(tmp_path: Path) -> None:
    env = app_environment(SAMPLE_DATA / "tickets.csv", None, None, Path("out"))
    assert env == {
        ENV["tickets"]: str((SAMPLE_DATA / "tickets.csv").resolve()),
        ENV["customers"]: "",
        ENV["health"]: "",
        ENV["out"]: str(Path("out").resolve()),
    }
    command = voila_command(8123, "s3cret")
    assert str(NOTEBOOK) in command and "--port=8123" in command and "--token=s3cret" in command
    assert "--Voila.ip=127.0.0.1" in command
    assert 1024 <= free_port() <= 65535


def test_the_served_notebook_is_clean_and_only_shows_the_console() -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    (cell,) = notebook.cells
    assert cell.outputs == [] and cell.execution_count is None
    assert "show_console()" in cell.source


def test_console_from_files_records_the_run_then_from_the_ledger(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = f"sqlite:///{tmp_path / 'ledger.db'}"
    monkeypatch.setenv("ESCALATION_KIT_DB", db)
    files = {
        ENV["tickets"]: str(SAMPLE_DATA / "tickets.csv"),
        ENV["customers"]: str(SAMPLE_DATA / "customers.csv"),
        ENV["health"]: str(SAMPLE_DATA / "health.json"),
        ENV["out"]: str(tmp_path / "out"),
    }
    console = console_from_environment(files)
    assert len(console.triage.grid.rows) == 600
    assert console.triage.out_dir == tmp_path / "out" / "packages"
    assert len(console.health.tenants.options) == 60
    first = console.triage.grid.rows[0]["id"]
    console.triage.grid.cursor = first
    console.triage.override_category.value = "bug"
    console.triage.reason.value = "seen it crash"
    console.triage.analyst.value = "Ana"
    console.triage.override_targets()
    again = console_from_environment({})  # from the ledger: the override is there
    row = next(r for r in again.triage.grid.rows if r["id"] == first)
    assert (row["category"], row["status"]) == ("bug", "reviewed")
    reread = console_from_environment(files)  # the same files again: the override still counts
    assert next(r for r in reread.triage.grid.rows if r["id"] == first)["category"] == "bug"
    with Ledger(db) as ledger:
        assert len(ledger.decision_history(first)) == 2


def test_an_empty_ledger_says_what_to_give(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ESCALATION_KIT_DB", f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(InputError, match="give --tickets"):
        console_from_environment({})
    assert show_console({}) is None


def test_the_app_needs_its_token_and_stops_voila_when_terminated(tmp_path: Path) -> None:
    command = [str(Path(sys.executable).with_name("escalation-kit")), "app", "--port", "0"]
    env = os.environ | {"PYTHONPATH": str(REPO / "src")}
    proc = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        base, token = url.split("?token=")
        assert base.startswith("http://127.0.0.1:") and len(token) >= 30
        port = int(base.rsplit(":", 1)[1].strip("/"))
        refused = httpx.get(base, timeout=10, follow_redirects=False)
        assert refused.status_code in (302, 403)  # without the token: the login page at most
    finally:
        proc.terminate()  # what a service manager or Ctrl+C does
        assert proc.wait(timeout=30) == 0
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", port)) != 0  # Voilà is gone too
