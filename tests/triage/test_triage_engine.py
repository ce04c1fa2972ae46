"""triage_tickets(): contract columns and order, precedence, health input forms, bad inputs."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from types import MappingProxyType

import pandas as pd
import pytest
from triage_rows import row, tenant

from escalation_kit.errors import EscalationKitError, InputError, TriageError
from escalation_kit.health.snapshot import HealthSnapshot
from escalation_kit.triage.config import TriageConfig
from escalation_kit.triage.engine import DECISION_COLUMNS, RECOMMENDED_ACTIONS, triage_tickets

ISSUE = {
    "id": "EX200001",
    "title": "Users may be unable to send or receive email",
    "service": "Exchange Online",
    "feature": "Mailflow",
    "featureGroup": "E-Mail timely delivery",
    "impactDescription": "Users can't send or receive email.",
    "classification": "Incident",
    "origin": "Microsoft",
    "status": "ServiceDegradation",
    "isResolved": False,
    "startDateTime": "2026-11-02T06:00:00Z",
    "endDateTime": None,
    "lastModifiedDateTime": "2026-11-02T06:30:00Z",
    "posts": [],
}


def snapshot() -> HealthSnapshot:
    return HealthSnapshot(
        {tenant(1): {"healthOverviews": [], "issues": [ISSUE]}},
        fetched_at="2026-11-02T12:00:00Z",
    )


def mixed(batch: Callable[..., pd.DataFrame]) -> pd.DataFrame:
    return batch(
        row("K", "Users cannot send email", tenant_no=1, service="Outlook", users=80),
        row("R1", "Teams is down", tenant_no=2, service="Teams", minutes=10, users=20),
        row("R2", "Teams is down", tenant_no=3, service="Teams", minutes=20, users=30),
        row("R3", "Teams is down", tenant_no=4, service="Teams", minutes=30, users=40),
        row("S", "Please reset password for one user", tenant_no=5, service="Entra ID", users=1),
        row("B", "Excel crashes since the update", tenant_no=6, country="US", users=60),
    )


def test_decisions_follow_the_contract(batch: Callable[..., pd.DataFrame]) -> None:
    result = triage_tickets(mixed(batch), health=snapshot())
    frame = result.decisions
    assert list(frame.columns) == DECISION_COLUMNS
    assert frame["ticket_id"].tolist() == ["K", "R1", "R2", "R3", "S", "B"]
    assert frame["category"].tolist() == [
        "known_issue",
        "regional_multi_tenant",
        "regional_multi_tenant",
        "regional_multi_tenant",
        "self_service",
        "bug",
    ]
    assert frame["escalate"].tolist() == [False, True, True, True, False, True]
    assert frame["matched_issue_id"].tolist() == ["EX200001", "", "", "", "", ""]
    assert frame["severity"].tolist() == ["", "moderate", "moderate", "moderate", "", "moderate"]
    assert frame["region"].tolist() == ["Europe"] * 5 + ["Americas"]
    assert frame["service"].iloc[0] == "Exchange Online"
    assert frame["service"].iloc[1] == "Microsoft Teams"
    assert frame["confidence"].between(0, 1).all()
    assert (
        frame["reasons"].iloc[0].startswith("matched documented issue EX200001 on Exchange Online")
    )
    assert frame["recommended_action"].iloc[4] == RECOMMENDED_ACTIONS["self_service"]
    assert result.rejected.empty and result.read == 6


def test_documented_issue_wins_over_a_cluster(batch: Callable[..., pd.DataFrame]) -> None:
    frame = batch(
        row("A", "Users cannot send email", tenant_no=1, service="Outlook"),
        row("B", "Users cannot send email", tenant_no=2, service="Outlook", minutes=5),
        row("C", "Users cannot send email", tenant_no=3, service="Outlook", minutes=10),
    )
    decisions = triage_tickets(frame, health=snapshot()).decisions
    # two tenants left: no cluster
    assert decisions["category"].iloc[0] == "known_issue"
    assert decisions["cluster_id"].tolist() == ["", "", ""]
    assert "regional_multi_tenant" not in decisions["category"].tolist()
    # the content rules alone: no rule and no user count, troubleshoot first
    categories = (
        triage_tickets(frame, health=snapshot(), model=False).decisions["category"].tolist()
    )
    assert categories == ["known_issue", "self_service", "self_service"]


def test_unexplained_tickets_stay_with_the_partner_unless_many_users_are_affected(
    batch: Callable[..., pd.DataFrame],
) -> None:
    frame = batch(
        row("U0", "Planner board looks odd", tenant_no=1, service="Planner"),
        row("U1", "Planner board looks odd", tenant_no=2, service="Planner", users=1, minutes=300),
        row("U9", "Planner board looks odd", tenant_no=3, service="Planner", users=9, minutes=600),
    )
    # The content rules alone (model=False) keep their documented defaults ...
    decisions = triage_tickets(frame, model=False).decisions
    assert decisions["category"].tolist() == ["self_service", "self_service", "bug"]
    assert decisions["escalate"].tolist() == [False, False, True]
    assert decisions["confidence"].tolist() == [0.3, 0.3, 0.3]
    assert decisions["needs_review"].tolist() == [True, True, True]
    assert decisions["reasons"].iloc[2].startswith("no content rule matched, but 9 users")
    stricter = triage_tickets(
        frame, config=TriageConfig(breadth_min_users=10), model=False
    ).decisions
    assert stricter["category"].tolist() == ["self_service"] * 3
    # ... and with the learned model no such ticket is confidently escalated: it is reviewed,
    # or (one user) kept with the partner.
    learned = triage_tickets(frame).decisions
    reviewed = learned["needs_review"]
    assert (reviewed | (learned["category"] == "self_service")).all()
    assert reviewed.iloc[0] and learned["reasons"].iloc[0].count("missing evidence: ") == 1


def test_an_empty_users_field_falls_back_to_the_count_in_the_text(
    batch: Callable[..., pd.DataFrame],
) -> None:
    frame = batch(
        row("T1", "Planner board looks odd", description="About 30 users are affected"),
        row("T2", "Planner board looks odd", description="About 30 users are affected", users=1),
    )
    assert triage_tickets(frame).decisions["category"].tolist() == ["bug", "self_service"]


def test_unexplained_tickets_still_form_a_regional_cluster(
    batch: Callable[..., pd.DataFrame],
) -> None:
    frame = batch(
        *(
            row(
                f"P{n}",
                "Planner tasks missing from the board",
                tenant_no=n,
                service="Planner",
                minutes=n,
            )
            for n in (1, 2, 3)
        )
    )
    decisions = triage_tickets(frame).decisions
    assert decisions["category"].tolist() == ["regional_multi_tenant"] * 3


def test_vague_reports_of_a_malfunction_from_three_tenants_cluster(
    batch: Callable[..., pd.DataFrame],
) -> None:
    """No recognised symptom, but each reads as the service misbehaving: per the contract three
    tenants of one region reporting one service within 4 hours are a regional cluster."""
    frame = batch(
        *(
            row(f"P{n}", "Planner board looks odd", tenant_no=n, service="Planner", minutes=n)
            for n in (1, 2, 3)
        )
    )
    decisions = triage_tickets(frame).decisions
    assert decisions["category"].tolist() == ["regional_multi_tenant"] * 3


def test_three_how_to_questions_on_one_service_do_not_cluster(
    batch: Callable[..., pd.DataFrame],
) -> None:
    frame = batch(
        *(
            row(
                f"Q{n}",
                "How do I add a new bucket to a Planner plan?",
                tenant_no=n,
                service="Planner",
                minutes=n,
            )
            for n in (1, 2, 3)
        )
    )
    decisions = triage_tickets(frame).decisions
    assert "regional_multi_tenant" not in decisions["category"].tolist()


def test_health_as_file_mapping_or_none(batch: Callable[..., pd.DataFrame], tmp_path: Path) -> None:
    frame = batch(row("K", "Users cannot send email", tenant_no=1, service="Outlook"))
    path = snapshot().save(tmp_path / "snapshot.json")
    by_file = triage_tickets(frame, health=path).decisions["matched_issue_id"].tolist()
    by_map = triage_tickets(frame, health=snapshot().issues_by_tenant()).decisions[
        "matched_issue_id"
    ]
    assert by_file == by_map.tolist() == ["EX200001"]
    assert triage_tickets(frame).decisions["category"].tolist() != ["known_issue"]
    with pytest.raises(TriageError, match="health must be"):
        triage_tickets(frame, health=42)


def test_health_as_any_mapping_of_tenant_to_issues(batch: Callable[..., pd.DataFrame]) -> None:
    # any Mapping is taken (a dict was required); its tenants count as checked
    frame = batch(row("K", "Users cannot send email", tenant_no=1, service="Outlook"))
    result = triage_tickets(frame, health=MappingProxyType(snapshot().issues_by_tenant()))
    assert result.decisions["matched_issue_id"].tolist() == ["EX200001"]
    assert result.decisions["health_checked"].tolist() == [True]


def test_rejected_rows_are_kept_and_the_rest_triaged(batch: Callable[..., pd.DataFrame]) -> None:
    frame = mixed(batch)
    frame.loc[1, "tenant_id"] = "not-a-guid"
    frame.loc[2, "reported_at"] = "yesterday"
    result = triage_tickets(frame)
    assert result.decisions["ticket_id"].tolist() == ["K", "R3", "S", "B"]
    assert sorted(result.rejected["source_row"].tolist()) == [3, 4]
    assert set(result.rejected["field"]) == {"tenant_id", "reported_at"}
    assert result.read == 6


def test_empty_input_gives_empty_decisions(batch: Callable[..., pd.DataFrame]) -> None:
    frame = mixed(batch).iloc[0:0]
    result = triage_tickets(frame)
    assert list(result.decisions.columns) == DECISION_COLUMNS
    assert result.decisions.empty


def test_huge_description_is_triaged_or_rejected_never_a_crash(
    batch: Callable[..., pd.DataFrame],
) -> None:
    frame = batch(
        row("H", "Excel crashes", description="x" * 1_000_000),
        row("N", "Excel crashes since the update", tenant_no=2),
    )
    result = triage_tickets(frame)
    assert result.read == 2
    assert result.decisions["ticket_id"].tolist() == ["N"]
    assert result.rejected["field"].tolist() == ["description"]


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\x00\x01\x02\xff\xfe garbage \x89PNG\r\n\x1a\n",
        b"id,name\n1,2\n",
    ],
)
def test_bad_files_are_clear_errors(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "tickets.csv"
    path.write_bytes(content)
    with pytest.raises(InputError) as caught:
        triage_tickets(path)
    assert str(path) in str(caught.value) or "tickets.csv" in str(caught.value)


def test_tickets_of_a_wrong_type_are_a_triage_error() -> None:
    with pytest.raises(TriageError, match="tickets must be a file path or a pandas DataFrame"):
        triage_tickets(42)  # type: ignore[arg-type]


def test_bad_snapshot_is_an_input_error(batch: Callable[..., pd.DataFrame], tmp_path: Path) -> None:
    path = tmp_path / "health.json"
    path.write_text(json.dumps({"fetched_at": "2026-11-02T00:00:00Z", "tenants": []}), "utf-8")
    with pytest.raises(EscalationKitError):
        triage_tickets(batch(row("K", "Users cannot send email")), health=path)


def test_write_csv_uses_true_false(batch: Callable[..., pd.DataFrame], tmp_path: Path) -> None:
    out = triage_tickets(mixed(batch)).to_csv(tmp_path / "out.csv")
    written = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(written.columns) == DECISION_COLUMNS
    assert written["escalate"].tolist() == ["true", "true", "true", "true", "false", "true"]


def test_one_users_new_phone_is_self_service_despite_an_active_mfa_issue(
    batch: Callable[..., pd.DataFrame],
) -> None:
    mfa = ISSUE | {
        "id": "MO200002",
        "service": "Microsoft Entra",
        "title": "Users may be repeatedly prompted for multifactor authentication",
        "feature": "Sign-in",
        "featureGroup": "Authentication",
        "impactDescription": "Users are prompted for MFA again and again when they sign in.",
    }
    health = HealthSnapshot(
        {tenant(1): {"healthOverviews": [], "issues": [mfa]}}, fetched_at="2026-11-02T12:00:00Z"
    )
    frame = batch(
        row("P", "Users repeatedly prompted for MFA", service="Entra ID", users=40),
        row("N", "New phone: one user can no longer approve MFA sign in", service="Entra ID"),
    )
    decisions = triage_tickets(frame, health=health).decisions
    assert decisions["category"].tolist() == ["known_issue", "self_service"]
    assert decisions["matched_issue_id"].tolist() == ["MO200002", ""]


def test_a_run_is_recorded_once_with_its_tickets(
    batch: Callable[..., pd.DataFrame], tmp_path: Path
) -> None:
    from escalation_kit.ledger.core import Ledger

    result = triage_tickets(mixed(batch))
    with Ledger(f"sqlite:///{tmp_path / 'ledger.db'}") as ledger:
        run_id, recorded = result.record(ledger)
        assert recorded == len(result.decisions) > 0
        assert result.record(ledger) == (run_id, 0)  # the same run again: nothing new
        stored = ledger.tickets()
        assert set(stored["ticket_id"]) == set(result.decisions["ticket_id"])


def test_an_app_that_cannot_connect_matches_an_access_issue_but_a_network_outage_does_not(
    batch: Callable[..., pd.DataFrame],
) -> None:
    """ "Outlook keeps losing its connection" is not getting into the mailbox; timeouts and packet
    loss across sites and ISPs are the network, not an Exchange access issue."""
    access = ISSUE | {
        "id": "EX300003",
        "title": "Users may be intermittently unable to access their mailboxes in Outlook mobile",
        "feature": "E-Mail and calendar access",
        "featureGroup": "E-Mail and calendar access",
        "impactDescription": "Users may be intermittently unable to access their mailboxes.",
    }
    health = HealthSnapshot(
        {tenant(1): {"healthOverviews": [], "issues": [access]}},
        fetched_at="2026-11-02T12:00:00Z",
    )
    frame = batch(
        row("A", "Outlook no telemóvel fica sem conexão", service="Outlook", users=12),
        row(
            "N",
            "Outlook, Teams and SharePoint all timing out",
            service="Outlook",
            description="Packet loss and timeouts to outlook.office365.com from all our sites, "
            "which use different ISPs.",
            users=200,
        ),
    )
    decisions = triage_tickets(frame, health=health).decisions.set_index("ticket_id")
    assert decisions.loc["A", "matched_issue_id"] == "EX300003"
    assert decisions.loc["N", "matched_issue_id"] == ""
