"""CLI commands ``triage``, ``evaluate`` and ``override``: thin shells over the triage package."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from escalation_kit.bundled import dataset_dir
from escalation_kit.cli._common import cli_errors
from escalation_kit.errors import InputError

if TYPE_CHECKING:
    import pandas as pd


TicketsArg = Annotated[Path, typer.Argument(help="Tickets file (CSV, JSON lines or Excel).")]
CustomersOpt = Annotated[
    Path | None,
    typer.Option("--customers", help="Customers CSV (tenant_id, name, country, region)."),
]
HealthOpt = Annotated[
    Path | None, typer.Option("--health", help="Health snapshot JSON written by 'health sync'.")
]
RulesOpt = Annotated[
    Path | None, typer.Option("--rules", help="A custom rules YAML instead of the bundled one.")
]


@cli_errors
def triage_command(
    tickets: TicketsArg,
    out: Annotated[Path, typer.Option("--out", help="Where to write the decisions CSV.")],
    customers: CustomersOpt = None,
    health: HealthOpt = None,
    rules: RulesOpt = None,
    record: Annotated[
        bool, typer.Option("--record/--no-record", help="Record the decisions in the ledger.")
    ] = True,
) -> None:
    """Triage tickets into the seven categories and write one decision per ticket.

    Rejected rows are counted on stderr and listed in OUT.rejects.csv; the rest are triaged.

    Example:

    \b
        escalation-kit triage tickets.csv --customers customers.csv \\
            --health snapshot.json --out triage.csv
    """
    from escalation_kit.ledger.decisions import check_decisions
    from escalation_kit.triage.config import TriageConfig
    from escalation_kit.triage.engine import triage_tickets

    result = triage_tickets(tickets, customers, health, rules=rules, config=TriageConfig.from_env())
    if record and len(result.decisions):
        check_decisions(result.decisions)  # fail before any file is written
    result.to_csv(out)
    for note in result.warnings:
        typer.echo(f"warning: {note}", err=True)
    rejects = out.with_name(out.name.removesuffix(".csv") + ".rejects.csv")
    if len(result.rejected):
        result.write_rejects(rejects)
        typer.echo(f"{len(result.rejected)} row(s) rejected: details in {rejects}", err=True)
    counts = result.counts()
    summary = ", ".join(f"{category} {count}" for category, count in counts.items())
    typer.echo(
        f"triaged {len(result.decisions)} ticket(s) into {out}"
        + (f": {summary}" if summary else "")
    )
    if record and len(result.decisions):
        _record(result.decisions)


def _record(decisions: pd.DataFrame) -> None:
    """Record in the ledger; the run id hashes the decisions, so a re-run records nothing new."""
    from escalation_kit.ledger import Ledger
    from escalation_kit.triage.runs import run_id_for

    run_id = run_id_for(decisions)
    ledger = Ledger()
    try:
        recorded = ledger.record_decisions(decisions, run_id=run_id)
    finally:
        ledger.close()
    typer.echo(f"recorded {recorded} new decision(s) in the ledger (run {run_id})")


@cli_errors
def evaluate_command(
    tickets: Annotated[
        Path | None,
        typer.Argument(help="Tickets file (default: the bundled data/eval/tickets.csv)."),
    ] = None,
    labels: Annotated[
        Path | None, typer.Option("--labels", help="Labels CSV (ticket_id, category, ...).")
    ] = None,
    customers: CustomersOpt = None,
    health: HealthOpt = None,
    rules: RulesOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
) -> None:
    """Score triage against hand labels: accuracy, macro-F1, per category, confusion, misses.

    Without arguments it scores the bundled development set (data/eval/: tickets, customers,
    health, labels). Customers, health and labels default to the files
    beside TICKETS. Exits non-zero only for bad input.

    Example:

    \b
        escalation-kit evaluate data/eval/tickets.csv --labels data/eval/labels.csv --json
    """
    from escalation_kit.triage.evaluate import evaluate

    eval_dir = dataset_dir("eval")
    tickets = tickets or eval_dir / "tickets.csv"
    labels = labels or _default(tickets.parent / "labels.csv", "--labels")
    if customers is None and (tickets.parent / "customers.csv").exists():
        customers = tickets.parent / "customers.csv"
    if health is None and (tickets.parent / "health.json").exists():
        health = tickets.parent / "health.json"
    result = evaluate(tickets, labels, customers, health, rules=rules)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
    else:
        typer.echo(result.format_text())


def _default(path: Path, name: str) -> Path:
    if not path.exists():
        raise InputError(f"{name} not given and {path} not found: pass it")
    return path


@cli_errors
def override_command(
    ticket_id: Annotated[str, typer.Argument(help="The ticket whose decision is overridden.")],
    category: Annotated[str, typer.Option("--category", help="The category the analyst chose.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (kept in the ledger).")],
    analyst: Annotated[
        str | None, typer.Option("--analyst", help="Who decides (default: ESCALATION_KIT_ANALYST).")
    ] = None,
) -> None:
    """Record an analyst's category for a ticket beside its automatic decision.

    Example:

    \b
        escalation-kit override T-1042 --category bug --reason "reproduced twice" --analyst dana
    """
    from escalation_kit.config import Settings
    from escalation_kit.ledger import Ledger
    from escalation_kit.models import Category

    if category not in {c.value for c in Category}:
        allowed = ", ".join(c.value for c in Category)
        raise InputError(f"unknown category {category!r} (one of {allowed})", field="--category")
    if not reason.strip():
        raise InputError("a reason is required", field="--reason")
    who = analyst or Settings.from_env().analyst_name
    ledger = Ledger(actor=who)
    try:
        ledger.override_decision(ticket_id, category=category, reason=reason.strip(), actor=who)
    finally:
        ledger.close()
    typer.echo(f"recorded override of {ticket_id}: {category} (by {who})")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command("triage")(triage_command)
    app.command("evaluate")(evaluate_command)
    app.command("override")(override_command)
