"""Customers and tickets in the ledger: bulk upserts, reading back, validation, all-or-nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest

from escalation_kit.errors import InputError, LedgerError, MissingColumnsError
from escalation_kit.ledger import ImportCounts, Ledger
from escalation_kit.ledger import records as records_module
from escalation_kit.ledger.schema import tickets as tickets_table

TENANT_A = "0f1e2d3c-4b5a-4678-9abc-def012345678"
TENANT_B = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"


def ticket_frame(count: int = 3, *, start: int = 1) -> pd.DataFrame:
    """Tickets shaped like intake's accepted frame."""
    numbers = range(start, start + count)
    return pd.DataFrame(
        {
            "ticket_id": [f"T{n}" for n in numbers],
            "tenant_id": [TENANT_A if n % 2 else TENANT_B for n in numbers],
            "customer_name": [f"Customer {n}" for n in numbers],
            "country": pd.Series(["DE" if n % 2 else None for n in numbers], dtype="str"),
            "service": "Teams",
            "title": [f"Teams meetings fail ({n})" for n in numbers],
            "description": "",
            "reported_at": pd.to_datetime(
                [f"2026-11-20T{8 + (n * 7) % 10:02d}:15:00+02:00" for n in numbers], utc=True
            ),
            "users_affected": pd.array([n * 10 if n % 3 else None for n in numbers], dtype="Int64"),
            "region": ["Europe" if n % 2 else "Unknown" for n in numbers],
            "normalized_service": "Microsoft Teams",
            "source_row": [n + 1 for n in numbers],
        }
    )


def test_tickets_round_trip_with_types_and_utc(ledger: Ledger) -> None:
    frame = ticket_frame(3)
    assert ledger.upsert_tickets(frame) == ImportCounts(rows=3, inserted=3, updated=0)
    stored = ledger.tickets()
    assert list(stored["ticket_id"]) == ["T3", "T2", "T1"]  # oldest report first
    first = stored.set_index("ticket_id").loc["T1"]
    assert first["reported_at"] == pd.Timestamp("2026-11-20T13:15:00Z")
    assert str(stored["reported_at"].dt.tz) == "UTC"
    assert first["users_affected"] == 10
    assert pd.isna(stored.set_index("ticket_id").loc["T3", "users_affected"])
    assert pd.isna(stored.set_index("ticket_id").loc["T2", "country"])
    assert (first["customer_name"], first["region"], first["normalized_service"]) == (
        "Customer 1",
        "Europe",
        "Microsoft Teams",
    )
    assert stored["imported_at"].notna().all()


def test_reimport_updates_and_counts(ledger: Ledger) -> None:
    ledger.upsert_tickets(ticket_frame(3))
    changed = ticket_frame(4)  # T1..T3 again, plus T4
    changed.loc[0, "title"] = "Teams meetings fail for everyone"
    counts = ledger.upsert_tickets(changed)
    assert counts == ImportCounts(rows=4, inserted=1, updated=3)
    stored = ledger.tickets().set_index("ticket_id")
    assert len(stored) == 4
    assert stored.loc["T1", "title"] == "Teams meetings fail for everyone"


def test_one_event_per_batch_with_counts(ledger: Ledger) -> None:
    ledger.upsert_tickets(ticket_frame(3))
    ledger.upsert_tickets(ticket_frame(2, start=3))
    imported = ledger.events(entity="batch", action="tickets_imported")
    assert [dict(e.detail) for e in imported] == [
        {"rows": 3, "inserted": 3, "updated": 0},
        {"rows": 2, "inserted": 1, "updated": 1},
    ]
    assert len(ledger.events()) == 2  # not one per row


