"""The batch API: decisions + tickets → packages, index frame and index.csv, like the CLI."""

from __future__ import annotations

import csv
import logging
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from esc_helpers import CONTACT, T1, T2, T3, T4, at, write_inputs
from typer.testing import CliRunner

from ek_fixtures import SAMPLE_DATA
from escalation_kit.cli import app
from escalation_kit.errors import ConfigError, InputError
from escalation_kit.escalation.batch import (
    INDEX_COLUMNS,
    prepare_known_issue_notices,
    prepare_packages,
    read_decisions,
    tickets_by_id,
    unsent_notices,
    write_unsent_notices,
)
from escalation_kit.escalation.packages import PartnerContact
from escalation_kit.escalation.partner_center import PartnerCenterClient
from escalation_kit.escalation.render import read_package_json
from escalation_kit.intake import read_tickets
from escalation_kit.ledger import Ledger
from escalation_kit.models import Category, Region, Ticket, TriageDecision
from escalation_kit.triage.config import TriageConfig
from escalation_kit.triage.engine import TriageResult, triage_tickets

CONTRACT_COLUMNS = (
    "package_id",
    "tracking_tag",
    "ticket_ids",
    "tenant_ids",
    "category",
    "severity",
    "title",
)
Case = tuple[list[TriageDecision], dict[str, Ticket]]


def open_ledger(path: Path) -> Ledger:
    return Ledger(f"sqlite:///{path}", actor="test")


