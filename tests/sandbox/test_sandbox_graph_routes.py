"""The Graph service-communications routes over real sockets: bodies, auth, errors, headers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from sandbox_data import TENANT_A, TENANT_B, UNKNOWN_TENANT

from escalation_kit.sandbox import Sandbox

BASE = "/v1.0/admin/serviceAnnouncement"


def all_pages(client: httpx.Client, url: str, **kwargs: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    next_url: str | None = url
    while next_url:
        response = client.get(next_url, **kwargs)
        assert response.status_code == 200, response.text
        body = response.json()
        items.extend(body["value"])
        next_url = body.get("@odata.nextLink")
        kwargs.pop("params", None)  # the next link carries every query option
    return items


def test_issues_lists_the_tenants_issues_verbatim(
    graph: httpx.Client, snapshot: dict[str, Any], sandbox: Sandbox
) -> None:
    response = graph.get(f"{BASE}/issues")
    body = response.json()
    assert response.status_code == 200
    assert body["value"] == snapshot["tenants"][TENANT_A]["issues"]
    assert body["@odata.context"] == (
        f"{sandbox.base_url}/v1.0/$metadata#admin/serviceAnnouncement/issues"
    )
    assert "@odata.nextLink" not in body
    assert response.headers["content-type"].startswith("application/json")


def test_each_tenant_sees_only_its_own_issues(client_for: Callable[..., httpx.Client]) -> None:
    ids_b = [i["id"] for i in client_for(TENANT_B).get(f"{BASE}/issues").json()["value"]]
    assert ids_b == ["EX226792"]
    assert client_for(TENANT_B).get(f"{BASE}/issues/MO226784").status_code == 404


def test_get_issue_by_id(graph: httpx.Client, snapshot: dict[str, Any]) -> None:
    body = graph.get(f"{BASE}/issues/MO226784").json()
    assert body["@odata.context"].endswith("#admin/serviceAnnouncement/issues/$entity")
    expected = snapshot["tenants"][TENANT_A]["issues"][1]
    assert {k: v for k, v in body.items() if k != "@odata.context"} == expected


def test_unknown_issue_is_a_graph_item_not_found(graph: httpx.Client) -> None:
    response = graph.get(f"{BASE}/issues/XX000000")
    error = response.json()["error"]
    assert response.status_code == 404
    assert error["code"] == "itemNotFound"
    assert error["innerError"]["request-id"] == response.headers["request-id"]


def test_incident_report_only_for_published_reviews(
    graph: httpx.Client, sandbox: Sandbox, snapshot: dict[str, Any]
) -> None:
    assert graph.get(f"{BASE}/issues/MO226784/incidentReport").status_code == 404
    snapshot["tenants"][TENANT_A]["issues"][1]["status"] = "PostIncidentReviewPublished"
    sandbox.set_snapshot(snapshot)
    response = graph.get(f"{BASE}/issues/MO226784/incidentReport")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.content.startswith(b"Post-incident report for MO226784")


def test_health_overviews_without_and_with_expand(graph: httpx.Client) -> None:
    plain = graph.get(f"{BASE}/healthOverviews").json()
    assert [o["id"] for o in plain["value"]] == ["Exchange", "OrgLiveID", "OSDPPlatform"]
    assert all("issues" not in o for o in plain["value"])
    expanded = graph.get(f"{BASE}/healthOverviews", params={"$expand": "issues"}).json()
    assert expanded["@odata.context"].endswith(
        "#admin/serviceAnnouncement/healthOverviews(issues())"
    )
    by_service = {o["service"]: o["issues"] for o in expanded["value"]}
    all_issues = graph.get(f"{BASE}/issues").json()["value"]
    for service, issues in by_service.items():
        assert issues == [i for i in all_issues if i["service"] == service]
    assert len(by_service["Exchange Online"]) > 0


def test_health_overview_by_url_encoded_name_or_id(graph: httpx.Client) -> None:
    by_name = graph.get(f"{BASE}/healthOverviews/Microsoft%20365%20suite")
    by_id = graph.get(f"{BASE}/healthOverviews/OSDPPlatform")
    assert by_name.status_code == by_id.status_code == 200
    assert by_name.json() == by_id.json()
    assert by_name.json()["id"] == "OSDPPlatform"
    assert by_name.json()["@odata.context"].endswith("healthOverviews/$entity")
    expanded = graph.get(f"{BASE}/healthOverviews/Exchange", params={"$expand": "issues"}).json()
    assert {i["service"] for i in expanded["issues"]} == {"Exchange Online"}
    assert graph.get(f"{BASE}/healthOverviews/Nope").json()["error"]["code"] == "itemNotFound"


def test_unsupported_expand_is_bad_request(graph: httpx.Client) -> None:
    response = graph.get(f"{BASE}/healthOverviews", params={"$expand": "posts"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "BadRequest"


def test_messages_and_empty_messages(client_for: Callable[..., httpx.Client]) -> None:
    messages = client_for(TENANT_A).get(f"{BASE}/messages").json()["value"]
    assert [m["id"] for m in messages] == ["MC172851"]
    assert (
        client_for(TENANT_A).get(f"{BASE}/messages/MC172851").json()["category"] == "StayInformed"
    )
    assert client_for(TENANT_B).get(f"{BASE}/messages").json()["value"] == []


def test_missing_token_is_401_invalid_authentication_token(
    client_for: Callable[..., httpx.Client],
) -> None:
    response = client_for(None).get(f"{BASE}/issues")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "InvalidAuthenticationToken"
    assert response.json()["error"]["message"] == "Access token is empty."
    assert response.headers["www-authenticate"] == "Bearer"


def test_malformed_token_is_401_and_never_echoed(sandbox: Sandbox) -> None:
    for value, secret in (
        ("Bearer eyJ0eXAi.not.sandbox", "eyJ0eXAi"),
        ("Basic c2FuZGJveC14", "c2FuZGJveC14"),
        ("Bearer sandbox-", None),
    ):
        response = httpx.get(
            f"{sandbox.base_url}{BASE}/issues", headers={"Authorization": value}, timeout=10
        )
        assert response.status_code == 401, value
        assert response.json()["error"]["code"] == "InvalidAuthenticationToken"
        assert secret is None or secret not in response.text


def test_tenant_without_consent_is_403_access_denied(
    client_for: Callable[..., httpx.Client],
) -> None:
    response = client_for(UNKNOWN_TENANT).get(f"{BASE}/healthOverviews")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "accessDenied"


def test_every_response_has_request_ids(client_for: Callable[..., httpx.Client]) -> None:
    ok = client_for(TENANT_A).get(f"{BASE}/issues", headers={"client-request-id": "abc-123"})
    assert ok.headers["client-request-id"] == "abc-123"
    assert len(ok.headers["request-id"]) == 36
    for response in (
        client_for(None).get(f"{BASE}/issues"),
        client_for(TENANT_A).get("/v1.0/nowhere"),
        client_for(TENANT_A).get("/_sandbox/health"),
    ):
        assert response.headers["request-id"]
        assert response.headers["client-request-id"] == response.headers["request-id"]


def test_unknown_path_and_method_are_graph_errors(graph: httpx.Client) -> None:
    missing = graph.get("/v1.0/admin/serviceAnnouncement/nothing")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "itemNotFound"
    wrong_method = graph.delete(f"{BASE}/issues")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"]["code"] == "MethodNotAllowed"


def test_keep_alive_serves_many_requests_on_one_connection(graph: httpx.Client) -> None:
    for _ in range(5):
        response = graph.get(f"{BASE}/healthOverviews")
        assert response.status_code == 200
        assert response.headers.get("connection", "keep-alive").lower() != "close"
