"""The Partner Center emulator's own rules: auth, paging tokens, PATCH semantics, admin routes."""

from __future__ import annotations

import httpx
import pytest
from esc_helpers import T1, T2

from escalation_kit.errors import InputError
from escalation_kit.sandbox import Sandbox
from escalation_kit.sandbox.partner_center import (
    configure_partner_center,
    file_service_request,
    list_all_service_requests,
    microsoft_update,
)

AUTH = {"Authorization": "Bearer sandbox-partner"}


def test_patch_semantics_and_idempotency(sandbox: Sandbox) -> None:
    sr_id = file_service_request(sandbox.base_url, customer_tenant_id=T1, title="t")["id"]
    url = f"{sandbox.base_url}/v1/servicerequests/{sr_id}"
    with httpx.Client(headers=AUTH) as http:
        # the SDK's default body: Status "none" and Severity "unknown" mean "unchanged"
        body = {"NewNote": {"Text": "first"}, "Status": "none", "Severity": "unknown"}
        first = http.patch(url, json=body, headers={"MS-RequestId": "r-1"})
        again = http.patch(
            url, json={"newNote": {"text": "other"}}, headers={"MS-RequestId": "r-1"}
        )
        assert first.status_code == again.status_code == 200
        assert first.json() == again.json()  # the same write, answered the same
        assert first.json()["status"] == "open"
        assert [n["text"] for n in first.json()["notes"]] == ["first"]
        bad = http.patch(url, json={"Status": "resolved"})
        assert bad.status_code == 400 and bad.json()["source"] == "PartnerFD"
        missing = http.patch(f"{sandbox.base_url}/v1/servicerequests/1", json={"Status": "closed"})
        assert missing.status_code == 404 and missing.json()["code"] == 60012
        closed = http.patch(url, json={"status": 2}, headers={"MS-RequestId": "r-2"}).json()
        assert closed["status"] == "closed" and closed["lastClosedDate"].endswith("Z")


def test_unauthorised_and_bad_continuation(sandbox: Sandbox) -> None:
    listing = f"{sandbox.base_url}/v1/customers/{T1}/servicerequests"
    response = httpx.get(listing)
    assert response.status_code == 401 and response.headers["WWW-Authenticate"] == "Bearer"
    assert set(response.json()) == {"code", "description", "data", "source"}
    for i in range(3):
        file_service_request(sandbox.base_url, customer_tenant_id=T1, title=f"t{i}")
    configure_partner_center(sandbox.base_url, page_size=2)
    first = httpx.get(listing, headers=AUTH).json()
    token = first["links"]["next"]["headers"][0]["value"]
    assert first["continuationToken"] == token and first["totalCount"] == 2
    wrong = httpx.get(
        f"{sandbox.base_url}/v1/customers/{T2}/servicerequests?seekOperation=Next",
        headers={**AUTH, "MS-ContinuationToken": token},
    )
    assert wrong.status_code == 400  # a token is only good for its own customer


def test_admin_helpers_validate(sandbox: Sandbox) -> None:
    with pytest.raises(InputError, match="customerTenantId and title are required"):
        file_service_request(sandbox.base_url, customer_tenant_id=T1, title=" ")
    with pytest.raises(InputError, match="no service request"):
        microsoft_update(sandbox.base_url, "123", status="closed")
    with pytest.raises(InputError, match="pageSize must be a positive integer"):
        configure_partner_center(sandbox.base_url, page_size=0)
    created = file_service_request(
        sandbox.base_url, customer_tenant_id=T1, title="t", severity=3, customerName="Contoso"
    )
    assert created["severity"] == "minimal" and created["organization"]["name"] == "Contoso"
    assert len(created["id"]) == 15
    httpx.post(f"{sandbox.base_url}/_sandbox/reset")
    assert list_all_service_requests(sandbox.base_url) == []
