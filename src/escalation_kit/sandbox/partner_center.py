"""Partner Center service-request routes, stateful, as the real ``/v1`` API serves them.

- ``GET /v1/customers/{tenant}/servicerequests``: a customer's requests, paged like Partner
  Center's seek-based collections (``links.next`` + ``MS-ContinuationToken`` header).
- ``GET /v1/servicerequests/{id}`` and ``PATCH /v1/servicerequests/{id}`` (``NewNote``,
  ``Status``; keys in any casing). A PATCH repeating an ``MS-RequestId`` is the same write:
  the first result is returned again and nothing is applied twice.

Emulator-only (never faulted): ``POST /_sandbox/partner-center/file`` files a request the way
a person does in the web UI; ``POST /_sandbox/partner-center/servicerequests/{id}/microsoft``
plays Microsoft's side (status change, note); ``POST /_sandbox/partner-center/config`` sets
``intEnums`` (answer severity/status as integers) and ``pageSize``;
``GET /_sandbox/partner-center/servicerequests`` lists every request. The functions at the
bottom call these endpoints from Python.
"""

from __future__ import annotations

import copy
import threading
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import httpx

from escalation_kit.errors import InputError
from escalation_kit.sandbox.responses import partner_center_error
from escalation_kit.sandbox.router import Router, SandboxRequest, SandboxResponse
from escalation_kit.sandbox.state import SandboxState

__all__ = [
    "PartnerCenterStore",
    "configure_partner_center",
    "file_service_request",
    "list_all_service_requests",
    "microsoft_update",
    "register",
]

STATE_KEY = "partner_center"
FIRST_ID = 618031500000001
DEFAULT_PAGE_SIZE = 50
SEVERITIES = ("unknown", "critical", "moderate", "minimal")
STATUSES = ("none", "open", "closed", "attention_needed")
UNSET_DATE = "0001-01-01T00:00:00"
_SR = r"(?P<sr>[^/]+)"


def _now() -> datetime:
    return datetime.now(UTC)


def _stamp(when: datetime, *, zulu: bool = True) -> str:
    text = when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
    return text + "Z" if zulu else text  # Partner Center's notes carry no offset


def _enum(raw: Any, values: tuple[str, ...], field: str) -> str:
    """A Partner Center enum from an int or a string in any casing."""
    if isinstance(raw, int) and not isinstance(raw, bool) and 0 <= raw < len(values):
        return values[raw]
    squashed = str(raw).replace("_", "").replace(" ", "").lower()
    for value in values:
        if value.replace("_", "") == squashed:
            return value
    raise InputError(f"{raw!r} is not one of {', '.join(values)}", field=field)


def _lower(data: Any) -> dict[str, Any]:
    return {str(k).lower(): v for k, v in data.items()} if isinstance(data, Mapping) else {}


class PartnerCenterStore:
    """The emulated Partner Center: requests by id, applied writes by MS-RequestId, paging."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.requests: dict[str, dict[str, Any]] = {}
            self.applied: dict[str, dict[str, Any]] = {}
            self.tokens: dict[str, tuple[str, int]] = {}
            self.next_id = FIRST_ID
            self.int_enums = False
            self.page_size = DEFAULT_PAGE_SIZE
            self.patches_applied = 0

    def file(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Create a request as a person would in the web UI; returns it."""
        fields = _lower(data)
        tenant = str(fields.get("customertenantid") or "").strip()
        title = str(fields.get("title") or "").strip()
        if not tenant or not title:
            raise InputError("customerTenantId and title are required", field="body")
        now = _now()
        with self.lock:
            sr_id = str(self.next_id)
            self.next_id += 1
            self.requests[sr_id] = {
                "id": sr_id,
                "title": title,
                "description": str(fields.get("description") or ""),
                "severity": _enum(fields.get("severity", "moderate"), SEVERITIES, "severity"),
                "status": "open",
                "supportTopicId": str(fields.get("supporttopicid") or "32444671"),
                "supportTopicName": str(fields.get("supporttopicname") or ""),
                "productName": str(fields.get("productname") or ""),
                "organization": {"id": tenant, "name": str(fields.get("customername") or "")},
                "countryCode": str(fields.get("countrycode") or ""),
                "createdDate": _stamp(now),
                "lastModifiedDate": _stamp(now),
                "lastClosedDate": UNSET_DATE,
                "notes": [],
                "attributes": {"objectType": "ServiceRequest"},
            }
            return self.view(sr_id)

    def view(self, sr_id: str) -> dict[str, Any]:
        """A copy of the request as the API returns it (integer enums when configured)."""
        with self.lock:
            sr = copy.deepcopy(self.requests[sr_id])
            if self.int_enums:
                sr["severity"] = SEVERITIES.index(sr["severity"])
                sr["status"] = STATUSES.index(sr["status"])
            return sr

    def change(self, sr_id: str, *, status: Any = None, note: str = "", by: str = "") -> None:
        """Apply a status change and/or a note (the caller holds the lock)."""
        sr = self.requests[sr_id]
        now = _now()
        if status is not None:
            value = _enum(status, STATUSES, "Status")
            if value != "none":  # the SDK sends "none" for "unchanged"
                sr["status"] = value
                sr["lastClosedDate"] = _stamp(now) if value == "closed" else sr["lastClosedDate"]
        if note:
            sr["notes"].append(
                {"createdByName": by, "createdDate": _stamp(now, zulu=False), "text": note}
            )
        sr["lastModifiedDate"] = _stamp(now)

    def page(self, tenant: str, offset: int, size: int) -> tuple[list[dict[str, Any]], str | None]:
        """One page of a customer's requests and the continuation token for the next."""
        with self.lock:
            ids = [i for i, sr in self.requests.items() if sr["organization"]["id"] == tenant]
            items = [self.view(i) for i in ids[offset : offset + size]]
            token = None
            if offset + size < len(ids):
                token = uuid.uuid4().hex
                self.tokens[token] = (tenant, offset + size)
            return items, token


