"""The one HTTP layer every client uses (Graph and Partner Center), sync and async.

:func:`send` / :func:`asend` re-send the *same* ``httpx.Request`` on retry, so headers such as
``MS-RequestId`` stay identical (Partner Center's idempotency key: a retried write is never a
second write). They retry 429/5xx (honouring ``Retry-After`` in seconds or as an HTTP date),
timeouts and connection resets, with capped exponential backoff and jitter; other 4xx fail at
once. Failures become the caller's :class:`~escalation_kit.errors.ApiError` subclass carrying
status, service error code, request id and URL; a 429 that outlives the retries has
``throttled`` set.

Logs (logger ``escalation_kit.http``) name method, URL with secret query values masked, status,
attempt and delay; never headers, bodies or tokens. :func:`redact` scrubs token-like values,
and the exact tokens sent (an opaque token echoed by a server), from any text before it
reaches a log line or an exception message.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import httpx

from escalation_kit.errors import ApiError
from escalation_kit.pacing import Pacer
from escalation_kit.redaction import redact, remember_secret

__all__ = [
    "USER_AGENT",
    "RetryPolicy",
    "asend",
    "error_from_response",
    "json_body",
    "json_body_member",
    "redact",
    "request_id_of",
    "retry_delay",
    "safe_url",
    "send",
]

logger = logging.getLogger("escalation_kit.http")

USER_AGENT = "escalation-kit/0.1"

_REQUEST_ID_HEADERS = ("request-id", "client-request-id", "MS-CorrelationId", "MS-RequestId")
_RETRYABLE_TRANSPORT = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)
_SECRET_PARAM = re.compile(r"token|secret|password|assertion|signature|^sig$|^code$|key", re.I)
_BODY_SNIPPET = 300
_TRANSPORT_HINTS: dict[type[Exception], str] = {
    httpx.ReadError: "the connection was reset or closed by the server",
    httpx.WriteError: "the connection was reset or closed by the server",
    httpx.RemoteProtocolError: "the server closed the connection mid-response",
    httpx.ConnectError: "could not connect",
    httpx.ReadTimeout: "no answer in time",
    httpx.ConnectTimeout: "could not connect in time",
}


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry a request."""

    max_retries: int = 5  # retries after the first attempt
    base_delay: float = 0.5  # exponential backoff base (s)
    max_delay: float = 60.0  # cap for backoff and for honouring Retry-After
    jitter: float = 0.2  # +/- fraction
    retry_statuses: frozenset[int] = frozenset({429, 500, 502, 503, 504})
    timeout_retries: bool = (
        True  # retry httpx.TimeoutException / connection resets (TransportError)
    )


def safe_url(url: httpx.URL | str) -> str:
    """The URL with secret-looking query values masked (for logs and error messages)."""
    parts = urlsplit(str(url))
    if not parts.query:
        return str(url)
    pieces = []
    for piece in parts.query.split("&"):
        key, sep, _ = piece.partition("=")
        pieces.append(f"{key}{sep}***" if sep and _SECRET_PARAM.search(unquote(key)) else piece)
    return redact(urlunsplit(parts._replace(query="&".join(pieces))))


def retry_delay(
    response: httpx.Response | None,
    attempt: int,
    policy: RetryPolicy,
    *,
    now: datetime | None = None,
) -> float:
    """Seconds to wait before retry ``attempt`` (0-based).

    ``Retry-After`` (seconds or an HTTP date) wins when present; otherwise capped exponential
    backoff with +/- ``jitter``. Never negative, never above ``policy.max_delay``.
    """
    advised = _retry_after(response, now=now) if response is not None else None
    if advised is not None:
        return min(max(advised, 0.0), policy.max_delay)
    backoff = min(policy.max_delay, policy.base_delay * (2**attempt))
    spread = backoff * policy.jitter
    return min(policy.max_delay, max(0.0, backoff + random.uniform(-spread, spread)))


def _retry_after(response: httpx.Response, *, now: datetime | None) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return (when - (now or datetime.now(UTC))).total_seconds()


def request_id_of(response: httpx.Response, body: object = None) -> str | None:
    """The id to quote to Microsoft: ``request-id``-like headers, else the body's innerError."""
    for name in _REQUEST_ID_HEADERS[:2]:
        if response.headers.get(name):
            return response.headers[name]
    inner = _graph_inner_error(body)
    if inner.get("request-id"):
        return str(inner["request-id"])
    for name in _REQUEST_ID_HEADERS[2:]:
        if response.headers.get(name):
            return response.headers[name]
    return None


