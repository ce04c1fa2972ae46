"""The Ledger's plumbing: opening, URLs, transactions, errors and the event log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, insert, select, text

from ek_fixtures.db import TEST_ACTOR
from escalation_kit.errors import LedgerError
from escalation_kit.ledger import Ledger
from escalation_kit.ledger._engine import normalize_url
from escalation_kit.ledger.schema import events, metadata, tickets


def test_event_is_appended_inside_the_transaction(ledger: Ledger) -> None:
    with ledger.transaction() as conn:
        event_id = ledger.append_event(
            conn, entity="ticket", entity_id="T1", action="noted", detail={"n": 1}
        )
    [event] = ledger.events()
    assert event.id == event_id
    assert (event.entity, event.entity_id, event.action, dict(event.detail)) == (
        "ticket",
        "T1",
        "noted",
        {"n": 1},
    )
    assert event.actor == TEST_ACTOR
    assert event.at.tzinfo is not None and event.at.utcoffset() == timedelta(0)


def test_events_filter_by_entity_id_and_action(ledger: Ledger) -> None:
    with ledger.transaction() as conn:
        for entity, entity_id, action in [
            ("ticket", "T1", "a"),
            ("ticket", "T2", "b"),
            ("escalation", "E1", "a"),
        ]:
            ledger.append_event(
                conn, entity=entity, entity_id=entity_id, action=action, detail={}, actor="bo"
            )
    assert [e.entity_id for e in ledger.events(entity="ticket")] == ["T1", "T2"]
    assert [e.entity_id for e in ledger.events(action="a")] == ["T1", "E1"]
    assert [e.action for e in ledger.events(entity="ticket", entity_id="T2")] == ["b"]
    assert {e.actor for e in ledger.events()} == {"bo"}


def test_exception_inside_transaction_writes_nothing(ledger: Ledger) -> None:
    with pytest.raises(RuntimeError, match="boom"), ledger.transaction() as conn:
        ledger.append_event(conn, entity="ticket", entity_id="T1", action="noted", detail={})
        raise RuntimeError("boom")
    assert ledger.events() == []


def test_database_error_inside_transaction_becomes_ledger_error_and_rolls_back(
    ledger: Ledger,
) -> None:
    row = {
        "ticket_id": "T1",
        "tenant_id": "t",
        "title": "x",
        "reported_at": datetime(2026, 1, 1, tzinfo=UTC),
        "imported_at": datetime.now(UTC),
    }
    with pytest.raises(LedgerError, match="import tickets: a record conflicts"):  # noqa: SIM117
        with ledger.transaction("import tickets") as conn:
            ledger.append_event(conn, entity="ticket", entity_id="T1", action="noted", detail={})
            conn.execute(insert(tickets), [row])
            conn.execute(insert(tickets), [row])  # same primary key
    assert ledger.events() == []
    assert len(ledger.tickets()) == 0


def test_naive_datetime_is_refused_with_an_actionable_message(ledger: Ledger) -> None:
    naive = {
        "at": datetime(2026, 1, 1, 12, 0),
        "actor": "a",
        "entity": "x",
        "entity_id": "1",
        "action": "y",
        "detail": {},
    }
    with pytest.raises(LedgerError, match="has no time zone"), ledger.transaction() as conn:
        conn.execute(insert(events), [naive])
    assert ledger.events() == []


def test_datetimes_round_trip_as_aware_utc(ledger: Ledger) -> None:
    paris = timezone(timedelta(hours=1))
    local = datetime(2026, 11, 20, 9, 30, 15, 123456, tzinfo=paris)
    with ledger.transaction() as conn:
        conn.execute(
            insert(events).values(
                at=local, actor="a", entity="x", entity_id="1", action="y", detail={}
            )
        )
    [event] = ledger.events()
    assert event.at == local
    assert event.at.tzinfo == UTC
    assert event.at == datetime(2026, 11, 20, 8, 30, 15, 123456, tzinfo=UTC)


def test_opening_twice_keeps_the_data(db_url: str) -> None:
    with Ledger(db_url, actor="a") as first, first.transaction() as conn:
        first.append_event(conn, entity="x", entity_id="1", action="y", detail={})
    with Ledger(db_url, actor="b") as second:
        assert [e.actor for e in second.events()] == ["a"]


def test_default_url_is_the_sqlite_file_under_xdg_data_home(tmp_path: Path) -> None:
    with Ledger(actor="a") as ledger:
        assert ledger.dialect == "sqlite"
        assert ledger.url == f"sqlite:///{tmp_path / 'xdg' / 'escalation-kit' / 'ledger.db'}"
    assert (tmp_path / "xdg" / "escalation-kit" / "ledger.db").is_file()


def test_url_and_actor_come_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ESCALATION_KIT_DB", f"sqlite:///{tmp_path / 'env' / 'env.db'}")
    monkeypatch.setenv("ESCALATION_KIT_ANALYST", "dana")
    with Ledger() as ledger:
        assert ledger.url.endswith("/env/env.db")
        assert ledger.actor == "dana"


def test_sqlite_connections_use_wal_and_foreign_keys(tmp_path: Path) -> None:
    with Ledger(f"sqlite:///{tmp_path / 'l.db'}", actor="a") as ledger, ledger.reading() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


def test_an_engine_can_be_passed_in_and_is_not_disposed(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'e.db'}")
    with Ledger(engine, actor="a") as ledger:
        assert ledger.engine is engine
    with engine.connect() as conn:  # still usable: the ledger did not own it
        names = set(conn.execute(text("select name from sqlite_master")).scalars())
    assert set(metadata.tables) <= names


@pytest.mark.parametrize(
    ("given", "driver"),
    [
        ("postgresql://u@h/db", "postgresql+psycopg"),
        ("postgres://u@h/db", "postgresql+psycopg"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg"),
        ("sqlite:///x.db", "sqlite"),
    ],
)
def test_postgres_urls_use_psycopg_3(given: str, driver: str) -> None:
    assert normalize_url(given).drivername == driver


def test_unsupported_and_invalid_urls_are_refused() -> None:
    with pytest.raises(LedgerError, match="unsupported ledger database 'mysql'"):
        Ledger("mysql://root:hunter2-secret@localhost/db", actor="a")
    with pytest.raises(LedgerError, match="not a valid SQLAlchemy URL") as caught:
        Ledger("not a url with hunter2-secret", actor="a")
    assert "hunter2-secret" not in str(caught.value)


def test_password_never_appears_in_repr_or_errors() -> None:
    secret = "S3cr3t-Pa55word-xyz"
    # Port 1 on loopback: nothing listens, so connecting fails.
    url = f"postgresql://analyst:{secret}@127.0.0.1:1/ledger?connect_timeout=2"
    with pytest.raises(LedgerError) as caught:
        Ledger(url, actor="a")
    message = str(caught.value)
    assert "unreachable" in message and "ESCALATION_KIT_DB" in message
    assert "postgresql+psycopg://analyst:***@127.0.0.1:1/ledger" in message
    assert secret not in message
    assert secret not in repr(caught.value)


def test_repr_masks_the_password(pg_url: str) -> None:
    from sqlalchemy import make_url

    with_password = make_url(pg_url).set(password="Another-S3cret-Value")
    # The test server trusts local connections, so any password is accepted.
    ledger = Ledger(with_password.render_as_string(hide_password=False), actor="a")
    try:
        assert "Another-S3cret-Value" not in repr(ledger)
        assert "Another-S3cret-Value" not in ledger.url
        assert "***" in repr(ledger)
        with ledger.reading() as conn:
            assert conn.execute(select(1)).scalar() == 1
    finally:
        ledger.close()


def test_nested_write_transaction_is_refused_at_once(sqlite_ledger: Ledger) -> None:
    with sqlite_ledger.transaction() as conn:
        sqlite_ledger.append_event(conn, entity="x", entity_id="1", action="outer", detail={})
        with pytest.raises(LedgerError, match="already open in this thread"):  # noqa: SIM117
            with sqlite_ledger.transaction("record the inner thing"):
                pass
    assert [e.action for e in sqlite_ledger.events()] == ["outer"]
    with sqlite_ledger.transaction() as conn:  # the guard is released afterwards
        sqlite_ledger.append_event(conn, entity="x", entity_id="1", action="after", detail={})
    assert len(sqlite_ledger.events()) == 2


def test_a_locked_sqlite_file_gives_an_actionable_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from escalation_kit.ledger import _engine

    monkeypatch.setattr(_engine, "SQLITE_BUSY_TIMEOUT_S", 0.2)
    url = f"sqlite:///{tmp_path / 'locked.db'}"
    with Ledger(url, actor="a") as holder, Ledger(url, actor="b") as waiter:
        locked = pytest.raises(LedgerError, match=r"stayed locked by another writer for 0\.2 s")
        with holder.transaction(), locked as caught, waiter.transaction() as conn:
            waiter.append_event(conn, entity="x", entity_id="1", action="y", detail={})
        assert "try again" in str(caught.value)
        assert waiter.events() == []


def test_event_detail_is_stored_as_plain_json(sqlite_ledger: Ledger) -> None:
    from escalation_kit.models import Category

    when = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    with sqlite_ledger.transaction() as conn:
        sqlite_ledger.append_event(
            conn,
            entity="ticket",
            entity_id="T1",
            action="noted",
            detail={"at": when, "category": Category.BUG, "tenants": {"b", "a"}, "n": 1.5},
        )
    [event] = sqlite_ledger.events()
    assert dict(event.detail) == {
        "at": "2026-11-20T08:00:00+00:00",
        "category": "bug",
        "tenants": ["a", "b"],
        "n": 1.5,
    }


def test_event_detail_that_is_not_json_is_refused(sqlite_ledger: Ledger) -> None:
    with pytest.raises(LedgerError, match="JSON-serializable"), sqlite_ledger.transaction() as c:
        sqlite_ledger.append_event(
            c, entity="ticket", entity_id="T1", action="noted", detail={"x": object()}
        )
    assert sqlite_ledger.events() == []
