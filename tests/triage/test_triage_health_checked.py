"""Health first, recorded: the ``health_checked`` column and the warnings with counts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
from triage_rows import row, tenant
from typer.testing import CliRunner

from escalation_kit.cli import app
from escalation_kit.errors import ConfigError
from escalation_kit.health.snapshot import HealthSnapshot
from escalation_kit.ledger import Ledger
from escalation_kit.triage.config import TriageConfig
from escalation_kit.triage.engine import triage_tickets

# START in triage_rows is 2026-11-02T08:00Z.


def tickets(batch: Callable[..., pd.DataFrame]) -> pd.DataFrame:
    return batch(
        row("A", "Teams calls drop", tenant_no=1, service="Teams"),
        row("B", "Outlook cannot send mail", tenant_no=2, service="Outlook", minutes=60),
        row("C", "SharePoint site is down", tenant_no=3, service="SPO", minutes=120),
    )


def snapshot(*tenants: int, fetched_at: str = "2026-11-02T07:00:00Z") -> HealthSnapshot:
    return HealthSnapshot(
        {tenant(n): {"healthOverviews": [], "issues": []} for n in tenants}, fetched_at=fetched_at
    )


def test_no_snapshot_checks_nothing_and_says_so(batch: Callable[..., pd.DataFrame]) -> None:
    result = triage_tickets(tickets(batch))
    assert result.decisions["health_checked"].tolist() == [False, False, False]
    assert len(result.warnings) == 1
    assert "no health snapshot" in result.warnings[0]
    assert "3 ticket(s)" in result.warnings[0]


def test_partial_snapshot_checks_only_its_tenants(batch: Callable[..., pd.DataFrame]) -> None:
    result = triage_tickets(tickets(batch), health=snapshot(1, 3))
    assert result.decisions["health_checked"].tolist() == [True, False, True]
    assert result.warnings == (
        "the health snapshot lacks 1 of 3 tenant(s) (1 of 3 ticket(s)): their service health "
        "was not checked",
    )


def test_stale_snapshot_is_not_a_check(batch: Callable[..., pd.DataFrame]) -> None:
    # fetched 7 days before the tickets
    result = triage_tickets(
        tickets(batch), health=snapshot(1, 2, 3, fetched_at="2026-10-26T08:00:00Z")
    )
    assert result.decisions["health_checked"].tolist() == [False, False, False]
    assert len(result.warnings) == 1
    assert "more than 24 h before 3 of 3 ticket(s)" in result.warnings[0]


def test_max_age_is_measured_per_ticket_and_configurable(
    batch: Callable[..., pd.DataFrame],
) -> None:
    health = snapshot(1, 2, 3, fetched_at="2026-11-01T08:30:00Z")  # 23.5 h before A
    default = triage_tickets(tickets(batch), health=health).decisions["health_checked"].tolist()
    assert default == [True, False, False]
    longer = TriageConfig(max_health_age=timedelta(hours=48))
    assert triage_tickets(tickets(batch), health=health, config=longer).decisions[
        "health_checked"
    ].tolist() == [True, True, True]


def test_a_snapshot_fetched_after_the_report_counts(batch: Callable[..., pd.DataFrame]) -> None:
    health = snapshot(1, 2, 3, fetched_at="2026-11-03T08:00:00Z")
    result = triage_tickets(tickets(batch), health=health)
    assert result.decisions["health_checked"].all()
    assert result.warnings == ()


def test_max_age_from_the_environment() -> None:
    env = {"ESCALATION_KIT_MAX_HEALTH_AGE_HOURS": "6"}
    assert TriageConfig.from_env(env).max_health_age == timedelta(hours=6)
    assert TriageConfig.from_env({}).max_health_age == timedelta(hours=24)
    with pytest.raises(ConfigError, match="MAX_HEALTH_AGE_HOURS"):
        TriageConfig.from_env({"ESCALATION_KIT_MAX_HEALTH_AGE_HOURS": "soon"})


def test_cli_writes_the_column_and_warns_with_counts(
    batch: Callable[..., pd.DataFrame], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ESCALATION_KIT_DB", f"sqlite:///{tmp_path / 'ledger.db'}")
    source = tmp_path / "tickets.csv"
    tickets(batch).to_csv(source, index=False)
    health = snapshot(1).save(tmp_path / "health.json")
    out = tmp_path / "triage.csv"
    result = CliRunner().invoke(
        app, ["triage", str(source), "--health", str(health), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    written = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert written["health_checked"].tolist() == ["true", "false", "false"]
    assert "lacks 2 of 3 tenant(s) (2 of 3 ticket(s))" in result.stderr
    with Ledger() as ledger:  # the tickets are kept for later notices (language, name)
        stored = ledger.tickets()
    assert stored["ticket_id"].tolist() == ["A", "B", "C"]
    assert stored["customer_name"].tolist() == ["Customer 1", "Customer 2", "Customer 3"]