def error_from_response(response: httpx.Response, *, error: type[ApiError]) -> ApiError:
    """Build the error for a failed response from Graph's, Partner Center's or any other body.

    Never raises on unexpected shapes. A final 429 is an ``error`` whose ``throttled`` is true.
    """
    body = _decoded_or_none(response)
    code, message = _code_and_message(body)
    if message is None:
        message = _snippet(response) or response.reason_phrase or "no details"
    request_id = request_id_of(response, body)
    request = response.request
    url = safe_url(request.url)
    text = f"{request.method} {url} failed with HTTP {response.status_code}"
    if code:
        text += f" ({code})"
    text += f": {message}"
    if hint := _HINTS.get(response.status_code):
        text += f" — {hint}"
    if request_id:
        text += f" [request-id {request_id}]"
    return error(
        redact(text),
        status_code=response.status_code,
        code=code,
        request_id=request_id,
        url=url,
    )


_HINTS = {
    401: "the token was refused; sign in again or check the app registration",
    403: "access denied; the app needs consent in that tenant (or a GDAP role) for this API",
    429: "still throttled after every retry; try again later or lower the concurrency",
}


def _code_and_message(body: object) -> tuple[str | None, str | None]:
    if not isinstance(body, dict):
        return None, None
    graph = body.get("error")
    if isinstance(graph, dict):
        return _str_or_none(graph.get("code")), _str_or_none(graph.get("message"))
    if isinstance(graph, str):  # OAuth style: {"error": "...", "error_description": "..."}
        return graph, _str_or_none(body.get("error_description"))
    if "code" in body or "description" in body:  # Partner Center
        return _str_or_none(body.get("code")), _str_or_none(body.get("description"))
    if "message" in body:  # Partner Center 429: {"statusCode": 429, "message": "..."}
        return _str_or_none(body.get("statusCode")), _str_or_none(body.get("message"))
    return None, None


def _graph_inner_error(body: object) -> dict[str, Any]:
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        inner = body["error"].get("innerError") or body["error"].get("innererror")
        if isinstance(inner, dict):
            return inner
    return {}


def _str_or_none(value: object) -> str | None:
    return None if value is None or isinstance(value, dict | list) else str(value)


def _decoded_or_none(response: httpx.Response) -> Any:
    try:
        return json.loads(response.content)
    except (ValueError, UnicodeDecodeError, httpx.ResponseNotRead):
        return None


def _snippet(response: httpx.Response) -> str:
    try:
        text = response.text
    except (httpx.ResponseNotRead, UnicodeDecodeError, LookupError):
        return ""
    text = " ".join(text.split())
    return text[:_BODY_SNIPPET] + ("…" if len(text) > _BODY_SNIPPET else "")


def json_body(response: httpx.Response, *, error: type[ApiError]) -> Any:
    """The decoded JSON body; an empty, truncated or malformed body raises ``error``."""
    content = response.content
    try:
        return json.loads(content)
    except (ValueError, UnicodeDecodeError) as exc:
        detail = (
            f"{exc.msg} at character {exc.pos}" if isinstance(exc, json.JSONDecodeError) else exc
        )
        raise error(
            f"{response.request.method} {safe_url(response.request.url)} returned a truncated or "
            f"malformed JSON body ({len(content)} bytes, HTTP {response.status_code}): {detail}",
            status_code=response.status_code,
            code="malformedBody",
            request_id=request_id_of(response),
            url=safe_url(response.request.url),
        ) from exc


_DECODER = json.JSONDecoder()
_SPACE = re.compile(r"[ \t\n\r]*")


def json_body_member(
    response: httpx.Response, member: str, *, error: type[ApiError]
) -> tuple[Any, str | None]:
    """:func:`json_body` and, when the body is a JSON object with ``member``, that member's
    JSON text exactly as received (to store it without encoding it again), else ``None``.

    The object's members are decoded one by one with :mod:`json`'s own scanner, which gives
    where each ends; a body this walk does not take (not UTF-8, a BOM, not an object, any
    irregularity) is decoded by :func:`json_body`, which also words the errors."""
    try:
        text = response.content.decode("utf-8")
        walked = _object_members(text)
    except ValueError:  # UnicodeDecodeError and JSONDecodeError included
        walked = None
    if walked is None:
        return json_body(response, error=error), None
    body, spans = walked
    span = spans.get(member)
    return body, None if span is None else text[span[0] : span[1]]


def _skip(text: str, at: int) -> int:
    """Past the JSON whitespace at ``at``."""
    match = _SPACE.match(text, at)
    return at if match is None else match.end()


