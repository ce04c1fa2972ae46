"""The emulator's lifecycle, request log, admin endpoints, snapshot checks and concurrency."""

from __future__ import annotations

import json
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from sandbox_data import TENANT_A, TENANT_B

from escalation_kit.errors import ConfigError, EscalationKitError, InputError
from escalation_kit.sandbox import Faults, Router, Sandbox, SandboxRequest, SandboxResponse
from escalation_kit.sandbox.demo import DEMO_TENANTS
from escalation_kit.sandbox.state import load_snapshot

ISSUES = "/v1.0/admin/serviceAnnouncement/issues"


def token(tenant: str) -> dict[str, str]:
    return {"Authorization": f"Bearer sandbox-{tenant}"}


def test_start_returns_a_loopback_url_and_stop_closes_the_port() -> None:
    sandbox = Sandbox()
    url = sandbox.start()
    assert url == sandbox.base_url
    assert url.startswith("http://127.0.0.1:")
    assert sandbox.start() == url  # idempotent
    assert httpx.get(f"{url}/_sandbox/health", timeout=5).json()["status"] == "ok"
    sandbox.stop()
    sandbox.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/_sandbox/health", timeout=5)
    with pytest.raises(EscalationKitError):
        _ = sandbox.base_url


def test_stop_closes_idle_keep_alive_connections() -> None:
    with Sandbox() as sandbox, httpx.Client(base_url=sandbox.base_url, timeout=5) as client:
        assert client.get("/_sandbox/health").status_code == 200
        sandbox.stop()
        with pytest.raises(httpx.TransportError):
            client.get("/_sandbox/health")


def test_builtin_demo_snapshot_serves_its_tenants() -> None:
    with Sandbox() as sandbox:
        for tenant in DEMO_TENANTS:
            response = httpx.get(f"{sandbox.base_url}{ISSUES}", headers=token(tenant), timeout=5)
            assert response.status_code == 200
            assert response.json()["value"]


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com", "::1"])
def test_refuses_hosts_other_than_ipv4_loopback(host: str) -> None:
    with pytest.raises(ConfigError, match="loopback"):
        Sandbox(host=host)


def test_localhost_and_other_127_addresses_are_accepted() -> None:
    with Sandbox(host="127.0.0.2") as sandbox:
        assert httpx.get(f"{sandbox.base_url}/_sandbox/health", timeout=5).status_code == 200
    with Sandbox(host="localhost") as sandbox:
        assert sandbox.base_url.startswith("http://localhost:")


def test_busy_port_is_a_config_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ConfigError, match=str(port)):
            Sandbox(port=port).start()


def test_request_log_records_api_calls_only(sandbox: Sandbox) -> None:
    with httpx.Client(base_url=sandbox.base_url, timeout=5) as client:
        client.get(ISSUES, params={"$top": "1"}, headers=token(TENANT_A))
        client.get(ISSUES)
        client.get("/_sandbox/health")
        logged = client.get("/_sandbox/requests").json()["value"]
    records = sandbox.requests
    assert [(r.method, r.path, dict(r.query), r.tenant, r.status) for r in records] == [
        ("GET", ISSUES, {"$top": "1"}, TENANT_A, 200),
        ("GET", ISSUES, {}, None, 401),
    ]
    assert [entry["status"] for entry in logged] == [200, 401]
    assert logged[0]["request_id"] == records[0].request_id
    sandbox.clear_requests()
    assert sandbox.requests == []


def test_a_request_is_logged_before_its_response_arrives(sandbox: Sandbox) -> None:
    with httpx.Client(base_url=sandbox.base_url, headers=token(TENANT_A), timeout=5) as client:
        for n in range(1, 31):
            client.get(ISSUES)
            assert len(sandbox.requests) == n


def test_reset_endpoint_clears_faults_log_and_runs_hooks(sandbox: Sandbox) -> None:
    calls: list[str] = []
    sandbox.state.add_reset_hook(lambda: calls.append("reset"))
    sandbox.set_faults(Faults(rate_limit=1.0))
    assert httpx.get(f"{sandbox.base_url}{ISSUES}", headers=token(TENANT_A)).status_code == 429
    assert httpx.post(f"{sandbox.base_url}/_sandbox/reset").json() == {"status": "reset"}
    assert sandbox.faults == Faults()
    assert sandbox.requests == []
    assert calls == ["reset"]