def _store(state: SandboxState) -> PartnerCenterStore:
    with state.lock:
        store = state.extra.get(STATE_KEY)
        if store is None:
            store = state.extra[STATE_KEY] = PartnerCenterStore()
            state.add_reset_hook(store.reset)
        return store


def register(router: Router, state: SandboxState) -> None:
    """Add the Partner Center routes (and the emulator's admin routes) to ``router``."""
    store = _store(state)
    router.add(
        "GET",
        r"/v1/customers/(?P<tenant>[^/]+)/servicerequests",
        _authorised(lambda req: _list(store, req)),
    )
    router.add("GET", rf"/v1/servicerequests/{_SR}", _authorised(lambda req: _get(store, req)))
    router.add("PATCH", rf"/v1/servicerequests/{_SR}", _authorised(lambda req: _patch(store, req)))
    admin = "/_sandbox/partner-center"
    router.add("POST", f"{admin}/file", lambda req: _admin(req, lambda: store.file(req.json())))
    router.add(
        "POST", rf"{admin}/servicerequests/{_SR}/microsoft", lambda req: _microsoft(store, req)
    )
    router.add("POST", f"{admin}/config", lambda req: _admin(req, lambda: _configure(store, req)))
    router.add(
        "GET",
        f"{admin}/servicerequests",
        lambda req: SandboxResponse(200, [store.view(i) for i in list(store.requests)]),
    )


def _authorised(
    handler: Callable[[SandboxRequest], SandboxResponse],
) -> Callable[[SandboxRequest], SandboxResponse]:
    """Partner Center calls are the partner's own: any sandbox token will do, none is 401."""

    def wrapped(req: SandboxRequest) -> SandboxResponse:
        if req.tenant is None:
            return partner_center_error(
                req,
                401,
                401,
                "Authorization: Bearer sandbox-<tenant> token required",
                {"WWW-Authenticate": "Bearer"},
            )
        return handler(req)

    return wrapped


def _admin(req: SandboxRequest, action: Callable[[], Any]) -> SandboxResponse:
    try:
        return SandboxResponse(200, action())
    except InputError as exc:
        return partner_center_error(req, 400, 400, str(exc))


def _configure(store: PartnerCenterStore, req: SandboxRequest) -> dict[str, Any]:
    data = _lower(req.json())
    with store.lock:
        if "intenums" in data:
            store.int_enums = bool(data["intenums"])
        if "pagesize" in data:
            size = data["pagesize"]
            if not isinstance(size, int) or size < 1:
                raise InputError("pageSize must be a positive integer", field="pageSize")
            store.page_size = size
        return {"intEnums": store.int_enums, "pageSize": store.page_size}