def _object_members(text: str) -> tuple[dict[str, Any], dict[str, tuple[int, int]]] | None:
    """A JSON object's decoded members and where each member's value lies in ``text`` (the
    last of duplicate names wins, as with ``json.loads``); ``None`` for anything else."""
    at = _skip(text, 0)
    if text[at : at + 1] != "{":
        return None
    body: dict[str, Any] = {}
    spans: dict[str, tuple[int, int]] = {}
    at = _skip(text, at + 1)
    if text[at : at + 1] == "}":
        at += 1
    else:
        while True:
            if text[at : at + 1] != '"':
                return None
            name, at = _DECODER.raw_decode(text, at)
            at = _skip(text, at)
            if text[at : at + 1] != ":":
                return None
            start = _skip(text, at + 1)
            body[name], at = _DECODER.raw_decode(text, start)
            spans[name] = (start, at)
            at = _skip(text, at)
            if text[at : at + 1] == ",":
                at = _skip(text, at + 1)
            elif text[at : at + 1] == "}":
                at += 1
                break
            else:
                return None
    return (body, spans) if _skip(text, at) == len(text) else None


def send(
    client: httpx.Client,
    request: httpx.Request,
    *,
    policy: RetryPolicy,
    error: type[ApiError],
    sleep: Callable[[float], None] = time.sleep,
) -> httpx.Response:
    """Send ``request`` (the same object on every retry); return the first successful response."""
    _remember_token(request)
    attempt = 0
    while True:
        try:
            response = client.send(request)
        except httpx.RequestError as exc:
            delay = _after_transport_error(request, exc, attempt, policy, error)
        else:
            retry_in = _after_response(response, attempt, policy, error)
            if retry_in is None:
                return response
            response.close()
            delay = retry_in
        sleep(delay)
        attempt += 1


async def asend(
    client: httpx.AsyncClient,
    request: httpx.Request,
    *,
    policy: RetryPolicy,
    error: type[ApiError],
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    pacer: Pacer | None = None,
    tenant: str = "",
) -> httpx.Response:
    """The async twin of :func:`send`.

    With a ``pacer``, every attempt waits for its turn (adaptive concurrency, ``tenant``'s
    request budget) and reports its status back, so throttling slows the whole fan-out down.
    """
    _remember_token(request)
    attempt = 0
    while True:
        if pacer is not None:
            await pacer.acquire(tenant)
        try:
            response = await client.send(request)
        except asyncio.CancelledError:
            if pacer is not None:
                pacer.release(tenant, None)
            raise
        except httpx.RequestError as exc:
            if pacer is not None:
                pacer.release(tenant, None)
            delay = _after_transport_error(request, exc, attempt, policy, error)
        else:
            if pacer is not None:
                advised = _retry_after(response, now=None) if response.status_code >= 400 else None
                pacer.release(tenant, response.status_code, advised)
            retry_in = _after_response(response, attempt, policy, error)
            if retry_in is None:
                return response
            await response.aclose()
            delay = retry_in
        await sleep(delay)
        attempt += 1


def _remember_token(request: httpx.Request) -> None:
    """The bearer token sent is masked in every message from now on (a server may echo it)."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        remember_secret(token.strip())


def _after_response(
    response: httpx.Response, attempt: int, policy: RetryPolicy, error: type[ApiError]
) -> float | None:
    """None when the response is final and good; a delay to retry; or raise the final error."""
    request = response.request
    status = response.status_code
    if status < 400:
        logger.debug(
            "%s %s -> %s (attempt %d)", request.method, safe_url(request.url), status, attempt + 1
        )
        return None
    if status not in policy.retry_statuses or attempt >= policy.max_retries:
        raise error_from_response(response, error=error)
    delay = retry_delay(response, attempt, policy)
    logger.info(
        "%s %s -> %s (attempt %d of %d), retrying in %.2fs",
        request.method,
        safe_url(request.url),
        status,
        attempt + 1,
        policy.max_retries + 1,
        delay,
    )
    return delay


def _describe(exc: httpx.RequestError) -> str:
    return redact(str(exc)) or _TRANSPORT_HINTS.get(type(exc), "no details")


def _after_transport_error(
    request: httpx.Request,
    exc: httpx.RequestError,
    attempt: int,
    policy: RetryPolicy,
    error: type[ApiError],
) -> float:
    """A delay to retry a timeout or reset, or raise ``error`` naming what happened."""
    url = safe_url(request.url)
    kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "failed"
    retryable = policy.timeout_retries and isinstance(exc, _RETRYABLE_TRANSPORT)
    if not retryable or attempt >= policy.max_retries:
        tries = attempt + 1
        raise error(
            f"{request.method} {url} {kind} after {tries} attempt{'s' * (tries > 1)}: "
            f"{type(exc).__name__}: {_describe(exc)}",
            code=type(exc).__name__,
            url=url,
        ) from exc
    delay = retry_delay(None, attempt, policy)
    logger.info(
        "%s %s %s (%s, attempt %d of %d), retrying in %.2fs",
        request.method,
        url,
        kind,
        type(exc).__name__,
        attempt + 1,
        policy.max_retries + 1,
        delay,
    )
    return delay
