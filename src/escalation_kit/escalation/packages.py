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
from escalation_kit.escalation.evidence import DESCRIPTION_CHARS, extract_evidence, trim
from escalation_kit.models import Category, Severity, Ticket, TriageDecision

__all__ = [
    "CATEGORY_SENTENCES",
    "DESCRIPTION_LIMIT",
    "EDITABLE_FIELDS",
    "FORM_LIMITS",
    "TITLE_LIMIT",
    "AffectedTicket",
    "FilingPackage",
    "PartnerContact",
    "add_tickets",
    "compose_package",
    "edit_package",
    "health_statement",
    "remove_tickets",
    "service_management_url",
]

PORTAL = "https://partner.microsoft.com/dashboard/v2/customers/{tenant}/servicemanagement"
#: Where the partner files its own request (Partner Center > Help + support > New request): a
#: cluster of several customers' tickets is the partner's problem report, not one customer's.
PARTNER_SUPPORT_URL = "https://partner.microsoft.com/dashboard/v2/support/servicerequests"

# The limits a package's fields are kept within. Microsoft publishes no length limits for the
# "New request" form, and the Partner Center ServiceRequest resource types title and
# description as plain strings with no maximum (see the Partner Center REST reference,
# ServiceRequest resource). These are the toolkit's own conservative limits, chosen so that a
# pasted field is never cut by the form: 120 characters for the title (the length the request
# list shows in full) and 4,000 characters for the description (the details box). Longer
# evidence is shortened with a pointer to affected.csv, which carries every ticket.
TITLE_LIMIT = 120
DESCRIPTION_LIMIT = 4000
FORM_LIMITS = {"title": TITLE_LIMIT, "description": DESCRIPTION_LIMIT}
SHORT_DESCRIPTION_CHARS = 240  # per ticket, when the full descriptions do not fit

SEVERITY_RANK = {Severity.CRITICAL: 0, Severity.MODERATE: 1, Severity.MINIMAL: 2}
EDITABLE_FIELDS = frozenset(
    {
        "title",
        "description",
        "severity",
        "workload",
        "product",
        "support_category",
        "contact",
        "checks",
    }
)

CATEGORY_LABELS = {c: info.package_wording for c, info in CATEGORIES.items() if info.escalates}
#: One English sentence per category, the same wording in the package, the incident view and
#: the customer notice's English version.
CATEGORY_SENTENCES = {c: info.sentence for c, info in CATEGORIES.items() if info.escalates}


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


_TUPLE_FIELDS = (
    "error_codes",
    "error_messages",
    "times",
    "users_stated",
    "sites",
    "checks",
    "symptoms",
)


