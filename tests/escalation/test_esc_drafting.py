"""Drafting: one request per problem, idempotent reruns, linking, on both ledger backends."""

from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from esc_helpers import CLUSTER, CONTACT, T1, T2, T3, T4, make_decision, make_ticket
from sqlalchemy import func, select

from escalation_kit.errors import DuplicateEscalation, InputError, InvalidTransition
from escalation_kit.escalation.drafting import draft_escalations, save_package_edit
from escalation_kit.escalation.packages import edit_package
from escalation_kit.ledger import Ledger
from escalation_kit.ledger.schema import escalation_links, escalations, outbox
from escalation_kit.models import Category, Ticket, TriageDecision


def count(ledger: Ledger, table) -> int:  # type: ignore[no-untyped-def]
    with ledger.reading() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def snapshot(outcomes) -> list[tuple]:  # type: ignore[no-untyped-def]
    return sorted(
        (o.package.package_id, o.package.tracking_tag, o.package.ticket_ids, o.package.title)
        for o in outcomes
    )


def test_rerun_creates_nothing_new(
    ledger: Ledger, cluster_case: tuple[list[TriageDecision], dict[str, Ticket]]
) -> None:
    decisions, tickets = cluster_case
    first = draft_escalations(ledger, decisions, tickets, contact=CONTACT)
    events = len(ledger.events())
    second = draft_escalations(ledger, decisions, tickets, contact=CONTACT)
    assert snapshot(first) == snapshot(second)
    assert [o.created for o in first] == [True, True]
    assert [o.created for o in second] == [False, False]
    assert all(o.newly_linked == () for o in second)
    assert count(ledger, escalations) == 2
    assert count(ledger, escalation_links) == 4  # the self-service ticket is not escalated
    assert len(ledger.events()) == events
    cluster = next(o.package for o in first if o.package.cluster_id)
    assert cluster.ticket_ids == ("T-1", "T-2", "T-3") and cluster.tenant_ids == (T1, T2, T3)


def test_cluster_is_one_package_in_any_order(
    sqlite_ledger: Ledger, cluster_case: tuple[list[TriageDecision], dict[str, Ticket]]
) -> None:
    decisions, tickets = cluster_case
    reference = snapshot(draft_escalations(sqlite_ledger, decisions, tickets, contact=CONTACT))
    for seed in range(3):
        shuffled = decisions[:]
        random.Random(seed).shuffle(shuffled)
        fresh = Ledger(f"sqlite:///{sqlite_ledger.engine.url.database}-{seed}.db")
        try:
            assert (
                snapshot(draft_escalations(fresh, shuffled, tickets, contact=CONTACT)) == reference
            )
        finally:
            fresh.close()


def test_lone_ticket_links_to_open_escalation(sqlite_ledger: Ledger) -> None:
    tickets = {
        "A": make_ticket("A", T1, 9),
        "B": make_ticket("B", T1, 15),  # same tenant, service and symptom, hours later
        "C": make_ticket("C", T2, 10),  # other tenant, outside a cluster: never mixed in
        "D": make_ticket("D", T3, 20),  # other tenant, 11 h later: its own problem
    }
    decisions = [make_decision(t, Category.SERVICE_UNAVAILABLE) for t in tickets]
    outcomes = draft_escalations(sqlite_ledger, decisions, tickets, contact=CONTACT)
    assert sorted(o.package.ticket_ids for o in outcomes) == [("A", "B"), ("C",), ("D",)]
    (joined,) = sqlite_ledger.events(action="tickets_linked")
    assert joined.detail["ticket_ids"] == ["B"]
    assert joined.detail["reason"].startswith(f"same tenant {T1}, service Exchange Online")
    assert "symptom (mail_delivery)" in joined.detail["reason"]
    with pytest.raises(DuplicateEscalation, match="already covered by ESC-"):
        more = {"E": make_ticket("E", T1, 16)}
        draft_escalations(
            sqlite_ledger,
            [make_decision("E", Category.SERVICE_UNAVAILABLE)],
            more,
            contact=CONTACT,
            on_duplicate="raise",
        )


def test_new_tenant_joining_filed_cluster_proposes_a_note(
    sqlite_ledger: Ledger, cluster_case: tuple[list[TriageDecision], dict[str, Ticket]]
) -> None:
    decisions, tickets = cluster_case
    (cluster,) = [
        o
        for o in draft_escalations(sqlite_ledger, decisions, tickets, contact=CONTACT)
        if o.package.cluster_id
    ]
    with sqlite_ledger.transaction() as conn:
        conn.execute(
            escalations.update()
            .where(escalations.c.escalation_id == cluster.package.package_id)
            .values(status="open", service_request_id="618031500000001")
        )
    late = {**tickets, "T-9": make_ticket("T-9", T4, 12)}
    joined = draft_escalations(
        sqlite_ledger,
        [*decisions, make_decision("T-9", Category.REGIONAL_MULTI_TENANT, cluster_id=CLUSTER)],
        late,
        contact=CONTACT,
    )
    grown = next(o for o in joined if o.package.package_id == cluster.package.package_id)
    assert grown.newly_linked == ("T-9",) and T4 in grown.package.tenant_ids
    with sqlite_ledger.reading() as conn:
        (entry,) = conn.execute(select(outbox)).all()
    assert entry.state == "proposed"  # nothing goes to Microsoft without the analyst
    assert T4 in entry.body["NewNote"]["Text"]
    actions = [e.action for e in sqlite_ledger.events(entity_id=cluster.package.package_id)]
    assert actions == ["drafted", "tickets_linked", "write_proposed"]


def test_missing_ticket_is_a_clear_error(sqlite_ledger: Ledger) -> None:
    with pytest.raises(InputError, match="'X' is in the triage output"):
        draft_escalations(sqlite_ledger, [make_decision("X", Category.BUG)], {}, contact=CONTACT)


def test_package_edit_is_recorded_only_for_drafts(
    sqlite_ledger: Ledger, cluster_case: tuple[list[TriageDecision], dict[str, Ticket]]
) -> None:
    decisions, tickets = cluster_case
    package = draft_escalations(sqlite_ledger, decisions, tickets, contact=CONTACT)[0].package
    recorded = save_package_edit(
        sqlite_ledger, edit_package(package, product="Exchange Online Protection")
    )
    assert recorded.product == "Exchange Online Protection"
    assert save_package_edit(sqlite_ledger, recorded) == recorded  # no change, no event
    assert [e.action for e in sqlite_ledger.events(entity_id=package.package_id)] == [
        "drafted",
        "package_edited",
    ]
    rerun = draft_escalations(sqlite_ledger, decisions, tickets, contact=CONTACT)[0].package
    assert rerun.product == "Exchange Online Protection"  # a rerun keeps the analyst's edit
    with sqlite_ledger.transaction() as conn:
        conn.execute(escalations.update().values(status="open"))
    with pytest.raises(InvalidTransition, match="only a draft can be edited"):
        save_package_edit(sqlite_ledger, recorded)


def test_concurrent_runs_converge_on_one_draft_per_problem(
    ledger: Ledger, cluster_case: tuple[list[TriageDecision], dict[str, Ticket]]
) -> None:
    decisions, tickets = cluster_case
    barrier = threading.Barrier(4)

    def run() -> list[tuple]:  # type: ignore[type-arg]
        barrier.wait()
        return snapshot(draft_escalations(ledger, decisions, tickets, contact=CONTACT))

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _i: run(), range(4)))
    assert all(result == results[0] for result in results)
    assert count(ledger, escalations) == 2 and count(ledger, escalation_links) == 4
    assert [e.action for e in ledger.events()].count("drafted") == 2
