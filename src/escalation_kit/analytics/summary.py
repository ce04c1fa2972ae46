"""The numbers a report opens with, and the sentences that say them.

The change figure compares the last 28 days of the history with the 28 days before them, so
it means the same thing whatever period the report covers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from escalation_kit.analytics.anomalies import weekly_anomalies
from escalation_kit.analytics.metrics import HistorySource, as_history
from escalation_kit.analytics.palette import category_label
from escalation_kit.intake.history_checks import OPEN_STATUSES

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["COMPARE_DAYS", "Summary", "summarize"]

COMPARE_DAYS = 28


@dataclass(frozen=True, slots=True)
class Summary:
    """Headline numbers of a history (``None`` where there is nothing to measure)."""

    total: int
    open: int
    first: pd.Timestamp | None
    last: pd.Timestamp | None
    top_category: tuple[str, int] | None
    top_region: tuple[str, int] | None
    median_hours: float | None
    recent: int
    previous: int
    anomalies: list[dict[str, Any]] = field(default_factory=list)
    unusual_weeks: int = 0  # how many weeks were flagged; ``anomalies`` lists the top ones

    @property
    def change(self) -> float | None:
        """Relative change of the last 28 days against the 28 before (None when those were 0)."""
        return (self.recent - self.previous) / self.previous if self.previous else None

    def sentences(self) -> list[str]:
        """The summary as short plain-text sentences (escape them before putting them in HTML)."""
        if not self.total or self.first is None or self.last is None:
            return ["No escalations in this period."]
        out = [
            f"{self.total:,} escalations from {self.first:%Y-%m-%d} to {self.last:%Y-%m-%d}; "
            f"{self.open:,} still open."
        ]
        if self.top_category:
            name, count = self.top_category
            out.append(
                f"Most frequent category: {category_label(name)} "
                f"({count:,}, {count / self.total:.0%})."
            )
        if self.top_region:
            name, count = self.top_region
            out.append(f"Busiest region: {name} ({count:,}, {count / self.total:.0%}).")
        if self.median_hours is not None:
            out.append(f"Median time to resolve: {self.median_hours:.1f} hours.")
        out.append(self._change_sentence())
        out.extend(self._anomaly_sentences())
        return out

    def _change_sentence(self) -> str:
        days = COMPARE_DAYS
        if self.change is None:
            return (
                f"Last {days} days: {self.recent:,} escalations (none in the {days} days before)."
            )
        return (
            f"Last {days} days: {self.recent:,} escalations, {self.change:+.0%} against the "
            f"{days} days before ({self.previous:,})."
        )

    def _anomaly_sentences(self) -> list[str]:
        if not self.anomalies:
            return ["No unusual weeks."]
        count = max(self.unusual_weeks, len(self.anomalies))
        head = "1 unusual week" if count == 1 else f"{count:,} unusual weeks"
        if count > len(self.anomalies):
            head += f"; the {len(self.anomalies)} most unusual"
        parts = []
        for a in self.anomalies:
            usual = f"usually {a['baseline']:g}"
            times = f", {a['ratio']:.1f}×" if a["ratio"] == a["ratio"] else ""
            parts.append(
                f"{category_label(a['category'])} in the week of {a['week']:%Y-%m-%d}: "
                f"{a['count']} ({usual}{times})"
            )
        return [f"{head}: " + "; ".join(parts) + "."]


def summarize(
    history: HistorySource, *, anomalies: pd.DataFrame | None = None, top: int = 3
) -> Summary:
    """Headline numbers of ``history``, with its unusual weeks counted and the ``top`` most
    unusual listed. ``anomalies`` is ``weekly_anomalies(history)`` when already computed;
    by default it is computed here, so every caller reports the same weeks."""
    import pandas as pd

    frame = as_history(history)
    if frame.empty:
        return Summary(0, 0, None, None, None, None, None, 0, 0)
    last = frame["created_at"].max()
    recent_start = last - pd.Timedelta(days=COMPARE_DAYS)
    previous_start = recent_start - pd.Timedelta(days=COMPARE_DAYS)
    created = frame["created_at"]
    if anomalies is None:
        anomalies = weekly_anomalies(frame)
    hours = (frame["resolved_at"] - created).dt.total_seconds() / 3600.0
    return Summary(
        total=len(frame),
        open=int(frame["status"].isin(OPEN_STATUSES).sum()),
        first=created.min(),
        last=last,
        top_category=_top(frame["category"]),
        top_region=_top(frame["region"]),
        median_hours=float(hours.median()) if hours.notna().any() else None,
        recent=int((created > recent_start).sum()),
        previous=int(((created > previous_start) & (created <= recent_start)).sum()),
        anomalies=_records(anomalies.head(top)),
        unusual_weeks=len(anomalies),
    )


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]


def _top(values: pd.Series) -> tuple[str, int] | None:
    """The most frequent value and its count (ties: the first in category order)."""
    counts = values.value_counts(sort=False)
    counts = counts[counts > 0]
    if counts.empty:
        return None
    position = int(counts.to_numpy().argmax())
    return str(counts.index[position]), int(counts.iloc[position])
