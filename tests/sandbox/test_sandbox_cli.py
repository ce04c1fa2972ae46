"""``escalation-kit sandbox`` as a real process: URL first, serves, stops cleanly on SIGTERM."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sandbox_data import TENANT_A, TENANT_B
from typer.testing import CliRunner

from escalation_kit.cli import app

ISSUES = "/v1.0/admin/serviceAnnouncement/issues"
START = "from escalation_kit.cli import main; main()"


class Lines:
    """Stdout lines of a process, read by a thread so a silent process cannot hang a test."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self._queue: queue.Queue[str] = queue.Queue()
        assert process.stdout is not None
        self._stdout = process.stdout
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        for line in self._stdout:
            self._queue.put(line)

    def next(self, timeout: float = 30) -> str:
        try:
            return self._queue.get(timeout=timeout).rstrip("\n")
        except queue.Empty:
            pytest.fail("the sandbox printed nothing in time")

    def close(self) -> None:
        self._thread.join(timeout=10)  # the process has ended: EOF comes at once
        self._stdout.close()


@pytest.fixture
def run_cli(tmp_path: Path) -> Iterator[Any]:
    started: list[tuple[subprocess.Popen[str], Lines]] = []

    def start(*args: str, cwd: Path = tmp_path) -> tuple[subprocess.Popen[str], Lines]:
        process = subprocess.Popen(
            [sys.executable, "-c", START, "sandbox", *args],
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        started.append((process, Lines(process)))
        return started[-1]

    yield start
    for process, lines in started:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        lines.close()
        if process.stderr is not None:
            process.stderr.close()


def test_prints_the_url_first_serves_and_stops_on_sigterm(
    run_cli: Any, tmp_path: Path, snapshot: dict[str, Any]
) -> None:
    path = tmp_path / "health.json"
    path.write_text(json.dumps(snapshot), encoding="utf-8")
    faults = ("--rate-limit", "1", "--first-n", "1", "--tenant", TENANT_A, "--paths", "issues$")
    process, lines = run_cli("--health", str(path), "--port", "0", *faults)
    url = lines.next()
    assert url.startswith("http://127.0.0.1:")
    assert url.rsplit(":", 1)[1].isdigit()
    assert "sandbox-" in lines.next()
    other = {"Authorization": f"Bearer sandbox-{TENANT_B}"}
    assert httpx.get(url + ISSUES, headers=other, timeout=10).status_code == 200
    headers = {"Authorization": f"Bearer sandbox-{TENANT_A}"}
    assert httpx.get(url + ISSUES + "/EX226792", headers=headers, timeout=10).status_code == 200
    assert httpx.get(url + ISSUES, headers=headers, timeout=10).status_code == 429
    body = httpx.get(url + ISSUES, headers=headers, timeout=10).json()
    assert body["value"] == snapshot["tenants"][TENANT_A]["issues"]
    process.terminate()
    assert process.wait(timeout=15) == 0
    assert process.stderr is not None
    assert "sandbox stopped" in process.stderr.read()


def test_defaults_to_data_sample_health_json_when_present(
    run_cli: Any, tmp_path: Path, snapshot: dict[str, Any]
) -> None:
    sample = tmp_path / "data" / "sample" / "health.json"
    sample.parent.mkdir(parents=True)
    only_b = {"tenants": {TENANT_B: snapshot["tenants"][TENANT_B]}}
    sample.write_text(json.dumps(only_b), encoding="utf-8")
    process, lines = run_cli("--port", "0", cwd=tmp_path)
    url = lines.next()
    assert f"1 tenants, e.g. sandbox-{TENANT_B}" in lines.next()
    headers = {"Authorization": f"Bearer sandbox-{TENANT_B}"}
    response = httpx.get(url + ISSUES, headers=headers, timeout=10)
    assert response.status_code == 200
    process.terminate()
    assert process.wait(timeout=15) == 0


def test_bad_snapshot_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"tenants": {"t": {"issues": [{"title": "x"}]}}}', encoding="utf-8")
    result = CliRunner().invoke(app, ["sandbox", "--health", str(bad)])
    assert result.exit_code == 1
    assert f"error: file {bad}, field 'tenants.t.issues[0]': needs a non-empty string 'id'" in (
        result.output
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--server-errors", "1.5"],
            "field '--server-errors': must be a probability between 0 and 1",
        ),
        (["--paths", "("], "field '--paths': not a valid regular expression"),
        (["--error-status", "418"], "field '--error-status': must be one of [500, 502, 503, 504]"),
        (["--quota-per-minute", "0"], "field '--quota-per-minute': must be at least 1"),
    ],
)
def test_bad_fault_option_names_the_option(args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, ["sandbox", *args])
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
