"""Everything about a triage category, in one registry: label, colour, escalation, next action,
severity rule and the wording a filing package uses.

Adding a category means adding its :class:`~escalation_kit.models.Category` member and one
:class:`CategoryInfo` here; figures, triage output, severity and packages all read from this.
The colours are the Okabe-Ito palette (distinguishable with the common colour-vision
deficiencies), with enough contrast on white and on near-black.
"""

from __future__ import annotations

from dataclasses import dataclass

from escalation_kit.models import Category, Severity

__all__ = ["CATEGORIES", "CategoryInfo", "category_info", "category_label"]


@dataclass(frozen=True)
class CategoryInfo:
    """One category's facts. ``severity`` is (usual, raised) with the users that raise it."""

    category: Category
    label: str
    color: str
    action: str
    package_wording: str = ""
    sentence: str = ""  # the plain English statement of the problem (package, views, notices)
    severity: tuple[Severity, Severity] | None = None
    raise_at_users: int | None = None
    raise_for_large_clusters: bool = False

    @property
    def escalates(self) -> bool:
        """Whether tickets of this category go to Microsoft (they then have a severity rule)."""
        return self.category.escalate


MANY_USERS = 50
LARGE_IMPACT_USERS = 500

CATEGORIES: dict[Category, CategoryInfo] = {
    info.category: info
    for info in (
        CategoryInfo(
            Category.SELF_SERVICE,
            "Self-service",
            "#0072B2",  # blue
            "Resolve it in the partner's admin tools (settings, licences, passwords, permissions, "
            "DNS, the customer's network); no Microsoft case needed.",
        ),
        CategoryInfo(
            Category.KNOWN_ISSUE,
            "Known issue",
            "#999999",  # grey: tracked, not escalated
            "Do not escalate: link the ticket to the documented issue, tell the customer, and "
            "follow the issue's updates until Microsoft resolves it.",
        ),
        CategoryInfo(
            Category.SERVICE_NOT_AS_DESCRIBED,
            "Service not as described",
            "#E69F00",  # orange
            "Escalate to Microsoft: quote the service description and show the customer's "
            "settings are right.",
            "not as described",
            "The service works, but not as its service description states.",
            (Severity.MINIMAL, Severity.MODERATE),
            LARGE_IMPACT_USERS,
        ),
        CategoryInfo(
            Category.SERVICE_UNAVAILABLE,
            "Service unavailable",
            "#D55E00",  # vermillion
            "Escalate to Microsoft now: whole-tenant outage not documented in service health; "
            "include times and error messages.",
            "service unavailable",
            "The service is unavailable for the whole tenant.",
            (Severity.MODERATE, Severity.CRITICAL),
            MANY_USERS,
        ),
        CategoryInfo(
            Category.BUG,
            "Bug",
            "#CC79A7",  # reddish purple
            "Escalate to Microsoft as a product bug: include steps to reproduce, screenshots and "
            "the version or update it started with.",
            "malfunction",
            "The service malfunctions in a way admin settings cannot fix.",
            (Severity.MINIMAL, Severity.MODERATE),
            MANY_USERS,
        ),
        CategoryInfo(
            Category.NETWORK_DISRUPTION,
            "Network disruption",
            "#56B4E9",  # sky blue
            "Escalate to Microsoft as one network incident: gather traceroutes and affected "
            "sites/ISPs; check the customers' own networks are healthy.",
            "network disruption",
            "Connectivity to Microsoft fails across several services, sites or regions at once.",
            (Severity.CRITICAL, Severity.CRITICAL),
        ),
        CategoryInfo(
            Category.REGIONAL_MULTI_TENANT,
            "Regional multi-tenant",
            "#009E73",  # bluish green
            "Escalate once for the whole cluster: file one request listing every affected tenant "
            "and ticket; watch service health for a new issue.",
            "regional multi-tenant outage",
            "Several customer tenants in one region report the same problem with the same service "
            "within hours.",
            (Severity.MODERATE, Severity.CRITICAL),
            LARGE_IMPACT_USERS,
            raise_for_large_clusters=True,
        ),
    )
}


def category_info(category: Category | str) -> CategoryInfo:
    """The registry entry of a category id; KeyError for an unknown id."""
    return CATEGORIES[Category(category)]


def category_label(category: str) -> str:
    """The human-readable name of a category id (the id itself when unknown)."""
    try:
        return category_info(category).label
    except ValueError:
        return category
