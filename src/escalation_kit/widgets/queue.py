"""The triage queue as a frame: one row per ticket, the grid's columns, filters, views, sorting.

Pure pandas (no widgets), so the console's behaviour is tested without a browser. The grid
shows :data:`COLUMNS`; the other columns (description, tenant, times) serve search and detail.
A missing ``needs_review`` column (older triage output) falls back to low confidence.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pandas as pd

__all__ = [
    "COLUMNS",
    "LOW_CONFIDENCE",
    "SEVERITY_RANK",
    "STATUSES",
    "VIEWS",
    "Filters",
    "age_text",
    "filter_queue",
    "grid_rows",
    "queue_frame",
    "sort_queue",
]

COLUMNS: list[tuple[str, str]] = [
    ("ticket_id", "Ticket"),
    ("title", "Title"),
    ("customer", "Customer"),
    ("service", "Service"),
    ("region", "Region"),
    ("category", "Category"),
    ("confidence_text", "Confidence"),
    ("severity", "Severity"),
    ("age", "Reported"),
    ("status", "Status"),
    ("analyst", "Analyst"),
]
STATUSES = ["new", "reviewed", "escalated", "linked", "closed"]
VIEWS = ["all tickets", "needs review", "to escalate", "my reviewed today"]
SEVERITY_RANK = {"critical": 3, "moderate": 2, "minimal": 1}
LOW_CONFIDENCE = 0.6
# the column a grid header sorts by, when it is not the shown text
SORT_KEYS = {
    "confidence_text": "confidence",
    "severity": "severity_rank",
    "age": "reported_at",
    "status": "status_rank",
}
_STATUS_RANK = {status: rank for rank, status in enumerate(STATUSES)}


@dataclass
class Filters:
    """Every filter at once; an empty value does not filter."""

    view: str = "all tickets"
    category: str = ""
    service: str = ""
    region: str = ""
    severity: str = ""
    status: str = ""
    search: str = ""
    analyst: str = ""  # "my reviewed today" is this analyst's
    extra: dict[str, str] = field(default_factory=dict)


def _flag(frame: pd.DataFrame, column: str) -> pd.Series:
    """A boolean column that may be missing or hold text ("true"/"false")."""
    if column not in frame.columns:
        return pd.Series(False, index=frame.index)
    values = frame[column]
    if values.dtype == bool:
        return values
    text = values.astype(str).str.strip().str.lower()
    return text.isin(["true", "1", "yes"])


def queue_frame(
    decisions: pd.DataFrame,
    tickets: pd.DataFrame | None = None,
    *,
    reviews: pd.DataFrame | None = None,
    escalation_status: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> pd.DataFrame:
    """One row per decision, newest report first, with the grid's columns and the hidden ones.

    ``reviews`` is :func:`~escalation_kit.ledger.reviews.review_states`; ``escalation_status``
    maps a ticket id to ``escalated`` / ``linked`` / ``closed`` (its escalation's state).
    """
    now = now or datetime.now(UTC)
    frame = decisions.copy().reset_index(drop=True)
    frame["ticket_id"] = frame["ticket_id"].astype(str)
    if tickets is not None and len(tickets):
        source = tickets.drop_duplicates("ticket_id").set_index(tickets["ticket_id"].astype(str))
        for column in ("title", "description", "customer_name", "tenant_id", "users_affected"):
            if column in source.columns:
                frame[column] = source[column].reindex(frame["ticket_id"]).to_numpy()
        if "reported_at" in source.columns:
            reported = pd.to_datetime(source["reported_at"], utc=True)
            frame["reported_at"] = reported.reindex(frame["ticket_id"]).to_numpy()
    for column in ("title", "description", "customer_name", "tenant_id"):
        if column not in frame.columns:
            frame[column] = ""
        frame[column] = frame[column].fillna("").astype(str)
    if "reported_at" not in frame.columns:
        frame["reported_at"] = pd.NaT
    frame["reported_at"] = pd.to_datetime(frame["reported_at"], utc=True)
    if "users_affected" not in frame.columns:
        frame["users_affected"] = pd.NA
    frame["customer"] = frame["customer_name"]
    for column in ("category", "service", "region", "severity", "cluster_id", "reasons"):
        if column not in frame.columns:
            frame[column] = ""
        frame[column] = frame[column].fillna("").astype(str)
    frame["escalate"] = _flag(frame, "escalate")
    confidence = pd.to_numeric(
        frame["confidence"]
        if "confidence" in frame.columns
        else pd.Series(pd.NA, index=frame.index),
        errors="coerce",
    )
    frame["confidence"] = confidence
    if "needs_review" in frame.columns:
        frame["needs_review"] = _flag(frame, "needs_review")
    else:
        frame["needs_review"] = (confidence < LOW_CONFIDENCE).fillna(False).astype(bool)
    frame["confidence_text"] = [
        "needs review" if flag else ("" if pd.isna(c) else f"{c:.2f}")
        for flag, c in zip(frame["needs_review"], confidence, strict=True)
    ]
    frame["severity_rank"] = frame["severity"].map(SEVERITY_RANK).fillna(0).astype(int)
    frame["review"], frame["analyst"] = "", ""
    frame["reviewed_at"] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns, UTC]")
    if reviews is not None and len(reviews):
        by_ticket = reviews.drop_duplicates("ticket_id", keep="last").set_index("ticket_id")
        ids = frame["ticket_id"]
        frame["review"] = by_ticket["review"].reindex(ids).fillna("").to_numpy()
        frame["analyst"] = by_ticket["reviewed_by"].reindex(ids).fillna("").to_numpy()
        reviewed_at = pd.to_datetime(by_ticket["reviewed_at"], utc=True).reindex(ids)
        frame["reviewed_at"] = reviewed_at.to_numpy()
    states = escalation_status or {}
    frame["status"] = [
        states.get(ticket_id) or ("reviewed" if review else "new")
        for ticket_id, review in zip(frame["ticket_id"], frame["review"], strict=True)
    ]
    frame["status_rank"] = frame["status"].map(_STATUS_RANK).fillna(0).astype(int)
    frame["age"] = [age_text(when, now) for when in frame["reported_at"]]
    return sort_queue(frame, "age", descending=True)


def age_text(when: object, now: datetime) -> str:
    """How long ago, compactly: ``45m``, ``5h``, ``3d``, ``7w`` (empty when unknown)."""
    if when is None or pd.isna(when):  # type: ignore[call-overload]
        return ""
    seconds = max((now - pd.Timestamp(when).to_pydatetime()).total_seconds(), 0)  # type: ignore[arg-type]
    for unit, size in (("w", 7 * 86400), ("d", 86400), ("h", 3600)):
        if seconds >= size * (2 if unit != "h" else 1):
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds // 60)}m"


def sort_queue(frame: pd.DataFrame, column: str, *, descending: bool = False) -> pd.DataFrame:
    """Sorted by a grid column (severity by rank, age by time), ties by newest then ticket."""
    key = SORT_KEYS.get(column, column)
    if key not in frame.columns:
        return frame
    ordered = frame.sort_values("ticket_id", kind="stable")
    ordered = ordered.sort_values("reported_at", ascending=False, kind="stable", na_position="last")
    values = ordered[key]
    if values.dtype == object or str(values.dtype) in ("string", "str"):
        values = values.astype(str).str.lower()
    order = values.sort_values(ascending=not descending, kind="stable", na_position="last")
    return ordered.loc[order.index].reset_index(drop=True)


def filter_queue(
    frame: pd.DataFrame, filters: Filters, *, now: datetime | None = None
) -> pd.DataFrame:
    """The rows every filter keeps (the search looks in title, description, customer and id)."""
    keep = pd.Series(True, index=frame.index)
    for column in ("category", "service", "region", "severity", "status"):
        wanted = getattr(filters, column)
        if wanted:
            keep &= frame[column] == wanted
    words = filters.search.strip().lower()
    if words:
        text = (
            frame["title"] + " " + frame["description"] + " " + frame["customer"] + " "
        ) + frame["ticket_id"]
        keep &= text.str.lower().str.contains(words, regex=False)
    if filters.view == "needs review":
        keep &= frame["needs_review"] & (frame["status"] == "new")
    elif filters.view == "to escalate":
        keep &= frame["escalate"] & frame["status"].isin(["new", "reviewed"])
    elif filters.view == "my reviewed today":
        today = (now or datetime.now(UTC)).astimezone().date()
        local = frame["reviewed_at"].map(
            lambda t: t.to_pydatetime().astimezone().date() if pd.notna(t) else None
        )
        keep &= (frame["analyst"] == filters.analyst.strip()) & (local == today)
    return frame[keep]


def grid_rows(frame: pd.DataFrame) -> list[dict[str, str]]:
    """The rows as the grid receives them: the shown columns as text, plus ``id``."""
    columns = [key for key, _label in COLUMNS]
    shown = frame[columns].astype(str)
    return [
        {**{str(k): str(v) for k, v in row.items()}, "id": str(row["ticket_id"])}
        for row in shown.to_dict("records")
    ]
