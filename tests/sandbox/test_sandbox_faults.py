"""Fault injection: each fault over real sockets, scoping, determinism, runtime switching."""

from __future__ import annotations

import json
from collections.abc import Callable
from email.utils import parsedate_to_datetime

import httpx
import pytest
from sandbox_data import TENANT_A, TENANT_B

from escalation_kit.errors import InputError
from escalation_kit.sandbox import Faults, Sandbox
from escalation_kit.sandbox.faults import FaultInjector

ISSUES = "/v1.0/admin/serviceAnnouncement/issues"
OVERVIEWS = "/v1.0/admin/serviceAnnouncement/healthOverviews"


def test_reset_makes_httpx_raise_a_transport_error(sandbox: Sandbox, graph: httpx.Client) -> None:
    sandbox.set_faults(Faults(reset=1.0))
    with pytest.raises(httpx.TransportError):
        graph.get(ISSUES)
    assert [(r.status, r.fault) for r in sandbox.requests] == [(0, "reset")]


def test_truncate_gives_invalid_json_with_a_matching_length(
    sandbox: Sandbox, graph: httpx.Client
) -> None:
    full = graph.get(ISSUES).content
    sandbox.set_faults(Faults(truncate=1.0))
    response = graph.get(ISSUES)
    assert response.status_code == 200
    assert response.content == full[: len(full) // 2]
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


def test_truncate_with_full_length_promised_is_a_protocol_error(
    sandbox: Sandbox, graph: httpx.Client
) -> None:
    sandbox.set_faults(Faults(truncate=1.0, truncate_full_length=True))
    with pytest.raises(httpx.RemoteProtocolError):
        graph.get(ISSUES)
    sandbox.set_faults(Faults())
    assert graph.get(ISSUES).status_code == 200  # the client recovers on a new connection


def test_rate_limit_is_429_with_retry_after_and_graph_throttling_body(
    sandbox: Sandbox, graph: httpx.Client
) -> None:
    sandbox.set_faults(Faults(rate_limit=1.0, retry_after=7))
    response = graph.get(ISSUES)
    assert response.status_code == 429
    assert response.headers["retry-after"] == "7"
    assert response.json()["error"]["code"] == "activityLimitReached"


def test_rate_limit_can_send_an_http_date(sandbox: Sandbox, graph: httpx.Client) -> None:
    sandbox.set_faults(Faults(rate_limit=1.0, retry_after=120, retry_after_http_date=True))
    response = graph.get(ISSUES)
    when = parsedate_to_datetime(response.headers["retry-after"])
    sent = parsedate_to_datetime(response.headers["date"])
    assert 119 <= (when - sent).total_seconds() <= 121


def test_rate_limit_on_partner_center_paths_has_partner_center_body(sandbox: Sandbox) -> None:
    sandbox.set_faults(Faults(rate_limit=1.0, retry_after=57))
    response = httpx.get(f"{sandbox.base_url}/v1/servicerequests/1", timeout=10)
    assert response.status_code == 429
    assert response.headers["retry-after"] == "57"
    assert response.json() == {
        "statusCode": 429,
        "message": "Rate limit is exceeded. Try again in 57 seconds.",
    }


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_use_the_chosen_status(
    sandbox: Sandbox, graph: httpx.Client, status: int
) -> None:
    sandbox.set_faults(Faults(server_errors=1.0, error_status=status, retry_after=3))
    response = graph.get(ISSUES)
    assert response.status_code == status
    assert "code" in response.json()["error"]
    assert response.headers.get("retry-after") == ("3" if status == 503 else None)


def test_first_n_faults_only_the_first_requests_per_tenant_and_path(
    sandbox: Sandbox, client_for: Callable[..., httpx.Client]
) -> None:
    sandbox.set_faults(Faults(rate_limit=1.0, first_n=2))
    a, b = client_for(TENANT_A), client_for(TENANT_B)
    assert [a.get(ISSUES).status_code for _ in range(3)] == [429, 429, 200]
    assert [a.get(OVERVIEWS).status_code for _ in range(3)] == [429, 429, 200]
    assert [b.get(ISSUES).status_code for _ in range(3)] == [429, 429, 200]


def test_tenants_and_paths_scope_the_faults(
    sandbox: Sandbox, client_for: Callable[..., httpx.Client]
) -> None:
    sandbox.set_faults(Faults(server_errors=1.0, tenants=frozenset({TENANT_B}), paths="/issues$"))
    a, b = client_for(TENANT_A), client_for(TENANT_B)
    assert a.get(ISSUES).status_code == 200
    assert b.get(OVERVIEWS).status_code == 200
    assert b.get(ISSUES).status_code == 503


def test_slow_responses_trip_client_timeouts(sandbox: Sandbox, graph: httpx.Client) -> None:
    sandbox.set_faults(Faults(slow_ms=5000, slow_rate=1.0))
    with pytest.raises(httpx.ReadTimeout):
        graph.get(ISSUES, timeout=0.2)


def test_admin_endpoints_are_never_faulted(sandbox: Sandbox, graph: httpx.Client) -> None:
    sandbox.set_faults(Faults(reset=1.0, rate_limit=1.0, latency_ms=10_000))
    assert graph.get("/_sandbox/health", timeout=2).json()["status"] == "ok"
    assert graph.get("/_sandbox/requests", timeout=2).json() == {"value": []}


def test_faults_switch_at_runtime_through_the_admin_endpoint(
    sandbox: Sandbox, graph: httpx.Client
) -> None:
    switched = graph.post("/_sandbox/faults", json={"rate_limit": 1, "tenants": [TENANT_A]})
    assert switched.status_code == 200
    assert switched.json()["rate_limit"] == 1.0
    assert sandbox.faults == Faults(rate_limit=1.0, tenants=frozenset({TENANT_A}))
    assert graph.get("/_sandbox/faults").json()["tenants"] == [TENANT_A]
    assert graph.get(ISSUES).status_code == 429
    graph.post("/_sandbox/faults", json={})
    assert graph.get(ISSUES).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"rate_limit": 2},
        {"rate_limit": "often"},
        {"error_status": 404},
        {"latency_ms": -1},
        {"paths": "("},
        {"tenants": "one"},
        {"flood": 1},
        [1, 2],
    ],
)
def test_bad_faults_are_refused_with_400(
    sandbox: Sandbox, graph: httpx.Client, body: object
) -> None:
    response = graph.post("/_sandbox/faults", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "BadRequest"
    assert sandbox.faults == Faults()


def test_invalid_json_to_the_admin_endpoint_is_400(graph: httpx.Client) -> None:
    response = graph.post("/_sandbox/faults", content=b"{nope")
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["error"]["message"]


def test_same_seed_gives_the_same_faults() -> None:
    faults = Faults(rate_limit=0.3, server_errors=0.3, reset=0.1, truncate=0.2, seed=42)

    def outcomes() -> list[tuple[str | None, bool]]:
        injector = FaultInjector(faults)
        plans = [injector.plan(TENANT_A, f"/p{n % 3}") for n in range(60)]
        return [(p.action, p.truncate) for p in plans]

    first = outcomes()
    assert outcomes() == first
    assert {action for action, _ in first} == {None, "rate_limit", "server_error", "reset"}
    other = FaultInjector(Faults(rate_limit=0.3, server_errors=0.3, reset=0.1, seed=43))
    assert [other.plan(TENANT_A, f"/p{n % 3}").action for n in range(60)] != [a for a, _ in first]


def test_latency_and_jitter_bound_the_delay() -> None:
    injector = FaultInjector(Faults(latency_ms=50, latency_jitter_ms=10, seed=1))
    delays = [injector.plan(None, "/x").delay_s for _ in range(50)]
    assert all(0.05 <= d <= 0.06 for d in delays)
    assert len(set(delays)) > 1


def test_no_faults_means_an_empty_plan() -> None:
    injector = FaultInjector(Faults(retry_after=9, error_status=500, seed=3))
    plan = injector.plan(TENANT_A, ISSUES)
    assert (plan.action, plan.truncate, plan.delay_s, plan.next_link_loop) == (
        None,
        False,
        0,
        False,
    )


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"rate_limit": 1.5}, "rate_limit"),
        ({"reset": -0.1}, "reset"),
        ({"error_status": 501}, "error_status"),
        ({"slow_ms": -5}, "slow_ms"),
        ({"first_n": -1}, "first_n"),
        ({"paths": "[unclosed"}, "paths"),
    ],
)
def test_invalid_faults_name_the_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as caught:
        Faults(**kwargs)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_faults_round_trip_through_json() -> None:
    faults = Faults(rate_limit=0.5, tenants=frozenset({"b", "a"}), first_n=3, paths="/v1/", seed=9)
    assert Faults.from_mapping(json.loads(json.dumps(faults.to_dict()))) == faults


