"""The triage, evaluate and override commands: exit codes, files written, ledger records."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from triage_rows import row
from typer.testing import CliRunner

from escalation_kit.cli import app
from escalation_kit.ledger import Ledger


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    monkeypatch.setenv("ESCALATION_KIT_DB", url)
    return url


@pytest.fixture
def tickets(tmp_path: Path, batch: Callable[..., pd.DataFrame]) -> Path:
    frame = batch(
        row("S", "Please reset password for one user", service="Entra ID"),
        row("B", "Excel crashes since the update", tenant_no=2),
        row("X", "Bad row", tenant_no=3),
    )
    frame.loc[2, "reported_at"] = "not a date"
    path = tmp_path / "tickets.csv"
    frame.to_csv(path, index=False)
    return path


def test_triage_writes_decisions_and_rejects_and_records(
    tickets: Path, tmp_path: Path, db: str
) -> None:
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(app, ["triage", str(tickets), "--out", str(out)])
    assert result.exit_code == 0, result.output
    written = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert written["ticket_id"].tolist() == ["S", "B"]
    assert written["category"].tolist() == ["self_service", "bug"]
    rejects = tmp_path / "out.rejects.csv"
    assert pd.read_csv(rejects, dtype=str)["field"].tolist() == ["reported_at"]
    assert f"1 row(s) rejected: details in {rejects}" in result.stderr
    assert "recorded 2 new decision(s)" in result.stdout
    ledger = Ledger(db)
    try:
        assert ledger.decisions()["ticket_id"].tolist() == ["S", "B"]
    finally:
        ledger.close()
    again = CliRunner().invoke(app, ["triage", str(tickets), "--out", str(out)])
    assert "recorded 0 new decision(s)" in again.stdout


def test_no_record_leaves_the_ledger_alone(tickets: Path, tmp_path: Path, db: str) -> None:
    args = ["triage", str(tickets), "--out", str(tmp_path / "o.csv"), "--no-record"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0
    assert "recorded" not in result.stdout
    ledger = Ledger(db)
    try:
        assert ledger.decisions().empty
    finally:
        ledger.close()


def test_bad_input_exits_non_zero_with_a_clear_message(tmp_path: Path, db: str) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    result = CliRunner().invoke(app, ["triage", str(empty), "--out", str(tmp_path / "o.csv")])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ")
    assert "empty.csv" in result.stderr
    missing = CliRunner().invoke(app, ["triage", str(tmp_path / "nope.csv"), "--out", "o.csv"])
    assert missing.exit_code == 1 and "error: " in missing.stderr


def test_override_is_recorded_beside_the_automatic_decision(
    tickets: Path, tmp_path: Path, db: str
) -> None:
    CliRunner().invoke(app, ["triage", str(tickets), "--out", str(tmp_path / "o.csv")])
    args = ["override", "B", "--category", "service_unavailable", "--reason", "whole tenant down"]
    result = CliRunner().invoke(app, [*args, "--analyst", "dana"])
    assert result.exit_code == 0, result.output
    ledger = Ledger(db)
    try:
        effective = ledger.decisions(ticket_ids=["B"]).iloc[0]
    finally:
        ledger.close()
    assert effective["category"] == "service_unavailable"
    assert effective["automatic_category"] == "bug"
    assert effective["overridden_by"] == "dana"
    bad = CliRunner().invoke(app, ["override", "B", "--category", "nope", "--reason", "x"])
    assert bad.exit_code == 1 and "unknown category 'nope'" in bad.stderr


def test_evaluate_prints_scores_and_json(tickets: Path, tmp_path: Path) -> None:
    labels = tmp_path / "labels.csv"
    labels.write_text("ticket_id,category\nS,self_service\nB,service_unavailable\n", "utf-8")
    text = CliRunner().invoke(app, ["evaluate", str(tickets), "--labels", str(labels)])
    assert text.exit_code == 0, text.output
    assert "accuracy: 0.500" in text.stdout
    assert "B: expected service_unavailable, got bug" in text.stdout
    data = json.loads(
        CliRunner()
        .invoke(app, ["evaluate", str(tickets), "--labels", str(labels), "--json"])
        .stdout
    )
    assert data["accuracy"] == 0.5 and data["evaluated"] == 2
    assert data["per_category"]["self_service"]["precision"] == 1.0
    bad = CliRunner().invoke(app, ["evaluate", str(tickets), "--labels", str(tmp_path / "x.csv")])
    assert bad.exit_code == 1 and "labels file not found" in bad.stderr


@pytest.mark.parametrize("command", ["triage", "evaluate", "override"])
def test_every_command_has_help_with_an_example(command: str) -> None:
    result = CliRunner().invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.stdout and f"escalation-kit {command}" in result.stdout


def test_learn_writes_a_model_that_triage_then_uses(
    tmp_path: Path, tickets: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = tmp_path / "partner.npz"
    runner = CliRunner()
    learned = runner.invoke(
        app, ["learn", "--corpus", str(tmp_path / "none"), "--seeds", "", "--out", str(model)]
    )
    assert learned.exit_code == 0, learned.output
    assert model.exists() and "review threshold" in learned.output
    monkeypatch.setenv("ESCALATION_KIT_TRIAGE_MODEL", str(model))
    out = tmp_path / "triage.csv"
    result = runner.invoke(app, ["triage", str(tickets), "--out", str(out), "--no-record"])
    assert result.exit_code == 0, result.output
    assert "needs_review" in pd.read_csv(out).columns


def test_evaluate_cv_without_a_corpus_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["evaluate", "--cv", "--corpus", str(tmp_path)])
    assert result.exit_code == 1
    assert "--corpus" in result.output
