"""Microsoft Graph service communications routes, as the real v1.0 API serves them.

Paths under ``/v1.0/admin/serviceAnnouncement/``: ``issues``, ``issues/{id}``,
``issues/{id}/incidentReport``, ``healthOverviews`` (+ ``$expand=issues``),
``healthOverviews/{serviceName or id}``, ``messages``, ``messages/{id}``. The bearer token
``sandbox-<tenant>`` picks the tenant; objects are served verbatim from the snapshot.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from escalation_kit.errors import InputError
from escalation_kit.sandbox.odata import (
    FieldKind,
    check_query_options,
    compile_filter,
    next_link,
    order_items,
    page_request,
    page_slice,
    select_fields,
    wants_count,
)
from escalation_kit.sandbox.responses import graph_error
from escalation_kit.sandbox.router import Router, SandboxRequest, SandboxResponse
from escalation_kit.sandbox.state import SandboxState

__all__ = ["GRAPH_PREFIX", "register"]

GRAPH_PREFIX = "/v1.0/admin/serviceAnnouncement"
_SEGMENT = r"(?P<key>[^/]+)"

_ANNOUNCEMENT_FIELDS = {
    "id": FieldKind.TEXT,
    "title": FieldKind.TEXT,
    "startDateTime": FieldKind.DATETIME,
    "endDateTime": FieldKind.DATETIME,
    "lastModifiedDateTime": FieldKind.DATETIME,
}
ISSUE_FIELDS = {
    **_ANNOUNCEMENT_FIELDS,
    "service": FieldKind.TEXT,
    "feature": FieldKind.TEXT,
    "featureGroup": FieldKind.TEXT,
    "classification": FieldKind.ENUM,
    "origin": FieldKind.ENUM,
    "status": FieldKind.ENUM,
    "isResolved": FieldKind.BOOL,
}
OVERVIEW_FIELDS = {"id": FieldKind.TEXT, "service": FieldKind.TEXT, "status": FieldKind.ENUM}
MESSAGE_FIELDS = {
    **_ANNOUNCEMENT_FIELDS,
    "category": FieldKind.ENUM,
    "severity": FieldKind.ENUM,
    "isMajorChange": FieldKind.BOOL,
}

TenantData = dict[str, list[dict[str, Any]]]
TenantHandler = Callable[[SandboxRequest, TenantData], SandboxResponse]


def register(router: Router, state: SandboxState) -> None:
    """Add the Graph service-communications routes to ``router``."""

    def route(suffix: str, handler: TenantHandler) -> None:
        router.add("GET", GRAPH_PREFIX + suffix, _authorised(state, handler))

    route("/issues", _list_issues)
    route(f"/issues/{_SEGMENT}", _get_issue)
    route(f"/issues/{_SEGMENT}/incidentReport", _incident_report)
    route("/healthOverviews", _list_overviews)
    route(f"/healthOverviews/{_SEGMENT}", _get_overview)
    route("/messages", _list_messages)
    route(f"/messages/{_SEGMENT}", _get_message)


def _authorised(
    state: SandboxState, handler: TenantHandler
) -> Callable[[SandboxRequest], SandboxResponse]:
    """Resolve the token's tenant: 401 without a sandbox token, 403 for an unknown tenant."""

    def wrapped(req: SandboxRequest) -> SandboxResponse:
        if req.tenant is None:
            message = (
                "Access token is empty."
                if "Authorization" not in req.headers
                else "Invalid authentication token: use 'Bearer sandbox-<tenant_id>'."
            )
            return graph_error(
                req, 401, "InvalidAuthenticationToken", message, {"WWW-Authenticate": "Bearer"}
            )
        data = state.tenant(req.tenant)
        if data is None:
            message = (
                f"Access denied for tenant {req.tenant}: the application has no consent there "
                "(the tenant is not in the sandbox snapshot)."
            )
            return graph_error(req, 403, "accessDenied", message)
        return handler(req, data)

    return wrapped


def _context(req: SandboxRequest, fragment: str) -> str:
    return f"{req.base_url}/v1.0/$metadata#admin/serviceAnnouncement/{fragment}"


def _collection(
    req: SandboxRequest,
    items: list[dict[str, Any]],
    fields: Mapping[str, FieldKind],
    context: str,
) -> SandboxResponse:
    """Filter, order, page and select ``items`` the way Graph collections do."""
    check_query_options(req.query)
    predicate = compile_filter(req.query.get("$filter"), fields)
    page = page_request(req)
    matching = order_items([i for i in items if predicate(i)], req.query.get("$orderby"), fields)
    value, more = page_slice(matching, page)
    body: dict[str, Any] = {"@odata.context": context}
    if wants_count(req.query):
        body["@odata.count"] = len(matching)
    if more:
        body["@odata.nextLink"] = next_link(
            req, page.skip if req.next_link_loop else page.skip + page.size
        )
    body["value"] = [select_fields(i, req.query.get("$select")) for i in value]
    headers = {"Preference-Applied": page.preference_applied} if page.preference_applied else {}
    return SandboxResponse(200, body, headers)


