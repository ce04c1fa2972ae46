"""Cross-ticket clusters and their distractors (contract: 3 tenants / 4 h, 2 regions / 2 h)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from triage_rows import row

from escalation_kit.triage.clusters import cluster_id
from escalation_kit.triage.config import TriageConfig
from escalation_kit.triage.engine import triage_tickets
from escalation_kit.triage.model import ContentModel
from escalation_kit.triage.ngrams import BITS
from escalation_kit.triage.rules import RULE_CATEGORIES

OUTAGE = "Teams is not working, calls fail"


def categories(frame: pd.DataFrame, **config: object) -> list[str]:
    result = triage_tickets(
        frame, config=TriageConfig().with_overrides(**config) if config else None
    )
    return result.decisions["category"].tolist()


def test_three_tenants_of_one_region_on_one_service_within_4h_cluster(
    batch: Callable[..., pd.DataFrame],
) -> None:
    frame = batch(
        row("A", OUTAGE, tenant_no=1, service="Teams", minutes=0),
        row("B", "Teams meetings fail", tenant_no=2, country="FR", service="Teams", minutes=90),
        row(
            "C",
            "Teams: звонки не работают",
            tenant_no=3,
            country="NL",
            service="Teams",
            minutes=230,
        ),
    )
    result = triage_tickets(frame)
    decisions = result.decisions
    assert decisions["category"].tolist() == ["regional_multi_tenant"] * 3
    assert decisions["cluster_id"].nunique() == 1
    cid = decisions["cluster_id"].iloc[0]
    assert cid == cluster_id("regional_multi_tenant", ["A", "B", "C"])
    table = result.clusters()
    assert table.index.tolist() == [cid]
    assert table.loc[cid].tolist() == ["regional_multi_tenant", "Microsoft Teams", "Europe", 3]
    assert triage_tickets(frame.iloc[:1]).clusters().empty
    assert decisions["reasons"].iloc[0] == (
        f"3 tenants in Europe reported Microsoft Teams within 3h 50m (cluster {cid})"
    )
    assert decisions["escalate"].tolist() == [True, True, True]


def test_cluster_id_is_stable_across_input_order(batch: Callable[..., pd.DataFrame]) -> None:
    rows = [
        row("A", OUTAGE, tenant_no=1, service="Teams", minutes=0),
        row("B", OUTAGE, tenant_no=2, service="Teams", minutes=60),
        row("C", OUTAGE, tenant_no=3, service="Teams", minutes=120),
    ]
    forward = triage_tickets(batch(*rows)).decisions.set_index("ticket_id")["cluster_id"]
    backward = triage_tickets(batch(*reversed(rows))).decisions.set_index("ticket_id")["cluster_id"]
    assert forward.to_dict() == backward.to_dict()


def test_same_service_in_three_regions_does_not_cluster(batch: Callable[..., pd.DataFrame]) -> None:
    frame = batch(
        row("A", OUTAGE, tenant_no=1, country="DE", service="Teams", minutes=0),
        row("B", OUTAGE, tenant_no=2, country="US", service="Teams", minutes=10),
        row("C", OUTAGE, tenant_no=3, country="JP", service="Teams", minutes=20),
    )
    assert "regional_multi_tenant" not in categories(frame)


def test_same_region_spread_over_days_does_not_cluster(batch: Callable[..., pd.DataFrame]) -> None:
    frame = batch(
        row("A", OUTAGE, tenant_no=1, service="Teams", minutes=0),
        row("B", OUTAGE, tenant_no=2, service="Teams", minutes=24 * 60),
        row("C", OUTAGE, tenant_no=3, service="Teams", minutes=48 * 60),
    )
    assert "regional_multi_tenant" not in categories(frame)


def test_chained_reports_without_three_tenants_in_one_window_do_not_cluster(
    batch: Callable[..., pd.DataFrame],
) -> None:
    frame = batch(
        row("A", OUTAGE, tenant_no=1, service="Teams", minutes=0),
        row("B", OUTAGE, tenant_no=2, service="Teams", minutes=180),
        row("C", OUTAGE, tenant_no=3, service="Teams", minutes=330),
    )
    assert "regional_multi_tenant" not in categories(frame)


def test_two_tickets_of_one_tenant_plus_another_do_not_cluster(
    batch: Callable[..., pd.DataFrame],
) -> None:
    frame = batch(
        row("A", OUTAGE, tenant_no=1, service="Teams", minutes=0),
        row("B", OUTAGE, tenant_no=1, service="Teams", minutes=30),
        row("C", OUTAGE, tenant_no=2, service="Teams", minutes=60),
    )
    assert "regional_multi_tenant" not in categories(frame)


def test_thresholds_are_configurable(batch: Callable[..., pd.DataFrame]) -> None:
    frame = batch(
        row("A", OUTAGE, tenant_no=1, service="Teams", minutes=0),
        row("B", OUTAGE, tenant_no=2, service="Teams", minutes=60),
        row("C", OUTAGE, tenant_no=3, service="Teams", minutes=120),
    )
    assert categories(frame, min_tenants=4).count("regional_multi_tenant") == 0
    frame = batch(
        row("A", OUTAGE, tenant_no=1, service="Teams", minutes=0),
        row("B", OUTAGE, tenant_no=2, service="Teams", minutes=300),
        row("C", OUTAGE, tenant_no=3, service="Teams", minutes=400),
    )
    assert (
        categories(frame, window=pd.Timedelta(hours=7).to_pytimedelta()).count(
            "regional_multi_tenant"
        )
        == 3
    )


def test_connectivity_reports_from_two_regions_within_2h_are_one_network_disruption(
    batch: Callable[..., pd.DataFrame],
) -> None:
    frame = batch(
        row("A", "Outlook timing out, packet loss", tenant_no=1, country="DE", service="Outlook"),
        row(
            "B", "Teams timeouts since 9am", tenant_no=2, country="US", service="Teams", minutes=70
        ),
        row("C", "Password reset for one user", tenant_no=3, country="US", minutes=80),
    )
    decisions = triage_tickets(frame).decisions
    assert decisions["category"].tolist() == [
        "network_disruption",
        "network_disruption",
        "self_service",
    ]
    assert decisions["cluster_id"].iloc[0] == cluster_id("network_disruption", ["A", "B"])
    assert decisions["severity"].tolist() == ["critical", "critical", ""]
    assert (
        decisions["reasons"]
        .iloc[0]
        .startswith("connectivity failures reported by 2 tenants in 2 region(s) (Americas, Europe)")
    )


def test_connectivity_reports_hours_apart_are_not_a_network_cluster(
    batch: Callable[..., pd.DataFrame],
) -> None:
    frame = batch(
        row("A", "Outlook timing out, packet loss", tenant_no=1, country="DE", service="Outlook"),
        row("B", "Teams timeouts", tenant_no=2, country="US", service="Teams", minutes=180),
    )
    decisions = triage_tickets(frame).decisions
    assert decisions["cluster_id"].tolist() == ["", ""]


def test_one_ticket_with_many_sites_and_isps_is_a_network_disruption(
    batch: Callable[..., pd.DataFrame],
) -> None:
    frame = batch(
        row(
            "A",
            "Teams, Outlook and SharePoint time out at all our sites",
            description="Three offices on different ISPs see the same timeouts.",
            service="Teams",
        )
    )
    decisions = triage_tickets(frame).decisions
    assert decisions["category"].tolist() == ["network_disruption"]
    assert decisions["cluster_id"].tolist() == [""]


def test_customers_own_firewall_is_self_service_even_if_microsoft_is_unreachable(
    batch: Callable[..., pd.DataFrame],
) -> None:
    frame = batch(
        row(
            "A",
            "Microsoft 365 unreachable since our firewall update",
            description="Teams and Outlook time out at the head office since the new firewall.",
            country="DE",
            service="Teams",
        ),
        row(
            "B",
            "Teams timeouts, packet loss",
            tenant_no=2,
            country="US",
            service="Teams",
            minutes=30,
        ),
    )
    assert triage_tickets(frame).decisions["category"].tolist()[0] == "self_service"


def test_unrelated_symptoms_on_one_service_are_no_cluster(
    batch: Callable[..., pd.DataFrame],
) -> None:
    """Retention, duplicate attachments and attachment size: same service, region and window."""
    frame = batch(
        row(
            "R",
            "Retention policy deletes mail after 30 days instead of 10 years",
            tenant_no=1,
            service="Exchange",
            minutes=0,
        ),
        row(
            "D",
            "Outlook shows every attachment twice",
            tenant_no=2,
            country="FR",
            service="Exchange",
            minutes=30,
        ),
        row(
            "S",
            "Cannot send attachments larger than 20 MB although the limit is 150 MB",
            tenant_no=3,
            country="NL",
            service="Exchange",
            minutes=60,
        ),
    )
    assert "regional_multi_tenant" not in categories(frame)


def test_one_outage_worded_as_sign_in_mailbox_and_slowness_is_one_cluster(
    batch: Callable[..., pd.DataFrame],
) -> None:
    """Sign-in refused, mailbox not opening and extreme slowness all say the service is unusable."""
    frame = batch(
        row("S", "Nobody can sign in to Outlook this morning", tenant_no=1, service="Exchange"),
        row(
            "M",
            "Kein Zugriff auf das Postfach, ganzes Büro betroffen",
            tenant_no=2,
            service="Exchange",
            minutes=40,
        ),
        row(
            "P",
            "Exchange unbearably slow for all staff since 9, nothing changed on our side",
            tenant_no=3,
            country="FR",
            service="Exchange",
            minutes=95,
        ),
    )
    decisions = triage_tickets(frame).decisions
    assert decisions["category"].tolist() == ["regional_multi_tenant"] * 3
    assert decisions["cluster_id"].nunique() == 1


def test_a_ticket_naming_several_services_joins_each_services_cluster(
    batch: Callable[..., pd.DataFrame],
) -> None:
    frame = batch(
        row(
            "X",
            "Outlook and Teams are both down for everyone",
            tenant_no=1,
            service="Outlook, Teams",
        ),
        row(
            "Y",
            "Outlook is down for the whole company",
            tenant_no=2,
            service="Exchange",
            minutes=30,
        ),
        row(
            "Z",
            "Cannot access Exchange mailboxes at all",
            tenant_no=3,
            country="AT",
            service="Exchange",
            minutes=60,
        ),
    )
    decisions = triage_tickets(frame).decisions
    assert decisions["service"].tolist()[0] == "Microsoft 365 suite"
    assert decisions["category"].tolist() == ["regional_multi_tenant"] * 3
    assert decisions["cluster_id"].nunique() == 1
    assert "3 tenants in Europe reported Exchange Online" in decisions["reasons"].iloc[0]


def test_a_report_with_no_recognised_symptom_joins_a_cluster_in_its_window_only(
    batch: Callable[..., pd.DataFrame],
) -> None:
    founders = [
        row(f"F{n}", OUTAGE, tenant_no=n, service="Teams", minutes=30 * n) for n in (1, 2, 3)
    ]
    inside = row("I", "Teams?? please check asap", tenant_no=4, service="Teams", minutes=200)
    later = row("L", "Teams?? please check asap", tenant_no=5, service="Teams", minutes=600)
    decisions = triage_tickets(batch(*founders, inside, later)).decisions.set_index("ticket_id")
    assert decisions.loc[["F1", "F2", "F3", "I"], "cluster_id"].nunique() == 1
    assert decisions.loc["I", "category"] == "regional_multi_tenant"
    assert decisions.loc["L", "cluster_id"] == ""
    assert decisions.loc["F1", "reasons"].startswith("4 tenants in Europe reported Microsoft Teams")
    alone = triage_tickets(batch(inside, later, row("J", "Teams??", tenant_no=6, service="Teams")))
    assert "regional_multi_tenant" not in alone.decisions["category"].tolist()


def test_a_malfunction_in_other_words_joins_the_cluster_of_its_window(
    batch: Callable[..., pd.DataFrame],
) -> None:
    """A report of the same service that reads as the service failing joins the cluster in its
    window even when its symptom family differs from the founders'; the same words a day later
    do not."""
    founders = [
        row(f"F{n}", OUTAGE, tenant_no=n, service="Teams", minutes=30 * n) for n in (1, 2, 3)
    ]
    words = "Teams desktop crashes on start for the whole office"
    crash = row("C", words, tenant_no=4, service="Teams", minutes=100)
    later = row("D", words, tenant_no=5, service="Teams", minutes=1500)
    decisions = triage_tickets(batch(*founders, crash, later)).decisions.set_index("ticket_id")
    assert decisions.loc[["F1", "F2", "F3", "C"], "cluster_id"].nunique() == 1
    assert decisions.loc["C", "category"] == "regional_multi_tenant"
    assert decisions.loc["D", "cluster_id"] == ""


def _always(category: str) -> ContentModel:
    """A model that says ``category`` with probability ~0.99 for every ticket."""
    classes = tuple(str(c) for c in RULE_CATEGORIES)
    bias = np.where(np.array(classes) == category, 5.0, 0.0)
    return ContentModel(
        classes=classes,
        feature_names=(),
        feature_weights=np.zeros((0, len(classes))),
        ngram_weights=np.zeros((2**BITS, len(classes)), dtype=np.float32),
        bias=bias,
        review_threshold=0.5,
    )


def test_a_regional_cluster_becomes_a_network_disruption_only_on_connectivity_words(
    batch: Callable[..., pd.DataFrame],
) -> None:
    """The model's network verdict alone does not turn three tenants' "Teams is down" into a
    network disruption; timeouts and packet loss do (the contract's connectivity level)."""
    network = _always("network_disruption")
    down = batch(
        *(row(f"D{n}", "Teams is down", tenant_no=n, service="Teams", minutes=n) for n in (1, 2, 3))
    )
    worded = batch(
        *(
            row(f"W{n}", "Teams calls time out, heavy packet loss", tenant_no=n, service="Teams")
            for n in (1, 2, 3)
        )
    )
    assert set(triage_tickets(down, model=network).decisions["category"]) == {
        "regional_multi_tenant"
    }
    assert set(triage_tickets(worded, model=network).decisions["category"]) == {
        "network_disruption"
    }
