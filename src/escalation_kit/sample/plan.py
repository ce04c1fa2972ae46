"""The sample's scenario: which tickets arrive when, and what a careful analyst would call them.

Planned in order, each step keeping the labels true to the contract:
documented issues and the tickets that match them, regional multi-tenant clusters (3+ tenants
of one region, one service, within 4 hours, nothing documented), network events (2 regions
within 2 hours, or one customer's many sites), then background tickets placed so that they
never form an unintended cluster or fall under a documented issue of their tenant.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from escalation_kit.sample.customers import SampleCustomer, internet_providers
from escalation_kit.sample.incidents import TEMPLATES, IssueTemplate, PlannedIssue, active_status
from escalation_kit.sample.wording import Symptom, symptoms

__all__ = ["PlannedTicket", "Scenario", "plan_scenario"]

CLUSTER_WINDOW = timedelta(hours=4)
NETWORK_WINDOW = timedelta(hours=2)
DAYS = 90
REGIONS = ("Americas", "Europe", "Asia Pacific", "Middle East & Africa")
_CATEGORY_OF_KIND = {
    "self": "self_service",
    "bug": "bug",
    "snad": "service_not_as_described",
    "down": "service_unavailable",
    "net": "network_disruption",
}
_BACKGROUND_KINDS = {"self": 0.62, "bug": 0.14, "snad": 0.10, "down": 0.14}
_SCOPE_REGION = {"Americas": "North America and South America", "Asia Pacific": "Asia Pacific"}
_SHORT = {
    "Exchange Online": "exo",
    "Microsoft Teams": "teams",
    "SharePoint Online": "spo",
    "OneDrive for Business": "odb",
    "Microsoft Entra": "entra",
    "Microsoft Intune": "intune",
    "Microsoft 365 apps": "apps",
    "Power BI": "pbi",
    "Microsoft 365 suite": "m365",
    "Planner": "planner",
    "Microsoft Forms": "forms",
    "Dynamics 365 Apps": "d365",
    "Americas": "amer",
    "Europe": "eu",
    "Asia Pacific": "apac",
    "Middle East & Africa": "mea",
}


@dataclass(frozen=True, slots=True)
class PlannedTicket:
    """One ticket of the scenario with the category it deserves."""

    customer: SampleCustomer
    symptom: Symptom
    when: datetime
    category: str
    issue_id: str = ""
    cluster: str = ""

    @property
    def connectivity(self) -> bool:
        return self.symptom.kind == "net" or self.symptom.id == "own_network"


@dataclass
class Scenario:
    """Everything planned: issues, tickets and the customers' seat counts."""

    anchor: datetime
    issues: list[PlannedIssue] = field(default_factory=list)
    tickets: list[PlannedTicket] = field(default_factory=list)
    seats: dict[str, int] = field(default_factory=dict)

    def isps(self, customer: SampleCustomer, rng: random.Random) -> str:
        return ", ".join(rng.sample(internet_providers(customer.country), 2))


def plan_scenario(
    customers: Sequence[SampleCustomer], *, seed: int, anchor: datetime, total: int
) -> Scenario:
    """Plan ``total`` tickets over the ``DAYS`` days before ``anchor``."""
    planner = _Planner(customers, random.Random(f"scenario|{seed}"), anchor)
    planner.plan_issues(count=25)
    planner.plan_clusters(count=7)
    planner.plan_network_events()
    planner.plan_background(total - len(planner.scenario.tickets))
    planner.scenario.tickets.sort(key=lambda t: (t.when, t.customer.tenant_id))
    return planner.scenario


