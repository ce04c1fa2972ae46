"""``escalation-kit ledger``: the ledger's own upkeep (schema upgrade, status)."""

from __future__ import annotations

# Each command imports the library inside its function: pandas, SQLAlchemy and httpx load only
# for the command that runs, so `escalation-kit --help` stays fast (see cli/__init__.py).
import typer

from escalation_kit.cli._common import cli_errors, echo

DB_HELP = "Ledger URL (default: ESCALATION_KIT_DB, else the ledger in the data folder)."


@cli_errors
def upgrade_command(
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Upgrade the ledger's schema to this version (back up the database first).

    Safe to run twice and from several processes at once; an empty database gets the
    current schema. Example: escalation-kit ledger upgrade
    """
    from escalation_kit.config import Settings
    from escalation_kit.ledger.core import default_url
    from escalation_kit.ledger.upgrade import upgrade

    url = db or default_url(Settings.from_env())
    report = upgrade(url)
    if report.before is None:
        echo(f"created the ledger's schema at revision {report.after}")
    elif report.changed:
        echo(f"upgraded the ledger from revision {report.before} to {report.after}")
    else:
        echo(f"the ledger is already at revision {report.after}; nothing to do")


def register(app: typer.Typer) -> None:
    """Add the ``ledger`` group to the app."""
    group = typer.Typer(
        name="ledger",
        help="Upkeep of the ledger database (schema upgrades).",
        no_args_is_help=True,
        rich_markup_mode=None,
    )
    group.command("upgrade")(upgrade_command)
    app.add_typer(group)
