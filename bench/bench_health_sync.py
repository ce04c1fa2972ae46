"""Benchmark: health sync over a fleet of tenants, sign-in included, vs one tenant at a time.

The emulator runs in its **own process** (so the CPU measured here is the client's alone) with a
generated snapshot (default 1,000 tenants, 5 issues each) and a fixed latency added to every
exchange (default 50 ms), the identity platform's token endpoint included. Then:

1. **fan-out**: ``sync_health`` exactly as ``escalation-kit health sync`` runs it with its
   defaults: app-only sign-in per tenant through msal (``AppOnlyTokenProvider``), the adaptive
   pacer, a SQLite ledger and the snapshot file. Repeated ``--repeat`` times; best and spread.
2. **one at a time** (the baseline): a subset (default 50 tenants), each signed in and fetched
   with the synchronous client, one after the other; its time is extrapolated to all tenants.
3. **the command**: ``escalation-kit health sync`` itself with its default settings, in a child
   process, over ``--cli-tenants`` (default 1,000 and 10,000) tenants: wall time (process start
   included) and peak memory (RSS).

Prints wall time, the speed-up, CPU ms per tenant, requests per second and peak memory; writes
``bench/results/bench_health_sync.json``. Run: ``.venv/bin/python bench/bench_health_sync.py``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from escalation_kit.auth import AppOnlyTokenProvider
from escalation_kit.config import DEFAULT_CONCURRENCY
from escalation_kit.health.graph import GraphHealthClient
from escalation_kit.health.sync import sync_health
from escalation_kit.ledger import Ledger
from escalation_kit.sandbox import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET

RESULTS = Path(__file__).resolve().parent / "results"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=1000)
    parser.add_argument("--issues", type=int, default=5, help="issues per tenant")
    parser.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--baseline-tenants", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3, help="fan-out runs (best is reported)")
    parser.add_argument(
        "--cli-tenants",
        type=int,
        nargs="*",
        default=[1000, 10_000],
        help="run `escalation-kit health sync` itself over these many tenants (none: skip)",
    )
    return parser.parse_args()


def _serve(tenants: int, issues: int, latency_ms: int, pipe: Any) -> None:
    """The emulator's process: serve until the parent closes the pipe."""
    from escalation_kit.health.synthetic import synthetic_snapshot
    from escalation_kit.sandbox import Faults, Sandbox

    doc = synthetic_snapshot(tenants, issues_per_tenant=issues, seed=42)
    with Sandbox(doc, Faults(latency_ms=latency_ms)) as sandbox:
        pipe.send((sandbox.base_url, list(doc["tenants"])))
        with suppress(EOFError):
            pipe.recv()


@contextmanager
def emulator(tenants: int, issues: int, latency_ms: int) -> Iterator[tuple[str, list[str]]]:
    parent, child = multiprocessing.get_context("spawn").Pipe()
    process = multiprocessing.get_context("spawn").Process(
        target=_serve, args=(tenants, issues, latency_ms, child), daemon=True
    )
    process.start()
    try:
        yield parent.recv()
    finally:
        parent.send("stop")
        process.join(timeout=10)


def _requests(base_url: str) -> int:
    answer = httpx.get(f"{base_url}/_sandbox/requests", timeout=60).json()
    return len(answer["value"])


def _tokens(base_url: str, concurrency: int) -> AppOnlyTokenProvider:
    return AppOnlyTokenProvider(
        SANDBOX_CLIENT_ID,
        client_secret=SANDBOX_CLIENT_SECRET,
        identity_url=base_url,
        max_concurrent=concurrency,  # as `escalation-kit health sync` does
    )


def fan_out(base_url: str, tenants: list[str], concurrency: int, work: Path) -> dict[str, Any]:
    before = _requests(base_url)
    with Ledger(f"sqlite:///{work / f'ledger-{time.monotonic_ns()}.db'}") as ledger:
        started, cpu = time.perf_counter(), time.process_time()
        result = sync_health(
            tenants,
            tokens=_tokens(base_url, concurrency),
            base_url=base_url,
            concurrency=concurrency,
            ledger=ledger,
            out=work / "health.json",
            progress=False,
        )
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    if result.failed:
        raise SystemExit(f"fan-out: {len(result.failed)} tenant(s) failed: {result.failed[0]}")
    requests = _requests(base_url) - before
    return {
        "seconds": elapsed,
        "requests": requests,
        "requests_per_s": requests / elapsed,
        "tenants_per_s": len(tenants) / elapsed,
        "cpu_ms_per_tenant": cpu * 1000 / len(tenants),
    }


def one_at_a_time(base_url: str, tenants: list[str]) -> dict[str, Any]:
    before = _requests(base_url)
    started = time.perf_counter()
    tokens = _tokens(base_url, 1)
    with GraphHealthClient(base_url, tokens) as client:
        for tenant in tenants:
            client.list_health_overviews(tenant)
            client.list_issues(tenant)
    elapsed = time.perf_counter() - started
    requests = _requests(base_url) - before
    return {"seconds": elapsed, "requests": requests, "requests_per_s": requests / elapsed}


