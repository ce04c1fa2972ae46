"""The Partner Center service-request client: list, get, add a note, close a request.

Creating requests by API was retired in 2020, so this client only reads requests and updates
them. Every call goes through :mod:`escalation_kit.http` (retries honouring ``Retry-After``,
timeouts, error translation); a read whose body arrives truncated is retried too. Writes
take the caller's ``MS-RequestId``: the outbox records it before sending and re-sends it
unchanged after a crash, so Partner Center sees one write.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator, Sequence
from typing import Any, Protocol

import httpx

from escalation_kit.config import DEFAULT_LOCALE, DEFAULT_TIMEOUT, Settings
from escalation_kit.errors import ConfigError, PartnerCenterError
from escalation_kit.escalation.service_request import ServiceRequest, parse_service_request
from escalation_kit.http import USER_AGENT, RetryPolicy, json_body, retry_delay, send

__all__ = ["PARTNER_CENTER_SCOPES", "PartnerCenterClient", "TokenSource"]

log = logging.getLogger(__name__)

PARTNER_CENTER_SCOPES = ("https://api.partnercenter.microsoft.com/user_impersonation",)
MAX_PAGES = 1000  # a guard against a next link that never ends


class TokenSource(Protocol):
    """Anything that hands out bearer tokens (``escalation_kit.auth`` providers do)."""

    def get_token(self, tenant_id: str, scopes: Sequence[str]) -> str: ...


class PartnerCenterClient:
    """Read and update a partner's Partner Center service requests.

    ``tokens`` gives App+User tokens for the partner tenant (SR APIs refuse App-only tokens);
    ``client`` may be passed in (tests hand in a transport); ``policy`` controls retries.
    """

    def __init__(
        self,
        base_url: str,
        tokens: TokenSource,
        *,
        client: httpx.Client | None = None,
        policy: RetryPolicy | None = None,
        locale: str = DEFAULT_LOCALE,
        partner_tenant_id: str = "partner",
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._tokens = tokens
        self._client = client or httpx.Client(timeout=timeout)
        self._owns_client = client is None
        self.policy = policy or RetryPolicy()
        self.locale = locale
        self.partner_tenant_id = partner_tenant_id

    @classmethod
    def from_settings(
        cls, settings: Settings | None = None, *, sandbox_url: str | None = None
    ) -> PartnerCenterClient:
        """The emulator at ``sandbox_url`` with sandbox tokens, else Partner Center signed in
        as App+User (device code) in ``ESCALATION_KIT_PARTNER_TENANT_ID``."""
        from escalation_kit.auth import DeviceCodeTokenProvider, StaticTokenProvider

        settings = settings if settings is not None else Settings.from_env()
        tokens: TokenSource
        if sandbox_url:
            tokens, partner = StaticTokenProvider(), "partner"
        else:
            if not settings.partner_tenant_id:
                raise ConfigError(
                    "set ESCALATION_KIT_PARTNER_TENANT_ID (Partner Center's request APIs need an "
                    "App+User sign-in in the partner tenant), or use --sandbox URL"
                )
            partner = settings.partner_tenant_id
            tokens = DeviceCodeTokenProvider(
                settings.client_id,
                cache_path=settings.token_cache or None,
                authority_host=settings.authority_host,
                home_tenant=partner,
            )
        return cls(
            sandbox_url or settings.partner_center_url,
            tokens,
            policy=RetryPolicy(max_retries=settings.max_retries),
            locale=settings.locale,
            partner_tenant_id=partner,
            timeout=settings.timeout,
        )

    def __repr__(self) -> str:
        return f"PartnerCenterClient(base_url={self.base_url!r}, locale={self.locale!r})"

    def close(self) -> None:
        """Release the HTTP connections (a client passed in is left to its owner)."""
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> PartnerCenterClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _headers(self, request_id: str | None = None) -> dict[str, str]:
        token = self._tokens.get_token(self.partner_tenant_id, PARTNER_CENTER_SCOPES)
        return {
            "Authorization": f"Bearer {token}",
            "Accept": "application/json",
            "MS-RequestId": request_id or str(uuid.uuid4()),
            "MS-CorrelationId": str(uuid.uuid4()),
            "MS-Contract-Version": "v1",
            "X-Locale": self.locale,
            "User-Agent": USER_AGENT,
        }

    def _call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        request_id: str | None = None,
        extra_headers: dict[str, str] | None = None,
    ) -> Any:
        headers = {**self._headers(request_id), **(extra_headers or {})}
        request = self._client.build_request(
            method, self.base_url + path, headers=headers, json=json
        )
        attempt = 0
        while True:
            response = send(self._client, request, policy=self.policy, error=PartnerCenterError)
            try:
                return json_body(response, error=PartnerCenterError)
            except PartnerCenterError:
                # A body cut off mid-way: a read is safe to repeat. (A write is not repeated
                # here: the outbox re-sends it later with the same MS-RequestId.)
                if method != "GET" or attempt >= self.policy.max_retries:
                    raise
                delay = retry_delay(None, attempt, self.policy)
                log.info("GET %s returned a truncated body; retrying in %.2fs", path, delay)
                time.sleep(delay)
                attempt += 1

    def list_service_requests(self, customer_tenant_id: str) -> list[ServiceRequest]:
        """Every request of one customer, following continuation links to the last page."""
        return list(self.iter_service_requests(customer_tenant_id))

    def iter_service_requests(self, customer_tenant_id: str) -> Iterator[ServiceRequest]:
        path = f"/v1/customers/{customer_tenant_id}/servicerequests"
        extra: dict[str, str] = {}
        for _page in range(MAX_PAGES):
            body = self._call("GET", path, extra_headers=extra)
            if not isinstance(body, dict) or not isinstance(body.get("items", []), list):
                raise PartnerCenterError(
                    f"GET {path}: expected a collection with 'items'", url=self.base_url + path
                )
            yield from (parse_service_request(item) for item in body.get("items") or [])
            following = _next_link(body)
            if following is None:
                return
            path, extra = following
        raise PartnerCenterError(
            f"GET /v1/customers/{customer_tenant_id}/servicerequests: more than {MAX_PAGES} "
            "pages; the continuation links do not end"
        )

    def get_service_request(self, service_request_id: str) -> ServiceRequest:
        return parse_service_request(self._call("GET", f"/v1/servicerequests/{service_request_id}"))

    def add_note(self, service_request_id: str, text: str, *, request_id: str) -> ServiceRequest:
        """Append a note; ``request_id`` is the MS-RequestId recorded in the outbox."""
        return self.update(service_request_id, {"NewNote": {"Text": text}}, request_id=request_id)

    def close_request(
        self, service_request_id: str, note: str, *, request_id: str
    ) -> ServiceRequest:
        """Close a support request with a final note, in one PATCH."""
        body = {"NewNote": {"Text": note}, "Status": "closed"}
        return self.update(service_request_id, body, request_id=request_id)

    def update(
        self, service_request_id: str, body: dict[str, Any], *, request_id: str
    ) -> ServiceRequest:
        """PATCH only what changes (PascalCase, like the docs and the SDK)."""
        raw = self._call(
            "PATCH", f"/v1/servicerequests/{service_request_id}", json=body, request_id=request_id
        )
        return parse_service_request(raw)


def _next_link(body: dict[str, Any]) -> tuple[str, dict[str, str]] | None:
    """The next page's relative uri and headers (``MS-ContinuationToken``), if any."""
    links = {str(k).lower(): v for k, v in (body.get("links") or {}).items()}
    following = links.get("next")
    if not isinstance(following, dict):
        return None
    fields = {str(k).lower(): v for k, v in following.items()}
    uri = str(fields.get("uri") or "")
    if not uri:
        return None
    headers: dict[str, str] = {}
    for item in fields.get("headers") or []:
        pair = {str(k).lower(): v for k, v in item.items()} if isinstance(item, dict) else {}
        if pair.get("key"):
            headers[str(pair["key"])] = str(pair.get("value") or "")
    if "://" in uri:  # absolute despite the docs: keep only the path and query
        uri = "/" + uri.split("://", 1)[1].partition("/")[2]
    uri = "/" + uri.lstrip("/")
    if not uri.startswith("/v1/"):  # some doc links omit the version segment
        uri = "/v1" + uri
    return uri, headers
