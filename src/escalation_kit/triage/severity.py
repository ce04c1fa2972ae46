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

from escalation_kit.categories import CATEGORIES, LARGE_IMPACT_USERS, MANY_USERS
from escalation_kit.models import Category, Severity

__all__ = [
    "CLUSTER_CRITICAL_TENANTS",
    "LARGE_IMPACT_USERS",
    "MANY_USERS",
    "assign_severity",
    "severity_for",
]

CLUSTER_CRITICAL_TENANTS = 5


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
    """Vectorized :func:`severity_for` (users -1 = unknown); '' where not escalated.

    Each category's (usual, raised) severities and the users that raise it come from the
    category registry; a regional cluster is also raised by its size or spread.
    """
    users = np.asarray(users_affected, dtype=np.int64)
    result = np.full(len(categories), "", dtype=object)
    for category, info in CATEGORIES.items():
        if info.severity is None:
            continue
        rows = categories == str(category)
        raised = np.zeros(len(users), dtype=bool)
        if info.raise_at_users is not None:
            raised |= users >= info.raise_at_users
        if info.raise_for_large_clusters:
            raised |= (cluster_tenants >= CLUSTER_CRITICAL_TENANTS) | (cluster_regions >= 2)
        usual, high = info.severity
        result[rows] = np.where(raised[rows], str(high), str(usual))
    return result