class _Planner:
    def __init__(self, customers: Sequence[SampleCustomer], rng: random.Random, anchor: datetime):
        self.customers = list(customers)
        self.rng = rng
        self.start = anchor - timedelta(days=DAYS)
        self.scenario = Scenario(anchor=anchor)
        self.symptoms = symptoms()
        sizes = (15, 25, 40, 60, 85, 120, 180, 250, 400, 650)
        self.scenario.seats = {c.tenant_id: rng.choice(sizes) for c in self.customers}

    # ---- time ---------------------------------------------------------------------------
    def random_day(self) -> datetime:
        """A day of the span, weekends much quieter than weekdays."""
        while True:
            day = self.start + timedelta(days=self.rng.randrange(DAYS))
            if day.weekday() < 5 or self.rng.random() < 0.2:
                return day

    def office_time(self, customer: SampleCustomer, day: datetime) -> datetime:
        """A moment of local office hours (mostly mornings) on ``day``, in UTC."""
        zone = ZoneInfo(customer.timezone)
        hour = min(18.5, max(7.5, self.rng.gauss(11.0, 2.6)))
        local = datetime(day.year, day.month, day.day, tzinfo=zone) + timedelta(hours=hour)
        return local.astimezone(day.tzinfo) + timedelta(seconds=self.rng.randrange(60))

    def in_span(self, when: datetime) -> bool:
        return self.start <= when < self.scenario.anchor

    # ---- checks -------------------------------------------------------------------------
    def documented(self, customer: SampleCustomer, service: str, when: datetime) -> bool:
        """Whether an issue on ``service`` is listed for the customer and active then."""
        return any(
            i.template.service == service and customer.tenant_id in i.tenants and i.active_at(when)
            for i in self.scenario.issues
        )

    def neighbours(self, ticket: PlannedTicket) -> list[PlannedTicket]:
        """Planned tickets a cluster rule would group with ``ticket`` (same region and service)."""
        return [
            t
            for t in self.scenario.tickets
            if t.category != "known_issue"
            and t.customer.region == ticket.customer.region
            and t.symptom.service == ticket.symptom.service
            and abs(t.when - ticket.when) <= CLUSTER_WINDOW
        ]

    def would_cluster(self, ticket: PlannedTicket) -> bool:
        """Whether a 4-hour window around ``ticket`` would hold 3+ tenants of its region/service."""
        near = self.neighbours(ticket)
        for anchor in [ticket, *near]:
            lo = anchor.when
            window = [t for t in [ticket, *near] if lo <= t.when <= lo + CLUSTER_WINDOW]
            if ticket in window and len({t.customer.tenant_id for t in window}) >= 3:
                return True
        return False

    def near_connectivity(self, ticket: PlannedTicket, gap: timedelta) -> bool:
        return any(
            t.connectivity and abs(t.when - ticket.when) < gap for t in self.scenario.tickets
        )

    # ---- documented issues --------------------------------------------------------------
    def plan_issues(self, count: int) -> None:
        for number in range(count):
            template = TEMPLATES[number % len(TEMPLATES)]
            region = self.rng.choice([*REGIONS, "global", "Europe", "Americas"])
            issue = self._issue(number, count, template, region)
            self.scenario.issues.append(issue)
            if template.symptom:
                self._known_tickets(issue, self.symptoms[template.symptom])

    def _issue(self, number: int, count: int, template: IssueTemplate, region: str) -> PlannedIssue:
        step = (DAYS - 2) / count
        start = self.start + timedelta(days=1 + number * step + self.rng.uniform(0, step * 0.6))
        minute = self.rng.choice((0, 10, 15, 20, 30, 40, 45))
        start = start.replace(minute=minute, second=0, microsecond=0)
        hours = self.rng.uniform(2, 10) if template.classification == "Incident" else 0.0
        hours = hours or self.rng.uniform(12, 60)
        ends = start + timedelta(hours=hours)
        end: datetime | None = ends.replace(minute=(ends.minute // 5) * 5, second=0, microsecond=0)
        if number >= count - 3:  # the latest issues are still open at the snapshot
            end = None
        status = active_status(self.rng.random()) if end is None else "ServiceRestored"
        if end is not None and template.classification == "Incident" and self.rng.random() < 0.2:
            status = "PostIncidentReviewPublished"
        pool = [c for c in self.customers if region == "global" or c.region == region]
        listed = [c.tenant_id for c in pool if self.rng.random() < 0.8] or [pool[0].tenant_id]
        scope = (
            "Any user attempting to use the affected feature may be impacted."
            if region == "global"
            else "Impact is specific to users served through the affected infrastructure in the "
            f"{_SCOPE_REGION.get(region, region)} region."
        )
        ident = f"{template.prefix}{812_340 + number * 1_379 + self.rng.randrange(900)}"
        return PlannedIssue(ident, template, start, end, status, scope, tuple(listed))

    def _known_tickets(self, issue: PlannedIssue, symptom: Symptom) -> None:
        listed = [c for c in self.customers if c.tenant_id in issue.tenants]
        until = min(issue.end or self.scenario.anchor, self.scenario.anchor - timedelta(hours=1))
        span = (until - issue.start).total_seconds()
        for customer in self.rng.sample(listed, min(len(listed), self.rng.randint(1, 4))):
            when = self._reported_during(customer, issue.start, span)
            if self.in_span(when) and issue.active_at(when):
                self.scenario.tickets.append(
                    PlannedTicket(customer, symptom, when, "known_issue", issue_id=issue.id)
                )

    def _reported_during(self, customer: SampleCustomer, start: datetime, span: float) -> datetime:
        """A moment of the issue's span, in the customer's office hours when the span allows."""
        zone = ZoneInfo(customer.timezone)
        when = start
        for _ in range(12):
            when = start + timedelta(seconds=self.rng.uniform(900, max(901, span)))
            if 8 <= when.astimezone(zone).hour < 19:
                break
        return when

    # ---- regional clusters --------------------------------------------------------------
    def plan_clusters(self, count: int) -> None:
        options = [s for s in self.symptoms.values() if s.cluster]
        for number in range(count):
            symptom = options[number % len(options)]
            region = REGIONS[number % len(REGIONS)]
            for _ in range(200):
                members = self._cluster(symptom, region)
                if members:
                    self.scenario.tickets.extend(members)
                    break

    def _cluster(self, symptom: Symptom, region: str) -> list[PlannedTicket]:
        pool = [c for c in self.customers if c.region == region]
        chosen = self.rng.sample(pool, self.rng.randint(3, min(5, len(pool))))
        first = self.office_time(chosen[0], self.random_day())
        key = f"{_SHORT[symptom.service]}-{_SHORT[region]}-{first:%m%d}"
        offsets = sorted(self.rng.uniform(0, 3.5) for _ in chosen)
        members = [
            PlannedTicket(
                c, symptom, first + timedelta(hours=h), "regional_multi_tenant", cluster=key
            )
            for c, h in zip(chosen, [0.0, *offsets[1:]], strict=True)
        ]
        if self.rng.random() < 0.4:  # one tenant writes again inside the window
            again = members[self.rng.randrange(len(members))]
            members.append(
                PlannedTicket(
                    again.customer,
                    symptom,
                    first + timedelta(hours=3.8),
                    again.category,
                    cluster=key,
                )
            )
        if any(
            not self.in_span(m.when) or self.documented(m.customer, symptom.service, m.when)
            for m in members
        ):
            return []
        if any(self.neighbours(m) for m in members):  # other tickets would join the cluster
            return []
        return members

    # ---- network disruptions ------------------------------------------------------------
    def plan_network_events(self) -> None:
        symptom = self.symptoms["net_timeouts"]
        events = (
            ((("Europe", 2), ("Americas", 2), ("Middle East & Africa", 1)), 14.0),
            (
                (("Asia Pacific", 2), ("Middle East & Africa", 2)),
                6.0,
            ),
        )
        for number, (shares, utc_hour) in enumerate(events):
            for _ in range(200):
                tickets = self._network_event(symptom, shares, utc_hour, number)
                if tickets:
                    self.scenario.tickets.extend(tickets)
                    break
        self._network_singles(symptom, count=4)

    def _network_event(
        self, symptom: Symptom, shares: tuple[tuple[str, int], ...], utc_hour: float, number: int
    ) -> list[PlannedTicket]:
        day = self.random_day()
        begin = day + timedelta(hours=utc_hour)
        key = f"net-{number + 1}-{begin:%m%d}"
        tickets = []
        for region, count in shares:
            for customer in self.rng.sample(
                [c for c in self.customers if c.region == region], count
            ):
                when = begin + timedelta(minutes=self.rng.uniform(0, 110))
                tickets.append(
                    PlannedTicket(customer, symptom, when, "network_disruption", cluster=key)
                )
        if any(not self._fits_network(t) for t in tickets):
            return []
        return tickets

    def _fits_network(self, ticket: PlannedTicket) -> bool:
        return (
            self.in_span(ticket.when)
            and not self.near_connectivity(ticket, timedelta(hours=6))
            and not self.documented(ticket.customer, ticket.symptom.service, ticket.when)
            and not self.neighbours(ticket)
        )

    def _network_singles(self, symptom: Symptom, count: int) -> None:
        placed = 0
        while placed < count:
            customer = self.rng.choice(self.customers)
            when = self.office_time(customer, self.random_day())
            ticket = PlannedTicket(customer, symptom, when, "network_disruption")
            if self._fits_network(ticket):
                self.scenario.tickets.append(ticket)
                placed += 1

    # ---- background ---------------------------------------------------------------------
    def plan_background(self, count: int) -> None:
        by_kind = {
            kind: [s for s in self.symptoms.values() if s.kind == kind]
            for kind in _BACKGROUND_KINDS
        }
        kinds, weights = list(_BACKGROUND_KINDS), list(_BACKGROUND_KINDS.values())
        placed = 0
        while placed < count:
            kind = self.rng.choices(kinds, weights)[0]
            symptom = self.rng.choice(by_kind[kind])
            customer = self.rng.choice(self.customers)
            when = self.office_time(customer, self.random_day())
            ticket = PlannedTicket(customer, symptom, when, _CATEGORY_OF_KIND[kind])
            if self._fits(ticket):
                self.scenario.tickets.append(ticket)
                placed += 1

    def _fits(self, ticket: PlannedTicket) -> bool:
        if not self.in_span(ticket.when):
            return False
        if self.documented(ticket.customer, ticket.symptom.service, ticket.when):
            return False
        if ticket.connectivity and self.near_connectivity(ticket, timedelta(hours=3)):
            return False
        return not self.would_cluster(ticket)
