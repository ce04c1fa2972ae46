"""What the triage console does, through the library: review, packages, links, notes, notices.

No widgets here: each function takes the ledger and plain values, so the console stays a view.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from escalation_kit.errors import InputError, InvalidTransition
from escalation_kit.escalation.batch import prepare_packages
from escalation_kit.escalation.notify import compose_notice, notice_language
from escalation_kit.escalation.outbox import queue_write
from escalation_kit.escalation.tracking import link
from escalation_kit.ledger import Ledger
from escalation_kit.ledger import escalations as esc_sql
from escalation_kit.ledger.reviews import accept_decisions, review_states
from escalation_kit.triage.matching import match_ticket

if TYPE_CHECKING:
    from escalation_kit.escalation.notify import NoticeDraft
    from escalation_kit.escalation.packages import FilingPackage
    from escalation_kit.health.snapshot import HealthSnapshot

__all__ = [
    "accept",
    "detail_html",
    "draft_for",
    "escalation_id_for",
    "escalation_state",
    "escalations_by_ticket",
    "link_request",
    "notice_for",
    "queue_note",
    "reviewed_rows",
    "reviews",
    "with_effective",
]

Record = esc_sql.EscalationRecord


def reviews(ledger: Ledger) -> pd.DataFrame:
    return review_states(ledger)


def accept(ledger: Ledger, ticket_ids: Iterable[str], *, actor: str) -> list[str]:
    return accept_decisions(ledger, ticket_ids, actor=actor)


def escalations_by_ticket(ledger: Ledger) -> dict[str, Record]:
    """Each linked ticket's escalation record."""
    with ledger.reading("read escalations") as conn:
        links = esc_sql.linked_tickets(conn)
        records = {r.escalation_id: r for r in esc_sql.list_escalations(conn)}
    return {t: records[e] for t, e in links.items() if e in records}


def escalation_state(record: Record) -> str:
    """The queue status an escalation gives its tickets: escalated, linked or closed."""
    if record.status == "closed":
        return "closed"
    return "linked" if record.service_request_id else "escalated"


def escalation_id_for(escalations: Mapping[str, Record], ticket_id: str) -> str:
    record = escalations.get(ticket_id)
    if record is None:
        raise InvalidTransition(f"{ticket_id} has no escalation yet: draft its package first")
    return record.escalation_id


def with_effective(decisions: pd.DataFrame, ledger: Ledger, ticket_ids: list[str]) -> pd.DataFrame:
    """``decisions`` with the rows of ``ticket_ids`` replaced by their effective decisions."""
    if not ticket_ids:
        return decisions
    effective = ledger.decisions(ticket_ids=ticket_ids).set_index("ticket_id")
    updated = decisions.copy()
    index = updated["ticket_id"].astype(str)
    for column in updated.columns:
        if column == "ticket_id" or column not in effective.columns:
            continue
        mask = index.isin(effective.index)
        new = effective[column].reindex(index[mask]).to_numpy()
        updated[column] = updated[column].astype(object)
        updated.loc[mask, column] = new
    if "escalate" in updated.columns:
        updated["escalate"] = updated["escalate"].astype(bool)
    return updated


def reviewed_rows(
    decisions: pd.DataFrame, queue: pd.DataFrame, ticket_ids: Iterable[str]
) -> pd.DataFrame:
    """The triage rows of the reviewed tickets among ``ticket_ids``, as drafting takes them.

    ``decisions`` is the console's frame: the triage output (with its run columns such as
    ``health_checked``) where overridden rows already carry the analyst's category. The analyst
    has reviewed these rows, so a ``needs_review`` flag is cleared: the review is done.
    """
    reviewed = set(queue.loc[queue["status"] != "new", "ticket_id"])
    wanted = [t for t in dict.fromkeys(str(t) for t in ticket_ids) if t in reviewed]
    rows = decisions[decisions["ticket_id"].astype(str).isin(wanted)]
    if "needs_review" in rows.columns:
        rows = rows.assign(needs_review=False)
    return rows.reset_index(drop=True)


def draft_for(
    ledger: Ledger,
    ticket_id: str,
    decisions: pd.DataFrame,
    queue: pd.DataFrame,
    tickets: pd.DataFrame | None,
    out_dir: Path,
    *,
    health_checked_at: datetime | None = None,
) -> FilingPackage:
    """Draft (or redraft) the package of a reviewed ticket, with its reviewed cluster mates."""

    rows = queue.set_index("ticket_id")
    row = rows.loc[ticket_id]
    if row["status"] == "new":
        raise InputError(
            f"{ticket_id} is not reviewed yet: accept or override its decision first",
            field="ticket_id",
        )
    if not bool(row["escalate"]):
        raise InputError(
            f"{ticket_id} is not escalated to Microsoft (category {row['category']})",
            field="category",
        )
    if tickets is None:
        raise InputError("drafting a package needs the tickets", field="tickets")
    members = [ticket_id]
    if row["cluster_id"]:
        mates = rows[rows["cluster_id"] == row["cluster_id"]]
        members += [t for t in mates.index if t != ticket_id and bool(mates.at[t, "escalate"])]
    chosen = reviewed_rows(decisions, queue, members)
    batch = prepare_packages(
        chosen, tickets, ledger=ledger, out_dir=out_dir, health_checked_at=health_checked_at
    )
    for package in batch.packages:
        if ticket_id in package.ticket_ids:
            return package
    raise InputError(f"no package was drafted for {ticket_id}", field="ticket_id")


