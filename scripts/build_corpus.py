"""Merge the corpus parts into the final corpus files, validating every row.

Usage::

    python scripts/build_corpus.py [--parts data/corpus/parts] [--out data/corpus]

Reads every ``<parts>/*.csv`` (the wide part format: ticket columns, language, label and source
columns) and every ``<parts>/*.health.json`` (contract health snapshots), and writes into
``<out>``:

* ``tickets.csv``   the contract's ticket columns plus ``language``;
* ``labels.csv``    ticket_id, category, matched_issue_id, source_id;
* ``customers.csv`` tenant_id, name, country, region (region empty: derived from the country);
* ``health.json``   one contract snapshot; every tenant of the tickets is listed (empty lists for
  tenants without documented issues);
* ``SOURCES.csv``   ticket_id, source_id, url, title, date, label_reason.

It refuses (exit 1, naming file, row and field) duplicate ticket ids, unknown categories or
languages, a known_issue without an issue id, or an issue id that the ticket's tenant does not
list in the health snapshots.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from escalation_kit.models import TICKET_COLUMNS, Category

CATEGORIES = {c.value for c in Category}
LANGUAGES = {"en", "ru", "de", "es", "fr", "it", "pt", "nl", "ja", "pl", "sv", "da", "fi", "tr"}
PART_COLUMNS = [
    *TICKET_COLUMNS,
    "language",
    "category",
    "matched_issue_id",
    "source_id",
    "source_url",
    "source_title",
    "source_date",
    "label_reason",
]
REQUIRED = ["ticket_id", "tenant_id", "title", "reported_at", "language", "category", "source_id"]
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class CorpusError(Exception):
    """A part file breaks the format: the message names the file, row and field."""


def read_part(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise CorpusError(f"{path}: cannot read: {exc}") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in PART_COLUMNS if c not in frame.columns]
    if missing:
        raise CorpusError(f"{path}: missing column(s): {', '.join(missing)}")
    frame = frame[PART_COLUMNS].copy()
    for column in PART_COLUMNS:
        if column not in ("title", "description"):
            frame[column] = frame[column].str.strip()
    frame["tenant_id"] = frame["tenant_id"].str.lower()
    frame["_file"] = path.name
    frame["_row"] = range(2, len(frame) + 2)
    return frame


def read_health(path: Path) -> dict[str, list[dict[str, Any]]]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CorpusError(f"{path}: cannot read the health snapshot: {exc}") from exc
    tenants = document.get("tenants") if isinstance(document, dict) else None
    if not isinstance(tenants, dict):
        raise CorpusError(f"{path}: expected an object with 'tenants'")
    issues: dict[str, list[dict[str, Any]]] = {}
    for tenant_id, entry in tenants.items():
        listed = entry.get("issues", []) if isinstance(entry, dict) else None
        if not isinstance(listed, list) or not all(isinstance(i, dict) for i in listed):
            raise CorpusError(f"{path}: tenant {tenant_id}: 'issues' must be a list of objects")
        for issue in listed:
            if not isinstance(issue.get("id"), str) or not issue["id"]:
                raise CorpusError(f"{path}: tenant {tenant_id}: an issue has no 'id'")
        issues.setdefault(tenant_id.lower(), []).extend(listed)
    return issues


def validate(tickets: pd.DataFrame, health: dict[str, list[dict[str, Any]]]) -> None:
    def fail(row: Any, field: str, message: str) -> None:
        raise CorpusError(f"{row['_file']}: row {row['_row']}: field {field}: {message}")

    seen: set[str] = set()
    for _, row in tickets.iterrows():
        for field in REQUIRED:
            if not row[field]:
                fail(row, field, "is empty")
        if row["ticket_id"] in seen:
            fail(row, "ticket_id", f"{row['ticket_id']!r} appears twice")
        seen.add(row["ticket_id"])
        if not _GUID.match(row["tenant_id"]):
            fail(row, "tenant_id", f"{row['tenant_id']!r} is not a GUID")
        if row["category"] not in CATEGORIES:
            fail(row, "category", f"unknown category {row['category']!r}")
        if row["language"] not in LANGUAGES:
            fail(row, "language", f"unknown language {row['language']!r}")
        if pd.isna(pd.to_datetime(row["reported_at"], utc=True, errors="coerce")):
            fail(row, "reported_at", f"not an ISO 8601 time: {row['reported_at']!r}")
        issue_id = row["matched_issue_id"]
        if row["category"] == "known_issue" and not issue_id:
            fail(row, "matched_issue_id", "a known_issue ticket needs the documented issue's id")
        if issue_id and row["category"] != "known_issue":
            fail(row, "matched_issue_id", "only known_issue tickets name an issue")
        listed = {i["id"] for i in health.get(row["tenant_id"], [])}
        if issue_id and issue_id not in listed:
            fail(row, "matched_issue_id", f"{issue_id} is not listed for tenant {row['tenant_id']}")


def build(parts: Path, out: Path) -> pd.DataFrame:
    files = sorted(parts.glob("*.csv"))
    if not files:
        raise CorpusError(f"{parts}: no part CSV files")
    tickets = pd.concat([read_part(f) for f in files], ignore_index=True)
    health: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(parts.glob("*.health.json")):
        for tenant_id, issues in read_health(path).items():
            health.setdefault(tenant_id, []).extend(issues)
    validate(tickets, health)
    out.mkdir(parents=True, exist_ok=True)
    tickets[[*TICKET_COLUMNS, "language"]].to_csv(out / "tickets.csv", index=False)
    tickets[["ticket_id", "category", "matched_issue_id", "source_id"]].to_csv(
        out / "labels.csv", index=False
    )
    customers = (
        tickets[["tenant_id", "customer_name", "country"]]
        .drop_duplicates("tenant_id")
        .rename(columns={"customer_name": "name"})
        .assign(region="")
    )
    customers.to_csv(out / "customers.csv", index=False)
    sources = tickets[
        ["ticket_id", "source_id", "source_url", "source_title", "source_date", "label_reason"]
    ].rename(columns={"source_url": "url", "source_title": "title", "source_date": "date"})
    sources.to_csv(out / "SOURCES.csv", index=False)
    every_tenant = dict.fromkeys(sorted(set(tickets["tenant_id"]) | set(health)))
    snapshot = {
        "fetched_at": _fetched_at(tickets),
        "tenants": {
            t: {"healthOverviews": [], "issues": _unique(health.get(t, []))} for t in every_tenant
        },
    }
    (out / "health.json").write_text(
        json.dumps(snapshot, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    return tickets


def _unique(issues: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_id: dict[str, dict[str, Any]] = {}
    for issue in issues:
        by_id.setdefault(issue["id"], issue)
    return list(by_id.values())


def _fetched_at(tickets: pd.DataFrame) -> str:
    latest = pd.to_datetime(tickets["reported_at"], utc=True, format="ISO8601").max()
    return latest.strftime("%Y-%m-%dT%H:%M:%SZ")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", type=Path, default=Path("data/corpus/parts"))
    parser.add_argument("--out", type=Path, default=Path("data/corpus"))
    args = parser.parse_args(argv)
    try:
        tickets = build(args.parts, args.out)
    except CorpusError as exc:
        print(f"build_corpus: {exc}", file=sys.stderr)
        return 1
    counts = tickets["category"].value_counts().to_dict()
    languages = tickets["language"].value_counts().to_dict()
    print(f"wrote {len(tickets)} tickets to {args.out}: {counts}; languages {languages}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
