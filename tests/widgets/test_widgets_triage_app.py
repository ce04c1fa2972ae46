"""TriageApp without a kernel: filters, the escaped detail pane, overrides in the ledger."""

from __future__ import annotations

import pandas as pd
import pytest
from widget_data import SCRIPT, accepted_tickets

from escalation_kit.ledger import Ledger
from escalation_kit.triage.engine import TriageResult, triage_tickets
from escalation_kit.triage.runs import run_id_for
from escalation_kit.widgets.triage_app import ALL, TriageApp


@pytest.fixture(scope="module")
def tickets() -> pd.DataFrame:
    return accepted_tickets()


@pytest.fixture(scope="module")
def result(tickets: pd.DataFrame) -> TriageResult:
    return triage_tickets(tickets)


def test_category_filter_lists_exactly_that_category(result: TriageResult) -> None:
    app = TriageApp(result)
    decisions = result.decisions
    assert list(app.value["ticket_id"]) == list(decisions["ticket_id"])
    category = decisions["category"].iloc[3]
    app.category.value = category
    expected = decisions.loc[decisions["category"] == category, "ticket_id"]
    assert list(app.value["ticket_id"]) == list(expected)
    assert [value for _label, value in app.ticket.options] == list(expected)
    app.category.value = ALL
    assert len(app.ticket.options) == len(decisions)


def test_search_matches_ticket_titles(result: TriageResult, tickets: pd.DataFrame) -> None:
    app = TriageApp(result, tickets)
    app.search.value = "ALERT(1)"
    assert list(app.value["ticket_id"]) == ["T2"]
    app.search.value = "no ticket says this"
    assert app.value.empty
    assert app.ticket.options == ()


def test_detail_pane_escapes_customer_text(result: TriageResult, tickets: pd.DataFrame) -> None:
    app = TriageApp(result, tickets)
    app.ticket.value = "T2"
    assert "&lt;script&gt;alert(1)&lt;/script&gt; SharePoint down" in app.detail.value
    assert SCRIPT not in app.detail.value
    assert "<script" not in app.summary.value


def test_override_is_recorded_beside_the_automatic_decision(
    result: TriageResult, tickets: pd.DataFrame, sqlite_ledger: Ledger
) -> None:
    sqlite_ledger.record_decisions(result.decisions, run_id=run_id_for(result.decisions))
    app = TriageApp(result, tickets, ledger=sqlite_ledger, analyst="Ana Analyst")
    automatic = result.decisions.set_index("ticket_id").loc["T4", "category"]
    chosen = "bug" if automatic != "bug" else "service_unavailable"
    app.ticket.value = "T4"
    app.override_category.value = chosen
    app.reason.value = "the customer reproduced it on a clean profile"
    app.record.click()

    effective = sqlite_ledger.decisions(ticket_ids=["T4"]).iloc[0]
    assert effective["category"] == chosen
    assert effective["automatic_category"] == automatic
    assert effective["overridden_by"] == "Ana Analyst"
    assert effective["override_reason"] == "the customer reproduced it on a clean profile"
    history = sqlite_ledger.decision_history("T4")
    assert list(history["category"]) == [automatic, chosen]
    assert "override recorded" in app.status.value
    assert app.reason.value == ""


def test_override_without_a_reason_is_refused_and_nothing_recorded(
    result: TriageResult, tickets: pd.DataFrame, sqlite_ledger: Ledger
) -> None:
    sqlite_ledger.record_decisions(result.decisions, run_id=run_id_for(result.decisions))
    app = TriageApp(result, tickets, ledger=sqlite_ledger, analyst="Ana Analyst")
    app.ticket.value = "T1"
    app.reason.value = "   "
    app.record.click()
    assert "needs a reason" in app.status.value
    assert len(sqlite_ledger.decision_history("T1")) == 1


def test_override_needs_a_ledger(result: TriageResult) -> None:
    app = TriageApp(result)
    assert app.record.disabled
    app.ticket.value = "T1"
    app.record.click()
    assert "choose a ticket first" in app.status.value
