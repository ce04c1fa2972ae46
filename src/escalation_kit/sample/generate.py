"""Write the bundled sample data: customers, tickets, health snapshot, catalogue and history.

Deterministic: the same seed gives byte-identical files on every run and machine. Time is
anchored at ``ANCHOR`` (never "now"), ordering is stable and numbers have fixed formats.
"""

from __future__ import annotations

import csv
import io
import json
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from escalation_kit.errors import InputError
from escalation_kit.escalation.catalogue import catalogue
from escalation_kit.models import TICKET_COLUMNS
from escalation_kit.sample.customers import SampleCustomer, sample_customers
from escalation_kit.sample.history import HISTORY_COLUMNS, HistoryRow, escalation_history
from escalation_kit.sample.incidents import health_snapshot
from escalation_kit.sample.plan import PlannedTicket, Scenario, plan_scenario
from escalation_kit.sample.wording import compose, service_field

__all__ = ["ANCHOR", "DEFAULT_SEED", "SAMPLE_FILES", "SampleSummary", "generate_sample"]

ANCHOR = datetime(2026, 11, 20, tzinfo=UTC)
DEFAULT_SEED = 2026
TICKETS = 600
SAMPLE_FILES = (
    "customers.csv",
    "tickets.csv",
    "labels.csv",
    "health.json",
    "support_catalogue.csv",
    "escalation_history.csv",
)
LABEL_COLUMNS = ("ticket_id", "category", "matched_issue_id", "cluster_key", "service", "language")


@dataclass(frozen=True)
class SampleSummary:
    """What was written where, with counts to print."""

    out_dir: Path
    files: tuple[Path, ...]
    customers: int
    tickets: int
    issues: int
    history: int
    categories: dict[str, int] = field(default_factory=dict)

    def format_text(self) -> str:
        mix = ", ".join(f"{k} {v}" for k, v in sorted(self.categories.items()))
        return (
            f"wrote {len(self.files)} files to {self.out_dir}: {self.customers} customers, "
            f"{self.tickets} tickets ({mix}), {self.issues} documented issues, "
            f"{self.history} history rows"
        )


def generate_sample(
    out_dir: str | Path, *, seed: int = DEFAULT_SEED, progress: bool = False
) -> SampleSummary:
    """Generate the sample data set into ``out_dir`` (created if needed)."""
    out = _prepare(Path(out_dir))
    customers = sample_customers(seed)
    scenario = plan_scenario(customers, seed=seed, anchor=ANCHOR, total=TICKETS)
    history = escalation_history(customers, seed=seed, anchor=ANCHOR, progress=progress)
    ticket_rows, label_rows = _ticket_rows(scenario, random.Random(f"wording|{seed}"))
    snapshot = health_snapshot(customers, scenario.issues, fetched_at=ANCHOR)
    contents = {
        "customers.csv": _csv(
            ("tenant_id", "name", "country", "region"), _customer_rows(customers)
        ),
        "tickets.csv": _csv(TICKET_COLUMNS, ticket_rows),
        "labels.csv": _csv(LABEL_COLUMNS, label_rows),
        "health.json": json.dumps(snapshot, indent=1, ensure_ascii=False) + "\n",
        "support_catalogue.csv": _csv(("service", "product", "problem_area"), _catalogue_rows()),
        "escalation_history.csv": _csv(HISTORY_COLUMNS, _history_rows(history)),
    }
    files = tuple(_write(out, name, text) for name, text in contents.items())
    return SampleSummary(
        out_dir=out,
        files=files,
        customers=len(customers),
        tickets=len(ticket_rows),
        issues=len(scenario.issues),
        history=len(history),
        categories=dict(Counter(t.category for t in scenario.tickets)),
    )


def _prepare(out: Path) -> Path:
    """Create the output directory before the work, so that a bad path fails at once."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot write the sample data: {exc.strerror}", file=str(out)) from exc
    return out


def _write(out: Path, name: str, text: str) -> Path:
    path = out / name
    try:
        path.write_bytes(text.encode("utf-8"))
    except OSError as exc:
        raise InputError(f"cannot write the sample data: {exc.strerror}", file=str(path)) from exc
    return path


def _csv(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return buffer.getvalue()


def _customer_rows(customers: Sequence[SampleCustomer]) -> Iterable[tuple[str, ...]]:
    for c in customers:
        yield (c.tenant_id, c.name, c.country, c.region_override)


def _ticket_rows(
    scenario: Scenario, rng: random.Random
) -> tuple[list[tuple[object, ...]], list[tuple[str, ...]]]:
    """Tickets as the partner's helpdesk exports them, with the planned labels beside them."""
    tickets: list[tuple[object, ...]] = []
    labels: list[tuple[str, ...]] = []
    for number, planned in enumerate(scenario.tickets):
        ticket_id = f"INC{20_001 + number:07d}"
        tickets.append((ticket_id, *_ticket_fields(planned, scenario, rng)))
        labels.append(
            (
                ticket_id,
                planned.category,
                planned.issue_id,
                planned.cluster,
                planned.symptom.service,
                planned.customer.language,
            )
        )
    return tickets, labels


def _ticket_fields(
    planned: PlannedTicket, scenario: Scenario, rng: random.Random
) -> tuple[object, ...]:
    customer, symptom = planned.customer, planned.symptom
    local = planned.when.astimezone(ZoneInfo(customer.timezone))
    users = _users(planned, scenario.seats[customer.tenant_id], rng)
    started = local - timedelta(minutes=rng.randrange(10, 90))
    title, description = compose(
        symptom,
        customer.language,
        rng,
        hour=f"{started.hour:02d}:{(started.minute // 5) * 5:02d}",
        users=users,
        isps=scenario.isps(customer, rng),
    )
    service = service_field(symptom, customer.language, rng, empty=0.12)
    name = customer.name if rng.random() < 0.88 else ""
    country = "" if customer.region_override or rng.random() < 0.2 else customer.country
    local_style = int(customer.tenant_id[:2], 16) % 3 == 0  # how this customer's system writes
    reported = (
        local.isoformat(timespec="seconds")
        if local_style
        else planned.when.strftime("%Y-%m-%dT%H:%M:%SZ")
    )
    shown_users = "" if rng.random() < 0.08 else users
    return (customer.tenant_id, name, country, service, title, description, reported, shown_users)


def _users(planned: PlannedTicket, seats: int, rng: random.Random) -> int:
    scope = planned.symptom.scope
    if scope in ("one", "none"):
        return 1
    if scope == "many":
        return rng.randint(3, max(4, seats // 3))
    return seats


def _catalogue_rows() -> Iterable[tuple[str, str, str]]:
    """Partner Center product and problem area per Graph service (from the escalation module)."""

    for entry in catalogue().values():
        yield (entry.service, f"{entry.workload} / {entry.product}", entry.support_category)


def _history_rows(rows: Sequence[HistoryRow]) -> Iterable[tuple[str, ...]]:
    for number, row in enumerate(rows, start=1):
        yield (
            f"ESC-{number:06d}",
            row.tenant_id,
            row.country,
            row.region,
            row.service,
            row.category,
            row.severity,
            _iso(row.created_at),
            "" if row.resolved_at is None else _iso(row.resolved_at),
            row.status,
        )


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")
