"""Property checks: the vectorized metrics agree with plain pandas on random histories."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from escalation_kit.analytics.metrics import backlog_over_time, volume
from escalation_kit.analytics.synthetic import synthetic_history

histories = st.builds(
    synthetic_history,
    rows=st.integers(min_value=1, max_value=400),
    seed=st.integers(min_value=0, max_value=10_000),
    days=st.integers(min_value=1, max_value=120),
    tenants=st.integers(min_value=1, max_value=30),
)


def naive_period(times: pd.Series, freq: str) -> pd.Series:
    alias = {"D": "D", "W": "W-SUN", "M": "M"}[freq]  # W-SUN: weeks ending Sunday
    return times.dt.tz_localize(None).dt.to_period(alias).dt.start_time.dt.tz_localize("UTC")


@settings(max_examples=40, deadline=None)
@given(history=histories, freq=st.sampled_from(["D", "W", "M"]))
def test_volume_matches_a_plain_groupby(history: pd.DataFrame, freq: str) -> None:
    ours = volume(history, by=("category", "region"), freq=freq)
    plain = (
        history.assign(period=naive_period(history["created_at"], freq))
        .groupby(["period", "category", "region"], observed=True)
        .size()
    )
    expected = {(p, str(c), str(r)): int(n) for (p, c, r), n in plain.items()}
    got = {(p, str(c), str(r)): n for p, c, r, n in ours.itertuples(index=False, name=None)}
    assert got == expected
    assert int(ours["count"].sum()) == len(history)


@settings(max_examples=25, deadline=None)
@given(history=histories)
def test_backlog_matches_counting_each_escalation(history: pd.DataFrame) -> None:
    backlog = backlog_over_time(history, freq="W")
    for end, count in zip(backlog["period_end"], backlog["open"], strict=True):
        created = history["created_at"] < end
        still_open = history["resolved_at"].isna() | (history["resolved_at"] >= end)
        assert count == int((created & still_open).sum())
