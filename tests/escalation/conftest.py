"""Fixtures for the escalation workflow: a small cluster case, a sandbox and a client."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from esc_helpers import CLUSTER, FAST, T1, T2, T3, T4, make_decision, make_ticket

from escalation_kit.auth import StaticTokenProvider
from escalation_kit.escalation.partner_center import PartnerCenterClient
from escalation_kit.models import Category, Severity, Ticket, TriageDecision
from escalation_kit.sandbox import Sandbox


@pytest.fixture
def cluster_case() -> tuple[list[TriageDecision], dict[str, Ticket]]:
    """Three tenants in one regional cluster, one lone outage, one self-service ticket."""
    tickets = {
        "T-1": make_ticket("T-1", T1, 9),
        "T-2": make_ticket("T-2", T2, 10),
        "T-3": make_ticket("T-3", T3, 11),
        "T-4": make_ticket(
            "T-4", T4, 12, title="Teams won't load for anyone", normalized_service="Microsoft Teams"
        ),
        "T-5": make_ticket("T-5", T4, 13, title="Password reset for one user"),
    }
    decisions = [
        make_decision("T-1", Category.REGIONAL_MULTI_TENANT, cluster_id=CLUSTER),
        make_decision("T-2", Category.REGIONAL_MULTI_TENANT, cluster_id=CLUSTER),
        make_decision(
            "T-3", Category.REGIONAL_MULTI_TENANT, cluster_id=CLUSTER, severity=Severity.CRITICAL
        ),
        make_decision("T-4", Category.SERVICE_UNAVAILABLE, service="Microsoft Teams"),
        make_decision("T-5", Category.SELF_SERVICE),
    ]
    return decisions, tickets


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox() as running:
        yield running


@pytest.fixture
def pc_client(sandbox: Sandbox) -> Iterator[PartnerCenterClient]:
    http = httpx.Client(timeout=5.0)
    client = PartnerCenterClient(sandbox.base_url, StaticTokenProvider(), client=http, policy=FAST)
    yield client
    http.close()
