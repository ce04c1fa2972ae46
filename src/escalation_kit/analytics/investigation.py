"""Multi-tenant incident investigation: who is affected, where, since when, and what is known.

Given the tickets (the intake's frame: ``ticket_id``, ``tenant_id``, ``customer_name``,
``region``, ``normalized_service`` or ``service``, ``title``, ``reported_at``) and either a triage
``cluster_id`` or a window ``(service, region, start, end)``, an :class:`Investigation` gathers
the affected tenants and tickets, their spread across regions, the documented health issue on
that service active in the window (if a snapshot is given) and the linked support request (if a
ledger is given), and renders them as a table, Markdown to paste into the request, a timeline
figure and escaped HTML. Customer-written text is untrusted: it is escaped wherever it is shown.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING, TypeAlias

from escalation_kit.analytics.palette import CATEGORY_COLORS, category_label, template_name
from escalation_kit.errors import InputError
from escalation_kit.escalation.considered import issues_considered
from escalation_kit.health.snapshot import HealthSnapshot, load_snapshot
from escalation_kit.ledger.history import linked_escalations
from escalation_kit.models import HealthIssue, Instant, Ticket

if TYPE_CHECKING:
    import pandas as pd
    import plotly.graph_objects as go

    from escalation_kit.health.snapshot import HealthSnapshot
    from escalation_kit.ledger.core import Ledger

__all__ = ["Investigation", "investigate"]

Window: TypeAlias = tuple[str, str | None, Instant, Instant]
"""(service, region or None, start, end): the incident window to investigate."""
_TICKET_COLUMNS = (
    "ticket_id",
    "tenant_id",
    "customer_name",
    "region",
    "service",
    "title",
    "reported_at",
    "category",
)


@dataclass(frozen=True, eq=False)
class Investigation:
    """One incident across customer tenants (build it with :func:`investigate`)."""

    service: str
    region: str | None  # None: every region
    start: pd.Timestamp
    end: pd.Timestamp
    cluster_id: str
    tickets: pd.DataFrame = field(repr=False)  # one row per affected ticket, oldest first
    documented: tuple[HealthIssue, ...] = ()
    requests: pd.DataFrame | None = field(default=None, repr=False)  # linked, from the ledger
    # The affected tenants' documented issues on the service and why each does not match, in
    # the filing package's words (None: no health snapshot given).
    considered: tuple[str, ...] | None = None

    @property
    def tenants(self) -> pd.DataFrame:
        """One row per affected tenant: customer, region, tickets, first and last report."""
        grouped = self.tickets.groupby("tenant_id", sort=False)
        out = grouped.agg(
            customer_name=("customer_name", "first"),
            region=("region", "first"),
            tickets=("ticket_id", "size"),
            first_report=("reported_at", "min"),
            last_report=("reported_at", "max"),
        )
        return out.reset_index().sort_values(["first_report", "tenant_id"]).reset_index(drop=True)

    @property
    def regions(self) -> pd.DataFrame:
        """Spread across regions: affected tenants and tickets per region."""
        grouped = self.tickets.groupby("region", sort=True)
        out = grouped.agg(tenants=("tenant_id", "nunique"), tickets=("ticket_id", "size"))
        return out.reset_index().sort_values(["tenants", "region"], ascending=[False, True])

    def summary_table(self) -> pd.DataFrame:
        """The per-tenant table, with report times as UTC text (what the Markdown shows)."""
        table = self.tenants.copy()
        for column in ("first_report", "last_report"):
            table[column] = table[column].dt.strftime("%Y-%m-%d %H:%M")
        return table

    def _headline(self) -> list[tuple[str, str]]:
        """(label, plain text) pairs shared by the Markdown and the HTML."""
        hours = (self.end - self.start).total_seconds() / 3600
        spread = ", ".join(f"{r.region} {r.tenants}" for r in self.regions.itertuples())
        if self.considered is None:
            issue = "service health not checked (no health snapshot given)"
        else:
            issue = "; ".join(self.considered) or "none listed for these tenants on this service"
        return [
            ("Service", self.service),
            (
                "Window",
                f"{self.start:%Y-%m-%d %H:%M} – {self.end:%Y-%m-%d %H:%M} UTC ({hours:.1f} h)",
            ),
            ("Affected tenants", f"{self.tickets['tenant_id'].nunique()} ({spread})"),
            ("Tickets", str(len(self.tickets))),
            ("Documented issues considered", issue),
            ("Support request", self._request_text()),
        ]

    def _request_text(self) -> str:
        if self.requests is None:
            return "not looked up (no ledger given)"
        if self.requests.empty:
            return "none linked yet"
        parts = []
        for row in self.requests.to_dict("records"):
            request = str(row["service_request_id"] or "(not filed yet)")
            parts.append(f"{row['tracking_tag']}: SR {request} ({row['status']})")
        return "; ".join(parts)

    def summary_markdown(self) -> str:
        """A summary to paste into the support request (cells stripped of Markdown syntax)."""
        where = f", {self.region}" if self.region else ""
        lines = [f"**Multi-tenant incident: {_md(self.service)}{_md(where)}**", ""]
        lines += [f"- {label}: {_md(text)}" for label, text in self._headline()]
        lines += [
            "",
            "| Tenant | Customer | Region | Tickets | First report (UTC) | Last report (UTC) |",
            "|---|---|---|---:|---|---|",
        ]
        for row in self.summary_table().itertuples():
            cells = (
                row.tenant_id,
                row.customer_name,
                row.region,
                row.tickets,
                row.first_report,
                row.last_report,
            )
            lines.append("| " + " | ".join(_md(str(c)) for c in cells) + " |")
        return "\n".join(lines) + "\n"

    def _repr_html_(self) -> str:
        """Escaped HTML for notebooks: the headline and the per-tenant table."""
        items = "".join(
            f"<li><b>{escape(label)}</b>: {escape(text)}</li>" for label, text in self._headline()
        )
        table = self.summary_table().to_html(index=False, escape=True, border=0)
        where = f", {self.region}" if self.region else ""
        return (
            f"<div class='ek-investigation'><h3>Multi-tenant incident: "
            f"{escape(self.service + where)}</h3><ul>{items}</ul>{table}</div>"
        )

    def timeline_figure(self, *, theme: str = "light") -> go.Figure:
        """Each tenant's reports over time (one row per tenant, colour = category), with the
        documented issue's active period shaded."""
        import plotly.graph_objects as go

        fig = go.Figure()
        fig.update_layout(
            template=template_name(theme),
            title={"text": escape(f"Reports per tenant: {self.service}"), "x": 0.01},
            xaxis_title="Reported at (UTC)",
            yaxis_title="Tenant",
            legend_title_text="Category",
        )
        # customer names are long: the margins grow to show them whole
        fig.update_xaxes(automargin=True)
        fig.update_yaxes(automargin=True)
        data = self.tickets.assign(label=_tenant_labels(self.tickets))
        for category, part in data.groupby("category", sort=True):
            fig.add_trace(
                go.Scatter(
                    x=part["reported_at"],
                    y=part["label"],
                    mode="markers",
                    name=category_label(str(category)),
                    marker={"size": 11, "color": CATEGORY_COLORS.get(str(category), "#7f7f7f")},
                    text=[
                        escape(f"{t}: {s}")
                        for t, s in zip(part["ticket_id"], part["title"], strict=True)
                    ],
                    hovertemplate="%{text}<br>%{x|%Y-%m-%d %H:%M}<extra>%{y}</extra>",
                )
            )
        self._shade_documented(fig)
        return fig

    def _shade_documented(self, fig: go.Figure) -> None:
        """Shade each documented issue's active time, clipped to an hour around the reports."""
        import pandas as pd

        margin = pd.Timedelta(hours=1)
        for issue in self.documented:
            if issue.start is None:
                continue
            fig.add_vrect(
                x0=max(pd.Timestamp(issue.start), self.start - margin),
                x1=min(
                    pd.Timestamp(issue.end) if issue.end else self.end + margin, self.end + margin
                ),
                opacity=0.15,
                line_width=0,
                fillcolor="#999999",
                annotation_text=escape(issue.id),
                annotation_position="top left",
            )


