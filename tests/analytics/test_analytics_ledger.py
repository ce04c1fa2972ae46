"""History in the ledger: import/export round trips, idempotence, and SQL aggregation that equals
the pandas metrics, on SQLite and on a real PostgreSQL (the ``ledger`` fixture runs both)."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest
from analytics_data import HAND_ROWS, history, text_frame
from sqlalchemy import insert, select

from escalation_kit.analytics.metrics import top_services, volume
from escalation_kit.analytics.synthetic import synthetic_history
from escalation_kit.errors import InputError
from escalation_kit.ledger import Ledger
from escalation_kit.ledger.history import (
    aggregate_services,
    aggregate_volume,
    export_history,
    history_tag,
    import_history,
    linked_escalations,
)
from escalation_kit.ledger.schema import escalation_links, escalations

SYNTHETIC = synthetic_history(1_500, seed=5, days=200, start="2026-01-05T00:00:00Z")


def test_import_is_idempotent_and_export_round_trips(ledger: Ledger) -> None:
    first = import_history(ledger, SYNTHETIC, source="synthetic.csv")
    again = import_history(ledger, SYNTHETIC, source="synthetic.csv")
    assert (first.inserted, first.skipped) == (1_500, 0)
    assert (again.inserted, again.skipped) == (0, 1_500)
    exported = export_history(ledger).sort_values("escalation_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(exported, SYNTHETIC)
    events = ledger.events(entity="history", action="history_imported")
    assert [e.detail["inserted"] for e in events] == [1_500, 0]
    assert events[0].detail["source"] == "synthetic.csv"
    with ledger.reading() as conn:
        row = conn.execute(
            select(
                escalations.c.content_key, escalations.c.tracking_tag, escalations.c.title
            ).where(escalations.c.escalation_id == "ESC-0000001")
        ).one()
    assert tuple(row) == ("history:ESC-0000001", "H-ESC-0000001", "")


@pytest.mark.parametrize("freq", ["D", "W", "M"])
def test_sql_volume_equals_pandas_volume(ledger: Ledger, freq: str) -> None:
    import_history(ledger, SYNTHETIC)
    for by in (("category", "region"), ("service",), ("severity", "status")):
        pd.testing.assert_frame_equal(
            aggregate_volume(ledger, by=by, freq=freq), volume(SYNTHETIC, by=by, freq=freq)
        )
    # metrics choose SQL when handed the ledger itself
    pd.testing.assert_frame_equal(volume(ledger, freq=freq), volume(SYNTHETIC, freq=freq))


def test_sql_services_and_windows(ledger: Ledger) -> None:
    import_history(ledger, history())
    pd.testing.assert_frame_equal(top_services(ledger, n=3), top_services(history(), n=3))
    assert aggregate_services(ledger, since="2026-01-07", until="2026-01-14").values.tolist() == [
        ["Microsoft Teams", 2]
    ]
    window = export_history(ledger, since="2026-01-06", until=datetime(2026, 1, 12, 8, tzinfo=UTC))
    assert window["escalation_id"].tolist() == ["E2", "E3"]  # until is exclusive


def test_drafts_are_not_history(ledger: Ledger) -> None:
    import_history(ledger, history())
    now = datetime(2026, 1, 20, tzinfo=UTC)
    with ledger.transaction() as conn:
        conn.execute(
            insert(escalations).values(
                escalation_id="D1",
                content_key="draft:1",
                tracking_tag="EK-1",
                category="bug",
                severity="moderate",
                status="draft",
                title="x",
                service="Planner",
                region="Europe",
                tenant_id="t9",
                cluster_id="c-1",
                created_at=now,
                updated_at=now,
            )
        )
        conn.execute(
            insert(escalation_links).values(
                escalation_id="D1", ticket_id="T-9", tenant_id="t9", linked_at=now
            )
        )
    assert len(export_history(ledger)) == 6
    assert aggregate_volume(ledger, by=("category",), freq="M")["count"].sum() == 6
    found = linked_escalations(ledger, ticket_ids=["T-9"])
    assert found["escalation_id"].tolist() == ["D1"]
    assert linked_escalations(ledger, cluster_id="c-1")["tracking_tag"].tolist() == ["EK-1"]
    assert linked_escalations(ledger, ticket_ids=["nope"]).empty


def test_import_validates_text_frames_and_refuses_bad_rows(sqlite_ledger: Ledger) -> None:
    rows = text_frame(HAND_ROWS)
    rows.loc[2, "created_at"] = "2026-01-07T00:00:00.250000Z"
    assert import_history(sqlite_ledger, rows).inserted == 6
    exported = export_history(sqlite_ledger)
    assert exported.loc[2, "created_at"] == pd.Timestamp("2026-01-07T00:00:00.25Z")
    bad = text_frame([("N1", *HAND_ROWS[0][1:5], "printer", *HAND_ROWS[0][6:])])
    with pytest.raises(InputError) as info:
        import_history(sqlite_ledger, bad, source="bad.csv")
    assert (info.value.file, info.value.row, info.value.field) == ("bad.csv", 1, "category")
    assert "nothing imported" in str(info.value)
    assert len(export_history(sqlite_ledger)) == 6


def test_long_ids_get_a_short_unique_tag() -> None:
    assert history_tag("E-1") == "H-E-1"
    long_a, long_b = "x" * 40 + "a", "x" * 40 + "b"
    assert len(history_tag(long_a)) <= 32
    assert history_tag(long_a) != history_tag(long_b)
