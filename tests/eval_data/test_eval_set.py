"""Integrity of the labeled development set in ``data/eval``.

The set measures triage; these tests keep its labels consistent with the contract's rules
(known issues listed for the tenant and active, clusters of 3+ tenants within 4 hours, ...).
Plain pandas/json on purpose: the intake module is not what is being tested here.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
import pytest

from ek_fixtures import EVAL_DATA

CATEGORIES = {
    "self_service",
    "known_issue",
    "service_not_as_described",
    "service_unavailable",
    "bug",
    "network_disruption",
    "regional_multi_tenant",
}
GRAPH_SERVICES = {
    "Exchange Online",
    "Microsoft Teams",
    "SharePoint Online",
    "OneDrive for Business",
    "Microsoft Entra",
    "Microsoft Intune",
    "Microsoft 365 apps",
    "Power BI",
    "Microsoft 365 suite",
    "Planner",
    "Microsoft Forms",
    "Dynamics 365 Apps",
}
# Countries used by the set, per the contract's region table.
REGION_OF = {
    **dict.fromkeys(["US", "CA", "MX", "BR", "CL", "CO", "AR", "PE"], "Americas"),
    **dict.fromkeys(
        ["GB", "DE", "FR", "ES", "NL", "NO", "CH", "IT", "LV", "EE", "AT", "PT", "CY", "BE"],
        "Europe",
    ),
    **dict.fromkeys(["JP", "AU", "NZ", "IN", "SG", "KR", "PH", "TH"], "Asia Pacific"),
    **dict.fromkeys(
        ["AE", "SA", "ZA", "EG", "NG", "KE", "IL", "QA", "TR", "MA", "SN"], "Middle East & Africa"
    ),
}
ISSUE_FIELDS = {
    "id",
    "title",
    "service",
    "feature",
    "featureGroup",
    "classification",
    "origin",
    "status",
    "startDateTime",
    "endDateTime",
    "lastModifiedDateTime",
    "isResolved",
    "impactDescription",
    "details",
    "posts",
}


def _csv(name: str) -> pd.DataFrame:
    return pd.read_csv(EVAL_DATA / name, dtype=str, keep_default_na=False)


def _when(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert value.tzinfo is not None, text
    return value


@pytest.fixture(scope="module")
def customers() -> pd.DataFrame:
    return _csv("customers.csv")


@pytest.fixture(scope="module")
def health() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EVAL_DATA / "health.json").read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def tickets(customers: pd.DataFrame) -> pd.DataFrame:
    """Tickets joined with their labels, the customer's region and a UTC timestamp."""
    raw = _csv("tickets.csv")
    labels = _csv("labels.csv")
    assert raw["ticket_id"].is_unique and labels["ticket_id"].is_unique
    assert set(raw["ticket_id"]) == set(labels["ticket_id"])
    merged = raw.merge(labels, on="ticket_id", suffixes=("", "_label"), validate="1:1")
    region = {row.tenant_id: row.region or REGION_OF[row.country] for row in customers.itertuples()}
    merged["customer_region"] = merged["tenant_id"].map(region)
    merged["when"] = merged["reported_at"].map(_when)
    return merged


def test_customers_are_valid(customers: pd.DataFrame) -> None:
    assert list(customers.columns) == ["tenant_id", "name", "country", "region"]
    assert customers["tenant_id"].is_unique
    assert customers["tenant_id"].str.fullmatch(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}").all()
    assert set(customers["country"]) <= set(REGION_OF)
    regions = {row.region or REGION_OF[row.country] for row in customers.itertuples()}
    assert regions == {"Americas", "Europe", "Asia Pacific", "Middle East & Africa"}
    assert (customers["region"] != "").sum() >= 2


def test_tickets_follow_the_contract(tickets: pd.DataFrame, customers: pd.DataFrame) -> None:
    columns = list(_csv("tickets.csv").columns)
    assert columns == [
        "ticket_id",
        "tenant_id",
        "customer_name",
        "country",
        "service",
        "title",
        "description",
        "reported_at",
        "users_affected",
    ]
    assert set(tickets["tenant_id"]) <= set(customers["tenant_id"])
    assert (tickets["title"] != "").all()
    assert tickets["users_affected"].str.fullmatch(r"\d*").all()
    start, end = _when("2026-10-01T00:00:00Z"), _when("2026-12-01T00:00:00Z")
    assert tickets["when"].map(lambda w: start <= w < end).all()
    country_of = dict(zip(customers["tenant_id"], customers["country"], strict=True))
    given = tickets[tickets["country"] != ""]
    assert (given["country"] == given["tenant_id"].map(country_of)).all()
    assert (tickets["service"] == "").sum() >= 10


