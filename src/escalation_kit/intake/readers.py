"""Reading user files into a frame of raw text: CSV (any common encoding), JSON lines, Excel.

Every cell is read as text, nothing is guessed ("007" stays "007"); validation happens later.
Each row keeps ``source_row``, the number the user sees: the line where a CSV record starts (the
header is line 1, so the first data row is 2), the line of a JSON-lines record, the Excel row.
Blank lines are skipped and not counted. A row that cannot be split into fields (a CSV row with
more fields than the header, a line that is not a JSON object) is kept with its problem in
``_parse_error``, so that validation rejects it like any other bad row.

File-level problems (unreadable, empty, binary, unknown extension, duplicate columns) raise
:class:`InputError` naming the file.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import sys
import zipfile
from collections.abc import Iterator, Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pandas as pd

from escalation_kit.errors import InputError

__all__ = ["PARSE_ERROR", "SOURCE_ROW", "decode_text", "prepare_frame", "read_raw_table"]

SOURCE_ROW = "source_row"
PARSE_ERROR = "_parse_error"
CSV_SUFFIXES = (".csv", ".tsv", ".txt")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
_DELIMITERS = (",", ";", "\t")
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
_FALLBACK_ENCODINGS = ["utf_8", "cp1252", "cp1251", "latin_1"]
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_HEADER_SPACES = re.compile(r"[\s\-]+")
_BINARY_BYTES = bytes([*range(0, 9), 11, 12, *range(14, 27), *range(28, 32)])


def read_raw_table(path: str | Path) -> pd.DataFrame:
    """The file's rows as text columns plus ``source_row`` (and ``_parse_error`` when needed)."""
    file = Path(path)
    suffix = file.suffix.lower()
    if suffix not in (*CSV_SUFFIXES, *JSONL_SUFFIXES, *EXCEL_SUFFIXES):
        raise InputError(
            f"unknown file type {suffix or '(no extension)'!r}; use .csv, .tsv, .jsonl, "
            ".ndjson or .xlsx",
            file=str(file),
        )
    data = _read_bytes(file)
    if suffix in EXCEL_SUFFIXES:
        header, rows = _excel_rows(data, str(file))
    elif suffix in JSONL_SUFFIXES:
        return _jsonl_frame(decode_text(data, str(file)), str(file))
    else:
        header, rows = _csv_rows(decode_text(data, str(file)), str(file))
    return _frame(header, rows, str(file))


def prepare_frame(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """An in-memory frame made to look like a file read: clean header, text cells, ``source_row``.

    Without a ``source_row`` column, rows are numbered as in a CSV file with a header (first
    row = 2), so that messages point at the right line of the file the frame came from.
    """
    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"expected a pandas DataFrame, got {type(frame).__name__}", file=source)
    raw = frame.reset_index(drop=True)
    raw.columns = _clean_header(list(raw.columns), source)
    numbers = raw.pop(SOURCE_ROW) if SOURCE_ROW in raw.columns else None
    raw = raw.astype("str")
    if numbers is None:
        raw[SOURCE_ROW] = pd.Series(range(2, len(raw) + 2), dtype="int64")
    else:
        raw[SOURCE_ROW] = pd.to_numeric(numbers, errors="coerce").fillna(0).astype("int64")
    return raw


def _read_bytes(file: Path) -> bytes:
    try:
        data = file.read_bytes()
    except FileNotFoundError as exc:
        raise InputError("file not found", file=str(file)) from exc
    except IsADirectoryError as exc:
        raise InputError("is a directory, not a file", file=str(file)) from exc
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror}", file=str(file)) from exc
    if not data.strip():
        raise InputError("file is empty", file=str(file))
    return data


