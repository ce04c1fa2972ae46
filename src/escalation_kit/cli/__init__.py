"""The ``escalation-kit`` command line: a thin typer layer over the package's functions.

Each command lives in its own module with a ``register(app)`` function; heavy imports stay
inside the commands so that ``escalation-kit --help`` is fast.
"""

from __future__ import annotations

import typer

from escalation_kit.cli import (
    analytics,
    app_server,
    escalation,
    health,
    ledger,
    sample,
    sandbox,
    triage,
)

app = typer.Typer(
    name="escalation-kit",
    help="Triage customer problems, check Microsoft service health, escalate to Microsoft "
    "and report on escalations.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

for _module in (triage, health, sandbox, escalation, analytics, sample, ledger, app_server):
    _module.register(app)


def main() -> None:
    """Entry point of the console script."""
    app()
