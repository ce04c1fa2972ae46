"""Triage decisions: recorded once per run, overridden beside (never over) the automatic one."""

from __future__ import annotations

import pandas as pd
import pytest

from escalation_kit.errors import InputError, LedgerError
from escalation_kit.ledger import Ledger

CONTRACT = [
    "ticket_id",
    "category",
    "escalate",
    "matched_issue_id",
    "cluster_id",
    "region",
    "service",
    "severity",
    "confidence",
    "reasons",
    "recommended_action",
]


def triage_output(**changes: list[object]) -> pd.DataFrame:
    """Three rows of the triage output contract, as read from its CSV (strings)."""
    frame = pd.DataFrame(
        {
            "ticket_id": ["T1", "T2", "T3"],
            "category": ["bug", "known_issue", "self_service"],
            "escalate": ["true", "false", "false"],
            "matched_issue_id": ["", "EX226792", ""],
            "cluster_id": ["", "", ""],
            "region": ["Europe", "Americas", "Unknown"],
            "service": ["Microsoft Teams", "Exchange Online", ""],
            "severity": ["moderate", "", ""],
            "confidence": ["0.7", "0.95", "0.6"],
            "reasons": ["crash after update", "matches EX226792", "password reset"],
            "recommended_action": ["escalate", "tell the customer", "reset the password"],
        }
    )
    for name, values in changes.items():
        frame[name] = values
    return frame


def test_recorded_decisions_read_back_as_the_contract(ledger: Ledger) -> None:
    assert ledger.record_decisions(triage_output(), run_id="run-1") == 3
    effective = ledger.decisions()
    assert list(effective["ticket_id"]) == ["T1", "T2", "T3"]
    assert effective[CONTRACT].to_dict("records")[1] == {
        "ticket_id": "T2",
        "category": "known_issue",
        "escalate": False,
        "matched_issue_id": "EX226792",
        "cluster_id": "",
        "region": "Americas",
        "service": "Exchange Online",
        "severity": "",
        "confidence": 0.95,
        "reasons": "matches EX226792",
        "recommended_action": "tell the customer",
    }
    assert effective["escalate"].tolist() == [True, False, False]
    assert set(effective["run_id"]) == {"run-1"}
    assert set(effective["decided_by"]) == {"test-analyst"}
    assert set(effective["override_category"]) == {""}
    assert str(effective["decided_at"].dt.tz) == "UTC"


def test_recording_the_same_run_twice_is_a_no_op(ledger: Ledger) -> None:
    assert ledger.record_decisions(triage_output(), run_id="run-1") == 3
    assert ledger.record_decisions(triage_output(), run_id="run-1") == 0
    assert len(ledger.decisions(effective=False)) == 3
    assert [dict(e.detail) for e in ledger.events(entity="triage_run")] == [
        {"rows": 3, "recorded": 3}
    ]


def test_a_new_run_adds_rows_and_becomes_effective(ledger: Ledger) -> None:
    ledger.record_decisions(triage_output(), run_id="run-1")
    rerun = triage_output(category=["service_unavailable", "known_issue", "self_service"])
    assert ledger.record_decisions(rerun, run_id="run-2", actor="bot") == 3
    effective = ledger.decisions().set_index("ticket_id")
    assert effective.loc["T1", "category"] == "service_unavailable"
    assert effective.loc["T1", "run_id"] == "run-2"
    assert effective.loc["T1", "decided_by"] == "bot"
    assert len(ledger.decision_history("T1")) == 2
    assert ledger.events(entity="triage_run", entity_id="run-2")[0].actor == "bot"


def test_override_is_a_new_row_and_never_changes_the_automatic_one(ledger: Ledger) -> None:
    ledger.record_decisions(triage_output(), run_id="run-1")
    before = ledger.decision_history("T1")
    new_id = ledger.override_decision(
        "T1", category="self_service", reason="customer's proxy blocks Teams", actor="ana"
    )
    history = ledger.decision_history("T1")
    assert len(history) == 2
    pd.testing.assert_frame_equal(history.iloc[[0]], before)  # the automatic row, untouched
    override = history.iloc[1]
    assert override["decision_id"] == new_id
    assert bool(override["is_override"]) is True
    assert override["overrides_id"] == before["decision_id"].iloc[0]
    assert override["override_reason"] == "customer's proxy blocks Teams"
    assert override["decided_by"] == "ana"


