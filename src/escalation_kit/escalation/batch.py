"""Batch operations the CLI and the notebooks share: a whole triage run → packages on disk.

:func:`prepare_packages` takes the triage decisions (the engine's ``TriageResult.decisions``
frame, a triage output CSV, or :class:`TriageDecision` records) and the tickets (a file, an
intake frame or result, or a ticket map), drafts one package per problem in the ledger and,
given ``out_dir``, writes one folder per package plus ``index.csv`` (the contract's columns).
Like drafting itself it is idempotent: a second call creates nothing and writes the same files.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
from sqlalchemy import select

from escalation_kit.errors import InputError
from escalation_kit.escalation.drafting import (
    DEFAULT_JOIN_WINDOW,
    DEFAULT_LINK_WINDOW,
    DraftOutcome,
    Withdrawal,
    awaiting_review,
    check_drafting_allowed,
    draft_escalations,
    withdraw_overridden,
)
from escalation_kit.escalation.inputs import (
    decisions_from_frame,
    read_triage_output,
    tickets_from_frame,
)
from escalation_kit.escalation.locking import folder_lock
from escalation_kit.escalation.packages import FilingPackage, PartnerContact
from escalation_kit.escalation.render import write_package
from escalation_kit.escalation.reviews import IncidentReport
from escalation_kit.escalation.workflow import draft_known_issue_notices
from escalation_kit.health.snapshot import HealthSnapshot, load_snapshot
from escalation_kit.intake import IntakeResult, read_tickets, validate_tickets
from escalation_kit.intake.writers import csv_text
from escalation_kit.ledger import Ledger
from escalation_kit.ledger import escalations as sql
from escalation_kit.ledger.schema import incident_reports
from escalation_kit.models import Category, EscalationStatus, Ticket, TriageDecision
from escalation_kit.triage.engine import RECOMMENDED_ACTIONS
from escalation_kit.triage.severity import severity_for

__all__ = [
    "INDEX_COLUMNS",
    "PackageBatch",
    "apply_latest_decisions",
    "attached_reports",
    "index_frame",
    "prepare_known_issue_notices",
    "prepare_packages",
    "read_decisions",
    "store_tickets",
    "tickets_by_id",
    "unsent_notices",
    "write_batch",
    "write_unsent_notices",
]

log = logging.getLogger(__name__)

INDEX_COLUMNS = (
    "package_id",
    "tracking_tag",
    "status",
    "created",
    "ticket_ids",
    "tenant_ids",
    "category",
    "severity",
    "service",
    "region",
    "title",
    "folder",
)
"""``index.csv``: the contract's columns (package_id, tracking_tag, ticket_ids and tenant_ids
``;``-separated, category, severity, title) plus status, created, service, region, folder."""

PathLike = str | os.PathLike[str]
Decisions = pd.DataFrame | PathLike | Iterable[TriageDecision]
Customers = str | Path | pd.DataFrame | None
_ACCEPTED_MARKERS = ("region", "normalized_service")


@dataclass(frozen=True, eq=False)  # holds a frame: compare the parts
class PackageBatch:
    """What :func:`prepare_packages` did: one outcome per package (ordered by package id, like
    the rows of ``index``), the index frame, and the folder written (if any)."""

    outcomes: tuple[DraftOutcome, ...]
    index: pd.DataFrame
    out_dir: Path | None = None
    rejected_tickets: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    withdrawals: tuple[Withdrawal, ...] = ()
    awaiting_review: tuple[str, ...] = ()  # escalated tickets left out until an analyst decides

    @property
    def packages(self) -> list[FilingPackage]:
        return [outcome.package for outcome in self.outcomes]

    @property
    def created(self) -> int:
        """How many drafts are new in the ledger (0 on a rerun)."""
        return sum(outcome.created for outcome in self.outcomes)

    @property
    def linked(self) -> int:
        """How many tickets were linked to escalations that already existed."""
        return sum(len(o.newly_linked) for o in self.outcomes if not o.created)

    def __len__(self) -> int:
        return len(self.outcomes)

    def __repr__(self) -> str:
        where = f" in {self.out_dir}" if self.out_dir else ""
        return (
            f"<PackageBatch {len(self)} package(s){where}: {self.created} new, "
            f"{self.linked} ticket(s) linked>"
        )


def read_decisions(decisions: Decisions) -> list[TriageDecision]:
    """Decisions from a triage frame (``TriageResult.decisions`` or ``Ledger.decisions()``),
    a triage output CSV path, or records, each checked (InputError names row and field)."""
    if isinstance(decisions, pd.DataFrame):
        return decisions_from_frame(decisions, source="decisions frame")
    if isinstance(decisions, str | os.PathLike):
        return read_triage_output(Path(decisions))
    records = list(decisions)
    for number, record in enumerate(records, start=1):
        if not isinstance(record, TriageDecision):
            raise InputError(
                f"expected a TriageDecision, got {type(record).__name__}",
                file="decisions",
                row=number,
            )
    return records


def tickets_by_id(
    tickets: pd.DataFrame | IntakeResult, *, customers: Customers = None
) -> dict[str, Ticket]:
    """Tickets keyed by id, from intake's result or accepted frame (or ``Ledger.tickets()``).

    A frame intake has not seen (no ``region``/``normalized_service`` columns) is validated
    with :func:`~escalation_kit.intake.validate_tickets` first; its rejected rows are left out
    and logged.
    """

    if not isinstance(tickets, pd.DataFrame | IntakeResult):
        raise InputError(
            f"tickets must be a frame or an intake result, not {type(tickets).__name__}",
            field="tickets",
        )
    return _ticket_map(tickets, customers)[0]


def _ticket_map(
    tickets: pd.DataFrame | IntakeResult | PathLike | Mapping[str, Ticket],
    customers: Customers,
) -> tuple[dict[str, Ticket], pd.DataFrame]:
    """The ticket map and the rows intake rejected (empty when intake had already run)."""

    if isinstance(tickets, IntakeResult):
        return tickets_from_frame(tickets.accepted), tickets.rejected
    if isinstance(tickets, Mapping):
        return dict(tickets), pd.DataFrame()
    if isinstance(tickets, pd.DataFrame):
        if all(column in tickets.columns for column in _ACCEPTED_MARKERS):
            return tickets_from_frame(tickets), pd.DataFrame()
        result = validate_tickets(tickets, source="tickets frame", customers=customers)
    else:
        result = read_tickets(Path(tickets), customers=customers)
    if len(result.rejected):
        log.warning("%s; rejected rows are not escalated", result.summary())
    return tickets_from_frame(result.accepted), result.rejected


def prepare_packages(
    decisions: Decisions,
    tickets: pd.DataFrame | IntakeResult | PathLike | Mapping[str, Ticket],
    *,
    ledger: Ledger,
    out_dir: PathLike | None = None,
    customers: Customers = None,
    contact: PartnerContact | None = None,
    health: HealthSnapshot | PathLike | None = None,
    health_checked_at: datetime | None = None,
    link_window: timedelta = DEFAULT_LINK_WINDOW,
    join_window: timedelta = DEFAULT_JOIN_WINDOW,
    allow_unchecked: bool = False,
) -> PackageBatch:
    """Draft one filing package per escalated problem and (with ``out_dir``) write them.

    The same rules as ``escalation-kit escalate``: the tickets are stored in the ledger (so
    notices know each customer's language and name); each ticket is drafted from its latest
    decision in the ledger (an analyst's override wins, with severity and next action
    recomputed; a draft overridden away from escalation is withdrawn, see ``withdrawals``);
    decisions that need review are left out (``awaiting_review``) until an analyst decides;
    tickets whose ``health_checked`` is false are
    refused (:class:`~escalation_kit.errors.HealthNotChecked`) unless ``allow_unchecked``.

    ``health`` is the snapshot triage used (its ``fetched_at`` and its documented issues go
    into the packages); ``health_checked_at`` alone may be given instead. ``contact`` defaults
    to the ``ESCALATION_KIT_CONTACT_*`` settings. Idempotent: a second call on the same input
    creates nothing new and writes identical files.
    """
    records = read_decisions(decisions)
    ticket_map, rejected = _ticket_map(tickets, customers)
    store_tickets(ledger, ticket_map)
    records = apply_latest_decisions(ledger, records, ticket_map)
    review = tuple(awaiting_review(records))
    records = [r for r in records if r.ticket_id not in set(review)]
    check_drafting_allowed(records, ticket_map, allow_unchecked=allow_unchecked)
    snapshot = _snapshot(health)
    withdrawals = withdraw_overridden(ledger, records)
    outcomes = draft_escalations(
        ledger,
        records,
        ticket_map,
        contact=contact if contact is not None else PartnerContact.from_settings(),
        health_checked_at=snapshot.fetched_at if snapshot is not None else health_checked_at,
        link_window=link_window,
        join_window=join_window,
        allow_unchecked=allow_unchecked,
        issues=snapshot.issues_by_tenant() if snapshot is not None else None,
    )
    if out_dir is None:
        ordered = _committed(ledger, outcomes)
        return PackageBatch(
            ordered, index_frame(ordered), None, rejected, tuple(withdrawals), review
        )
    # Files come from the ledger's committed state, read under the folder's lock: a concurrent
    # run that linked more tickets meanwhile is in them, and the last writer writes the newest.
    with folder_lock(Path(out_dir), what="the packages"):
        ordered = _committed(ledger, outcomes)
        index = index_frame(ordered)
        folder = write_batch(ordered, index, Path(out_dir))
    return PackageBatch(ordered, index, folder, rejected, tuple(withdrawals), review)


def _snapshot(health: HealthSnapshot | PathLike | None) -> HealthSnapshot | None:
    if health is None or isinstance(health, HealthSnapshot):
        return health
    return load_snapshot(health)


def store_tickets(ledger: Ledger, tickets: Mapping[str, Ticket]) -> None:
    """Keep the tickets in the ledger (insert or update), so later steps know each one's
    customer name, language and text whatever path drafted it."""
    if not tickets:
        return
    rows = [
        {
            "ticket_id": t.ticket_id,
            "tenant_id": t.tenant_id,
            "customer_name": t.customer_name,
            "country": t.country,
            "region": str(t.region),
            "service": t.service,
            "normalized_service": t.normalized_service,
            "title": t.title,
            "description": t.description,
            "reported_at": t.reported_at,
            "users_affected": t.users_affected,
        }
        for t in tickets.values()
    ]
    ledger.upsert_tickets(pd.DataFrame(rows), progress=False)


def apply_latest_decisions(
    ledger: Ledger, records: Sequence[TriageDecision], tickets: Mapping[str, Ticket]
) -> list[TriageDecision]:
    """Each decision replaced by the ledger's latest one when an analyst overrode it.

    An overridden decision gets the analyst's category, a severity and next action recomputed
    for that category, and no review flag (the analyst decided); it leaves its cluster unless
    the new category is the cluster's own kind. ``health_checked`` stays the triage run's.
    """
    if not records:
        return []
    frame = ledger.decisions(ticket_ids=[r.ticket_id for r in records])
    if frame.empty:
        return list(records)
    chosen = frame[frame["override_category"].astype(str) != ""]
    if chosen.empty:
        return list(records)
    overridden = {str(row["ticket_id"]): row for _, row in chosen.iterrows()}
    result: list[TriageDecision] = []
    for record in records:
        row = overridden.get(record.ticket_id)
        if row is None:
            result.append(record)
            continue
        result.append(_overridden(record, row, records, tickets))
    return result


_CLUSTER_KINDS = (Category.REGIONAL_MULTI_TENANT, Category.NETWORK_DISRUPTION)


def _overridden(
    record: TriageDecision,
    row: pd.Series,
    records: Sequence[TriageDecision],
    tickets: Mapping[str, Ticket],
) -> TriageDecision:
    category = Category(str(row["override_category"]))
    cluster = record.cluster_id if category in _CLUSTER_KINDS else ""
    members = [r for r in records if cluster and r.cluster_id == cluster]
    tenants = {tickets[r.ticket_id].tenant_id for r in members if r.ticket_id in tickets}
    regions = {r.region for r in members} - {"Unknown"}
    ticket = tickets.get(record.ticket_id)
    severity = severity_for(
        category,
        ticket.users_affected if ticket is not None else None,
        cluster_tenants=len(tenants),
        cluster_regions=len(regions),
    )
    return replace(
        record,
        category=category,
        severity=severity,
        cluster_id=cluster,
        recommended_action=RECOMMENDED_ACTIONS[category],
        reasons=f"analyst override ({row['overridden_by']}): {row['override_reason']}",
        needs_review=False,
        overridden=True,
        matched_issue_id=record.matched_issue_id if category is Category.KNOWN_ISSUE else "",
    )


def _committed(ledger: Ledger, outcomes: Sequence[DraftOutcome]) -> tuple[DraftOutcome, ...]:
    """Each outcome with its package and status as the ledger holds them now, by package id."""
    fresh = []
    with ledger.reading("read the drafted packages") as conn:
        for outcome in outcomes:
            record = sql.get_escalation(conn, outcome.package.package_id)
            if record is not None and record.package:
                package = FilingPackage.from_dict(record.package, source=record.escalation_id)
                outcome = replace(outcome, package=package, status=EscalationStatus(record.status))
            fresh.append(outcome)
    return tuple(sorted(fresh, key=lambda o: o.package.package_id))


def index_frame(outcomes: Sequence[DraftOutcome]) -> pd.DataFrame:
    """One row per package with :data:`INDEX_COLUMNS` (``created`` as a bool)."""
    rows = [
        {
            "package_id": o.package.package_id,
            "tracking_tag": o.package.tracking_tag,
            "status": o.status.value,
            "created": o.created,
            "ticket_ids": ";".join(o.package.ticket_ids),
            "tenant_ids": ";".join(o.package.tenant_ids),
            "category": o.package.category.value,
            "severity": o.package.severity.value,
            "service": o.package.service,
            "region": o.package.region,
            "title": o.package.title,
            "folder": o.package.package_id,  # write_package's folder name
        }
        for o in outcomes
    ]
    frame = pd.DataFrame(rows, columns=list(INDEX_COLUMNS))
    return frame.astype({"created": bool})


def write_batch(outcomes: Sequence[DraftOutcome], index: pd.DataFrame, out_dir: Path) -> Path:
    """Write each package's folder and ``index.csv`` (``created`` as ``true``/``false``)."""
    text = index.assign(created=index["created"].map({True: "true", False: "false"}))
    temporary = out_dir / ".index.csv.tmp"
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for outcome in outcomes:
            write_package(outcome.package, out_dir)
        rows = text.itertuples(index=False)
        temporary.write_text(csv_text(INDEX_COLUMNS, rows), encoding="utf-8", newline="")
        temporary.replace(out_dir / "index.csv")
    except OSError as exc:
        raise InputError(
            f"cannot write the packages: {exc.strerror or exc}", file=str(out_dir)
        ) from exc
    return out_dir


# -- closing the loop ------------------------------------------------------------------------


def prepare_known_issue_notices(
    decisions: Decisions,
    tickets: pd.DataFrame | IntakeResult | PathLike | Mapping[str, Ticket],
    health: HealthSnapshot | PathLike,
    *,
    ledger: Ledger,
) -> list[str]:
    """Draft customer notices for known-issue tickets whose documented issue is now resolved
    in ``health`` (a fresh snapshot or its file); returns the new notice ids."""

    snapshot = load_snapshot(health) if isinstance(health, str | os.PathLike) else health
    records = read_decisions(decisions)
    ticket_map, _ = _ticket_map(tickets, None)
    return draft_known_issue_notices(ledger, records, ticket_map, snapshot.all_issues())


def write_unsent_notices(ledger: Ledger, out_dir: PathLike) -> list[sql.NoticeRecord]:
    """Write every unsent notice as ``<notice_id>.txt`` (with its subject) and ``.html``, and
    the post-incident reviews they attach (``<issue>-post-incident-review.<ext>``)."""
    notices = unsent_notices(ledger)
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    for notice in notices:
        (folder / f"{notice.notice_id}.txt").write_text(
            f"Subject: {notice.subject}\n\n{notice.text}", encoding="utf-8"
        )
        (folder / f"{notice.notice_id}.html").write_text(notice.html, encoding="utf-8")
        for report in attached_reports(ledger, notice):
            (folder / report.file_name).write_bytes(report.content)
    return notices


def attached_reports(ledger: Ledger, notice: sql.NoticeRecord) -> list[IncidentReport]:
    """The post-incident reviews a notice says are attached."""
    with ledger.reading("read post-incident reviews") as conn:
        rows = conn.execute(
            select(incident_reports).where(incident_reports.c.tenant_id == notice.tenant_id)
        ).all()
    reports = [
        IncidentReport(r.tenant_id, r.issue_id, bytes(r.content), r.content_type) for r in rows
    ]
    return [r for r in reports if r.file_name in notice.text]


def unsent_notices(ledger: Ledger) -> list[sql.NoticeRecord]:
    """Drafted customer notices not yet recorded as sent, oldest first."""
    with ledger.reading("read notices") as conn:
        return sql.list_notices(conn, unsent_only=True)
