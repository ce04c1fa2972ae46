"""Client-credentials sign-in per tenant through msal, against the emulated identity platform."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest

from escalation_kit.auth import GRAPH_SCOPES, AppOnlyTokenProvider
from escalation_kit.errors import AuthError
from escalation_kit.health.sync import sync_health
from escalation_kit.health.synthetic import synthetic_snapshot
from escalation_kit.http import RetryPolicy
from escalation_kit.sandbox import (
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    Faults,
    Identity,
    Sandbox,
)

FAST = RetryPolicy(max_retries=2, base_delay=0.0, max_delay=0.02, jitter=0.0)


@pytest.fixture
def doc() -> dict[str, Any]:
    return synthetic_snapshot(12, issues_per_tenant=2, seed=8)


@pytest.fixture
def sandbox(doc: dict[str, Any]) -> Iterator[Sandbox]:
    with Sandbox(doc) as running:
        yield running


def provider(
    sandbox: Sandbox, secret: str = SANDBOX_CLIENT_SECRET, **kw: Any
) -> AppOnlyTokenProvider:
    kw.setdefault("policy", FAST)
    return AppOnlyTokenProvider(
        SANDBOX_CLIENT_ID, client_secret=secret, identity_url=sandbox.base_url, **kw
    )


def test_token_per_tenant_authority_and_cached(sandbox: Sandbox, doc: dict[str, Any]) -> None:
    tenant = next(iter(doc["tenants"]))
    tokens = provider(sandbox)
    assert tokens.get_token(tenant, GRAPH_SCOPES) == f"sandbox-{tenant}"
    assert [(r.method, r.path) for r in sandbox.requests] == [
        ("GET", f"/{tenant}/v2.0/.well-known/openid-configuration"),
        ("POST", f"/{tenant}/oauth2/v2.0/token"),
    ]
    sandbox.clear_requests()
    assert tokens.get_token(tenant, GRAPH_SCOPES) == f"sandbox-{tenant}"
    assert sandbox.requests == []  # cached per tenant: no second sign-in


def test_invalid_client_secret_is_refused_without_echoing_it(
    sandbox: Sandbox, doc: dict[str, Any]
) -> None:
    tenant = next(iter(doc["tenants"]))
    with pytest.raises(AuthError, match="invalid_client: AADSTS7000215") as info:
        provider(sandbox, secret="not-the-secret-123").get_token(tenant, GRAPH_SCOPES)
    assert "not-the-secret-123" not in str(info.value)


def test_missing_consent_fails_only_that_tenant(sandbox: Sandbox, doc: dict[str, Any]) -> None:
    tenants = list(doc["tenants"])
    sandbox.set_identity(Identity(unconsented=frozenset({tenants[2]})))
    result = sync_health(
        tenants, tokens=provider(sandbox), base_url=sandbox.base_url, policy=FAST, progress=False
    )
    assert [r.tenant_id for r in result.failed] == [tenants[2]]
    assert "unauthorized_client: AADSTS7000229" in result.failed[0].reason
    assert "consent" in result.failed[0].reason
    assert len(result.ok) == len(tenants) - 1
    token_posts = [r for r in sandbox.requests if r.path.endswith("/oauth2/v2.0/token")]
    assert {r.tenant for r in token_posts} == set(tenants)


def test_a_throttled_token_endpoint_is_retried(sandbox: Sandbox, doc: dict[str, Any]) -> None:
    tenant = next(iter(doc["tenants"]))
    sandbox.set_faults(Faults(rate_limit=1.0, retry_after=0, first_n=1, paths="/oauth2/"))
    assert provider(sandbox).get_token(tenant, GRAPH_SCOPES) == f"sandbox-{tenant}"
    posts = [r.status for r in sandbox.requests if r.path.endswith("/token")]
    assert posts == [429, 200]


def test_a_token_endpoint_that_stays_throttled_is_an_auth_error(
    sandbox: Sandbox, doc: dict[str, Any]
) -> None:
    tenant = next(iter(doc["tenants"]))
    sandbox.set_faults(Faults(rate_limit=1.0, retry_after=0, paths="/oauth2/"))
    with pytest.raises(AuthError, match=r"answered HTTP 429 .* after 3 attempts"):
        provider(sandbox).get_token(tenant, GRAPH_SCOPES)


def test_sign_ins_run_concurrently(sandbox: Sandbox, doc: dict[str, Any]) -> None:
    tenants = list(doc["tenants"])
    sandbox.set_faults(Faults(latency_ms=100))  # discovery + token: 0.2 s per tenant in a row
    tokens = provider(sandbox, max_concurrent=12)

    async def all_tokens() -> list[str]:
        return list(await asyncio.gather(*(tokens.aget_token(t, GRAPH_SCOPES) for t in tenants)))

    started = time.monotonic()
    assert asyncio.run(all_tokens()) == [f"sandbox-{t}" for t in tenants]
    assert time.monotonic() - started < len(tenants) * 0.2 / 3
    # msal's requests went through the event loop's pooled client: no blocking client was made
    assert tokens._http_client._client is None


def test_unknown_tenant_is_refused_by_the_identity_platform(sandbox: Sandbox) -> None:
    stranger = "00000000-0000-0000-0000-0000000000ff"
    with pytest.raises(AuthError, match=f"sign-in for tenant {stranger} failed: .*{stranger}"):
        provider(sandbox).get_token(stranger, GRAPH_SCOPES)
    discovery = [r for r in sandbox.requests if r.path.endswith("openid-configuration")]
    assert [r.status for r in discovery] == [400]


def test_async_sign_in_retries_a_throttled_token_endpoint_without_blocking_the_loop(
    sandbox: Sandbox, doc: dict[str, Any]
) -> None:
    tenants = list(doc["tenants"])[:2]
    sandbox.set_faults(
        Faults(
            rate_limit=1.0,
            retry_after=1,
            first_n=1,
            paths="/oauth2/",
            tenants=frozenset(tenants[:1]),
        )
    )
    tokens = provider(sandbox, policy=RetryPolicy(max_retries=2, base_delay=0.0, max_delay=1.0))
    done: dict[str, float] = {}

    async def sign_in(tenant: str) -> None:
        await tokens.aget_token(tenant, GRAPH_SCOPES)
        done[tenant] = time.monotonic()

    async def both() -> float:
        started = time.monotonic()
        await asyncio.gather(*(sign_in(t) for t in tenants))
        return started

    started = asyncio.run(both())
    assert done[tenants[0]] - started >= 0.9  # waited out Retry-After: 1 ...
    assert done[tenants[1]] - started < 0.5  # ... while the other tenant signed in meanwhile
    posts = [(r.tenant, r.status) for r in sandbox.requests if r.path.endswith("/token")]
    assert sorted(posts) == sorted([(tenants[0], 429), (tenants[0], 200), (tenants[1], 200)])


def test_one_sign_in_per_tenant_however_many_ask_at_once(
    sandbox: Sandbox, doc: dict[str, Any]
) -> None:
    tenant = next(iter(doc["tenants"]))
    sandbox.set_faults(Faults(latency_ms=50))
    tokens = provider(sandbox)

    async def many() -> list[str]:
        return list(
            await asyncio.gather(*(tokens.aget_token(tenant, GRAPH_SCOPES) for _ in range(5)))
        )

    assert asyncio.run(many()) == [f"sandbox-{tenant}"] * 5
    assert [r.method for r in sandbox.requests] == ["GET", "POST"]


def test_async_sign_in_failures_are_auth_errors(sandbox: Sandbox, doc: dict[str, Any]) -> None:
    tenant = next(iter(doc["tenants"]))
    tokens = provider(sandbox, secret="not-the-secret-123")
    with pytest.raises(AuthError, match="invalid_client: AADSTS7000215") as info:
        asyncio.run(tokens.aget_token(tenant, GRAPH_SCOPES))
    assert "not-the-secret-123" not in str(info.value)