def _md(text: str) -> str:
    """Cell text safe inside a Markdown table: no pipes, newlines or markup characters."""
    cleaned = " ".join(str(text).split())
    for char in "|*_`[]<>#":
        cleaned = cleaned.replace(char, "\\" + char)
    return cleaned


def _tenant_labels(tickets: pd.DataFrame) -> list[str]:
    """``customer (tenant prefix)``, escaped: the timeline's row names."""
    return [
        escape(f"{name} ({tenant[:8]})" if name else tenant)
        for name, tenant in zip(tickets["customer_name"], tickets["tenant_id"], strict=True)
    ]


def investigate(
    tickets: pd.DataFrame,
    decisions: pd.DataFrame | None = None,
    *,
    cluster_id: str | Window | None = None,
    window: Window | None = None,
    health: HealthSnapshot | str | os.PathLike[str] | None = None,
    ledger: Ledger | None = None,
) -> Investigation:
    """Investigate the incident of a triage ``cluster_id`` (needs ``decisions``) or of a
    ``window = (service, region or None, start, end)`` (a 4-tuple passed as ``cluster_id`` is
    taken as the window)."""
    if isinstance(cluster_id, tuple):
        cluster_id, window = None, cluster_id
    if (cluster_id is None) == (window is None):
        raise InputError("give either cluster_id or window=(service, region, start, end)")
    frame = _ticket_frame(tickets, decisions)
    if window is None:
        chosen, service, region = _by_cluster(frame, decisions, str(cluster_id))
        start, end = chosen["reported_at"].min(), chosen["reported_at"].max()
    else:
        chosen, service, region = _by_window(frame, window)
        start, end = _stamp(window[2]), _stamp(window[3])
    snapshot = _snapshot(health) if health is not None else None
    issues = _documented(snapshot, service, start, end) if snapshot is not None else ()
    considered = None
    if snapshot is not None:
        considered = issues_considered(snapshot.issues_by_tenant(), _tickets(chosen), service)
    requests = None
    if ledger is not None:
        requests = linked_escalations(ledger, ticket_ids=chosen["ticket_id"], cluster_id=cluster_id)
    return Investigation(
        service=service,
        region=region,
        start=start,
        end=end,
        cluster_id=cluster_id or "",
        tickets=chosen.reset_index(drop=True),
        documented=issues,
        requests=requests,
        considered=considered,
    )


