"""Filing packages: everything an analyst pastes into Partner Center's "New request" form.

Partner Center's API no longer creates service requests (retired 2020); a person files them in
the web UI. A :class:`FilingPackage` holds the evidence for one problem (one ticket, or one
cluster of tickets across tenants) with a title that carries its tracking tag, so the filed
request can be found again by :mod:`escalation_kit.escalation.tracking`.

Packages are frozen; :func:`edit_package` and :func:`add_tickets` return new ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime
from typing import Any

from escalation_kit.categories import CATEGORIES
from escalation_kit.config import Settings
from escalation_kit.errors import InputError
from escalation_kit.escalation.catalogue import lookup
from escalation_kit.models import Category, Severity, Ticket, TriageDecision

__all__ = [
    "EDITABLE_FIELDS",
    "AffectedTicket",
    "FilingPackage",
    "PartnerContact",
    "add_tickets",
    "compose_package",
    "edit_package",
    "service_management_url",
]

PORTAL = "https://partner.microsoft.com/dashboard/v2/customers/{tenant}/servicemanagement"
TITLE_LIMIT = 120
SEVERITY_RANK = {Severity.CRITICAL: 0, Severity.MODERATE: 1, Severity.MINIMAL: 2}
EDITABLE_FIELDS = frozenset(
    {"title", "description", "severity", "workload", "product", "support_category", "contact"}
)

CATEGORY_LABELS = {c: info.package_wording for c, info in CATEGORIES.items() if info.escalates}
WHAT_WE_CHECKED = {
    Category.SERVICE_NOT_AS_DESCRIBED: "Verified the customer's own settings and licences; the "
    "service does not behave as its service description states.",
    Category.SERVICE_UNAVAILABLE: "Confirmed the service is unavailable for the whole tenant while "
    "other services work; admin settings, licences and the customer's network were checked.",
    Category.BUG: "Reproduced the malfunction for several users; admin settings cannot fix it.",
    Category.NETWORK_DISRUPTION: "Connectivity-level failures to Microsoft endpoints across "
    "several services or sites; the customers' own lines, firewalls, proxies and DNS were "
    "ruled out.",
    Category.REGIONAL_MULTI_TENANT: "Several distinct customer tenants in the same region report "
    "the same service within a few hours; each tenant's configuration was checked.",
}


@dataclass(frozen=True, slots=True)
class PartnerContact:
    """The partner's contact for Microsoft (Partner Center wants the partner, not the customer)."""

    name: str = ""
    email: str = ""
    phone: str = ""

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> PartnerContact:
        """The contact from settings (``ESCALATION_KIT_CONTACT_NAME/EMAIL/PHONE``)."""
        settings = settings if settings is not None else Settings.from_env()
        return cls(settings.contact_name, settings.contact_email, settings.contact_phone)

    def describe(self) -> str:
        return (
            ", ".join(part for part in (self.name, self.email, self.phone) if part) or "(not set)"
        )


@dataclass(frozen=True, slots=True)
class AffectedTicket:
    """The evidence one customer ticket contributes to a package."""

    ticket_id: str
    tenant_id: str
    customer_name: str
    country: str
    region: str
    service: str
    title: str
    reported_at: datetime
    users_affected: int | None = None

    @classmethod
    def from_ticket(cls, ticket: Ticket, decision: TriageDecision) -> AffectedTicket:
        return cls(
            ticket_id=ticket.ticket_id,
            tenant_id=ticket.tenant_id,
            customer_name=ticket.customer_name,
            country=ticket.country or "",
            region=decision.region or str(ticket.region),
            service=decision.service or ticket.normalized_service or ticket.service,
            title=ticket.title,
            reported_at=ticket.reported_at,
            users_affected=ticket.users_affected,
        )


