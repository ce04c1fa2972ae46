"""The lean keep-alive transport against a raw asyncio HTTP server (bytes on the wire)."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import Callable

import httpx
import pytest

from escalation_kit.transport import PooledClient

Reply = Callable[[int, bytes], bytes]


async def _serve(reply: Reply, *, close_after: int | None = None) -> tuple[asyncio.Server, list]:
    """A server answering each request with ``reply(n, head)``; logs (connection, n) pairs.
    ``close_after``: close each connection after that many answers (without saying so)."""
    log: list[tuple[int, int]] = []
    connections = 0

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        me, answered = connections, 0
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                if length:
                    await reader.readexactly(length)
                log.append((me, len(log)))
                writer.write(reply(len(log) - 1, head))
                await writer.drain()
                answered += 1
                if close_after is not None and answered >= close_after:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, log


def _url(server: asyncio.Server) -> str:
    return f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"


def test_keep_alive_content_length_and_chunked_bodies() -> None:
    def reply(n: int, head: bytes) -> bytes:
        if n % 2:
            return (
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n"
            )
        return b'HTTP/1.1 200 OK\r\nContent-Length: 7\r\nX-N: %d\r\n\r\n{"a":1}' % n

    async def go() -> tuple[list[bytes], list]:
        server, log = await _serve(reply)
        async with server, PooledClient(4) as client:
            bodies = [(await client.get(f"{_url(server)}/x?q={n}")).content for n in range(4)]
        return bodies, log

    bodies, log = asyncio.run(go())
    assert bodies == [b'{"a":1}', b"hello world"] * 2
    assert {connection for connection, _ in log} == {1}  # one kept-alive connection


@pytest.mark.parametrize("pause", [0.0, 0.05], ids=["close-in-flight", "close-seen"])
def test_a_connection_the_server_closed_while_idle_is_replaced(pause: float) -> None:
    def reply(n: int, head: bytes) -> bytes:
        return b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"

    async def go() -> tuple[list[int], list]:
        server, log = await _serve(reply, close_after=1)  # silently closes after each answer
        async with server, PooledClient(4) as client:
            statuses = []
            for _ in range(3):
                statuses.append((await client.get(_url(server))).status_code)
                await asyncio.sleep(pause)  # the close has reached the client, or not yet
        return statuses, log

    statuses, log = asyncio.run(go())
    assert statuses == [200, 200, 200]
    assert [connection for connection, _ in log] == [1, 2, 3]


def test_connection_close_and_a_body_cut_short() -> None:
    def reply(n: int, head: bytes) -> bytes:
        if n == 0:
            return b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"
        return b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"

    async def go() -> tuple[int, BaseException]:
        server, _ = await _serve(reply, close_after=1)
        async with server, PooledClient(4) as client:
            first = (await client.get(_url(server))).status_code
            with pytest.raises(httpx.RemoteProtocolError) as info:
                await client.get(_url(server))
        return first, info.value

    first, error = asyncio.run(go())
    assert first == 200
    assert "closed the connection mid-response" in str(error)


def test_no_answer_in_time_is_a_read_timeout() -> None:
    async def go() -> None:
        async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await asyncio.sleep(1)
            writer.close()

        server = await asyncio.start_server(silent, "127.0.0.1", 0)
        async with server, PooledClient(2, timeout=0.1) as client:
            with pytest.raises(httpx.ReadTimeout):
                await client.get(_url(server))

    asyncio.run(go())


def test_requests_beyond_the_pool_wait_for_a_slot() -> None:
    def reply(n: int, head: bytes) -> bytes:
        return b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"

    async def go() -> list:
        server, log = await _serve(reply)
        async with server, PooledClient(2) as client:
            await asyncio.gather(*(client.get(_url(server)) for _ in range(10)))
        return log

    log = asyncio.run(go())
    assert len(log) == 10
    assert len({connection for connection, _ in log}) <= 2


@pytest.mark.parametrize(
    ("method", "url", "kwargs"),
    [
        (
            "GET",
            "https://graph.example/v1.0/issues",
            {"headers": {"Authorization": "Bearer t", "Accept": "application/json"}},
        ),
        ("GET", "https://graph.example/v1.0/issues", {"params": {"$filter": "a ge 1"}}),
        (
            "POST",
            "https://login.example/t1/oauth2/v2.0/token",
            {"data": {"grant_type": "client_credentials"}, "timeout": 7.0},
        ),
        ("PUT", "https://graph.example/x", {"json": {"a": [1, "é"]}, "headers": {"X-A": "1"}}),
        ("GET", "https://graph.example/x", {"headers": [("Accept", "a"), ("Accept", "b")]}),
    ],
)
def test_short_request_building_matches_httpx(method: str, url: str, kwargs: dict) -> None:
    async def both() -> tuple[httpx.Request, httpx.Request]:
        async with PooledClient(4, timeout=12.0) as client:
            slim = client.build_request(method, url, **kwargs)
            full = httpx.AsyncClient.build_request(client, method, url, **kwargs)
            return slim, full

    slim, full = asyncio.run(both())
    assert slim.method == full.method
    assert slim.url == full.url
    assert sorted(slim.headers.multi_items()) == sorted(full.headers.multi_items())
    assert slim.read() == full.read()
    assert slim.extensions == full.extensions


def test_short_request_building_falls_back_for_a_relative_url() -> None:
    async def build() -> httpx.Request:
        async with PooledClient(4) as client:
            client.base_url = httpx.URL("https://graph.example/v1.0/")
            return client.build_request("GET", "issues", headers={"Accept": "a"})

    request = asyncio.run(build())
    assert str(request.url) == "https://graph.example/v1.0/issues"
    assert request.headers["Accept"] == "a"


def test_bodies_are_read_whole_and_encoded_ones_decoded() -> None:
    packed = gzip.compress('{"é":1}'.encode())

    def reply(n: int, head: bytes) -> bytes:
        if n == 1:
            return (
                b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n"
                % len(packed)
                + packed
            )
        return (
            b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{"a":1}'
        )

    async def go() -> list[httpx.Response]:
        server, _ = await _serve(reply)
        async with server, PooledClient(4) as client:
            return [await client.get(_url(server)) for _ in range(2)]

    plain, encoded = asyncio.run(go())
    assert (plain.content, plain.text, plain.json()) == (b'{"a":1}', '{"a":1}', {"a": 1})
    assert encoded.json() == {"é": 1}
    for response in (plain, encoded):
        assert response.is_stream_consumed and response.is_closed
        assert asyncio.run(response.aread()) == response.content