def _snapshot(health: HealthSnapshot | str | os.PathLike[str]) -> HealthSnapshot:

    return health if isinstance(health, HealthSnapshot) else load_snapshot(health)


def _tickets(chosen: pd.DataFrame) -> list[Ticket]:
    """The affected tickets as records (what the package's issue check reads)."""
    return [
        Ticket(
            ticket_id=str(row["ticket_id"]),
            tenant_id=str(row["tenant_id"]),
            title=str(row.get("title") or ""),
            reported_at=row["reported_at"].to_pydatetime(),
            description=str(row.get("description") or ""),
        )
        for row in chosen.to_dict("records")
    ]


def _ticket_frame(tickets: pd.DataFrame, decisions: pd.DataFrame | None) -> pd.DataFrame:
    """The columns investigation uses, normalized; category from the decisions when given."""
    import pandas as pd

    missing = [c for c in ("ticket_id", "tenant_id", "title", "reported_at") if c not in tickets]
    if missing:
        raise InputError(f"the tickets frame lacks column(s) {', '.join(missing)}")
    out = pd.DataFrame(
        {
            "ticket_id": tickets["ticket_id"].astype("str"),
            "tenant_id": tickets["tenant_id"].astype("str"),
        }
    )
    out["customer_name"] = _text(tickets, "customer_name")
    service = _text(tickets, "normalized_service")
    out["service"] = service.where(service != "", _text(tickets, "service"))
    out["region"] = _text(tickets, "region").replace("", "Unknown")
    out["title"] = _text(tickets, "title")
    out["reported_at"] = pd.to_datetime(tickets["reported_at"], utc=True, format="ISO8601")
    out["category"] = "unknown"
    if decisions is not None:
        by_ticket = decisions.drop_duplicates("ticket_id", keep="last").set_index("ticket_id")
        out["category"] = (
            out["ticket_id"].map(by_ticket["category"].astype("str")).fillna("unknown")
        )
        for column in ("service", "region"):  # triage's normalized values win
            decided = (
                out["ticket_id"].map(by_ticket[column].astype("str"))
                if column in by_ticket
                else None
            )
            if decided is not None:
                out[column] = decided.where(decided.notna() & (decided != ""), out[column])
    return out.sort_values(["reported_at", "ticket_id"]).reset_index(drop=True)[
        list(_TICKET_COLUMNS)
    ]


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    import pandas as pd

    if column not in frame:
        return pd.Series("", index=frame.index, dtype="str")
    return frame[column].astype("object").where(frame[column].notna(), "").astype("str").str.strip()