def _list(store: PartnerCenterStore, req: SandboxRequest) -> SandboxResponse:
    tenant = req.path_params["tenant"]
    offset = 0
    if req.query.get("seekOperation", "").lower() == "next":
        token = req.headers.get("MS-ContinuationToken", "")
        with store.lock:
            found = store.tokens.get(token)
        if found is None or found[0] != tenant:
            return partner_center_error(req, 400, 400, "invalid or expired continuation token")
        offset = found[1]
    size = int(req.query["size"]) if req.query.get("size", "").isdigit() else store.page_size
    items, next_token = store.page(tenant, offset, max(size, 1))
    path = f"/v1/customers/{tenant}/servicerequests"
    body: dict[str, Any] = {
        "totalCount": len(items),
        "items": items,
        "links": {"self": {"uri": path, "method": "GET", "headers": []}},
        "attributes": {"objectType": "Collection"},
    }
    if next_token is not None:
        body["continuationToken"] = next_token
        body["links"]["next"] = {
            "uri": f"{path}?seekOperation=Next",
            "method": "GET",
            "headers": [{"key": "MS-ContinuationToken", "value": next_token}],
        }
    return SandboxResponse(200, body)


def _not_found(req: SandboxRequest) -> SandboxResponse:
    return partner_center_error(
        req, 404, 60012, f"Service request {req.path_params['sr']} was not found"
    )


def _get(store: PartnerCenterStore, req: SandboxRequest) -> SandboxResponse:
    with store.lock:
        if req.path_params["sr"] not in store.requests:
            return _not_found(req)
        return SandboxResponse(200, store.view(req.path_params["sr"]))


def _patch(store: PartnerCenterStore, req: SandboxRequest) -> SandboxResponse:
    sr_id = req.path_params["sr"]
    request_id = req.headers.get("MS-RequestId", "")
    try:
        data = _lower(req.json())
        note = str(_lower(data.get("newnote")).get("text") or "").strip()
        status = data.get("status")
        if status is not None:
            _enum(status, STATUSES, "Status")
    except InputError as exc:
        return partner_center_error(req, 400, 400, str(exc))
    with store.lock:
        if request_id and request_id in store.applied:
            return SandboxResponse(200, copy.deepcopy(store.applied[request_id]))
        if sr_id not in store.requests:
            return _not_found(req)
        store.change(sr_id, status=status, note=note, by="Partner")
        store.patches_applied += 1
        result = store.view(sr_id)
        if request_id:
            store.applied[request_id] = copy.deepcopy(result)
        return SandboxResponse(200, result)


def _microsoft(store: PartnerCenterStore, req: SandboxRequest) -> SandboxResponse:
    def act() -> dict[str, Any]:
        data = _lower(req.json())
        with store.lock:
            if req.path_params["sr"] not in store.requests:
                raise InputError(f"no service request {req.path_params['sr']}", field="id")
            store.change(
                req.path_params["sr"],
                status=data.get("status"),
                note=str(data.get("note") or ""),
                by=str(data.get("by") or "Microsoft Support"),
            )
            return store.view(req.path_params["sr"])

    return _admin(req, act)


# -- Python helpers for tests, demos and training ------------------------------------------


def _post(base_url: str, path: str, body: Mapping[str, Any]) -> Any:
    response = httpx.post(base_url.rstrip("/") + path, json=dict(body), timeout=10.0)
    if response.status_code != 200:
        raise InputError(f"sandbox refused {path}: {response.text}")
    return response.json()


def file_service_request(
    base_url: str,
    *,
    customer_tenant_id: str,
    title: str,
    description: str = "",
    severity: str = "moderate",
    **extra: Any,
) -> dict[str, Any]:
    """File a request in the emulator as a person would in the web UI; returns it."""
    body = {
        "customerTenantId": customer_tenant_id,
        "title": title,
        "description": description,
        "severity": severity,
        **extra,
    }
    return dict(_post(base_url, "/_sandbox/partner-center/file", body))


def microsoft_update(
    base_url: str, sr_id: str, *, status: str | None = None, note: str = "", by: str = ""
) -> dict[str, Any]:
    """Play Microsoft: change a request's status and/or add a note."""
    body: dict[str, Any] = {"status": status, "note": note}
    if by:
        body["by"] = by
    return dict(
        _post(base_url, f"/_sandbox/partner-center/servicerequests/{sr_id}/microsoft", body)
    )


def configure_partner_center(
    base_url: str, *, int_enums: bool | None = None, page_size: int | None = None
) -> dict[str, Any]:
    """Switch integer enums on/off and set the page size of request lists."""
    body: dict[str, Any] = {}
    if int_enums is not None:
        body["intEnums"] = int_enums
    if page_size is not None:
        body["pageSize"] = page_size
    return dict(_post(base_url, "/_sandbox/partner-center/config", body))


def list_all_service_requests(base_url: str) -> list[dict[str, Any]]:
    """Every request the emulator holds (for assertions)."""
    response = httpx.get(
        base_url.rstrip("/") + "/_sandbox/partner-center/servicerequests", timeout=10.0
    )
    if response.status_code != 200:
        raise InputError(f"sandbox refused the request list: {response.text}")
    return list(response.json())