def test_snapshot_can_be_replaced_through_the_admin_endpoint(
    sandbox: Sandbox, snapshot: dict[str, Any]
) -> None:
    only_b = {"tenants": {TENANT_B: snapshot["tenants"][TENANT_B]}}
    replaced = httpx.post(f"{sandbox.base_url}/_sandbox/snapshot", json=only_b, timeout=5)
    assert replaced.json() == {"status": "ok", "tenants": 1}
    gone = httpx.get(f"{sandbox.base_url}{ISSUES}", headers=token(TENANT_A), timeout=5)
    assert gone.status_code == 403
    bad = httpx.post(f"{sandbox.base_url}/_sandbox/snapshot", json={"tenants": []}, timeout=5)
    assert bad.status_code == 400
    assert "field 'tenants'" in bad.json()["error"]["message"]
    assert sandbox.state.tenant_ids == [TENANT_B]


def test_fifty_parallel_requests_are_all_served(sandbox: Sandbox) -> None:
    with httpx.Client(base_url=sandbox.base_url, timeout=10) as client:

        def fetch(n: int) -> int:
            tenant = TENANT_A if n % 2 else TENANT_B
            return client.get(ISSUES, headers=token(tenant)).status_code

        with ThreadPoolExecutor(max_workers=50) as pool:
            statuses = list(pool.map(fetch, range(50)))
    assert statuses == [200] * 50
    assert len(sandbox.requests) == 50


def test_fifty_requests_are_handled_at_the_same_time(sandbox: Sandbox) -> None:
    """Each handler waits until all 50 have arrived: only a concurrent server answers 200."""
    barrier = threading.Barrier(50)

    def meet(req: SandboxRequest) -> SandboxResponse:
        barrier.wait(timeout=20)
        return SandboxResponse(200, {"met": True})

    sandbox.router.add("GET", "/v1.0/meet", meet)
    # httpx pools up to 100 connections, so all 50 requests are in flight at once
    client = httpx.Client(base_url=sandbox.base_url, timeout=30)
    with client, ThreadPoolExecutor(max_workers=50) as pool:
        statuses = list(pool.map(lambda _: client.get("/v1.0/meet").status_code, range(50)))
    assert statuses == [200] * 50


def test_chunked_request_bodies_are_read(sandbox: Sandbox) -> None:
    def chunks() -> Any:
        yield b'{"rate_limit": '
        yield b"0.25}"

    response = httpx.post(f"{sandbox.base_url}/_sandbox/faults", content=chunks(), timeout=5)
    assert response.status_code == 200
    assert sandbox.faults.rate_limit == 0.25


def test_custom_routes_get_decoded_params_json_and_errors(sandbox: Sandbox) -> None:
    def echo(req: SandboxRequest) -> SandboxResponse:
        return SandboxResponse(201, {"name": req.path_params["name"], "got": req.json()})

    sandbox.router.add("POST", r"/v1/echo/(?P<name>[^/]+)", echo)
    url = f"{sandbox.base_url}/v1/echo/a%20b"
    created = httpx.post(url, json={"x": 1}, headers={"MS-RequestId": "rid-1"}, timeout=5)
    assert created.status_code == 201
    assert created.json() == {"name": "a b", "got": {"x": 1}}
    assert created.headers["ms-requestid"] == "rid-1"
    bad = httpx.post(url, content=b"not json", timeout=5)
    assert bad.status_code == 400
    assert bad.json()["source"] == "PartnerFD"  # Partner Center error shape under /v1/


def test_route_headers_override_defaults_case_insensitively(sandbox: Sandbox) -> None:
    def text(req: SandboxRequest) -> SandboxResponse:
        headers = {"content-type": "text/plain", "Content-Length": "999", "request-id": "mine"}
        return SandboxResponse(200, b"hello", headers)

    sandbox.router.add("GET", "/v1.0/text", text)
    response = httpx.get(f"{sandbox.base_url}/v1.0/text", timeout=5)
    assert response.headers.get_list("content-type") == ["text/plain"]
    assert response.headers["content-length"] == "5"
    assert response.headers["request-id"] == "mine"
    assert response.text == "hello"


def test_a_failing_observer_does_not_break_requests(snapshot: dict[str, Any]) -> None:
    def broken(record: object) -> None:
        raise RuntimeError("observer bug")

    with Sandbox(snapshot, on_request=broken) as sandbox:
        response = httpx.get(f"{sandbox.base_url}{ISSUES}", headers=token(TENANT_A), timeout=5)
        assert response.status_code == 200
        assert len(sandbox.requests) == 1


