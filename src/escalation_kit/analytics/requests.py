"""Metrics of the requests themselves, from the ledger: how fast Microsoft answers, how much
service health explains, and how old the open requests are.

- :func:`first_response_lag` — per filed request, the time from filing (the request's creation
  date at Microsoft, else when it was linked) to Microsoft's first note; notes the partner sent
  (through the outbox) do not count as a response.
- :func:`known_issue_hit_rate` — the share of triaged tickets a documented issue explains
  (``known_issue``), overall and per service, from the effective decisions (overrides count).
- :func:`request_aging` — open requests (and unfiled drafts) by age bucket and status.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sqlalchemy import select

from escalation_kit.ledger.schema import escalations, outbox, service_requests

if TYPE_CHECKING:
    from escalation_kit.ledger import Ledger

__all__ = [
    "AGE_BUCKETS",
    "first_response_lag",
    "known_issue_hit_rate",
    "request_aging",
    "request_tables",
]

AGE_BUCKETS = ("< 1 day", "1-3 days", "3-7 days", "7-14 days", "> 14 days")
_AGE_EDGES_DAYS = (1, 3, 7, 14)
LAG_COLUMNS = [
    "escalation_id",
    "tracking_tag",
    "service_request_id",
    "category",
    "severity",
    "filed_at",
    "first_response_at",
    "lag_hours",
]


def _utc(value: Any) -> Any:
    """A UTC Timestamp, or NaT for nothing (and Partner Center's 0001-01-01 "not set")."""
    if value in (None, "") or (isinstance(value, str) and value.startswith("0001-01-01")):
        return pd.NaT
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def first_response_lag(ledger: Ledger) -> pd.DataFrame:
    """One row per filed request: filing time, Microsoft's first note, the lag in hours
    (``NaN`` while Microsoft has not answered). Columns: :data:`LAG_COLUMNS`."""
    query = select(
        escalations.c.escalation_id,
        escalations.c.tracking_tag,
        escalations.c.category,
        escalations.c.severity,
        escalations.c.filed_at,
        service_requests.c.service_request_id,
        service_requests.c.created_date,
        service_requests.c.notes,
    ).join(service_requests, service_requests.c.escalation_id == escalations.c.escalation_id)
    with ledger.reading("read filed requests") as conn:
        rows = conn.execute(query).all()
        ours = {
            str((r.body or {}).get("NewNote", {}).get("Text") or "")
            for r in conn.execute(select(outbox.c.body))
        }
    records = []
    for row in rows:
        filed = _utc(row.created_date)
        filed = _utc(row.filed_at) if pd.isna(filed) else filed
        answers = [
            _utc(note.get("createdDate"))
            for note in (row.notes or [])
            if str(note.get("text") or "") not in ours
        ]
        answers = [a for a in answers if not pd.isna(a) and (pd.isna(filed) or a >= filed)]
        first = min(answers) if answers else pd.NaT
        lag = np.nan
        if answers and not pd.isna(filed):
            lag = (first - filed).total_seconds() / 3600
        records.append(
            {
                "escalation_id": row.escalation_id,
                "tracking_tag": row.tracking_tag,
                "service_request_id": row.service_request_id,
                "category": row.category,
                "severity": row.severity,
                "filed_at": filed,
                "first_response_at": first,
                "lag_hours": lag,
            }
        )
    frame = pd.DataFrame(records, columns=LAG_COLUMNS)
    return frame.sort_values(["filed_at", "escalation_id"], kind="stable").reset_index(drop=True)


def first_response_summary(lags: pd.DataFrame) -> pd.DataFrame:
    """Per severity: requests filed, answered, waiting, median and 90th percentile lag (h)."""
    rows = []
    for severity, group in lags.groupby("severity", sort=True):
        answered = group["lag_hours"].dropna()
        rows.append(
            {
                "severity": severity,
                "filed": len(group),
                "answered": len(answered),
                "waiting": len(group) - len(answered),
                "median_hours": float(answered.median()) if len(answered) else np.nan,
                "p90_hours": float(answered.quantile(0.9)) if len(answered) else np.nan,
            }
        )
    columns = ["severity", "filed", "answered", "waiting", "median_hours", "p90_hours"]
    return pd.DataFrame(rows, columns=columns)


def known_issue_hit_rate(decisions: pd.DataFrame | Ledger) -> pd.DataFrame:
    """The share of tickets documented issues explain: one row per service plus ``(all)``.

    ``decisions`` is a triage output frame or a ledger (its effective decisions: an analyst's
    override counts). Columns: ``service``, ``tickets``, ``known_issue``, ``hit_rate``.
    """
    frame = decisions if isinstance(decisions, pd.DataFrame) else decisions.decisions()
    columns = ["service", "tickets", "known_issue", "hit_rate"]
    if frame.empty:
        return pd.DataFrame([["(all)", 0, 0, 0.0]], columns=columns)
    known = frame["category"].astype(str).eq("known_issue")
    service = frame["service"].astype(str).replace("", "(not stated)")
    per = (
        pd.DataFrame({"service": service, "known": known})
        .groupby("service", sort=True)["known"]
        .agg(["size", "sum"])
        .reset_index()
    )
    per.columns = ["service", "tickets", "known_issue"]
    total = pd.DataFrame(
        [["(all)", len(frame), int(known.sum())]], columns=["service", "tickets", "known_issue"]
    )
    table = pd.concat([total, per], ignore_index=True)
    table["known_issue"] = table["known_issue"].astype("int64")
    table["hit_rate"] = table["known_issue"] / table["tickets"]
    return table[columns]


def request_aging(ledger: Ledger, *, now: datetime | None = None) -> pd.DataFrame:
    """Open requests by age: one row per status (``draft`` = prepared, not filed) with the
    count in each of :data:`AGE_BUCKETS` and the oldest age in days."""
    when = _utc(now) if now is not None else pd.Timestamp.now(tz="UTC")
    query = select(escalations.c.status, escalations.c.created_at, escalations.c.filed_at).where(
        escalations.c.status.in_(["draft", "open", "attention_needed"])
    )
    with ledger.reading("read open requests") as conn:
        rows = conn.execute(query).all()
    columns = ["status", *AGE_BUCKETS, "total", "oldest_days"]
    records = []
    for status in ("draft", "open", "attention_needed"):
        ages = [
            (when - (_utc(r.filed_at) if r.filed_at else _utc(r.created_at))).total_seconds()
            / 86400
            for r in rows
            if r.status == status
        ]
        buckets = np.digitize(ages, _AGE_EDGES_DAYS) if ages else np.array([], dtype=int)
        counts = [int((buckets == i).sum()) for i in range(len(AGE_BUCKETS))]
        records.append([status, *counts, len(ages), round(max(ages), 1) if ages else np.nan])
    return pd.DataFrame(records, columns=columns)


def request_tables(ledger: Ledger, *, now: datetime | None = None) -> dict[str, pd.DataFrame]:
    """The request metrics as report tables, by name."""
    lags = first_response_lag(ledger)
    return {
        "first_response": first_response_summary(lags),
        "request_aging": request_aging(ledger, now=now),
        "known_issue_hit_rate": known_issue_hit_rate(ledger),
    }
