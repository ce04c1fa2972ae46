"""Intake memory: read and validate a 200 MB tickets CSV, and a 200 MB CSV that is one field.

Run: ``.venv/bin/python bench/bench_intake_large.py [MEGABYTES]``. Each case runs in a fresh
process and reports that process's peak resident memory (target: under 1 GB for 200 MB) and its
wall time. Writes ``bench/results/bench_intake_large.json``.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HEADER = (
    "ticket_id,tenant_id,customer_name,country,service,title,description,reported_at,"
    "users_affected\n"
)
TENANTS = [f"{i:08x}-1111-4222-8333-{i:012x}" for i in range(1, 201)]
DESCRIPTION = (
    "Users report that since this morning the client keeps asking for credentials and fails; "
    "Пользователи не могут войти. Nothing works, please help, the whole office is affected. "
)
CHILD = """
import resource, sys, time
from escalation_kit.errors import InputError
from escalation_kit.intake import read_tickets
start = time.perf_counter()
try:
    result = read_tickets(sys.argv[1])
    outcome = result.summary()
except InputError as exc:
    outcome = "error: " + str(exc)[:200]
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{peak:.0f}\\t{time.perf_counter() - start:.1f}\\t{outcome}")
"""


def write_tickets(path: Path, megabytes: int) -> int:
    """A tickets CSV of about ``megabytes`` MB (1% bad rows); returns its row count."""
    target = megabytes * 1_000_000
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(HEADER)
        size = len(HEADER)
        while size < target:
            lines = []
            for i in range(rows, rows + 10_000):
                tenant = "not-a-guid" if i % 100 == 7 else TENANTS[i % 200]
                lines.append(
                    f"T{i:08d},{tenant},Customer {i % 200},DE,Outlook,Mail is down {i % 7},"
                    f'"{DESCRIPTION}",2026-11-{1 + i % 28:02d}T10:15:00Z,{i % 500}\n'
                )
            chunk = "".join(lines)
            handle.write(chunk)
            size += len(chunk.encode("utf-8"))
            rows += len(lines)
    return rows


def write_one_field(path: Path, megabytes: int) -> None:
    """A header and one row whose description is a single ``megabytes`` MB quoted field."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(HEADER)
        handle.write(f'T1,{TENANTS[0]},C,DE,Outlook,Title,"')
        block = "x" * 1_000_000
        for _ in range(megabytes):
            handle.write(block)
        handle.write('",2026-11-02T10:00:00Z,5\n')


def measure(path: Path) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, check=True
    )
    peak, seconds, outcome = out.stdout.strip().split("\t", 2)
    return {"peak_mb": float(peak), "seconds": float(seconds), "outcome": outcome}


def main(megabytes: int) -> dict[str, object]:
    results: dict[str, object] = {
        "benchmark": "intake_large",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "megabytes": megabytes,
    }
    with tempfile.TemporaryDirectory() as folder:
        tickets = Path(folder) / "tickets.csv"
        started = time.perf_counter()
        results["rows"] = write_tickets(tickets, megabytes)
        results["file_mb"] = round(tickets.stat().st_size / 1e6, 1)
        results["write_seconds"] = round(time.perf_counter() - started, 1)
        results["tickets"] = measure(tickets)
        tickets.unlink()
        one_field = Path(folder) / "one_field.csv"
        write_one_field(one_field, megabytes)
        results["one_field"] = measure(one_field)
    return results


if __name__ == "__main__":
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    found = main(size)
    print(json.dumps(found, indent=2, ensure_ascii=False))
    folder = Path(__file__).with_name("results")
    folder.mkdir(exist_ok=True)
    (folder / "bench_intake_large.json").write_text(json.dumps(found, indent=2) + "\n")
    if os.environ.get("BENCH_STRICT") and any(
        found[k]["peak_mb"] >= 1024  # type: ignore[index]
        for k in ("tickets", "one_field")
    ):
        sys.exit("peak memory over 1 GB")
