"""Reading user files into a frame of raw text: CSV (any common encoding), JSON lines, Excel.

Every cell is read as text, nothing is guessed ("007" stays "007"); validation happens later.
Each row keeps ``source_row``, the number the user sees: the line where a CSV record starts (the
header is line 1, so the first data row is 2), the line of a JSON-lines record, the Excel row.
Blank lines are skipped and not counted. A row that cannot be split into fields (a CSV row with
more fields than the header, a line that is not a JSON object) is kept with its problem in
``_parse_error``, so that validation rejects it like any other bad row.

Files are hostile until read: text is streamed (never held whole in memory) and collected in
Arrow-backed chunks, and every dimension is bounded — a field's length, a JSON line's length
and nesting, a workbook's rows, columns and unpacked size — so that a crafted file gives a
clean :class:`InputError` within seconds instead of a hang or an exhausted machine.

File-level problems (unreadable, empty, binary, unknown extension, duplicate columns, a bound
exceeded) raise :class:`InputError` naming the file.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import json
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd
import pyarrow as pa

from escalation_kit.errors import InputError
from escalation_kit.jsonlimits import json_int, json_too_deep

__all__ = [
    "MAX_COLUMNS",
    "MAX_FIELD_CHARS",
    "PARSE_ERROR",
    "SOURCE_ROW",
    "arrow_chunks",
    "decode_text",
    "prepare_frame",
    "read_raw_table",
    "sniff_delimiter",
    "text_encoding",
    "text_has_surrogates",
]

SOURCE_ROW = "source_row"
PARSE_ERROR = "_parse_error"
CSV_SUFFIXES = (".csv", ".tsv", ".txt")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
MAX_FIELD_CHARS = 10_000_000
"""Longest CSV field or JSON line read, in characters (validation's limits are far lower)."""
MAX_COLUMNS = 1_000
MAX_EXCEL_ROWS = 1_048_576  # Excel's own limit
MAX_EXCEL_CELLS = 20_000_000
MAX_JSON_DEPTH = 64
MAX_UNPACKED_BYTES = 512_000_000
MAX_PACKING_RATIO = 100  # a real workbook packs 5 to 20 times; a zip bomb, thousands
_CHUNK_ROWS = 20_000
_HEAD_BYTES = 65_536
_DELIMITERS = (",", ";", "\t")
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
_FALLBACK_ENCODINGS = ["utf_8", "cp1252", "cp1251", "latin_1"]
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_HEADER_SPACES = re.compile(r"[\s\-]+")
_SURROGATES = re.compile("[\ud800-\udfff]")
_BINARY_BYTES = bytes([*range(0, 9), 11, 12, *range(14, 27), *range(28, 32)])
_TEXT = pa.large_string()
_SURROGATE_PROBLEM = "line holds an unpaired surrogate (\\ud800-\\udfff), which is not text"


def read_raw_table(path: str | Path) -> pd.DataFrame:
    """The file's rows as text columns plus ``source_row`` (and ``_parse_error`` when needed)."""
    file = Path(path)
    source = str(file)
    suffix = file.suffix.lower()
    if suffix not in (*CSV_SUFFIXES, *JSONL_SUFFIXES, *EXCEL_SUFFIXES):
        raise InputError(
            f"unknown file type {suffix or '(no extension)'!r}; use .csv, .tsv, .jsonl, "
            ".ndjson or .xlsx",
            file=source,
        )
    head = _read_head(file)
    if suffix in EXCEL_SUFFIXES:
        return _excel_frame(file, source)
    encoding = _encoding(file, head, source)
    try:
        if suffix in JSONL_SUFFIXES:
            with file.open(encoding=encoding, newline="\n") as handle:
                return _jsonl_frame(handle, source)
        with file.open(encoding=encoding, newline="") as handle:
            return _csv_frame(handle, source)
    except UnicodeDecodeError as exc:  # the encoding was checked; only a changing file gets here
        raise InputError(f"not valid {encoding} text; save the file as UTF-8", file=source) from exc
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror}", file=source) from exc


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


def text_encoding(path: str | Path) -> str:
    """The encoding a text file is read with (see :func:`read_raw_table`); InputError when the
    file is missing, empty, binary or not decodable."""
    file = Path(path)
    return _encoding(file, _read_head(file), str(file))