def _by_cluster(
    frame: pd.DataFrame, decisions: pd.DataFrame | None, cluster_id: str
) -> tuple[pd.DataFrame, str, str | None]:
    if decisions is None or "cluster_id" not in decisions:
        raise InputError("investigating a cluster_id needs the triage decisions (with cluster_id)")
    ids = set(
        decisions.loc[decisions["cluster_id"].astype("str") == cluster_id, "ticket_id"].astype(str)
    )
    chosen = frame[frame["ticket_id"].isin(ids)]
    if chosen.empty:
        raise InputError(f"no ticket has cluster_id {cluster_id!r}", field="cluster_id")
    regions = chosen["region"].unique()
    return (
        chosen,
        str(chosen["service"].mode().iloc[0]),
        str(regions[0]) if len(regions) == 1 else None,
    )


def _by_window(frame: pd.DataFrame, window: Window) -> tuple[pd.DataFrame, str, str | None]:
    if len(window) != 4:
        raise InputError("window must be (service, region or None, start, end)", field="window")
    service, region, start, end = window
    start_at, end_at = _stamp(start), _stamp(end)
    if end_at < start_at:
        raise InputError("the window ends before it starts", field="window")
    keep = frame["service"].str.casefold() == str(service).casefold()
    keep &= frame["reported_at"].between(start_at, end_at)
    if region:
        keep &= frame["region"].str.casefold() == str(region).casefold()
    if not keep.any():
        raise InputError("no tickets match this window; check the service, region and times")
    return frame[keep], str(service), str(region) if region else None


def _stamp(value: Instant) -> pd.Timestamp:
    import pandas as pd

    try:
        stamp = pd.Timestamp(value)
    except ValueError as exc:
        raise InputError(f"{value!r} is not an ISO 8601 datetime", field="window") from exc
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _documented(
    snapshot: HealthSnapshot, service: str, start: pd.Timestamp, end: pd.Timestamp
) -> tuple[HealthIssue, ...]:
    """Issues on ``service`` (any tenant of the snapshot) active at some point of the window."""
    found: dict[str, HealthIssue] = {}
    for issue in snapshot.all_issues():
        if issue.service.casefold() != service.casefold():
            continue
        if issue.start is not None and issue.start > end:
            continue
        if issue.end is not None and issue.end < start:
            continue
        found.setdefault(issue.id, issue)
    return tuple(sorted(found.values(), key=lambda i: (i.start is None, i.start, i.id)))
