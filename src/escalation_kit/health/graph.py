"""Microsoft Graph service-health client (asyncio, with a synchronous wrapper) for customer tenants.

Every request carries a token issued by the customer's own tenant (the ``TokenProvider`` is asked
per tenant) and goes through :mod:`escalation_kit.http` for retries and error translation.
Collections are paged by following ``@odata.nextLink`` verbatim until it is absent; a link seen
twice (a loop) or pointing at another host (the token must not leave Graph) is a
:class:`~escalation_kit.errors.HealthLookupError`.
"""

from __future__ import annotations

import asyncio
import random
import threading
import uuid
from collections.abc import Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

from escalation_kit.auth import StaticTokenProvider, TokenProvider, graph_scopes
from escalation_kit.closing import ClosesOnExit
from escalation_kit.config import DEFAULT_GRAPH_URL, DEFAULT_TIMEOUT
from escalation_kit.errors import HealthLookupError, InputError
from escalation_kit.health.parse import ServiceHealth, parse_issue, parse_overview
from escalation_kit.health.snapshot import format_datetime
from escalation_kit.http import (
    USER_AGENT,
    RetryPolicy,
    asend,
    json_body_member,
    retry_delay,
    safe_url,
)
from escalation_kit.models import HealthIssue
from escalation_kit.pacing import Pacer
from escalation_kit.transport import PooledClient

__all__ = [
    "ANNOUNCEMENT_PATH",
    "AsyncGraphHealthClient",
    "GraphHealthClient",
    "TenantHealth",
]

ANNOUNCEMENT_PATH = "/v1.0/admin/serviceAnnouncement"
T = TypeVar("T")
MAX_PAGES = 10_000  # a runaway server that keeps inventing new links stops here


@dataclass(frozen=True, slots=True)
class TenantHealth:
    """One tenant's service health as Graph returned it: raw objects, for the snapshot."""

    tenant_id: str
    overviews: list[dict[str, Any]] = field(default_factory=list)
    issues: list[dict[str, Any]] = field(default_factory=list)
    requests: int = 0
    overviews_json: str | None = field(default=None, repr=False, compare=False)
    """``overviews`` as the JSON text Graph sent (one page), or ``None``."""
    issues_json: str | None = field(default=None, repr=False, compare=False)
    """``issues`` as the JSON text Graph sent (one page), or ``None``."""


