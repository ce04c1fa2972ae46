"""CLI commands of the escalation workflow: escalate, edit-package, escalations, link, track,
note, close, close-loop.

A thin layer over :mod:`escalation_kit.escalation`. Nothing is written to Microsoft without
``--yes`` or a "yes" at the confirmation prompt.
"""

from __future__ import annotations

# Each command imports the library inside its function: pandas, SQLAlchemy and httpx load only
# for the command that runs, so `escalation-kit --help` stays fast (see cli/__init__.py).
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from escalation_kit.cli._common import cli_errors, echo, terminal_text
from escalation_kit.errors import InputError

if TYPE_CHECKING:
    from escalation_kit.config import Settings
    from escalation_kit.escalation.batch import PackageBatch
    from escalation_kit.escalation.outbox import FlushReport
    from escalation_kit.escalation.partner_center import PartnerCenterClient
    from escalation_kit.intake import IntakeResult
    from escalation_kit.ledger import Ledger

SANDBOX_HELP = "Base URL of the emulator (escalation-kit sandbox) instead of Partner Center."
YES_HELP = "Send to Microsoft without asking (nothing is sent without it or a 'yes')."


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command("escalate")(escalate)
    app.command("edit-package")(edit_package_command)
    app.command("escalations")(escalations_command)
    app.command("link")(link_command)
    app.command("track")(track_command)
    app.command("note")(note_command)
    app.command("close")(close_command)
    app.command("close-loop")(close_loop_command)


# -- shared plumbing ---------------------------------------------------------------------------


def _settings(**overrides: Any) -> Settings:
    from escalation_kit.config import Settings

    return Settings.from_env(**overrides)


def _ledger() -> Ledger:
    from escalation_kit.ledger import Ledger

    return Ledger()


def _client(sandbox: str | None) -> PartnerCenterClient:
    """A Partner Center client: the emulator with sandbox tokens, or Microsoft as App+User."""
    from escalation_kit.escalation.partner_center import PartnerCenterClient

    return PartnerCenterClient.from_settings(_settings(), sandbox_url=sandbox)


def _confirmed(yes: bool, what: str) -> bool:
    """``--yes``, else ask (no answer, e.g. a closed stdin, counts as "no")."""
    if yes:
        return True
    try:
        return typer.confirm(f"{what}?", default=False)
    except typer.Abort:
        return False


def _report_flush(report: FlushReport) -> None:
    for line in report.errors:
        echo(f"warning: {line}", err=True)
    if report.applied:
        echo(f"sent to Microsoft: {len(report.applied)} write(s)")
    if report.pending:
        echo(f"still pending (re-sent on the next run with --yes): {len(report.pending)}")


# -- escalate ------------------------------------------------------------------------------------


def _read_tickets(tickets: Path, customers: Path | None) -> IntakeResult:
    """The tickets file through intake; rejected rows are reported, the rest go on."""
    from escalation_kit.intake import read_tickets

    result = read_tickets(tickets, customers=customers)
    if len(result.rejected):
        echo(f"warning: {result.summary()}; rejected rows are not escalated", err=True)
    return result