def _read_head(file: Path) -> bytes:
    """The first bytes of the file; InputError when it is missing, a folder or empty."""
    try:
        with file.open("rb") as handle:
            head = handle.read(_HEAD_BYTES)
            more = bool(handle.read(1))
    except FileNotFoundError as exc:
        raise InputError("file not found", file=str(file)) from exc
    except IsADirectoryError as exc:
        raise InputError("is a directory, not a file", file=str(file)) from exc
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror}", file=str(file)) from exc
    if not more and not head.strip():
        raise InputError("file is empty", file=str(file))
    return head


def _encoding(file: Path, head: bytes, source: str) -> str:
    """The file's text encoding: a BOM decides, else strict UTF-8 (checked over the whole file
    in blocks), else charset-normalizer's best guess from a sample."""
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            _check_decodes(file, encoding, source)
            return encoding
    _refuse_binary(head, source)
    with contextlib.suppress(UnicodeDecodeError):
        _check_decodes(file, "utf-8", source, strict=True)
        return "utf-8"
    from charset_normalizer import from_path  # a fallback, rarely needed: loaded when used

    best = from_path(file, cp_isolation=_FALLBACK_ENCODINGS).best()
    if best is None:
        raise InputError("cannot tell the text encoding; save the file as UTF-8", file=source)
    _check_decodes(file, best.encoding, source)
    return best.encoding