def _entity(req: SandboxRequest, item: Mapping[str, Any], fragment: str) -> SandboxResponse:
    check_query_options(req.query)
    selected = select_fields(item, req.query.get("$select"))
    return SandboxResponse(200, {"@odata.context": _context(req, fragment), **selected})


def _not_found(req: SandboxRequest, what: str) -> SandboxResponse:
    return graph_error(req, 404, "itemNotFound", f"{what} was not found for tenant {req.tenant}.")


def _find(items: list[dict[str, Any]], key: str) -> dict[str, Any] | None:
    return next((i for i in items if i.get("id") == key), None)


def _list_issues(req: SandboxRequest, data: TenantData) -> SandboxResponse:
    return _collection(req, data["issues"], ISSUE_FIELDS, _context(req, "issues"))


def _get_one(req: SandboxRequest, items: list[dict[str, Any]], what: str) -> SandboxResponse:
    """One item of a collection by the ``key`` in the path, or Graph's 404."""
    key = req.path_params["key"]
    item = _find(items, key)
    if item is None:
        return _not_found(req, f"{what.capitalize().removesuffix('s')} {key}")
    return _entity(req, item, f"{what}/$entity")


def _get_issue(req: SandboxRequest, data: TenantData) -> SandboxResponse:
    return _get_one(req, data["issues"], "issues")


def _incident_report(req: SandboxRequest, data: TenantData) -> SandboxResponse:
    """The post-incident review as a file stream; only once the status says it is published."""
    key = req.path_params["key"]
    issue = _find(data["issues"], key)
    if issue is None:
        return _not_found(req, f"Issue {key}")
    if str(issue.get("status", "")).lower() != "postincidentreviewpublished":
        return _not_found(req, f"The post-incident report of {key}")
    text = f"Post-incident report for {key}: {issue.get('title', '')}\n"
    return SandboxResponse(200, text.encode(), {"Content-Type": "application/octet-stream"})


def _with_issues(overview: Mapping[str, Any], issues: list[dict[str, Any]]) -> dict[str, Any]:
    """The overview with its ``issues`` navigation filled: its own embedded issues (if the
    snapshot has them) plus the tenant's issues for the same service name."""
    embedded = list(overview.get("issues") or [])
    seen = {i.get("id") for i in embedded}
    extra = [
        i for i in issues if i.get("service") == overview.get("service") and i.get("id") not in seen
    ]
    return {**overview, "issues": embedded + extra}


def _overviews(req: SandboxRequest, data: TenantData) -> tuple[list[dict[str, Any]], bool]:
    expand = req.query.get("$expand", "").strip().lower()
    if expand not in ("", "issues"):
        raise InputError(f"unsupported $expand {expand!r}; only 'issues'", field="$expand")
    if expand:
        return [_with_issues(o, data["issues"]) for o in data["healthOverviews"]], True
    return [{k: v for k, v in o.items() if k != "issues"} for o in data["healthOverviews"]], False


def _list_overviews(req: SandboxRequest, data: TenantData) -> SandboxResponse:
    overviews, expanded = _overviews(req, data)
    fragment = "healthOverviews(issues())" if expanded else "healthOverviews"
    return _collection(req, overviews, OVERVIEW_FIELDS, _context(req, fragment))


def _get_overview(req: SandboxRequest, data: TenantData) -> SandboxResponse:
    """By service name (``Microsoft 365 suite``, URL-decoded) or by id (``OSDPPlatform``)."""
    key = req.path_params["key"]
    overviews, expanded = _overviews(req, data)
    found = next((o for o in overviews if o.get("service") == key), None)
    found = found or next((o for o in overviews if o.get("id") == key), None)
    if found is None:
        return _not_found(req, f"Service {key}")
    fragment = "healthOverviews(issues())/$entity" if expanded else "healthOverviews/$entity"
    return _entity(req, found, fragment)


def _list_messages(req: SandboxRequest, data: TenantData) -> SandboxResponse:
    return _collection(req, data["messages"], MESSAGE_FIELDS, _context(req, "messages"))


def _get_message(req: SandboxRequest, data: TenantData) -> SandboxResponse:
    return _get_one(req, data["messages"], "messages")
