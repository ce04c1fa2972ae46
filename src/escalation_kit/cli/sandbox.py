"""CLI command ``escalation-kit sandbox``: serve the API emulator on 127.0.0.1 until stopped."""

from __future__ import annotations

# Each command imports the library inside its function: pandas, SQLAlchemy and httpx load only
# for the command that runs, so `escalation-kit --help` stays fast (see cli/__init__.py).
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

import typer

from escalation_kit.cli._common import cli_errors, echo
from escalation_kit.errors import InputError

if TYPE_CHECKING:
    from escalation_kit.sandbox import Faults, RequestRecord

DEFAULT_SNAPSHOT = Path("data") / "sample" / "health.json"


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command("sandbox")(sandbox)


@cli_errors
def sandbox(
    health: Path | None = typer.Option(
        None,
        "--health",
        help="Health snapshot JSON to serve (default: data/sample/health.json if present, "
        "else a small built-in demo).",
        dir_okay=False,
    ),
    port: int = typer.Option(
        0, "--port", help="Port on 127.0.0.1; 0 picks a free one.", min=0, max=65535
    ),
    rate_limit: float = typer.Option(0.0, "--rate-limit", help="Probability (0..1) of a 429."),
    retry_after: int = typer.Option(1, "--retry-after", help="Retry-After seconds on 429/503."),
    retry_after_http_date: bool = typer.Option(
        False, "--retry-after-http-date", help="Send Retry-After as an HTTP-date."
    ),
    quota_per_minute: int | None = typer.Option(
        None,
        "--quota-per-minute",
        help="Graph-style limit: 429 beyond N calls per tenant per minute.",
    ),
    server_errors: float = typer.Option(0.0, "--server-errors", help="Probability of a 5xx."),
    error_status: int = typer.Option(
        503, "--error-status", help="Status of injected 5xx: 500/502/503/504."
    ),
    latency_ms: int = typer.Option(0, "--latency-ms", help="Milliseconds added to every response."),
    latency_jitter_ms: int = typer.Option(
        0, "--latency-jitter-ms", help="Up to this many random extra milliseconds."
    ),
    slow_ms: int = typer.Option(
        0, "--slow-ms", help="Extra milliseconds for an occasional slow response."
    ),
    slow_rate: float = typer.Option(0.0, "--slow-rate", help="Probability of a slow response."),
    truncate: float = typer.Option(0.0, "--truncate", help="Probability of a half-sent body."),
    truncate_full_length: bool = typer.Option(
        False, "--truncate-full-length", help="Truncated bodies promise the full Content-Length."
    ),
    reset: float = typer.Option(0.0, "--reset", help="Probability of a connection reset."),
    next_link_loop: bool = typer.Option(
        False, "--next-link-loop", help="Paging links point back at the same page."
    ),
    tenant: list[str] | None = typer.Option(
        None, "--tenant", help="Fault only this tenant (repeat for several)."
    ),
    paths: str | None = typer.Option(None, "--paths", help="Fault only paths matching this regex."),
    first_n: int | None = typer.Option(
        None, "--first-n", help="Fault only the first N requests per tenant and path."
    ),
    seed: int | None = typer.Option(None, "--seed", help="Seed for reproducible faults."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log each request on stderr."),
) -> None:
    """Serve emulated Microsoft Graph (/v1.0/...) and Partner Center (/v1/...) APIs on 127.0.0.1.

    The first line on stdout is the base URL. The bearer token for tenant T is "sandbox-T".
    Stop with Ctrl-C or SIGTERM.

    Example: escalation-kit sandbox --port 8765 --rate-limit 0.2 --seed 1
    """
    from escalation_kit.sandbox import Sandbox

    faults = _faults(
        rate_limit=rate_limit,
        retry_after=retry_after,
        retry_after_http_date=retry_after_http_date,
        quota_per_minute=quota_per_minute,
        server_errors=server_errors,
        error_status=error_status,
        latency_ms=latency_ms,
        latency_jitter_ms=latency_jitter_ms,
        slow_ms=slow_ms,
        slow_rate=slow_rate,
        truncate=truncate,
        truncate_full_length=truncate_full_length,
        reset=reset,
        next_link_loop=next_link_loop,
        tenants=frozenset(tenant) if tenant else None,
        paths=paths,
        first_n=first_n,
        seed=seed,
    )
    emulator = Sandbox(_snapshot_source(health), faults, port=port, on_request=_logger(verbose))
    base_url = emulator.start()
    try:
        print(base_url, flush=True)
        tenants = emulator.state.tenant_ids
        example = f", e.g. sandbox-{tenants[0]}" if tenants else ""
        hint = f"token for tenant T: 'Authorization: Bearer sandbox-T' ({len(tenants)} tenants"
        print(f"{hint}{example})", flush=True)
        _wait_for_stop()
    finally:
        emulator.stop()
    echo("sandbox stopped", err=True)


def _faults(**options: Any) -> Faults:
    """Faults from the command's options; a bad value names its option (``--rate-limit``)."""
    from escalation_kit.sandbox import Faults

    try:
        return Faults(**options)
    except InputError as exc:
        name = "tenant" if exc.field == "tenants" else (exc.field or "")
        option = "--" + name.replace("_", "-")
        raise InputError(exc.reason, field=option) from exc


def _snapshot_source(health: Path | None) -> Path | None:
    """The snapshot file to serve: the given one, else ./data/sample/health.json if present."""
    if health is not None:
        return health
    return DEFAULT_SNAPSHOT if DEFAULT_SNAPSHOT.is_file() else None


def _logger(verbose: bool) -> Any:
    if not verbose:
        return None

    def log(record: RequestRecord) -> None:
        fault = f" [{record.fault}]" if record.fault else ""
        print(
            f"{record.at:%H:%M:%S} {record.method} {record.path} tenant={record.tenant} "
            f"-> {record.status}{fault}",
            file=sys.stderr,
            flush=True,
        )

    return log


def _wait_for_stop() -> None:
    """Block until SIGINT or SIGTERM."""
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        while not stop.wait(0.5):
            pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
