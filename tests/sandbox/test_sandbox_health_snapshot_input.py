"""The sandbox serves a :class:`HealthSnapshot` object as it serves the snapshot's JSON."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sandbox_data import TENANT_A, TENANT_B

from escalation_kit.errors import InputError
from escalation_kit.health.snapshot import HealthSnapshot
from escalation_kit.sandbox import Sandbox

ISSUES = "/v1.0/admin/serviceAnnouncement/issues"


def issues(sandbox: Sandbox, tenant: str) -> list[dict[str, Any]]:
    response = httpx.get(
        sandbox.base_url + ISSUES, headers={"Authorization": f"Bearer sandbox-{tenant}"}, timeout=10
    )
    assert response.status_code == 200, response.text
    return list(response.json()["value"])


def test_a_health_snapshot_object_is_served_verbatim(snapshot: dict[str, Any]) -> None:
    health = HealthSnapshot.from_json(snapshot)
    with Sandbox(health) as sandbox:
        assert sorted(sandbox.state.tenant_ids) == sorted(snapshot["tenants"])
        assert issues(sandbox, TENANT_A) == snapshot["tenants"][TENANT_A]["issues"]
        assert sandbox.state.snapshot["fetched_at"] == snapshot["fetched_at"]


def test_set_snapshot_takes_a_health_snapshot_object(snapshot: dict[str, Any]) -> None:
    only_b = {**snapshot, "tenants": {TENANT_B: snapshot["tenants"][TENANT_B]}}
    with Sandbox(snapshot) as sandbox:
        sandbox.set_snapshot(HealthSnapshot.from_json(only_b))
        assert sandbox.state.tenant_ids == [TENANT_B]
        assert issues(sandbox, TENANT_B) == snapshot["tenants"][TENANT_B]["issues"]


def test_anything_else_is_a_clear_input_error() -> None:
    with pytest.raises(InputError, match="must be a HealthSnapshot, a dict, a JSON file path"):
        Sandbox(42)  # type: ignore[arg-type]
