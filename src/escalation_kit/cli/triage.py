"""CLI commands ``triage``, ``evaluate`` and ``override``: thin shells over the triage package."""

from __future__ import annotations

# Each command imports the library inside its function: pandas, SQLAlchemy and httpx load only
# for the command that runs, so `escalation-kit --help` stays fast (see cli/__init__.py).
import json
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from escalation_kit.bundled import dataset_dir
from escalation_kit.cli._common import cli_errors, echo
from escalation_kit.errors import InputError

if TYPE_CHECKING:
    from escalation_kit.triage.engine import TriageResult

DEFAULT_SEEDS = "101,102,103"

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
        echo(f"warning: {note}", err=True)
    rejects = out.with_name(out.name.removesuffix(".csv") + ".rejects.csv")
    if len(result.rejected):
        result.write_rejects(rejects)
        echo(f"{len(result.rejected)} row(s) rejected: details in {rejects}", err=True)
    counts = result.counts()
    summary = ", ".join(f"{category} {count}" for category, count in counts.items())
    echo(
        f"triaged {len(result.decisions)} ticket(s) into {out}"
        + (f": {summary}" if summary else "")
    )
    if record and len(result.decisions):
        _record(result)


def _record(result: TriageResult) -> None:
    """Record the run in the ledger (a re-run records nothing new)."""
    from escalation_kit.ledger import Ledger

    with Ledger() as ledger:
        run_id, recorded = result.record(ledger)
    echo(f"recorded {recorded} new decision(s) in the ledger (run {run_id})")


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
    cv: Annotated[
        bool,
        typer.Option(
            "--cv", help="Cross-validate on the corpus: group k-fold by source (trains per fold)."
        ),
    ] = False,
    corpus: Annotated[
        Path | None,
        typer.Option("--corpus", help="Corpus folder for --cv (default: the bundled data/corpus)."),
    ] = None,
    folds: Annotated[int, typer.Option("--folds", help="Folds for --cv.")] = 5,
    seeds: Annotated[
        str, typer.Option("--seeds", help="Generated sample seeds added to training (--cv).")
    ] = DEFAULT_SEEDS,
) -> None:
    """Score triage against hand labels: accuracy, macro-F1, per category, confusion, misses.

    Without arguments it scores the bundled development set (data/eval/: tickets, customers,
    health, labels). Customers, health and labels default to the files beside TICKETS. With --cv
    it cross-validates on data/corpus by source: each fold's model is trained on the other folds
    (plus data/eval, data/sample and generated samples) and only the fold's own tickets are
    scored; it prints macro-F1, per-category scores, known_issue precision, English vs other
    languages, precision and coverage at the review threshold, a coverage/precision table and
    calibration (ECE, Brier). Exits non-zero only for bad input.

    Example:

    \b
        escalation-kit evaluate data/eval/tickets.csv --labels data/eval/labels.csv --json
        escalation-kit evaluate --cv --corpus data/corpus
    """
    if cv:
        _cross_validate(corpus or dataset_dir("corpus"), folds, seeds, as_json)
        return
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
        echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
    else:
        echo(result.format_text())


def _cross_validate(corpus: Path, folds: int, seeds: str, as_json: bool) -> None:
    from escalation_kit.triage.crossval import cross_validate

    _default(corpus / "labels.csv", "--corpus")
    with tempfile.TemporaryDirectory(prefix="ek-learn-") as work:
        extra = _training_sets(dataset_dir("eval"), _seeds(seeds), Path(work))
        result = cross_validate(corpus, extra, folds=folds)
    if as_json:
        echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
    else:
        echo(result.format_text())


