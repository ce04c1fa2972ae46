"""``escalation-kit health sync`` and ``health show`` against the real emulator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from escalation_kit.cli import app
from escalation_kit.ledger import Ledger
from escalation_kit.sandbox import Faults, Sandbox


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A per-test ledger and retries that do not wait."""
    db = f"sqlite:///{tmp_path / 'ledger.db'}"
    monkeypatch.setenv("ESCALATION_KIT_DB", db)
    monkeypatch.setenv("ESCALATION_KIT_MAX_RETRIES", "1")
    monkeypatch.setenv("ESCALATION_KIT_TIMEOUT", "2")
    return db


def customers_file(tmp_path: Path, tenants: list[str], *extra: str) -> Path:
    path = tmp_path / "customers.csv"
    lines = ["tenant_id,name,country", *(f"{t},Customer {n},DE" for n, t in enumerate(tenants))]
    path.write_text("\n".join([*lines, *extra]) + "\n", encoding="utf-8")
    return path


def sync_args(customers: Path, sandbox: Sandbox, out: Path, *more: str) -> list[str]:
    return ["health", "sync", "--customers", str(customers), "--sandbox", sandbox.base_url,
            "--out", str(out), "--no-progress", *more]  # fmt: skip


def test_sync_writes_snapshot_fills_ledger_and_reports_rejects(
    runner: CliRunner,
    env: str,
    tmp_path: Path,
    graph_sandbox: Sandbox,
    health_doc: dict[str, Any],
    tenants: list[str],
) -> None:
    customers = customers_file(tmp_path, tenants[:3], "not-a-guid,Broken Ltd,FR")
    out = tmp_path / "out" / "health.json"
    result = runner.invoke(app, sync_args(customers, graph_sandbox, out))
    assert result.exit_code == 0, result.output
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written["tenants"] == {t: health_doc["tenants"][t] for t in tenants[:3]}
    assert "read 4, accepted 3, rejected 1" in result.stderr
    assert "rejected row 5:" in result.stderr
    for tenant in tenants[:3]:
        assert f"{tenant}  Customer" in result.stdout
    assert "3 tenant(s): 3 ok" in result.stdout
    with Ledger(env) as ledger:
        assert set(ledger.health_sync_states()) == set(tenants[:3])
        assert len(ledger.health_issues()) == 15


def test_sync_exit_2_on_failures_then_resume_completes(
    runner: CliRunner, env: str, tmp_path: Path, graph_sandbox: Sandbox, tenants: list[str]
) -> None:
    customers = customers_file(tmp_path, tenants[:4])
    out = tmp_path / "health.json"
    graph_sandbox.set_faults(Faults(server_errors=1.0, tenants=frozenset(tenants[:1])))
    first = runner.invoke(app, sync_args(customers, graph_sandbox, out))
    assert first.exit_code == 2, first.output
    assert "FAILED" in first.stdout and "HTTP 503" in first.stdout
    assert "run again with --resume" in first.stderr
    assert sorted(json.loads(out.read_text())["tenants"]) == sorted(tenants[1:4])

    graph_sandbox.set_faults(Faults())
    second = runner.invoke(app, sync_args(customers, graph_sandbox, out, "--resume"))
    assert second.exit_code == 0, second.output
    table = second.stdout.splitlines()[1:-1]
    assert [line.split()[0] for line in table if " skipped " in line] == tenants[1:4]
    final = json.loads(out.read_text())
    assert sorted(final["tenants"]) == sorted(tenants[:4])
    assert all(len(entry["healthOverviews"]) == 6 for entry in final["tenants"].values())


def test_sync_bad_input_exits_1(runner: CliRunner, env: str, tmp_path: Path) -> None:
    out = str(tmp_path / "o.json")
    missing = runner.invoke(app, ["health", "sync", "--customers", str(tmp_path / "no.csv"),
                                  "--sandbox", "http://127.0.0.1:9", "--out", out])  # fmt: skip
    assert missing.exit_code == 1
    assert missing.stderr.startswith("error: ")
    empty = customers_file(tmp_path, [], "nope,Nobody,DE")
    none_valid = runner.invoke(app, ["health", "sync", "--customers", str(empty), "--sandbox",
                                     "http://127.0.0.1:9", "--out", out])  # fmt: skip
    assert none_valid.exit_code == 1
    assert "no valid customer rows" in none_valid.stderr
    good = customers_file(tmp_path, ["5b1c9a3e-7d2f-4c61-9a8e-2f4d6b0c1e77"])
    bad_url = runner.invoke(app, ["health", "sync", "--customers", str(good), "--sandbox", "ftp:/x",
                                  "--out", str(tmp_path / "o.json")])  # fmt: skip
    assert bad_url.exit_code == 1
    assert "expected http://HOST:PORT" in bad_url.stderr
    args = ["health", "sync", "--customers", str(good), "--sandbox", "http://127.0.0.1:9"]
    too_many = runner.invoke(app, [*args, "--out", out, "--concurrency", "0"])
    assert too_many.exit_code == 1
    assert "field '--concurrency': must be 1-256, got 0" in too_many.stderr
    no_creds = runner.invoke(app, ["health", "sync", "--customers", str(good), "--out",
                                   str(tmp_path / "o.json")])  # fmt: skip
    assert no_creds.exit_code == 1
    assert "ESCALATION_KIT_CLIENT_ID" in no_creds.stderr


def test_show_from_snapshot_and_sandbox(
    runner: CliRunner,
    env: str,
    tmp_path: Path,
    graph_sandbox: Sandbox,
    health_doc: dict[str, Any],
    tenants: list[str],
) -> None:
    snapshot = tmp_path / "health.json"
    snapshot.write_text(json.dumps(health_doc), encoding="utf-8")
    tenant = tenants[0]
    issues = health_doc["tenants"][tenant]["issues"]
    active = [i for i in issues if not i["isResolved"]]

    from_file = runner.invoke(app, ["health", "show", tenant, "--snapshot", str(snapshot)])
    assert from_file.exit_code == 0, from_file.output
    assert all(i["id"] in from_file.stdout for i in issues)
    assert f"{len(issues)} issue(s), {len(active)} active" in from_file.stdout

    only_active = runner.invoke(
        app, ["health", "show", tenant, "--sandbox", graph_sandbox.base_url, "--active-only"]
    )
    assert only_active.exit_code == 0, only_active.output
    shown = [line.split()[0] for line in only_active.stdout.splitlines()[1:-1]]
    assert sorted(shown) == sorted(i["id"] for i in active)

    unknown = runner.invoke(app, ["health", "show", "nobody", "--snapshot", str(snapshot)])
    assert unknown.exit_code == 1
    assert "tenant nobody is not in the snapshot" in unknown.stderr
    both = runner.invoke(
        app, ["health", "show", tenant, "--snapshot", str(snapshot), "--sandbox", "x"]
    )
    assert both.exit_code == 1
