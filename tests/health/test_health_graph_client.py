"""The Graph service-health clients against the real emulator over loopback (and a few mocks)."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from escalation_kit.auth import StaticTokenProvider
from escalation_kit.errors import HealthLookupError
from escalation_kit.health.graph import AsyncGraphHealthClient, GraphHealthClient
from escalation_kit.health.sync import run_coroutine
from escalation_kit.http import RetryPolicy
from escalation_kit.sandbox import Faults, RequestRecord, Sandbox

TOKENS = StaticTokenProvider()
Settled = Callable[..., list[RequestRecord]]


def issue_ids(doc: dict[str, Any], tenant: str) -> list[str]:
    return [i["id"] for i in doc["tenants"][tenant]["issues"]]


@pytest.mark.parametrize("page_size", [1, 2, 100])
def test_list_issues_pages_to_the_end(
    graph_sandbox: Sandbox,
    health_doc: dict[str, Any],
    tenants: list[str],
    page_size: int,
    settled: Settled,
) -> None:
    tenant = tenants[0]
    with GraphHealthClient(graph_sandbox.base_url, TOKENS) as client:
        issues = client.list_issues(tenant, page_size=page_size)
    assert [i.id for i in issues] == issue_ids(health_doc, tenant)
    assert all(i.tenant_id == tenant for i in issues)
    assert [dict(i.raw) for i in issues] == health_doc["tenants"][tenant]["issues"]
    served = settled(graph_sandbox, math.ceil(5 / page_size))
    assert len(served) == math.ceil(5 / page_size)
    assert {r.tenant for r in served} == {tenant}
    assert [r.query.get("$skip", "0") for r in served] == [str(n) for n in range(0, 5, page_size)][
        : len(served)
    ]


def test_incremental_filter_returns_only_changed_issues(
    graph_sandbox: Sandbox, health_doc: dict[str, Any], tenants: list[str], settled: Settled
) -> None:
    tenant = tenants[1]
    stamps = sorted(i["lastModifiedDateTime"] for i in health_doc["tenants"][tenant]["issues"])
    since = datetime.fromisoformat(stamps[2])
    with GraphHealthClient(graph_sandbox.base_url, TOKENS) as client:
        changed = client.list_issues(tenant, modified_since=since)
    assert sorted(i.last_modified for i in changed if i.last_modified) == [
        datetime.fromisoformat(s) for s in stamps[2:]
    ]
    query = settled(graph_sandbox, 1)[0].query
    assert query["$filter"].startswith("lastModifiedDateTime ge 2026-")
    assert query["$filter"].endswith("Z")


def test_get_issue_overviews_and_unknown_enum_values(tenants: list[str]) -> None:
    tenant = tenants[0]
    odd = {"id": "ZZ1", "title": "t", "service": "Exchange Online", "status": "BrandNewStatus",
           "classification": "Weather", "origin": "Mars", "isResolved": False}  # fmt: skip
    doc = {
        "fetched_at": "2026-11-21T00:00:00Z",
        "tenants": {
            tenant: {
                "healthOverviews": [
                    {"id": "Exchange", "service": "Exchange Online", "status": "SomethingNew"}
                ],
                "issues": [odd],
            }
        },
    }
    with Sandbox(doc) as sandbox, GraphHealthClient(sandbox.base_url, TOKENS) as client:
        issue = client.get_issue(tenant, "ZZ1")
        overviews = client.list_health_overviews(tenant, expand_issues=True)
        plain = client.list_health_overviews(tenant)
    assert (issue.status, issue.classification, issue.origin) == (
        "BrandNewStatus",
        "Weather",
        "Mars",
    )
    assert [(o.id, o.status) for o in overviews] == [("Exchange", "SomethingNew")]
    assert [i.id for i in overviews[0].issues] == ["ZZ1"]
    assert plain[0].issues == ()


def test_missing_issue_and_unconsented_tenant_fail_at_once(
    graph_sandbox: Sandbox, tenants: list[str], settled: Settled
) -> None:
    with GraphHealthClient(graph_sandbox.base_url, TOKENS) as client:
        with pytest.raises(HealthLookupError) as missing:
            client.get_issue(tenants[0], "EX000000")
        with pytest.raises(HealthLookupError) as denied:
            client.list_issues("00000000-0000-0000-0000-000000000000")
    assert (missing.value.status_code, missing.value.code) == (404, "itemNotFound")
    assert (denied.value.status_code, denied.value.code) == (403, "accessDenied")
    assert "needs consent" in str(denied.value)
    assert len(settled(graph_sandbox, 2)) == 2  # 4xx are not retried


def test_next_link_loop_is_detected(
    graph_sandbox: Sandbox, tenants: list[str], policy: RetryPolicy, settled: Settled
) -> None:
    graph_sandbox.set_faults(Faults(next_link_loop=True))
    with (
        GraphHealthClient(graph_sandbox.base_url, TOKENS, policy=policy) as client,
        pytest.raises(HealthLookupError, match="paging loop") as info,
    ):
        client.list_issues(tenants[0], page_size=2)
    assert info.value.code == "nextLinkLoop"
    assert len(settled(graph_sandbox, 2)) == 2  # page 1, then its link gives the same link again


def test_throttling_is_retried_through_the_emulator(
    graph_sandbox: Sandbox, tenants: list[str], policy: RetryPolicy, settled: Settled
) -> None:
    graph_sandbox.set_faults(Faults(rate_limit=1.0, retry_after=1, first_n=2))
    with GraphHealthClient(graph_sandbox.base_url, TOKENS, policy=policy) as client:
        assert len(client.list_issues(tenants[0])) == 5
    assert [r.status for r in settled(graph_sandbox, 3)] == [429, 429, 200]


def test_foreign_next_link_is_not_followed() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, json={"value": [], "@odata.nextLink": "https://evil.example/v1.0/steal?$skip=1"}
        )

    transport = httpx.MockTransport(handler)
    graph = GraphHealthClient("https://graph.microsoft.com", TOKENS, transport=transport)
    with pytest.raises(HealthLookupError, match="another host") as info:
        graph.list_issues("t1")
    assert info.value.code == "foreignNextLink"


@pytest.mark.parametrize(
    ("body", "match"),
    [
        (b'{"value": [{"id": "EX1", "ti', "truncated or malformed JSON body"),
        (b'{"values": []}', "expected a collection with a 'value' list"),
        (b'{"value": [{"id": 5}]}', r"does not parse at value\[0\].id"),
    ],
)
def test_bad_bodies_are_lookup_errors(body: bytes, match: str, policy: RetryPolicy) -> None:
    transport = httpx.MockTransport(lambda r: httpx.Response(200, content=body))
    with (
        GraphHealthClient(
            "https://graph.microsoft.com", TOKENS, transport=transport, policy=policy
        ) as graph,
        pytest.raises(HealthLookupError, match=match),
    ):
        graph.list_issues("t1")


def test_requests_carry_the_tenants_token_and_paging_preference() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"value": []})

    transport = httpx.MockTransport(handler)
    with GraphHealthClient("https://graph.microsoft.com/", TOKENS, transport=transport) as graph:
        graph.list_issues("t9", page_size=7)
    assert seen[0].url.path == "/v1.0/admin/serviceAnnouncement/issues"
    assert seen[0].headers["Authorization"] == "Bearer sandbox-t9"
    assert seen[0].headers["Prefer"] == "odata.maxpagesize=7"
    assert seen[0].headers["client-request-id"]


def test_async_client_and_fetch_tenant(
    graph_sandbox: Sandbox, health_doc: dict[str, Any], tenants: list[str]
) -> None:
    async def go() -> Any:
        async with AsyncGraphHealthClient(graph_sandbox.base_url, TOKENS) as client:
            issues = await client.list_issues(tenants[2], page_size=2)
            one = await client.get_issue(tenants[2], issues[0].id)
            overviews = await client.list_health_overviews(tenants[2])
            whole = await client.fetch_tenant(tenants[2], page_size=3)
            return issues, one, overviews, whole

    issues, one, overviews, whole = asyncio.run(go())
    assert [i.id for i in issues] == issue_ids(health_doc, tenants[2])
    assert one.id == issues[0].id
    assert len(overviews) == 6
    assert whole.issues == health_doc["tenants"][tenants[2]]["issues"]
    assert whole.overviews == health_doc["tenants"][tenants[2]]["healthOverviews"]
    assert whole.requests == 1 + 2  # one overview page, two issue pages of 3


def test_run_coroutine_works_inside_a_running_loop() -> None:
    async def answer() -> int:
        await asyncio.sleep(0)
        return 42

    async def notebook_cell() -> int:
        return run_coroutine(answer())  # a loop is running here, as in Jupyter

    assert run_coroutine(answer()) == 42
    assert asyncio.run(notebook_cell()) == 42


def test_clients_need_tokens_and_show_no_secrets() -> None:
    with pytest.raises(HealthLookupError, match="token provider"):
        GraphHealthClient("https://graph.microsoft.com")
    graph = GraphHealthClient("https://graph.microsoft.us", TOKENS)
    assert repr(graph) == "GraphHealthClient(base_url='https://graph.microsoft.us')"
    assert graph.scopes == ("https://graph.microsoft.us/.default",)
    graph.close()
    assert isinstance(datetime.now(UTC), datetime)


def test_relative_next_link_is_resolved_against_the_request() -> None:
    pages = {
        "0": {"value": [{"id": "A1"}], "@odata.nextLink": "issues?$skip=1"},
        "1": {"value": [{"id": "A2"}]},
    }
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json=pages[request.url.params.get("$skip", "0")])

    transport = httpx.MockTransport(handler)
    graph = GraphHealthClient("https://graph.microsoft.com", TOKENS, transport=transport)
    assert [i.id for i in graph.list_issues("t1")] == ["A1", "A2"]
    assert seen[1] == "https://graph.microsoft.com/v1.0/admin/serviceAnnouncement/issues?$skip=1"


def test_retry_after_as_http_date_from_the_emulator(
    graph_sandbox: Sandbox, tenants: list[str], policy: RetryPolicy, settled: Settled
) -> None:
    graph_sandbox.set_faults(
        Faults(rate_limit=1.0, retry_after=1, retry_after_http_date=True, first_n=1)
    )
    with GraphHealthClient(graph_sandbox.base_url, TOKENS, policy=policy) as client:
        assert len(client.list_issues(tenants[0])) == 5
    assert [r.status for r in settled(graph_sandbox, 2)] == [429, 200]


def test_a_truncated_body_is_fetched_again(
    graph_sandbox: Sandbox, tenants: list[str], policy: RetryPolicy, settled: Settled
) -> None:
    graph_sandbox.set_faults(Faults(truncate=1.0, first_n=1))
    with GraphHealthClient(graph_sandbox.base_url, TOKENS, policy=policy) as client:
        assert len(client.list_issues(tenants[0])) == 5
    served = settled(graph_sandbox, 2)
    assert [(r.status, r.fault) for r in served] == [(200, "truncate"), (200, None)]
