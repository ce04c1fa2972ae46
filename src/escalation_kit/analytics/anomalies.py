"""Unusual weeks: a week whose escalation count is far above that group's usual level.

The usual level is the median of the ``window`` weeks before (weeks without escalations count
as 0), and the spread is their median absolute deviation (MAD). The robust z-score is
``(count - median) / scale`` with ``scale = max(1.4826 × MAD, 1)``: 1.4826 makes the MAD match
a standard deviation for normal data, and the floor of one escalation keeps a flat history
(MAD = 0) from flagging every +1 week. A week is flagged when ``z >= threshold``; only full
windows are judged, so the first ``window`` weeks of each group never are.

This is the one definition of an unusual week: the summary, the report, the notebooks and the
trends app all call :func:`weekly_anomalies` with its defaults (:data:`WINDOW`,
:data:`THRESHOLD`), and show it to people through :func:`readable_anomalies`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from escalation_kit.analytics.metrics import HistorySource, as_history, volume
from escalation_kit.analytics.periods import period_range
from escalation_kit.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ANOMALY_COLUMNS",
    "MAD_TO_SIGMA",
    "THRESHOLD",
    "WINDOW",
    "readable_anomalies",
    "weekly_anomalies",
    "weekly_table",
]

MAD_TO_SIGMA = 1.4826
MIN_SCALE = 1.0
WINDOW = 8  # weeks before a week that make its usual level
THRESHOLD = 3.0  # robust z-score from which a week is unusual
# what people read instead of baseline / mad / ratio / z
ANOMALY_COLUMNS = {
    "week": "week",
    "count": "this week",
    "baseline": "usual level",
    "ratio": "times usual",
    "z": "how unusual",
}


def weekly_table(history: HistorySource, by: str = "category") -> pd.DataFrame:
    """Escalations per Monday-based week (rows, every week of the span) and ``by`` (columns)."""
    import pandas as pd

    frame = as_history(history)
    counts = volume(frame, by=(by,), freq="W")
    if counts.empty:
        return pd.DataFrame(index=pd.DatetimeIndex([], tz="UTC", name="period"))
    table = counts.pivot_table(
        index="period", columns=by, values="count", aggfunc="sum", observed=True, fill_value=0
    )
    weeks = period_range(frame["created_at"].min(), frame["created_at"].max(), "W")
    table = table.reindex(weeks, fill_value=0)
    table.columns = table.columns.astype("str")
    return table.astype("int64")


def weekly_anomalies(
    history: HistorySource, by: str = "category", window: int = WINDOW, threshold: float = THRESHOLD
) -> pd.DataFrame:
    """Flagged weeks, most unusual first: ``week``, ``by``, ``count``, ``baseline`` (median of the
    previous weeks), ``mad``, ``ratio`` (count / baseline; NaN when the baseline is 0) and ``z``."""
    import pandas as pd

    if window < 2:
        raise InputError(f"window must be at least 2 weeks, got {window}", field="window")
    table = weekly_table(history, by)
    columns = ["week", by, "count", "baseline", "mad", "ratio", "z"]
    if len(table) <= window:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in columns})
    values = table.to_numpy(dtype="float64")
    # windows[i] holds weeks i .. i+window-1, the baseline of week i+window
    windows = np.lib.stride_tricks.sliding_window_view(values, window, axis=0)[:-1]
    baseline = np.median(windows, axis=2)
    mad = np.median(np.abs(windows - baseline[:, :, None]), axis=2)
    current = values[window:]
    z = (current - baseline) / np.maximum(MAD_TO_SIGMA * mad, MIN_SCALE)
    weeks_idx, group_idx = np.nonzero(z >= threshold)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(baseline > 0, current / np.where(baseline > 0, baseline, 1), np.nan)
    out = pd.DataFrame(
        {
            "week": table.index[window:][weeks_idx],
            by: table.columns[group_idx],
            "count": current[weeks_idx, group_idx].astype("int64"),
            "baseline": baseline[weeks_idx, group_idx],
            "mad": mad[weeks_idx, group_idx],
            "ratio": ratio[weeks_idx, group_idx],
            "z": z[weeks_idx, group_idx],
        }
    )
    return out.sort_values(["z", "week"], ascending=[False, True]).reset_index(drop=True)


def readable_anomalies(anomalies: pd.DataFrame, by: str = "category") -> pd.DataFrame:
    """``weekly_anomalies`` for people: week, ``by``, "this week" (the count), "usual level"
    (the median of the weeks before), "times usual" and "how unusual" (the robust z-score,
    rounded: 3 is the threshold). The spread (MAD) is left out."""
    import pandas as pd

    out = pd.DataFrame({"week": anomalies["week"], by: anomalies[by]})
    for column in ("count", "baseline", "ratio", "z"):
        out[ANOMALY_COLUMNS[column]] = anomalies[column]
    out["how unusual"] = out["how unusual"].astype("float64").round(1)
    return out.reset_index(drop=True)
