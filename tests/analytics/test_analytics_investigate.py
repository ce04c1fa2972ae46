"""Multi-tenant incident investigation: selection, spread, documented issue, request, rendering."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import insert

from ek_fixtures import SAMPLES
from escalation_kit.analytics.investigation import investigate
from escalation_kit.errors import InputError
from escalation_kit.health.snapshot import HealthSnapshot
from escalation_kit.ledger import Ledger
from escalation_kit.ledger.schema import escalation_links, escalations

EVIL = "<script>alert('x')</script> | **bold**"

TICKETS = pd.DataFrame(
    {
        "ticket_id": ["T1", "T2", "T3", "T4", "T5", "T6"],
        "tenant_id": ["ta", "tb", "tc", "ta", "td", "te"],
        "customer_name": ["Alpha GmbH", EVIL, "Gamma SA", "Alpha GmbH", "Delta KK", "Eps Ltd"],
        "region": ["Europe", "Europe", "Europe", "Europe", "Asia Pacific", "Europe"],
        "service": ["Outlook", "email", "Exchange", "Outlook", "Outlook", "Teams"],
        "normalized_service": ["Exchange Online"] * 5 + ["Microsoft Teams"],
        "title": ["Mail stuck", EVIL, "No mail", "Still stuck", "Mail slow", "Calls drop"],
        "reported_at": [
            "2026-11-20T08:00:00Z",
            "2026-11-20T08:30:00Z",
            "2026-11-20T09:15:00+01:00",
            "2026-11-20T10:00:00Z",
            "2026-11-20T09:00:00Z",
            "2026-11-20T08:10:00Z",
        ],
    }
)
DECISIONS = pd.DataFrame(
    {
        "ticket_id": ["T1", "T2", "T3", "T4", "T5", "T6"],
        "category": ["regional_multi_tenant"] * 4 + ["service_unavailable", "bug"],
        "cluster_id": ["rmt-1"] * 4 + ["", ""],
        "region": ["Europe"] * 4 + ["Asia Pacific", "Europe"],
        "service": ["Exchange Online"] * 5 + ["Microsoft Teams"],
    }
)


def snapshot(start: str, end: str | None, service: str = "Exchange Online") -> HealthSnapshot:
    issue: dict[str, Any] = json.loads((SAMPLES / "graph-list-issues.json").read_text())["value"][0]
    issue = {
        **issue,
        "id": "EX900001",
        "service": service,
        "startDateTime": start,
        "endDateTime": end,
        "title": "Mail delays for some users",
    }
    return HealthSnapshot(
        {"tc": {"healthOverviews": [], "issues": [issue]}}, fetched_at="2026-11-20T12:00:00Z"
    )


def test_cluster_selects_its_tickets_tenants_and_regions() -> None:
    found = investigate(TICKETS, DECISIONS, cluster_id="rmt-1")
    assert found.tickets["ticket_id"].tolist() == ["T1", "T3", "T2", "T4"]  # by time: T3 is 08:15Z
    assert (found.service, found.region, found.cluster_id) == ("Exchange Online", "Europe", "rmt-1")
    assert (found.start, found.end) == (
        pd.Timestamp("2026-11-20T08:00Z"),
        pd.Timestamp("2026-11-20T10:00Z"),
    )
    tenants = found.tenants
    assert tenants["tenant_id"].tolist() == ["ta", "tc", "tb"]
    assert tenants["tickets"].tolist() == [2, 1, 1]
    assert found.regions.values.tolist() == [["Europe", 3, 4]]
    assert found.documented == ()
    assert found.requests is None


def test_window_selection_crosses_regions() -> None:
    found = investigate(
        TICKETS, cluster_id=("exchange online", None, "2026-11-20T07:00Z", "2026-11-20T09:30Z")
    )
    assert found.tickets["ticket_id"].tolist() == ["T1", "T3", "T2", "T5"]
    assert found.region is None
    assert found.regions.values.tolist() == [["Europe", 3, 3], ["Asia Pacific", 1, 1]]
    only_europe = investigate(
        TICKETS, window=("Exchange Online", "Europe", "2026-11-20T07:00Z", "2026-11-20T09:30Z")
    )
    assert only_europe.tickets["tenant_id"].nunique() == 3


@pytest.mark.parametrize(
    ("start", "end", "matches"),
    [
        ("2026-11-20T07:00:00Z", None, True),  # ongoing, began before the reports
        ("2026-11-20T09:50:00Z", "2026-11-20T11:00:00Z", True),  # began during the window
        ("2026-11-19T07:00:00Z", "2026-11-20T07:59:00Z", False),  # ended just before
        ("2026-11-20T10:01:00Z", None, False),  # began after the last report
    ],
)
def test_documented_issue_must_overlap_the_window(
    start: str, end: str | None, matches: bool
) -> None:
    found = investigate(TICKETS, DECISIONS, cluster_id="rmt-1", health=snapshot(start, end))
    assert [i.id for i in found.documented] == (["EX900001"] if matches else [])


def test_documented_issue_on_another_service_does_not_match() -> None:
    health = snapshot("2026-11-20T07:00:00Z", None, service="SharePoint Online")
    assert investigate(TICKETS, DECISIONS, cluster_id="rmt-1", health=health).documented == ()


def test_linked_support_request_from_the_ledger(sqlite_ledger: Ledger) -> None:
    now = datetime(2026, 11, 20, 10, 30, tzinfo=UTC)
    with sqlite_ledger.transaction() as conn:
        conn.execute(
            insert(escalations).values(
                escalation_id="X1",
                content_key="k1",
                tracking_tag="EK-7Q2M",
                category="bug",
                severity="critical",
                status="open",
                title="Mail",
                service="Exchange Online",
                region="Europe",
                tenant_id="ta",
                cluster_id="",
                service_request_id="2611200040001",
                created_at=now,
                updated_at=now,
            )
        )
        conn.execute(
            insert(escalation_links).values(
                escalation_id="X1", ticket_id="T2", tenant_id="tb", linked_at=now
            )
        )
    found = investigate(TICKETS, DECISIONS, cluster_id="rmt-1", ledger=sqlite_ledger)
    assert found.requests is not None
    assert found.requests["tracking_tag"].tolist() == ["EK-7Q2M"]
    assert "EK-7Q2M: SR 2611200040001 (open)" in found.summary_markdown()


def test_summary_markdown_and_html_are_escaped() -> None:
    found = investigate(
        TICKETS, DECISIONS, cluster_id="rmt-1", health=snapshot("2026-11-20T07:00:00Z", None)
    )
    markdown = found.summary_markdown()
    assert markdown.startswith("**Multi-tenant incident: Exchange Online, Europe**\n")
    assert "- Affected tenants: 3 (Europe 3)" in markdown
    assert "- Tickets: 4" in markdown
    # the package's words for the same fact (escalation.considered.issues_considered)
    assert found.considered is not None and len(found.considered) == 1
    assert found.considered[0].startswith('EX900001 "Mail delays for some users" (')
    assert f"- Documented issues considered: {found.considered[0]}" in markdown
    assert "- Support request: not looked up (no ledger given)" in markdown
    assert "| ta | Alpha GmbH | Europe | 2 | 2026-11-20 08:00 | 2026-11-20 10:00 |" in markdown
    assert "\\<script\\>" in markdown and "\\| \\*\\*bold\\*\\*" in markdown
    html = found._repr_html_()
    assert "<script>" not in html
    assert "&lt;script&gt;alert(" in html
    table = found.summary_table()
    assert table.columns.tolist() == [
        "tenant_id",
        "customer_name",
        "region",
        "tickets",
        "first_report",
        "last_report",
    ]


def test_timeline_figure_one_row_per_tenant_coloured_by_category() -> None:
    found = investigate(
        TICKETS, DECISIONS, cluster_id="rmt-1", health=snapshot("2026-11-20T07:00:00Z", None)
    )
    fig = found.timeline_figure(theme="dark")
    data = fig.to_dict()["data"]
    assert [t["type"] for t in data] == ["scatter"]
    assert data[0]["name"] == "Regional multi-tenant"
    assert data[0]["marker"]["color"] == "#009E73"
    assert len(set(data[0]["y"])) == 3
    assert all("<script>" not in str(text) for text in data[0]["text"])
    assert fig.layout.shapes[0].x0 is not None  # the documented issue is shaded


def test_bad_requests_are_input_errors() -> None:
    with pytest.raises(InputError, match="either cluster_id or window"):
        investigate(TICKETS)
    with pytest.raises(InputError, match="needs the triage decisions"):
        investigate(TICKETS, cluster_id="rmt-1")
    with pytest.raises(InputError, match="no ticket has cluster_id"):
        investigate(TICKETS, DECISIONS, cluster_id="nope")
    with pytest.raises(InputError, match="ends before it starts"):
        investigate(TICKETS, window=("Exchange Online", None, "2026-11-21", "2026-11-20"))
    with pytest.raises(InputError, match="no tickets match this window"):
        investigate(TICKETS, window=("Planner", None, "2026-11-20", "2026-11-21"))


def test_investigate_a_cluster_of_the_sample_data() -> None:
    from ek_fixtures import SAMPLE_DATA, require

    files = [SAMPLE_DATA / n for n in ("tickets.csv", "customers.csv", "health.json")]
    require(all(f.exists() for f in files), "the sample data is produced by the data work")
    from escalation_kit.triage.engine import triage_tickets

    result = triage_tickets(*files)
    decisions = result.decisions
    clustered = decisions[decisions["cluster_id"] != ""]
    biggest = clustered["cluster_id"].value_counts().index[0]
    members = clustered[clustered["cluster_id"] == biggest]
    found = investigate(result.intake.accepted, decisions, cluster_id=biggest, health=files[2])
    assert sorted(found.tickets["ticket_id"]) == sorted(members["ticket_id"])
    tenants = result.intake.accepted.set_index("ticket_id").loc[members["ticket_id"], "tenant_id"]
    assert len(found.tenants) == tenants.nunique()
    assert found.summary_markdown().count("\n| ") == len(found.tenants) + 1  # header + rows


def test_public_investigate_is_the_function_and_its_module_is_investigation() -> None:
    import escalation_kit
    import escalation_kit.analytics as analytics
    from escalation_kit.analytics import investigation

    assert analytics.investigate is investigation.investigate is escalation_kit.investigate
    assert analytics.Investigation is investigation.Investigation
