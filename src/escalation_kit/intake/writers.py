"""The one writer of every CSV and Excel file the tool hands to people.

Customer and Microsoft text is untrusted, and a spreadsheet runs a cell that starts with ``=``,
``+``, ``-``, ``@``, tab or carriage return as a formula (``=HYPERLINK(...)`` phones home). Every
table the tool writes (triage output, rejects, ``escalate``'s ``index.csv`` and attachments,
history exports, report tables) goes through :func:`write_csv`, :func:`csv_text` or
:func:`write_xlsx`, which neutralize such cells the same way: a leading ``'`` (what Excel itself
uses to mark text). Plain numbers (``-5``, ``+1.5``) are left alone. A cell that already starts
with ``'`` gets one more, so that :func:`restore_cell` gives back exactly what was written when
the tool reads its own output again (the triage output feeds ``escalate``).

A value holding a bare carriage return is quoted: the file is then written with ``\\r\\n`` line
ends (RFC 4180), because Python's CSV writer quotes only the characters of its line terminator.
Excel refuses control characters other than tab, line feed and carriage return; they are
removed from workbooks.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import pandas as pd

from escalation_kit.errors import InputError

__all__ = [
    "FORMULA_START",
    "csv_text",
    "restore_cell",
    "safe_cell",
    "safe_frame",
    "write_csv",
    "write_xlsx",
]

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_MARKED = (*FORMULA_START, "'")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_NUMBER_PATTERN = _NUMBER.pattern
# What openpyxl refuses in a cell (its ILLEGAL_CHARACTERS_RE).
_XLSX_ILLEGAL = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"


def safe_cell(value: object) -> str:
    """One cell as text a spreadsheet shows and never runs (``None`` → ``""``)."""
    text = "" if value is None else str(value)
    if text.startswith(_MARKED) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def restore_cell(text: str) -> str:
    """A cell of a file the tool wrote, as it was before :func:`safe_cell`."""
    return text[1:] if text.startswith("'") else text


def _is_text(values: pd.Series) -> bool:
    return (
        pd.api.types.is_string_dtype(values)
        or pd.api.types.is_object_dtype(values)
        or isinstance(values.dtype, pd.CategoricalDtype)
    )


def _defuse(values: pd.Series) -> pd.Series:
    text = values.astype("object")
    as_str = text.where(text.notna(), "").astype("str")
    risky = as_str.str.startswith(_MARKED) & ~as_str.str.fullmatch(_NUMBER_PATTERN)
    if not risky.any():
        return values
    return text.mask(risky, "'" + as_str)


def safe_frame(frame: pd.DataFrame, *, excel: bool = False) -> pd.DataFrame:
    """A copy whose text cells are neutralized; for Excel also without time zones (the values
    are UTC) and without the control characters Excel refuses."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if excel and isinstance(values.dtype, pd.DatetimeTZDtype):
            out[column] = values.dt.tz_localize(None)
        elif _is_text(values):
            cleaned = values
            if excel:
                text = values.astype("object")
                cleaned = text.where(
                    text.isna(), text.astype("str").str.replace(_XLSX_ILLEGAL, "", regex=True)
                )
            out[column] = _defuse(cleaned)
    return out


def _line_end(frame: pd.DataFrame) -> str:
    for column in frame.columns:
        values = frame[column]
        if _is_text(values) and values.astype("str").str.contains("\r", regex=False).any():
            return "\r\n"
    return "\n"


def write_csv(
    frame: pd.DataFrame, path: str | Path, *, what: str = "file", bom: bool = False
) -> Path:
    """Write ``frame`` (no index) as UTF-8 CSV, neutralized; InputError names the file."""
    target = Path(path)
    safe = safe_frame(frame)
    try:
        safe.to_csv(
            target,
            index=False,
            encoding="utf-8-sig" if bom else "utf-8",
            lineterminator=_line_end(safe),
        )
    except OSError as exc:
        raise InputError(
            f"cannot write the {what}: {exc.strerror or exc}", file=str(target)
        ) from exc
    return target


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """Rows as CSV text, neutralized like :func:`write_csv` (``None`` → empty cell)."""
    cells = [[safe_cell(value) for value in row] for row in rows]
    end = "\r\n" if any("\r" in cell for row in cells for cell in row) else "\n"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=end)
    writer.writerow(header)
    writer.writerows(cells)
    return buffer.getvalue()


def write_xlsx(
    sheets: Mapping[str, pd.DataFrame], path: str | Path, *, what: str = "workbook"
) -> Path:
    """One workbook, a sheet per table (names cut to Excel's 31 characters), neutralized."""
    target = Path(path)
    try:
        with pd.ExcelWriter(target, engine="openpyxl") as excel:
            for name, table in sheets.items():
                safe_frame(table, excel=True).to_excel(excel, sheet_name=name[:31], index=False)
    except OSError as exc:
        raise InputError(
            f"cannot write the {what}: {exc.strerror or exc}", file=str(target)
        ) from exc
    return target
