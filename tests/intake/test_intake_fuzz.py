"""Every reader against random input (Hypothesis): a clean result or an ``InputError``, never a
traceback, and quickly (each example has a deadline; the whole file runs in well under 60 s).

Readers: tickets and customers (CSV, JSON lines, Excel), history (CSV), the triage output
(CSV) and the health snapshot (JSON). Inputs: random bytes, random CSV built from hostile
cells, JSON lines of random JSON values, workbooks of random cells, and random snapshot-shaped
documents.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from escalation_kit.errors import InputError
from escalation_kit.health.snapshot import load_snapshot
from escalation_kit.intake import read_customers, read_tickets
from escalation_kit.intake.history import load_history
from escalation_kit.intake.history_checks import HISTORY_COLUMNS
from escalation_kit.intake.triage_output import TRIAGE_COLUMNS, read_triage_output

TICKET_HEADER = ["ticket_id", "tenant_id", "title", "reported_at", "users_affected"]
HOSTILE = st.sampled_from(
    [
        "",
        "=1+1",
        "\x1b[31m",
        "\ud800",
        "9" * 5000,
        "١٠٠٠",
        "{11111111-2222-3333-4444-555555555555",
        "11111111-2222-3333-4444-555555555555",
        "-2026-08-01T10:00:00Z",
        "9999-12-31T23:59:59.9999999Z",
        "2026-11-02T10:00:00Z",
        "\r",
        '"',
        "bug",
        "closed",
        "<" * 50,
    ]
)
CELLS = HOSTILE | st.text(max_size=20)
JSON_CELLS = CELLS | st.just("<<big-int>>")
SETTINGS = settings(
    max_examples=25,
    deadline=3000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def outcome(read: Callable[[Path], Any], path: Path) -> None:
    """The reader returns or raises InputError; a result keeps every row it read."""
    try:
        result = read(path)
    except InputError as exc:
        assert str(exc)
        return
    accepted = getattr(result, "accepted", None)
    rejected = getattr(result, "rejected", None)
    if accepted is not None and rejected is not None and hasattr(result, "read"):
        assert len(accepted) + len(rejected) == result.read


def written(name: str, data: bytes | str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="ek-fuzz-"))
    path = folder / name
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_bytes(data.encode("utf-8", "surrogatepass"))
    return path


def csv_text(header: list[str], rows: list[list[str]], delimiter: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


READERS: list[tuple[str, Callable[[Path], Any]]] = [
    ("tickets", read_tickets),
    ("customers", read_customers),
    ("history", load_history),
    ("triage", read_triage_output),
]
HEADERS = {
    "tickets": TICKET_HEADER,
    "customers": ["tenant_id", "name", "country", "region"],
    "history": list(HISTORY_COLUMNS),
    "triage": list(TRIAGE_COLUMNS),
}
GUID = "11111111-2222-3333-4444-555555555555"
WHEN = "2026-11-02T10:00:00Z"
GOOD = {  # one valid row per kind; the fuzzer swaps cells for hostile ones
    "tickets": ["T1", GUID, "Mail is down", WHEN, "5"],
    "customers": [GUID, "Contoso", "DE", ""],
    "history": ["E1", GUID, "DE", "", "Exchange Online", "bug", "moderate", WHEN, "", "open"],
    "triage": ["T1", "bug", "true", "", "", "Europe", "Exchange", "", "0.5", "why", "what"],
}
BIG_INT = "<<big-int>>"  # replaced by a 5,000-digit JSON integer once the line is written


@SETTINGS
@given(data=st.binary(max_size=3000), suffix=st.sampled_from([".csv", ".jsonl", ".xlsx"]))
def test_random_bytes(data: bytes, suffix: str) -> None:
    for kind, read in READERS:
        if kind in ("history", "triage") and suffix != ".csv":
            continue
        outcome(read, written("f" + suffix, data))
    outcome(load_snapshot, written("health.json", data))


@st.composite
def tables(draw: st.DrawFn) -> tuple[str, list[str], list[list[str]]]:
    """A kind, its header (maybe cut short) and rows: valid cells, some swapped for hostile
    ones, plus rows of any width."""
    kind = draw(st.sampled_from(sorted(GOOD)))
    header = HEADERS[kind][: draw(st.integers(1, len(HEADERS[kind])))]
    near = st.tuples(*(st.just(v) | CELLS for v in GOOD[kind])).map(list)
    rows = draw(st.lists(near | st.lists(CELLS, max_size=12), max_size=8))
    return kind, header, rows


@SETTINGS
@given(table=tables(), delimiter=st.sampled_from([",", ";", "\t"]))
def test_random_csv(table: tuple[str, list[str], list[list[str]]], delimiter: str) -> None:
    kind, header, rows = table
    text = csv_text(header, rows, delimiter)
    outcome(dict(READERS)[kind], written("f.csv", text))


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | JSON_CELLS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(CELLS, inner, max_size=3),
    max_leaves=10,
)


@SETTINGS
@given(
    lines=st.lists(
        st.dictionaries(st.sampled_from(TICKET_HEADER) | CELLS, JSON_VALUES, max_size=6)
        | JSON_VALUES,
        max_size=6,
    ),
    deep=st.integers(0, 3000),
    ascii_only=st.booleans(),
)
def test_random_json_lines(lines: list[Any], deep: int, ascii_only: bool) -> None:
    text = "\n".join(json.dumps(line, ensure_ascii=ascii_only) for line in lines)
    text = text.replace(json.dumps(BIG_INT), "9" * 5000)
    text += "\n" + "[" * deep + "]" * deep + "\n"
    outcome(read_tickets, written("t.jsonl", text))
    outcome(read_customers, written("c.jsonl", text))


@SETTINGS
@given(
    rows=st.lists(
        st.lists(CELLS.filter(lambda s: "\ud800" not in s) | st.integers(), max_size=8),
        max_size=6,
    ),
    far=st.sampled_from([None, "XFD1", "A1048576", "C70000"]),
)
def test_random_workbooks(rows: list[list[Any]], far: str | None) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(TICKET_HEADER)
    for values in rows:
        sheet.append([_excel_safe(v) for v in values])
    if far:
        sheet[far] = "x"
    path = written("t.xlsx", b"")
    book.save(path)
    outcome(read_tickets, path)


def _excel_safe(value: Any) -> Any:
    if isinstance(value, str):
        return "".join(c for c in value if c >= " " or c in "\t\n")
    return value


ISSUE = st.fixed_dictionaries(
    {},
    optional={
        "id": CELLS | st.integers(),
        "title": CELLS,
        "status": CELLS,
        "isResolved": st.booleans() | CELLS,
        "startDateTime": CELLS | st.integers(),
        "posts": st.lists(JSON_VALUES, max_size=2) | JSON_VALUES,
    },
)
SNAPSHOTS = st.fixed_dictionaries(
    {},
    optional={
        "fetched_at": st.sampled_from(["2026-11-02T10:00:00Z"]) | CELLS | st.integers(),
        "tenants": st.dictionaries(
            CELLS,
            st.fixed_dictionaries(
                {},
                optional={
                    "issues": st.lists(ISSUE, max_size=3) | JSON_VALUES,
                    "healthOverviews": st.lists(JSON_VALUES, max_size=2) | JSON_VALUES,
                },
            )
            | JSON_VALUES,
            max_size=3,
        )
        | JSON_VALUES,
    },
)


@SETTINGS
@given(document=SNAPSHOTS | JSON_VALUES, bom=st.booleans(), ascii_only=st.booleans())
def test_random_snapshots(document: Any, bom: bool, ascii_only: bool) -> None:
    text = json.dumps(document, ensure_ascii=ascii_only).replace(json.dumps(BIG_INT), "9" * 5000)
    data = text.encode("utf-8", "surrogatepass")
    outcome(load_snapshot, written("health.json", (b"\xef\xbb\xbf" if bom else b"") + data))
