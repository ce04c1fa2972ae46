"""Error bodies shaped like the real APIs: Graph for ``/v1.0/...``, Partner Center for ``/v1/...``.

Clients branch on these shapes (Graph ``error.code``; Partner Center ``code``/``description``
and its special 429 body), so the emulator must produce the same ones, including for injected
faults.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import formatdate
from http import HTTPStatus
from typing import Any

from escalation_kit.sandbox.router import SandboxRequest, SandboxResponse

__all__ = [
    "error_for",
    "graph_error",
    "is_partner_center",
    "partner_center_error",
    "retry_after_value",
    "throttled",
]

PARTNER_CENTER_PREFIX = "/v1/"


def is_partner_center(path: str) -> bool:
    """Whether ``path`` belongs to the Partner Center API (``/v1/...``) rather than Graph."""
    return path.startswith(PARTNER_CENTER_PREFIX)


def graph_error(
    req: SandboxRequest,
    status: int,
    code: str,
    message: str,
    headers: dict[str, str] | None = None,
) -> SandboxResponse:
    """A Graph error: ``{"error": {"code", "message", "innerError": {...}}}``."""
    body = {
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                "request-id": req.request_id,
                "client-request-id": req.client_request_id,
            },
        }
    }
    return SandboxResponse(status, body, headers or {})


def partner_center_error(
    req: SandboxRequest,
    status: int,
    code: int | str,
    description: str,
    headers: dict[str, str] | None = None,
) -> SandboxResponse:
    """A Partner Center error: ``{"code", "description", "data": [], "source": "PartnerFD"}``."""
    body: dict[str, Any] = {
        "code": code,
        "description": description[:1024],
        "data": [],
        "source": "PartnerFD",
    }
    return SandboxResponse(status, body, headers or {})


_GRAPH_CODES = {
    400: "BadRequest",
    401: "InvalidAuthenticationToken",
    403: "accessDenied",
    404: "itemNotFound",
    405: "MethodNotAllowed",
    413: "RequestEntityTooLarge",
    500: "generalException",
    502: "BadGateway",
    503: "serviceNotAvailable",
    504: "GatewayTimeout",
}


def error_for(
    req: SandboxRequest, status: int, message: str, headers: dict[str, str] | None = None
) -> SandboxResponse:
    """An error in the shape of the API that ``req.path`` belongs to."""
    if is_partner_center(req.path):
        return partner_center_error(req, status, status, message, headers)
    code = _GRAPH_CODES.get(status, HTTPStatus(status).phrase.replace(" ", ""))
    return graph_error(req, status, code, message, headers)


def retry_after_value(seconds: int, *, http_date: bool) -> str:
    """A ``Retry-After`` value: delta-seconds, or the HTTP-date that many seconds from now."""
    if http_date:
        return formatdate(datetime.now(UTC).timestamp() + seconds, usegmt=True)
    return str(seconds)


def throttled(req: SandboxRequest, seconds: int, *, http_date: bool) -> SandboxResponse:
    """429 with Retry-After and the API's throttling body."""
    headers = {"Retry-After": retry_after_value(seconds, http_date=http_date)}
    if is_partner_center(req.path):
        body: Any = {
            "statusCode": 429,
            "message": f"Rate limit is exceeded. Try again in {seconds} seconds.",
        }
        return SandboxResponse(429, body, headers)
    message = "The request has been throttled. Retry after the time in the Retry-After header."
    return graph_error(req, 429, "activityLimitReached", message, headers)
