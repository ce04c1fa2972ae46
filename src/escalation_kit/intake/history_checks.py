"""The history schema and its rules: vectorized validation of cells held as Arrow text.

The contract's rules run on whole columns (Arrow compute and numpy); the low-cardinality
columns (tenant, country, region, service and the enumerations) are dictionary-encoded first, so
trimming, case-folding and membership checks run once per distinct value, not once per row.
Python runs per row only to word the reasons of rejected rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from escalation_kit.models import HISTORY_COLUMNS as CONTRACT_HISTORY_COLUMNS
from escalation_kit.models import HISTORY_STATUSES, Category, Region
from escalation_kit.regions import regions_for_countries

__all__ = [
    "ESCALATION_CATEGORIES",
    "HISTORY_COLUMNS",
    "HISTORY_SEVERITIES",
    "HISTORY_STATUSES",
    "MAX_LENGTHS",
    "OPEN_STATUSES",
    "REGIONS",
    "REJECT_COLUMNS",
    "Checked",
    "Columns",
    "check_history",
    "parse_times",
]

HISTORY_COLUMNS = CONTRACT_HISTORY_COLUMNS
ESCALATION_CATEGORIES = tuple(c.value for c in Category.escalation_categories())
HISTORY_SEVERITIES = ("critical", "moderate", "minimal")
OPEN_STATUSES = ("open", "attention_needed")
REGIONS = tuple(r.value for r in Region)
REJECT_COLUMNS = ("file", "row", "field", "reason")
# Widths of the ledger's columns: a longer value could not be imported, so it is refused here.
MAX_LENGTHS = {"escalation_id": 64, "tenant_id": 36, "service": 100}

Columns = dict[str, pa.Array | pa.ChunkedArray]  # text, one per contract column

# What Arrow's strict ISO 8601 cast reads at full speed; other forms take the pandas path.
_FAST_TIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$"
_OFFSET = r"(?:[Zz]|[+-]\d{2}:?\d{2})$"
_UTC_US = pa.timestamp("us", tz="UTC")
_MONTH_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
_ENUMS = {
    "category": ESCALATION_CATEGORIES,
    "severity": HISTORY_SEVERITIES,
    "status": HISTORY_STATUSES,
}
_BAD_TIME = "not an ISO 8601 datetime with offset or Z"
# Times outside these bounds are no escalation's (and overflow pandas' nanoseconds).
EARLIEST = pa.scalar(946_684_800_000_000, _UTC_US)  # 2000-01-01
LATEST = pa.scalar(7_258_118_400_000_000, _UTC_US)  # 2200-01-01
_OUTSIDE = "outside 2000-01-01 to 2199-12-31"
_EARLIEST_TS = pd.Timestamp("1900-01-01", tz="UTC")  # the pandas path's own, wider bounds
_LATEST_TS = pd.Timestamp("2262-01-01", tz="UTC")
_RULES: dict[str, tuple[str, ...]] = {  # per field, in order: the first that fails is named
    "escalation_id": ("escalation_id is empty", "escalation_id repeats an earlier row"),
    "tenant_id": ("tenant_id is empty",),
    "country": ("not an ISO 3166-1 alpha-2 code",),
    "region": ("region must be one of: " + ", ".join(REGIONS),),
    "service": (),
    "category": ("category must be one of: " + ", ".join(ESCALATION_CATEGORIES),),
    "severity": ("severity must be one of: " + ", ".join(HISTORY_SEVERITIES),),
    "created_at": (_BAD_TIME, _OUTSIDE),
    "resolved_at": (
        _BAD_TIME,
        _OUTSIDE,
        "must be empty while the status is open or attention_needed",
        "a closed escalation needs resolved_at",
        "resolved_at is before created_at",
    ),
    "status": ("status must be one of: " + ", ".join(HISTORY_STATUSES),),
}
for _column, _limit in MAX_LENGTHS.items():  # the length rule comes after the others
    _RULES[_column] += (f"longer than {_limit} characters",)


@dataclass(frozen=True, slots=True, eq=False)
class Checked:
    """The outcome of the checks: typed accepted rows and the rejected rows with reasons."""

    accepted: pd.DataFrame
    rejected: pd.DataFrame


@dataclass(frozen=True, slots=True, eq=False)
class _Coded:
    """A dictionary-encoded text column: normalized distinct values and each row's index."""

    values: pa.Array
    indices: np.ndarray

    @classmethod
    def of(cls, column: pa.Array | pa.ChunkedArray, fold: str = "") -> _Coded:
        # Encoded chunk by chunk on a shared dictionary: only the indices are concatenated.
        chunked = column if isinstance(column, pa.ChunkedArray) else pa.chunked_array([column])
        filled = pc.fill_null(chunked, "") if chunked.null_count else chunked
        encoded = pc.dictionary_encode(filled).unify_dictionaries().combine_chunks()
        values = pc.utf8_trim_whitespace(encoded.dictionary)
        if fold == "lower":
            values = pc.utf8_lower(values)
        elif fold == "upper":
            values = pc.utf8_upper(values)
        return cls(values, encoded.indices.to_numpy(zero_copy_only=False))

    def per_row(self, mask_of_values: pa.Array | np.ndarray) -> np.ndarray:
        """A per-value boolean, spread to the rows."""
        return _bools(mask_of_values)[self.indices]

    def codes_in(self, allowed: tuple[str, ...]) -> np.ndarray:
        """Each row's position in ``allowed``; -1 when not one of them."""
        positions = pc.fill_null(pc.index_in(self.values, pa.array(allowed)), -1)
        return positions.to_numpy(zero_copy_only=False).astype(np.int8)[self.indices]

    def text(self, rows: np.ndarray | None = None) -> pa.Array:
        return self.values.take(self.indices if rows is None else self.indices[rows])


