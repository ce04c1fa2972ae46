"""The Ledger's plumbing: opening, transactions, the event log, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from ek_fixtures.db import TEST_ACTOR
from escalation_kit.ledger import Ledger


def test_event_is_appended_inside_the_transaction(ledger: Ledger) -> None:
    with ledger.transaction() as conn:
        event_id = ledger.append_event(
            conn, entity="ticket", entity_id="T1", action="noted", detail={"n": 1}
        )
    [event] = ledger.events()
    assert event.id == event_id
    assert (event.entity, event.entity_id, event.action, event.detail) == (
        "ticket",
        "T1",
        "noted",
        {"n": 1},
    )
    assert event.actor == TEST_ACTOR
    assert event.at.tzinfo is not None and event.at.utcoffset().total_seconds() == 0


def test_exception_inside_transaction_writes_nothing(ledger: Ledger) -> None:
    with pytest.raises(RuntimeError, match="boom"), ledger.transaction() as conn:
        ledger.append_event(conn, entity="ticket", entity_id="T1", action="noted", detail={})
        raise RuntimeError("boom")
    assert ledger.events() == []