def test_effective_decision_shows_the_override_beside_the_automatic(ledger: Ledger) -> None:
    ledger.record_decisions(triage_output(), run_id="run-1")
    ledger.override_decision("T3", category="bug", reason="many users, not one", actor="ana")
    effective = ledger.decisions().set_index("ticket_id")
    t3 = effective.loc["T3"]
    assert (t3["category"], bool(t3["escalate"]), t3["severity"]) == ("bug", True, "moderate")
    assert (t3["automatic_category"], t3["override_category"]) == ("self_service", "bug")
    assert (t3["overridden_by"], t3["override_reason"]) == ("ana", "many users, not one")
    assert t3["confidence"] == 1.0
    t1 = effective.loc["T1"]
    assert (t1["category"], t1["automatic_category"], t1["override_category"]) == ("bug", "bug", "")
    automatic_only = ledger.decisions(effective=False)
    assert automatic_only["is_override"].tolist() == [False, False, False, True]


def test_latest_override_wins_and_each_is_logged(ledger: Ledger) -> None:
    ledger.record_decisions(triage_output(), run_id="run-1")
    ledger.override_decision("T1", category="self_service", reason="first look", actor="ana")
    ledger.override_decision(
        "T1",
        category="service_unavailable",
        reason="whole tenant down",
        actor="bo",
        severity="critical",
    )
    t1 = ledger.decisions(ticket_ids=["T1"]).iloc[0]
    assert (t1["category"], t1["severity"], t1["overridden_by"]) == (
        "service_unavailable",
        "critical",
        "bo",
    )
    logged = ledger.events(entity="ticket", entity_id="T1", action="decision_overridden")
    assert [(e.actor, e.detail["from"], e.detail["to"]) for e in logged] == [
        ("ana", "bug", "self_service"),
        ("bo", "bug", "service_unavailable"),
    ]


def test_override_of_an_unknown_ticket_is_refused(ledger: Ledger) -> None:
    ledger.record_decisions(triage_output(), run_id="run-1")
    with pytest.raises(LedgerError, match="no triage decision is recorded for ticket 'T9'"):
        ledger.override_decision("T9", category="bug", reason="x", actor="ana")
    assert ledger.events(action="decision_overridden") == []


@pytest.mark.parametrize(
    ("category", "reason", "actor", "field"),
    [
        ("bugs", "why", "ana", "category"),
        ("bug", "  ", "ana", "reason"),
        ("bug", "why", "", "actor"),
    ],
)
def test_override_needs_a_valid_category_reason_and_analyst(
    sqlite_ledger: Ledger, category: str, reason: str, actor: str, field: str
) -> None:
    sqlite_ledger.record_decisions(triage_output(), run_id="run-1")
    with pytest.raises(InputError) as caught:
        sqlite_ledger.override_decision("T1", category=category, reason=reason, actor=actor)
    assert caught.value.field == field
    assert len(sqlite_ledger.decision_history("T1")) == 1


@pytest.mark.parametrize(
    ("changes", "message", "row"),
    [
        ({"category": ["bug", "outage", "bug"]}, "unknown category 'outage'", 2),
        ({"escalate": ["true", "maybe", "false"]}, "escalate 'maybe' is not true/false", 2),
        ({"confidence": ["0.5", "1.5", "0.1"]}, "confidence '1.5' is not a number", 2),
        ({"ticket_id": ["T1", "T2", "T2"]}, "duplicate ticket_id 'T2'", 3),
        ({"severity": ["moderate", "", "urgent"]}, "unknown severity 'urgent'", 3),
    ],
)
def test_bad_decision_frames_are_refused_and_nothing_is_written(
    sqlite_ledger: Ledger, changes: dict[str, list[object]], message: str, row: int
) -> None:
    with pytest.raises(InputError, match=message) as caught:
        sqlite_ledger.record_decisions(triage_output(**changes), run_id="run-1")
    assert caught.value.row == row
    assert len(sqlite_ledger.decisions(effective=False)) == 0


def test_boolean_and_missing_optional_columns_are_accepted(sqlite_ledger: Ledger) -> None:
    frame = triage_output()[["ticket_id", "category", "escalate", "region", "confidence"]]
    frame = frame.assign(escalate=[True, False, False], confidence=[0.7, 0.9, 0.6])
    assert sqlite_ledger.record_decisions(frame, run_id="r") == 3
    stored = sqlite_ledger.decisions()
    assert stored["escalate"].tolist() == [True, False, False]
    assert set(stored["matched_issue_id"]) == {""}


def test_decisions_filtered_by_ticket(ledger: Ledger) -> None:
    ledger.record_decisions(triage_output(), run_id="run-1")
    assert ledger.decisions(ticket_ids=["T3", "T1"])["ticket_id"].tolist() == ["T1", "T3"]
    assert len(ledger.decisions(ticket_ids=[])) == 0