@dataclass(frozen=True, slots=True)
class AffectedTicket:
    """The evidence one customer ticket contributes to a package (extracted, never invented)."""

    ticket_id: str
    tenant_id: str
    customer_name: str
    country: str
    region: str
    service: str
    title: str
    reported_at: datetime
    users_affected: int | None = None
    description: str = ""  # trimmed
    language: str = "en"
    english_summary: str = ""  # non-English tickets: built from the extracted evidence
    error_codes: tuple[str, ...] = ()
    error_messages: tuple[str, ...] = ()
    times: tuple[str, ...] = ()
    users_stated: tuple[str, ...] = ()
    sites: tuple[str, ...] = ()
    checks: tuple[str, ...] = ()  # what the customer says was checked or tried
    symptoms: tuple[str, ...] = ()
    health_checked: bool = False

    @classmethod
    def from_ticket(cls, ticket: Ticket, decision: TriageDecision) -> AffectedTicket:
        found = extract_evidence(ticket)
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
            description=found.description,
            language=found.language,
            english_summary=found.english_summary,
            error_codes=found.error_codes,
            error_messages=found.error_messages,
            times=found.times,
            users_stated=found.users,
            sites=found.sites,
            checks=found.checks,
            symptoms=found.symptoms,
            health_checked=decision.health_checked,
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AffectedTicket:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["reported_at"] = _parse_time(data["reported_at"])
        for name in _TUPLE_FIELDS:
            values[name] = tuple(str(v) for v in (data.get(name) or ()))
        return cls(**values)


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
    health_checked_at: datetime | None = None  # the snapshot's fetched_at, when all were checked
    reasons: str = ""  # why the tickets are one problem (clusters, joined tickets); no rule text
    recommended_action: str = ""
    edited_fields: tuple[str, ...] = field(default=())
    checks: tuple[str, ...] = ()  # what was checked or tried: the tickets' words, analyst-editable
    issues_considered: tuple[str, ...] = ()  # documented issues looked at, and why none matches
    health_snapshot_at: datetime | None = None  # the snapshot used, whatever it covered

    @property
    def ticket_ids(self) -> tuple[str, ...]:
        return tuple(t.ticket_id for t in self.tickets)

    @property
    def tenant_ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t.tenant_id for t in self.tickets))

    @property
    def health_checked(self) -> bool:
        """Every ticket's tenant was in a fresh enough health snapshot."""
        return all(t.health_checked for t in self.tickets)

    @property
    def filed_as_partner(self) -> bool:
        """A cluster (or several tenants) is the partner's own request, listing every tenant."""
        return bool(self.cluster_id) or len(self.tenant_ids) > 1

    @property
    def primary_tenant_id(self) -> str:
        """The tenant whose Service management page a one-customer request is filed from."""
        return self.tickets[0].tenant_id

    @property
    def portal_url(self) -> str:
        if self.filed_as_partner:
            return PARTNER_SUPPORT_URL
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

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (datetimes as ISO 8601 strings)."""
        data = asdict(self)
        data["tickets"] = [
            {
                **{k: list(v) if isinstance(v, tuple) else v for k, v in t.items()},
                "reported_at": t["reported_at"].isoformat(),
            }
            for t in data["tickets"]
        ]
        for name in ("health_checked_at", "health_snapshot_at"):
            value = getattr(self, name)
            data[name] = value.isoformat() if value else None
        for name in ("edited_fields", "checks", "issues_considered"):
            data[name] = list(getattr(self, name))
        data["ticket_ids"] = list(self.ticket_ids)
        data["tenant_ids"] = list(self.tenant_ids)
        data["health_checked"] = self.health_checked
        data["filed_as"] = "partner" if self.filed_as_partner else "customer"
        data["portal_url"] = self.portal_url
        data["form_limits"] = dict(FORM_LIMITS)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "package") -> FilingPackage:
        """Rebuild a package from :meth:`to_dict` output; bad fields raise ``InputError``."""
        try:
            tickets = tuple(AffectedTicket.from_dict(t) for t in data["tickets"])
            values = {f.name: data[f.name] for f in fields(cls) if f.name in data}
            values.update(
                category=Category(data["category"]),
                severity=Severity(data["severity"]),
                contact=PartnerContact(**(data.get("contact") or {})),
                tickets=tickets,
                health_checked_at=_parse_time(data.get("health_checked_at")),
                health_snapshot_at=_parse_time(data.get("health_snapshot_at")),
                edited_fields=tuple(data.get("edited_fields") or ()),
                checks=_text_list(data.get("checks"), "checks"),
                issues_considered=tuple(str(i) for i in data.get("issues_considered") or ()),
            )
            package = cls(**values)
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"not a valid filing package ({exc})", file=source) from exc
        if not package.tickets:
            raise InputError("a filing package needs at least one ticket", file=source)
        return package


def _text_list(value: object, name: str) -> tuple[str, ...]:
    if value in (None, ""):
        return ()
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise ValueError(f"{name} must be a list of strings")
    return tuple(" ".join(str(v).split()) for v in value if str(v).strip())


def _parse_time(value: object) -> datetime | None:
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
    issues_considered: Sequence[str] = (),
    reasons: str = "",
) -> FilingPackage:
    """Compose the package for one problem from its triage decisions and tickets.

    ``health_checked_at`` is the snapshot's ``fetched_at``; the package keeps it only when every
    ticket was checked against it (``decision.health_checked``).
    """
    if not decisions:
        raise InputError("a filing package needs at least one escalated ticket")
    lead = decisions[0]
    affected = sorted(
        (AffectedTicket.from_ticket(tickets[d.ticket_id], d) for d in decisions),
        key=lambda t: (t.reported_at, t.ticket_id),
    )
    entry = lookup(lead.service)
    checked = all(t.health_checked for t in affected)
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
        health_checked_at=health_checked_at if checked else None,
        health_snapshot_at=health_checked_at,
        reasons=reasons or (_cluster_reason(lead.reasons) if lead.cluster_id else ""),
        recommended_action=lead.recommended_action,
        checks=tuple(dict.fromkeys(c for t in affected for c in t.checks)),
        issues_considered=tuple(issues_considered),
    )
    return _refresh_text(package)


def _cluster_reason(reasons: str) -> str:
    """A cluster's reason states tenants, regions, services and span; rule text never goes in."""
    return reasons if reasons and "rule" not in reasons.lower() else ""


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
    """``EK-XXXXX <service>: <summary>`` — the tag first, so it survives truncation; in English
    (a non-English ticket's title is quoted after the English label)."""
    label = CATEGORY_LABELS.get(package.category, package.category.value)
    symptoms = list(dict.fromkeys(s for t in package.tickets for s in t.symptoms))[:2]
    what = f"{label}, {' / '.join(symptoms)}" if symptoms else label
    if package.filed_as_partner:
        summary = f"{what}, {len(package.tenant_ids)} tenants in {package.region}"
    else:
        lead = package.tickets[0]
        original = " ".join(lead.title.split())
        summary = original if lead.language == "en" else f"{what}: {original}"
    return fit(f"{package.tracking_tag} {package.service}: {summary}", TITLE_LIMIT)


