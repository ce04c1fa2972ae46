"""The health snapshot: what a health sync writes and triage reads (contracts.md "health snapshot").

``{"fetched_at": ISO, "tenants": {tenant_id: {"healthOverviews": [...], "issues": [...]}}}`` where
the objects are Graph JSON exactly as the API returned them. A :class:`HealthSnapshot` keeps those
objects verbatim (so saving what was loaded writes the same JSON) and parses them once, on load,
so that a bad file fails early with its JSON path.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeAlias

from escalation_kit.errors import InputError
from escalation_kit.health.parse import ServiceHealth, parse_datetime, parse_issue, parse_overview
from escalation_kit.jsonlimits import json_int, json_too_deep
from escalation_kit.models import HealthIssue

__all__ = [
    "HealthSnapshot",
    "HealthSource",
    "IssuesByTenant",
    "format_datetime",
    "load_snapshot",
    "snapshot_from_responses",
    "snapshot_pieces",
    "tenant_issues",
    "write_snapshot",
]

ISSUES = "issues"
MAX_DEPTH = 64
"""Deepest nesting of a snapshot file read; Graph's objects nest about 6 levels."""
OVERVIEWS = "healthOverviews"
FETCHED_AT = "fetched_at"  # optional per tenant, when its data is older or newer than the top


def format_datetime(when: datetime) -> str:
    """ISO 8601 in UTC with a ``Z``, the way Graph writes it."""
    text = when.astimezone(UTC).isoformat()
    return text.removesuffix("+00:00") + "Z"