def _one_array(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    return pc.fill_null(column, "")


def _bools(mask: pa.Array | np.ndarray) -> np.ndarray:
    if isinstance(mask, np.ndarray):
        return mask.astype(bool)
    return pc.fill_null(mask, False).to_numpy(zero_copy_only=False).astype(bool)


def parse_times(text: pa.Array) -> pa.Array:
    """Trimmed ISO 8601 text → ``timestamp[us, UTC]``; null where empty, unparseable or without
    an offset. Arrow's strict cast reads the whole column when it can (the usual case); else the
    rows of the fixed form are cast and only the others are parsed by pandas."""
    given = _bools(pc.not_equal(text, ""))
    try:
        return pc.cast(pc.if_else(given, text, None), _UTC_US)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    fast = given & _bools(pc.match_substring_regex(text, _FAST_TIME))
    fast[fast] = _in_calendar(text.filter(pa.array(fast)))
    try:
        parsed = pc.cast(pc.if_else(fast, text, None), _UTC_US)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # e.g. a +99:00 offset
        fast[:] = False
        parsed = pa.nulls(len(text), _UTC_US)
    slow = np.flatnonzero(given & ~fast)
    if not len(slow):
        return parsed
    micros = parsed.cast(pa.int64()).to_numpy(zero_copy_only=False).astype("float64")
    micros[slow] = _pandas_times(text.take(pa.array(slow)))
    return pa.array(micros, mask=np.isnan(micros)).cast(pa.int64()).cast(_UTC_US)


def _in_calendar(text: pa.Array) -> np.ndarray:
    """For text of the fixed form: month, day of that month, hour, minute, second in range (so
    a 2026-02-30 goes to the slow path alone instead of failing the cast of the column)."""

    def number(start: int, stop: int) -> np.ndarray:
        digits = pc.utf8_slice_codeunits(text, start, stop)
        return pc.cast(digits, pa.int32()).to_numpy(zero_copy_only=False)

    year, month, day = number(0, 4), number(5, 7), number(8, 10)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    days = _MONTH_DAYS[np.clip(month - 1, 0, 11)] + (leap & (month == 2))
    return (
        (month >= 1)
        & (month <= 12)
        & (day >= 1)
        & (day <= days)
        & (number(11, 13) <= 23)
        & (number(14, 16) <= 59)
        & (number(17, 19) <= 59)
    )


def _pandas_times(text: pa.Array) -> np.ndarray:
    """Microseconds since the epoch (NaN when invalid) of the rows Arrow could not read."""
    series = pd.Series(text.to_pylist(), dtype="str")
    has_offset = series.str.contains(_OFFSET, regex=True)
    parsed = pd.to_datetime(series.where(has_offset), format="ISO8601", utc=True, errors="coerce")
    # pandas reads years Arrow refuses (-2026): such times are not history, and would overflow.
    parsed = parsed.where((parsed >= _EARLIEST_TS) & (parsed < _LATEST_TS))
    micros = (parsed - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(microseconds=1)  # exact
    return micros.to_numpy(dtype="float64", na_value=np.nan)


def check_history(columns: Columns, *, source: str, first_row: int) -> Checked:
    """Run every rule on text columns (one per contract column, same length) and split rows."""
    cells = _Cells.normalize(columns)
    failures = cells.failures()
    bad = np.zeros(cells.rows, dtype=bool)
    for codes in failures.values():
        bad |= codes > 0
    return Checked(cells.accepted(~bad), cells.rejected(failures, bad, source, first_row))


@dataclass(frozen=True, slots=True, eq=False)
class _Cells:
    """Normalized columns: trimmed, enumerations lower-cased, countries upper-cased, an empty
    region derived from the country; times parsed."""

    rows: int
    ids: pa.Array
    coded: dict[str, _Coded]
    region: np.ndarray  # position in REGIONS, -1 when not one
    region_derived: np.ndarray  # rows whose region came from the country
    times_text: dict[str, pa.Array]
    created: pa.Array  # null where unreadable or outside the bounds
    resolved: pa.Array
    outside: dict[str, np.ndarray]  # per time column: rows read but outside the bounds

    @classmethod
    def normalize(cls, columns: Columns) -> _Cells:
        folds = {"country": "upper", "category": "lower", "severity": "lower", "status": "lower"}
        coded = {
            c: _Coded.of(columns[c], folds.get(c, ""))
            for c in ("tenant_id", "country", "region", "service", *_ENUMS)
        }
        times = {
            c: pc.utf8_trim_whitespace(_one_array(columns[c]))
            for c in ("created_at", "resolved_at")
        }
        region, derived = _regions(coded["region"], coded["country"])
        parsed = {c: parse_times(text) for c, text in times.items()}
        outside = {c: _outside(values) for c, values in parsed.items()}
        return cls(
            rows=len(coded["status"].indices),
            ids=pc.utf8_trim_whitespace(_one_array(columns["escalation_id"])),
            coded=coded,
            region=region,
            region_derived=derived,
            times_text=times,
            created=pc.if_else(pa.array(outside["created_at"]), None, parsed["created_at"]),
            resolved=pc.if_else(pa.array(outside["resolved_at"]), None, parsed["resolved_at"]),
            outside=outside,
        )

    def failures(self) -> dict[str, np.ndarray]:
        """Per field: 0 where fine, else the 1-based number of the first rule that fails."""
        masks = {
            "escalation_id": self._id_failures(),
            "tenant_id": [
                self.coded["tenant_id"].per_row(pc.equal(self.coded["tenant_id"].values, ""))
            ],
            "country": [self._bad_countries()],
            "region": [self.region < 0],
            "service": [],
            "created_at": [
                _bools(pc.is_null(self.created)) & ~self.outside["created_at"],
                self.outside["created_at"],
            ],
            "resolved_at": self._resolution_failures(),
        }
        for column, allowed in _ENUMS.items():
            masks[column] = [self.coded[column].codes_in(allowed) < 0]
        for column, limit in MAX_LENGTHS.items():
            masks[column].append(self._too_long(column, limit))
        return {column: _first_failure(masks[column], self.rows) for column in HISTORY_COLUMNS}

    def _too_long(self, column: str, limit: int) -> np.ndarray:
        if column == "escalation_id":
            return _bools(pc.greater(pc.utf8_length(self.ids), limit))
        coded = self.coded[column]
        return coded.per_row(pc.greater(pc.utf8_length(coded.values), limit))

    def _id_failures(self) -> list[np.ndarray]:
        empty = _bools(pc.equal(self.ids, ""))
        repeated = _repeated(self.ids)
        return [empty, repeated & ~empty]

    def _bad_countries(self) -> np.ndarray:
        values = self.coded["country"].values
        ok = pc.or_(pc.equal(values, ""), pc.match_substring_regex(values, r"^[A-Z]{2}$"))
        return ~self.coded["country"].per_row(ok)

    def _resolution_failures(self) -> list[np.ndarray]:
        """resolved_at: a valid time, empty while open, present once closed, not before created."""
        given = _bools(pc.not_equal(self.times_text["resolved_at"], ""))
        status = self.coded["status"].codes_in(HISTORY_STATUSES)
        is_open = np.isin(status, [HISTORY_STATUSES.index(s) for s in OPEN_STATUSES])
        closed = status == HISTORY_STATUSES.index("closed")
        outside = self.outside["resolved_at"]
        return [
            given & _bools(pc.is_null(self.resolved)) & ~outside,
            outside,
            given & is_open,
            ~given & closed,
            given & _bools(pc.less(self.resolved, self.created)),
        ]

    def text(self, column: str, rows: np.ndarray) -> pa.Array:
        """The normalized text of ``column`` at ``rows`` (what a rejected row shows)."""
        if column == "escalation_id":
            return self.ids.take(pa.array(rows))
        if column in self.times_text:
            return self.times_text[column].take(pa.array(rows))
        if column == "region":
            derived = np.asarray((*REGIONS, ""), dtype=object)[self.region[rows]]
            given = self.coded["region"].text(rows).to_numpy(zero_copy_only=False)
            return pa.array(np.where(self.region_derived[rows], derived, given), pa.string())
        return self.coded[column].text(rows)

    def accepted(self, keep: np.ndarray) -> pd.DataFrame:
        """The accepted rows with analysis-ready dtypes."""
        rows = np.flatnonzero(keep)
        take = pa.array(rows)
        frame = {
            "escalation_id": self.ids.take(take),
            "tenant_id": self.coded["tenant_id"].text(rows),
            "country": self.coded["country"].text(rows),
            "region": pd.Categorical.from_codes(self.region[rows], categories=pd.Index(REGIONS)),
            "service": self.coded["service"].text(rows),
        }
        out = {k: v.to_pandas() if isinstance(v, pa.Array) else v for k, v in frame.items()}
        for column, allowed in _ENUMS.items():
            out[column] = pd.Categorical.from_codes(
                self.coded[column].codes_in(allowed)[rows], categories=pd.Index(allowed)
            )
        out["created_at"] = self.created.take(take).to_pandas()
        out["resolved_at"] = self.resolved.take(take).to_pandas()
        return pd.DataFrame({c: out[c] for c in HISTORY_COLUMNS})

    def rejected(
        self, failures: dict[str, np.ndarray], bad: np.ndarray, source: str, first_row: int
    ) -> pd.DataFrame:
        """One row per rejected record: where it is, its first faulty field, all reasons, and
        its (normalized) cells for the analyst."""
        rows = np.flatnonzero(bad)
        if not len(rows):
            return pd.DataFrame(
                {c: pd.Series(dtype="int64" if c == "row" else "str") for c in REJECT_COLUMNS}
                | {c: pd.Series(dtype="str") for c in HISTORY_COLUMNS}
            )
        fields, reasons = _reasons({c: codes[rows] for c, codes in failures.items()})
        head = {
            "file": pd.Series(source, index=range(len(rows)), dtype="str"),
            "row": pd.Series(rows + first_row, dtype="int64"),
            "field": pd.Series(fields, dtype="str"),
            "reason": pd.Series(reasons, dtype="str"),
        }
        cells = {c: self.text(c, rows).to_pandas().astype("str") for c in HISTORY_COLUMNS}
        return pd.DataFrame(head | cells)


def _outside(times: pa.Array) -> np.ndarray:
    """Rows whose time was read but lies outside [EARLIEST, LATEST)."""
    early = pc.less(times, EARLIEST)
    return _bools(pc.or_(early, pc.greater_equal(times, LATEST)))


def _regions(region: _Coded, country: _Coded) -> tuple[np.ndarray, np.ndarray]:
    """Each row's position in REGIONS (-1 when not one) with an empty region derived from the
    country, and which rows were derived."""
    derived = region.per_row(pc.equal(region.values, ""))
    codes = region.codes_in(REGIONS)
    if derived.any():
        names = regions_for_countries(country.values.to_pandas())
        by_country = pc.fill_null(pc.index_in(pa.array(names, pa.string()), pa.array(REGIONS)), -1)
        from_country = by_country.to_numpy(zero_copy_only=False).astype(np.int8)
        codes = np.where(derived, from_country[country.indices], codes)
    return codes, derived


def _repeated(ids: pa.Array) -> np.ndarray:
    """Rows whose id appeared on an earlier row. Ids in strictly ascending order (the usual
    export) cannot repeat, which one pass of comparisons shows; else a hash table decides."""
    if len(ids) < 2 or pc.all(pc.greater(ids[1:], ids[:-1])).as_py():
        return np.zeros(len(ids), dtype=bool)
    return pd.Series(ids, dtype="str").duplicated(keep="first").to_numpy()


def _first_failure(masks: list[np.ndarray], rows: int) -> np.ndarray:
    """0 where no mask is set, else the 1-based number of the first mask set."""
    codes = np.zeros(rows, dtype=np.int8)
    for number, mask in reversed(list(enumerate(masks, start=1))):
        codes[mask] = number
    return codes


def _reasons(failures: dict[str, np.ndarray]) -> tuple[list[str], list[str]]:
    """The first faulty field of each rejected row and all its reasons, worded."""
    fields: list[str] = []
    reasons: list[str] = []
    for number in range(len(failures["escalation_id"])):
        found = [
            (c, _RULES[c][codes[number] - 1]) for c, codes in failures.items() if codes[number]
        ]
        fields.append(found[0][0])
        reasons.append("; ".join(f"{field}: {text}" for field, text in found))
    return fields, reasons
