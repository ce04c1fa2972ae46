"""CLI command ``escalation-kit app``: the triage console as a local web app (Voilà).

For analysts who never open a notebook: Voilà serves the one-cell notebook ``console.ipynb``
beside this module on 127.0.0.1 (no code shown, widgets only), behind a token made for this run
(in the URL printed). The options reach the console
as ``ESCALATION_KIT_APP_*`` variables. The first line on stdout is the app's URL; Voilà's
own log goes to stderr.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from escalation_kit.cli._common import cli_errors, echo
from escalation_kit.errors import ConfigError, InputError

NOTEBOOK = Path(__file__).with_name("console.ipynb")
HOST = "127.0.0.1"
STOP_TIMEOUT = 10  # seconds Voilà gets to shut its kernels down
ENV = {
    "tickets": "ESCALATION_KIT_APP_TICKETS",
    "customers": "ESCALATION_KIT_APP_CUSTOMERS",
    "health": "ESCALATION_KIT_APP_HEALTH",
    "out": "ESCALATION_KIT_APP_OUT",
}


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command("app")(app_command)


def free_port() -> int:
    """A port nobody listens on now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((HOST, port)) == 0


def _existing(path: Path | None, field: str) -> str:
    if path is None:
        return ""
    if not path.is_file():
        raise InputError(f"no such file: {path}", file=str(path), field=field)
    return str(path.resolve())


def app_environment(
    tickets: Path | None, customers: Path | None, health: Path | None, out: Path
) -> dict[str, str]:
    """The console's inputs as absolute paths (the app's kernel runs in another folder)."""
    if tickets is None and (customers is not None or health is not None):
        raise InputError("--customers and --health need --tickets", field="tickets")
    return {
        ENV["tickets"]: _existing(tickets, "tickets"),
        ENV["customers"]: _existing(customers, "customers"),
        ENV["health"]: _existing(health, "health"),
        ENV["out"]: str(out.resolve()),
    }


def voila_command(port: int, token: str) -> list[str]:
    """Voilà serving the console notebook on 127.0.0.1 only, behind a one-run token."""
    return [
        sys.executable,
        "-m",
        "voila",
        str(NOTEBOOK),
        "--no-browser",
        f"--port={port}",
        f"--Voila.ip={HOST}",
        "--show_tracebacks=False",
        f"--token={token}",
    ]


@cli_errors
def app_command(
    tickets: Annotated[
        Path | None, typer.Option("--tickets", help="Tickets file (default: the ledger's).")
    ] = None,
    customers: Annotated[Path | None, typer.Option("--customers", help="Customers CSV.")] = None,
    health: Annotated[
        Path | None, typer.Option("--health", help="Health snapshot JSON (health first).")
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Where packages are written.")] = Path("out"),
    port: Annotated[int, typer.Option("--port", help="Port on 127.0.0.1 (0: any free).")] = 8866,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds to wait for start.")] = 60,
) -> None:
    """Serve the triage console on 127.0.0.1 for analysts who do not write code.

    The queue, review, packages, notes, notices and the health panel, in the browser. With
    --tickets the tickets are triaged and recorded in the ledger (ESCALATION_KIT_DB); without,
    the console shows the ledger's tickets and decisions. Prints the URL first; Ctrl+C stops.

    Example:

    \b
        escalation-kit app --tickets data/sample/tickets.csv \\
            --customers data/sample/customers.csv --health data/sample/health.json --port 0
    """
    if importlib.util.find_spec("voila") is None:
        raise ConfigError("the app needs Voilà: pip install voila")
    env = os.environ | app_environment(tickets, customers, health, out)
    chosen = free_port() if port == 0 else port
    if _listening(chosen):
        raise ConfigError(f"port {chosen} is in use on {HOST}: choose another with --port")
    token = secrets.token_urlsafe(24)  # other users of this machine cannot open the console
    # a SIGTERM to this command (a service manager, a test) stops Voilà too, never orphaning it
    signal.signal(signal.SIGTERM, _interrupt)
    proc = subprocess.Popen(voila_command(chosen, token), env=env, stdout=sys.stderr)
    try:
        deadline = time.monotonic() + timeout
        while not _listening(chosen):
            if proc.poll() is not None:
                raise ConfigError(f"the app server exited with status {proc.returncode}")
            if time.monotonic() > deadline:
                raise ConfigError(f"the app server did not start within {timeout:.0f} s")
            time.sleep(0.2)
        echo(f"http://{HOST}:{chosen}/?token={token}")
        sys.stdout.flush()
        proc.wait()
    except KeyboardInterrupt:
        pass
    finally:
        _stop(proc)


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop Voilà like Ctrl+C does (it shuts its kernels down), then for good if it hangs."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
