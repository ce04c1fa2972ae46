"""Tracking through throttling, outages, timeouts and a process killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from esc_helpers import CONTACT, FAST, T1, T2, T3, T4, make_decision, make_ticket

from escalation_kit.auth import StaticTokenProvider
from escalation_kit.escalation.drafting import draft_escalations
from escalation_kit.escalation.outbox import queue_write
from escalation_kit.escalation.partner_center import PartnerCenterClient
from escalation_kit.escalation.tracking import track
from escalation_kit.ledger import Ledger
from escalation_kit.ledger import escalations as sql
from escalation_kit.models import Category
from escalation_kit.sandbox import Faults, Sandbox
from escalation_kit.sandbox.partner_center import STATE_KEY, file_service_request, microsoft_update

TENANTS = (T1, T2, T3, T4)


def four_filed(ledger: Ledger, sandbox: Sandbox) -> dict[str, str]:
    """Four separate problems (5 h apart), each filed in the emulator: escalation id -> SR id."""
    tickets = {f"L-{i}": make_ticket(f"L-{i}", t, 1 + 5 * i) for i, t in enumerate(TENANTS)}
    decisions = [make_decision(t, Category.SERVICE_UNAVAILABLE) for t in tickets]
    filed = {}
    for outcome in draft_escalations(ledger, decisions, tickets, contact=CONTACT):
        package = outcome.package
        filed[package.package_id] = file_service_request(
            sandbox.base_url, customer_tenant_id=package.primary_tenant_id, title=package.title
        )["id"]
    return filed


def test_tracking_survives_throttling_outages_and_timeouts(
    sqlite_ledger: Ledger, sandbox: Sandbox
) -> None:
    filed = four_filed(sqlite_ledger, sandbox)
    sandbox.set_faults(
        Faults(
            rate_limit=0.3, server_errors=0.3, slow_ms=600, slow_rate=0.2, retry_after=0, seed=11
        )
    )
    with httpx.Client(timeout=0.3) as http:
        client = PartnerCenterClient(
            sandbox.base_url, StaticTokenProvider(), client=http, policy=FAST
        )
        report = track(sqlite_ledger, client)
    assert report.errors == []
    assert sorted(report.linked) == sorted(filed.items())
    faults = Counter(r.status for r in sandbox.requests if r.status != 200)
    assert faults[429] > 0 and faults[503] > 0  # the run really went through faults


def test_one_failing_customer_does_not_stop_the_others(
    sqlite_ledger: Ledger, sandbox: Sandbox, pc_client: PartnerCenterClient
) -> None:
    filed = four_filed(sqlite_ledger, sandbox)
    sandbox.set_faults(Faults(server_errors=1.0, retry_after=0, paths=f"/customers/{T2}/"))
    report = track(sqlite_ledger, pc_client)
    assert len(report.linked) == 3 and len(report.errors) == 1
    assert report.errors[0].startswith(f"tenant {T2}:") and "HTTP 503" in report.errors[0]
    sandbox.set_faults(Faults())
    assert len(track(sqlite_ledger, pc_client).linked) == 1
    with sqlite_ledger.reading() as conn:
        linked = {r.escalation_id: r.service_request_id for r in sql.list_escalations(conn)}
    assert linked == filed


def _track_process(db: Path, url: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "ESCALATION_KIT_DB": f"sqlite:///{db}"}
    code = "from escalation_kit.cli import main; main()"
    argv = [sys.executable, "-c", code, "track", "--sandbox", url, "--yes", "--no-progress"]
    return subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _kill_when(process: subprocess.Popen[bytes], sandbox: Sandbox, method: str, n: int) -> None:
    deadline = time.monotonic() + 60
    while sum(r.method == method for r in sandbox.requests) < n:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()


@pytest.mark.slow
def test_sigkill_mid_sync_resumes_without_loss_or_duplication(
    tmp_path: Path, sandbox: Sandbox, pc_client: PartnerCenterClient
) -> None:
    db = tmp_path / "ledger.db"
    with Ledger(f"sqlite:///{db}") as ledger:
        filed = four_filed(ledger, sandbox)
        track(ledger, pc_client)  # link all four
        for eid, sr_id in filed.items():
            microsoft_update(
                sandbox.base_url, sr_id, status="attention_needed", note=f"logs? {sr_id}"
            )
            microsoft_update(sandbox.base_url, sr_id, note=f"second note {sr_id}")
            queue_write(ledger, eid, f"partner answer for {eid}")
    sandbox.clear_requests()
    sandbox.set_faults(Faults(latency_ms=300, paths="^/v1/"))
    _kill_when(_track_process(db, sandbox.base_url), sandbox, "GET", 2)  # killed while syncing
    _kill_when(_track_process(db, sandbox.base_url), sandbox, "PATCH", 1)  # killed while writing
    sandbox.set_faults(Faults())
    final = _track_process(db, sandbox.base_url)
    _out, err = final.communicate(timeout=60)
    assert final.returncode == 0, err.decode()

    store = sandbox.state.extra[STATE_KEY]
    assert store.patches_applied == 4
    with Ledger(f"sqlite:///{db}") as ledger:
        for eid, sr_id in filed.items():
            notes = [n["text"] for n in store.requests[sr_id]["notes"]]
            assert notes == [f"logs? {sr_id}", f"second note {sr_id}", f"partner answer for {eid}"]
            actions = Counter(e.action for e in ledger.events(entity_id=eid))
            assert actions["linked"] == 1 and actions["write_applied"] == 1
            assert actions["note_added"] == 3  # each note recorded once, none lost
            assert actions["status_changed"] == 1  # open -> attention_needed, once
        with ledger.reading() as conn:
            assert {e.state for e in sql.list_outbox(conn)} == {"applied"}
