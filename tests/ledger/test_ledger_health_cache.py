"""The health cache: Graph issues kept verbatim per tenant, and resumable sync states."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import select

from ek_fixtures import SAMPLES, require
from escalation_kit.errors import InputError
from escalation_kit.ledger import ImportCounts, Ledger, SyncState
from escalation_kit.ledger.schema import health_issues as issues_table

TENANT_A = "0f1e2d3c-4b5a-4678-9abc-def012345678"
TENANT_B = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
FETCHED = datetime(2026, 11, 21, 0, 0, tzinfo=UTC)


def graph_issue(issue_id: str, *, modified: str, resolved: bool = False) -> dict[str, Any]:
    """A serviceHealthIssue shaped like Graph's (see real-samples/graph-get-issue.json)."""
    return {
        "startDateTime": "2026-11-20T08:15:00Z",
        "endDateTime": "2026-11-20T09:45:00Z" if resolved else None,
        "lastModifiedDateTime": modified,
        "title": "Users can't access mailboxes — «Ünïcode» <b>&</b>",
        "id": issue_id,
        "impactDescription": "Users may be unable to access their mailboxes.",
        "classification": "incident",
        "origin": "microsoft",
        "status": "serviceRestored" if resolved else "serviceDegradation",
        "service": "Exchange Online",
        "feature": "E-Mail and calendar access",
        "featureGroup": "E-Mail and calendar access",
        "isResolved": resolved,
        "details": [{"name": "NotifyInApp", "value": "True"}],
        "posts": [
            {
                "createdDateTime": "2026-11-20T08:20:00Z",
                "postType": "regular",
                "description": {"contentType": "html", "content": "<p>We're investigating.</p>"},
            }
        ],
        "someFieldMicrosoftAddsLater": {"nested": [1, 2.5, None, True]},
    }


def test_issues_are_kept_verbatim(ledger: Ledger) -> None:
    issues = [
        graph_issue("EX1", modified="2026-11-20T09:00:00.1234567Z"),
        graph_issue("EX2", modified="2026-11-20T10:00:00Z", resolved=True),
    ]
    original = copy.deepcopy(issues)
    counts = ledger.cache_health_issues(TENANT_A, issues, fetched_at=FETCHED)
    assert counts == ImportCounts(rows=2, inserted=2, updated=0)
    assert ledger.health_issues(TENANT_A) == original
    assert issues == original  # the caller's objects are not changed


def test_columns_are_filled_from_the_payload(ledger: Ledger) -> None:
    issue = graph_issue("EX1", modified="2026-11-20T09:00:00.1234567Z", resolved=True)
    ledger.cache_health_issues(TENANT_A, [issue], fetched_at=FETCHED)
    with ledger.reading() as conn:
        row = conn.execute(select(issues_table)).one()
    assert (row.tenant_id, row.issue_id, row.service, row.status, row.classification) == (
        TENANT_A,
        "EX1",
        "Exchange Online",
        "serviceRestored",
        "incident",
    )
    assert row.is_resolved is True
    assert row.start == datetime(2026, 11, 20, 8, 15, tzinfo=UTC)
    assert row.end == datetime(2026, 11, 20, 9, 45, tzinfo=UTC)
    assert row.last_modified == datetime(2026, 11, 20, 9, 0, 0, 123456, tzinfo=UTC)
    assert row.fetched_at == FETCHED


def test_refetch_replaces_by_tenant_and_issue_id(ledger: Ledger) -> None:
    ledger.cache_health_issues(
        TENANT_A, [graph_issue("EX1", modified="2026-11-20T09:00:00Z")], fetched_at=FETCHED
    )
    ledger.cache_health_issues(
        TENANT_B, [graph_issue("EX1", modified="2026-11-20T09:00:00Z")], fetched_at=FETCHED
    )
    resolved = graph_issue("EX1", modified="2026-11-20T11:00:00Z", resolved=True)
    later = FETCHED + timedelta(hours=1)
    counts = ledger.cache_health_issues(TENANT_A, [resolved], fetched_at=later)
    assert counts == ImportCounts(rows=1, inserted=0, updated=1)
    assert ledger.health_issues(TENANT_A) == [resolved]
    assert ledger.health_issues(TENANT_B)[0]["isResolved"] is False
    assert [i["isResolved"] for i in ledger.health_issues()] == [True, False]  # by tenant
    cached = ledger.events(entity="tenant", entity_id=TENANT_A, action="health_issues_cached")
    assert [e.detail["inserted"] for e in cached] == [1, 0]


