"""Every metric on a small hand-made history, against values worked out by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from analytics_data import history, weekly_rows

from escalation_kit.analytics.anomalies import weekly_anomalies, weekly_table
from escalation_kit.analytics.metrics import (
    backlog_over_time,
    escalation_rate_per_customer,
    group_counts,
    repeat_customers,
    resolve_quantiles,
    share_of_outcomes,
    time_to_resolve,
    top_services,
    volume,
)
from escalation_kit.analytics.periods import period_start
from escalation_kit.errors import InputError
from escalation_kit.models import Category, TriageDecision


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def rows(frame: pd.DataFrame) -> list[tuple[object, ...]]:
    """A frame as plain tuples (categoricals as strings) for exact comparisons."""
    plain = frame.copy()
    for column in plain.columns:
        if isinstance(plain[column].dtype, pd.CategoricalDtype):
            plain[column] = plain[column].astype(str)
    return list(plain.itertuples(index=False, name=None))


def test_period_start_uses_monday_weeks_and_calendar_months_in_utc() -> None:
    times = pd.Series(
        pd.to_datetime(
            ["2026-01-11T23:59:00Z", "2026-01-12T00:00:00Z", "2026-01-31T22:00:00-05:00"],
            utc=True,
        )
    )
    assert list(period_start(times, "W")) == [
        utc("2026-01-05"),
        utc("2026-01-12"),
        utc("2026-01-26"),
    ]
    # 22:00 at UTC-5 on Jan 31 is Feb 1 03:00 UTC
    assert list(period_start(times, "M")) == [
        utc("2026-01-01"),
        utc("2026-01-01"),
        utc("2026-02-01"),
    ]
    assert list(period_start(times, "D")) == [
        utc("2026-01-11"),
        utc("2026-01-12"),
        utc("2026-02-01"),
    ]
    with pytest.raises(InputError, match="freq 'Q'"):
        period_start(times, "Q")


def test_weekly_volume_by_category_and_region() -> None:
    result = volume(history(), by=("category", "region"), freq="W")
    assert list(result.columns) == ["period", "category", "region", "count"]
    assert rows(result) == [
        (utc("2026-01-05"), "service_unavailable", "Americas", 1),
        (utc("2026-01-05"), "bug", "Europe", 2),
        (utc("2026-01-12"), "bug", "Asia Pacific", 1),
        (utc("2026-01-12"), "network_disruption", "Europe", 1),
        (utc("2026-02-02"), "bug", "Americas", 1),
    ]


def test_monthly_and_daily_volume() -> None:
    assert rows(volume(history(), by=("category",), freq="M")) == [
        (utc("2026-01-01"), "service_unavailable", 1),
        (utc("2026-01-01"), "bug", 3),
        (utc("2026-01-01"), "network_disruption", 1),
        (utc("2026-02-01"), "bug", 1),
    ]
    daily = volume(history(), by=("region",), freq="D")
    assert [(p.strftime("%m-%d"), r, c) for p, r, c in rows(daily)] == [
        ("01-05", "Europe", 1),
        ("01-06", "Europe", 1),
        ("01-07", "Americas", 1),
        ("01-12", "Asia Pacific", 1),
        ("01-14", "Europe", 1),  # created 23:30 at UTC-2: the 14th in UTC
        ("02-02", "Americas", 1),
    ]


def test_grouping_by_an_unknown_column_is_an_input_error() -> None:
    with pytest.raises(InputError, match="cannot group by colour"):
        volume(history(), by=("category", "colour"))
    with pytest.raises(InputError, match="cannot group by colour"):
        time_to_resolve(history(), by=("colour",))


def test_a_history_that_is_neither_a_frame_nor_a_ledger_is_an_input_error() -> None:
    # a path (or records) used to fail deep inside with AttributeError: no .columns
    for wrong in ("history.csv", history().to_dict("records")):
        with pytest.raises(InputError, match=r"history frame .* or a Ledger") as info:
            volume(wrong)  # type: ignore[arg-type]
        assert info.value.field == "history"
        assert type(wrong).__name__ in str(info.value)
    with pytest.raises(InputError, match="or a Ledger, got str"):
        weekly_anomalies("history.csv")  # type: ignore[arg-type]


def test_group_counts_keeps_missing_values_as_their_own_group() -> None:
    counts = group_counts({"k": pd.Series(["b", None, "a", "b", None])})
    assert counts["count"].tolist() == [2, 1, 2]
    assert counts["k"].isna().tolist() == [True, False, False]
    assert counts["k"].iloc[1:].tolist() == ["a", "b"]


def test_time_to_resolve_median_p90_and_open_count() -> None:
    result = time_to_resolve(history(), by=("category",))
    assert rows(result) == [
        ("service_unavailable", 1, 0, 24.0, 24.0),
        ("bug", 2, 2, 6.0, pytest.approx(2 + 0.9 * 8)),  # hours 2 and 10; two still open
        ("network_disruption", 1, 0, 4.0, 4.0),
    ]


def test_resolve_quantiles_are_per_group_and_exclude_open() -> None:
    result = resolve_quantiles(history(), by="category", quantiles=(0.5, 1.0))
    assert rows(result) == [
        ("service_unavailable", 24.0, 24.0, 1),
        ("bug", 6.0, 10.0, 2),
        ("network_disruption", 4.0, 4.0, 1),
    ]


def test_backlog_counts_open_escalations_at_each_week_end() -> None:
    result = backlog_over_time(history(), freq="W")
    assert result["period"].tolist() == [
        utc(d) for d in ("2026-01-05", "2026-01-12", "2026-01-19", "2026-01-26", "2026-02-02")
    ]
    assert result["period_end"].iloc[-1] == utc("2026-02-09")
    # E4 opens 01-12, E5 opens and closes in that week, E6 opens 02-02 12:00
    assert result["open"].tolist() == [0, 1, 1, 1, 2]


def test_backlog_of_a_window_counts_older_escalations_still_open() -> None:
    result = backlog_over_time(history(), freq="W", since="2026-01-19", until="2026-02-02")
    assert result["period"].tolist() == [utc("2026-01-19"), utc("2026-01-26")]
    assert result["open"].tolist() == [1, 1]  # E4, opened on 01-12
    assert backlog_over_time(history(), since="2026-03-01", until="2026-02-01").empty


def test_top_services_ranks_with_share_and_name_tiebreak() -> None:
    assert rows(top_services(history(), n=2)) == [
        ("Exchange Online", 3, 0.5),
        ("Microsoft Teams", 2, pytest.approx(1 / 3)),
    ]


def test_repeat_customers() -> None:
    result = repeat_customers(history(), min_escalations=2)
    assert rows(result) == [
        ("t1", 3, utc("2026-01-05 10:00"), utc("2026-01-14 01:30"), 2, "bug"),
        # one service_unavailable, one bug: the tie goes to the earlier category
        ("t2", 2, utc("2026-01-07"), utc("2026-02-02 12:00"), 2, "service_unavailable"),
    ]


def test_escalation_rate_per_month_without_tickets() -> None:
    result = escalation_rate_per_customer(history())
    span_days = 28 + 2 / 24  # 01-05 10:00 to 02-02 12:00
    assert result["tenant_id"].tolist() == ["t1", "t2", "t3"]
    assert result["escalations"].tolist() == [3, 2, 1]
    assert result["per_month"].tolist() == pytest.approx(
        [n / span_days * 30.4375 for n in (3, 2, 1)]
    )


def test_escalation_rate_per_ticket() -> None:
    tickets = pd.DataFrame({"tenant_id": ["t1", "t1", "t1", "t1", "t2", "t2", "t4"]})
    result = escalation_rate_per_customer(history(), tickets=tickets)
    assert result["tenant_id"].tolist() == ["t1", "t2", "t3", "t4"]
    assert result["tickets"].tolist() == [4, 2, 0, 1]
    assert result["escalations"].tolist() == [3, 2, 1, 0]
    assert result["rate"].iloc[[0, 1, 3]].tolist() == [0.75, 1.0, 0.0]
    assert math.isnan(result["rate"].iloc[2])


def test_share_of_outcomes_from_frame_and_records() -> None:
    frame = pd.DataFrame(
        {"category": ["bug", "self_service", "known_issue", "known_issue", "regional_multi_tenant"]}
    )
    assert rows(share_of_outcomes(frame)) == [
        ("escalation", 2, 0.4),
        ("self_service", 1, 0.2),
        ("known_issue", 2, 0.4),
    ]
    decisions = [
        TriageDecision("T1", Category.SELF_SERVICE, "Europe", "Planner", 0.9, "", ""),
        TriageDecision("T2", Category.BUG, "Europe", "Planner", 0.9, "", ""),
    ]
    assert share_of_outcomes(decisions)["count"].tolist() == [1, 1, 0]
    assert share_of_outcomes(pd.DataFrame({"category": []}))["share"].tolist() == [0, 0, 0]


def test_share_of_outcomes_names_the_bad_row() -> None:
    with pytest.raises(InputError) as info:
        share_of_outcomes(pd.DataFrame({"category": ["bug", "printer"]}))
    assert info.value.row == 2
    assert info.value.field == "category"


def test_weekly_anomaly_uses_median_and_mad_of_previous_weeks() -> None:
    frame = history(
        weekly_rows("bug", [2, 3, 2, 3, 2, 3, 2, 3, 10])
        + weekly_rows("service_unavailable", [1, 1, 1, 1, 1, 1, 1, 1, 2])
    )
    table = weekly_table(frame)
    assert table["bug"].tolist() == [2, 3, 2, 3, 2, 3, 2, 3, 10]
    result = weekly_anomalies(frame, window=8, threshold=3.0)
    # baseline median 2.5, MAD 0.5 → scale max(1.4826 * 0.5, 1) = 1 → z = 7.5; the
    # service_unavailable week (1 → 2, z = 1) is not flagged
    assert rows(result) == [(utc("2026-03-02"), "bug", 10, 2.5, 0.5, 4.0, 7.5)]


def test_weekly_anomalies_count_weeks_without_escalations_as_zero() -> None:
    frame = history(weekly_rows("bug", [0, 4, 0, 4, 0, 4, 0, 4, 12]))
    assert weekly_table(frame)["bug"].tolist() == [4, 0, 4, 0, 4, 0, 4, 12]  # starts at week 1
    flagged = weekly_anomalies(frame, window=4)
    # baseline of the last week: median(4, 0, 4, 0) = 2, MAD 2 → scale 2.9652
    assert flagged["count"].tolist() == [12]
    assert flagged["z"].tolist() == pytest.approx([(12 - 2) / (1.4826 * 2)])


def test_weekly_anomalies_need_a_full_window() -> None:
    frame = history(weekly_rows("bug", [1, 1, 9]))
    assert weekly_anomalies(frame, window=8).empty
    with pytest.raises(InputError, match="window"):
        weekly_anomalies(frame, window=1)