def _seeds(text: str) -> list[int]:
    try:
        return [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise InputError(f"--seeds must be comma-separated integers, got {text!r}") from None


def _training_sets(eval_dir: Path, seeds: list[int], work: Path) -> list[Any]:
    """data/eval plus generated samples: the demo sample's seed (data/sample, rebuilt here so
    the command reads no folder of the repository) and each extra seed."""
    from escalation_kit.sample.generate import DEFAULT_SEED, generate_sample
    from escalation_kit.triage.learn import load_labelled

    sets = [load_labelled(eval_dir, "eval")] if (eval_dir / "labels.csv").exists() else []
    for seed, name in ((DEFAULT_SEED, "sample"), *((s, f"sample{s}") for s in seeds)):
        folder = work / f"sample-{seed}"
        generate_sample(folder, seed=seed)
        sets.append(load_labelled(folder, name))
    return sets


@cli_errors
def learn_command(
    corpus: Annotated[
        Path | None,
        typer.Option("--corpus", help="Real-world corpus folder (default: the bundled one)."),
    ] = None,
    seeds: Annotated[
        str, typer.Option("--seeds", help="Generated sample seeds added to training.")
    ] = DEFAULT_SEEDS,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Model file (default: the partner's model in the data dir)."),
    ] = None,
    bundled: Annotated[
        bool, typer.Option("--bundled", help="Write the model shipped inside the package.")
    ] = False,
    from_ledger: Annotated[
        bool,
        typer.Option("--from-ledger", help="Add the analysts' overrides recorded in the ledger."),
    ] = False,
    tickets: Annotated[
        list[Path] | None,
        typer.Option("--tickets", help="Tickets files with the text of overridden tickets."),
    ] = None,
) -> None:
    """Train the triage content model (calibrated; review threshold chosen on CV folds).

    Trains on data/corpus, data/eval, data/sample and generated samples (--seeds), the same
    data give the same model. With --from-ledger the analysts' overrides in the ledger are added,
    and the held-out scores before and after are printed; triage then uses this partner model
    (ESCALATION_KIT_TRIAGE_MODEL or triage_model.npz in the data directory) instead of the
    bundled one.

    Example:

    \b
        escalation-kit learn --bundled          # maintainers: the model shipped in the package
        escalation-kit learn --from-ledger      # a partner: its own model from its overrides
    """
    from escalation_kit.triage.learn import LabelledSet, fit_model, load_labelled
    from escalation_kit.triage.model import BUNDLED_MODEL_PATH, partner_model_path

    with tempfile.TemporaryDirectory(prefix="ek-learn-") as work:
        sets = _training_sets(dataset_dir("eval"), _seeds(seeds), Path(work))
    corpus = corpus or dataset_dir("corpus")
    if (corpus / "labels.csv").exists():
        sets.append(load_labelled(corpus, "corpus", real=True))
    else:
        echo(f"note: no corpus at {corpus}; training on the other sets only", err=True)
    base = LabelledSet.concat(sets)
    target = BUNDLED_MODEL_PATH if bundled else (out or partner_model_path())
    model = _learn_from_ledger(base, tickets or []) if from_ledger else fit_model(base)
    model.save(target)
    info = model.info
    echo(
        f"trained on {info['tickets']} tickets {info['by_origin']}; out-of-fold accuracy "
        f"{info['oof_accuracy']:.3f}; review threshold {model.review_threshold:.2f}; "
        f"wrote {target}"
    )


def _learn_from_ledger(base: Any, tickets: list[Path]) -> Any:
    from escalation_kit.ledger import Ledger
    from escalation_kit.triage.partner import learn_from_ledger, ledger_overrides

    ledger = Ledger()
    try:
        overrides, total = ledger_overrides(ledger, tickets)
    finally:
        ledger.close()
    result = learn_from_ledger(base, overrides, total)
    echo(result.format_text())
    return result.model


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

    escalate drafts from this decision: severity and the next action are recomputed for the
    new category, and a draft for a ticket overridden away from escalation is withdrawn (if it
    was already filed, you are told to update or close the request).

    Example:

    \b
        escalation-kit override T-1042 --category bug --reason "reproduced twice" --analyst dana
    """
    from escalation_kit.config import Settings
    from escalation_kit.escalation.overrides import record_override
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
        outcome = record_override(
            ledger, ticket_id, category=category, reason=reason.strip(), actor=who
        )
    finally:
        ledger.close()
    shown = f", severity {outcome.severity}" if outcome.severity else ""
    echo(f"recorded override of {ticket_id}: {category}{shown} (by {who})")
    for withdrawal in outcome.withdrawals:
        echo(("warning: " if withdrawal.filed else "") + withdrawal.describe(), err=True)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command("triage")(triage_command)
    app.command("evaluate")(evaluate_command)
    app.command("learn")(learn_command)
    app.command("override")(override_command)
