"""The committed sample data (``data/sample``): contract formats and the planned scenario.

Checks that the labels the generator planned are true to the contract (known issues listed
for the tenant and active, clusters of 3+ tenants in one region within 4 hours, network events
over 2 regions within 2 hours, no unintended cluster) and that the package's own readers
accept every file without a reject.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
import pytest

from ek_fixtures import SAMPLE_DATA
from escalation_kit.health.snapshot import load_snapshot
from escalation_kit.intake import read_customers, read_tickets
from escalation_kit.intake.history import load_history
from escalation_kit.models import Category
from escalation_kit.sample import ANCHOR
from escalation_kit.services import normalize_service

CATEGORIES = {c.value for c in Category}


def _csv(name: str) -> pd.DataFrame:
    return pd.read_csv(SAMPLE_DATA / name, dtype=str, keep_default_na=False)


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


@pytest.fixture(scope="module")
def health() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SAMPLE_DATA / "health.json").read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def tickets() -> pd.DataFrame:
    """Tickets with their planned labels and the region intake derives."""
    raw = _csv("tickets.csv")
    labels = _csv("labels.csv")
    assert raw["ticket_id"].is_unique and list(raw["ticket_id"]) == list(labels["ticket_id"])
    merged = raw.merge(labels, on="ticket_id", suffixes=("", "_label"), validate="1:1")
    intake = read_tickets(SAMPLE_DATA / "tickets.csv", customers=SAMPLE_DATA / "customers.csv")
    merged["region"] = [str(r) for r in intake.accepted["region"]]
    merged["intake_service"] = [str(s) for s in intake.accepted["normalized_service"]]
    merged["when"] = merged["reported_at"].map(_when)
    return merged


def test_readers_accept_every_row() -> None:
    customers = read_customers(SAMPLE_DATA / "customers.csv")
    assert customers.read == 60 and len(customers.rejected) == 0
    intake = read_tickets(SAMPLE_DATA / "tickets.csv", customers=SAMPLE_DATA / "customers.csv")
    assert intake.read == 600 and len(intake.rejected) == 0
    assert set(intake.accepted["region"].astype(str)) == {
        "Americas",
        "Europe",
        "Asia Pacific",
        "Middle East & Africa",
    }
    snapshot = load_snapshot(SAMPLE_DATA / "health.json")
    assert len(snapshot) == 60 and len(snapshot.all_issues()) > 25


def test_tickets_cover_every_category_and_the_span(tickets: pd.DataFrame) -> None:
    counts = tickets["category"].value_counts()
    assert set(counts.index) == CATEGORIES
    assert counts["self_service"] == counts.max()  # lots of self-service noise
    assert counts.min() >= 10
    assert tickets["when"].min() >= ANCHOR - timedelta(days=90)
    assert tickets["when"].max() < ANCHOR
    assert set(tickets["language"]) == {"en", "de", "fr", "es", "ru"}
    assert tickets["title"].nunique() > 150
    assert tickets["description"].nunique() > 550  # combined phrasing rarely repeats


def test_service_column_uses_known_aliases(tickets: pd.DataFrame) -> None:
    given = tickets[tickets["service"] != ""]
    normalized = given["service"].map(normalize_service)
    assert (normalized == given["service_label"]).all()
    assert given["service"].nunique() > 20
    assert 0.05 < (tickets["service"] == "").mean() < 0.2


def test_intake_finds_the_planned_service(tickets: pd.DataFrame) -> None:
    """Aliases normalize and empty services are inferred from the text to the planned service."""
    agree = (tickets["intake_service"] == tickets["service_label"]).mean()
    assert agree >= 0.98


def _issues_of(health: dict[str, Any], tenant_id: str) -> list[dict[str, Any]]:
    issues: list[dict[str, Any]] = health["tenants"][tenant_id]["issues"]
    return issues


def _active(issue: dict[str, Any], when: datetime) -> bool:
    end = issue["endDateTime"]
    return _when(issue["startDateTime"]) <= when and (end is None or _when(end) >= when)


def test_known_issue_tickets_match_a_listed_active_issue(
    tickets: pd.DataFrame, health: dict[str, Any]
) -> None:
    known = tickets[tickets["category"] == "known_issue"]
    assert len(known) >= 20
    for row in known.itertuples():
        issue = {i["id"]: i for i in _issues_of(health, row.tenant_id)}[row.matched_issue_id]
        assert issue["service"] == row.service_label
        assert _active(issue, row.when), row.ticket_id


def test_other_tickets_have_no_documented_issue(
    tickets: pd.DataFrame, health: dict[str, Any]
) -> None:
    others = tickets[tickets["category"] != "known_issue"]
    assert (others["matched_issue_id"] == "").all()
    for row in others.itertuples():
        for issue in _issues_of(health, row.tenant_id):
            same = issue["service"] == row.service_label
            assert not (same and _active(issue, row.when)), (row.ticket_id, issue["id"])


def test_regional_clusters_follow_the_rule(tickets: pd.DataFrame) -> None:
    members = tickets[tickets["category"] == "regional_multi_tenant"]
    assert members["cluster_key"].nunique() >= 5
    for key, group in members.groupby("cluster_key"):
        assert group["tenant_id"].nunique() >= 3, key
        assert group["region"].nunique() == 1 and group["service_label"].nunique() == 1, key
        assert group["when"].max() - group["when"].min() <= timedelta(hours=4), key


def test_no_unintended_cluster(tickets: pd.DataFrame) -> None:
    """Every 4-hour window with 3+ tenants on one regional service is one planned cluster."""
    candidates = tickets[tickets["category"] != "known_issue"].sort_values("when")
    for _, group in candidates.groupby(["region", "service_label"]):
        rows = list(group.itertuples())
        for i, first in enumerate(rows):
            window = [r for r in rows[i:] if r.when - first.when <= timedelta(hours=4)]
            if len({r.tenant_id for r in window}) >= 3:
                labels = {(r.category, r.cluster_key) for r in window}
                assert len(labels) == 1 and first.category == "regional_multi_tenant", labels


def test_network_events_span_regions(tickets: pd.DataFrame) -> None:
    network = tickets[tickets["category"] == "network_disruption"]
    events = network[network["cluster_key"] != ""].groupby("cluster_key")
    assert len(events) == 2
    for key, group in events:
        assert group["region"].nunique() >= 2, key
        assert group["when"].max() - group["when"].min() <= timedelta(hours=2), key
    assert (network["cluster_key"] == "").sum() >= 3  # one customer's many sites


def test_health_snapshot_is_graph_shaped(health: dict[str, Any]) -> None:
    bodies: dict[str, dict[str, Any]] = {}
    for entry in health["tenants"].values():
        for issue in entry["issues"]:
            assert bodies.setdefault(issue["id"], issue) == issue  # one issue, one body
    issues = list(bodies.values())
    assert len(issues) == 25
    assert {i["classification"] for i in issues} == {"Incident", "Advisory"}
    active = [i for i in issues if not i["isResolved"]]
    assert 1 <= len(active) < len(issues)
    assert all(i["endDateTime"] is None for i in active)
    for issue in issues:
        content = issue["posts"][0]["description"]["content"]
        assert content.startswith("<p>Title: ") and "Scope of impact: " in content
    assert health["fetched_at"] == "2026-11-20T00:00:00Z"


def test_catalogue_covers_every_service_used(tickets: pd.DataFrame) -> None:
    catalogue = _csv("support_catalogue.csv")
    assert list(catalogue.columns) == ["service", "product", "problem_area"]
    history = _csv("escalation_history.csv")
    used = set(tickets["service_label"]) | set(history["service"])
    assert used <= set(catalogue["service"])
    assert (catalogue["product"] != "").all() and (catalogue["problem_area"] != "").all()


@pytest.fixture(scope="module")
def history() -> pd.DataFrame:
    loaded = load_history(SAMPLE_DATA / "escalation_history.csv")
    assert len(loaded.rejected) == 0
    return loaded.accepted


def test_history_loads_and_spans_three_years(history: pd.DataFrame) -> None:
    assert (SAMPLE_DATA / "escalation_history.csv").stat().st_size < 4_000_000
    frame = history
    assert len(frame) >= 20_000
    assert frame["created_at"].min() < pd.Timestamp(ANCHOR) - pd.Timedelta(days=3 * 365 - 2)
    assert frame["created_at"].max() < pd.Timestamp(ANCHOR)
    assert set(frame["category"].astype(str)) == set(Category.escalation_categories())
    is_open = frame["status"].astype(str) != "closed"
    assert (frame["resolved_at"].isna() == is_open).all()
    recent = frame["created_at"] >= pd.Timestamp(ANCHOR) - pd.Timedelta(days=14)
    old = frame["created_at"] < pd.Timestamp(ANCHOR) - pd.Timedelta(days=180)
    assert is_open[recent].mean() > 0.2 and is_open[old].mean() < 0.02


def test_history_has_rhythm_seasons_and_spikes(history: pd.DataFrame) -> None:
    frame = history
    daily = frame.groupby(frame["created_at"].dt.floor("D")).size()
    weekend = daily.index.day_of_week >= 5
    assert daily[weekend].mean() < 0.4 * daily[~weekend].mean()
    months = daily.groupby(daily.index.month).mean()
    assert min(months[1], months[9]) > max(months[7], months[8])
    regional = frame[frame["category"] == "regional_multi_tenant"]
    per_day = regional.groupby(regional["created_at"].dt.floor("D")).size()
    assert (per_day >= 10).sum() >= 30  # incident days stand out
    hours = (frame["resolved_at"] - frame["created_at"]).dt.total_seconds() / 3600
    median = hours.groupby(frame["severity"].astype(str)).median()
    assert median["critical"] < median["moderate"] < median["minimal"]
