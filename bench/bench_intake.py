"""Intake speed: read and validate 100,000 tickets (CSV) and the in-memory frame alone.

Run: ``.venv/bin/python bench/bench_intake.py [N]``. Writes ``bench/results/bench_intake.json``:
validation time (target: about one second per 100,000 tickets), reading a CSV file against plain
``pandas.read_csv`` as the baseline, and batch service inference against a Python loop.
"""

from __future__ import annotations

import json
import os
import platform
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from escalation_kit.intake import read_tickets, validate_tickets
from escalation_kit.services import infer_service, infer_services

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


def timed(func: Callable[[], object]) -> tuple[float, float, object]:
    """Wall and CPU seconds of one call (CPU is steadier on a shared machine)."""
    wall, cpu = time.perf_counter(), time.process_time()
    value = func()
    return time.perf_counter() - wall, time.process_time() - cpu, value


def main(n: int) -> dict[str, object]:
    frame = tickets(n)
    validate_tickets(frame.head(10))  # load the alias table and compile the patterns once
    results: dict[str, object] = {
        "benchmark": "intake",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "load_average_1m": os.getloadavg()[0]},
        "rows": n,
    }  # fmt: skip
    wall, cpu, result = timed(lambda: validate_tickets(frame))
    results["validate"] = {"wall_s": round(wall, 3), "cpu_s": round(cpu, 3), "result": str(result)}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tickets.csv"
        frame.to_csv(path, index=False)
        wall, cpu, result = timed(lambda: read_tickets(path))
        _, base_cpu, _ = timed(lambda: pd.read_csv(path, dtype=str, keep_default_na=False))
    results["read_csv_file"] = {
        "wall_s": round(wall, 3),
        "cpu_s": round(cpu, 3),
        "baseline_pandas_read_csv_cpu_s": round(base_cpu, 3),
        "ratio_cpu_ours_over_read_csv": round(cpu / base_cpu, 2),
        "result": str(result),
    }
    sample = frame.head(min(n, 20_000))
    _, batch_cpu, _ = timed(lambda: infer_services(sample["title"], sample["description"]))
    _, loop_cpu, _ = timed(
        lambda: [
            infer_service(t, d) for t, d in zip(sample["title"], sample["description"], strict=True)
        ]
    )
    results["infer_services"] = {
        "rows": len(sample),
        "batch_cpu_s": round(batch_cpu, 3),
        "python_loop_cpu_s": round(loop_cpu, 3),
        "ratio_batch_over_loop": round(batch_cpu / loop_cpu, 3),
        "batch_rows_per_cpu_s": round(len(sample) / batch_cpu),
    }
    return results


if __name__ == "__main__":
    report = main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
    text = json.dumps(report, indent=2, ensure_ascii=False)
    print(text)
    out = Path(__file__).parent / "results" / "bench_intake.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(text + "\n", encoding="utf-8")