def test_labels_are_complete(tickets: pd.DataFrame) -> None:
    assert set(tickets["category"]) == CATEGORIES
    assert set(tickets["service_label"]) <= GRAPH_SERVICES
    assert (tickets["region"] == tickets["customer_region"]).all()
    assert (tickets["note"] != "").all()
    counts = Counter(tickets["category"])
    assert len(tickets) >= 175
    assert min(counts.values()) >= 20, counts
    not_known = tickets[tickets["category"] != "known_issue"]
    assert (not_known["matched_issue_id"] == "").all()


def test_languages_are_mixed(tickets: pd.DataFrame) -> None:
    share = tickets["language"].value_counts(normalize=True)
    assert set(share.index) == {"en", "ru", "de", "es", "fr"}
    assert 0.5 <= share["en"] <= 0.6
    assert share.drop("en").min() >= 0.08


def test_health_snapshot_is_graph_shaped(health: dict[str, Any], customers: pd.DataFrame) -> None:
    _when(health["fetched_at"])
    assert set(health["tenants"]) == set(customers["tenant_id"])
    by_id: dict[str, str] = {}
    for entry in health["tenants"].values():
        assert {o["service"] for o in entry["healthOverviews"]} <= GRAPH_SERVICES
        for issue in entry["issues"]:
            assert set(issue) >= ISSUE_FIELDS, issue["id"]
            assert issue["classification"] in {"Incident", "Advisory"}
            assert issue["isResolved"] == (issue["endDateTime"] is not None)
            assert all(p["description"]["contentType"] == "Html" for p in issue["posts"])
            assert "Scope of impact:" in issue["posts"][0]["description"]["content"] or (
                issue["status"] == "FalsePositive"
            )
            text = json.dumps(issue, sort_keys=True)
            assert by_id.setdefault(issue["id"], text) == text, "one issue, one body"
    assert len(by_id) >= 15


def _issues_of(health: dict[str, Any], tenant_id: str) -> dict[str, dict[str, Any]]:
    return {i["id"]: i for i in health["tenants"][tenant_id]["issues"]}


def _active(issue: dict[str, Any], when: datetime) -> bool:
    end = issue["endDateTime"]
    return _when(issue["startDateTime"]) <= when and (end is None or _when(end) >= when)


def test_known_issues_match_per_contract(tickets: pd.DataFrame, health: dict[str, Any]) -> None:
    known = tickets[tickets["category"] == "known_issue"]
    for row in known.itertuples():
        issue = _issues_of(health, row.tenant_id).get(row.matched_issue_id)
        assert issue is not None, f"{row.ticket_id}: issue not listed for the tenant"
        assert issue["service"] == row.service_label, row.ticket_id
        assert _active(issue, row.when), row.ticket_id
        assert issue["status"] != "FalsePositive"


def test_regional_clusters_follow_the_rule(tickets: pd.DataFrame) -> None:
    members = tickets[tickets["category"] == "regional_multi_tenant"]
    assert (members["cluster_key"] != "").all()
    assert members["cluster_key"].nunique() >= 5
    for key, group in members.groupby("cluster_key"):
        assert group["tenant_id"].nunique() >= 3, key
        assert group["region"].nunique() == 1, key
        assert group["service_label"].nunique() == 1, key
        assert group["when"].max() - group["when"].min() <= timedelta(hours=4), key


def test_no_unlabelled_cluster_hides_in_the_set(tickets: pd.DataFrame) -> None:
    """Any 4-hour window with 3+ tenants on one regional service must be one labelled cluster."""
    candidates = tickets[tickets["category"] != "known_issue"]
    for row in candidates.itertuples():
        window = candidates[
            (candidates["region"] == row.region)
            & (candidates["service_label"] == row.service_label)
            & (candidates["when"] >= row.when)
            & (candidates["when"] <= row.when + timedelta(hours=4))
        ]
        if window["tenant_id"].nunique() >= 3:
            assert set(window["category"]) == {"regional_multi_tenant"}, row.ticket_id
            assert window["cluster_key"].nunique() == 1, row.ticket_id


def test_network_events_span_regions(tickets: pd.DataFrame) -> None:
    network = tickets[tickets["category"] == "network_disruption"]
    events = network[network["cluster_key"] != ""].groupby("cluster_key")
    assert len(events) >= 3
    for key, group in events:
        assert group["region"].nunique() >= 2, key
        assert group["when"].max() - group["when"].min() <= timedelta(hours=2), key