@cli_errors
def escalate(
    triage_out: Path = typer.Argument(
        ..., help="Triage output CSV (escalation-kit triage).", dir_okay=False
    ),
    tickets: Path = typer.Option(
        ..., "--tickets", help="The tickets file triage read.", dir_okay=False
    ),
    customers: Path | None = typer.Option(
        None, "--customers", help="Customers CSV.", dir_okay=False
    ),
    out_dir: Path = typer.Option(
        ..., "--out-dir", help="Folder for the packages and index.csv.", file_okay=False
    ),
    health: Path | None = typer.Option(
        None,
        "--health",
        help="The health snapshot triage used (its time and documented issues go into the "
        "packages).",
        dir_okay=False,
    ),
    allow_unchecked: bool = typer.Option(
        False,
        "--allow-unchecked",
        help="Draft tickets whose service health was not checked (health_checked=false); "
        "their packages say plainly that health was not checked.",
    ),
    contact_name: str | None = typer.Option(
        None, "--contact-name", help="Partner contact (else ESCALATION_KIT_CONTACT_NAME)."
    ),
    contact_email: str | None = typer.Option(
        None, "--contact-email", help="Else ESCALATION_KIT_CONTACT_EMAIL."
    ),
    contact_phone: str | None = typer.Option(
        None, "--contact-phone", help="Else ESCALATION_KIT_CONTACT_PHONE."
    ),
    link_window_hours: float = typer.Option(
        4.0,
        "--link-window-hours",
        min=0.0,
        help="A later cluster within this many hours of an open cluster escalation of the "
        "same category and region joins it.",
    ),
) -> None:
    """Draft one filing package per problem (a cluster, or one tenant's tickets about the
    same problem within 7 days) and record the drafts.

    Health first: tickets whose health_checked is false are refused (exit 1) unless
    --allow-unchecked. Each ticket is drafted from its latest decision in the ledger (an
    analyst's override wins); decisions that need review are refused until an analyst confirms
    or overrides them. Partner Center's API no longer creates requests: a person files each
    package in the web UI, keeping the tracking tag in the title. Running it again on the same
    input creates nothing new and writes the same packages.

    Example: escalation-kit escalate triage.csv --tickets tickets.csv --out-dir packages/
    """
    settings = _settings(
        contact_name=contact_name, contact_email=contact_email, contact_phone=contact_phone
    )
    if not (settings.contact_name or settings.contact_email):
        echo(
            "warning: no partner contact set (--contact-name/--contact-email or "
            "ESCALATION_KIT_CONTACT_*); Partner Center needs the partner's contact",
            err=True,
        )
    batch = _prepare(
        triage_out,
        tickets,
        customers,
        health,
        settings,
        link_window_hours,
        out_dir,
        allow_unchecked=allow_unchecked,
    )
    if health is None:
        echo(
            "warning: no --health snapshot given: packages cannot cite its time or list the "
            "documented issues considered",
            err=True,
        )
    if batch.awaiting_review:
        waiting = batch.awaiting_review
        echo(
            f"warning: nothing drafted for {len(waiting)} escalated ticket(s) awaiting an "
            f"analyst's review: {', '.join(waiting[:10])}{' ...' if len(waiting) > 10 else ''}; "
            "confirm or correct each with `escalation-kit override TICKET --category ... "
            "--reason ...` (or accept it in the console), then run escalate again",
            err=True,
        )
    for withdrawal in batch.withdrawals:
        echo(("warning: " if withdrawal.filed else "") + withdrawal.describe(), err=True)
    unchecked = [p for p in batch.packages if not p.health_checked]
    if unchecked:
        echo(
            f"warning: {len(unchecked)} package(s) say service health was NOT checked "
            "(--allow-unchecked)",
            err=True,
        )
    echo(
        f"{len(batch)} package(s) in {out_dir} ({batch.created} new draft(s), {batch.linked} "
        "ticket(s) linked to existing escalations); file each one in Partner Center, then run "
        "`escalation-kit track`"
    )


def _prepare(
    triage_out: Path,
    tickets: Path,
    customers: Path | None,
    health: Path | None,
    settings: Settings,
    link_window_hours: float,
    out_dir: Path,
    *,
    allow_unchecked: bool,
) -> PackageBatch:
    from datetime import timedelta

    from escalation_kit.escalation.batch import prepare_packages, read_decisions
    from escalation_kit.escalation.packages import PartnerContact
    from escalation_kit.health.snapshot import load_snapshot

    decisions = read_decisions(triage_out)
    if not allow_unchecked and "health_checked" not in _header(triage_out):
        raise InputError(
            "the triage output has no health_checked column, so service health cannot be shown "
            "to have been checked: triage the tickets again with --health SNAPSHOT.json (or pass "
            "--allow-unchecked)",
            file=str(triage_out),
        )
    intake = _read_tickets(tickets, customers)
    snapshot = load_snapshot(health) if health is not None else None
    with _ledger() as ledger:
        return prepare_packages(
            decisions,
            intake,
            ledger=ledger,
            out_dir=out_dir,
            contact=PartnerContact.from_settings(settings),
            health=snapshot,
            link_window=timedelta(hours=link_window_hours),
            allow_unchecked=allow_unchecked,
        )


