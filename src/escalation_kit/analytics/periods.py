"""Calendar buckets for time series: days, ISO weeks (starting Monday) and months, in UTC.

Vectorized with numpy datetime64 arithmetic (no per-row Python), so that a million timestamps
are bucketed in milliseconds. Periods are labelled by their first instant, as UTC timestamps.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from escalation_kit.models import FREQUENCIES, Freq, check_freq

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FREQUENCIES", "Freq", "check_freq", "next_period", "period_range", "period_start"]

_MONDAY_OFFSET = 4  # 1970-01-01 was a Thursday: day 4 of the epoch is the first Monday


def _bucket(values: np.ndarray, freq: Freq) -> np.ndarray:
    """datetime64 values (UTC wall time) → datetime64[us] period starts (NaT stays NaT)."""
    days = values.astype("datetime64[D]")
    if freq == "D":
        starts = days
    elif freq == "M":
        starts = days.astype("datetime64[M]").astype("datetime64[D]")
    else:
        n = days.astype("int64")
        starts = (n - (n - _MONDAY_OFFSET) % 7).astype("datetime64[D]")
        starts[np.isnat(days)] = np.datetime64("NaT")
    return starts.astype("datetime64[us]")


def period_start(times: pd.Series, freq: str) -> pd.Series:
    """The start of the period holding each timestamp (tz-aware UTC series in and out)."""
    import pandas as pd

    wall = times.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(dtype="datetime64[us]")
    starts = _bucket(wall, check_freq(freq))
    return pd.Series(pd.DatetimeIndex(starts).tz_localize("UTC"), index=times.index, name="period")


def next_period(starts: pd.DatetimeIndex, freq: str) -> pd.DatetimeIndex:
    """The start of the period after each of ``starts`` (their exclusive end)."""
    import pandas as pd

    freq = check_freq(freq)
    if freq == "M":
        return starts + pd.DateOffset(months=1)
    return starts + pd.Timedelta(days=1 if freq == "D" else 7)


def period_range(first: pd.Timestamp, last: pd.Timestamp, freq: str) -> pd.DatetimeIndex:
    """Every period start from the period of ``first`` to the period of ``last``, inclusive."""
    import pandas as pd

    bounds = pd.Series([first, last]).astype("datetime64[us, UTC]")
    start, end = period_start(bounds, freq)
    alias = {"D": "D", "W": "W-MON", "M": "MS"}[check_freq(freq)]
    return pd.date_range(start, end, freq=alias, tz="UTC", name="period")