def files_in(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*.*"))}


def decision_frame(decisions: list[TriageDecision]) -> pd.DataFrame:
    """The shape of ``TriageResult.decisions``: contract columns, ``escalate`` a bool."""
    return pd.DataFrame(
        {
            "ticket_id": d.ticket_id,
            "category": d.category.value,
            "escalate": d.escalate,
            "matched_issue_id": d.matched_issue_id,
            "cluster_id": d.cluster_id,
            "region": d.region,
            "service": d.service,
            "severity": d.severity.value if d.severity else "",
            "confidence": d.confidence,
            "reasons": d.reasons,
            "recommended_action": d.recommended_action,
            "health_checked": d.health_checked,
        }
        for d in decisions
    )


@pytest.fixture(scope="module")
def sample_triage() -> TriageResult:
    # These tests exercise packaging, not the review gate: nothing is left waiting for review.
    return triage_tickets(
        SAMPLE_DATA / "tickets.csv",
        SAMPLE_DATA / "customers.csv",
        SAMPLE_DATA / "health.json",
        config=TriageConfig(review_threshold=0.0),
    )


def test_triage_frame_and_its_csv_give_the_same_packages(
    tmp_path: Path, sample_triage: TriageResult
) -> None:
    intake = read_tickets(SAMPLE_DATA / "tickets.csv", customers=SAMPLE_DATA / "customers.csv")
    csv_path = sample_triage.to_csv(tmp_path / "triage.csv")
    with open_ledger(tmp_path / "a.db") as a, open_ledger(tmp_path / "b.db") as b:
        from_frame = prepare_packages(
            sample_triage.decisions, intake, ledger=a, out_dir=tmp_path / "a", contact=CONTACT
        )
        from_csv = prepare_packages(
            csv_path,
            SAMPLE_DATA / "tickets.csv",
            customers=SAMPLE_DATA / "customers.csv",
            ledger=b,
            out_dir=tmp_path / "b",
            contact=CONTACT,
        )
    pd.testing.assert_frame_equal(from_frame.index, from_csv.index)
    assert files_in(tmp_path / "a") == files_in(tmp_path / "b")
    assert from_frame.created == len(from_frame) > 10
    # every escalated ticket is in exactly one package, with its own tenant
    index = from_frame.index
    by_package = index.set_index("package_id")
    members = {str(p): str(t).split(";") for p, t in by_package["ticket_ids"].items()}
    tenants = {str(p): str(t).split(";") for p, t in by_package["tenant_ids"].items()}
    escalated = sample_triage.decisions[sample_triage.decisions["escalate"]]
    assert sorted(t for ids in members.values() for t in ids) == sorted(escalated["ticket_id"])
    tenant_of = dict(zip(intake.accepted["ticket_id"], intake.accepted["tenant_id"], strict=True))
    for package_id, ids in members.items():
        assert sorted(tenants[package_id]) == sorted({tenant_of[t] for t in ids})
    package_of = {t: package_id for package_id, ids in members.items() for t in ids}
    clustered = escalated[escalated["cluster_id"] != ""]
    assert clustered["cluster_id"].nunique() > 1
    for _, cluster in clustered.groupby("cluster_id"):
        assert len({package_of[t] for t in cluster["ticket_id"]}) == 1  # a cluster: one package


def test_a_second_call_creates_nothing_new(
    ledger: Ledger, tmp_path: Path, cluster_case: Case
) -> None:
    decisions, tickets = cluster_case
    first = prepare_packages(
        decisions, tickets, ledger=ledger, out_dir=tmp_path / "one", contact=CONTACT
    )
    written = files_in(tmp_path / "one")
    second = prepare_packages(
        decision_frame(decisions), tickets, ledger=ledger, out_dir=tmp_path / "one", contact=CONTACT
    )
    assert (first.created, first.linked, second.created, second.linked) == (2, 0, 0, 0)
    assert first.index["created"].tolist() == [True, True]
    assert second.index["created"].tolist() == [False, False]
    pd.testing.assert_frame_equal(
        first.index.drop(columns="created"), second.index.drop(columns="created")
    )
    again = files_in(tmp_path / "one")
    assert set(again) == set(written)
    assert {k: v for k, v in again.items() if k != "index.csv"} == {
        k: v for k, v in written.items() if k != "index.csv"
    }
    assert again["index.csv"] == written["index.csv"].replace(b",true,", b",false,")
    assert [p.package_id for p in second.packages] == first.index["package_id"].tolist()


def test_index_csv_has_the_contract_columns(tmp_path: Path, cluster_case: Case) -> None:
    decisions, tickets = cluster_case
    with open_ledger(tmp_path / "l.db") as ledger:
        batch = prepare_packages(
            decisions, tickets, ledger=ledger, out_dir=tmp_path / "out", contact=CONTACT
        )
    with (tmp_path / "out" / "index.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames or ()) == INDEX_COLUMNS
        rows = list(reader)
    assert set(CONTRACT_COLUMNS) <= set(INDEX_COLUMNS)
    assert rows == batch.index.assign(created="true").to_dict("records")
    cluster = next(r for r in rows if r["category"] == "regional_multi_tenant")
    lone = next(r for r in rows if r["category"] == "service_unavailable")
    assert cluster["ticket_ids"] == "T-1;T-2;T-3"
    assert cluster["tenant_ids"] == f"{T1};{T2};{T3}"
    assert cluster["severity"] == "critical"
    assert (lone["ticket_ids"], lone["tenant_ids"], lone["severity"]) == ("T-4", T4, "moderate")
    for row in rows:
        assert row["title"].startswith(row["tracking_tag"] + " ")
        assert row["folder"] == row["package_id"]
        assert (tmp_path / "out" / row["folder"] / "package.json").is_file()
        assert (
            read_package_json(tmp_path / "out" / row["folder"] / "package.json").title
            == (row["title"])
        )


def test_the_cli_writes_what_the_batch_api_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cluster_case: Case
) -> None:
    triage_csv, tickets_csv = write_inputs(tmp_path, *cluster_case)
    monkeypatch.setenv("ESCALATION_KIT_DB", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("ESCALATION_KIT_CONTACT_NAME", CONTACT.name)
    monkeypatch.setenv("ESCALATION_KIT_CONTACT_EMAIL", CONTACT.email)
    monkeypatch.setenv("ESCALATION_KIT_CONTACT_PHONE", CONTACT.phone)
    args = ["escalate", str(triage_csv), "--tickets", str(tickets_csv)]
    result = CliRunner().invoke(app, [*args, "--out-dir", str(tmp_path / "cli")])
    assert result.exit_code == 0, result.stderr
    with open_ledger(tmp_path / "api.db") as ledger:
        batch = prepare_packages(
            triage_csv, tickets_csv, ledger=ledger, out_dir=tmp_path / "api"
        )  # contact from the environment, like the CLI
    assert files_in(tmp_path / "cli") == files_in(tmp_path / "api")
    assert f"{len(batch)} package(s)" in result.stdout and "2 new draft(s)" in result.stdout


def test_without_out_dir_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cluster_case: Case
) -> None:
    monkeypatch.chdir(tmp_path)
    with open_ledger(tmp_path / "l.db") as ledger:
        batch = prepare_packages(*cluster_case, ledger=ledger)
    assert batch.out_dir is None and len(batch) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["l.db"]
    assert batch.packages[0].contact == PartnerContact()  # no contact in the environment
    assert repr(batch) == "<PackageBatch 2 package(s): 2 new, 0 ticket(s) linked>"


def test_a_ticket_joining_an_open_cluster_is_linked(tmp_path: Path, cluster_case: Case) -> None:
    decisions, tickets = cluster_case
    with open_ledger(tmp_path / "l.db") as ledger:
        prepare_packages(decisions, tickets, ledger=ledger, contact=CONTACT)
        late = replace(tickets["T-1"], ticket_id="T-6", tenant_id=T4, reported_at=at(12))
        joined = replace(decisions[0], ticket_id="T-6")
        batch = prepare_packages(
            [*decisions, joined], {**tickets, "T-6": late}, ledger=ledger, contact=CONTACT
        )
    assert (batch.created, batch.linked) == (0, 1)
    cluster = batch.index[batch.index["category"] == "regional_multi_tenant"].iloc[0]
    assert cluster["ticket_ids"] == "T-1;T-2;T-3;T-6"


def test_tickets_by_id_from_intake_output_and_from_a_raw_frame(
    tmp_path: Path, cluster_case: Case, caplog: pytest.LogCaptureFixture
) -> None:
    _, tickets_csv = write_inputs(tmp_path, *cluster_case)
    intake = read_tickets(tickets_csv)
    from_result = tickets_by_id(intake)
    assert from_result == tickets_by_id(intake.accepted)
    raw = pd.read_csv(tickets_csv, dtype=str)
    raw.loc[len(raw)] = ["T-9", "not-a-guid", "", "DE", "", "Broken", "", "2026-11-20", "1"]
    from_raw = tickets_by_id(raw)
    assert sorted(from_raw) == ["T-1", "T-2", "T-3", "T-4", "T-5"]  # T-9 rejected by intake
    assert from_raw == from_result
    t1 = from_raw["T-1"]
    assert (t1.tenant_id, t1.region, t1.normalized_service) == (
        T1,
        Region.EUROPE,
        "Exchange Online",
    )
    assert t1.users_affected == 10 and t1.reported_at.hour == 9
    with caplog.at_level(logging.WARNING), open_ledger(tmp_path / "l.db") as ledger:
        batch = prepare_packages(cluster_case[0], raw, ledger=ledger, contact=CONTACT)
    assert batch.rejected_tickets["ticket_id"].tolist() == ["T-9"]
    assert "read 6, accepted 5, rejected 1 (tickets frame)" in caplog.text
    assert len(batch) == 2


def test_bad_decisions_name_the_row_and_field(tmp_path: Path, cluster_case: Case) -> None:
    decisions, tickets = cluster_case
    frame = decision_frame(decisions)
    frame.loc[2, "category"] = "outage"
    with open_ledger(tmp_path / "l.db") as ledger:
        with pytest.raises(InputError, match="unknown category 'outage'") as caught:
            prepare_packages(frame, tickets, ledger=ledger)
        assert (caught.value.row, caught.value.field) == (3, "category")
        with pytest.raises(InputError, match="expected a TriageDecision, got str"):
            read_decisions(["T-1"])  # type: ignore[list-item]
        missing = {k: v for k, v in tickets.items() if k != "T-2"}
        with pytest.raises(InputError, match="'T-2' is in the triage output, not in the tickets"):
            prepare_packages(decisions, missing, ledger=ledger)


def test_known_issue_notices_from_a_snapshot_and_written_to_files(
    tmp_path: Path, sample_triage: TriageResult
) -> None:
    decisions = sample_triage.decisions
    known = decisions[decisions["category"] == Category.KNOWN_ISSUE.value]
    assert len(known) > 0
    intake = read_tickets(SAMPLE_DATA / "tickets.csv", customers=SAMPLE_DATA / "customers.csv")
    with open_ledger(tmp_path / "l.db") as ledger:
        drafted = prepare_known_issue_notices(
            known, intake, SAMPLE_DATA / "health.json", ledger=ledger
        )
        again = prepare_known_issue_notices(
            known, intake, SAMPLE_DATA / "health.json", ledger=ledger
        )
        unsent = unsent_notices(ledger)
        written = write_unsent_notices(ledger, tmp_path / "notices")
    assert len(drafted) > 0 and again == []
    assert sorted(n.notice_id for n in unsent) == sorted(drafted)
    assert written == unsent
    for notice in written:
        text = (tmp_path / "notices" / f"{notice.notice_id}.txt").read_text(encoding="utf-8")
        assert text == f"Subject: {notice.subject}\n\n{notice.text}"
        html = (tmp_path / "notices" / f"{notice.notice_id}.html").read_text(encoding="utf-8")
        assert html == notice.html


def test_contact_and_client_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ESCALATION_KIT_CONTACT_NAME", "Ana Partner")
    monkeypatch.setenv("ESCALATION_KIT_CONTACT_EMAIL", "ana@partner.example")
    assert PartnerContact.from_settings() == PartnerContact("Ana Partner", "ana@partner.example")
    with PartnerCenterClient.from_settings(sandbox_url="http://127.0.0.1:9/") as client:
        assert client.base_url == "http://127.0.0.1:9"
        assert client.partner_tenant_id == "partner"
    with pytest.raises(ConfigError, match="ESCALATION_KIT_PARTNER_TENANT_ID"):
        PartnerCenterClient.from_settings()


def test_read_package_json_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found") as caught:
        read_package_json(tmp_path / "nope.json")
    assert caught.value.file == str(tmp_path / "nope.json")
    (tmp_path / "list.json").write_text("[1]", encoding="utf-8")
    with pytest.raises(InputError, match="must be a JSON object"):
        read_package_json(tmp_path / "list.json")
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    with pytest.raises(InputError, match="not a readable JSON package"):
        read_package_json(tmp_path / "bad.json")


def test_cluster_id_is_one_package_whatever_the_order(tmp_path: Path, cluster_case: Case) -> None:
    decisions, tickets = cluster_case
    frame = decision_frame(decisions)
    with open_ledger(tmp_path / "a.db") as a, open_ledger(tmp_path / "b.db") as b:
        forward = prepare_packages(frame, tickets, ledger=a, contact=CONTACT)
        backward = prepare_packages(frame.iloc[::-1], tickets, ledger=b, contact=CONTACT)
    pd.testing.assert_frame_equal(forward.index, backward.index)
    assert sorted(forward.index["ticket_ids"]) == ["T-1;T-2;T-3", "T-4"]


def test_no_problems_is_an_index_with_only_the_header(tmp_path: Path, cluster_case: Case) -> None:
    decisions, tickets = cluster_case
    calm = [d for d in decisions if not d.escalate]
    with open_ledger(tmp_path / "l.db") as ledger:
        batch = prepare_packages(calm, tickets, ledger=ledger, out_dir=tmp_path / "out")
        assert len(batch) == 0 and list(batch.index.columns) == list(INDEX_COLUMNS)
        assert (tmp_path / "out" / "index.csv").read_text() == ",".join(INDEX_COLUMNS) + "\n"
        (tmp_path / "file").write_text("not a folder")
        with pytest.raises(InputError, match="cannot write the packages") as caught:
            prepare_packages(decisions, tickets, ledger=ledger, out_dir=tmp_path / "file")
        assert caught.value.file == str(tmp_path / "file")
