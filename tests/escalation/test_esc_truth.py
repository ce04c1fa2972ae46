"""Escalation that tells Microsoft the truth, through the command line, on hand-made data.

Health first (no, partial and stale snapshots), one package per problem (far-apart tickets, a
network cluster across services), the analyst decides (override up and down), review first.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from escalation_kit.cli import app
from escalation_kit.health.snapshot import HealthSnapshot

T = [f"5b1c9a3e-7d2f-4c61-9a8e-{n:012d}" for n in range(10)]
COLUMNS = ["ticket_id", "tenant_id", "customer_name", "country", "service", "title"]
COLUMNS += ["description", "reported_at", "users_affected"]


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ESCALATION_KIT_DB", f"sqlite:///{tmp_path / 'ledger.db'}")
    monkeypatch.setenv("ESCALATION_KIT_CONTACT_NAME", "Ana Partner")
    monkeypatch.setenv("ESCALATION_KIT_CONTACT_EMAIL", "ana@partner.example")
    return tmp_path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def write_tickets(folder: Path, rows: list[list[object]]) -> Path:
    path = folder / "tickets.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    return path


def write_health(folder: Path, tenants: list[str], fetched_at: str) -> Path:
    snapshot = HealthSnapshot(
        {t: {"healthOverviews": [], "issues": []} for t in tenants}, fetched_at=fetched_at
    )
    return snapshot.save(folder / "health.json")


OUTAGE = "SharePoint is down for the whole company, every site returns HTTP 503"
TWO_OUTAGES = [
    [
        "S1",
        T[1],
        "Contoso",
        "DE",
        "SharePoint",
        OUTAGE,
        "Since 09:10 CET.",
        "2026-11-02T09:00:00Z",
        120,
    ],
    ["S2", T[2], "Fabrikam", "US", "SharePoint", OUTAGE, "", "2026-11-05T15:00:00Z", 80],
]


def triage_then_escalate(env: Path, health: Path | None, *extra: str) -> tuple[int, str, str]:
    tickets = write_tickets(env, TWO_OUTAGES)
    args = ["triage", str(tickets), "--out", str(env / "triage.csv")]
    if health is not None:
        args += ["--health", str(health)]
    code, _, err = run(*args)
    assert code == 0, err
    args = ["escalate", str(env / "triage.csv"), "--tickets", str(tickets)]
    args += ["--out-dir", str(env / "packages"), *extra]
    if health is not None:
        args += ["--health", str(health)]
    return run(*args)


def packages(env: Path) -> list[dict[str, object]]:
    return [
        json.loads(p.read_text(encoding="utf-8"))
        for p in sorted((env / "packages").glob("*/package.json"))
    ]


def test_no_snapshot_is_refused_then_drafted_saying_health_was_not_checked(env: Path) -> None:
    code, _, err = triage_then_escalate(env, None)
    assert code == 1
    assert "service health was not checked for 2 escalated ticket(s)" in err
    assert T[1] in err and T[2] in err
    assert not (env / "packages").exists()
    code, _, err = triage_then_escalate(env, None, "--allow-unchecked")
    assert code == 0, err
    drafted = packages(env)
    assert len(drafted) == 2
    for package in drafted:
        assert package["health_checked_at"] is None and package["health_checked"] is False
        assert "Service health was NOT checked" in str(package["description"])
        assert "no documented issue matches" not in str(package["description"])
    text = next((env / "packages").glob("*/package.txt")).read_text(encoding="utf-8")
    assert "Service health was NOT checked" in text


def test_partial_snapshot_names_the_unchecked_tenant(env: Path) -> None:
    health = write_health(env, [T[1]], "2026-11-02T08:00:00Z")
    code, _, err = triage_then_escalate(env, health)
    assert code == 1 and "service health" in err
    assert T[2] in err and T[1] not in err
    code, _, err = triage_then_escalate(env, health, "--allow-unchecked")
    assert code == 0, err
    by_ticket = {tuple(p["ticket_ids"]): p for p in packages(env)}  # type: ignore[arg-type]
    assert by_ticket[("S1",)]["health_checked_at"] == "2026-11-02T08:00:00+00:00"
    assert by_ticket[("S2",)]["health_checked_at"] is None


def test_stale_snapshot_is_not_cited_as_checked(env: Path) -> None:
    health = write_health(env, [T[1], T[2]], "2026-10-26T09:00:00Z")  # a week before S1
    code, _, err = triage_then_escalate(env, health)
    assert code == 1 and "service health was not checked for 2" in err


def test_fresh_snapshot_is_cited_with_its_time(env: Path) -> None:
    health = write_health(env, [T[1], T[2]], "2026-11-05T12:00:00Z")
    code, _, err = triage_then_escalate(env, health)
    assert code == 0, err
    for package in packages(env):
        assert package["health_checked_at"] == "2026-11-05T12:00:00+00:00"
        assert "Service health was checked (snapshot fetched 2026-11-05T12:00:00+00:00)" in str(
            package["description"]
        )


def test_unrelated_tickets_far_apart_are_separate_packages(env: Path) -> None:
    rows = [
        [
            "E1",
            T[3],
            "Contoso",
            "DE",
            "Outlook",
            "Encrypted messages cannot be opened: error 0x80070005",
            "",
            "2026-08-31T10:00:00Z",
            40,
        ],
        [
            "E2",
            T[3],
            "Contoso",
            "DE",
            "Outlook",
            "Mailbox full although the quota is 100 GB",
            "",
            "2026-11-17T10:00:00Z",
            1,
        ],
        [
            "E3",
            T[3],
            "Contoso",
            "DE",
            "Outlook",
            "Encrypted messages cannot be opened again",
            "",
            "2026-11-18T10:00:00Z",
            40,
        ],
    ]
    tickets = write_tickets(env, rows)
    health = write_health(env, [T[3]], "2026-08-31T00:00:00Z")
    config = {"ESCALATION_KIT_MAX_HEALTH_AGE_HOURS": str(24 * 365)}
    result = CliRunner().invoke(
        app,
        ["triage", str(tickets), "--health", str(health), "--out", str(env / "t.csv")],
        env=config,
    )
    assert result.exit_code == 0, result.stderr
    with (env / "t.csv").open(encoding="utf-8") as handle:
        triaged = list(csv.DictReader(handle))
    # make all three escalate as the same confirmed category, to test the grouping alone
    for row in triaged:
        row.update(category="bug", escalate="true", severity="moderate", needs_review="false")
    with (env / "t.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(triaged[0]))
        writer.writeheader()
        writer.writerows(triaged)
    code, _, err = run(
        "escalate",
        str(env / "t.csv"),
        "--tickets",
        str(tickets),
        "--out-dir",
        str(env / "packages"),
    )
    assert code == 0, err
    groups = sorted(tuple(p["ticket_ids"]) for p in packages(env))  # type: ignore[arg-type]
    # 79 days apart: never one package, even for the same symptom; E2 is another symptom
    assert groups == [("E1",), ("E2",), ("E3",)]


def test_network_cluster_across_services_is_one_partner_package(env: Path) -> None:
    rows = [
        [
            "N1",
            T[4],
            "Contoso",
            "DE",
            "Teams",
            "Teams calls time out, packet loss to Microsoft",
            "",
            "2026-11-02T09:00:00Z",
            50,
        ],
        [
            "N2",
            T[5],
            "Fabrikam",
            "US",
            "Outlook",
            "Outlook connection timed out, packet loss to Microsoft",
            "",
            "2026-11-02T09:20:00Z",
            30,
        ],
        [
            "N3",
            T[6],
            "Tailspin",
            "JP",
            "SharePoint",
            "SharePoint timeouts and packet loss to Microsoft",
            "",
            "2026-11-02T09:40:00Z",
            20,
        ],
    ]
    tickets = write_tickets(env, rows)
    health = write_health(env, [T[4], T[5], T[6]], "2026-11-02T08:00:00Z")
    code, _, err = run("triage", str(tickets), "--health", str(health), "--out", str(env / "t.csv"))
    assert code == 0, err
    with (env / "t.csv").open(encoding="utf-8") as handle:
        triaged = list(csv.DictReader(handle))
    assert {r["category"] for r in triaged} == {"network_disruption"}
    assert len({r["service"] for r in triaged}) == 3
    code, _, err = run(
        "escalate",
        str(env / "t.csv"),
        "--tickets",
        str(tickets),
        "--health",
        str(health),
        "--out-dir",
        str(env / "packages"),
    )
    assert code == 0, err
    (package,) = packages(env)
    assert package["ticket_ids"] == ["N1", "N2", "N3"]
    assert package["filed_as"] == "partner" and "/support/" in str(package["portal_url"])
    assert "Filed by the partner for 3 customer tenant(s)" in str(package["description"])


def override_case(env: Path) -> tuple[Path, Path]:
    rows = [
        [
            "U1",
            T[7],
            "Contoso",
            "DE",
            "Exchange",
            "Please reset the password for one user",
            "",
            "2026-11-02T09:00:00Z",
            1,
        ],
        TWO_OUTAGES[0],
    ]
    tickets = write_tickets(env, rows)
    health = write_health(env, [T[7], T[1]], "2026-11-02T08:00:00Z")
    code, _, err = run("triage", str(tickets), "--health", str(health), "--out", str(env / "t.csv"))
    assert code == 0, err
    return tickets, health


def escalate(env: Path, tickets: Path, health: Path) -> tuple[int, str, str]:
    return run(
        "escalate",
        str(env / "t.csv"),
        "--tickets",
        str(tickets),
        "--health",
        str(health),
        "--out-dir",
        str(env / "packages"),
    )


def test_override_up_through_the_cli_drafts_with_recomputed_severity(env: Path) -> None:
    tickets, health = override_case(env)
    code, _, err = escalate(env, tickets, health)
    assert code == 0, err
    assert [tuple(p["ticket_ids"]) for p in packages(env)] == [("S1",)]
    code, out, err = run(
        "override",
        "U1",
        "--category",
        "service_unavailable",
        "--reason",
        "whole tenant down",
        "--analyst",
        "dana",
    )
    assert code == 0, err
    assert "severity moderate" in out  # 1 user: not critical
    code, _, err = escalate(env, tickets, health)
    assert code == 0, err
    by_ticket = {tuple(p["ticket_ids"]): p for p in packages(env)}  # type: ignore[arg-type]
    up = by_ticket[("U1",)]
    assert up["category"] == "service_unavailable" and up["severity"] == "moderate"
    assert str(up["recommended_action"]).startswith("Escalate to Microsoft now")


def test_override_down_through_the_cli_withdraws_the_draft(env: Path) -> None:
    tickets, health = override_case(env)
    assert escalate(env, tickets, health)[0] == 0
    code, out, err = run(
        "override",
        "S1",
        "--category",
        "self_service",
        "--reason",
        "their own proxy",
        "--analyst",
        "dana",
    )
    assert code == 0, err
    assert "withdrawn" in err
    code, _, err = escalate(env, tickets, health)
    assert code == 0, err
    with (env / "packages" / "index.csv").open(encoding="utf-8") as handle:
        assert list(csv.DictReader(handle)) == []
    code, out, _ = run("escalations")
    assert "withdrawn" in out


def test_a_ticket_needing_review_is_left_out_until_an_analyst_decides(env: Path) -> None:
    tickets, health = override_case(env)
    with (env / "t.csv").open(encoding="utf-8") as handle:
        triaged = list(csv.DictReader(handle))
    for row in triaged:
        row["needs_review"] = "true" if row["ticket_id"] == "S1" else "false"
    with (env / "t.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(triaged[0]))
        writer.writeheader()
        writer.writerows(triaged)
    code, _, err = escalate(env, tickets, health)
    assert code == 0 and "awaiting an analyst's review: S1" in err
    assert "S1" not in {t for p in packages(env) for t in p["ticket_ids"]}
    code, _, err = run(
        "override",
        "S1",
        "--category",
        "service_unavailable",
        "--reason",
        "confirmed",
        "--analyst",
        "dana",
    )
    assert code == 0, err
    code, _, err = escalate(env, tickets, health)
    assert code == 0, err
    assert [tuple(p["ticket_ids"]) for p in packages(env)] == [("S1",)]


def test_the_analyst_edits_what_was_checked_and_every_rendering_follows(env: Path) -> None:
    health = write_health(env, [T[1], T[2]], "2026-11-05T12:00:00Z")
    assert triage_then_escalate(env, health)[0] == 0
    path = next((env / "packages").glob("*/package.json"))
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["checks"] == [] and "- nothing stated" in data["description"]
    data["checks"] = ["Reproduced in a test tenant at 10:05 UTC"]
    path.write_text(json.dumps(data), encoding="utf-8")
    code, out, err = run("edit-package", str(path))
    assert code == 0, err
    assert "edited checks" in out
    for name in ("package.txt", "package.md", "package.json"):
        text = (path.parent / name).read_text(encoding="utf-8")
        assert "- Reproduced in a test tenant at 10:05 UTC" in text, name
        assert "- nothing stated" not in text, name


def test_an_old_triage_output_without_health_checked_is_explained(env: Path) -> None:
    tickets = write_tickets(env, TWO_OUTAGES)
    assert run("triage", str(tickets), "--out", str(env / "t.csv"))[0] == 0
    with (env / "t.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    with (env / "t.csv").open("w", newline="", encoding="utf-8") as handle:
        fields = [f for f in rows[0] if f != "health_checked"]
        writer = csv.DictWriter(handle, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    code, _, err = run(
        "escalate", str(env / "t.csv"), "--tickets", str(tickets), "--out-dir", str(env / "p")
    )
    assert code == 1
    assert "has no health_checked column" in err and "service health" in err
