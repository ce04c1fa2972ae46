"""The Partner Center client against the emulator over real loopback sockets."""

from __future__ import annotations

import httpx
import pytest
from esc_helpers import FAST, T1, T2

from escalation_kit.auth import StaticTokenProvider
from escalation_kit.errors import PartnerCenterError
from escalation_kit.escalation.partner_center import PartnerCenterClient
from escalation_kit.escalation.service_request import SrSeverity, SrStatus
from escalation_kit.http import RetryPolicy
from escalation_kit.sandbox import Faults, Sandbox
from escalation_kit.sandbox.partner_center import (
    configure_partner_center,
    file_service_request,
    list_all_service_requests,
    microsoft_update,
)


def test_list_follows_continuation_tokens(sandbox: Sandbox, pc_client: PartnerCenterClient) -> None:
    configure_partner_center(sandbox.base_url, page_size=2)
    filed = [
        file_service_request(sandbox.base_url, customer_tenant_id=T1, title=f"EK-AAAA{i} x")["id"]
        for i in range(5)
    ]
    file_service_request(sandbox.base_url, customer_tenant_id=T2, title="other customer")
    found = pc_client.list_service_requests(T1)
    assert [sr.id for sr in found] == filed
    assert all(len(sr.id) == 15 for sr in found)
    pages = [r for r in sandbox.requests if r.path.endswith("/servicerequests")]
    assert len(pages) == 3  # 2 + 2 + 1
    assert pc_client.list_service_requests("55555555-5555-4555-8555-555555555555") == []


def test_integer_enums_and_updates(sandbox: Sandbox, pc_client: PartnerCenterClient) -> None:
    sr_id = file_service_request(
        sandbox.base_url, customer_tenant_id=T1, title="t", severity="critical"
    )["id"]
    configure_partner_center(sandbox.base_url, int_enums=True)
    raw = list_all_service_requests(sandbox.base_url)[0]
    assert (raw["severity"], raw["status"]) == (1, 1)  # the emulator now sends integers
    sr = pc_client.get_service_request(sr_id)
    assert (sr.severity, sr.status) == (SrSeverity.CRITICAL, SrStatus.OPEN)
    microsoft_update(sandbox.base_url, sr_id, status="attention_needed", note="Please send logs")
    sr = pc_client.get_service_request(sr_id)
    assert sr.status is SrStatus.ATTENTION_NEEDED
    assert [(n.created_by, n.text) for n in sr.notes] == [("Microsoft Support", "Please send logs")]
    noted = pc_client.add_note(
        sr_id, "Logs attached", request_id="7c1e4f7e-0000-4000-8000-000000000001"
    )
    assert [n.text for n in noted.notes] == ["Please send logs", "Logs attached"]
    closed = pc_client.close_request(
        sr_id, "Fixed", request_id="7c1e4f7e-0000-4000-8000-000000000002"
    )
    assert closed.status is SrStatus.CLOSED and closed.last_closed is not None


def test_headers_sent(sandbox: Sandbox, pc_client: PartnerCenterClient) -> None:
    seen: list[httpx.Request] = []
    client = PartnerCenterClient(
        sandbox.base_url,
        StaticTokenProvider(),
        client=httpx.Client(event_hooks={"request": [seen.append]}),
        locale="de-DE",
    )
    client.list_service_requests(T1)
    (request,) = seen
    assert request.headers["X-Locale"] == "de-DE"
    assert request.headers["Accept"] == "application/json"
    assert len(request.headers["MS-RequestId"]) == 36
    assert len(request.headers["MS-CorrelationId"]) == 36
    assert request.headers["Authorization"] == "Bearer sandbox-partner"


def test_not_found_and_unauthorised_errors_are_clear(
    sandbox: Sandbox, pc_client: PartnerCenterClient
) -> None:
    with pytest.raises(PartnerCenterError) as caught:
        pc_client.get_service_request("999999999999999")
    assert caught.value.status_code == 404 and caught.value.code == "60012"
    assert "Service request 999999999999999 was not found" in str(caught.value)

    class NoToken:
        def get_token(self, tenant_id: str, scopes: object) -> str:
            return "not-a-sandbox-token"

    bare = PartnerCenterClient(sandbox.base_url, NoToken(), policy=FAST)
    with pytest.raises(PartnerCenterError, match="HTTP 401") as caught:
        bare.list_service_requests(T1)
    assert "not-a-sandbox-token" not in str(caught.value)
    bare.close()


def test_throttling_and_server_errors_are_retried(
    sandbox: Sandbox, pc_client: PartnerCenterClient
) -> None:
    file_service_request(sandbox.base_url, customer_tenant_id=T1, title="t")
    sandbox.set_faults(Faults(rate_limit=1.0, retry_after=0, first_n=2, paths="servicerequests"))
    assert len(pc_client.list_service_requests(T1)) == 1
    statuses = [r.status for r in sandbox.requests if r.path.startswith("/v1/")]
    assert statuses == [429, 429, 200]
    sandbox.clear_requests()
    sandbox.set_faults(Faults(server_errors=1.0, retry_after=0, first_n=3, paths="servicerequests"))
    assert len(pc_client.list_service_requests(T1)) == 1
    assert [r.status for r in sandbox.requests] == [503, 503, 503, 200]


def test_throttled_after_every_retry(sandbox: Sandbox) -> None:
    sandbox.set_faults(Faults(rate_limit=1.0, retry_after=0))
    client = PartnerCenterClient(
        sandbox.base_url, StaticTokenProvider(), policy=RetryPolicy(max_retries=1, base_delay=0)
    )
    with pytest.raises(PartnerCenterError, match="Rate limit is exceeded") as caught:
        client.list_service_requests(T1)
    assert caught.value.status_code == 429 and caught.value.throttled
    client.close()


def test_timeouts_are_retried(sandbox: Sandbox) -> None:
    file_service_request(sandbox.base_url, customer_tenant_id=T1, title="t")
    sandbox.set_faults(Faults(slow_ms=1500, slow_rate=1.0, first_n=1, paths="servicerequests"))
    with httpx.Client(timeout=0.3) as http:
        client = PartnerCenterClient(
            sandbox.base_url, StaticTokenProvider(), client=http, policy=FAST
        )
        assert len(client.list_service_requests(T1)) == 1
