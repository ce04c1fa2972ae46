"""Escalation metrics: pure, vectorized functions over a history frame (or a ledger).

A *history* is the frame :func:`~escalation_kit.intake.history.load_history` accepts (or
``export_history`` returns). Functions that take a ``Ledger`` instead push their aggregation into
SQL where the database can do it (volume, top services) and otherwise export the history first.
Periods are UTC calendar days, Monday-based weeks or months, labelled by their first instant.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias, TypeGuard

import numpy as np

from escalation_kit.analytics.periods import next_period, period_range, period_start
from escalation_kit.errors import InputError
from escalation_kit.intake.history_checks import ESCALATION_CATEGORIES, HISTORY_COLUMNS
from escalation_kit.ledger.core import Ledger
from escalation_kit.ledger.history import aggregate_services, aggregate_volume, export_history
from escalation_kit.models import Category, Instant, TimeBound, TriageDecision

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "OUTCOMES",
    "HistorySource",
    "as_history",
    "backlog_over_time",
    "escalation_rate_per_customer",
    "group_counts",
    "repeat_customers",
    "share_of_outcomes",
    "time_to_resolve",
    "top_services",
    "volume",
]

OUTCOMES = ("escalation", "self_service", "known_issue")
DAYS_PER_MONTH = 30.4375  # 365.25 / 12

HistorySource: TypeAlias = "pd.DataFrame | Ledger"
"""What every metric, figure and report takes as its history: a history frame (the columns of
:data:`~escalation_kit.models.HISTORY_COLUMNS`, e.g. ``load_history(path).accepted``) or a
:class:`~escalation_kit.ledger.core.Ledger`, whose escalations are exported (see
:func:`as_history`)."""


def _is_ledger(source: object) -> TypeGuard[Ledger]:
    return isinstance(source, Ledger)


def _grouping(frame: pd.DataFrame, by: Sequence[str] | str) -> list[str]:
    """``by`` as a list of the frame's columns; InputError naming any it lacks."""
    names = [by] if isinstance(by, str) else list(by)
    unknown = [name for name in names if name not in frame.columns]
    if unknown or not names:
        raise InputError(
            f"cannot group by {', '.join(unknown) or 'nothing'}; the history has columns "
            f"{', '.join(map(str, frame.columns))}",
            field="by",
        )
    return names


def as_history(source: HistorySource) -> pd.DataFrame:
    """The history frame itself, or the whole history exported from a ledger; InputError for
    anything else (a file path: load it with ``load_history(path).accepted`` first)."""
    import pandas as pd

    if isinstance(source, Ledger):
        return export_history(source)
    if not isinstance(source, pd.DataFrame):
        raise InputError(
            f"expected a history frame (pandas DataFrame) or a Ledger, got {type(source).__name__}",
            field="history",
        )
    missing = [c for c in HISTORY_COLUMNS if c not in source.columns]
    if missing:
        raise InputError(f"the history frame lacks column(s) {', '.join(missing)}")
    return source


def group_counts(keys: dict[str, pd.Series]) -> pd.DataFrame:
    """Rows per distinct combination of ``keys`` (only combinations that occur), sorted.

    Each key is factorized to integer codes and the codes are combined into one integer, so
    the counting is a single ``np.bincount`` (several times faster than a pandas groupby).
    """
    import pandas as pd

    names = list(keys)
    codes, uniques = [], []
    for name in names:
        code, unique = pd.factorize(keys[name], sort=True, use_na_sentinel=True)
        codes.append(code)
        uniques.append(unique)
    sizes = [len(u) + 1 for u in uniques]  # +1: a slot for missing values (code -1)
    combined = np.zeros(len(codes[0]) if codes else 0, dtype=np.int64)
    for code, size in zip(codes, sizes, strict=True):
        combined = combined * size + (code + 1)
    slots = int(np.prod(sizes, dtype=np.float64))
    if slots <= max(4 * len(combined), 1 << 20):
        counts = np.bincount(combined, minlength=slots)
        present = np.flatnonzero(counts)
        counts = counts[present]
    else:  # too many combinations for a dense count: sort instead
        present, counts = np.unique(combined, return_counts=True)
    out: dict[str, Any] = {}
    for name, unique, index in zip(names, uniques, np.unravel_index(present, sizes), strict=True):
        out[name] = _take(unique, index - 1)
    frame = pd.DataFrame(out)
    frame["count"] = np.asarray(counts, dtype="int64")
    return frame


def _take(unique: Any, positions: np.ndarray) -> pd.Series:
    """``unique[positions]`` with position -1 meaning a missing value."""
    import pandas as pd

    if len(unique) == 0:
        return pd.Series([pd.NA] * len(positions), dtype="object")
    values = pd.Series(unique.take(np.clip(positions, 0, None)))
    return values.mask(positions < 0) if (positions < 0).any() else values


