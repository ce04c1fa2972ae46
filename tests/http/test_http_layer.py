"""The shared HTTP layer: retries, Retry-After, error translation, JSON bodies, secret hygiene."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.utils import format_datetime

import httpx
import pytest

from escalation_kit.errors import HealthLookupError, PartnerCenterError
from escalation_kit.http import (
    RetryPolicy,
    asend,
    error_from_response,
    json_body,
    json_body_member,
    redact,
    retry_delay,
    safe_url,
    send,
)

FAST = RetryPolicy(max_retries=3, base_delay=0.01, max_delay=2.0, jitter=0.0)
TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOi.secret-token-value"


class Script:
    """A MockTransport handler answering from a list and recording every request it saw."""

    def __init__(self, *responses: httpx.Response | Exception) -> None:
        self.responses = list(responses)
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        item = self.responses.pop(0)
        if isinstance(item, Exception):
            raise item
        return item


def run(
    script: Script, request: httpx.Request | None = None, **kw: object
) -> tuple[httpx.Response, list[float]]:
    delays: list[float] = []
    with httpx.Client(transport=httpx.MockTransport(script)) as client:
        req = request or client.build_request("GET", "https://graph.test/v1.0/x")
        response = send(
            client, req, policy=kw.pop("policy", FAST), error=HealthLookupError, sleep=delays.append
        )  # type: ignore[arg-type]
    return response, delays


def test_success_first_try() -> None:
    script = Script(httpx.Response(200, json={"ok": 1}))
    response, delays = run(script)
    assert response.json() == {"ok": 1}
    assert delays == []


def test_retry_after_seconds_is_honoured() -> None:
    script = Script(
        httpx.Response(429, headers={"Retry-After": "1"}),
        httpx.Response(429, headers={"Retry-After": "0"}),
        httpx.Response(200, json=[]),
    )
    _, delays = run(script)
    assert delays == [1.0, 0.0]
    assert len(script.seen) == 3


def test_retry_after_http_date_is_honoured() -> None:
    now = datetime(2026, 11, 24, 3, 0, 0, tzinfo=UTC)
    later = format_datetime(datetime(2026, 11, 24, 3, 0, 7, tzinfo=UTC), usegmt=True)
    response = httpx.Response(503, headers={"Retry-After": later})
    assert retry_delay(response, 0, FAST, now=now) == 2.0  # capped by max_delay
    roomy = RetryPolicy(max_delay=60)
    assert retry_delay(response, 0, roomy, now=now) == 7.0
    past = httpx.Response(503, headers={"Retry-After": "Tue, 24 Nov 2026 02:00:00 GMT"})
    assert retry_delay(past, 0, roomy, now=now) == 0.0


def test_retry_after_http_date_through_send() -> None:
    soon = format_datetime(datetime.now(UTC), usegmt=True)
    script = Script(httpx.Response(429, headers={"Retry-After": soon}), httpx.Response(200))
    _, delays = run(script)
    assert len(delays) == 1 and 0.0 <= delays[0] <= 1.0


def test_backoff_is_exponential_capped_and_jittered() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=3.0, jitter=0.0)
    assert [retry_delay(None, a, policy) for a in range(5)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    jittery = RetryPolicy(base_delay=1.0, max_delay=60, jitter=0.2)
    samples = [retry_delay(None, 2, jittery) for _ in range(200)]
    assert all(3.2 <= s <= 4.8 for s in samples)
    assert len(set(samples)) > 1
    garbage = httpx.Response(429, headers={"Retry-After": "soon-ish"})
    assert retry_delay(garbage, 0, policy) == 0.5


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_retried(status: int) -> None:
    script = Script(httpx.Response(status), httpx.Response(200, json={}))
    response, delays = run(script)
    assert response.status_code == 200
    assert delays == [0.01]


def test_retries_run_out_with_the_last_error() -> None:
    body = {
        "error": {
            "code": "serviceUnavailable",
            "message": "try later",
            "innerError": {"request-id": "rid-1"},
        }
    }
    script = Script(*[httpx.Response(503, json=body) for _ in range(4)])
    with pytest.raises(HealthLookupError) as info:
        run(script)
    assert len(script.seen) == 4  # first attempt + 3 retries
    err = info.value
    assert (err.status_code, err.code, err.request_id) == (503, "serviceUnavailable", "rid-1")
    assert err.url == "https://graph.test/v1.0/x"
    assert "try later" in str(err)


def test_final_429_is_the_services_error_marked_throttled() -> None:
    body = {"statusCode": 429, "message": "Rate limit is exceeded. Try again in 57 seconds."}
    script = Script(
        *[httpx.Response(429, json=body, headers={"Retry-After": "0"}) for _ in range(4)]
    )
    with pytest.raises(HealthLookupError) as info:
        run(script)
    assert info.value.status_code == 429 and info.value.throttled
    assert "Rate limit is exceeded" in str(info.value)
    assert not isinstance(info.value, PartnerCenterError)  # a Graph 429 is Graph's error


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409])
def test_client_errors_fail_at_once(status: int) -> None:
    script = Script(
        httpx.Response(status, json={"error": {"code": "accessDenied", "message": "no"}})
    )
    with pytest.raises(HealthLookupError) as info:
        run(script)
    assert len(script.seen) == 1
    assert (info.value.status_code, info.value.code) == (status, "accessDenied")


def test_same_request_object_and_headers_on_every_retry() -> None:
    script = Script(httpx.ReadTimeout("slow"), httpx.Response(503), httpx.Response(200))
    request = httpx.Request(
        "PATCH",
        "https://pc.test/v1/servicerequests/1",
        headers={"MS-RequestId": "abc"},
        json={"Status": "closed"},
    )
    run(script, request)
    assert [r.headers["MS-RequestId"] for r in script.seen] == ["abc", "abc", "abc"]
    assert all(r is request for r in script.seen)
    assert all(r.content == b'{"Status":"closed"}' for r in script.seen)


def test_timeouts_and_resets_retried_then_fail_cleanly() -> None:
    script = Script(httpx.ConnectTimeout("t"), httpx.ReadError("reset"), httpx.Response(200))
    response, delays = run(script)
    assert response.status_code == 200 and len(delays) == 2
    always = Script(*[httpx.ReadError("Connection reset by peer") for _ in range(4)])
    with pytest.raises(HealthLookupError, match=r"failed after 4 attempts: ReadError") as info:
        run(always)
    assert info.value.code == "ReadError"
    no_retry = Script(httpx.ReadTimeout("slow"))
    with pytest.raises(HealthLookupError, match="timed out after 1 attempt:"):
        run(no_retry, policy=RetryPolicy(timeout_retries=False))


def test_partner_center_error_shapes() -> None:
    request = httpx.Request("GET", "https://pc.test/v1/partners/9")
    pc = httpx.Response(
        404,
        request=request,
        json={"code": 3000, "description": "Partner not found", "data": [], "source": "PartnerFD"},
        headers={"MS-CorrelationId": "corr-9"},
    )
    err = error_from_response(pc, error=PartnerCenterError)
    assert type(err) is PartnerCenterError
    assert (err.code, err.request_id, err.status_code) == ("3000", "corr-9", 404)
    assert "Partner not found" in str(err)


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"<html>Bad gateway</html>",
        b"[1,2]",
        b'{"error": 5}',
        b'{"error": {"code": {"x": 1}}}',
        b"\xff\xfe",
    ],
)
def test_error_from_response_never_raises_on_odd_bodies(content: bytes) -> None:
    response = httpx.Response(502, request=httpx.Request("GET", "https://x.test/"), content=content)
    err = error_from_response(response, error=HealthLookupError)
    assert err.status_code == 502
    assert "HTTP 502" in str(err)


def test_request_id_header_precedence() -> None:
    request = httpx.Request("GET", "https://x.test/")
    body = {"error": {"code": "c", "message": "m", "innerError": {"request-id": "from-body"}}}
    with_header = httpx.Response(
        400, request=request, json=body, headers={"request-id": "from-header"}
    )
    assert error_from_response(with_header, error=HealthLookupError).request_id == "from-header"
    without = httpx.Response(400, request=request, json=body, headers={"client-request-id": "c"})
    assert error_from_response(without, error=HealthLookupError).request_id == "c"
    body_only = httpx.Response(400, request=request, json=body)
    assert error_from_response(body_only, error=HealthLookupError).request_id == "from-body"


def test_json_body_truncated_is_a_precise_error() -> None:
    request = httpx.Request("GET", "https://graph.test/v1.0/admin/serviceAnnouncement/issues")
    ok = httpx.Response(200, request=request, content=b'{"value": []}')
    assert json_body(ok, error=HealthLookupError) == {"value": []}
    cut = httpx.Response(
        200, request=request, content=b'{"value": [{"id": "EX1", "ti', headers={"request-id": "r7"}
    )
    with pytest.raises(HealthLookupError) as info:
        json_body(cut, error=HealthLookupError)
    assert "truncated or malformed JSON body (28 bytes, HTTP 200)" in str(info.value)
    assert (info.value.code, info.value.request_id) == ("malformedBody", "r7")


def test_redact_and_safe_url() -> None:
    text = (
        f"Authorization: Bearer {TOKEN}; body access_token={TOKEN}&x=1 "
        f'{{"refresh_token": "{TOKEN}", "client_secret":"s3cr3t"}}'
    )
    cleaned = redact(text)
    assert TOKEN not in cleaned and "s3cr3t" not in cleaned
    assert cleaned.count("***") == 4
    assert safe_url("https://x.test/a?$skip=100&client_secret=abc&code=xyz") == (
        "https://x.test/a?$skip=100&client_secret=***&code=***"
    )
    assert safe_url("https://x.test/a") == "https://x.test/a"


def test_logs_never_contain_the_token(caplog: pytest.LogCaptureFixture) -> None:
    script = Script(
        httpx.Response(429, headers={"Retry-After": "0"}),
        httpx.ReadError(f"reset while sending Bearer {TOKEN}"),
        *[
            httpx.Response(
                401,
                json={
                    "error": {
                        "code": "InvalidAuthenticationToken",
                        "message": f"token {TOKEN} expired",
                    }
                },
            )
        ],
    )
    request = httpx.Request(
        "GET",
        f"https://graph.test/v1.0/x?access_token={TOKEN}",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    with (
        caplog.at_level(logging.DEBUG, logger="escalation_kit"),
        pytest.raises(HealthLookupError) as info,
    ):
        run(script, request)
    assert len(caplog.records) == 2  # the two retries were logged
    assert "retrying" in caplog.text
    assert TOKEN not in caplog.text
    assert TOKEN not in str(info.value) and TOKEN not in repr(info.value)
    assert TOKEN not in (info.value.url or "")


def test_asend_retries_with_async_sleep() -> None:
    script = Script(
        httpx.Response(429, headers={"Retry-After": "1"}),
        httpx.ReadTimeout("t"),
        httpx.Response(200, json={"v": 1}),
    )
    delays: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        delays.append(seconds)

    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.MockTransport(script)) as client:
            request = client.build_request("GET", "https://graph.test/v1.0/y")
            return await asend(
                client, request, policy=FAST, error=HealthLookupError, sleep=fake_sleep
            )

    response = asyncio.run(go())
    assert response.json() == {"v": 1}
    assert delays == [1.0, 0.01 * 2]


# --- real sockets on 127.0.0.1 ------------------------------------------------------------


@pytest.fixture
def raw_server() -> Iterator[Callable[[Callable[[socket.socket], None]], str]]:
    """Start a one-thread TCP server whose per-connection behaviour the test chooses."""
    servers: list[socket.socket] = []

    def start(behave: Callable[[socket.socket], None]) -> str:
        listener = socket.create_server(("127.0.0.1", 0))
        servers.append(listener)

        def serve() -> None:
            while True:
                try:
                    conn, _ = listener.accept()
                except OSError:
                    return
                with conn:
                    conn.recv(65536)
                    behave(conn)

        threading.Thread(target=serve, daemon=True).start()
        return f"http://127.0.0.1:{listener.getsockname()[1]}/v1.0/x"

    yield start
    for listener in servers:
        listener.close()


def test_real_reset_connection_is_retried_then_fails(raw_server: Callable[..., str]) -> None:
    def reset(conn: socket.socket) -> None:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")

    url = raw_server(reset)
    delays: list[float] = []
    with (
        httpx.Client() as client,
        pytest.raises(HealthLookupError, match="after 4 attempts") as info,
    ):
        send(
            client,
            client.build_request("GET", url),
            policy=FAST,
            error=HealthLookupError,
            sleep=delays.append,
        )
    assert len(delays) == 3
    assert info.value.status_code is None


def test_real_timeout_is_retried_then_fails(raw_server: Callable[..., str]) -> None:
    url = raw_server(lambda conn: conn.recv(1))  # reads, never answers, until the client gives up
    delays: list[float] = []
    with (
        httpx.Client(timeout=0.2) as client,
        pytest.raises(HealthLookupError, match="timed out after 2 attempts: ReadTimeout"),
    ):
        send(
            client,
            client.build_request("GET", url),
            policy=RetryPolicy(max_retries=1, base_delay=0),
            error=HealthLookupError,
            sleep=delays.append,
        )
    assert delays == [0.0]


def test_real_truncated_body_is_retried_then_fails(raw_server: Callable[..., str]) -> None:
    def truncated(conn: socket.socket) -> None:
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n"
        conn.sendall(head + b'\r\n{"value": [')

    url = raw_server(truncated)
    with httpx.Client() as client, pytest.raises(HealthLookupError, match="RemoteProtocolError"):
        send(
            client,
            client.build_request("GET", url),
            policy=FAST,
            error=HealthLookupError,
            sleep=lambda s: None,
        )


def _json_response(content: bytes) -> httpx.Response:
    return httpx.Response(200, content=content, request=httpx.Request("GET", "https://g.test/x"))


@pytest.mark.parametrize(
    "content",
    [
        b'{"@odata.context":"c","value":[{"id":"A","t":"\\u00e9 \xc3\xa9"}]}',
        b' \n{ "value" : [ 1 , {"a": [true, null]} ] ,\n "@odata.nextLink": "n" } \n',
        b'{"value":[],"value":[{"id":"last wins"}]}',
        b'{"other":{"value":[1]}}',
        b"{}",
    ],
)
def test_json_body_member_is_the_member_as_received(content: bytes) -> None:
    body, text = json_body_member(_json_response(content), "value", error=HealthLookupError)
    assert body == json.loads(content)
    if "value" in body:
        assert text is not None and json.loads(text) == body["value"]
        assert text in content.decode("utf-8")
    else:
        assert text is None


@pytest.mark.parametrize(
    "content",
    [
        b"[1,2]",
        b'"value"',
        b"\xef\xbb\xbf" + b'{"value":[1]}',
        b'{"value":[1]} x',
        b'{"value":NaN}',
    ],
)
def test_json_body_member_leaves_other_bodies_to_json_body(content: bytes) -> None:
    response = _json_response(content)
    try:
        expected = json_body(response, error=HealthLookupError)
    except HealthLookupError as exc:
        with pytest.raises(HealthLookupError, match="malformed JSON body") as caught:
            json_body_member(response, "value", error=HealthLookupError)
        assert str(caught.value) == str(exc)
        return
    body, _ = json_body_member(response, "value", error=HealthLookupError)
    assert body == expected or (body != body and expected != expected)


@pytest.mark.parametrize("content", [b"", b'{"value":[1,', b'{"value" [1]}', b'{"value":[1]}}'])
def test_json_body_member_words_a_malformed_body_as_json_body_does(content: bytes) -> None:
    with pytest.raises(HealthLookupError, match="truncated or malformed JSON body"):
        json_body_member(_json_response(content), "value", error=HealthLookupError)
