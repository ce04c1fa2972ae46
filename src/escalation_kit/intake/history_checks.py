"""The history schema: the data contract's columns and rules, declared on the shared primitives.

Rules come from :mod:`.rules` (required, length, membership, repeats) and :mod:`.dates` (ISO
8601 with an offset, 2000 to 2199); verdicts are collected by :class:`~.validate.Findings`, as
for tickets and customers. The history's reasons name the field first (``tenant_id: tenant_id is
empty``) and each field reports its first failing rule only.

For speed (a history can hold millions of rows) the low-cardinality columns (tenant, country,
region, service and the enumerations) are dictionary-encoded first (:class:`~.rules.Coded`), so
trimming, case-folding and membership checks run once per distinct value, not once per row.
Python runs per row only to word the reasons of rejected rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from escalation_kit.intake.dates import OUTSIDE, outside, parse_times
from escalation_kit.intake.result import InputWarningRow
from escalation_kit.intake.rules import (
    Coded,
    bools,
    empty,
    not_in,
    repeated,
    strip_controls,
    too_long,
    warn_cleaned,
)
from escalation_kit.intake.validate import REJECT_COLUMNS, Findings
from escalation_kit.models import HISTORY_COLUMNS as CONTRACT_HISTORY_COLUMNS
from escalation_kit.models import (
    HISTORY_STATUSES,
    ID_LENGTH,
    OPEN_STATUSES,
    SERVICE_LENGTH,
    TENANT_ID_LENGTH,
    Category,
    Region,
    Severity,
)
from escalation_kit.regions import regions_for_countries

__all__ = [
    "CATEGORICAL_COLUMNS",
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
HISTORY_SEVERITIES = Severity.choices()
REGIONS = tuple(r.value for r in Region)
# Widths of the ledger's columns: a longer value could not be imported, so it is refused here.
MAX_LENGTHS = {"escalation_id": ID_LENGTH, "tenant_id": TENANT_ID_LENGTH, "service": SERVICE_LENGTH}

Columns = dict[str, pa.Array | pa.ChunkedArray]  # text, one per contract column

_ENUMS = {
    "category": ESCALATION_CATEGORIES,
    "severity": HISTORY_SEVERITIES,
    "status": HISTORY_STATUSES,
}
CATEGORICAL_COLUMNS = {"region": REGIONS, **_ENUMS}
"""The history's enumerated columns and their values, in the contract's order."""
_FOLDS = {"country": "upper", "category": "lower", "severity": "lower", "status": "lower"}
_TIMES = ("created_at", "resolved_at")
_BAD_TIME = "not an ISO 8601 datetime with offset or Z"


@dataclass(frozen=True, slots=True, eq=False)
class Checked:
    """The outcome of the checks: typed accepted rows, the rejected rows with reasons, and the
    warnings about accepted rows (control characters removed)."""

    accepted: pd.DataFrame
    rejected: pd.DataFrame
    warnings: tuple[InputWarningRow, ...] = ()


def _clean_array(column: pa.Array | pa.ChunkedArray) -> tuple[pa.Array, np.ndarray]:
    """One trimmed array without control characters, and the rows that held any."""
    column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    text, dirty = strip_controls(pc.fill_null(column, ""))
    return pc.utf8_trim_whitespace(text), dirty


def check_history(columns: Columns, *, source: str, first_row: int) -> Checked:
    """Run every rule on text columns (one per contract column, same length) and split rows."""
    cells = _Cells.normalize(columns)
    findings = Findings(pd.RangeIndex(cells.rows))
    for column in HISTORY_COLUMNS:
        cleaned = cells.cleaned(column)
        if cleaned.any():
            warn_cleaned(findings, column, cleaned)
    for column, rules in cells.rules().items():
        findings.reject_first(column, [(mask, f"{column}: {text}") for mask, text in rules])
    bad = findings.rejected_flags()
    warnings: tuple[InputWarningRow, ...] = ()
    if findings.notes:
        warnings = findings.warnings(np.arange(cells.rows) + first_row, cells.ids, ~bad)
    return Checked(cells.accepted(~bad), cells.rejected(findings, bad, source, first_row), warnings)


@dataclass(frozen=True, slots=True, eq=False)
class _Cells:
    """Normalized columns: trimmed, enumerations lower-cased, countries upper-cased, an empty
    region derived from the country; times parsed."""

    rows: int
    ids: pa.Array
    dirty: dict[str, np.ndarray]  # ids and times: rows whose control characters were removed
    coded: dict[str, Coded]
    region: np.ndarray  # position in REGIONS, -1 when not one
    region_derived: np.ndarray  # rows whose region came from the country
    times_text: dict[str, pa.Array]
    created: pa.Array  # null where unreadable or outside the bounds
    resolved: pa.Array
    outside: dict[str, np.ndarray]  # per time column: rows read but outside the bounds

    @classmethod
    def normalize(cls, columns: Columns) -> _Cells:
        coded = {
            c: Coded.of(columns[c], _FOLDS.get(c, ""))
            for c in ("tenant_id", "country", "region", "service", *_ENUMS)
        }
        plain = {c: _clean_array(columns[c]) for c in ("escalation_id", *_TIMES)}
        times = {c: plain[c][0] for c in _TIMES}
        region, derived = _regions(coded["region"], coded["country"])
        parsed = {c: parse_times(text) for c, text in times.items()}
        late = {c: outside(values) for c, values in parsed.items()}
        return cls(
            rows=len(coded["status"].indices),
            ids=plain["escalation_id"][0],
            dirty={c: dirty for c, (_, dirty) in plain.items()},
            coded=coded,
            region=region,
            region_derived=derived,
            times_text=times,
            created=pc.if_else(pa.array(late["created_at"]), None, parsed["created_at"]),
            resolved=pc.if_else(pa.array(late["resolved_at"]), None, parsed["resolved_at"]),
            outside=late,
        )

    def cleaned(self, column: str) -> np.ndarray:
        """Rows of ``column`` whose control characters were removed."""
        return self.dirty[column] if column in self.dirty else self.coded[column].cleaned()

    def rules(self) -> dict[str, list[tuple[np.ndarray, str]]]:
        """Per field, in the contract's order: each rule's faulty rows and its reason, in the
        order they are tried (the length rule comes after the others)."""
        no_id = empty(self.ids)
        rules: dict[str, list[tuple[np.ndarray, str]]] = {
            "escalation_id": [
                (no_id, "escalation_id is empty"),
                (repeated(self.ids) & ~no_id, "escalation_id repeats an earlier row"),
            ],
            "tenant_id": [(empty(self.coded["tenant_id"]), "tenant_id is empty")],
            "country": [(self._bad_countries(), "not an ISO 3166-1 alpha-2 code")],
            "region": [(self.region < 0, "region must be one of: " + ", ".join(REGIONS))],
            "service": [],
            **{
                column: [
                    (
                        not_in(self.coded[column], allowed),
                        f"{column} must be one of: " + ", ".join(allowed),
                    )
                ]
                for column, allowed in _ENUMS.items()
            },
            "created_at": [
                (bools(pc.is_null(self.created)) & ~self.outside["created_at"], _BAD_TIME),
                (self.outside["created_at"], OUTSIDE),
            ],
            "resolved_at": self._resolution_rules(),
        }
        for column, limit in MAX_LENGTHS.items():
            values = self.ids if column == "escalation_id" else self.coded[column]
            rules[column].append((too_long(values, limit), f"longer than {limit} characters"))
        return {column: rules[column] for column in HISTORY_COLUMNS}

    def _bad_countries(self) -> np.ndarray:
        values = self.coded["country"].values
        ok = pc.or_(pc.equal(values, ""), pc.match_substring_regex(values, r"^[A-Z]{2}$"))
        return ~self.coded["country"].per_row(ok)

    def _resolution_rules(self) -> list[tuple[np.ndarray, str]]:
        """resolved_at: a valid time, empty while open, present once closed, not before created."""
        given = ~empty(self.times_text["resolved_at"])
        status = self.coded["status"].codes_in(HISTORY_STATUSES)
        is_open = np.isin(status, [HISTORY_STATUSES.index(s) for s in OPEN_STATUSES])
        closed = status == HISTORY_STATUSES.index("closed")
        late = self.outside["resolved_at"]
        before = given & bools(pc.less(self.resolved, self.created))
        return [
            (given & bools(pc.is_null(self.resolved)) & ~late, _BAD_TIME),
            (late, OUTSIDE),
            (given & is_open, "must be empty while the status is open or attention_needed"),
            (~given & closed, "a closed escalation needs resolved_at"),
            (before, "resolved_at is before created_at"),
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
        self, findings: Findings, bad: np.ndarray, source: str, first_row: int
    ) -> pd.DataFrame:
        """One row per rejected record: where it is, its first faulty field, all reasons, and
        its (normalized) cells for the analyst."""
        rows = np.flatnonzero(bad)
        if not len(rows):
            return pd.DataFrame(
                {c: pd.Series(dtype="int64" if c == "row" else "str") for c in REJECT_COLUMNS}
                | {c: pd.Series(dtype="str") for c in HISTORY_COLUMNS}
            )
        verdicts = findings.verdicts(bad)
        head = {
            "file": pd.Series(source, index=range(len(rows)), dtype="str"),
            "row": pd.Series(rows + first_row, dtype="int64"),
            "field": pd.Series(verdicts.first_fields, dtype="str"),
            "reason": pd.Series(verdicts.reasons, dtype="str"),
        }
        cells = {c: self.text(c, rows).to_pandas().astype("str") for c in HISTORY_COLUMNS}
        return pd.DataFrame(head | cells)


def _regions(region: Coded, country: Coded) -> tuple[np.ndarray, np.ndarray]:
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
