"""Fixtures for the health tests: a small synthetic snapshot served by the real emulator."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from escalation_kit.health.synthetic import synthetic_snapshot, synthetic_tenant_ids
from escalation_kit.http import RetryPolicy
from escalation_kit.sandbox import RequestRecord, Sandbox


@pytest.fixture
def policy() -> RetryPolicy:
    """Retries without real waiting: Retry-After and backoff are capped at 20 ms."""
    return RetryPolicy(max_retries=2, base_delay=0.0, max_delay=0.02, jitter=0.0)


def _settled_requests(sandbox: Sandbox, at_least: int = 0) -> list[RequestRecord]:
    """The request log once the emulator has logged ``at_least`` requests (it logs each one just
    after answering, so the client can be a moment ahead); never waits more than 5 s."""
    deadline = time.monotonic() + 5
    while len(sandbox.requests) < at_least and time.monotonic() < deadline:
        time.sleep(0.005)
    time.sleep(0.02)  # let a request that is still being logged land
    return sandbox.requests


@pytest.fixture
def settled() -> Callable[..., list[RequestRecord]]:
    """``settled(sandbox, at_least)``: the emulator's request log once it has caught up."""
    return _settled_requests


@pytest.fixture
def tenants() -> list[str]:
    return synthetic_tenant_ids(8, seed=3)


@pytest.fixture
def health_doc(tenants: list[str]) -> dict[str, Any]:
    return synthetic_snapshot(tenants, issues_per_tenant=5, seed=3)


@pytest.fixture
def graph_sandbox(health_doc: dict[str, Any]) -> Iterator[Sandbox]:
    with Sandbox(health_doc) as running:
        yield running