class _GraphBase:
    """What both clients share: URLs, headers, paging checks, parsing."""

    def __init__(self, base_url: str, tokens: TokenProvider, policy: RetryPolicy | None) -> None:
        self.base_url = base_url.rstrip("/")
        self.tokens = tokens
        self.policy = policy or RetryPolicy()
        host = httpx.URL(self.base_url).host
        loopback = host in ("127.0.0.1", "localhost", "::1")
        self.scopes: Sequence[str] = graph_scopes(DEFAULT_GRAPH_URL if loopback else self.base_url)
        self._origin = httpx.URL(self.base_url).copy_with(path="/", query=None)
        self._overviews_url = self._url("healthOverviews")
        self._issues_url = self._url("issues")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    def _headers(self, token: str, page_size: int | None = None) -> dict[str, str]:
        headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
            "client-request-id": _request_id(),
        }
        if page_size is not None:
            headers["Prefer"] = f"odata.maxpagesize={page_size}"
        return headers

    def _url(self, suffix: str) -> str:
        return f"{self.base_url}{ANNOUNCEMENT_PATH}/{suffix}"

    def _issues_params(self, modified_since: datetime | None) -> dict[str, str]:
        if modified_since is None:
            return {}
        return {"$filter": f"lastModifiedDateTime ge {format_datetime(modified_since)}"}

    def _body_retry_delay(self, exc: HealthLookupError, attempt: int) -> float:
        """The wait before fetching a malformed body again, or the error once retries are spent."""
        if attempt >= self.policy.max_retries:
            raise HealthLookupError(
                f"{exc} (after {attempt + 1} attempts)",
                status_code=exc.status_code,
                code=exc.code,
                request_id=exc.request_id,
                url=exc.url,
            ) from exc
        return retry_delay(None, attempt, self.policy)

    def _page_values(self, response: httpx.Response, body: Any) -> tuple[list[Any], str | None]:
        """The ``value`` list and ``@odata.nextLink`` of a collection page."""
        if not isinstance(body, dict) or not isinstance(body.get("value"), list):
            raise _shape_error(response, "a collection with a 'value' list")
        link = body.get("@odata.nextLink")
        if link is not None and not isinstance(link, str):
            raise _shape_error(response, "'@odata.nextLink' as a string")
        return body["value"], link

    def _entity(self, response: httpx.Response, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise _shape_error(response, "a JSON object")
        return {k: v for k, v in body.items() if k != "@odata.context"}

    def _next_url(self, link: str, seen: set[str], response: httpx.Response) -> str:
        """The nextLink to follow (made absolute); refuses a loop, a runaway pager or a link
        to another host (the bearer token must not leave Graph)."""
        where = safe_url(response.request.url)
        url = response.request.url.join(link)
        if str(url) in seen:
            raise HealthLookupError(
                f"paging loop: {where} returned a nextLink that was already followed "
                f"({safe_url(url)})",
                code="nextLinkLoop",
                url=safe_url(url),
            )
        if len(seen) >= MAX_PAGES:
            raise HealthLookupError(f"more than {MAX_PAGES} pages from {where}", url=where)
        if url.copy_with(path="/", query=None) != self._origin:
            raise HealthLookupError(
                f"{where} returned a nextLink to another host ({safe_url(url)}); not followed",
                code="foreignNextLink",
                url=where,
            )
        seen.add(str(url))
        return str(url)


def _request_id() -> str:
    """A random GUID for ``client-request-id`` (Microsoft's support correlates by it). Drawn
    from ``random``, not the OS: it names a request, it protects nothing."""
    return str(uuid.UUID(int=random.getrandbits(128), version=4))


def _shape_error(response: httpx.Response, expected: str) -> HealthLookupError:
    url = safe_url(response.request.url)
    return HealthLookupError(
        f"GET {url} returned an unexpected body: expected {expected}",
        status_code=response.status_code,
        code="unexpectedBody",
        url=url,
    )


def _issues(tenant_id: str, objects: Sequence[Any]) -> list[HealthIssue]:
    """Parse issue objects; one that does not parse is a lookup error, not an input error."""
    try:
        return [parse_issue(o, tenant_id, path=f"value[{i}]") for i, o in enumerate(objects)]
    except InputError as exc:
        raise _unparsable(exc) from exc


def _overviews(tenant_id: str, objects: Sequence[Any]) -> list[ServiceHealth]:
    try:
        return [parse_overview(o, tenant_id, path=f"value[{i}]") for i, o in enumerate(objects)]
    except InputError as exc:
        raise _unparsable(exc) from exc


def _unparsable(exc: InputError) -> HealthLookupError:
    return HealthLookupError(
        f"Graph returned an object that does not parse at {exc.field}: {exc.reason}",
        code="unexpectedBody",
    )


def _unwrap(outcomes: Sequence[T | BaseException]) -> list[T]:
    """The results of ``gather(..., return_exceptions=True)``, raising the first failure."""
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
    return [o for o in outcomes if not isinstance(o, BaseException)]


class GraphHealthClient(ClosesOnExit):
    """Synchronous Graph service-health client: a wrapper that runs
    :class:`AsyncGraphHealthClient` (the one implementation) on its own event loop thread.

    ``transport`` is an httpx transport you own (for tests: an ``httpx.MockTransport``); without
    it the client opens a pooled one, closed by :meth:`close` or the ``with`` block. Usable from
    scripts and from notebook cells (the loop runs in its own thread).
    """

    def __init__(
        self,
        base_url: str = DEFAULT_GRAPH_URL,
        tokens: TokenProvider | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        policy: RetryPolicy | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        if tokens is None:
            raise HealthLookupError("GraphHealthClient needs a token provider (tokens=...)")
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="escalation-kit-graph", daemon=True
        )
        self._thread.start()
        self._async = self._call(
            _open_async(base_url, tokens, transport=transport, policy=policy, timeout=timeout)
        )

    def _call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        if self._loop.is_closed():
            coroutine.close()
            raise HealthLookupError("the GraphHealthClient is closed")
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    @property
    def base_url(self) -> str:
        return self._async.base_url

    @property
    def scopes(self) -> Sequence[str]:
        return self._async.scopes

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    def close(self) -> None:
        if self._loop.is_closed():
            return
        self._call(self._async.aclose())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    def list_issues(
        self,
        tenant_id: str,
        *,
        modified_since: datetime | None = None,
        page_size: int | None = None,
    ) -> list[HealthIssue]:
        """Every issue of the tenant (with posts); only those changed since ``modified_since``."""
        return self._call(
            self._async.list_issues(tenant_id, modified_since=modified_since, page_size=page_size)
        )

    def get_issue(self, tenant_id: str, issue_id: str) -> HealthIssue:
        return self._call(self._async.get_issue(tenant_id, issue_id))

    def list_health_overviews(
        self, tenant_id: str, *, expand_issues: bool = False
    ) -> list[ServiceHealth]:
        return self._call(self._async.list_health_overviews(tenant_id, expand_issues=expand_issues))

    def get_incident_report(self, tenant_id: str, issue_id: str) -> tuple[bytes, str]:
        return self._call(self._async.get_incident_report(tenant_id, issue_id))

    def fetch_tenant(
        self,
        tenant_id: str,
        *,
        modified_since: datetime | None = None,
        page_size: int | None = None,
    ) -> TenantHealth:
        return self._call(
            self._async.fetch_tenant(tenant_id, modified_since=modified_since, page_size=page_size)
        )


async def _open_async(
    base_url: str,
    tokens: TokenProvider,
    *,
    transport: httpx.AsyncBaseTransport | None,
    policy: RetryPolicy | None,
    timeout: float,
) -> AsyncGraphHealthClient:
    """The async client, created inside the wrapper's loop (its connections belong there)."""
    client = httpx.AsyncClient(timeout=timeout, transport=transport) if transport else None
    graph = AsyncGraphHealthClient(base_url, tokens, client=client, policy=policy, timeout=timeout)
    graph._owns_client = True  # the wrapper's client is closed with it
    return graph


class AsyncGraphHealthClient(_GraphBase):
    """The Graph service-health client (asyncio), for fan-out over many tenants;
    :class:`GraphHealthClient` is its synchronous wrapper.

    A provider's own ``aget_token`` is awaited (``AppOnlyTokenProvider`` runs msal on the event
    loop's thread, its requests awaited); other providers are synchronous and called in a worker
    thread unless they are the emulator's static provider, so one slow sign-in does not stall
    the other tenants.
    """

    def __init__(
        self,
        base_url: str = DEFAULT_GRAPH_URL,
        tokens: TokenProvider | None = None,
        *,
        client: httpx.AsyncClient | None = None,
        policy: RetryPolicy | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        pacer: Pacer | None = None,
    ) -> None:
        if tokens is None:
            raise HealthLookupError("AsyncGraphHealthClient needs a token provider (tokens=...)")
        super().__init__(base_url, tokens, policy)
        self._owns_client = client is None
        self.client = client or PooledClient(16, timeout=timeout)
        self.pacer = pacer

    async def aclose(self) -> None:
        if self._owns_client:
            await self.client.aclose()

    async def __aenter__(self) -> AsyncGraphHealthClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def _token(self, tenant_id: str) -> str:
        """The tenant's token: the provider's own coroutine (``aget_token``) when it has one,
        else its synchronous ``get_token`` in a worker thread (the emulator's static tokens
        inline)."""
        aget = getattr(self.tokens, "aget_token", None)
        if aget is not None:
            token: str = await aget(tenant_id, self.scopes)
            return token
        if isinstance(self.tokens, StaticTokenProvider):
            return self.tokens.get_token(tenant_id, self.scopes)
        return await asyncio.to_thread(self.tokens.get_token, tenant_id, self.scopes)

    async def _get(
        self,
        token: str,
        url: str,
        params: Mapping[str, str] | None = None,
        page_size: int | None = None,
        tenant: str = "",
    ) -> tuple[httpx.Response, Any, str | None]:
        """The response, its decoded JSON and its ``value`` member's JSON text if any; a
        truncated body is fetched again (GET is safe)."""
        request = self.client.build_request(
            "GET", url, params=params or None, headers=self._headers(token, page_size)
        )
        attempt = 0
        while True:
            response = await asend(
                self.client,
                request,
                policy=self.policy,
                error=HealthLookupError,
                pacer=self.pacer,
                tenant=tenant,
            )
            try:
                body, value = json_body_member(response, "value", error=HealthLookupError)
                return response, body, value
            except HealthLookupError as exc:
                await asyncio.sleep(self._body_retry_delay(exc, attempt))
            attempt += 1

    async def _collect(
        self,
        token: str,
        url: str,
        params: Mapping[str, str],
        page_size: int | None,
        tenant: str = "",
    ) -> tuple[list[Any], int, str | None]:
        """Every item of a paged collection, the number of pages fetched and, for one page,
        the items as the JSON text received."""
        seen: set[str] = set()
        response, body, text = await self._get(token, url, params, page_size, tenant)
        items, link = self._page_values(response, body)
        while link is not None:
            text = None
            next_url = self._next_url(link, seen, response)
            response, body, _ = await self._get(token, next_url, None, page_size, tenant)
            values, link = self._page_values(response, body)
            items.extend(values)
        return items, len(seen) + 1, text

    async def list_issues(
        self,
        tenant_id: str,
        *,
        modified_since: datetime | None = None,
        page_size: int | None = None,
    ) -> list[HealthIssue]:
        token = await self._token(tenant_id)
        params = self._issues_params(modified_since)
        objects, _, _ = await self._collect(token, self._url("issues"), params, page_size)
        return _issues(tenant_id, objects)

    async def get_issue(self, tenant_id: str, issue_id: str) -> HealthIssue:
        token = await self._token(tenant_id)
        url = self._url(f"issues/{quote(issue_id, safe='')}")
        response, body, _ = await self._get(token, url)
        return _issues(tenant_id, [self._entity(response, body)])[0]

    async def get_incident_report(self, tenant_id: str, issue_id: str) -> tuple[bytes, str]:
        """The issue's post-incident review (Graph ``incidentReport``: a file stream, served
        only once the status is ``postIncidentReviewPublished``): (content, content type)."""
        token = await self._token(tenant_id)
        url = self._url(f"issues/{quote(issue_id, safe='')}/incidentReport")
        headers = {**self._headers(token), "Accept": "*/*"}
        request = self.client.build_request("GET", url, headers=headers)
        response = await asend(
            self.client, request, policy=self.policy, error=HealthLookupError, pacer=self.pacer
        )
        kind = response.headers.get("Content-Type", "application/octet-stream")
        return response.content, kind.split(";")[0].strip()

    async def list_health_overviews(
        self, tenant_id: str, *, expand_issues: bool = False
    ) -> list[ServiceHealth]:
        token = await self._token(tenant_id)
        params = {"$expand": "issues"} if expand_issues else {}
        objects, _, _ = await self._collect(token, self._url("healthOverviews"), params, None)
        return _overviews(tenant_id, objects)

    async def fetch_tenant(
        self,
        tenant_id: str,
        *,
        modified_since: datetime | None = None,
        page_size: int | None = None,
    ) -> TenantHealth:
        """Overviews and issues (with posts) of one tenant, raw and validated, for a snapshot.

        The two collections are fetched at the same time (two connections per tenant).
        """
        token = await self._token(tenant_id)
        issues_params = self._issues_params(modified_since)
        both = await asyncio.gather(
            self._collect(token, self._overviews_url, {}, None, tenant_id),
            self._collect(token, self._issues_url, issues_params, page_size, tenant_id),
            return_exceptions=True,
        )
        (overviews, overview_pages, overviews_json), (issues, issue_pages, issues_json) = _unwrap(
            both
        )
        _overviews(tenant_id, overviews)  # validated once; the objects are kept as decoded
        _issues(tenant_id, issues)
        return TenantHealth(
            tenant_id=tenant_id,
            overviews=overviews,
            issues=issues,
            requests=overview_pages + issue_pages,
            overviews_json=overviews_json,
            issues_json=issues_json,
        )