def test_a_failing_route_is_a_500_not_a_dead_server(sandbox: Sandbox) -> None:
    def broken(req: SandboxRequest) -> SandboxResponse:
        raise RuntimeError("boom")

    sandbox.router.add("GET", "/v1.0/broken", broken)
    response = httpx.get(f"{sandbox.base_url}/v1.0/broken", timeout=5)
    assert response.status_code == 500
    assert "boom" not in response.text
    assert httpx.get(f"{sandbox.base_url}/_sandbox/health", timeout=5).status_code == 200


def test_partner_center_routes_are_installed_when_their_module_exists() -> None:
    sandbox = Sandbox()
    assert sandbox.router.resolve("GET", "/v1/servicerequests/616122292874576") not in (404, 405)


def test_router_resolves_404_and_405() -> None:
    router = Router()
    router.add("GET", "/things/(?P<id>[^/]+)", lambda req: SandboxResponse(200))
    assert router.resolve("GET", "/nothing") == 404
    assert router.resolve("PATCH", "/things/1") == 405
    resolved = router.resolve("get", "/things/x%2Fy")
    assert not isinstance(resolved, int)
    assert resolved[1] == {"id": "x/y"}


def test_load_snapshot_errors_name_the_file_and_place(tmp_path: Path) -> None:
    missing = tmp_path / "missing.json"
    with pytest.raises(InputError, match="not found") as caught:
        load_snapshot(missing)
    assert caught.value.file == str(missing)

    broken = tmp_path / "broken.json"
    broken.write_text('{"tenants": {\n  "a": [}', encoding="utf-8")
    with pytest.raises(InputError, match="line 2") as caught:
        load_snapshot(broken)
    assert caught.value.file == str(broken)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ([], None),
        ({"fetched_at": "x"}, "tenants"),
        ({"tenants": {"t": []}}, "tenants.t"),
        ({"tenants": {"t": {"issues": {}}}}, "tenants.t.issues"),
        ({"tenants": {"t": {"issues": ["EX1"]}}}, "tenants.t.issues[0]"),
        ({"tenants": {"t": {"issues": [{"title": "no id"}]}}}, "tenants.t.issues[0]"),
        (
            {"tenants": {"t": {"healthOverviews": [{"id": "Exchange"}]}}},
            "tenants.t.healthOverviews[0]",
        ),
    ],
)
def test_bad_snapshot_shapes_are_input_errors(tmp_path: Path, data: Any, field: str | None) -> None:
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        Sandbox(path)
    assert caught.value.field == field
    assert caught.value.file == str(path)


def test_snapshot_from_a_file_is_served(tmp_path: Path, snapshot: dict[str, Any]) -> None:
    path = tmp_path / "health.json"
    path.write_text(json.dumps(snapshot), encoding="utf-8")
    with Sandbox(path) as sandbox:
        body = httpx.get(f"{sandbox.base_url}{ISSUES}", headers=token(TENANT_B), timeout=5).json()
    assert body["value"] == snapshot["tenants"][TENANT_B]["issues"]


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"PATCH /v1/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 40\r\n\r\n",
        b'PATCH /v1/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 40\r\n\r\n{"NewNote": ',
        b"PATCH /v1/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n20\r\n{",
    ],
    ids=["headers only", "half a body", "half a chunk"],
)
def test_a_request_cut_off_by_the_client_is_never_handled(
    sandbox: Sandbox, request_bytes: bytes
) -> None:
    """A client killed while sending leaves a short body: a real server never acts on it, so
    neither does the emulator (it once applied such a PATCH as an empty update)."""
    handled: list[Any] = []

    def record(req: SandboxRequest) -> SandboxResponse:
        handled.append(req.body)
        return SandboxResponse(200, {})

    sandbox.router.add("PATCH", r"/v1/echo", record)
    port = int(sandbox.base_url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(request_bytes)
        sock.shutdown(socket.SHUT_WR)  # the client is gone: no more bytes will come
        assert sock.recv(1024) == b""  # closed without an answer
    whole = httpx.patch(f"{sandbox.base_url}/v1/echo", json={"NewNote": {"Text": "x"}}, timeout=5)
    assert whole.status_code == 200
    assert handled == [b'{"NewNote":{"Text":"x"}}']
