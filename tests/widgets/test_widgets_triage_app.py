"""TriageApp without a kernel: the queue grid, filters, keys, review state and actions in place."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from widget_data import SCRIPT, TENANTS, accepted_tickets

from escalation_kit.health.snapshot import HealthSnapshot
from escalation_kit.ledger import Ledger
from escalation_kit.ledger.reviews import review_states
from escalation_kit.triage.engine import TriageResult, triage_tickets
from escalation_kit.triage.runs import run_id_for
from escalation_kit.widgets.queue import COLUMNS
from escalation_kit.widgets.triage_app import TriageApp


@pytest.fixture(scope="module")
def tickets() -> pd.DataFrame:
    return accepted_tickets()


@pytest.fixture(scope="module")
def health() -> HealthSnapshot:
    """Service health checked for every tenant (health first), nothing documented."""
    empty = {"healthOverviews": [], "issues": []}
    return HealthSnapshot({t: empty for t in TENANTS}, fetched_at="2026-11-14T12:00:00Z")


@pytest.fixture(scope="module")
def result(tickets: pd.DataFrame, health: HealthSnapshot) -> TriageResult:
    return triage_tickets(tickets, health=health)


@pytest.fixture
def app(
    result: TriageResult,
    tickets: pd.DataFrame,
    health: HealthSnapshot,
    sqlite_ledger: Ledger,
    tmp_path: Path,
) -> TriageApp:
    sqlite_ledger.upsert_tickets(tickets, progress=False)
    sqlite_ledger.record_decisions(result.decisions, run_id=run_id_for(result.decisions))
    return TriageApp(
        result,
        tickets,
        ledger=sqlite_ledger,
        analyst="Ana Analyst",
        health=health,
        out_dir=tmp_path / "pk",
    )


def shown(app: TriageApp) -> list[str]:
    return [row["id"] for row in app.grid.rows]


def test_queue_lists_every_ticket_newest_first_with_every_column(app: TriageApp) -> None:
    assert shown(app) == ["T5", "T4", "T3", "T2", "T1"]
    assert app.grid.cursor == "T5"
    first = app.grid.rows[0]
    assert [key for key, _ in COLUMNS] == [k for k in first if k != "id"]
    assert first["customer"] == ""
    assert app.grid.rows[3]["title"] == f"{SCRIPT} SharePoint down"  # text, escaped by the grid
    assert {row["status"] for row in app.grid.rows} == {"new"}


def test_header_sort_and_several_filters_at_once(app: TriageApp, result: TriageResult) -> None:
    app.grid.sort_by, app.grid.sort_desc = "ticket_id", False
    assert shown(app) == ["T1", "T2", "T3", "T4", "T5"]
    app.grid.sort_by, app.grid.sort_desc = "severity", True
    ranks = {"critical": 3, "moderate": 2, "minimal": 1}
    severities = [ranks.get(row["severity"], 0) for row in app.grid.rows]
    assert severities == sorted(severities, reverse=True)
    decisions = result.decisions.set_index("ticket_id")
    category = decisions.loc["T1", "category"]
    app.category.value = category
    app.search.value = "sharepoint"
    expected = {
        t
        for t in decisions.index
        if decisions.loc[t, "category"] == category and t in {"T1", "T2", "T3"}
    }
    assert set(shown(app)) == expected
    app.search.value = "FABRIKAM"  # customer names are searched too
    assert shown(app) == (["T3"] if "T3" in expected else [])
    app.search.value = "no ticket says this"
    assert shown(app) == [] and app.grid.cursor == ""


def test_keys_move_accept_and_the_message_stays_with_its_ticket(
    app: TriageApp, sqlite_ledger: Ledger
) -> None:
    app.grid.cursor = "T4"
    app.grid.act("accept")
    assert "T4: decision accepted by Ana Analyst" in app.status.value
    assert app.bulk_status.value == ""  # one ticket: its message only, shown with it
    row = next(r for r in app.grid.rows if r["id"] == "T4")
    assert (row["status"], row["analyst"]) == ("reviewed", "Ana Analyst")
    app.grid.cursor = "T3"
    assert app.status.value == ""  # the message belongs to T4
    app.grid.cursor = "T4"
    assert "accepted" in app.status.value
    reviews = review_states(sqlite_ledger).set_index("ticket_id")
    assert reviews.loc["T4", "review"] == "accepted"
    assert reviews.loc["T4", "reviewed_by"] == "Ana Analyst"


def test_override_updates_grid_detail_and_ledger_at_once(
    app: TriageApp, result: TriageResult, sqlite_ledger: Ledger
) -> None:
    automatic = result.decisions.set_index("ticket_id").loc["T4", "category"]
    chosen = "bug" if automatic != "bug" else "service_unavailable"
    app.grid.cursor = "T4"
    app.grid.act("override")  # no reason yet: nothing recorded
    assert len(sqlite_ledger.decision_history("T4")) == 1
    assert app.record.disabled
    app.override_category.value = chosen
    app.reason.value = "the customer reproduced it on a clean profile"
    assert not app.record.disabled
    app.grid.act("override")
    row = next(r for r in app.grid.rows if r["id"] == "T4")
    assert (row["category"], row["status"], row["analyst"]) == (chosen, "reviewed", "Ana Analyst")
    assert f"<td style='white-space:pre-wrap'>{chosen}</td>" in app.detail.value
    effective = sqlite_ledger.decisions(ticket_ids=["T4"]).iloc[0]
    assert effective["category"] == chosen
    assert effective["automatic_category"] == automatic
    assert effective["override_reason"] == "the customer reproduced it on a clean profile"
    assert "override to" in app.status.value and app.reason.value == ""
    app.grid.cursor = "T1"
    assert (
        app.override_category.value == result.decisions.set_index("ticket_id").loc["T1", "category"]
    )
    assert app.status.value == ""


def test_bulk_accept_and_bulk_override_with_one_reason(
    app: TriageApp, sqlite_ledger: Ledger
) -> None:
    app.grid.selected = ["T1", "T2", "T3"]
    assert app.accept.description == "Accept 3 selected (a)"
    assert app.accept_targets() == ["T3", "T2", "T1"]  # in queue order
    assert app.grid.selected == []
    assert "accepted 3 decision(s)" in app.bulk_status.value
    reviews = review_states(sqlite_ledger)
    assert set(reviews["ticket_id"]) == {"T1", "T2", "T3"}
    app.view.value = "my reviewed today"
    assert set(shown(app)) == {"T1", "T2", "T3"}
    app.view.value = "all tickets"
    app.grid.selected = ["T4", "T5"]
    app.override_category.value = "bug"
    app.reason.value = "both crash"
    assert app.override_targets() == ["T5", "T4"]
    effective = sqlite_ledger.decisions(ticket_ids=["T4", "T5"])
    assert set(effective["category"]) == {"bug"}
    assert set(effective["override_reason"]) == {"both crash"}


def test_override_without_a_reason_or_a_name_is_refused(
    result: TriageResult, tickets: pd.DataFrame, sqlite_ledger: Ledger
) -> None:
    sqlite_ledger.record_decisions(result.decisions, run_id=run_id_for(result.decisions))
    app = TriageApp(result, tickets, ledger=sqlite_ledger, analyst="")
    app.grid.cursor = "T1"
    app.reason.value = "a reason"
    app.record.click()
    assert "enter your name" in app.status.value
    app.analyst.value = "Ana"
    app.reason.value = "   "
    app.record.click()
    assert "needs a reason" in app.status.value
    assert len(sqlite_ledger.decision_history("T1")) == 1


def test_without_a_ledger_the_actions_are_off(result: TriageResult) -> None:
    app = TriageApp(result)
    assert app.record.disabled and app.accept.disabled and app.draft.disabled
    app.grid.act("accept")
    assert "needs a ledger" in app.status.value


def test_detail_pane_escapes_customer_text(app: TriageApp) -> None:
    app.grid.cursor = "T2"
    detail = app.detail.value
    assert "&lt;script&gt;alert(1)&lt;/script&gt; SharePoint down" in detail
    assert SCRIPT not in detail
    assert "2026-11-13 09:40 UTC" in detail  # reported time in UTC (and local beside it)
    assert "reported (local)" in detail
    assert "users affected</th><td style='white-space:pre-wrap'>25</td>" in detail
    assert "11111111" not in detail and "22222222-2222-4222-8222-222222222222" in detail


def test_packages_are_drafted_only_from_reviewed_decisions(
    app: TriageApp, sqlite_ledger: Ledger, tmp_path: Path
) -> None:
    escalated = app.queue.loc[app.queue["escalate"], "ticket_id"].tolist()
    ticket = escalated[0]
    app.grid.cursor = ticket
    assert app.draft_package() == ""
    assert "not reviewed yet" in app.status.value
    app.grid.act("accept")
    app.grid.act("escalate")
    text = app.package.text
    assert "FILING PACKAGE" in text and app.package.filename.endswith(".txt")
    row = next(r for r in app.grid.rows if r["id"] == ticket)
    assert row["status"] == "escalated"
    assert (tmp_path / "pk" / "index.csv").exists()
    assert app.draft_package() == text  # redrafting gives the same package

    app.request_id.value = "SR-123"
    app.link.click()
    assert "linked to request SR-123" in app.status.value
    assert next(r for r in app.grid.rows if r["id"] == ticket)["status"] == "linked"
    app.note.value = "More tenants are affected."
    app.add_note.click()
    assert "tick the confirmation" in app.status.value
    app.confirm_note.value = True
    app.add_note.click()
    assert "note queued" in app.status.value
    assert [e.action for e in sqlite_ledger.events(action="write_queued")] == ["write_queued"]
    assert ticket in app.compose_notice()


def test_a_key_acts_on_the_selection_it_was_pressed_with(app: TriageApp) -> None:
    """The front end sends the selection with the key: a buffered selection update cannot make
    'a' accept only the cursor's ticket."""
    app.grid.cursor = "T5"
    app.grid._received(
        app.grid, {"action": "accept", "ticket_id": "T5", "selected": ["T1", "T2"]}, []
    )
    rows = {r["id"]: r["status"] for r in app.grid.rows}
    assert (rows["T1"], rows["T2"], rows["T5"]) == ("reviewed", "reviewed", "new")
