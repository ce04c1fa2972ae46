"""Adaptive concurrency: the pacer backs off on throttling and keeps every tenant in budget."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from typing import Any

import pytest

from escalation_kit.auth import StaticTokenProvider
from escalation_kit.health.sync import sync_health
from escalation_kit.http import RetryPolicy
from escalation_kit.pacing import GRAPH_TENANT_BUDGETS, Pacer
from escalation_kit.sandbox import Faults, Sandbox


def _most_in_any_window(stamps: list[float], span: float) -> int:
    stamps = sorted(stamps)
    return max(
        sum(1 for later in stamps[i:] if later - first < span) for i, first in enumerate(stamps)
    )


def test_a_tenant_never_gets_more_than_its_budget() -> None:
    pacer = Pacer(8, tenant_budgets=((3, 0.3),))
    stamps: list[float] = []

    async def one_request() -> None:
        await pacer.acquire("t1")
        stamps.append(time.monotonic())
        pacer.release("t1", 200)

    async def go() -> float:
        started = time.monotonic()
        await asyncio.gather(*(one_request() for _ in range(7)))
        return time.monotonic() - started

    elapsed = asyncio.run(go())
    assert _most_in_any_window(stamps, 0.3) == 3
    assert elapsed >= 0.6  # 7 requests at 3 per 0.3 s need two more windows


def test_throttling_halves_the_limit_pauses_the_tenant_and_success_grows_it_back() -> None:
    now = [100.0]
    pacer = Pacer(16, cooldown_s=1.0, clock=lambda: now[0])

    async def go() -> list[Any]:
        await pacer.acquire("t1")
        pacer.release("t1", 429, retry_after=2.0)
        halved = pacer.stats.limit
        await pacer.acquire("t2")
        pacer.release("t2", 503)  # within the cooldown: not halved again
        again = pacer.stats.limit
        paused = pacer._wait_for("t1")  # the tenant waits for its Retry-After
        other = pacer._wait_for("t3")  # other tenants go on
        now[0] += 3.0
        for _ in range(40):
            await pacer.acquire("t3")
            pacer.release("t3", 200)
        return [halved, again, paused, other, pacer.stats]

    halved, again, paused, other, stats = asyncio.run(go())
    assert (halved, again) == (8, 8)
    assert paused == pytest.approx(2.0)
    assert other is None
    assert stats.lowest_limit == 8 and stats.limit > 8 and stats.throttled == 2


def test_graph_budgets_are_the_published_limits() -> None:
    assert GRAPH_TENANT_BUDGETS == ((240, 60.0), (800, 3600.0))


def test_sync_backs_off_under_a_rate_limiting_emulator_and_keeps_every_tenant_in_budget(
    graph_sandbox: Sandbox, tenants: list[str], health_doc: dict[str, Any]
) -> None:
    # the emulator throttles at random and refuses any tenant's 4th request within 0.3 s;
    # the pacer's budget (3 per 0.6 s) must keep every tenant below the emulator's quota (the
    # margin absorbs the time a request takes to arrive on a busy machine; without a budget a
    # tenant's six requests arrive within milliseconds)
    graph_sandbox.set_faults(
        Faults(rate_limit=0.25, retry_after=0, quota_per_minute=3, quota_window_s=0.3, seed=5)
    )
    pacer = Pacer(16, tenant_budgets=((3, 0.6),), cooldown_s=0.05)
    policy = RetryPolicy(max_retries=8, base_delay=0.0, max_delay=0.02, jitter=0.0)
    result = sync_health(
        tenants,
        tokens=StaticTokenProvider(),
        base_url=graph_sandbox.base_url,
        page_size=1,  # 5 issue pages + 1 overview page per tenant: more than one budget
        policy=policy,
        pacer=pacer,
        progress=False,
    )
    assert result.failed == [], [r.reason for r in result.failed]
    assert result.snapshot.to_json()["tenants"] == health_doc["tenants"]
    served = graph_sandbox.requests
    assert any(r.fault == "rate_limit" for r in served)
    assert not [r for r in served if r.fault == "quota"]  # nobody went over its budget
    per_tenant: dict[str | None, list[float]] = defaultdict(list)
    for record in served:
        per_tenant[record.tenant].append(record.at.timestamp())
    assert all(len(stamps) >= 6 for stamps in per_tenant.values())
    stats = pacer.stats
    assert stats.throttled > 0
    assert stats.lowest_limit <= 4  # halved at least twice from 16
