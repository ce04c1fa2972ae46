"""One set of limits, from the schema, checked before any write: same outcome on both backends."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from escalation_kit.cli import app
from escalation_kit.errors import InputError
from escalation_kit.intake import TICKET_FIELD_LIMITS
from escalation_kit.ledger import Ledger
from escalation_kit.ledger.limits import text_limits
from escalation_kit.ledger.schema import tickets, triage_decisions
from escalation_kit.triage import engine

TENANT = "11111111-1111-4111-8111-111111111111"


def decision(**changes: object) -> pd.DataFrame:
    row: dict[str, object] = {
        "ticket_id": "T-1",
        "category": "known_issue",
        "escalate": False,
        "matched_issue_id": "EX123456",
        "cluster_id": "",
        "region": "Europe",
        "service": "Exchange Online",
        "severity": "",
        "confidence": 0.9,
        "reasons": "documented issue EX123456",
        "recommended_action": "Point the customer to EX123456",
    }
    row.update(changes)
    return pd.DataFrame([row])


def test_limits_come_from_the_schema() -> None:
    limits = text_limits(triage_decisions)
    assert limits["matched_issue_id"] == 64 and limits["region"] == 32
    assert text_limits(tickets)["ticket_id"] == 200
    assert "title" not in text_limits(tickets)  # Text: unbounded


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"matched_issue_id": "X" * 70}, "matched_issue_id", "70 characters long"),
        ({"region": "Europe-" + "e" * 40}, "region", "unknown region"),
        ({"region": "Atlantis"}, "region", "unknown region"),
        ({"cluster_id": "C" * 65}, "cluster_id", "at most 64"),
    ],
)
def test_values_too_long_or_unknown_are_refused_before_writing(
    ledger: Ledger, change: dict[str, str], field: str, message: str
) -> None:
    with pytest.raises(InputError) as caught:
        ledger.record_decisions(decision(**change), run_id="run-1")
    assert caught.value.field == field and caught.value.row == 1
    assert message in str(caught.value)
    assert ledger.decisions().empty and ledger.events() == []


def test_a_ticket_id_longer_than_the_ledger_keeps_is_refused(ledger: Ledger) -> None:
    frame = pd.DataFrame(
        [
            {
                "ticket_id": "T" * 201,
                "tenant_id": TENANT,
                "title": "Mail down",
                "reported_at": datetime(2026, 11, 20, 9, tzinfo=UTC),
            }
        ]
    )
    with pytest.raises(InputError, match="ticket_id is 201 characters long"):
        ledger.upsert_tickets(frame)
    assert ledger.tickets().empty


def test_triage_fails_cleanly_before_writing_its_csv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ESCALATION_KIT_DB", f"sqlite:///{tmp_path / 'ledger.db'}")
    source = tmp_path / "tickets.csv"
    source.write_text(
        "ticket_id,tenant_id,title,reported_at\n"
        f"T-1,{TENANT},Mail is not arriving,2026-11-20T09:00:00Z\n",
        encoding="utf-8",
    )
    real = engine.triage_tickets

    def long_issue_id(*args, **kwargs):  # type: ignore[no-untyped-def]
        result = real(*args, **kwargs)
        result.decisions["matched_issue_id"] = "X" * 70  # a snapshot's over-long issue id
        return result

    monkeypatch.setattr(engine, "triage_tickets", long_issue_id)
    out = tmp_path / "triage.csv"
    result = CliRunner().invoke(app, ["triage", str(source), "--out", str(out)])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ") and "matched_issue_id" in result.stderr
    assert "Traceback" not in result.output
    assert not out.exists()
    with Ledger(f"sqlite:///{tmp_path / 'ledger.db'}") as ledger:
        assert ledger.decisions().empty


def test_intake_accepts_nothing_longer_than_the_ledger_keeps() -> None:
    ledger_limits = text_limits(tickets)
    for name, limit in TICKET_FIELD_LIMITS.items():
        assert limit <= ledger_limits.get(name, limit), name
