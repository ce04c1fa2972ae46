"""Benchmark triage: 100,000 tickets against 2,000 documented issues (deterministic synthetic data).

Usage: ``python bench/bench_triage.py [--tickets 100000] [--issues 2000] [--tenants 500]``.
Prints tickets per second (wall clock, and per CPU second, which a busy machine does not distort)
for the whole ``triage_tickets()`` call (intake validation included) and for the decision step
alone, and the process's peak resident memory; writes the numbers as JSON to
``bench/results/bench_triage.json``. Target: >= 20,000 tickets/s and < 2 GiB peak.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from escalation_kit.health.parse import parse_issue
from escalation_kit.models import HealthIssue
from escalation_kit.triage.config import TriageConfig
from escalation_kit.triage.engine import decide, triage_tickets
from escalation_kit.triage.evidence import load_evidence
from escalation_kit.triage.model import load_model
from escalation_kit.triage.rules import load_rules
from escalation_kit.triage.symptoms import load_symptoms

RESULTS = Path(__file__).resolve().parent / "results" / "bench_triage.json"
START = datetime(2026, 11, 1, tzinfo=UTC)
COUNTRIES = ["DE", "US", "JP", "AE", "FR", "BR", "AU", "ZA", "GB", "ES"]
# (service alias, title, description) per language; a mix of every category's wording.
TEMPLATES = [
    ("Outlook", "Users cannot send email", "Since 9:00 mail stays in the outbox for all users."),
    ("Exchange", "Письма не приходят", "С утра письма не приходят, пользователи ждут."),
    ("Outlook", "E-Mails kommen nicht an", "Seit heute früh kommen E-Mails nicht an."),
    ("Teams", "Teams se bloquea al unirse a reuniones", "Desde la actualización se cierra."),
    ("Teams", "Teams plante pendant les réunions", "Depuis la mise à jour, l'appli plante."),
    ("SharePoint", "SharePoint site is down", "503 Service Unavailable for the whole company."),
    ("OneDrive", "How do I share a folder externally?", "Where can I find the setting?"),
    ("Entra ID", "Reset password for one user", "She forgot her password, please reset."),
    ("Power BI", "Dataset refresh shows wrong values", "Numbers are wrong since the update."),
    ("Exchange", "Mailbox only 50 GB", "The service description says 100 GB for our plan."),
    ("Teams", "Timeouts and packet loss", "Teams and Outlook time out at all our sites."),
    (
        "Intune",
        "Enrollment fails with an error",
        "Devices fail with error 80180014 when enrolling.",
    ),
]
ISSUE_TEMPLATES = [
    ("Exchange Online", "Users can't send or receive email", "Mailflow", "E-Mail timely delivery"),
    ("Microsoft Teams", "Users may be unable to join meetings", "Meetings", "Teams Meetings"),
    ("SharePoint Online", "Users can't open files in libraries", "Document libraries", "Files"),
    ("Power BI", "Scheduled refresh fails for some datasets", "Refresh", "Datasets"),
]


def synthetic_tickets(count: int, tenants: int, seed: int = 7) -> pd.DataFrame:
    """``count`` raw tickets (contract columns), deterministic for a seed."""
    rng = np.random.default_rng(seed)
    tenant = rng.integers(0, tenants, count)
    template = rng.integers(0, len(TEMPLATES), count)
    minutes = rng.integers(0, 30 * 24 * 60, count)
    return pd.DataFrame(
        {
            "ticket_id": [f"B{i:07d}" for i in range(count)],
            "tenant_id": [_tenant(t) for t in tenant],
            "customer_name": [f"Customer {t}" for t in tenant],
            "country": [COUNTRIES[t % len(COUNTRIES)] for t in tenant],
            "service": [TEMPLATES[t][0] for t in template],
            "title": [TEMPLATES[t][1] for t in template],
            "description": [TEMPLATES[t][2] + f" Ref {i}." for i, t in enumerate(template)],
            "reported_at": [
                (START + timedelta(minutes=int(m))).isoformat().replace("+00:00", "Z")
                for m in minutes
            ],
            "users_affected": rng.integers(1, 400, count),
        }
    )


def synthetic_issues(count: int, tenants: int, seed: int = 11) -> dict[str, list[HealthIssue]]:
    """``count`` documented issues spread over the tenants, parsed from Graph-shaped JSON."""
    rng = np.random.default_rng(seed)
    by_tenant: dict[str, list[HealthIssue]] = {}
    for i in range(count):
        tenant = _tenant(int(rng.integers(0, tenants)))
        service, title, feature, group = ISSUE_TEMPLATES[i % len(ISSUE_TEMPLATES)]
        start = START + timedelta(hours=int(rng.integers(0, 30 * 24)))
        end = start + timedelta(hours=int(rng.integers(2, 48)))
        obj = {
            "id": f"{service[:2].upper()}{100000 + i}",
            "title": title,
            "service": service,
            "feature": feature,
            "featureGroup": group,
            "impactDescription": f"{title}.",
            "classification": "Incident",
            "origin": "Microsoft",
            "status": "serviceDegradation",
            "isResolved": False,
            "startDateTime": start.isoformat().replace("+00:00", "Z"),
            "endDateTime": end.isoformat().replace("+00:00", "Z"),
            "lastModifiedDateTime": end.isoformat().replace("+00:00", "Z"),
            "posts": [
                {
                    "createdDateTime": start.isoformat().replace("+00:00", "Z"),
                    "postType": "Regular",
                    "description": {"contentType": "Html", "content": f"Title: {title}<br>"},
                }
            ],
        }
        by_tenant.setdefault(tenant, []).append(parse_issue(obj, tenant))
    return by_tenant


def _tenant(number: int) -> str:
    return f"5b1c9a3e-7d2f-4c61-9a8e-{number:012d}"


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--issues", type=int, default=2_000)
    parser.add_argument("--tenants", type=int, default=500)
    args = parser.parse_args(argv)
    tickets = synthetic_tickets(args.tickets, args.tenants)
    issues = synthetic_issues(args.issues, args.tenants)
    # Parse the rules, evidence and symptom files and load the model outside the timed part, as a
    # long-running session would.
    load_rules()
    load_evidence()
    load_symptoms()
    load_model()
    started, cpu = time.perf_counter(), time.process_time()
    result = triage_tickets(tickets, health=issues)
    total, total_cpu = time.perf_counter() - started, time.process_time() - cpu
    accepted = len(result.decisions)
    started = time.perf_counter()
    from escalation_kit.intake import validate_tickets

    frame = validate_tickets(tickets, source="bench").accepted.reset_index(drop=True)
    intake_seconds = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()
    decide(frame, issues, load_rules(), TriageConfig(), model=load_model())
    decide_seconds, decide_cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB
    numbers: dict[str, object] = {
        "tickets": args.tickets,
        "accepted": accepted,
        "issues": args.issues,
        "tenants": args.tenants,
        "triage_seconds": round(total, 3),
        "triage_tickets_per_s": round(args.tickets / total),
        "triage_cpu_seconds": round(total_cpu, 3),
        "triage_tickets_per_cpu_s": round(args.tickets / total_cpu),
        "intake_seconds": round(intake_seconds, 3),
        "decide_seconds": round(decide_seconds, 3),
        "decide_tickets_per_s": round(accepted / decide_seconds),
        "decide_cpu_seconds": round(decide_cpu, 3),
        "decide_tickets_per_cpu_s": round(accepted / decide_cpu),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "peak_rss_mib": round(peak / 2**20),
        "categories": {str(k): int(v) for k, v in result.counts().items()},
        "python": sys.version.split()[0],
        "machine": platform.machine(),
        "run_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(numbers, indent=1) + "\n", encoding="utf-8")
    print(
        f"triage: {numbers['triage_tickets_per_s']} tickets/s end to end "
        f"({total:.2f} s for {args.tickets} tickets x {args.issues} issues); "
        f"decisions alone: {numbers['decide_tickets_per_s']} tickets/s; "
        f"per CPU second: {numbers['triage_tickets_per_cpu_s']} end to end, "
        f"{numbers['decide_tickets_per_cpu_s']} decisions alone "
        f"(load average {numbers['load_average_1m']}); "
        f"peak RSS {numbers['peak_rss_mib']} MiB"
    )
    return numbers


if __name__ == "__main__":
    main()
