"""Turn Microsoft Graph service-health JSON into records, keeping every value as Microsoft sent it.

Graph documents its enum values in camelCase but returns PascalCase in practice
(``ServiceRestored``, ``Incident``) and may add values at any time, so records keep the value as
sent and comparisons go through :func:`normalized_status`, which never raises.

Bad structure raises :class:`~escalation_kit.errors.InputError` whose ``field`` is the JSON path of
the offending value (callers that know the file add it).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from escalation_kit.errors import InputError
from escalation_kit.models import HealthIssue, HealthPost

__all__ = [
    "ACTIVE_STATUSES",
    "RESOLVED_STATUSES",
    "ServiceHealth",
    "is_active_status",
    "issue_is_active",
    "normalized_enum",
    "normalized_status",
    "parse_datetime",
    "parse_issue",
    "parse_overview",
    "post_text",
]

# The 18 serviceHealthStatus members of Graph v1.0 (microsoft-apis.md section 2.3).
KNOWN_STATUSES = (
    "serviceOperational",
    "investigating",
    "restoringService",
    "verifyingService",
    "serviceRestored",
    "postIncidentReviewPublished",
    "serviceDegradation",
    "serviceInterruption",
    "extendedRecovery",
    "falsePositive",
    "investigationSuspended",
    "resolved",
    "mitigatedExternal",
    "mitigated",
    "resolvedExternal",
    "confirmed",
    "reported",
    "unknownFutureValue",
)
_CANONICAL = {value.lower(): value for value in KNOWN_STATUSES}
# Times outside these bounds are not Microsoft's (and overflow the analysis's nanoseconds).
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)

#: Statuses meaning "Microsoft is still working on it" (reserved ``confirmed``/``reported`` too).
ACTIVE_STATUSES = frozenset(
    {
        "investigating",
        "restoringService",
        "verifyingService",
        "serviceDegradation",
        "serviceInterruption",
        "extendedRecovery",
        "investigationSuspended",
        "confirmed",
        "reported",
    }
)
#: Statuses meaning the issue is over.
RESOLVED_STATUSES = frozenset(
    {
        "serviceRestored",
        "postIncidentReviewPublished",
        "falsePositive",
        "resolved",
        "resolvedExternal",
        "mitigated",
        "mitigatedExternal",
    }
)


@dataclass(frozen=True, slots=True)
class ServiceHealth:
    """One Graph ``serviceHealth`` entry: a subscribed service and its overall status."""

    id: str
    service: str
    status: str
    issues: tuple[HealthIssue, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)


def normalized_status(value: object) -> str:
    """The canonical lower-camel form of a status (``ServiceRestored`` → ``serviceRestored``).

    Unknown values come back lowercased, ``None`` as ``""``; never raises.
    """
    if value is None:
        return ""
    text = str(value).strip()
    return _CANONICAL.get(text.lower(), text.lower())


def normalized_enum(value: object) -> str:
    """Any other Graph enum value (classification, origin, postType) compared case-insensitively."""
    return "" if value is None else str(value).strip().lower()


def is_active_status(value: object) -> bool:
    """True when the status says Microsoft is still working on the issue."""
    return normalized_status(value) in ACTIVE_STATUSES


def issue_is_active(issue: HealthIssue) -> bool:
    """Whether an issue is still open: not resolved, and its status does not say it is over.

    ``isResolved`` and ``status`` can disagree in spirit, so both are used; an unknown status on
    an unresolved issue counts as active (better to look twice than to miss one).
    """
    return not issue.is_resolved and normalized_status(issue.status) not in RESOLVED_STATUSES


def parse_datetime(value: object, *, path: str = "") -> datetime | None:
    """Parse a Graph ``DateTimeOffset`` (``Z``, up to 7 fraction digits); null → ``None``.

    A time without an offset is taken as UTC, as Microsoft's services mean it.
    """
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InputError(f"expected an ISO 8601 date-time string, got {value!r}", field=path)
    try:
        parsed = datetime.fromisoformat(value.strip())
        parsed = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        raise InputError(f"not an ISO 8601 date-time: {value!r}", field=path) from exc
    if not EARLIEST <= parsed < LATEST:
        raise InputError(
            f"date-time {value!r} is outside {EARLIEST.year} to {LATEST.year - 1}", field=path
        )
    return parsed


def post_text(post: HealthPost | Mapping[str, Any]) -> str:
    """The plain text of a post: HTML tags removed, entities decoded; ``Text`` posts as sent."""
    if isinstance(post, HealthPost):
        content, content_type = post.content, post.content_type
    else:
        body = post.get("description") or {}
        content = str(body.get("content") or "") if isinstance(body, Mapping) else ""
        content_type = str(body.get("contentType") or "html") if isinstance(body, Mapping) else ""
    if normalized_enum(content_type) == "text":
        return content.strip()
    return html_to_text(content)


# A tag never holds "<": excluding it keeps both patterns linear (with [^>]* a text of 200,000
# "<" was scanned to its end from every one of them, which is quadratic).
_BREAK_TAGS = re.compile(r"<\s*(br|/p|/div|/li|/h[1-6]|/tr)\b[^<>]*>", re.IGNORECASE)
_TAGS = re.compile(r"<[^<>]*>")
_BLANKS = re.compile(r"[ \t]+")


def html_to_text(content: str) -> str:
    """Strip tags from a small HTML fragment, keeping line breaks where blocks end."""
    text = _BREAK_TAGS.sub("\n", content)
    text = html.unescape(_TAGS.sub("", text))
    lines = (_BLANKS.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(lines).strip()


def parse_issue(obj: Mapping[str, Any], tenant_id: str, *, path: str = "") -> HealthIssue:
    """Build a :class:`HealthIssue` from a Graph ``serviceHealthIssue`` object (kept as ``raw``)."""
    if not isinstance(obj, Mapping):
        raise InputError(f"expected a serviceHealthIssue object, got {_kind(obj)}", field=path)
    posts = _list(obj, "posts", path)
    return HealthIssue(
        id=_text(obj, "id", path, required=True),
        tenant_id=tenant_id,
        service=_text(obj, "service", path),
        title=_text(obj, "title", path),
        status=_text(obj, "status", path),
        classification=_text(obj, "classification", path),
        origin=_text(obj, "origin", path),
        start=parse_datetime(obj.get("startDateTime"), path=_join(path, "startDateTime")),
        end=parse_datetime(obj.get("endDateTime"), path=_join(path, "endDateTime")),
        last_modified=parse_datetime(
            obj.get("lastModifiedDateTime"), path=_join(path, "lastModifiedDateTime")
        ),
        is_resolved=_bool(obj, "isResolved", path),
        feature=_text(obj, "feature", path),
        feature_group=_text(obj, "featureGroup", path),
        impact_description=_text(obj, "impactDescription", path),
        posts=tuple(_parse_post(p, f"{_join(path, 'posts')}[{i}]") for i, p in enumerate(posts)),
        raw=obj,
    )


def parse_overview(obj: Mapping[str, Any], tenant_id: str = "", *, path: str = "") -> ServiceHealth:
    """Build a :class:`ServiceHealth` from a Graph ``serviceHealth`` (``$expand=issues`` too)."""
    if not isinstance(obj, Mapping):
        raise InputError(f"expected a serviceHealth object, got {_kind(obj)}", field=path)
    issues = _list(obj, "issues", path)
    return ServiceHealth(
        id=_text(obj, "id", path),
        service=_text(obj, "service", path),
        status=_text(obj, "status", path),
        issues=tuple(
            parse_issue(item, tenant_id, path=f"{_join(path, 'issues')}[{i}]")
            for i, item in enumerate(issues)
        ),
        raw=obj,
    )


def _parse_post(obj: object, path: str) -> HealthPost:
    if not isinstance(obj, Mapping):
        raise InputError(f"expected a post object, got {_kind(obj)}", field=path)
    body = obj.get("description") or {}
    if not isinstance(body, Mapping):
        raise InputError(
            f"expected an itemBody object, got {_kind(body)}", field=_join(path, "description")
        )
    return HealthPost(
        created=parse_datetime(obj.get("createdDateTime"), path=_join(path, "createdDateTime")),
        post_type=_text(obj, "postType", path),
        content=_text(body, "content", _join(path, "description")),
        content_type=_text(body, "contentType", _join(path, "description")) or "html",
    )


def _text(obj: Mapping[str, Any], key: str, path: str, *, required: bool = False) -> str:
    value = obj.get(key)
    if value is None:
        if required:
            raise InputError("required value is missing", field=_join(path, key))
        return ""
    if not isinstance(value, str):
        raise InputError(f"expected a string, got {_kind(value)}", field=_join(path, key))
    if required and not value.strip():
        raise InputError("required value is empty", field=_join(path, key))
    return value


def _bool(obj: Mapping[str, Any], key: str, path: str) -> bool:
    value = obj.get(key)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise InputError(f"expected true or false, got {value!r}", field=_join(path, key))
    return value


def _list(obj: Mapping[str, Any], key: str, path: str) -> list[Any]:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise InputError(f"expected a list, got {_kind(value)}", field=_join(path, key))
    return value


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _kind(value: object) -> str:
    return "null" if value is None else type(value).__name__
