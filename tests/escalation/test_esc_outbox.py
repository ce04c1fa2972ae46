"""Writes to Partner Center: never unasked, never twice — through timeouts, retries and restarts."""

from __future__ import annotations

import httpx
import pytest
from esc_helpers import CONTACT, FAST, filed, notes_at_microsoft
from sqlalchemy import select

from ek_fixtures import wait_for
from escalation_kit.auth import StaticTokenProvider
from escalation_kit.errors import InputError, InvalidTransition
from escalation_kit.escalation.drafting import draft_escalations
from escalation_kit.escalation.outbox import flush_outbox, queue_write
from escalation_kit.escalation.partner_center import PartnerCenterClient
from escalation_kit.escalation.tracking import sync_request
from escalation_kit.escalation.workflow import close_escalation
from escalation_kit.http import RetryPolicy
from escalation_kit.ledger import Ledger
from escalation_kit.ledger.schema import outbox
from escalation_kit.sandbox import Faults, Sandbox
from escalation_kit.sandbox.partner_center import STATE_KEY


def outbox_states(ledger: Ledger) -> list[str]:
    with ledger.reading() as conn:
        return [row.state for row in conn.execute(select(outbox.c.state))]


def test_nothing_is_sent_without_confirmation(
    sqlite_ledger: Ledger, sandbox: Sandbox, pc_client: PartnerCenterClient, cluster_case
) -> None:  # type: ignore[no-untyped-def]
    eid, sr_id = filed(sqlite_ledger, sandbox, cluster_case)
    entry = queue_write(sqlite_ledger, eid, "Two more tenants affected")
    assert queue_write(sqlite_ledger, eid, "Two more tenants affected") == entry  # not twice
    report = flush_outbox(sqlite_ledger, pc_client, confirm=False)
    assert report.pending == [entry.request_id] and report.applied == []
    assert notes_at_microsoft(sandbox, sr_id) == []
    with pytest.raises(InputError, match="needs an explicit confirm=True"):
        close_escalation(sqlite_ledger, pc_client, eid, "done", confirm=False)
    assert [r.method for r in sandbox.requests if r.method == "PATCH"] == []
    flush_outbox(sqlite_ledger, pc_client, confirm=True, sync=sync_request)
    assert notes_at_microsoft(sandbox, sr_id) == ["Two more tenants affected"]
    assert outbox_states(sqlite_ledger) == ["applied"]


def test_note_is_refused_before_filing(sqlite_ledger: Ledger, cluster_case) -> None:  # type: ignore[no-untyped-def]
    decisions, tickets = cluster_case
    package = draft_escalations(sqlite_ledger, decisions, tickets, contact=CONTACT)[0].package
    with pytest.raises(InvalidTransition, match="not linked to a Partner Center request"):
        queue_write(sqlite_ledger, package.package_id, "hello")


def test_timed_out_patch_retried_with_same_request_id_applies_once(
    ledger: Ledger, sandbox: Sandbox, cluster_case
) -> None:  # type: ignore[no-untyped-def]
    eid, sr_id = filed(ledger, sandbox, cluster_case)
    queue_write(ledger, eid, "Message traces attached")
    # The first PATCH is held 1.5 s (and applied after the client gave up on it).
    sandbox.set_faults(
        Faults(slow_ms=1500, slow_rate=1.0, first_n=1, paths=rf"/v1/servicerequests/{sr_id}$")
    )
    with httpx.Client(timeout=0.4) as http:
        client = PartnerCenterClient(
            sandbox.base_url, StaticTokenProvider(), client=http, policy=FAST
        )
        report = flush_outbox(ledger, client, confirm=True, sync=sync_request)
    assert len(report.applied) == 1
    wait_for(
        lambda: len([r for r in sandbox.requests if r.method == "PATCH"]) == 2,
        "both PATCH attempts to reach the emulator",
        timeout=10,
    )
    patches = [r for r in sandbox.requests if r.method == "PATCH"]
    assert {r.status for r in patches} == {200}
    assert notes_at_microsoft(sandbox, sr_id) == ["Message traces attached"]
    assert sandbox.state.extra[STATE_KEY].patches_applied == 1


def test_patch_applied_after_client_gave_up_is_not_repeated_on_restart(
    sqlite_ledger: Ledger, sandbox: Sandbox, cluster_case
) -> None:  # type: ignore[no-untyped-def]
    eid, sr_id = filed(sqlite_ledger, sandbox, cluster_case)
    entry = queue_write(sqlite_ledger, eid, "Closing: fixed by Microsoft", kind="close")
    sandbox.set_faults(Faults(slow_ms=800, slow_rate=1.0, first_n=1, paths=r"/v1/servicerequests/"))
    impatient = RetryPolicy(max_retries=0)
    with httpx.Client(timeout=0.2) as http:
        client = PartnerCenterClient(
            sandbox.base_url, StaticTokenProvider(), client=http, policy=impatient
        )
        report = flush_outbox(sqlite_ledger, client, confirm=True, sync=sync_request)
    assert report.pending == [entry.request_id] and "timed out" in report.errors[0]
    assert outbox_states(sqlite_ledger) == ["pending"]
    wait_for(  # Microsoft applied it
        lambda: sandbox.state.extra[STATE_KEY].patches_applied == 1,
        "the emulator to apply the PATCH",
        timeout=10,
    )
    with httpx.Client(timeout=5) as http:
        client = PartnerCenterClient(
            sandbox.base_url, StaticTokenProvider(), client=http, policy=FAST
        )
        report = flush_outbox(sqlite_ledger, client, confirm=True, sync=sync_request)
    assert report.applied == [entry.request_id]
    patches = [r for r in sandbox.requests if r.method == "PATCH"]
    assert len(patches) == 2  # re-sent with the same MS-RequestId ...
    assert notes_at_microsoft(sandbox, sr_id) == ["Closing: fixed by Microsoft"]  # ... applied once
    assert sandbox.state.extra[STATE_KEY].patches_applied == 1
    actions = [e.action for e in sqlite_ledger.events(entity_id=eid)]
    assert actions.count("write_applied") == 1 and actions[-1] == "status_changed"


def test_permanent_failure_is_marked_failed(
    sqlite_ledger: Ledger, sandbox: Sandbox, pc_client: PartnerCenterClient, cluster_case
) -> None:  # type: ignore[no-untyped-def]
    eid, _sr_id = filed(sqlite_ledger, sandbox, cluster_case)
    queue_write(sqlite_ledger, eid, "hello")
    sandbox.reset()  # Microsoft no longer knows the request: 404
    report = flush_outbox(sqlite_ledger, pc_client, confirm=True)
    assert len(report.failed) == 1 and "HTTP 404" in report.errors[0]
    assert outbox_states(sqlite_ledger) == ["failed"]