def _refuse_binary(head: bytes, source: str) -> None:
    if head.startswith(b"PK\x03\x04"):
        raise InputError("this is a zip or Excel file; give it the .xlsx extension", file=source)
    if sum(head.count(b) for b in _BINARY_BYTES) > max(8, len(head) // 100):
        raise InputError(
            "looks like a binary file, not text (UTF-16 text needs a byte-order mark; "
            "or save it as UTF-8)",
            file=source,
        )


def _check_decodes(file: Path, encoding: str, source: str, *, strict: bool = False) -> None:
    """Decode the whole file block by block (nothing kept); InputError at the first bad byte,
    or the UnicodeDecodeError itself when ``strict`` (the caller tries another encoding)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    try:
        with file.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                decoder.decode(block)
                offset += len(block)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        if strict:
            raise
        raise InputError(
            f"not valid {encoding} text at byte {offset + exc.start}; save the file as UTF-8",
            file=source,
        ) from exc
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror}", file=source) from exc


def decode_text(data: bytes, source: str) -> str:
    """Bytes → text: a BOM decides, else strict UTF-8, else charset-normalizer's best guess."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _decode(data, encoding, source)
    _refuse_binary(data[:_HEAD_BYTES], source)
    with contextlib.suppress(UnicodeDecodeError):
        return data.decode("utf-8")
    from charset_normalizer import from_bytes  # a fallback, rarely needed: loaded when used

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


def text_has_surrogates(text: str) -> bool:
    """Whether ``text`` holds a lone surrogate (``\\ud800`` in JSON): not encodable Unicode."""
    return _SURROGATES.search(text) is not None


@contextlib.contextmanager
def _field_limit(limit: int) -> Iterator[None]:
    previous = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def _first_line(handle: IO[str]) -> str:
    """The first non-blank line (for sniffing), read from the start; the handle is rewound."""
    sample = handle.read(_HEAD_BYTES).lstrip("\ufeff")
    handle.seek(0)
    return _LINE_BREAK.split(sample.lstrip(), maxsplit=1)[0]


def _csv_frame(handle: IO[str], source: str) -> pd.DataFrame:
    delimiter = sniff_delimiter(_first_line(handle))
    reader = csv.reader(_bounded_lines(handle, source), delimiter=delimiter)
    chunks = _Chunks(source)
    line = 0
    with _field_limit(MAX_FIELD_CHARS):
        try:
            for record in reader:
                start, line = line + 1, reader.line_num
                if not record or (not record[0].strip() and not "".join(record).strip()):
                    continue
                if start == 1 and record:
                    record[0] = record[0].lstrip("\ufeff")
                chunks.add_row(start, record)
        except csv.Error as exc:
            reason = (
                f"a field is longer than {MAX_FIELD_CHARS:,} characters (is a quote left open?)"
                if "field larger" in str(exc)
                else f"not a readable CSV file: {exc}"
            )
            raise InputError(reason, file=source, row=line + 1) from exc
    return chunks.frame()


def _excel_frame(file: Path, source: str) -> pd.DataFrame:
    from openpyxl import load_workbook  # heavy and only for Excel files: loaded when used

    _check_packing(file, source)
    try:
        book = load_workbook(file, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise InputError(f"not a readable Excel workbook ({exc})", file=source) from exc
    except Exception as exc:  # openpyxl raises its own and lxml's errors on damaged files
        raise InputError(
            f"not a readable Excel workbook ({type(exc).__name__})", file=source
        ) from exc
    try:
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # the declared size is the file's claim, not a fact
        return _sheet_frame(sheet.iter_rows(values_only=True), source)
    except InputError:
        raise
    except Exception as exc:  # damaged sheet XML surfaces while rows are read
        raise InputError(
            f"not a readable Excel workbook ({type(exc).__name__})", file=source
        ) from exc
    finally:
        book.close()


def _check_packing(file: Path, source: str) -> None:
    """Refuse a workbook that unpacks to more than it could honestly hold (a zip bomb)."""
    try:
        with zipfile.ZipFile(file) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError(f"not a readable Excel workbook ({exc})", file=source) from exc
    unpacked = sum(m.file_size for m in members)
    packed = max(1, sum(m.compress_size for m in members))
    if unpacked > MAX_UNPACKED_BYTES or (
        unpacked > 10_000_000 and unpacked > MAX_PACKING_RATIO * packed
    ):
        raise InputError(
            f"the workbook unpacks to {unpacked:,} bytes from {packed:,}; refused as unsafe "
            "(save the sheet as CSV)",
            file=source,
        )


def _sheet_frame(rows: Iterable[Sequence[Any]], source: str) -> pd.DataFrame:
    """Rows of the sheet, as wide as their last cell; rows missing from the file come as ``()``
    and cost nothing, and the cells actually read are counted and bounded."""
    chunks = _Chunks(source)
    seen = 0
    for number, values in enumerate(rows, start=1):
        if number > MAX_EXCEL_ROWS:
            raise InputError(f"the sheet has more than {MAX_EXCEL_ROWS:,} rows", file=source)
        if not values:
            continue
        seen += len(values)
        if seen > MAX_EXCEL_CELLS:
            raise InputError(f"the sheet has more than {MAX_EXCEL_CELLS:,} cells", file=source)
        cells = [_cell_text(v) for v in values]
        if any(c.strip() for c in cells):
            chunks.add_row(number, cells)
    return chunks.frame()


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


def _jsonl_frame(handle: IO[str], source: str) -> pd.DataFrame:
    chunks = _Chunks(source)
    # Only \n ends a record: JSON strings may hold U+2028 and friends, which splitlines() splits on.
    for number, line in enumerate(_bounded_lines(handle, source), start=1):
        if line.strip():
            chunks.add_record(_json_record(line.lstrip("\ufeff") if number == 1 else line, number))
    return chunks.frame()


def _bounded_lines(handle: IO[str], source: str) -> Iterator[str]:
    """The file's lines, each read with a bound: one 200 MB line is refused, never held."""
    number = 0
    while line := handle.readline(MAX_FIELD_CHARS + 1):
        number += 1
        if len(line) > MAX_FIELD_CHARS and line[-1] not in "\r\n":
            raise InputError(
                f"line is longer than {MAX_FIELD_CHARS:,} characters", file=source, row=number
            )
        yield line


def _json_record(line: str, number: int) -> dict[str, Any]:
    problem = _json_problem(line)
    if problem is None:
        try:
            value = json.loads(line, parse_int=json_int)
        except (json.JSONDecodeError, RecursionError) as exc:
            problem = f"line is not valid JSON ({getattr(exc, 'msg', 'too deeply nested')})"
    if problem is not None:
        return {SOURCE_ROW: number, PARSE_ERROR: problem}
    if not isinstance(value, dict):
        return {SOURCE_ROW: number, PARSE_ERROR: "line is not a JSON object"}
    record: dict[str, Any] = {str(k).strip(): _json_text(v) for k, v in value.items()}
    if any(text_has_surrogates(k) or (v and text_has_surrogates(v)) for k, v in record.items()):
        return {
            SOURCE_ROW: number,
            PARSE_ERROR: _SURROGATE_PROBLEM,
        }
    record[SOURCE_ROW] = number
    return record


def _json_problem(line: str) -> str | None:
    """A reason to refuse the line before parsing: nesting deeper than a ticket ever needs."""
    if json_too_deep(line, MAX_JSON_DEPTH):
        return f"line is nested more than {MAX_JSON_DEPTH} levels deep"
    return None


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


class _Chunks:
    """Rows collected a chunk at a time into Arrow-backed text frames (a Python list per row
    lives only until its chunk is full)."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.header: list[str] | None = None
        self.frames: list[pd.DataFrame] = []
        self.rows: list[list[str | None]] = []
        self.numbers: list[int] = []
        self.errors: dict[int, str] = {}
        self.records: list[dict[str, Any]] = []

    def add_row(self, number: int, record: list[str]) -> None:
        if self.header is None:
            if len(record) > MAX_COLUMNS:
                raise InputError(
                    f"the header has more than {MAX_COLUMNS:,} columns", file=self.source
                )
            self.header = _clean_header(record, self.source)
            return
        width = len(self.header)
        if len(record) != width:
            if any(cell and cell.strip() for cell in record[width:]):
                self.errors[len(self.rows)] = (
                    f"row has {len(record)} fields but the header has {width}"
                )
            record = [*record[:width], *([None] * (width - len(record)))]  # type: ignore[list-item]
        self.rows.append(record)  # type: ignore[arg-type]
        self.numbers.append(number)
        if len(self.rows) >= _CHUNK_ROWS:
            self._flush_rows()

    def add_record(self, record: dict[str, Any]) -> None:
        self.records.append(record)
        if len(self.records) >= _CHUNK_ROWS:
            self._flush_records()

    def _flush_rows(self) -> None:
        assert self.header is not None
        frame = pd.DataFrame(self.rows, columns=self.header, dtype="str")
        frame[PARSE_ERROR] = pd.Series(self.errors, index=frame.index, dtype="str")
        frame[SOURCE_ROW] = pd.Series(self.numbers, dtype="int64")
        self.frames.append(frame)
        self.rows, self.numbers, self.errors = [], [], {}

    def _flush_records(self) -> None:
        frame = pd.DataFrame.from_records(self.records)
        numbers = frame.pop(SOURCE_ROW).astype("int64")
        if len(frame.columns) > MAX_COLUMNS:
            raise InputError(f"the lines have more than {MAX_COLUMNS:,} keys", file=self.source)
        frame = frame.astype("str")
        frame[SOURCE_ROW] = numbers
        self.frames.append(frame)
        self.records = []

    def frame(self) -> pd.DataFrame:
        if self.rows or (self.header is not None and not self.frames):
            self._flush_rows()
        if self.records:
            self._flush_records()
        if not self.frames:
            raise InputError("file is empty", file=self.source)
        frame = _combine(self.frames)
        self.frames = []
        if self.header is None:  # JSON lines: the header is the union of the keys
            names = [c for c in frame.columns if c != SOURCE_ROW]
            cleaned = _clean_header(names, self.source)
            frame = frame.rename(columns=dict(zip(names, cleaned, strict=True)))
        frame = frame.astype({c: "str" for c in frame.columns if c != SOURCE_ROW})
        if PARSE_ERROR in frame.columns and frame[PARSE_ERROR].isna().all():
            frame = frame.drop(columns=[PARSE_ERROR])
        order = [c for c in frame.columns if c not in (PARSE_ERROR, SOURCE_ROW)]
        extra = [PARSE_ERROR] if PARSE_ERROR in frame.columns else []
        return frame[[*order, *extra, SOURCE_ROW]]


def _combine(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Chunk frames stacked into one frame of single-chunk Arrow columns (what Arrow's compute
    kernels downstream expect), one column at a time: each column's chunks are dropped as soon
    as they are joined, so the text is never held twice."""
    if len(frames) == 1:
        return frames[0]
    names = list(dict.fromkeys(name for frame in frames for name in frame.columns))
    columns: dict[str, pd.Series] = {}
    for name in names:
        if name == SOURCE_ROW:
            columns[name] = pd.Series(
                np.concatenate([f[name].to_numpy(dtype="int64") for f in frames]), dtype="int64"
            )
            continue
        parts = [
            chunk
            for f in frames
            for chunk in (
                _arrow_text(f[name]).chunks if name in f.columns else [pa.nulls(len(f), _TEXT)]
            )
        ]
        joined = pa.chunked_array(parts, _TEXT).combine_chunks()
        del parts
        for f in frames:
            if name in f.columns:
                del f[name]
        columns[name] = pd.Series(pd.array(pa.chunked_array([joined]), dtype="str"))
    return pd.DataFrame(columns, copy=False)


def _arrow_text(values: pd.Series) -> pa.ChunkedArray:
    return arrow_chunks(values.astype("str")).cast(_TEXT)


def arrow_chunks(values: pd.Series) -> pa.ChunkedArray:
    """The Arrow data under an Arrow-backed text column, chunks as they are (no copy)."""
    array: Any = values.array  # an ArrowStringArray: it speaks the Arrow protocol
    return pa.chunked_array(array.__arrow_array__())


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