def test_tickets_by_id_in_many_batches(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(records_module, "BATCH_SIZE", 2)
    ledger.upsert_tickets(ticket_frame(7))
    assert len(ledger.tickets()) == 7
    chosen = ledger.tickets(["T5", "T1", "T6", "missing", "T1"])
    assert sorted(chosen["ticket_id"]) == ["T1", "T5", "T6"]
    assert list(chosen["reported_at"]) == sorted(chosen["reported_at"])


def test_empty_reads_have_the_columns_and_dtypes(ledger: Ledger) -> None:
    empty = ledger.tickets()
    assert list(empty.columns) == [c.name for c in tickets_table.columns]
    assert str(empty["reported_at"].dtype) == "datetime64[us, UTC]"
    assert str(empty["users_affected"].dtype) == "Int64"
    assert str(empty["title"].dtype) == "str"
    ledger.upsert_tickets(ticket_frame(2))
    assert ledger.tickets().dtypes.to_dict() == empty.dtypes.to_dict()
    assert list(ledger.customers().columns) == [
        "tenant_id",
        "name",
        "country",
        "region",
        "updated_at",
    ]


def test_failure_half_way_through_a_bulk_import_writes_nothing(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(records_module, "BATCH_SIZE", 2)
    rows = records_module.ticket_rows(ticket_frame(6))
    rows[4]["title"] = None  # the database refuses this row, in the third batch
    with (
        pytest.raises(LedgerError, match="import tickets"),
        ledger.transaction("import tickets") as conn,
    ):
        records_module.upsert_rows(conn, tickets_table, rows, progress=False)
        ledger.append_event(conn, entity="batch", entity_id="b", action="x", detail={})
    assert len(ledger.tickets()) == 0
    assert ledger.events() == []


def test_failing_import_keeps_earlier_data_unchanged(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger.upsert_tickets(ticket_frame(2))
    monkeypatch.setattr(records_module, "BATCH_SIZE", 1)
    calls = 0
    original = records_module.write_batch

    def fail_on_second_batch(*args: object, **kwargs: object) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("disk on fire")
        original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(records_module, "write_batch", fail_on_second_batch)
    changed = ticket_frame(3)
    changed["title"] = "changed"
    with pytest.raises(RuntimeError, match="disk on fire"):
        ledger.upsert_tickets(changed)
    stored = ledger.tickets()
    assert sorted(stored["ticket_id"]) == ["T1", "T2"]
    assert set(stored["title"]) == {"Teams meetings fail (1)", "Teams meetings fail (2)"}
    assert len(ledger.events(action="tickets_imported")) == 1


@pytest.mark.parametrize(
    ("change", "message", "row", "field"),
    [
        (lambda f: f.drop(columns=["title", "reported_at"]), "title, reported_at", None, "title"),
        (lambda f: f.assign(title=["a", " ", "c"]), "title is empty", 3, "title"),
        (
            lambda f: f.assign(ticket_id=["T1", "T2", "T1"]),
            "duplicate ticket_id 'T1'",
            4,
            "ticket_id",
        ),
        (
            lambda f: f.assign(reported_at=["2026-11-20T10:00:00"] * 3),
            "no UTC offset",
            None,
            "reported_at",
        ),
        (lambda f: f.assign(reported_at=["yesterday"] * 3), "not ISO 8601", None, "reported_at"),
    ],
)
def test_bad_ticket_frames_are_refused_with_file_row_and_field(
    sqlite_ledger: Ledger, change, message: str, row: int | None, field: str
) -> None:
    with pytest.raises(InputError, match=message) as caught:
        sqlite_ledger.upsert_tickets(change(ticket_frame(3)))
    assert (caught.value.file, caught.value.row, caught.value.field) == (
        "<tickets frame>",
        row,
        field,
    )
    assert len(sqlite_ledger.tickets()) == 0


def test_missing_columns_error_is_specific(sqlite_ledger: Ledger) -> None:
    with pytest.raises(MissingColumnsError):
        sqlite_ledger.upsert_customers(pd.DataFrame({"name": ["x"]}))


def test_string_timestamps_with_offsets_are_accepted(sqlite_ledger: Ledger) -> None:
    frame = ticket_frame(1).assign(reported_at=["2026-11-20T10:00:00-05:00"])
    sqlite_ledger.upsert_tickets(frame)
    assert sqlite_ledger.tickets()["reported_at"].iloc[0] == pd.Timestamp("2026-11-20T15:00Z")


def test_customers_upsert_and_read(ledger: Ledger) -> None:
    first = pd.DataFrame(
        {
            "tenant_id": [TENANT_A, TENANT_B],
            "name": ["Contoso", None],
            "country": ["DE", None],
            "region": ["Europe", None],
        }
    )
    assert ledger.upsert_customers(first) == ImportCounts(rows=2, inserted=2, updated=0)
    second = pd.DataFrame({"tenant_id": [TENANT_B], "name": ["Fabrikam"]})
    assert ledger.upsert_customers(second) == ImportCounts(rows=1, inserted=0, updated=1)
    stored = ledger.customers()
    assert list(stored["tenant_id"]) == sorted([TENANT_A, TENANT_B])
    by_tenant = stored.set_index("tenant_id")
    assert by_tenant.loc[TENANT_A, ["name", "country", "region"]].tolist() == [
        "Contoso",
        "DE",
        "Europe",
    ]
    assert by_tenant.loc[TENANT_B, "name"] == "Fabrikam"
    assert by_tenant.loc[TENANT_B, "region"] == "Unknown"
    assert by_tenant["updated_at"].dt.tz is not None
    assert [e.action for e in ledger.events()] == ["customers_imported", "customers_imported"]


def test_updated_at_is_now_in_utc(sqlite_ledger: Ledger) -> None:
    before = datetime.now(UTC)
    sqlite_ledger.upsert_customers(pd.DataFrame({"tenant_id": [TENANT_A]}))
    stamp = sqlite_ledger.customers()["updated_at"].iloc[0]
    assert before <= stamp.to_pydatetime() <= datetime.now(UTC)


def test_numeric_ticket_ids_are_stored_as_text(ledger: Ledger) -> None:
    frame = ticket_frame(2).assign(ticket_id=[1001, 1002])
    ledger.upsert_tickets(frame)
    assert sorted(ledger.tickets()["ticket_id"]) == ["1001", "1002"]
    assert list(ledger.tickets(["1002"])["ticket_id"]) == ["1002"]