@dataclass(frozen=True, slots=True)
class FilingPackage:
    """One problem, ready to be filed by a person in Partner Center."""

    package_id: str
    content_key: str
    tracking_tag: str
    category: Category
    severity: Severity
    service: str
    region: str
    cluster_id: str
    title: str
    description: str
    workload: str
    product: str
    support_category: str
    contact: PartnerContact
    tickets: tuple[AffectedTicket, ...]
    health_checked_at: datetime | None = None
    reasons: str = ""
    recommended_action: str = ""
    edited_fields: tuple[str, ...] = field(default=())

    @property
    def ticket_ids(self) -> tuple[str, ...]:
        return tuple(t.ticket_id for t in self.tickets)

    @property
    def tenant_ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t.tenant_id for t in self.tickets))

    @property
    def primary_tenant_id(self) -> str:
        """The tenant whose Service management page the request is filed from."""
        return self.tickets[0].tenant_id

    @property
    def portal_url(self) -> str:
        return service_management_url(self.primary_tenant_id)

    @property
    def first_reported(self) -> datetime:
        return min(t.reported_at for t in self.tickets)

    @property
    def last_reported(self) -> datetime:
        return max(t.reported_at for t in self.tickets)

    @property
    def users_affected(self) -> int | None:
        counts = [t.users_affected for t in self.tickets if t.users_affected is not None]
        return sum(counts) if counts else None

    def _repr_html_(self) -> str:
        from escalation_kit.escalation.render import render_html

        return render_html(self)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (datetimes as ISO 8601 strings)."""
        data = asdict(self)
        data["tickets"] = [
            {**t, "reported_at": t["reported_at"].isoformat()} for t in data["tickets"]
        ]
        data["health_checked_at"] = (
            self.health_checked_at.isoformat() if self.health_checked_at else None
        )
        data["edited_fields"] = list(self.edited_fields)
        data["ticket_ids"] = list(self.ticket_ids)
        data["tenant_ids"] = list(self.tenant_ids)
        data["portal_url"] = self.portal_url
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "package") -> FilingPackage:
        """Rebuild a package from :meth:`to_dict` output; bad fields raise ``InputError``."""
        try:
            tickets = tuple(
                AffectedTicket(**{**t, "reported_at": _parse_time(t["reported_at"])})
                for t in data["tickets"]
            )
            values = {f.name: data[f.name] for f in fields(cls) if f.name in data}
            values.update(
                category=Category(data["category"]),
                severity=Severity(data["severity"]),
                contact=PartnerContact(**(data.get("contact") or {})),
                tickets=tickets,
                health_checked_at=_parse_time(data.get("health_checked_at")),
                edited_fields=tuple(data.get("edited_fields") or ()),
            )
            package = cls(**values)
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"not a valid filing package ({exc})", file=source) from exc
        if not package.tickets:
            raise InputError("a filing package needs at least one ticket", file=source)
        return package


def _parse_time(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def service_management_url(tenant_id: str) -> str:
    """The customer's Service management page, where the analyst clicks "New request"."""
    return PORTAL.format(tenant=tenant_id)


def compose_package(
    *,
    package_id: str,
    content_key: str,
    tracking_tag: str,
    decisions: Sequence[TriageDecision],
    tickets: Mapping[str, Ticket],
    contact: PartnerContact,
    health_checked_at: datetime | None = None,
) -> FilingPackage:
    """Compose the package for one problem from its triage decisions and tickets."""
    if not decisions:
        raise InputError("a filing package needs at least one escalated ticket")
    lead = decisions[0]
    affected = sorted(
        (AffectedTicket.from_ticket(tickets[d.ticket_id], d) for d in decisions),
        key=lambda t: (t.reported_at, t.ticket_id),
    )
    entry = lookup(lead.service)
    package = FilingPackage(
        package_id=package_id,
        content_key=content_key,
        tracking_tag=tracking_tag,
        category=lead.category,
        severity=_worst_severity(d.severity for d in decisions),
        service=lead.service or entry.service,
        region=lead.region,
        cluster_id=lead.cluster_id,
        title="",
        description="",
        workload=entry.workload,
        product=entry.product,
        support_category=entry.support_category,
        contact=contact,
        tickets=tuple(affected),
        health_checked_at=health_checked_at,
        reasons=lead.reasons,
        recommended_action=lead.recommended_action,
    )
    return _refresh_text(package)


def _worst_severity(severities: Iterable[Severity | None]) -> Severity:
    known = [s for s in severities if s in SEVERITY_RANK]
    return min(known, key=SEVERITY_RANK.__getitem__) if known else Severity.MODERATE


def _refresh_text(package: FilingPackage) -> FilingPackage:
    """Regenerate title and description from the evidence, keeping what the analyst edited."""
    edited = package.edited_fields
    title = package.title if "title" in edited else compose_title(package)
    description = package.description if "description" in edited else compose_description(package)
    return replace(package, title=title, description=description)