def _header(path: Path) -> list[str]:
    """The CSV's column names (empty when unreadable: read_decisions reports that)."""
    import csv

    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            return next(csv.reader(handle), [])
    except (OSError, UnicodeDecodeError, csv.Error):
        return []


@cli_errors
def edit_package_command(
    package_json: Path = typer.Argument(
        ..., help="An edited package.json from escalate's output.", dir_okay=False
    ),
) -> None:
    """Record a hand-edited package.json (title, description, severity, product, contact...)
    as the draft, and re-render the package's files next to it.

    Example: escalation-kit edit-package packages/ESC-8B695AC5E539/package.json
    """
    from escalation_kit.escalation.drafting import save_package_edit
    from escalation_kit.escalation.render import read_package_json, write_package

    edited = read_package_json(package_json)
    with _ledger() as ledger:
        recorded = save_package_edit(ledger, edited)
    write_package(recorded, package_json.parent.parent)
    fields = ", ".join(recorded.edited_fields) or "nothing"
    echo(f"{recorded.package_id}: edited {fields}; files re-rendered in {package_json.parent}")


@cli_errors
def escalations_command(
    status: str | None = typer.Option(
        None, "--status", help="Only draft, open, attention_needed or closed."
    ),
) -> None:
    """List escalations with their tag, status, request, age and time to resolve.

    Example: escalation-kit escalations --status attention_needed
    """
    from escalation_kit.escalation.tracking import summaries

    with _ledger() as ledger:
        rows = [s for s in summaries(ledger) if status is None or s.status == status]
    for s in rows:
        ttr = f"{s.time_to_resolve.total_seconds() / 3600:.1f}h" if s.time_to_resolve else "-"
        echo(
            f"{s.escalation_id}  {s.tracking_tag}  {s.status:<16}  "
            f"SR {s.service_request_id or '-':<15}  age {s.age.total_seconds() / 3600:.1f}h  "
            f"resolved in {ttr}  {terminal_text(s.title)}"
        )
    echo(f"{len(rows)} escalation(s)")


# -- tracking ------------------------------------------------------------------------------------


@cli_errors
def link_command(
    escalation_id: str = typer.Argument(..., help="The draft's id (ESC-...)."),
    service_request_id: str = typer.Argument(
        ..., help="The id Partner Center gave the filed request."
    ),
    sandbox: str | None = typer.Option(None, "--sandbox", help=SANDBOX_HELP),
) -> None:
    """Link a request filed in Partner Center to its draft by id, then sync it.

    Example: escalation-kit link ESC-8B695AC5E539 618031512345678
    """
    from escalation_kit.escalation.tracking import link

    with _ledger() as ledger, _client(sandbox) as client:
        changes = link(ledger, escalation_id, service_request_id, client=client)
    echo(f"{escalation_id} linked to request {service_request_id}")
    for line in changes:
        echo(line)


@cli_errors
def track_command(
    sandbox: str | None = typer.Option(None, "--sandbox", help=SANDBOX_HELP),
    customer: list[str] | None = typer.Option(
        None, "--customer", help="Only this customer tenant (repeatable)."
    ),
    yes: bool = typer.Option(False, "--yes", help=YES_HELP),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show progress bars."),
) -> None:
    """Find filed requests by their tracking tag, link them, and sync status and notes.

    Notes the toolkit proposes (e.g. more tenants joined a cluster) and writes left pending
    by an earlier run are sent only with --yes (or a "yes" at the prompt).

    Example: escalation-kit track --sandbox http://127.0.0.1:8765 --yes
    """
    from escalation_kit.escalation.outbox import flush_outbox
    from escalation_kit.escalation.tracking import sync_request, track

    with _ledger() as ledger, _client(sandbox) as client:
        report = track(ledger, client, customers=customer or None, progress=progress)
        for line in report.changes:
            echo(line)
        waiting = flush_outbox(ledger, client, confirm=False)
        if waiting.pending and _confirmed(yes, f"Send {len(waiting.pending)} note(s) to Microsoft"):
            _report_flush(
                flush_outbox(ledger, client, confirm=True, approve_proposed=True, sync=sync_request)
            )
        elif waiting.pending:
            echo(f"{len(waiting.pending)} note(s) waiting; nothing sent (use --yes)")
    for eid in report.attention_needed:
        echo(f"attention needed: {eid} (Microsoft is waiting for the partner)")
    for line in report.warnings:
        echo(f"warning: {line}", err=True)
    echo(f"linked {len(report.linked)}, synced {len(report.synced)}")
    for line in report.errors:
        echo(f"error: {line}", err=True)
    if report.errors:
        raise typer.Exit(1)