def volume(
    history: HistorySource, by: Sequence[str] = ("category", "region"), freq: str = "W"
) -> pd.DataFrame:
    """Escalations created per period and group: columns ``period``, ``*by``, ``count``.

    Only (period, group) combinations with at least one escalation appear, as with SQL's
    GROUP BY. With a ledger, the grouping runs in the database.
    """
    if _is_ledger(history):
        return aggregate_volume(history, by=tuple(by), freq=freq)
    frame = as_history(history)
    keys = {"period": period_start(frame["created_at"], freq)}
    keys |= {column: frame[column] for column in _grouping(frame, by)}
    return _categorize(group_counts(keys), frame)


def _categorize(frame: pd.DataFrame, like: pd.DataFrame) -> pd.DataFrame:
    """Give result columns the categorical dtype (and category order) of the history's columns."""
    import pandas as pd

    for column in frame.columns:
        if column in like.columns and isinstance(like[column].dtype, pd.CategoricalDtype):
            frame[column] = frame[column].astype(like[column].dtype)
    return frame


def share_of_outcomes(decisions: pd.DataFrame | Iterable[TriageDecision]) -> pd.DataFrame:
    """How triaged tickets ended: escalated to Microsoft, self-service, or a known issue.

    Takes triage decisions (the triage output frame or ``TriageDecision`` records); returns
    columns ``outcome`` (``escalation``, ``self_service``, ``known_issue``), ``count`` and
    ``share`` (of all decisions; 0.0 when there are none).
    """
    import pandas as pd

    if isinstance(decisions, pd.DataFrame):
        categories = decisions["category"].astype("str").str.strip().str.lower()
    else:
        categories = pd.Series([str(d.category) for d in decisions], dtype="str")
    valid = {c.value for c in Category}
    bad = ~categories.isin(valid)
    if bad.any():
        position = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            f"category {categories.iloc[position]!r} is not a triage category",
            row=position + 1,
            field="category",
        )
    outcome = categories.where(categories.isin(["self_service", "known_issue"]), "escalation")
    counts = outcome.value_counts().reindex(list(OUTCOMES), fill_value=0).astype("int64")
    total = int(counts.sum())
    share = counts / total if total else counts * 0.0
    return pd.DataFrame(
        {"outcome": list(OUTCOMES), "count": counts.to_numpy(), "share": share.to_numpy()}
    )


def time_to_resolve(history: HistorySource, by: Sequence[str] = ("category",)) -> pd.DataFrame:
    """Hours from creation to resolution per group: median, 90th percentile (linear
    interpolation), the resolved count they are computed on, and the open count left out."""
    import pandas as pd

    frame = as_history(history)
    by = _grouping(frame, by)
    hours = (frame["resolved_at"] - frame["created_at"]).dt.total_seconds() / 3600.0
    data = frame[by].assign(hours=hours, open=hours.isna())
    grouped = data.groupby(list(by), observed=True, sort=True)
    out = grouped["hours"].agg(
        resolved="count",
        median_hours="median",
        p90_hours=lambda h: h.quantile(0.9) if h.notna().any() else np.nan,
    )
    out.insert(1, "open", grouped["open"].sum().astype("int64"))
    out["resolved"] = out["resolved"].astype("int64")
    return pd.DataFrame(out).reset_index()[[*by, "resolved", "open", "median_hours", "p90_hours"]]


def resolve_quantiles(
    history: HistorySource,
    by: str = "category",
    quantiles: Sequence[float] = (0.05, 0.25, 0.5, 0.75, 0.95),
) -> pd.DataFrame:
    """Quantiles of hours-to-resolve per group (resolved escalations only), one row per group:
    what a box plot needs without shipping every point to the browser."""
    import pandas as pd

    frame = as_history(history)
    _grouping(frame, by)
    hours = (frame["resolved_at"] - frame["created_at"]).dt.total_seconds() / 3600.0
    data = frame[[by]].assign(hours=hours).dropna(subset=["hours"])
    names = [f"q{round(q * 100):02d}" for q in quantiles]
    if data.empty:
        return pd.DataFrame({by: [], **{n: [] for n in names}, "resolved": []})
    table = data.groupby(by, observed=True)["hours"].quantile(np.array(quantiles)).unstack()
    table.columns = names
    table["resolved"] = data.groupby(by, observed=True).size()
    return table.reset_index()


