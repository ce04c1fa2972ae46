"""Small, real inputs for the widget tests: intake-validated tickets and typed histories."""

from __future__ import annotations

import pandas as pd

from escalation_kit.intake import validate_tickets

SCRIPT = "<script>alert(1)</script>"
TENANTS = [
    "11111111-1111-4111-8111-111111111111",
    "22222222-2222-4222-8222-222222222222",
    "33333333-3333-4333-8333-333333333333",
    "44444444-4444-4444-8444-444444444444",
]


def raw_tickets() -> pd.DataFrame:
    """Five tickets: three tenants of Europe on SharePoint within two hours, two lone ones."""
    return pd.DataFrame(
        {
            "ticket_id": ["T1", "T2", "T3", "T4", "T5"],
            "tenant_id": [TENANTS[0], TENANTS[1], TENANTS[2], TENANTS[3], TENANTS[0]],
            "customer_name": ["Contoso GmbH", f"{SCRIPT} Ltd", "Fabrikam SA", "Tailspin Inc", ""],
            "country": ["DE", "FR", "ES", "US", "DE"],
            "service": ["SharePoint", "SharePoint", "SharePoint", "Exchange Online", "Teams"],
            "title": [
                "SharePoint sites return 503 for everyone",
                f"{SCRIPT} SharePoint down",
                "SharePoint libraries will not open",
                "Reset the password of a new user",
                "Teams crashes after the latest update",
            ],
            "description": [
                "Every SharePoint site returns HTTP 503 since 09:10 for all 80 users.",
                "SharePoint Online is down for the whole company since 09:30.",
                "No SharePoint library opens, error 503, since about 10:00.",
                "Please reset the password for our new hire, she cannot sign in.",
                "Teams desktop crashes on start since the last update, on every PC.",
            ],
            "reported_at": [
                "2026-11-13T09:15:00Z",
                "2026-11-13T09:40:00Z",
                "2026-11-13T10:05:00Z",
                "2026-11-13T11:00:00Z",
                "2026-11-14T08:00:00Z",
            ],
            "users_affected": ["80", "25", "40", "1", "30"],
        }
    )


def accepted_tickets() -> pd.DataFrame:
    """The raw tickets through intake (all five are valid)."""
    result = validate_tickets(raw_tickets(), source="widget-tests")
    assert len(result.rejected) == 0, result.rejected
    return result.accepted


def cluster_decisions() -> pd.DataFrame:
    """Triage output (contract columns) with T1–T3 as one regional multi-tenant cluster."""
    return pd.DataFrame(
        {
            "ticket_id": ["T1", "T2", "T3", "T4", "T5"],
            "category": ["regional_multi_tenant"] * 3 + ["self_service", "bug"],
            "escalate": [True, True, True, False, True],
            "matched_issue_id": [""] * 5,
            "cluster_id": ["C-shp"] * 3 + ["", ""],
            "region": ["Europe", "Europe", "Europe", "Americas", "Europe"],
            "service": ["SharePoint Online"] * 3 + ["Exchange Online", "Microsoft Teams"],
            "severity": ["critical"] * 3 + ["", "moderate"],
            "confidence": [0.9, 0.9, 0.9, 0.8, 0.7],
            "reasons": ["3 tenants in Europe within 1h"] * 3 + ["password reset", "crash"],
            "recommended_action": ["escalate once"] * 3 + ["reset it", "escalate as a bug"],
        }
    )
