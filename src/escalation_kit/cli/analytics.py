"""CLI commands ``report`` and ``history import|export``: thin shells over the analytics."""

from __future__ import annotations

# Each command imports the library inside its function: pandas, SQLAlchemy and httpx load only
# for the command that runs, so `escalation-kit --help` stays fast (see cli/__init__.py).
import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from escalation_kit.cli._common import cli_errors, echo
from escalation_kit.errors import InputError
from escalation_kit.models import TimeBound

if TYPE_CHECKING:
    import pandas as pd

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SHOWN_WARNINGS = 20  # a history can hold millions of rows: the first warnings, then a count

SinceOpt = Annotated[
    str | None,
    typer.Option("--since", help="First day (YYYY-MM-DD, UTC) or ISO 8601 datetime to include."),
]
UntilOpt = Annotated[
    str | None,
    typer.Option(
        "--until",
        help="Last day to include (YYYY-MM-DD, UTC), or an ISO 8601 datetime to stop before.",
    ),
]


def until_bound(text: str | None) -> TimeBound:
    """``--until``: a plain date includes that whole day (UTC), a datetime is exclusive."""
    import pandas as pd

    if text is None:
        return None
    if not _DATE_ONLY.match(text.strip()):
        return text
    try:
        return pd.Timestamp(text.strip(), tz="UTC") + pd.Timedelta(days=1)
    except ValueError as exc:
        raise InputError(f"--until {text!r} is not a valid date (YYYY-MM-DD)") from exc


def _history_from_file(path: Path, rejects_next_to: Path) -> pd.DataFrame:
    """Load a history file; rejected rows are counted on stderr and written beside the output."""
    from escalation_kit.intake.history import load_history
    from escalation_kit.intake.writers import write_csv  # pandas: loaded by the command only

    loaded = load_history(path)
    for note in loaded.warnings[:_SHOWN_WARNINGS]:
        echo(f"warning: {note}", err=True)
    if len(loaded.warnings) > _SHOWN_WARNINGS:
        echo(f"... and {len(loaded.warnings) - _SHOWN_WARNINGS} more warning(s)", err=True)
    if len(loaded.rejected):
        rejects = rejects_next_to.with_name(rejects_next_to.stem + ".rejects.csv")
        try:
            rejects.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise InputError(f"cannot write the rejects: {reason}", file=str(rejects)) from exc
        write_csv(loaded.rejected, rejects, what="rejects")
        echo(
            f"{len(loaded.rejected)} of {loaded.read} history row(s) rejected; see {rejects}",
            err=True,
        )
    return loaded.accepted


def _ledger_history(since: str | None, until: TimeBound) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ledger's escalations created in ``[since, until)``, and its customers."""
    from escalation_kit.ledger import Ledger
    from escalation_kit.ledger.history import export_history

    with Ledger() as ledger:
        return export_history(ledger, since=since, until=until), ledger.customers()


def _customers_file(path: Path) -> pd.DataFrame:
    """The accepted customers of a customers file (their names go next to tenant ids)."""
    from escalation_kit.intake import read_customers

    return read_customers(path).accepted


@cli_errors
def report_command(
    out: Annotated[Path, typer.Option("--out", help="Where to write the HTML report.")],
    history: Annotated[
        Path | None,
        typer.Option("--history", help="History file (CSV or Parquet); default: the ledger."),
    ] = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    theme: Annotated[str, typer.Option("--theme", help="light or dark.")] = "light",
    customers: Annotated[
        Path | None,
        typer.Option(
            "--customers",
            help="Customers file (CSV, JSON lines or Excel) naming the tenants; "
            "default: the ledger's customers when reading the ledger.",
        ),
    ] = None,
    export_dir: Annotated[
        Path | None,
        typer.Option("--export-dir", help="Also write every table as CSV and Excel here."),
    ] = None,
) -> None:
    """Write a self-contained HTML report (works offline) of the escalation history.

    Reads FILE when --history is given, else the ledger (ESCALATION_KIT_DB).

    Example:

    \b
        escalation-kit report --history data/sample/escalation_history.csv \\
            --customers data/sample/customers.csv --since 2026-01-01 \\
            --out report.html --theme dark --export-dir tables/
    """
    from escalation_kit.analytics.palette import template_name
    from escalation_kit.analytics.report import build_report

    template_name(theme)  # a bad theme fails before any reading
    end = until_bound(until)
    known = None
    if history:
        frame = _history_from_file(history, out)
    else:
        frame, known = _ledger_history(since, end)
    if customers is not None:
        known = _customers_file(customers)
    report = build_report(frame, since=since, until=end, theme=theme, customers=known)
    report.write(out)
    echo(f"wrote {out} ({report.summary.total} escalations)")
    if export_dir is not None:
        written = report.export_tables(export_dir)
        echo(f"exported {len(written)} file(s) to {export_dir}")


@cli_errors
def history_import_command(
    file: Annotated[Path, typer.Argument(help="History file (CSV or Parquet).")],
) -> None:
    """Import an escalation history into the ledger; rows already there are skipped.

    Rejected rows are counted on stderr and written to FILE.rejects.csv in the current folder.

    Example:

    \b
        escalation-kit history import data/sample/escalation_history.csv
    """
    from escalation_kit.ledger import Ledger
    from escalation_kit.ledger.history import import_history

    frame = _history_from_file(file, Path.cwd() / file.name)
    with Ledger() as ledger:
        result = import_history(ledger, frame, source=str(file), progress=True)
    echo(f"imported {result.inserted} escalation(s); {result.skipped} already in the ledger")


@cli_errors
def history_export_command(
    out: Annotated[Path, typer.Option("--out", help="Where to write (.csv or .parquet).")],
    since: SinceOpt = None,
    until: UntilOpt = None,
) -> None:
    """Export the ledger's escalation history in the contract's format (CSV or Parquet).

    Example:

    \b
        escalation-kit history export --since 2026-01-01 --out history.csv
    """
    from escalation_kit.intake.history import write_history
    from escalation_kit.ledger import Ledger
    from escalation_kit.ledger.history import export_history

    with Ledger() as ledger:
        frame = export_history(ledger, since=since, until=until_bound(until))
    write_history(frame, out)
    echo(f"exported {len(frame)} escalation(s) to {out}")


def register(app: typer.Typer) -> None:
    """Add ``report`` and the ``history`` group to the app."""
    app.command("report")(report_command)
    group = typer.Typer(
        name="history",
        help="Move escalation history between files and the ledger.",
        no_args_is_help=True,
    )
    group.command("import")(history_import_command)
    group.command("export")(history_export_command)
    app.add_typer(group)