def compose_title(package: FilingPackage) -> str:
    """``EK-XXXXX <service>: <summary>`` — the tag first, so it survives truncation."""
    tenants = len(package.tenant_ids)
    if package.cluster_id or tenants > 1:
        label = CATEGORY_LABELS.get(package.category, package.category.value)
        summary = f"{label}, {tenants} tenants in {package.region}"
    else:
        summary = " ".join(package.tickets[0].title.split())
    title = f"{package.tracking_tag} {package.service}: {summary}"
    return title if len(title) <= TITLE_LIMIT else title[: TITLE_LIMIT - 1] + "…"


def compose_description(package: FilingPackage) -> str:
    """The evidence, as plain text for the request's description box."""
    first, last = package.first_reported, package.last_reported
    users = package.users_affected
    lines = [
        f"Tracking tag: {package.tracking_tag} (please keep it in the title)",
        f"Category: {package.category.value}; severity: {package.severity.value}",
        f"Service: {package.service}; region: {package.region}",
        f"Customer tenant(s): {len(package.tenant_ids)}; tickets: {len(package.tickets)}",
        f"First report: {first.isoformat()}; last report: {last.isoformat()}",
        f"Users affected (reported): {users if users is not None else 'not stated'}",
        "",
        "Service health checked: " + _health_line(package),
        "Troubleshooting already done: "
        + WHAT_WE_CHECKED.get(package.category, "Checked the customer's configuration."),
    ]
    if package.recommended_action:
        lines.append(f"Partner assessment: {package.recommended_action}")
    if package.reasons:
        lines.append(f"Triage reasons: {package.reasons}")
    lines += ["", "Affected customers:"]
    lines += [
        f"- {t.customer_name or '(unnamed)'} tenant {t.tenant_id} ({t.country or '??'}, "
        f"{t.region}): ticket {t.ticket_id} at {t.reported_at.isoformat()}: {t.title}"
        for t in package.tickets
    ]
    lines += ["", f"Partner contact: {package.contact.describe()}"]
    return "\n".join(lines)


def _health_line(package: FilingPackage) -> str:
    when = (
        f"snapshot of {package.health_checked_at.isoformat()}"
        if package.health_checked_at
        else "at triage time"
    )
    return f"no documented service health issue matches ({when}) for the affected tenant(s)."


def edit_package(package: FilingPackage, **changes: Any) -> FilingPackage:
    """Apply the analyst's edits; the title always keeps the tracking tag."""
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        allowed = ", ".join(sorted(EDITABLE_FIELDS))
        raise InputError(f"cannot edit {', '.join(sorted(unknown))}; editable: {allowed}")
    values = dict(changes)
    if "severity" in values:
        values["severity"] = _parse_severity(values["severity"])
    if "contact" in values and isinstance(values["contact"], Mapping):
        values["contact"] = PartnerContact(**values["contact"])
    if "title" in values:
        values["title"] = _title_with_tag(str(values["title"]), package.tracking_tag)
    for name in ("description", "workload", "product", "support_category"):
        if name in values and not str(values[name]).strip():
            raise InputError(f"{name} cannot be empty", field=name)
    changed = {k for k, v in values.items() if getattr(package, k) != v}
    edited = tuple(sorted(set(package.edited_fields) | changed))
    return replace(package, **values, edited_fields=edited)


def _parse_severity(value: Any) -> Severity:
    try:
        severity = Severity(str(value).strip().lower())
    except ValueError:
        severity = Severity.UNKNOWN
    if severity not in SEVERITY_RANK:
        raise InputError(
            f"severity must be critical, moderate or minimal, not {value!r}", field="severity"
        )
    return severity


def _title_with_tag(title: str, tag: str) -> str:
    title = " ".join(title.split())
    if not title:
        raise InputError("title cannot be empty", field="title")
    return title if tag.lower() in title.lower() else f"{tag} {title}"


def add_tickets(
    package: FilingPackage, decisions: Sequence[TriageDecision], tickets: Mapping[str, Ticket]
) -> FilingPackage:
    """The package with more affected tickets (e.g. a tenant joined the cluster)."""
    known = set(package.ticket_ids)
    extra = [
        AffectedTicket.from_ticket(tickets[d.ticket_id], d)
        for d in decisions
        if d.ticket_id not in known
    ]
    if not extra:
        return package
    merged = sorted((*package.tickets, *extra), key=lambda t: (t.reported_at, t.ticket_id))
    return _refresh_text(replace(package, tickets=tuple(merged)))
