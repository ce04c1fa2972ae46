"""Benchmark: health sync fan-out over many tenants vs one tenant at a time.

Starts the emulator in-process with a generated snapshot (default 1,000 tenants, 5 issues each)
and a fixed latency on every response (default 50 ms, like a far-away API), then

1. syncs every tenant with ``sync_health`` at the given concurrency (async fan-out), and
2. as the baseline, fetches a subset (default 50 tenants) one tenant at a time with the sync
   client, the way a simple loop would, and extrapolates its time linearly to all tenants.

Prints wall times, the speed-up ratio and requests per second; writes the numbers as JSON to
``bench/results/bench_health_sync.json``. Run: ``.venv/bin/python bench/bench_health_sync.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from escalation_kit.auth import StaticTokenProvider
from escalation_kit.health.graph import GraphHealthClient
from escalation_kit.health.sync import sync_health
from escalation_kit.health.synthetic import synthetic_snapshot
from escalation_kit.sandbox import Faults, Sandbox

RESULTS = Path(__file__).resolve().parent / "results"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=1000)
    parser.add_argument("--issues", type=int, default=5, help="issues per tenant")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--baseline-tenants", type=int, default=50)
    return parser.parse_args()


def fan_out(sandbox: Sandbox, tenants: list[str], concurrency: int) -> dict[str, Any]:
    sandbox.clear_requests()
    started, cpu = time.perf_counter(), time.process_time()
    result = sync_health(
        tenants,
        tokens=StaticTokenProvider(),
        base_url=sandbox.base_url,
        concurrency=concurrency,
        progress=False,
    )
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    if result.failed:
        raise SystemExit(f"fan-out: {len(result.failed)} tenant(s) failed: {result.failed[0]}")
    requests = len(sandbox.requests)
    return {
        "seconds": elapsed,
        "requests": requests,
        "requests_per_s": requests / elapsed,
        # client and emulator share this process: CPU per request bounds the throughput
        "cpu_ms_per_request": cpu * 1000 / requests,
    }


def one_at_a_time(sandbox: Sandbox, tenants: list[str]) -> dict[str, Any]:
    sandbox.clear_requests()
    started = time.perf_counter()
    with GraphHealthClient(sandbox.base_url, StaticTokenProvider()) as client:
        for tenant in tenants:
            client.list_health_overviews(tenant)
            client.list_issues(tenant)
    elapsed = time.perf_counter() - started
    requests = len(sandbox.requests)
    return {"seconds": elapsed, "requests": requests, "requests_per_s": requests / elapsed}


def main() -> None:
    args = parse_args()
    doc = synthetic_snapshot(args.tenants, issues_per_tenant=args.issues, seed=42)
    tenants = list(doc["tenants"])
    subset = tenants[: args.baseline_tenants]
    with Sandbox(doc, Faults(latency_ms=args.latency_ms)) as sandbox:
        fast = fan_out(sandbox, tenants, args.concurrency)
        slow = one_at_a_time(sandbox, subset)
    extrapolated = slow["seconds"] * len(tenants) / len(subset)
    ratio = extrapolated / fast["seconds"]
    report = {
        "benchmark": "health_sync",
        "at": datetime.now(UTC).isoformat(),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_average_1m": os.getloadavg()[0],  # other work on the machine skews the numbers
        },
        "tenants": len(tenants),
        "issues_per_tenant": args.issues,
        "latency_ms": args.latency_ms,
        "concurrency": args.concurrency,
        "fan_out": fast,
        "baseline": {**slow, "tenants": len(subset), "extrapolated_seconds": extrapolated},
        "speedup": ratio,
    }
    print(f"tenants: {len(tenants)}, {args.issues} issues each, {args.latency_ms} ms latency")
    print(
        f"fan-out (concurrency {args.concurrency}): {fast['seconds']:.2f} s, "
        f"{fast['requests']} requests, {fast['requests_per_s']:.0f} req/s, "
        f"{fast['cpu_ms_per_request']:.1f} ms CPU per request (client + emulator)"
    )
    print(
        f"one at a time: {slow['seconds']:.2f} s for {len(subset)} tenants "
        f"({slow['requests_per_s']:.1f} req/s) -> {extrapolated:.1f} s extrapolated "
        f"to {len(tenants)} tenants"
    )
    print(
        f"speed-up: {ratio:.1f}x (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)"
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    target = RESULTS / "bench_health_sync.json"
    target.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