def backlog_over_time(
    history: HistorySource, freq: str = "W", *, since: TimeBound = None, until: TimeBound = None
) -> pd.DataFrame:
    """Escalations open at the end of each period: columns ``period``, ``period_end``
    (exclusive) and ``open``.

    An escalation is open at instant *t* when ``created_at < t`` and it has no ``resolved_at``
    or ``resolved_at >= t``. Periods run from the first to the last creation, or over the
    periods holding ``[since, until)`` when given; escalations created earlier still count
    while open, so pass the whole history rather than a window of it.
    """
    import pandas as pd

    frame = as_history(history)
    first = _utc(since) if since is not None else frame["created_at"].min()
    last = _utc(until) - pd.Timedelta(microseconds=1) if until is not None else None
    last = frame["created_at"].max() if last is None else last
    if frame.empty or pd.isna(first) or last < first:
        return pd.DataFrame(
            {
                "period": pd.Series(dtype="datetime64[us, UTC]"),
                "period_end": pd.Series(dtype="datetime64[us, UTC]"),
                "open": pd.Series(dtype="int64"),
            }
        )
    starts = period_range(first, last, freq)
    ends = next_period(starts, freq)
    created = np.sort(frame["created_at"].to_numpy(dtype="datetime64[us]"))
    resolved = np.sort(frame["resolved_at"].dropna().to_numpy(dtype="datetime64[us]"))
    bounds = ends.tz_localize(None).to_numpy(dtype="datetime64[us]")
    opened = np.searchsorted(created, bounds, side="left")
    closed = np.searchsorted(resolved, bounds, side="left")
    return pd.DataFrame(
        {"period": starts, "period_end": ends, "open": (opened - closed).astype("int64")}
    )


def _utc(value: Instant) -> pd.Timestamp:
    """A bound as a UTC timestamp (dates and naive values are taken as UTC)."""
    import pandas as pd

    try:
        stamp = pd.Timestamp(value)
    except ValueError as exc:
        raise InputError(f"{value!r} is not a date or ISO 8601 datetime") from exc
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def top_services(history: HistorySource, n: int = 10) -> pd.DataFrame:
    """The ``n`` services with the most escalations: ``service``, ``count``, ``share`` of all
    escalations; ties are broken by service name."""
    import pandas as pd

    if _is_ledger(history):
        counts = aggregate_services(history)
    else:
        counts = group_counts({"service": as_history(history)["service"]})
    total = int(counts["count"].sum())
    ranked = counts.sort_values(["count", "service"], ascending=[False, True]).head(n)
    ranked = ranked.reset_index(drop=True)
    ranked["share"] = ranked["count"] / total if total else 0.0
    return pd.DataFrame(ranked[["service", "count", "share"]])


def repeat_customers(history: HistorySource, min_escalations: int = 2) -> pd.DataFrame:
    """Tenants with at least ``min_escalations`` escalations, most first: ``tenant_id``,
    ``escalations``, ``first_created``, ``last_created``, ``services`` (distinct count) and
    ``top_category`` (most frequent; ties by category order)."""
    frame = as_history(history)
    grouped = frame.groupby("tenant_id", sort=True)
    out = grouped.agg(
        escalations=("escalation_id", "size"),
        first_created=("created_at", "min"),
        last_created=("created_at", "max"),
        services=("service", "nunique"),
    )
    out = out[out["escalations"] >= min_escalations]
    pairs = frame[frame["tenant_id"].isin(out.index)]
    top = (
        pairs.groupby(["tenant_id", "category"], observed=True)
        .size()
        .rename("n")
        .reset_index()
        .sort_values(["tenant_id", "n", "category"], ascending=[True, False, True])
        .drop_duplicates("tenant_id")
        .set_index("tenant_id")["category"]
    )
    out["top_category"] = top.reindex(out.index).astype("str")
    out = out.reset_index().sort_values(["escalations", "tenant_id"], ascending=[False, True])
    return out.reset_index(drop=True)


def escalation_rate_per_customer(
    history: HistorySource, tickets: pd.DataFrame | None = None
) -> pd.DataFrame:
    """How often each customer escalates.

    With ``tickets`` (a frame with ``tenant_id``): ``tickets``, ``escalations`` and ``rate`` =
    escalations per ticket (NaN for a tenant without tickets), over every tenant of either.
    Most escalations first, ties by tenant id.
    Without: ``escalations`` and ``per_month`` = escalations per 30.4375 days of the history's
    span (first to last creation; at least one day).
    """
    import pandas as pd

    frame = as_history(history)
    escalations = frame.groupby("tenant_id").size().rename("escalations")
    if tickets is None:
        span = frame["created_at"].max() - frame["created_at"].min() if len(frame) else None
        days = max(span / pd.Timedelta(days=1), 1.0) if span is not None else 1.0
        out = escalations.to_frame()
        out["per_month"] = out["escalations"] / days * DAYS_PER_MONTH
    else:
        counts = tickets.groupby("tenant_id").size().rename("tickets")
        out = pd.concat([counts, escalations], axis=1).fillna(0).astype("int64")
        out["rate"] = (out["escalations"] / out["tickets"]).where(out["tickets"] > 0)
    out.index.name = "tenant_id"
    out = out.reset_index().sort_values(["escalations", "tenant_id"], ascending=[False, True])
    return out.reset_index(drop=True)


def categories_in_order(present: Iterable[str]) -> list[str]:
    """Category ids in the contract's order, known ones first, then any others sorted."""
    present = set(present)
    known = [c for c in ESCALATION_CATEGORIES if c in present]
    return known + sorted(present - set(known))