def decode_text(data: bytes, source: str) -> str:
    """Bytes → text: a BOM decides, else strict UTF-8, else charset-normalizer's best guess."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _decode(data, encoding, source)
    if data.startswith(b"PK\x03\x04"):
        raise InputError("this is a zip or Excel file; give it the .xlsx extension", file=source)
    sample = data[:65536]
    if sum(sample.count(b) for b in _BINARY_BYTES) > max(8, len(sample) // 100):
        raise InputError(
            "looks like a binary file, not text (UTF-16 text needs a byte-order mark; "
            "or save it as UTF-8)",
            file=source,
        )
    with contextlib.suppress(UnicodeDecodeError):
        return data.decode("utf-8")
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=_FALLBACK_ENCODINGS).best()
    if best is None:
        raise InputError("cannot tell the text encoding; save the file as UTF-8", file=source)
    return _decode(data, best.encoding, source)


def _decode(data: bytes, encoding: str, source: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not valid {encoding} text at byte {exc.start}; save the file as UTF-8", file=source
        ) from exc


def sniff_delimiter(first_line: str) -> str:
    """The delimiter that splits the header into the most fields (``,`` on a tie)."""
    counts = dict.fromkeys(_DELIMITERS, 0)
    for delimiter in _DELIMITERS:
        with contextlib.suppress(csv.Error):
            counts[delimiter] = len(next(csv.reader([first_line], delimiter=delimiter), []))
    return max(_DELIMITERS, key=lambda d: counts[d])


@contextlib.contextmanager
def _unlimited_fields() -> Iterator[None]:
    # csv refuses fields over 128 KiB; long descriptions are rejected by validation, not here.
    previous = csv.field_size_limit(sys.maxsize)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def _csv_rows(text: str, source: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    text = text.lstrip("\ufeff")
    stream = io.StringIO(text, newline="")
    first = _LINE_BREAK.split(text.lstrip(), maxsplit=1)[0]
    reader = csv.reader(stream, delimiter=sniff_delimiter(first))
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    line = 0
    with _unlimited_fields():
        try:
            for record in reader:
                start, line = line + 1, reader.line_num
                if not "".join(record).strip():
                    continue
                if header is None:
                    header = record
                else:
                    rows.append((start, record))
        except csv.Error as exc:
            raise InputError(f"not a readable CSV file: {exc}", file=source, row=line + 1) from exc
    if header is None:
        raise InputError("file is empty", file=source)
    return header, rows


def _excel_rows(data: bytes, source: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise InputError(f"not a readable Excel workbook ({exc})", file=source) from exc
    except Exception as exc:  # openpyxl raises its own and lxml's errors on damaged files
        raise InputError(
            f"not a readable Excel workbook ({type(exc).__name__})", file=source
        ) from exc
    try:
        sheet = book.worksheets[0]
        cells = ([_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True))
        rows = [(i, r) for i, r in enumerate(cells, start=1) if any(c.strip() for c in r)]
    finally:
        book.close()
    if not rows:
        raise InputError("file is empty", file=source)
    return rows[0][1], rows[1:]


def _cell_text(value: Any) -> str:
    """An Excel cell as the text the user sees; whole numbers without ``.0``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def _jsonl_frame(text: str, source: str) -> pd.DataFrame:
    records: list[dict[str, str]] = []
    # Only \n ends a record: JSON strings may hold U+2028 and friends, which splitlines() splits on.
    for number, line in enumerate(text.lstrip("\ufeff").split("\n"), start=1):
        if line.strip():
            records.append(_json_record(line, number))
    if not records:
        raise InputError("file is empty", file=source)
    frame = pd.DataFrame.from_records(records)
    frame.columns = _clean_header(list(frame.columns), source)
    frame = frame.astype("str")
    frame[SOURCE_ROW] = [r[SOURCE_ROW] for r in records]
    frame[SOURCE_ROW] = frame[SOURCE_ROW].astype("int64")
    return frame


def _json_record(line: str, number: int) -> dict[str, Any]:
    try:
        value = json.loads(line)
    except (json.JSONDecodeError, RecursionError) as exc:
        message = getattr(exc, "msg", "too deeply nested")
        return {SOURCE_ROW: number, PARSE_ERROR: f"line is not valid JSON ({message})"}
    if not isinstance(value, dict):
        return {SOURCE_ROW: number, PARSE_ERROR: "line is not a JSON object"}
    record: dict[str, Any] = {str(k).strip(): _json_text(v) for k, v in value.items()}
    record[SOURCE_ROW] = number
    return record


def _json_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def _clean_header(names: Sequence[object], source: str) -> list[str]:
    """Names in lower case with spaces as ``_`` ("Ticket ID" → ``ticket_id``); no duplicates."""
    cleaned: list[str] = []
    seen: dict[str, int] = {}
    for position, name in enumerate(names, start=1):
        text = "" if name is None else str(name)
        key = _HEADER_SPACES.sub("_", text.strip().lower()) or f"column_{position}"
        if key in seen:
            raise InputError(
                f"column {key!r} appears twice (columns {seen[key]} and {position})", file=source
            )
        seen[key] = position
        cleaned.append(key)
    return cleaned


def _frame(header: list[str], rows: list[tuple[int, list[str]]], source: str) -> pd.DataFrame:
    names = _clean_header(header, source)
    width = len(names)
    records: list[list[str | None]] = [list(record) for _, record in rows]
    errors: dict[int, str] = {}
    for position, record in enumerate(records):
        if len(record) != width:
            if any(cell and cell.strip() for cell in record[width:]):
                errors[position] = f"row has {len(record)} fields but the header has {width}"
            records[position] = [*record[:width], *([None] * (width - len(record)))]
    frame = pd.DataFrame(records, columns=names, dtype="str")
    if errors:
        frame[PARSE_ERROR] = pd.Series(errors, index=frame.index, dtype="str")
    frame[SOURCE_ROW] = pd.Series([number for number, _ in rows], dtype="int64")
    return frame
