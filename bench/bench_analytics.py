"""Benchmark: analytics at scale (default 1,000,000 synthetic escalations, deterministic).

1. Aggregates by category × region × week with our code (``metrics.volume``) and the same
   GROUP BY in DuckDB on the same frame; reports both times (best of ``--repeat``) and the
   ratio (target: ours within 2× of DuckDB), and checks the two results are equal.
2. Builds the main figures and reports each one's payload (bytes of ``fig.to_json()``).
3. Builds the full HTML report (and its size) from the frame.
4. End to end from files: writes the frame as CSV and as Parquet, then times ``load_history``
   (read + validate) followed by ``build_report`` (best of ``min(--repeat, 3)``), and the wall
   time of the CLI ``escalation-kit report --history FILE --out ...`` in a fresh process.
5. Optionally (``--ledger-rows N``, default 100,000) imports N rows into an SQLite ledger and
   times the SQL-pushed weekly aggregation against exporting and aggregating in pandas.

Writes the numbers as JSON to ``bench/results/bench_analytics.json``.
Run: ``.venv/bin/python bench/bench_analytics.py [--rows N] [--repeat K]``.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from escalation_kit.analytics.figures import main_figures
from escalation_kit.analytics.metrics import volume
from escalation_kit.analytics.report import build_report
from escalation_kit.analytics.synthetic import synthetic_history
from escalation_kit.intake.history import load_history, write_history

RESULTS = Path(__file__).resolve().parent / "results"
DUCKDB_QUERY = """
    SELECT date_trunc('week', created_at AT TIME ZONE 'UTC') AS period, category, region,
           count(*) AS count
    FROM history GROUP BY ALL
"""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5, help="runs per timing (best is kept)")
    parser.add_argument("--ledger-rows", type=int, default=100_000, help="0 skips the ledger part")
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args()


def best_of(repeat: int, func: Callable[[], Any]) -> tuple[float, Any]:
    """The fastest of ``repeat`` runs (seconds) and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return min(times), result


def bench_aggregation(frame: pd.DataFrame, repeat: int) -> dict[str, Any]:
    import duckdb

    ours_s, ours = best_of(repeat, lambda: volume(frame, by=("category", "region"), freq="W"))
    con = duckdb.connect()
    con.register("history", frame)
    with warnings.catch_warnings():  # DuckDB's pandas conversion warns under pandas 3
        warnings.simplefilter("ignore")
        duck_s, duck = best_of(repeat, lambda: con.execute(DUCKDB_QUERY).df())
    duck_counts = {
        (pd.Timestamp(p).tz_localize("UTC") if pd.Timestamp(p).tzinfo is None else p, c, r): n
        for p, c, r, n in duck.itertuples(index=False, name=None)
    }
    our_counts = {(p, str(c), str(r)): n for p, c, r, n in ours.itertuples(index=False, name=None)}
    return {
        "groups": len(ours),
        "ours_s": round(ours_s, 4),
        "duckdb_s": round(duck_s, 4),
        "ratio_ours_over_duckdb": round(ours_s / duck_s, 3),
        "within_2x": ours_s <= 2 * duck_s,
        "results_equal": our_counts
        == {(p, str(c), str(r)): n for (p, c, r), n in duck_counts.items()},
    }


def bench_figures(frame: pd.DataFrame) -> dict[str, Any]:
    start = time.perf_counter()
    figures = main_figures(frame)
    built = time.perf_counter() - start
    return {
        "build_s": round(built, 3),
        "payload_bytes": {name: len(fig.to_json()) for name, fig in figures.items()},
    }


def bench_report(frame: pd.DataFrame) -> dict[str, Any]:
    build_report(frame.head(1_000))  # warm-up: imports and plotly.js read once
    start = time.perf_counter()
    report = build_report(frame)
    seconds = time.perf_counter() - start
    return {"build_s": round(seconds, 3), "html_bytes": len(report.html.encode("utf-8"))}


def bench_end_to_end(frame: pd.DataFrame, repeat: int) -> dict[str, Any]:
    """Per file format: load + validate, then the report; and the CLI in a fresh process."""
    with tempfile.TemporaryDirectory() as folder:
        return {
            suffix: bench_file(write_history(frame, Path(folder) / f"history.{suffix}"), repeat)
            for suffix in ("csv", "parquet")
        }


def bench_file(path: Path, repeat: int) -> dict[str, Any]:
    """``load_history`` then ``build_report`` in this process, then the CLI's wall time."""
    load_s, loaded = best_of(min(repeat, 3), lambda: load_history(path))
    report_s, _ = best_of(min(repeat, 3), lambda: build_report(loaded.accepted))
    cli = Path(sys.executable).with_name("escalation-kit")
    out = path.with_name("report.html")
    start = time.perf_counter()
    subprocess.run(
        [str(cli), "report", "--history", str(path), "--out", str(out)],
        check=True,
        capture_output=True,
    )
    return {
        "file_bytes": path.stat().st_size,
        "accepted": len(loaded.accepted),
        "load_s": round(load_s, 3),
        "build_report_s": round(report_s, 3),
        "load_plus_report_s": round(load_s + report_s, 3),
        "cli_wall_s": round(time.perf_counter() - start, 2),
    }


def bench_ledger(frame: pd.DataFrame, repeat: int) -> dict[str, Any]:
    from escalation_kit.ledger import Ledger
    from escalation_kit.ledger.history import aggregate_volume, export_history, import_history

    with tempfile.TemporaryDirectory() as folder, Ledger(f"sqlite:///{folder}/b.db") as ledger:
        start = time.perf_counter()
        import_history(ledger, frame)
        import_s = time.perf_counter() - start
        sql_s, _ = best_of(repeat, lambda: aggregate_volume(ledger, freq="W"))
        export_s, _ = best_of(1, lambda: volume(export_history(ledger), freq="W"))
    return {
        "rows": len(frame),
        "import_s": round(import_s, 2),
        "sql_weekly_volume_s": round(sql_s, 3),
        "export_then_pandas_s": round(export_s, 3),
    }


def main() -> None:
    args = parse_args()
    start = time.perf_counter()
    frame = synthetic_history(args.rows, seed=args.seed)
    generated = time.perf_counter() - start
    results: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": platform.platform(),
        "rows": args.rows,
        "generate_s": round(generated, 2),
        "aggregation": bench_aggregation(frame, args.repeat),
        "figures": bench_figures(frame),
        "report": bench_report(frame),
        "end_to_end": bench_end_to_end(frame, args.repeat),
    }
    if args.ledger_rows:
        results["ledger"] = bench_ledger(frame.head(args.ledger_rows), args.repeat)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "bench_analytics.json"
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))
    print(f"written to {out}")


if __name__ == "__main__":
    main()