def test_real_graph_samples_round_trip(ledger: Ledger) -> None:
    listing = SAMPLES / "graph-list-issues.json"
    single = SAMPLES / "graph-get-issue.json"
    require(listing.exists() and single.exists(), f"real Graph samples missing in {SAMPLES}")
    issues = json.loads(listing.read_text())["value"] + [json.loads(single.read_text())]
    ledger.cache_health_issues(TENANT_A, issues, fetched_at=FETCHED)
    assert ledger.health_issues(TENANT_A) == sorted(issues, key=lambda issue: issue["id"])


@pytest.mark.parametrize(
    ("issues", "field"),
    [
        ([{"service": "Exchange Online"}], "id"),
        ([{"id": "EX1", "service": ""}], "service"),
        ([{"id": "EX1", "service": "Exchange Online", "startDateTime": "soon"}], "startDateTime"),
        (["not an object"], None),
    ],
)
def test_malformed_issues_are_refused(
    sqlite_ledger: Ledger, issues: list[Any], field: str | None
) -> None:
    with pytest.raises(InputError) as caught:
        sqlite_ledger.cache_health_issues(TENANT_A, issues, fetched_at=FETCHED)
    assert (caught.value.row, caught.value.field) == (1, field)
    assert sqlite_ledger.health_issues() == []


def test_naive_fetched_at_is_refused(sqlite_ledger: Ledger) -> None:
    with pytest.raises(InputError, match="no time zone"):
        sqlite_ledger.cache_health_issues(TENANT_A, [], fetched_at=datetime(2026, 11, 21))


def test_sync_states_record_ok_and_failed_tenants(ledger: Ledger) -> None:
    mark = datetime(2026, 11, 20, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    ledger.record_health_sync(TENANT_A, status="ok", watermark=mark)
    ledger.record_health_sync(TENANT_B, status="failed", reason="HTTP 403: no consent")
    states = ledger.health_sync_states()
    assert set(states) == {TENANT_A, TENANT_B}
    assert states[TENANT_A].ok and states[TENANT_A].watermark == mark
    assert states[TENANT_A].watermark.tzinfo == UTC
    assert states[TENANT_B] == SyncState(
        status="failed",
        reason="HTTP 403: no consent",
        synced_at=states[TENANT_B].synced_at,
        watermark=None,
    )
    assert states[TENANT_B].synced_at.tzinfo == UTC
    logged = ledger.events(action="health_synced")
    assert [(e.entity_id, e.detail["status"]) for e in logged] == [
        (TENANT_A, "ok"),
        (TENANT_B, "failed"),
    ]


def test_watermark_never_moves_back_and_survives_a_failure(ledger: Ledger) -> None:
    newer = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    ledger.record_health_sync(TENANT_A, status="ok", watermark=newer)
    ledger.record_health_sync(TENANT_A, status="failed", reason="timeout")
    assert ledger.health_sync_states()[TENANT_A].watermark == newer
    ledger.record_health_sync(TENANT_A, status="ok", watermark=newer - timedelta(days=1))
    state = ledger.health_sync_states()[TENANT_A]
    assert (state.status, state.reason, state.watermark) == ("ok", "", newer)


def test_ok_sync_without_watermark_takes_the_newest_cached_issue(ledger: Ledger) -> None:
    issues = [
        graph_issue("EX1", modified="2026-11-20T09:00:00Z"),
        graph_issue("EX2", modified="2026-11-20T10:30:00.5Z"),
    ]
    ledger.cache_health_issues(TENANT_A, issues, fetched_at=FETCHED)
    state = ledger.record_health_sync(TENANT_A, status="ok")
    assert state.watermark == datetime(2026, 11, 20, 10, 30, 0, 500000, tzinfo=UTC)
    assert ledger.health_sync_states()[TENANT_A].watermark == state.watermark


def test_unknown_sync_status_is_refused(sqlite_ledger: Ledger) -> None:
    with pytest.raises(InputError, match="sync status 'done'"):
        sqlite_ledger.record_health_sync(TENANT_A, status="done")
    assert sqlite_ledger.health_sync_states() == {}