class HealthSnapshot:
    """Documented service-health issues and overviews for a set of customer tenants."""

    def __init__(
        self,
        tenants: Mapping[str, Mapping[str, Any]],
        *,
        fetched_at: datetime | str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        """Validate and parse ``tenants`` (raw Graph objects); InputError names the JSON path."""
        when = fetched_at if fetched_at is not None else datetime.now(UTC)
        self._fetched_at_text = when if isinstance(when, str) else format_datetime(when)
        parsed = parse_datetime(self._fetched_at_text, path="fetched_at")
        if parsed is None:
            raise InputError("required value is missing", field="fetched_at")
        self._fetched_at = parsed
        self._extra = dict(extra or {})
        self._raw: dict[str, dict[str, Any]] = {}
        self._issues: dict[str, list[HealthIssue]] = {}
        self._overviews: dict[str, list[ServiceHealth]] = {}
        self._tenant_fetched_at: dict[str, datetime] = {}
        if not isinstance(tenants, Mapping):
            raise InputError("expected an object keyed by tenant id", field="tenants")
        for tenant_id, entry in tenants.items():
            self._add(str(tenant_id), entry)

    def _add(self, tenant_id: str, entry: object) -> None:
        path = f"tenants.{tenant_id}"
        if not tenant_id.strip():
            raise InputError("tenant id is empty", field=path)
        if not isinstance(entry, Mapping):
            raise InputError("expected an object with healthOverviews and issues", field=path)
        overviews = _raw_list(entry, OVERVIEWS, path)
        if entry.get(FETCHED_AT) is not None:
            when = parse_datetime(entry[FETCHED_AT], path=f"{path}.{FETCHED_AT}")
            if when is not None:
                self._tenant_fetched_at[tenant_id] = when
        issues = _raw_list(entry, ISSUES, path)
        self._overviews[tenant_id] = [
            parse_overview(o, tenant_id, path=f"{path}.{OVERVIEWS}[{i}]")
            for i, o in enumerate(overviews)
        ]
        self._issues[tenant_id] = _dedupe(
            [parse_issue(o, tenant_id, path=f"{path}.{ISSUES}[{i}]") for i, o in enumerate(issues)]
            + [issue for overview in self._overviews[tenant_id] for issue in overview.issues]
        )
        self._raw[tenant_id] = dict(entry)

    @property
    def fetched_at(self) -> datetime:
        return self._fetched_at

    def fetched_at_for(self, tenant_id: str) -> datetime:
        """When this tenant's data was fetched: its own ``fetched_at`` when the snapshot has one
        (tenants fetched at different times), else the snapshot's."""
        return self._tenant_fetched_at.get(tenant_id, self._fetched_at)

    @property
    def tenants(self) -> list[str]:
        """Tenant ids in the snapshot, in file order."""
        return list(self._raw)

    def __contains__(self, tenant_id: object) -> bool:
        return tenant_id in self._raw

    def __len__(self) -> int:
        return len(self._raw)

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __repr__(self) -> str:
        count = sum(len(v) for v in self._issues.values())
        return (
            f"HealthSnapshot(fetched_at={self._fetched_at_text!r}, tenants={len(self)}, "
            f"issues={count})"
        )

    def issues_for(self, tenant_id: str) -> list[HealthIssue]:
        """Issues documented for one tenant (top-level and those expanded in overviews, by id).

        A tenant that is not in the snapshot has no known issues: an empty list.
        """
        return list(self._issues.get(tenant_id, ()))

    def overviews_for(self, tenant_id: str) -> list[ServiceHealth]:
        return list(self._overviews.get(tenant_id, ()))

    def issues_by_tenant(self) -> dict[str, list[HealthIssue]]:
        return {tenant_id: list(issues) for tenant_id, issues in self._issues.items()}

    def all_issues(self) -> list[HealthIssue]:
        """Every tenant's issues, tenant by tenant."""
        return [issue for issues in self._issues.values() for issue in issues]

    def to_json(self) -> dict[str, Any]:
        """The contract's JSON document, with the Graph objects exactly as they were given."""
        return {
            **self._extra,
            "fetched_at": self._fetched_at_text,
            "tenants": {tenant_id: dict(entry) for tenant_id, entry in self._raw.items()},
        }

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the snapshot as UTF-8 JSON, atomically (a temporary file renamed into place)."""
        target = Path(path)
        temporary = target.with_name(f".{target.name}.tmp")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with temporary.open("w", encoding="utf-8") as handle:
                json.dump(self.to_json(), handle, ensure_ascii=False, indent=1)
                handle.write("\n")
            os.replace(temporary, target)
        except OSError as exc:
            raise InputError(
                f"cannot write the snapshot: {exc.strerror}", file=str(target)
            ) from exc
        return target

    def merged(self, other: HealthSnapshot) -> HealthSnapshot:
        """A new snapshot where ``other``'s tenants replace or add to ours (newest fetched_at)."""
        tenants = {**self._raw, **other._raw}
        fetched_at = max(self.fetched_at, other.fetched_at)
        return HealthSnapshot(tenants, fetched_at=fetched_at, extra={**self._extra, **other._extra})

    @classmethod
    def from_json(cls, obj: object, *, source: str | None = None) -> HealthSnapshot:
        """Validate a decoded snapshot document; errors name ``source`` and the JSON path."""
        try:
            if not isinstance(obj, Mapping):
                raise InputError("expected a JSON object with fetched_at and tenants", field="$")
            if "tenants" not in obj:
                raise InputError("required key is missing", field="tenants")
            fetched_at = obj.get("fetched_at")
            if not isinstance(fetched_at, str):
                raise InputError("expected an ISO 8601 date-time string", field="fetched_at")
            extra = {k: v for k, v in obj.items() if k not in ("fetched_at", "tenants")}
            return cls(obj["tenants"], fetched_at=fetched_at, extra=extra)
        except InputError as exc:
            if source is None:
                raise
            raise InputError(exc.reason, file=source, field=exc.field) from exc


def load_snapshot(path: str | os.PathLike[str]) -> HealthSnapshot:
    """Read and validate a snapshot file; InputError names the file and the JSON path."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")  # a BOM (Windows editors) is fine
    except FileNotFoundError as exc:
        raise InputError("file not found", file=source) from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text at byte {exc.start}", file=source) from exc
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror or exc}", file=source) from exc
    if json_too_deep(text, MAX_DEPTH):
        raise InputError(f"JSON nested more than {MAX_DEPTH} levels deep", file=source)
    try:
        document = json.loads(text, parse_int=json_int)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})", file=source
        ) from exc
    return HealthSnapshot.from_json(document, source=source)


IssuesByTenant: TypeAlias = Mapping[str, Sequence[HealthIssue]]
"""Documented issues per tenant id (what :meth:`HealthSnapshot.issues_by_tenant` returns)."""
HealthSource: TypeAlias = HealthSnapshot | IssuesByTenant | str | os.PathLike[str]
"""What triage takes as service health: a snapshot, its file, or bare issues per tenant."""


def tenant_issues(health: HealthSnapshot | IssuesByTenant) -> IssuesByTenant:
    """The issues per tenant of a snapshot, or ``health`` itself when it is already a mapping
    of tenant id to issues; InputError for anything else."""
    if isinstance(health, HealthSnapshot):
        return health.issues_by_tenant()
    if isinstance(health, Mapping):
        return health
    raise InputError(
        "expected a HealthSnapshot or a mapping of tenant id to issues, got "
        f"{type(health).__name__}",
        field="health",
    )


def snapshot_pieces(
    entries: Iterable[tuple[str, datetime, str]], oldest: datetime
) -> Iterator[str]:
    """A snapshot document in pieces, from ``(tenant, fetched_at, entry JSON)`` triples.

    The top-level ``fetched_at`` is ``oldest``; a tenant fetched at another time carries its own
    ``fetched_at``. Entries are JSON text already (encoded once, when fetched) and are copied
    as they are, so writing 10,000 tenants needs the memory of one.
    """
    top = format_datetime(oldest)
    yield f'{{"{FETCHED_AT}":{json.dumps(top)},"tenants":{{'
    first = True
    for tenant, when, entry in entries:
        stamp = format_datetime(when)
        if stamp != top and entry.startswith("{") and entry != "{}":
            entry = f'{{"{FETCHED_AT}":{json.dumps(stamp)},{entry[1:]}'
        yield ("" if first else ",\n") + json.dumps(tenant) + ":" + entry
        first = False
    yield "}}\n"


def write_snapshot(
    path: str | os.PathLike[str],
    entries: Iterable[tuple[str, datetime, str]],
    oldest: datetime,
) -> Path:
    """Stream a snapshot (see :func:`snapshot_pieces`) to ``path``, atomically."""
    target = Path(path)
    temporary = target.with_name(f".{target.name}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with temporary.open("w", encoding="utf-8") as handle:
            handle.writelines(snapshot_pieces(entries, oldest))
        os.replace(temporary, target)
    except OSError as exc:
        raise InputError(f"cannot write the snapshot: {exc.strerror}", file=str(target)) from exc
    return target


def snapshot_from_responses(
    responses: Mapping[str, Iterable[Mapping[str, Any]]],
    *,
    fetched_at: datetime | str | None = None,
) -> HealthSnapshot:
    """Build a snapshot from raw Graph response bodies, per tenant.

    Each body may be a collection page (``{"value": [...]}``) or a single entity, of issues or of
    health overviews (with or without ``$expand=issues``); the kind is read from
    ``@odata.context`` or, without it, from the object's shape. Message-center bodies are ignored.
    Issues seen twice (same id) are kept once, the later one winning.
    """
    tenants: dict[str, dict[str, Any]] = {}
    for tenant_id, bodies in responses.items():
        issues: dict[str, Mapping[str, Any]] = {}
        overviews: list[Mapping[str, Any]] = []
        for body in bodies:
            for kind, item in _classify(body):
                if kind == ISSUES:
                    issues[str(item.get("id"))] = _strip_context(item)
                elif kind == OVERVIEWS:
                    overviews.append(_strip_context(item))
        tenants[tenant_id] = {OVERVIEWS: overviews, ISSUES: list(issues.values())}
    return HealthSnapshot(tenants, fetched_at=fetched_at)


def _classify(body: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    context = str(body.get("@odata.context") or "")
    items = body.get("value") if isinstance(body.get("value"), list) else [body]
    for item in items or ():
        if not isinstance(item, Mapping):
            raise InputError(f"expected a Graph object, got {type(item).__name__}", field="value")
        yield _kind_of(item, context), item


def _kind_of(item: Mapping[str, Any], context: str) -> str:
    if "serviceAnnouncement/healthOverviews" in context:
        return OVERVIEWS
    if "serviceAnnouncement/issues" in context:
        return ISSUES
    if "serviceAnnouncement/messages" in context or "body" in item:
        return "messages"
    return ISSUES if "title" in item or "posts" in item else OVERVIEWS


def _strip_context(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k != "@odata.context"}


def _raw_list(entry: Mapping[str, Any], key: str, path: str) -> list[Any]:
    value = entry.get(key, [])
    if value is None:
        return []
    if not isinstance(value, list):
        raise InputError(f"expected a list, got {type(value).__name__}", field=f"{path}.{key}")
    return value


def _dedupe(issues: list[HealthIssue]) -> list[HealthIssue]:
    seen: dict[str, HealthIssue] = {}
    for issue in issues:
        seen.setdefault(issue.id, issue)
    return list(seen.values())