def link_request(ledger: Ledger, escalation_id: str, request_id: str) -> None:

    if not request_id:
        raise InputError("give the Partner Center request id", field="request_id")
    link(ledger, escalation_id, request_id)


def queue_note(ledger: Ledger, escalation_id: str, text: str) -> None:

    queue_write(ledger, escalation_id, text)


def notice_for(ticket_id: str, row: pd.Series, record: Record | None) -> NoticeDraft:
    """The customer notice for a ticket, from what the ledger knows (drafted, never sent)."""

    reported = _utc(row["reported_at"])
    happened = f"{row['service']}: {row['title']} (reported {reported})."
    if record is not None:
        happened += f" We escalated it to Microsoft ({record.tracking_tag})."
    if record is not None and record.service_request_id:
        action = f"Microsoft is working on support request {record.service_request_id}."
        reference = f"{record.tracking_tag} / Microsoft request {record.service_request_id}"
    elif row.get("matched_issue_id"):
        action = f"Microsoft has documented this issue ({row['matched_issue_id']}) and is on it."
        reference = str(row["matched_issue_id"])
    else:
        action = "We are investigating and will tell you what Microsoft finds."
        reference = record.tracking_tag if record is not None else ticket_id
    return compose_notice(
        language=notice_language(f"{row['title']} {row['description']}"),
        customer=str(row["customer"]),
        ticket_id=ticket_id,
        ticket_title=str(row["title"]),
        service=str(row["service"]),
        what_happened=happened,
        microsoft_action=action,
        reference=reference,
    )


def _utc(when: Any) -> str:
    if when is None or pd.isna(when):
        return "unknown"
    return pd.Timestamp(when).tz_convert("UTC").strftime("%Y-%m-%d %H:%M UTC")


def _local(when: Any) -> str:
    if when is None or pd.isna(when):
        return "unknown"
    local: datetime = pd.Timestamp(when).to_pydatetime().astimezone()
    return local.strftime("%Y-%m-%d %H:%M %Z")


def _candidates(row: pd.Series, ticket_id: str, health: HealthSnapshot | None) -> str:
    """The best documented-issue candidate and its score (any score), when health is known."""
    if health is None:
        return ""

    try:
        match = match_ticket(
            {
                "ticket_id": ticket_id,
                "tenant_id": row["tenant_id"],
                "service": row["service"],
                "title": row["title"],
                "description": row["description"],
                "reported_at": row["reported_at"],
                "region": row["region"],
            },
            health.all_issues(),
            threshold=0.0,
        )
    except Exception:
        return "(candidates unavailable)"
    if match is None:
        return "none"
    return f"{match.issue_id} (score {match.score:.2f}): {match.reason}"


def detail_html(
    ticket_id: str,
    row: pd.Series,
    queue: pd.DataFrame,
    *,
    health: HealthSnapshot | None = None,
    escalation: Record | None = None,
) -> str:
    """The detail pane: everything about one ticket, every value escaped."""
    users = row.get("users_affected")
    items: dict[str, object] = {
        "ticket": ticket_id,
        "title": row["title"],
        "description": row["description"],
        "customer": row["customer"],
        "tenant": row["tenant_id"],
        "reported (UTC)": _utc(row["reported_at"]),
        "reported (local)": _local(row["reported_at"]),
        "users affected": "unknown" if users is None or pd.isna(users) else f"{int(users):,}",
        "category": row["category"],
        "confidence": row["confidence_text"],
        "severity": row["severity"] or "—",
        "service / region": f"{row['service']} / {row['region']}",
        "status": row["status"],
        "reviewed": f"{row['review']} by {row['analyst']}" if row["review"] else "not yet",
        "evidence": row["reasons"],
        "next step": row.get("recommended_action", ""),
        "documented issue": row.get("matched_issue_id") or "none matched",
    }
    candidates = _candidates(row, ticket_id, health)
    if candidates:
        items["issue candidates"] = candidates
    if escalation is not None:
        items["escalation"] = (
            f"{escalation.escalation_id} ({escalation.tracking_tag}), {escalation.status}"
            + (
                f", request {escalation.service_request_id}"
                if escalation.service_request_id
                else ""
            )
        )
    body = _definition_list(items)
    cluster = str(row["cluster_id"])
    if cluster:
        mates = queue[(queue["cluster_id"] == cluster) & (queue["ticket_id"] != ticket_id)]
        lines = "".join(
            f"<li>{html.escape(str(m.ticket_id))} · {html.escape(str(m.customer))} · "
            f"{html.escape(str(m.title))} · {html.escape(str(m.status))}</li>"
            for m in mates.itertuples()
        )
        body += (
            f"<h4>Cluster {html.escape(cluster)}: {len(mates)} other ticket(s)</h4><ul>{lines}</ul>"
        )
    return f"<div class='ek-detail'>{body}</div>"


def _definition_list(items: Mapping[str, object]) -> str:
    rows = "".join(
        f"<tr><th style='text-align:left;padding-right:1em;vertical-align:top'>"
        f"{html.escape(str(k))}</th><td style='white-space:pre-wrap'>"
        f"{html.escape('' if v is None else str(v))}</td></tr>"
        for k, v in items.items()
    )
    return f"<table>{rows}</table>"