@cli_errors
def note_command(
    escalation_id: str = typer.Argument(..., help="The escalation (ESC-...)."),
    text: str = typer.Argument(..., help="The note for Microsoft."),
    sandbox: str | None = typer.Option(None, "--sandbox", help=SANDBOX_HELP),
    yes: bool = typer.Option(False, "--yes", help=YES_HELP),
) -> None:
    """Add a note to the escalation's Partner Center request (asks first unless --yes).

    Example: escalation-kit note ESC-8B695AC5E539 "Two more tenants affected since 10:00 UTC"
    """
    from escalation_kit.escalation.outbox import flush_outbox, queue_write
    from escalation_kit.escalation.tracking import sync_request

    if not _confirmed(yes, f"Add this note to {escalation_id}'s request at Microsoft"):
        echo("nothing sent")
        raise typer.Exit(1)
    with _ledger() as ledger, _client(sandbox) as client:
        entry = queue_write(ledger, escalation_id, text, kind="note")
        if entry.state == "applied":
            when = f" on {entry.applied_at:%Y-%m-%d %H:%M} UTC" if entry.applied_at else ""
            echo(f"{escalation_id}: this note was already sent to Microsoft{when}; not again")
        _report_flush(flush_outbox(ledger, client, confirm=True, sync=sync_request))


@cli_errors
def close_command(
    escalation_id: str = typer.Argument(..., help="The escalation (ESC-...)."),
    note: str = typer.Option(..., "--note", help="The final note for Microsoft."),
    sandbox: str | None = typer.Option(None, "--sandbox", help=SANDBOX_HELP),
    yes: bool = typer.Option(False, "--yes", help=YES_HELP),
) -> None:
    """Close a request that is still open at Microsoft, with a final note (asks unless --yes).

    Example: escalation-kit close ESC-8B695AC5E539 --note "Customer confirms mail flow is back"
    """
    from escalation_kit.escalation.workflow import close_escalation

    if not _confirmed(yes, f"Close {escalation_id}'s request at Microsoft"):
        echo("nothing sent")
        raise typer.Exit(1)
    with _ledger() as ledger, _client(sandbox) as client:
        _report_flush(close_escalation(ledger, client, escalation_id, note, confirm=True))


