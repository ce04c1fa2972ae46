"""Intake speed: read and validate 100,000 tickets (CSV) and the in-memory frame alone.

Run: ``.venv/bin/python bench/bench_intake.py [N]``. Prints seconds and rows per second; the
brief's target is about one second per 100,000 tickets for validation.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pandas as pd

from escalation_kit.intake import read_tickets, validate_tickets

TITLES = [
    "Outlook can't connect",
    "Teams meeting drops after 5 minutes",
    "Cannot sign in, MFA prompt loops",
    "Power BI report refresh failed",
    "Не работает почта",
    "Postfach ist voll",
    "No puedo abrir SharePoint",
    "Printer on floor 2 jammed",
]
DESCRIPTIONS = [
    "Users report that since this morning the client keeps asking for credentials and fails. " * 3,
    "",
    "Nothing works, please help. The whole office is affected by this problem.",
]


def tickets(n: int, seed: int = 7) -> pd.DataFrame:
    """A synthetic tickets frame of ``n`` rows, 1% of them bad in some way."""
    rng = random.Random(seed)
    tenants = [str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(200)]
    rows = []
    for i in range(n):
        bad = rng.random() < 0.01
        rows.append(
            {
                "ticket_id": f"T{i:06d}",
                "tenant_id": "not-a-guid" if bad else rng.choice(tenants),
                "customer_name": f"Customer {i % 200}",
                "country": rng.choice(["DE", "US", "JP", "ZA", "FR", "BR", ""]),
                "service": rng.choice(["", "", "Outlook", "Teams", "SPO", "почта"]),
                "title": rng.choice(TITLES),
                "description": rng.choice(DESCRIPTIONS),
                "reported_at": f"2026-11-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:15:00"
                + rng.choice(["Z", "+01:00", "-05:00"]),
                "users_affected": str(rng.randint(0, 500)),
            }
        )
    return pd.DataFrame(rows)


def main(n: int) -> None:
    frame = tickets(n)
    validate_tickets(frame.head(10))  # load the alias table and compile the patterns once
    start, cpu = time.perf_counter(), time.process_time()
    result = validate_tickets(frame)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(
        f"validate_tickets: {n:,} rows in {elapsed:.2f} s wall, {cpu:.2f} s CPU "
        f"({n / cpu:,.0f} rows per CPU second); {result}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tickets.csv"
        frame.to_csv(path, index=False)
        start, cpu = time.perf_counter(), time.process_time()
        result = read_tickets(path)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(
        f"read_tickets(csv): {n:,} rows in {elapsed:.2f} s wall, {cpu:.2f} s CPU "
        f"({n / cpu:,.0f} rows per CPU second); {result}"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
