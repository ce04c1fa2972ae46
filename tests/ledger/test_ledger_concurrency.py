"""Two writers at once: SQLite writers queue on the lock and nothing is lost or corrupted."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from sqlalchemy import text

from escalation_kit.ledger import Ledger

ROUNDS = 15


def tickets(prefix: str, round_no: int) -> pd.DataFrame:
    ids = [f"{prefix}-{round_no}-{n}" for n in range(20)]
    return pd.DataFrame(
        {
            "ticket_id": ids,
            "tenant_id": "0f1e2d3c-4b5a-4678-9abc-def012345678",
            "title": "mail is slow",
            "reported_at": pd.Timestamp("2026-11-20T10:00:00Z"),
        }
    )


def run_together(*jobs: Callable[[], None]) -> list[BaseException]:
    """Run ``jobs`` in threads started together; returns the errors they raised."""
    errors: list[BaseException] = []
    start = threading.Barrier(len(jobs))

    def wrapped(job: Callable[[], None]) -> None:
        try:
            start.wait()
            job()
        except BaseException as exc:  # collected and asserted on by the test
            errors.append(exc)

    threads = [threading.Thread(target=wrapped, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def import_rounds(ledger: Ledger, prefix: str) -> Callable[[], None]:
    def job() -> None:
        for round_no in range(ROUNDS):
            ledger.upsert_tickets(tickets(prefix, round_no), progress=False)
            with ledger.transaction() as conn:
                ledger.append_event(
                    conn, entity="test", entity_id=prefix, action="round", detail={"n": round_no}
                )

    return job


def assert_complete(ledger: Ledger, prefixes: list[str]) -> None:
    stored = ledger.tickets()
    assert len(stored) == len(prefixes) * ROUNDS * 20
    assert stored["ticket_id"].is_unique
    for prefix in prefixes:
        rounds = [e.detail["n"] for e in ledger.events(entity="test", entity_id=prefix)]
        assert rounds == list(range(ROUNDS))
    assert len(ledger.events(action="tickets_imported")) == len(prefixes) * ROUNDS
    with ledger.reading() as conn:
        assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"


def test_two_ledgers_on_one_sqlite_file_write_concurrently(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    with Ledger(url, actor="a") as first, Ledger(url, actor="b") as second:
        errors = run_together(import_rounds(first, "A"), import_rounds(second, "B"))
        assert errors == []
        assert_complete(first, ["A", "B"])


def test_one_ledger_shared_by_two_threads(tmp_path: Path) -> None:
    with Ledger(f"sqlite:///{tmp_path / 'threads.db'}", actor="a") as ledger:
        errors = run_together(import_rounds(ledger, "A"), import_rounds(ledger, "B"))
        assert errors == []
        assert_complete(ledger, ["A", "B"])


def test_pg_url_is_an_empty_schema_of_its_own(pg_url: str) -> None:
    with Ledger(pg_url, actor="a") as ledger, ledger.reading() as conn:
        schema = conn.execute(text("select current_schema()")).scalar()
        assert schema is not None and schema.startswith("ek_")
        assert f"search_path%3D{schema}" in pg_url or f"search_path={schema}" in pg_url
        tables = conn.execute(
            text("select count(*) from information_schema.tables where table_schema = :s"),
            {"s": schema},
        ).scalar()
        assert tables == len(ledger.engine.dialect.get_table_names(conn)) > 0
