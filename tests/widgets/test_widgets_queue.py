"""The queue frame: status from review and escalation state, views, needs-review, sorting."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
from widget_data import accepted_tickets, cluster_decisions

from escalation_kit.ledger import Ledger
from escalation_kit.ledger.reviews import accept_decisions, review_states
from escalation_kit.triage.runs import run_id_for
from escalation_kit.widgets.queue import Filters, age_text, filter_queue, queue_frame, sort_queue

NOW = datetime(2026, 11, 14, 12, 0, tzinfo=UTC)


def frame(**kwargs: object) -> pd.DataFrame:
    return queue_frame(cluster_decisions(), accepted_tickets(), now=NOW, **kwargs)  # type: ignore[arg-type]


def test_status_comes_from_reviews_and_escalations() -> None:
    reviews = pd.DataFrame(
        {
            "ticket_id": ["T1", "T4"],
            "review": ["accepted", "overridden"],
            "reviewed_by": ["Ana", "Bo"],
            "reviewed_at": pd.to_datetime(["2026-11-14T08:00Z", "2026-11-14T09:00Z"], utc=True),
        }
    )
    queue = frame(reviews=reviews, escalation_status={"T2": "linked", "T3": "closed"})
    status = queue.set_index("ticket_id")["status"].to_dict()
    assert status == {
        "T1": "reviewed",
        "T2": "linked",
        "T3": "closed",
        "T4": "reviewed",
        "T5": "new",
    }
    assert queue.set_index("ticket_id").loc["T4", "analyst"] == "Bo"
    assert list(queue["ticket_id"]) == ["T5", "T4", "T3", "T2", "T1"]  # newest first
    assert list(queue["age"]) == ["4h", "25h", "25h", "26h", "26h"]


def test_needs_review_column_or_low_confidence() -> None:
    decisions = cluster_decisions()
    decisions["confidence"] = [0.9, 0.9, 0.9, 0.3, 0.7]
    queue = queue_frame(decisions, accepted_tickets(), now=NOW)
    assert queue.loc[queue["needs_review"], "ticket_id"].tolist() == ["T4"]
    assert queue.set_index("ticket_id").loc["T4", "confidence_text"] == "needs review"
    decisions["needs_review"] = ["false", "true", "false", "false", "false"]
    queue = queue_frame(decisions, accepted_tickets(), now=NOW)
    assert queue.loc[queue["needs_review"], "ticket_id"].tolist() == ["T2"]
    view = filter_queue(queue, Filters(view="needs review"))
    assert view["ticket_id"].tolist() == ["T2"]


def test_views_search_and_severity_sort() -> None:
    queue = frame()
    escalate = filter_queue(queue, Filters(view="to escalate"))
    assert set(escalate["ticket_id"]) == {"T1", "T2", "T3", "T5"}
    found = filter_queue(queue, Filters(search="TAILSPIN"))  # the customer name
    assert found["ticket_id"].tolist() == ["T4"]
    both = filter_queue(queue, Filters(region="Europe", severity="critical", search="503"))
    assert set(both["ticket_id"]) == {"T1", "T3"}
    by_severity = sort_queue(queue, "severity", descending=True)
    assert by_severity["severity"].tolist() == ["critical"] * 3 + ["moderate", ""]


def test_my_reviewed_today_is_this_analysts(sqlite_ledger: Ledger) -> None:
    decisions = cluster_decisions()
    sqlite_ledger.record_decisions(decisions, run_id=run_id_for(decisions))
    assert accept_decisions(sqlite_ledger, ["T1", "T2"], actor="Ana") == ["T1", "T2"]
    accept_decisions(sqlite_ledger, ["T3"], actor="Bo")
    queue = queue_frame(decisions, accepted_tickets(), reviews=review_states(sqlite_ledger))
    mine = filter_queue(queue, Filters(view="my reviewed today", analyst="Ana"))
    assert set(mine["ticket_id"]) == {"T1", "T2"}
    events = sqlite_ledger.events(action="decision_accepted")
    assert [(e.entity_id, e.actor) for e in events] == [("T1", "Ana"), ("T2", "Ana"), ("T3", "Bo")]


def test_accepting_an_unknown_ticket_records_nothing(sqlite_ledger: Ledger) -> None:
    import pytest

    from escalation_kit.errors import InputError

    decisions = cluster_decisions()
    sqlite_ledger.record_decisions(decisions, run_id=run_id_for(decisions))
    with pytest.raises(InputError, match="T9"):
        accept_decisions(sqlite_ledger, ["T1", "T9"], actor="Ana")
    with pytest.raises(InputError, match="analyst"):
        accept_decisions(sqlite_ledger, ["T1"], actor=" ")
    assert review_states(sqlite_ledger).empty


def test_age_text() -> None:
    assert age_text(pd.Timestamp("2026-11-14T11:15Z"), NOW) == "45m"
    assert age_text(pd.Timestamp("2026-10-01T12:00Z"), NOW) == "6w"
    assert age_text(pd.NaT, NOW) == ""
