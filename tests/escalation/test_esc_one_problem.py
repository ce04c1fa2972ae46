"""One package per problem, on the sample data and on a generated set.

No package mixes tenants outside a cluster, none spans more than 7 days outside a cluster, and
no cluster is split over several packages; every package is truthful about service health.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
from esc_helpers import CONTACT

from ek_fixtures import SAMPLE_DATA
from escalation_kit.analytics import investigate
from escalation_kit.escalation.batch import PackageBatch, prepare_packages
from escalation_kit.health.snapshot import load_snapshot
from escalation_kit.intake import read_tickets
from escalation_kit.ledger import Ledger
from escalation_kit.sample.generate import generate_sample
from escalation_kit.triage.config import TriageConfig
from escalation_kit.triage.engine import triage_tickets

SEVEN_DAYS = timedelta(days=7)


def problems(batch: PackageBatch, decisions: pd.DataFrame) -> list[str]:
    """Every violation of 'one package per problem', as readable lines (empty when none)."""
    wrong: list[str] = []
    cluster_of = dict(zip(decisions["ticket_id"], decisions["cluster_id"], strict=True))
    packages_of_cluster: dict[str, set[str]] = defaultdict(set)
    for package in batch.packages:
        clusters = {cluster_of[t] for t in package.ticket_ids}
        for cluster in clusters - {""}:
            packages_of_cluster[cluster].add(package.package_id)
        if package.cluster_id:
            if clusters != {package.cluster_id}:
                wrong.append(f"{package.package_id} mixes clusters {sorted(clusters)}")
            continue
        if len(package.tenant_ids) > 1:
            wrong.append(f"{package.package_id} mixes tenants outside a cluster")
        if package.last_reported - package.first_reported > SEVEN_DAYS:
            wrong.append(f"{package.package_id} spans more than 7 days")
        if "" not in clusters:
            wrong.append(f"{package.package_id} holds clustered tickets without its cluster")
    escalated = decisions[decisions["escalate"].astype(bool)]
    for cluster in set(escalated["cluster_id"]) - {""}:
        if len(packages_of_cluster[cluster]) != 1:
            wrong.append(f"cluster {cluster} is in {len(packages_of_cluster[cluster])} packages")
    return wrong


def run(folder: Path, data: Path) -> tuple[PackageBatch, pd.DataFrame]:
    # Packaging, not the review gate, is under test: nothing is left waiting for review.
    result = triage_tickets(
        data / "tickets.csv",
        data / "customers.csv",
        data / "health.json",
        config=TriageConfig(review_threshold=0.0),
    )
    with Ledger(f"sqlite:///{folder / 'ledger.db'}", actor="test") as ledger:
        batch = prepare_packages(
            result.decisions,
            data / "tickets.csv",
            customers=data / "customers.csv",
            ledger=ledger,
            contact=CONTACT,
            health=data / "health.json",
        )
    return batch, result.decisions


def test_sample_packages_are_one_problem_each(tmp_path: Path) -> None:
    batch, decisions = run(tmp_path, SAMPLE_DATA)
    assert len(batch) > 100
    assert problems(batch, decisions) == []
    snapshot = load_snapshot(SAMPLE_DATA / "health.json")
    for package in batch.packages:  # every sample ticket was checked: the package says when
        assert package.health_checked_at == snapshot.fetched_at
        assert "Triage reasons" not in package.description
        assert "matched '" not in package.description  # no rule text
    clusters = [p for p in batch.packages if p.cluster_id]
    assert clusters and all(p.filed_as_partner for p in clusters)


@pytest.mark.parametrize("seed", [7])
def test_generated_set_packages_are_one_problem_each(tmp_path: Path, seed: int) -> None:
    data = tmp_path / "data"
    generate_sample(data, seed=seed)
    batch, decisions = run(tmp_path, data)
    assert len(batch) > 100
    assert problems(batch, decisions) == []


def test_incident_view_and_package_state_documented_issues_in_the_same_words(
    tmp_path: Path,
) -> None:
    batch, decisions = run(tmp_path, SAMPLE_DATA)
    with_issues = [p for p in batch.packages if p.cluster_id and p.issues_considered]
    assert with_issues
    tickets = read_tickets(SAMPLE_DATA / "tickets.csv", customers=SAMPLE_DATA / "customers.csv")
    for package in with_issues[:3]:
        view = investigate(
            tickets.accepted,
            decisions,
            cluster_id=package.cluster_id,
            health=SAMPLE_DATA / "health.json",
        )
        assert view.considered == package.issues_considered
        assert package.issues_considered[0] in view.summary_markdown().replace("\\", "")
