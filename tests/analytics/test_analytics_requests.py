"""Request metrics on hand-made ledger rows: Microsoft's first-response lag, known-issue hit
rate, request aging, and their tables in the HTML report."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from escalation_kit.analytics import (
    build_report,
    first_response_lag,
    known_issue_hit_rate,
    request_aging,
)
from escalation_kit.ledger import Ledger
from escalation_kit.ledger import escalations as sql
from escalation_kit.ledger.schema import outbox, service_requests

TENANT = "5b1c9a3e-7d2f-4c61-9a8e-000000000001"


def at(day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def escalation(eid: str, status: str, severity: str, created: datetime, **extra: object) -> None:
    values: dict[str, object] = {
        "escalation_id": eid,
        "content_key": f"key-{eid}",
        "tracking_tag": f"EK-{eid[-5:]}",
        "category": "service_unavailable",
        "severity": severity,
        "status": status,
        "title": eid,
        "service": "Exchange Online",
        "region": "Europe",
        "tenant_id": TENANT,
        "country": "DE",
        "cluster_id": "",
        "package": {},
        "created_at": created,
        "updated_at": created,
    }
    values.update(extra)
    return values  # type: ignore[return-value]


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    book = Ledger(f"sqlite:///{tmp_path / 'ledger.db'}", actor="test")
    with book.transaction() as conn:
        sql.insert_escalation(
            conn,
            escalation(  # type: ignore[arg-type]
                "ESC-AAAAA",
                "open",
                "critical",
                at(20, 8),
                filed_at=at(20, 9, 30),
                service_request_id="6180001",
            ),
        )
        sql.insert_escalation(
            conn,
            escalation(  # type: ignore[arg-type]
                "ESC-BBBBB",
                "attention_needed",
                "moderate",
                at(20, 9),
                filed_at=at(20, 10),
                service_request_id="6180002",
            ),
        )
        sql.insert_escalation(conn, escalation("ESC-CCCCC", "draft", "minimal", at(10)))  # type: ignore[arg-type]
        conn.execute(
            service_requests.insert(),
            [
                {
                    "service_request_id": "6180001",
                    "escalation_id": "ESC-AAAAA",
                    "tenant_id": TENANT,
                    "status": "open",
                    "created_date": at(20, 9),  # filed at Microsoft at 09:00
                    "notes": [
                        {
                            "createdByName": "Ana",
                            "createdDate": "2026-11-20T09:30:00Z",
                            "text": "More logs attached.",
                        },
                        {
                            "createdByName": "Microsoft",
                            "createdDate": "2026-11-20T11:00:00Z",
                            "text": "We are looking into it.",
                        },
                    ],
                    "synced_at": at(21),
                },
                {
                    "service_request_id": "6180002",
                    "escalation_id": "ESC-BBBBB",
                    "tenant_id": TENANT,
                    "status": "attention_needed",
                    "created_date": None,  # unknown: the link time counts as filing
                    "notes": [],
                    "synced_at": at(21),
                },
            ],
        )
        conn.execute(
            outbox.insert().values(
                request_id="r1",
                service_request_id="6180001",
                escalation_id="ESC-AAAAA",
                kind="note",
                body={"NewNote": {"Text": "More logs attached."}},
                state="applied",
                created_at=at(20, 9, 30),
                created_by="ana",
            )
        )
    return book


def test_first_response_lag_counts_only_microsofts_notes(ledger: Ledger) -> None:
    lags = first_response_lag(ledger).set_index("escalation_id")
    assert lags.loc["ESC-AAAAA", "lag_hours"] == pytest.approx(2.0)  # 09:00 → 11:00, not 09:30
    assert lags.loc["ESC-AAAAA", "filed_at"] == pd.Timestamp("2026-11-20T09:00Z")
    assert pd.isna(lags.loc["ESC-BBBBB", "lag_hours"])  # still waiting
    assert lags.loc["ESC-BBBBB", "filed_at"] == pd.Timestamp("2026-11-20T10:00Z")
    assert "ESC-CCCCC" not in lags.index  # never filed


def test_request_aging_buckets_open_requests_and_drafts(ledger: Ledger) -> None:
    aging = request_aging(ledger, now=at(21, 9, 45)).set_index("status")
    assert aging.loc["open", "1-3 days"] == 1 and aging.loc["open", "total"] == 1
    assert aging.loc["attention_needed", "< 1 day"] == 1
    assert aging.loc["draft", "7-14 days"] == 1 and aging.loc["draft", "oldest_days"] == 11.4


def test_known_issue_hit_rate_overall_and_per_service() -> None:
    decisions = pd.DataFrame(
        {
            "category": ["known_issue", "bug", "known_issue", "self_service"],
            "service": ["Exchange Online", "Exchange Online", "Microsoft Teams", ""],
        }
    )
    rate = known_issue_hit_rate(decisions).set_index("service")
    assert rate.loc["(all)", "hit_rate"] == 0.5
    assert rate.loc["Exchange Online", "hit_rate"] == 0.5
    assert rate.loc["Microsoft Teams", "hit_rate"] == 1.0
    assert rate.loc["(not stated)", "known_issue"] == 0


def test_the_html_report_shows_the_request_metrics(ledger: Ledger) -> None:
    report = build_report(ledger)
    assert "Microsoft&#x27;s first response after filing" in report.html
    assert "Open requests by age" in report.html
    assert "Known-issue hit rate" in report.html
    assert report.tables["first_response"]["answered"].tolist() == [1, 0]
