"""CLI command ``escalation-kit sample``: write the deterministic sample data set."""

from __future__ import annotations

# Each command imports the library inside its function: pandas, SQLAlchemy and httpx load only
# for the command that runs, so `escalation-kit --help` stays fast (see cli/__init__.py).
from pathlib import Path

import typer

from escalation_kit.cli._common import cli_errors, echo

DEFAULT_OUT = Path("sample-data")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command("sample")(sample_command)


@cli_errors
def sample_command(
    out: Path = typer.Option(
        DEFAULT_OUT, "--out", help="Directory to write the files into.", file_okay=False
    ),
    seed: int | None = typer.Option(
        None, "--seed", help="Random seed (default: the one data/sample was made with)."
    ),
    quiet: bool = typer.Option(False, "--quiet", help="No progress bar."),
) -> None:
    """Write sample customers, tickets, labels, health snapshot, catalogue and history.

    The same seed always gives byte-identical files (the bundled data/sample is seed 2026),
    with time anchored at 2026-11-20T00:00:00Z.

    Example:

    \b
        escalation-kit sample --out demo-data
    """
    from escalation_kit.sample import DEFAULT_SEED, generate_sample

    summary = generate_sample(out, seed=DEFAULT_SEED if seed is None else seed, progress=not quiet)
    echo(summary.format_text())
