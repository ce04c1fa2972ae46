"""The escalation history file (CSV or Parquet), the third input schema beside tickets and
customers: read, validated per the data contract (rules in :mod:`.history_checks`), typed.

Every row read ends up either in ``accepted`` (typed: UTC datetimes, categoricals) or in
``rejected`` with the file, row and field at fault and the reason: nothing is dropped silently.
Row numbers are the ones an analyst sees: for CSV the line in the file (the header is line 1),
for Parquet the 1-based record number.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from escalation_kit.errors import InputError
from escalation_kit.intake.history_checks import (
    CATEGORICAL_COLUMNS,
    HISTORY_COLUMNS,
    Columns,
    check_history,
)
from escalation_kit.intake.readers import MAX_FIELD_CHARS, sniff_delimiter, text_encoding
from escalation_kit.intake.result import InputWarningRow
from escalation_kit.intake.validate import require_columns
from escalation_kit.intake.writers import write_csv

__all__ = [
    "HistoryLoad",
    "empty_history",
    "history_text",
    "load_history",
    "require_history_columns",
    "typed_history",
    "validate_history",
    "write_history",
]


@dataclass(frozen=True, slots=True, eq=False)
class HistoryLoad:
    """The outcome of reading a history: ``len(accepted) + len(rejected) == read``;
    ``warnings`` are about accepted rows (control characters removed), as for tickets."""

    accepted: pd.DataFrame
    rejected: pd.DataFrame
    read: int
    source: str
    warnings: tuple[InputWarningRow, ...] = ()

    def __repr__(self) -> str:
        return (
            f"HistoryLoad(source={self.source!r}, read={self.read}, "
            f"accepted={len(self.accepted)}, rejected={len(self.rejected)})"
        )


def load_history(path: str | os.PathLike[str]) -> HistoryLoad:
    """Read and validate a history file (``.csv`` or ``.parquet``)."""
    file = Path(path)
    columns = _read_columns(file)
    first_row = 1 if file.suffix.lower() == ".parquet" else 2
    checked = check_history(columns, source=str(file), first_row=first_row)
    read = len(checked.accepted) + len(checked.rejected)
    return HistoryLoad(checked.accepted, checked.rejected, read, str(file), checked.warnings)


def _read_columns(file: Path) -> Columns:
    """The contract's columns of a file as Arrow text (empty string for empty cells);
    InputError when unreadable, MissingColumnsError when a column is absent."""
    if not file.is_file():
        raise InputError("history file not found", file=str(file))
    try:
        if file.suffix.lower() == ".parquet":
            return _parquet_columns(file)
        return _csv_columns(file)
    except (OSError, ValueError, UnicodeDecodeError, csv.Error, pa.ArrowException) as exc:
        raise InputError(
            f"cannot read the history ({type(exc).__name__}: {exc}); expected a CSV or a "
            "Parquet file with the contract's columns",
            file=str(file),
        ) from exc


def require_history_columns(present: list[str], source: str) -> None:
    expected = f"a history needs {', '.join(HISTORY_COLUMNS)}"
    require_columns(present, HISTORY_COLUMNS, source, expected=expected)


def _csv_columns(file: Path) -> Columns:
    """Arrow's multi-threaded CSV reader (a history can hold millions of rows), every contract
    column read as text (others skipped); the encoding and delimiter are found as for tickets."""
    encoding = text_encoding(file)
    with file.open(encoding=encoding, newline="") as handle:
        first = handle.readline(MAX_FIELD_CHARS).lstrip("\ufeff")
    delimiter = sniff_delimiter(first)
    header = [name.strip() for name in next(csv.reader([first], delimiter=delimiter), [])]
    require_history_columns(header, str(file))
    arrow_encoding = "utf8" if encoding in ("utf-8", "utf-8-sig") else encoding
    table = pa_csv.read_csv(
        file,
        read_options=pa_csv.ReadOptions(encoding=arrow_encoding),
        parse_options=pa_csv.ParseOptions(delimiter=delimiter),
        convert_options=pa_csv.ConvertOptions(
            column_types=dict.fromkeys(HISTORY_COLUMNS, pa.string()),
            include_columns=list(HISTORY_COLUMNS),
        ),
    )
    return {c: table.column(c) for c in HISTORY_COLUMNS}


def _parquet_columns(file: Path) -> Columns:
    """A Parquet file's contract columns as text; text columns stay in Arrow, any other type
    (timestamps, numbers) is written the way pandas prints it."""
    require_history_columns(pq.read_schema(file).names, str(file))
    table = pq.read_table(file, columns=list(HISTORY_COLUMNS))
    out: Columns = {}
    for name in HISTORY_COLUMNS:
        column = table.column(name).combine_chunks()
        if pa.types.is_dictionary(column.type):
            column = column.dictionary_decode()
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            out[name] = column.fill_null("")
        else:
            values = column.to_pandas()
            out[name] = pa.array(values.astype(object).where(values.notna(), "").astype(str))
    return out


def validate_history(
    raw: pd.DataFrame, *, source: str = "<frame>", first_row: int = 1
) -> HistoryLoad:
    """Validate a frame of history cells (as text) and split it into accepted and rejected rows."""
    require_history_columns([str(c) for c in raw.columns], source)
    columns = {
        c: pa.array(raw[c].astype("str").fillna("").to_numpy(dtype=object), pa.string())
        for c in HISTORY_COLUMNS
    }
    checked = check_history(columns, source=source, first_row=first_row)
    return HistoryLoad(checked.accepted, checked.rejected, len(raw), source, checked.warnings)


def typed_history(frame: pd.DataFrame) -> pd.DataFrame:
    """Give a frame's history columns their analysis dtypes (what a ledger hands back).

    Enumerations become categoricals in the contract's order; a value outside it (a severity
    Microsoft added, say) is kept as an extra category rather than lost. Times become UTC.
    """
    out = frame.copy()
    for column in out.columns:
        if column in CATEGORICAL_COLUMNS:
            known = list(CATEGORICAL_COLUMNS[column])
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
    if target.suffix.lower() != ".parquet":
        return write_csv(text, target, what="history")
    try:
        text.to_parquet(target, index=False)
    except OSError as exc:
        raise InputError(f"cannot write the history: {exc.strerror}", file=str(target)) from exc
    return target


def empty_history() -> pd.DataFrame:
    """A typed history with no rows (what a ledger without escalations exports)."""
    empty = pd.DataFrame({c: pd.Series(dtype="str") for c in HISTORY_COLUMNS})
    return validate_history(empty).accepted
