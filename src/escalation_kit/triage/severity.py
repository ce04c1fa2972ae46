"""Partner Center severity (critical / moderate / minimal) for escalated tickets.

The rule, in the order it is applied (``users`` is the ticket's ``users_affected``; unknown
counts as small):

=========================  ==========================================================  ===========
category                   condition                                                   severity
=========================  ==========================================================  ===========
network_disruption         always (many services or sites at once)                    critical
regional_multi_tenant      cluster of >= 5 tenants, or >= 2 regions, or users >= 500   critical
regional_multi_tenant      otherwise                                                   moderate
service_unavailable        users >= 50 (a whole-tenant outage of real size)            critical
service_unavailable        otherwise                                                   moderate
bug                        users >= 50                                                 moderate
bug                        otherwise                                                   minimal
service_not_as_described   users >= 500                                                moderate
service_not_as_described   otherwise                                                   minimal
self_service, known_issue  not escalated                                               (empty)
=========================  ==========================================================  ===========

Why: Partner Center's severities are about business impact. An outage many customers share, or
one that cuts a tenant off a service, stops work (critical); a malfunction with a workaround
slows it (moderate); a deviation from the service description rarely blocks anyone (minimal).
"""

from __future__ import annotations

import numpy as np

from escalation_kit.models import Category, Severity

__all__ = [
    "CLUSTER_CRITICAL_TENANTS",
    "LARGE_IMPACT_USERS",
    "MANY_USERS",
    "assign_severity",
    "severity_for",
]

CLUSTER_CRITICAL_TENANTS = 5
MANY_USERS = 50
LARGE_IMPACT_USERS = 500


def severity_for(
    category: Category | str,
    users_affected: int | None = None,
    *,
    cluster_tenants: int = 0,
    cluster_regions: int = 0,
) -> Severity | None:
    """The severity of one decision, or None when the category is not escalated."""
    result = assign_severity(
        np.array([str(category)], dtype=object),
        np.array([-1 if users_affected is None else users_affected]),
        np.array([cluster_tenants]),
        np.array([cluster_regions]),
    )[0]
    return Severity(result) if result else None


def assign_severity(
    categories: np.ndarray,
    users_affected: np.ndarray,
    cluster_tenants: np.ndarray,
    cluster_regions: np.ndarray,
) -> np.ndarray:
    """Vectorized :func:`severity_for` (users -1 = unknown); '' where not escalated."""
    users = np.asarray(users_affected, dtype=np.int64)
    result = np.full(len(categories), "", dtype=object)
    rules = [
        (Category.NETWORK_DISRUPTION, np.ones(len(users), dtype=bool)),
        (
            Category.REGIONAL_MULTI_TENANT,
            (cluster_tenants >= CLUSTER_CRITICAL_TENANTS)
            | (cluster_regions >= 2)
            | (users >= LARGE_IMPACT_USERS),
        ),
        (Category.SERVICE_UNAVAILABLE, users >= MANY_USERS),
    ]
    for category, critical in rules:
        is_category = categories == str(category)
        result[is_category & critical] = str(Severity.CRITICAL)
        result[is_category & ~critical] = str(Severity.MODERATE)
    bug = categories == str(Category.BUG)
    result[bug] = np.where(users[bug] >= MANY_USERS, str(Severity.MODERATE), str(Severity.MINIMAL))
    snad = categories == str(Category.SERVICE_NOT_AS_DESCRIBED)
    result[snad] = np.where(
        users[snad] >= LARGE_IMPACT_USERS, str(Severity.MODERATE), str(Severity.MINIMAL)
    )
    return result
