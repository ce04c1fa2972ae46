"""A replayed write never moves a request's state backwards, and a note is never sent twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from esc_helpers import CLUSTER, CONTACT, filed, make_decision, make_ticket, notes_at_microsoft
from typer.testing import CliRunner

from escalation_kit.cli import app
from escalation_kit.errors import PartnerCenterError
from escalation_kit.escalation import batch
from escalation_kit.escalation.outbox import flush_outbox, queue_write
from escalation_kit.escalation.partner_center import PartnerCenterClient
from escalation_kit.escalation.tracking import sync_request, track
from escalation_kit.ledger import Ledger
from escalation_kit.ledger import escalations as sql
from escalation_kit.models import Category
from escalation_kit.sandbox import Faults, Sandbox
from escalation_kit.sandbox.partner_center import (
    microsoft_update,
)


def test_a_replayed_write_never_moves_state_backwards(
    ledger: Ledger, sandbox: Sandbox, pc_client: PartnerCenterClient, cluster_case
) -> None:  # type: ignore[no-untyped-def]
    eid, sr_id = filed(ledger, sandbox, cluster_case)
    microsoft_update(sandbox.base_url, sr_id, note="Microsoft: looking into it")
    track(ledger, pc_client)
    # The PATCH is applied at Microsoft, but every response to it is cut off: note stays pending.
    sandbox.set_faults(Faults(truncate=1.0, paths=f"/servicerequests/{sr_id}$"))
    queue_write(ledger, eid, "Partner: two more tenants affected")
    report = flush_outbox(ledger, pc_client, confirm=True, sync=sync_request)
    assert report.pending and not report.applied
    assert notes_at_microsoft(sandbox, sr_id)[-1] == "Partner: two more tenants affected"
    sandbox.set_faults(Faults())
    time.sleep(0.01)  # Microsoft's change gets a later lastModifiedDate
    microsoft_update(sandbox.base_url, sr_id, status="closed", note="Microsoft: fixed")
    assert track(ledger, pc_client).errors == []
    with ledger.reading() as conn:
        before = sql.get_escalation(conn, eid)
    assert before is not None and before.status == "closed" and before.resolved_at is not None

    # track --yes: the pending note is re-sent; the emulator answers with its stored, older reply.
    report = flush_outbox(ledger, pc_client, confirm=True, approve_proposed=True, sync=sync_request)
    assert report.applied and not report.errors
    for _run in range(2):  # right after the replay, and after the next track
        with ledger.reading() as conn:
            after = sql.get_escalation(conn, eid)
            row = sql.service_request_row(conn, sr_id)
        assert after is not None and row is not None
        assert after.status == "closed"
        assert after.resolved_at == before.resolved_at
        assert row.status == "closed" and len(row.notes) == 3
        assert track(ledger, pc_client).errors == []
    actions = Counter(e.action for e in ledger.events(entity_id=eid))
    assert actions["note_added"] == 3
    assert actions["status_changed"] == 1  # open -> closed, once; never reopened
    assert notes_at_microsoft(sandbox, sr_id).count("Partner: two more tenants affected") == 1


def test_an_older_response_is_ignored_but_a_newer_one_is_recorded(
    sqlite_ledger: Ledger, sandbox: Sandbox, pc_client: PartnerCenterClient, cluster_case
) -> None:  # type: ignore[no-untyped-def]
    eid, sr_id = filed(sqlite_ledger, sandbox, cluster_case)
    old = pc_client.get_service_request(sr_id)
    time.sleep(0.01)
    microsoft_update(sandbox.base_url, sr_id, status="attention_needed", note="logs please")
    new = pc_client.get_service_request(sr_id)
    assert sync_request(sqlite_ledger, eid, new) != []
    assert sync_request(sqlite_ledger, eid, old) == []  # older than what the ledger holds
    with sqlite_ledger.reading() as conn:
        record = sql.get_escalation(conn, eid)
        row = sql.service_request_row(conn, sr_id)
    assert record is not None and record.status == "attention_needed"
    assert row is not None and row.status == "attention_needed" and len(row.notes) == 1


@pytest.mark.parametrize("crash_after", ["applied", "sent"])
def test_rerunning_note_after_a_crash_never_sends_it_twice(
    sqlite_ledger: Ledger,
    sandbox: Sandbox,
    pc_client: PartnerCenterClient,
    cluster_case,  # type: ignore[no-untyped-def]
    crash_after: str,
) -> None:
    eid, sr_id = filed(sqlite_ledger, sandbox, cluster_case)
    text = "Partner: customer confirms the outage persists"
    queue_write(sqlite_ledger, eid, text)
    if crash_after == "applied":  # the first run finished: its write is applied
        flush_outbox(sqlite_ledger, pc_client, confirm=True, sync=sync_request)
    else:  # the first run was killed after Microsoft applied the PATCH, before the ledger knew
        with sqlite_ledger.reading() as conn:
            entry = sql.list_outbox(conn, state="pending")[0]
        pc_client.update(sr_id, dict(entry.body), request_id=entry.request_id)
        flush_outbox(sqlite_ledger, pc_client, confirm=True, sync=sync_request)
    # `escalation-kit note ESC "..." --yes` again: queue the same text, then flush.
    again = queue_write(sqlite_ledger, eid, f"  {text} ")
    flush_outbox(sqlite_ledger, pc_client, confirm=True, sync=sync_request)
    assert again.state == "applied"
    assert notes_at_microsoft(sandbox, sr_id).count(text) == 1
    with sqlite_ledger.reading() as conn:
        assert len(sql.list_outbox(conn, service_request_id=sr_id)) == 1


def test_a_failed_note_can_be_queued_again(
    sqlite_ledger: Ledger, sandbox: Sandbox, pc_client: PartnerCenterClient, cluster_case
) -> None:  # type: ignore[no-untyped-def]
    eid, _sr_id = filed(sqlite_ledger, sandbox, cluster_case)
    entry = queue_write(sqlite_ledger, eid, "hello")
    with sqlite_ledger.transaction() as conn:
        sql.mark_outbox(conn, entry.request_id, state="failed")
    again = queue_write(sqlite_ledger, eid, "hello")
    assert again.request_id != entry.request_id and again.state == "pending"


def test_note_command_twice_sends_once(
    tmp_path,
    monkeypatch,
    sandbox: Sandbox,
    cluster_case,  # type: ignore[no-untyped-def]
) -> None:
    db = f"sqlite:///{tmp_path / 'ledger.db'}"
    monkeypatch.setenv("ESCALATION_KIT_DB", db)
    with Ledger(db) as ledger:
        eid, sr_id = filed(ledger, sandbox, cluster_case)
    args = ["note", eid, "Traces attached", "--sandbox", sandbox.base_url, "--yes"]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0 and "sent to Microsoft: 1" in first.stdout
    second = CliRunner().invoke(app, args)
    assert second.exit_code == 0 and "already sent to Microsoft" in second.stdout
    assert notes_at_microsoft(sandbox, sr_id) == ["Traces attached"]


def test_package_files_follow_the_committed_ledger_under_concurrent_runs(
    tmp_path,
    monkeypatch,
    sqlite_ledger: Ledger,
    cluster_case,  # type: ignore[no-untyped-def]
) -> None:
    """Run A drafts, run B links one more ticket of the cluster, then A writes its files."""
    decisions, tickets = cluster_case
    late = make_ticket("T-9", "99999999-9999-4999-8999-999999999999", 12)
    late_decision = make_decision("T-9", Category.REGIONAL_MULTI_TENANT, cluster_id=CLUSTER)
    real = batch.draft_escalations

    def with_a_concurrent_run(ledger, records, ticket_map, **options):  # type: ignore[no-untyped-def]
        outcomes = real(ledger, records, ticket_map, **options)
        real(ledger, [late_decision], {**ticket_map, "T-9": late}, **options)  # run B commits
        return outcomes

    monkeypatch.setattr(batch, "draft_escalations", with_a_concurrent_run)
    result = batch.prepare_packages(
        decisions, tickets, ledger=sqlite_ledger, out_dir=tmp_path / "out", contact=CONTACT
    )
    with sqlite_ledger.reading() as conn:
        links = sql.linked_tickets(conn)
    for package in result.packages:
        ledger_tickets = sorted(t for t, e in links.items() if e == package.package_id)
        written = json.loads((tmp_path / "out" / package.package_id / "package.json").read_text())
        assert sorted(t["ticket_id"] for t in written["tickets"]) == ledger_tickets
    index = (tmp_path / "out" / "index.csv").read_text(encoding="utf-8")
    assert "T-1;T-2;T-3;T-9" in index


@pytest.mark.parametrize("full_length", [False, True])
def test_a_truncated_read_is_retried(
    sqlite_ledger: Ledger,
    sandbox: Sandbox,
    pc_client: PartnerCenterClient,
    cluster_case,  # type: ignore[no-untyped-def]
    full_length: bool,
) -> None:
    _eid, sr_id = filed(sqlite_ledger, sandbox, cluster_case)
    sandbox.set_faults(
        Faults(truncate=1.0, truncate_full_length=full_length, first_n=2, paths="/servicerequests")
    )
    sandbox.clear_requests()
    assert pc_client.get_service_request(sr_id).id == sr_id
    assert len(pc_client.list_service_requests(cluster_case[1]["T-1"].tenant_id)) == 1
    assert len(sandbox.requests) == 6  # each read: two cut off, then a whole one


def test_a_read_truncated_every_time_fails_cleanly(
    sqlite_ledger: Ledger, sandbox: Sandbox, pc_client: PartnerCenterClient, cluster_case
) -> None:  # type: ignore[no-untyped-def]
    _eid, sr_id = filed(sqlite_ledger, sandbox, cluster_case)
    sandbox.set_faults(Faults(truncate=1.0, paths="/servicerequests"))
    with pytest.raises(PartnerCenterError, match="truncated or malformed"):
        pc_client.get_service_request(sr_id)


def _note_process(db: Path, url: str, eid: str, text: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "ESCALATION_KIT_DB": f"sqlite:///{db}"}
    code = "from escalation_kit.cli import main; main()"
    argv = [sys.executable, "-c", code, "note", eid, text, "--sandbox", url, "--yes"]
    return subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.mark.slow
def test_note_killed_mid_write_then_run_again_twice_sends_once(
    tmp_path: Path,
    sandbox: Sandbox,
    cluster_case,  # type: ignore[no-untyped-def]
) -> None:
    db = tmp_path / "ledger.db"
    with Ledger(f"sqlite:///{db}") as ledger:
        eid, sr_id = filed(ledger, sandbox, cluster_case)
    text = "Partner: traces attached"
    sandbox.clear_requests()
    sandbox.set_faults(Faults(latency_ms=300, paths="^/v1/"))
    first = _note_process(db, sandbox.base_url, eid, text)
    deadline = time.monotonic() + 60
    while not any(r.method == "PATCH" for r in sandbox.requests):
        assert first.poll() is None, first.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.01)
    first.send_signal(signal.SIGKILL)  # killed while writing to Microsoft
    first.wait()
    sandbox.set_faults(Faults())
    for _rerun in range(2):  # the analyst runs it again, then once more to be sure
        rerun = _note_process(db, sandbox.base_url, eid, text)
        out, err = rerun.communicate(timeout=60)
        assert rerun.returncode == 0, err.decode()
    assert notes_at_microsoft(sandbox, sr_id) == [text]
    assert "already sent" in out.decode()


def test_the_same_note_queued_by_concurrent_processes_is_recorded_once(
    ledger: Ledger,
    sandbox: Sandbox,
    cluster_case,  # type: ignore[no-untyped-def]
) -> None:
    eid, sr_id = filed(ledger, sandbox, cluster_case)
    barrier = threading.Barrier(6)
    ids: list[str] = []

    def queue() -> None:
        with Ledger(ledger.engine) as own:
            barrier.wait()
            ids.append(queue_write(own, eid, "Partner: same note").request_id)

    threads = [threading.Thread(target=queue) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    with ledger.reading() as conn:
        assert len(sql.list_outbox(conn, service_request_id=sr_id)) == 1
    assert len(set(ids)) == 1
