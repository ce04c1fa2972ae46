"""Benchmark the ledger's bulk paths: import tickets, re-import them, record and read decisions.

Usage: ``python bench/bench_ledger.py [--rows 100000] [--url postgresql://user@host/db]``
(default: a fresh SQLite file in a temporary folder). Prints seconds per step.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from escalation_kit.ledger import Ledger


def synthetic_tickets(rows: int) -> pd.DataFrame:
    """``rows`` tickets shaped like intake's accepted frame (deterministic)."""
    ids = [f"T{i:07d}" for i in range(rows)]
    return pd.DataFrame(
        {
            "ticket_id": ids,
            "tenant_id": [f"0f1e2d3c-0000-4000-8000-{i % 500:012d}" for i in range(rows)],
            "customer_name": "Contoso",
            "country": "DE",
            "service": "Teams",
            "title": "cannot join meetings",
            "description": "Users see an error when joining. " * 6,
            "reported_at": pd.Timestamp("2026-11-20T10:00:00Z")
            + pd.to_timedelta(np.arange(rows), unit="s"),
            "users_affected": pd.array(np.arange(rows) % 50, dtype="Int64"),
            "region": "Europe",
            "normalized_service": "Microsoft Teams",
        }
    )


def synthetic_decisions(tickets: pd.DataFrame) -> pd.DataFrame:
    """One triage output row per ticket."""
    return pd.DataFrame(
        {
            "ticket_id": tickets["ticket_id"],
            "category": "bug",
            "escalate": True,
            "matched_issue_id": "",
            "cluster_id": "",
            "region": "Europe",
            "service": "Microsoft Teams",
            "severity": "moderate",
            "confidence": 0.8,
            "reasons": "an operation errors for many users",
            "recommended_action": "escalate to Microsoft",
        }
    )


def timed(label: str, step: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    result = step()
    print(f"{label:<28} {time.perf_counter() - start:7.2f} s")
    return result


def run(url: str, rows: int) -> None:
    tickets = synthetic_tickets(rows)
    decisions = synthetic_decisions(tickets)
    with Ledger(url, actor="bench") as ledger:
        print(f"{rows} rows on {ledger.dialect}")
        timed("upsert_tickets (insert)", lambda: ledger.upsert_tickets(tickets, progress=False))
        timed("upsert_tickets (update)", lambda: ledger.upsert_tickets(tickets, progress=False))
        timed("tickets()", ledger.tickets)
        timed("record_decisions", lambda: ledger.record_decisions(decisions, run_id="bench"))
        timed(
            "record_decisions (again)", lambda: ledger.record_decisions(decisions, run_id="bench")
        )
        timed("decisions()", ledger.decisions)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--url", default="")
    args = parser.parse_args()
    if args.url:
        run(args.url, args.rows)
        return
    with tempfile.TemporaryDirectory() as folder:
        run(f"sqlite:///{Path(folder) / 'bench.db'}", args.rows)


if __name__ == "__main__":
    main()
