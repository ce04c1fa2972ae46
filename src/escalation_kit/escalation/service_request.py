"""Partner Center ``ServiceRequest`` records, parsed the way Microsoft actually sends them.

Responses are camelCase while documented requests are PascalCase, so keys are matched
case-insensitively. Severity and status arrive as lower-snake strings *or* integers; unknown
values fall back to ``unknown``/``none`` like the official SDK. Unset dates are
``0001-01-01T00:00:00`` (→ ``None``) and timestamps without an offset are UTC.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar

from escalation_kit.errors import PartnerCenterError
from escalation_kit.models import Severity

__all__ = [
    "ServiceRequest",
    "ServiceRequestNote",
    "SrStatus",
    "parse_service_request",
    "parse_time",
]


class SrStatus(StrEnum):
    """Partner Center status (integer codes 0..3 in the same order)."""

    NONE = "none"
    OPEN = "open"
    CLOSED = "closed"
    ATTENTION_NEEDED = "attention_needed"


E = TypeVar("E", bound=StrEnum)
# Partner Center sends severity as these names or as their integer codes 0..3, in this order.
_SEVERITIES = [Severity.UNKNOWN, Severity.CRITICAL, Severity.MODERATE, Severity.MINIMAL]
_STATUSES = list(SrStatus)


def _enum_value(raw: object, members: list[E]) -> E:
    """Map an int code or a string in any casing (``AttentionNeeded``) to a member."""
    if isinstance(raw, bool):
        return members[0]
    if isinstance(raw, int):
        return members[raw] if 0 <= raw < len(members) else members[0]
    text = str(raw or "").strip()
    if text.isdigit():
        return _enum_value(int(text), members)
    squashed = text.replace("_", "").replace(" ", "").lower()
    for member in members:
        if member.value.replace("_", "") == squashed:
            return member
    return members[0]


def parse_time(raw: object) -> datetime | None:
    """A Partner Center timestamp as aware UTC; the 0001-01-01 sentinel and blanks → ``None``."""
    if raw in (None, ""):
        return None
    try:
        value = datetime.fromisoformat(str(raw).strip())
    except ValueError:
        return None
    if value.year <= 1:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _lower_keys(obj: Mapping[str, Any]) -> dict[str, Any]:
    return {str(k).lower(): v for k, v in obj.items()}


@dataclass(frozen=True, slots=True)
class ServiceRequestNote:
    """One note in a request's history."""

    text: str
    created_by: str = ""
    created: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "createdByName": self.created_by,
            "createdDate": self.created.isoformat() if self.created else None,
        }

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> ServiceRequestNote:
        data = _lower_keys(raw)
        return cls(
            text=str(data.get("text") or ""),
            created_by=str(data.get("createdbyname") or ""),
            created=parse_time(data.get("createddate")),
        )


@dataclass(frozen=True, slots=True)
class ServiceRequest:
    """A Partner Center support request as returned by list/get/update."""

    id: str
    title: str
    status: SrStatus
    severity: Severity
    description: str = ""
    organization_id: str = ""
    organization_name: str = ""
    support_topic_name: str = ""
    product_id: str = ""
    country_code: str = ""
    created: datetime | None = None
    last_modified: datetime | None = None
    last_closed: datetime | None = None
    notes: tuple[ServiceRequestNote, ...] = ()


def parse_service_request(raw: object) -> ServiceRequest:
    """Parse one ServiceRequest JSON object (any key casing, string or integer enums)."""
    if not isinstance(raw, Mapping):
        raise PartnerCenterError(f"expected a ServiceRequest object, got {type(raw).__name__}")
    data = _lower_keys(raw)
    sr_id = data.get("id")
    if sr_id in (None, ""):
        raise PartnerCenterError("Partner Center returned a service request without an id")
    organization = _lower_keys(data.get("organization") or {})
    return ServiceRequest(
        id=str(sr_id),
        title=str(data.get("title") or ""),
        status=_enum_value(data.get("status"), _STATUSES),
        severity=_enum_value(data.get("severity"), _SEVERITIES),
        description=str(data.get("description") or ""),
        organization_id=str(organization.get("id") or ""),
        organization_name=str(organization.get("name") or ""),
        support_topic_name=str(data.get("supporttopicname") or ""),
        product_id=str(data.get("productid") or ""),
        country_code=str(data.get("countrycode") or ""),
        created=parse_time(data.get("createddate")),
        last_modified=parse_time(data.get("lastmodifieddate")),
        last_closed=parse_time(data.get("lastcloseddate")),
        notes=tuple(
            ServiceRequestNote.parse(n) for n in (data.get("notes") or []) if isinstance(n, Mapping)
        ),
    )
