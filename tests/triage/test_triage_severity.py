"""The severity rule written in escalation_kit.triage.severity's docstring."""

from __future__ import annotations

import pytest

from escalation_kit.models import Severity
from escalation_kit.triage.severity import severity_for


@pytest.mark.parametrize(
    ("category", "users", "tenants", "regions", "expected"),
    [
        ("network_disruption", None, 0, 0, Severity.CRITICAL),
        ("network_disruption", 1, 2, 2, Severity.CRITICAL),
        ("regional_multi_tenant", 10, 3, 1, Severity.MODERATE),
        ("regional_multi_tenant", 10, 5, 1, Severity.CRITICAL),
        ("regional_multi_tenant", 10, 3, 2, Severity.CRITICAL),
        ("regional_multi_tenant", 500, 3, 1, Severity.CRITICAL),
        ("service_unavailable", 49, 0, 0, Severity.MODERATE),
        ("service_unavailable", 50, 0, 0, Severity.CRITICAL),
        ("service_unavailable", None, 0, 0, Severity.MODERATE),
        ("bug", 49, 0, 0, Severity.MINIMAL),
        ("bug", 50, 0, 0, Severity.MODERATE),
        ("bug", None, 0, 0, Severity.MINIMAL),
        ("service_not_as_described", 499, 0, 0, Severity.MINIMAL),
        ("service_not_as_described", 500, 0, 0, Severity.MODERATE),
        ("self_service", 5000, 0, 0, None),
        ("known_issue", 5000, 9, 3, None),
    ],
)
def test_severity_rule(
    category: str, users: int | None, tenants: int, regions: int, expected: Severity | None
) -> None:
    got = severity_for(category, users, cluster_tenants=tenants, cluster_regions=regions)
    assert got == expected
