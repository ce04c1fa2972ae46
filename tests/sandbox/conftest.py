"""Fixtures for the sandbox tests: a snapshot built from Microsoft's real sample bodies and a
running emulator on 127.0.0.1 (port 0)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from sandbox_data import TENANT_A, build_snapshot

from escalation_kit.sandbox import Sandbox


@pytest.fixture
def snapshot() -> dict[str, Any]:
    return build_snapshot()


@pytest.fixture
def sandbox(snapshot: dict[str, Any]) -> Iterator[Sandbox]:
    with Sandbox(snapshot) as running:
        yield running


@pytest.fixture
def client_for(sandbox: Sandbox) -> Iterator[Callable[..., httpx.Client]]:
    """``client_for(tenant)``: an httpx client sending that tenant's sandbox token."""
    clients: list[httpx.Client] = []

    def make(tenant: str | None = TENANT_A, **kwargs: Any) -> httpx.Client:
        headers = {"Authorization": f"Bearer sandbox-{tenant}"} if tenant else {}
        client = httpx.Client(base_url=sandbox.base_url, headers=headers, timeout=10, **kwargs)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def graph(client_for: Callable[..., httpx.Client]) -> httpx.Client:
    """A client for tenant A."""
    return client_for(TENANT_A)