def test_tenants_accept_any_collection_but_not_a_string() -> None:
    assert Faults(tenants=["a", "b"]).tenants == frozenset({"a", "b"})  # type: ignore[arg-type]
    assert hash(Faults(tenants={"a"})) == hash(Faults(tenants=frozenset({"a"})))  # type: ignore[arg-type]
    with pytest.raises(InputError) as caught:
        Faults(tenants="abc")  # type: ignore[arg-type]
    assert caught.value.field == "tenants"


def test_quota_throttles_a_tenant_beyond_n_calls_per_minute() -> None:
    now = [1000.0]
    injector = FaultInjector(Faults(quota_per_minute=2), clock=lambda: now[0])
    assert [injector.plan("t", "/a").action for _ in range(2)] == [None, None]
    refused = injector.plan("t", "/b")  # the quota is per tenant, across paths
    assert (refused.action, refused.retry_after) == ("quota", 60)
    assert injector.plan("other", "/a").action is None
    now[0] += 45.5
    assert injector.plan("t", "/a").retry_after == 15  # refused calls do not count
    now[0] += 14.6
    assert injector.plan("t", "/a").action is None  # the first slot has freed


def test_quota_over_http_answers_429_with_the_wait(sandbox: Sandbox, graph: httpx.Client) -> None:
    sandbox.set_faults(Faults(quota_per_minute=2))
    responses = [graph.get(ISSUES) for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 200, 429]
    assert 1 <= int(responses[2].headers["retry-after"]) <= 60
    assert responses[2].json()["error"]["code"] == "activityLimitReached"
    assert [r.fault for r in sandbox.requests] == [None, None, "quota"]