@cli_errors
def close_loop_command(
    sandbox: str | None = typer.Option(None, "--sandbox", help=SANDBOX_HELP),
    confirm_sent: list[str] | None = typer.Option(
        None, "--confirm-sent", help="A notice id you have sent to the customer (repeatable)."
    ),
    yes: bool = typer.Option(False, "--yes", help=YES_HELP),
    out_dir: Path | None = typer.Option(
        None, "--out-dir", help="Write drafted notices here (text and HTML).", file_okay=False
    ),
    triage_out: Path | None = typer.Option(
        None, "--triage", help="Triage output, for known-issue tickets.", dir_okay=False
    ),
    tickets: Path | None = typer.Option(
        None, "--tickets", help="Tickets file (with --triage).", dir_okay=False
    ),
    health: Path | None = typer.Option(
        None, "--health", help="A fresh health snapshot (with --triage).", dir_okay=False
    ),
) -> None:
    """Close the loop: draft customer notices for closed requests (and resolved known issues),
    record the ones you sent, then add a closing note to Microsoft's request (--yes).

    Example: escalation-kit close-loop --out-dir notices/ --confirm-sent N-1A2B3C4D5E6F --yes
    """
    from escalation_kit.escalation.workflow import close_loop

    with _ledger() as ledger:
        _fetch_reviews(ledger, sandbox, health)
        if triage_out is not None:
            _known_issue_notices(ledger, triage_out, tickets, health)
        client = _client(sandbox) if (yes or sandbox) else None
        try:
            report = close_loop(ledger, client, confirm_sent_ids=confirm_sent or (), confirm=yes)
        finally:
            if client is not None:
                client.close()
        _write_notices(ledger, out_dir)
    for notice_id in report.drafted:
        echo(f"drafted notice {notice_id}")
    for eid in report.notified:
        echo(f"{eid}: every customer notified")
    for eid in report.closing_notes:
        echo(f"{eid}: closing note queued for Microsoft")
    if report.flush is not None:
        _report_flush(report.flush)
    if report.awaiting_confirmation:
        echo(
            f"{len(report.awaiting_confirmation)} closing note(s) waiting; nothing sent (use --yes)"
        )


def _fetch_reviews(ledger: Ledger, sandbox: str | None, health: Path | None) -> None:
    """Fetch Microsoft's published post-incident reviews (Graph incidentReport) of the documented
    issues in --health and in the ledger's health cache, so notices can attach them."""
    from escalation_kit.auth import provider_from_settings
    from escalation_kit.errors import EscalationKitError
    from escalation_kit.escalation.reviews import fetch_incident_reports, has_review
    from escalation_kit.health.graph import GraphHealthClient
    from escalation_kit.health.snapshot import load_snapshot
    from escalation_kit.http import RetryPolicy

    issues = load_snapshot(health).all_issues() if health is not None else []
    issues += _cached_issues(ledger)
    wanted = [i for i in issues if has_review(i)]
    if not wanted:
        return
    settings = _settings()
    try:
        tokens = provider_from_settings(settings, sandbox=sandbox is not None)
    except EscalationKitError as exc:
        echo(f"warning: post-incident reviews not fetched: {exc}", err=True)
        return
    base_url = sandbox or settings.graph_url
    policy = RetryPolicy(max_retries=settings.max_retries)
    with GraphHealthClient(base_url, tokens, policy=policy, timeout=settings.timeout) as client:
        fetched = fetch_incident_reports(ledger, client, wanted)
    for report in fetched:
        echo(f"fetched Microsoft's post-incident review of {report.issue_id}")


def _cached_issues(ledger: Ledger) -> list[Any]:
    """The documented issues the ledger's health cache holds, per tenant."""
    from escalation_kit.health.parse import parse_issue

    stored = ledger.tickets()
    tenants = sorted(set(stored["tenant_id"].astype(str))) if len(stored) else []
    return [parse_issue(raw, tenant) for tenant in tenants for raw in ledger.health_issues(tenant)]


def _known_issue_notices(
    ledger: Ledger, triage_out: Path, tickets: Path | None, health: Path | None
) -> None:
    from escalation_kit.escalation.batch import prepare_known_issue_notices, read_decisions
    from escalation_kit.health.snapshot import load_snapshot

    if tickets is None or health is None:
        raise InputError(
            "--triage needs --tickets and --health (a fresh snapshot)", field="--triage"
        )
    snapshot = load_snapshot(health)
    decisions = read_decisions(triage_out)
    prepare_known_issue_notices(decisions, _read_tickets(tickets, None), snapshot, ledger=ledger)


def _write_notices(ledger: Ledger, out_dir: Path | None) -> None:
    from escalation_kit.escalation.batch import unsent_notices, write_unsent_notices

    if out_dir is not None:
        written = write_unsent_notices(ledger, out_dir)
        echo(f"{len(written)} unsent notice(s) in {out_dir}")
        return
    for notice in unsent_notices(ledger):
        echo(
            f"unsent notice {notice.notice_id} ({notice.language}) "
            f"for ticket {notice.ticket_id}: {notice.subject}"
        )