def fit(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters (an ellipsis marks a cut)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def health_statement(package: FilingPackage) -> str:
    """What the package says about service health; the same words everywhere it is shown."""
    if package.health_checked and package.health_checked_at is not None:
        return (
            f"Service health was checked (snapshot fetched {package.health_checked_at.isoformat()}"
            f") for every affected tenant: no documented issue matches."
        )
    if package.health_checked:
        return (
            "Service health was checked at triage for every affected tenant: no documented "
            "issue matches (the snapshot's time was not given to the package)."
        )
    unchecked = [t for t in package.tickets if not t.health_checked]
    tenants = ", ".join(dict.fromkeys(t.tenant_id for t in unchecked))
    return (
        f"Service health was NOT checked for {len(unchecked)} of {len(package.tickets)} "
        f"ticket(s) (tenant(s) {tenants}): no current health snapshot covered them."
    )


def compose_description(package: FilingPackage) -> str:
    """The evidence, as plain text for the request's description box (at most
    :data:`DESCRIPTION_LIMIT` characters: the tickets' descriptions are left out first, then
    the last tickets, with a pointer to affected.csv)."""
    every = len(package.tickets)
    attempts = [(DESCRIPTION_CHARS, every), (SHORT_DESCRIPTION_CHARS, every)]
    attempts += [(SHORT_DESCRIPTION_CHARS // 2, every)]
    attempts += [(0, shown) for shown in range(every, 0, -1)]
    for detail, shown in attempts:  # shorten descriptions, then drop them, then tickets
        text = _description(package, detail=detail, shown=shown)
        if len(text) <= DESCRIPTION_LIMIT:
            return text
    return fit(_description(package, detail=0, shown=1), DESCRIPTION_LIMIT)


def _description(package: FilingPackage, *, detail: int, shown: int) -> str:
    first, last = package.first_reported, package.last_reported
    users = package.users_affected
    who = (
        f"Filed by the partner for {len(package.tenant_ids)} customer tenant(s) (listed below)"
        if package.filed_as_partner
        else f"Customer tenant: {package.tickets[0].tenant_id}"
    )
    lines = [
        f"Tracking tag: {package.tracking_tag} (please keep it in the title)",
        CATEGORY_SENTENCES.get(package.category, package.category.value),
        f"Category: {package.category.value}; severity: {package.severity.value}",
        f"Service: {package.service}; region: {package.region}",
        f"{who}; tickets: {len(package.tickets)}",
        f"First report: {first.isoformat()}; last report: {last.isoformat()}",
        f"Users affected (reported): {users if users is not None else 'not stated'}",
    ]
    if package.reasons:
        lines.append(f"Why these tickets are one problem: {package.reasons}")
    lines += ["", health_statement(package)]
    lines.append("Documented issues considered:")
    lines += [f"- {item}" for item in package.issues_considered] or [
        "- none listed for these tenants on this service"
        if package.health_snapshot_at
        else "- none: no health snapshot was available"
    ]
    lines += ["", "What was checked or tried (as stated by the customer or the analyst):"]
    lines += [f"- {item}" for item in package.checks] or ["- nothing stated"]
    lines += ["", "Affected tickets:"]
    for t in package.tickets[:shown]:
        lines += _ticket_lines(t, detail=detail)
    if shown < len(package.tickets):
        lines.append(f"...and {len(package.tickets) - shown} more ticket(s): see affected.csv")
    lines += ["", f"Partner contact: {package.contact.describe()}"]
    return "\n".join(lines)


def _ticket_lines(t: AffectedTicket, *, detail: int) -> list[str]:
    head = (
        f"[{t.ticket_id}] {t.customer_name or '(customer name not given)'}, tenant {t.tenant_id} "
        f"({t.country or 'country not given'}, {t.region}), {t.service}, reported "
        f"{t.reported_at.isoformat()}"
    )
    lines = [head, f"  Title: {' '.join(t.title.split())}"]
    if t.english_summary:
        lines.append(f"  English summary (from the extracted evidence): {t.english_summary}")
    if detail and t.description:
        lines.append(f"  Description ({t.language}): {trim(t.description, detail)}")
    facts = [
        ("Error codes", t.error_codes),
        ("Error messages", t.error_messages),
        ("Times given", t.times),
        ("Users", t.users_stated),
        ("Sites", t.sites),
    ]
    lines += [f"  {label}: {'; '.join(values)}" for label, values in facts if values]
    return lines


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
        values["title"] = fit(
            _title_with_tag(str(values["title"]), package.tracking_tag), TITLE_LIMIT
        )
    if "checks" in values:
        values["checks"] = _text_list(list(values["checks"] or ()), "checks")
    if "description" in values:
        values["description"] = fit(str(values["description"]), DESCRIPTION_LIMIT)
    for name in ("description", "workload", "product", "support_category"):
        if name in values and not str(values[name]).strip():
            raise InputError(f"{name} cannot be empty", field=name)
    changed = {k for k, v in values.items() if getattr(package, k) != v}
    edited = tuple(sorted(set(package.edited_fields) | changed))
    updated = replace(package, **values, edited_fields=edited)
    return _refresh_text(updated) if "checks" in changed else updated


def _parse_severity(value: object) -> Severity:
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
    checks = tuple(dict.fromkeys((*package.checks, *(c for t in extra for c in t.checks))))
    return _refresh_text(replace(package, tickets=tuple(merged), checks=checks))


def remove_tickets(package: FilingPackage, ticket_ids: Iterable[str]) -> FilingPackage | None:
    """The package without these tickets (withdrawn by an override); None when none is left."""
    gone = set(ticket_ids)
    kept = tuple(t for t in package.tickets if t.ticket_id not in gone)
    if not kept:
        return None
    return _refresh_text(replace(package, tickets=kept))
