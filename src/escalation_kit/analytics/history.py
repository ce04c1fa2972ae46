"""Loading and validating escalation history files (CSV or Parquet) per the data contract.

Every row read ends up either in ``accepted`` (typed: UTC datetimes, categoricals) or in
``rejected`` with the file, row and field at fault and the reason: nothing is dropped silently.
Row numbers are the ones an analyst sees: for CSV the line in the file (the header is line 1),
for Parquet the 1-based record number.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from escalation_kit.errors import InputError, MissingColumnsError
from escalation_kit.models import Category, Region

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ESCALATION_CATEGORIES",
    "HISTORY_COLUMNS",
    "HISTORY_SEVERITIES",
    "HISTORY_STATUSES",
    "REGIONS",
    "HistoryLoad",
    "empty_history",
    "history_text",
    "load_history",
    "typed_history",
    "validate_history",
    "write_history",
]

HISTORY_COLUMNS = (
    "escalation_id",
    "tenant_id",
    "country",
    "region",
    "service",
    "category",
    "severity",
    "created_at",
    "resolved_at",
    "status",
)
ESCALATION_CATEGORIES = tuple(c.value for c in Category.escalation_categories())
HISTORY_SEVERITIES = ("critical", "moderate", "minimal")
HISTORY_STATUSES = ("open", "attention_needed", "closed")
OPEN_STATUSES = ("open", "attention_needed")
REGIONS = tuple(r.value for r in Region)
REJECT_COLUMNS = ("file", "row", "field", "reason")
# Widths of the ledger's columns: a longer value could not be imported, so it is refused here.
MAX_LENGTHS = {"escalation_id": 64, "tenant_id": 36, "service": 100}
_OFFSET_PATTERN = r"(?:[Zz]|[+-]\d{2}:?\d{2})$"
_CATEGORICALS = {
    "region": REGIONS,
    "category": ESCALATION_CATEGORIES,
    "severity": HISTORY_SEVERITIES,
    "status": HISTORY_STATUSES,
}


@dataclass(frozen=True, slots=True, eq=False)
class HistoryLoad:
    """The outcome of reading a history: ``len(accepted) + len(rejected) == read``."""

    accepted: pd.DataFrame
    rejected: pd.DataFrame
    read: int
    source: str

    def __repr__(self) -> str:
        return (
            f"HistoryLoad(source={self.source!r}, read={self.read}, "
            f"accepted={len(self.accepted)}, rejected={len(self.rejected)})"
        )


def load_history(path: str | os.PathLike[str]) -> HistoryLoad:
    """Read and validate a history file (``.csv`` or ``.parquet``)."""
    file = Path(path)
    raw = _read_raw(file)
    first_row = 1 if file.suffix.lower() == ".parquet" else 2
    return validate_history(raw, source=str(file), first_row=first_row)


def _read_raw(file: Path) -> pd.DataFrame:
    """The file's cells as text (empty string for empty cells); InputError when unreadable."""
    import pandas as pd

    if not file.is_file():
        raise InputError("history file not found", file=str(file))
    try:
        if file.suffix.lower() == ".parquet":
            frame = pd.read_parquet(file)
            return frame.astype(object).where(frame.notna(), "").astype(str)
        return pd.read_csv(
            file, dtype=str, keep_default_na=False, encoding="utf-8-sig", engine=_csv_engine()
        )
    except (OSError, ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise InputError(
            f"cannot read the history ({type(exc).__name__}: {exc}); expected a UTF-8 CSV or a "
            "Parquet file with the contract's columns",
            file=str(file),
        ) from exc
    except ImportError as exc:
        raise InputError(
            "reading Parquet needs pyarrow: pip install pyarrow", file=str(file)
        ) from exc


def _csv_engine() -> Literal["c", "pyarrow"]:
    """pyarrow's CSV reader when installed (six times faster on a million rows, and strict about
    rows with too many fields), else pandas' own."""
    try:
        import pyarrow.csv  # noqa: F401
    except ImportError:
        return "c"
    return "pyarrow"


def validate_history(
    raw: pd.DataFrame, *, source: str = "<frame>", first_row: int = 1
) -> HistoryLoad:
    """Validate a frame of history cells (as text) and split it into accepted and rejected rows."""
    import pandas as pd

    missing = [c for c in HISTORY_COLUMNS if c not in raw.columns]
    if missing:
        raise MissingColumnsError(
            f"missing column(s) {', '.join(missing)}; a history needs {', '.join(HISTORY_COLUMNS)}",
            file=source,
        )
    cells = pd.DataFrame(
        {c: raw[c].astype("str").fillna("").str.strip() for c in HISTORY_COLUMNS}
    ).reset_index(drop=True)
    cells = _normalize(cells)
    created = _parse_times(cells["created_at"])
    resolved = _parse_times(cells["resolved_at"])
    problems = _problems(cells, created, resolved)
    bad = problems.notna().any(axis=1)
    rejected = _rejections(cells, problems, bad, source, first_row)
    accepted = _typed(cells[~bad], created[~bad], resolved[~bad])
    return HistoryLoad(accepted=accepted, rejected=rejected, read=len(cells), source=source)


def _normalize(cells: pd.DataFrame) -> pd.DataFrame:
    """Case-fold the enumerations, upper-case countries, derive an empty region from the country."""
    from escalation_kit.regions import regions_for_countries

    out = cells.copy()
    for column in ("category", "severity", "status"):
        out[column] = out[column].str.lower()
    out["country"] = out["country"].str.upper()
    empty_region = out["region"] == ""
    if empty_region.any():
        out.loc[empty_region, "region"] = regions_for_countries(out.loc[empty_region, "country"])
    return out


def _parse_times(text: pd.Series) -> pd.Series:
    """ISO 8601 text → UTC timestamps; NaT where empty, unparseable or without an offset."""
    import pandas as pd

    has_offset = text.str.contains(_OFFSET_PATTERN, regex=True)
    parsed = pd.to_datetime(text.where(has_offset), format="ISO8601", utc=True, errors="coerce")
    return parsed.astype("datetime64[us, UTC]")


def _problems(cells: pd.DataFrame, created: pd.Series, resolved: pd.Series) -> pd.DataFrame:
    """One column per field: the reason that field is wrong, or NA."""
    import pandas as pd

    checks: dict[str, list[tuple[pd.Series, str]]] = {c: [] for c in HISTORY_COLUMNS}
    ids = cells["escalation_id"]
    checks["escalation_id"] += [
        (ids == "", "escalation_id is empty"),
        (ids.duplicated(keep="first") & (ids != ""), "escalation_id repeats an earlier row"),
    ]
    checks["tenant_id"].append((cells["tenant_id"] == "", "tenant_id is empty"))
    for column, limit in MAX_LENGTHS.items():
        checks[column].append((cells[column].str.len() > limit, f"longer than {limit} characters"))
    country = cells["country"]
    checks["country"].append(
        ((country != "") & ~country.str.fullmatch(r"[A-Z]{2}"), "not an ISO 3166-1 alpha-2 code")
    )
    for column, allowed in _CATEGORICALS.items():
        checks[column].append(
            (~cells[column].isin(allowed), f"{column} must be one of: {', '.join(allowed)}")
        )
    checks["created_at"].append((created.isna(), "not an ISO 8601 datetime with offset or Z"))
    checks["resolved_at"] += _resolution_checks(cells, created, resolved)
    out = pd.DataFrame(index=cells.index)
    for column, rules in checks.items():
        reason = pd.Series(pd.NA, index=cells.index, dtype="object")
        for mask, text in reversed(rules):  # the first rule that fails names the reason
            reason = reason.mask(mask.fillna(False).astype(bool), text)
        out[column] = reason
    return out


def _resolution_checks(
    cells: pd.DataFrame, created: pd.Series, resolved: pd.Series
) -> list[tuple[pd.Series, str]]:
    """resolved_at: a valid time, empty while open, present once closed, not before created_at."""
    given = cells["resolved_at"] != ""
    is_open = cells["status"].isin(OPEN_STATUSES)
    return [
        (given & resolved.isna(), "not an ISO 8601 datetime with offset or Z"),
        (given & is_open, "must be empty while the status is open or attention_needed"),
        (~given & (cells["status"] == "closed"), "a closed escalation needs resolved_at"),
        (given & (resolved < created), "resolved_at is before created_at"),
    ]


def _rejections(
    cells: pd.DataFrame, problems: pd.DataFrame, bad: pd.Series, source: str, first_row: int
) -> pd.DataFrame:
    """One row per rejected record: where it is, its first faulty field, all reasons, its cells."""
    import pandas as pd

    if not bad.any():
        return pd.DataFrame(
            {c: pd.Series(dtype="int64" if c == "row" else "str") for c in REJECT_COLUMNS}
            | {c: pd.Series(dtype="str") for c in HISTORY_COLUMNS}
        )
    flagged = problems[bad]
    first_field = flagged.notna().idxmax(axis=1)
    reasons = flagged.apply(
        lambda row: "; ".join(f"{field}: {text}" for field, text in row.dropna().items()), axis=1
    )
    head = pd.DataFrame(
        {
            "file": source,
            "row": (flagged.index.to_numpy() + first_row).astype("int64"),
            "field": first_field.astype("str").to_numpy(),
            "reason": reasons.astype("str").to_numpy(),
        }
    )
    return pd.concat([head, cells[bad].reset_index(drop=True)], axis=1)


def _typed(cells: pd.DataFrame, created: pd.Series, resolved: pd.Series) -> pd.DataFrame:
    """The accepted rows with analysis-ready dtypes."""
    import pandas as pd

    out = pd.DataFrame(
        {
            "escalation_id": cells["escalation_id"],
            "tenant_id": cells["tenant_id"],
            "country": cells["country"],
            "region": pd.Categorical(cells["region"], categories=REGIONS),
            "service": cells["service"],
            "category": pd.Categorical(cells["category"], categories=ESCALATION_CATEGORIES),
            "severity": pd.Categorical(cells["severity"], categories=HISTORY_SEVERITIES),
            "created_at": created,
            "resolved_at": resolved,
            "status": pd.Categorical(cells["status"], categories=HISTORY_STATUSES),
        }
    )
    return out.reset_index(drop=True)


def typed_history(frame: pd.DataFrame) -> pd.DataFrame:
    """Give a frame's history columns their analysis dtypes (what a ledger hands back).

    Enumerations become categoricals in the contract's order; a value outside it (a severity
    Microsoft added, say) is kept as an extra category rather than lost. Times become UTC.
    """
    import pandas as pd

    out = frame.copy()
    for column in out.columns:
        if column in _CATEGORICALS:
            known = list(_CATEGORICALS[column])
            values = out[column].astype("object").where(out[column].notna(), None)
            extra = sorted({v for v in values if v is not None} - set(known))
            out[column] = pd.Categorical(values, categories=known + extra)
        elif column in ("created_at", "resolved_at"):
            out[column] = pd.to_datetime(out[column], utc=True).astype("datetime64[us, UTC]")
        elif column in HISTORY_COLUMNS:
            out[column] = out[column].astype("object").where(out[column].notna(), "").astype("str")
    return out


def history_text(history: pd.DataFrame) -> pd.DataFrame:
    """A typed history in the contract's text form: ISO 8601 UTC times with ``Z`` (microseconds
    only when some time has them), empty cells for missing values."""
    out = history[list(HISTORY_COLUMNS)].copy()
    for column in HISTORY_COLUMNS:
        if column in ("created_at", "resolved_at"):
            fraction = ".%f" if (out[column].dt.microsecond.fillna(0) != 0).any() else ""
            text = out[column].dt.strftime(f"%Y-%m-%dT%H:%M:%S{fraction}Z")
        else:
            text = out[column].astype("object").where(out[column].notna(), "").astype("str")
        out[column] = text.fillna("")
    return out


def write_history(history: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write a history as CSV, or Parquet when ``path`` ends in ``.parquet``, in text form."""
    target = Path(path)
    text = history_text(history)
    try:
        if target.suffix.lower() == ".parquet":
            text.to_parquet(target, index=False)
        else:
            text.to_csv(target, index=False)
    except OSError as exc:
        raise InputError(f"cannot write the history: {exc.strerror}", file=str(target)) from exc
    return target


def empty_history() -> pd.DataFrame:
    """A typed history with no rows (what a ledger without escalations exports)."""
    import pandas as pd

    empty = pd.DataFrame({c: pd.Series(dtype="str") for c in HISTORY_COLUMNS})
    return validate_history(empty).accepted
