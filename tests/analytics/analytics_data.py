"""Small hand-made histories for the analytics tests (expected values are worked out by hand)."""

from __future__ import annotations

import pandas as pd

from escalation_kit.intake.history import HISTORY_COLUMNS, validate_history

# id, tenant, country, region, service, category, severity, created_at, resolved_at, status
HAND_ROWS = [
    (
        "E1",
        "t1",
        "DE",
        "Europe",
        "Exchange Online",
        "bug",
        "critical",
        "2026-01-05T10:00:00Z",
        "2026-01-05T12:00:00Z",
        "closed",
    ),
    (
        "E2",
        "t1",
        "DE",
        "Europe",
        "Exchange Online",
        "bug",
        "moderate",
        "2026-01-06T09:00:00Z",
        "2026-01-06T19:00:00Z",
        "closed",
    ),
    (
        "E3",
        "t2",
        "US",
        "Americas",
        "Microsoft Teams",
        "service_unavailable",
        "critical",
        "2026-01-07T00:00:00Z",
        "2026-01-08T00:00:00Z",
        "closed",
    ),
    (
        "E4",
        "t3",
        "JP",
        "Asia Pacific",
        "Microsoft Teams",
        "bug",
        "minimal",
        "2026-01-12T08:00:00Z",
        "",
        "open",
    ),
    (
        "E5",
        "t1",
        "DE",
        "Europe",
        "SharePoint Online",
        "network_disruption",
        "moderate",
        "2026-01-13T23:30:00-02:00",
        "2026-01-14T05:30:00Z",
        "closed",
    ),
    (
        "E6",
        "t2",
        "US",
        "Americas",
        "Exchange Online",
        "bug",
        "moderate",
        "2026-02-02T12:00:00Z",
        "",
        "attention_needed",
    ),
]


def text_frame(rows: list[tuple[str, ...]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(HISTORY_COLUMNS), dtype="str")


def history(rows: list[tuple[str, ...]] | None = None) -> pd.DataFrame:
    """A typed history of ``rows`` (default: HAND_ROWS); every row must be valid."""
    loaded = validate_history(text_frame(HAND_ROWS if rows is None else rows))
    assert loaded.rejected.empty, loaded.rejected.to_dict("records")
    return loaded.accepted


def weekly_rows(
    category: str, counts: list[int], start: str = "2026-01-05"
) -> list[tuple[str, ...]]:
    """``counts[i]`` escalations of ``category`` on the Tuesday of week ``i`` after ``start``."""
    rows = []
    monday = pd.Timestamp(start, tz="UTC")
    for week, count in enumerate(counts):
        day = monday + pd.Timedelta(days=7 * week + 1, hours=9)
        for n in range(count):
            rows.append(
                (
                    f"{category}-{week}-{n}",
                    f"t{n}",
                    "FR",
                    "Europe",
                    "Planner",
                    category,
                    "moderate",
                    day.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "",
                    "open",
                )
            )
    return rows