def cli_run(base_url: str, tenants: list[str], work: Path) -> dict[str, Any]:
    """``escalation-kit health sync`` with its defaults in a child process: wall time, peak RSS."""
    customers = work / "customers.csv"
    customers.write_text(
        "tenant_id,name,country\n"
        + "".join(f"{t},Customer {n},DE\n" for n, t in enumerate(tenants)),
        encoding="utf-8",
    )
    env = {**os.environ, "ESCALATION_KIT_DB": f"sqlite:///{work / 'cli-ledger.db'}"}
    code = (
        "import resource, sys\n"
        "from escalation_kit.cli import main\n"
        "try:\n    main()\nexcept SystemExit as exit:\n    code = exit.code\nelse:\n    code = 0\n"
        "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "print(f'PEAK_KB={peak}', file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    command = [sys.executable, "-c", code, "health", "sync", "--customers", str(customers),
               "--sandbox", base_url, "--out", str(work / "cli.json"), "--no-progress"]  # fmt: skip
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"health sync failed ({done.returncode}): {done.stderr[-2000:]}")
    peak_kb = int(done.stderr.rsplit("PEAK_KB=", 1)[1].split()[0])
    return {"tenants": len(tenants), "seconds": elapsed, "peak_rss_mb": peak_kb / 1024}


def main() -> None:
    args = parse_args()
    load = os.getloadavg()[0]
    with (
        tempfile.TemporaryDirectory() as tmp,
        emulator(args.tenants, args.issues, args.latency_ms) as (base_url, tenants),
    ):
        work = Path(tmp)
        runs = [fan_out(base_url, tenants, args.concurrency, work) for _ in range(args.repeat)]
        slow = one_at_a_time(base_url, tenants[: args.baseline_tenants])
        subset = tenants[: args.baseline_tenants]
    cli = []
    for count in args.cli_tenants:
        with (
            tempfile.TemporaryDirectory() as tmp,
            emulator(count, args.issues, args.latency_ms) as (base_url, many),
        ):
            cli.append(cli_run(base_url, many, Path(tmp)))
    best = min(runs, key=lambda r: r["seconds"])
    extrapolated = slow["seconds"] * len(tenants) / len(subset)
    ratios = [extrapolated / r["seconds"] for r in runs]
    report = {
        "benchmark": "health_sync",
        "at": datetime.now(UTC).isoformat(),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_average_1m_before": load,  # other work on the machine skews the numbers
            "load_average_1m_after": os.getloadavg()[0],
        },
        "tenants": len(tenants),
        "issues_per_tenant": args.issues,
        "latency_ms": args.latency_ms,
        "concurrency": args.concurrency,
        "fan_out_runs": runs,
        "fan_out_best": best,
        "baseline": {**slow, "tenants": len(subset), "extrapolated_seconds": extrapolated},
        "speedup_best": max(ratios),
        "speedup_runs": ratios,
        "cli": cli,
        "peak_rss_mb_this_process": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    seconds = [r["seconds"] for r in runs]
    cpu = [r["cpu_ms_per_tenant"] for r in runs]
    print(
        f"tenants: {len(tenants)}, {args.issues} issues each, {args.latency_ms} ms per exchange, "
        f"sign-in included (msal, client credentials per tenant authority)"
    )
    print(
        f"fan-out (concurrency {args.concurrency}), {len(runs)} run(s): "
        f"best {best['seconds']:.2f} s "
        f"(spread {min(seconds):.2f}-{max(seconds):.2f} s), {best['requests']} requests, "
        f"{best['requests_per_s']:.0f} req/s, {best['tenants_per_s']:.0f} tenants/s"
    )
    print(
        f"CPU per tenant (client only): best {min(cpu):.2f} ms "
        f"(spread {min(cpu):.2f}-{max(cpu):.2f} ms; median {statistics.median(cpu):.2f})"
    )
    print(
        f"one at a time: {slow['seconds']:.2f} s for {len(subset)} tenants "
        f"({slow['requests']} requests) -> {extrapolated:.1f} s extrapolated to {len(tenants)}"
    )
    print(
        f"speed-up: best {max(ratios):.1f}x (runs: {', '.join(f'{r:.1f}' for r in ratios)}); "
        f"load average {load:.1f} -> {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    for run in cli:
        print(
            f"escalation-kit health sync (default settings, process start included), "
            f"{run['tenants']} tenants, {args.latency_ms} ms per exchange: "
            f"{run['seconds']:.1f} s, peak memory {run['peak_rss_mb']:.0f} MB"
        )
    RESULTS.mkdir(parents=True, exist_ok=True)
    target = RESULTS / "bench_health_sync.json"
    target.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
