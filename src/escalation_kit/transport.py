"""A lean HTTP/1.1 keep-alive transport for httpx's ``AsyncClient``, for fan-out to one API.

httpcore's pool re-examines every pooled connection (a socket poll each) whenever a request
starts or ends, so its CPU per request grows with the pool: with 64 connections that was most of
the health sync's CPU. :class:`PooledTransport` keeps idle connections per origin in a stack and
touches only the one it hands out. It speaks plain HTTP/1.1 over asyncio streams (TLS verified
against certifi's roots, or ``SSL_CERT_FILE``): ``Content-Length`` and chunked bodies,
keep-alive, ``Connection: close``. Requests, responses, content decoding and timeouts' values
stay httpx's; errors are httpx's own exception types, so retries work unchanged.
:class:`PooledClient` also skips the client's cookie jar, redirects and hooks.

A connection that the server closed while idle is detected when its request gets no byte back
and the request is sent once more on a new connection (only then: nothing was answered).
"""

from __future__ import annotations

import asyncio
import os
import ssl
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import certifi
import httpx

__all__ = ["PooledClient", "PooledTransport"]

_MAX_HEAD = 64 * 1024
_NO_BODY_STATUS = frozenset({204, 304})


@dataclass(slots=True)
class _Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    reused: bool = False

    def close(self) -> None:
        self.writer.close()


@dataclass(slots=True)
class _Origin:
    idle: deque[_Connection] = field(default_factory=deque)


class PooledTransport(httpx.AsyncBaseTransport):
    """HTTP/1.1 with keep-alive; at most ``max_connections`` requests in flight at once (the
    rest wait), and as many idle connections kept per origin."""

    def __init__(self, max_connections: int = 64, *, ssl_context: ssl.SSLContext | None = None):
        self.max_connections = max_connections
        self._slots = asyncio.Semaphore(max_connections)
        self._origins: dict[tuple[bytes, bytes, int], _Origin] = {}
        self._ssl = ssl_context
        self._closed = False

    def _tls(self) -> ssl.SSLContext:
        """Verified TLS: certifi's roots, or ``SSL_CERT_FILE``/``SSL_CERT_DIR`` when set (as
        httpx does, e.g. for a company's own root certificate)."""
        if self._ssl is None:
            cafile = os.environ.get("SSL_CERT_FILE") or None
            capath = os.environ.get("SSL_CERT_DIR") or None
            if cafile is None and capath is None:
                cafile = certifi.where()
            self._ssl = ssl.create_default_context(cafile=cafile, capath=capath)
        return self._ssl

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response, _ = await self.exchange(request)
        return response

    async def exchange(self, request: httpx.Request) -> tuple[httpx.Response, bytes]:
        """The response (its body as a stream, as a transport returns it) and the body."""
        if self._closed:
            raise httpx.ConnectError("the transport is closed", request=request)
        timeouts: dict[str, float | None] = request.extensions.get("timeout", {})
        url = request.url
        port = url.port or (443 if url.scheme == "https" else 80)
        key = (url.raw_scheme, url.raw_host, port)
        origin = self._origins.setdefault(key, _Origin())
        payload = _encode(request, await request.aread())
        async with self._slots:
            for _ in range(2):
                connection = await self._connection(origin, request, port, timeouts)
                try:
                    status, headers, body, keep = await self._exchange(
                        connection, request, payload, timeouts
                    )
                except _StaleConnection:
                    connection.close()
                    continue
                except BaseException:
                    connection.close()
                    raise
                if keep and len(origin.idle) < self.max_connections:
                    connection.reused = True
                    origin.idle.append(connection)
                else:
                    connection.close()
                response = httpx.Response(
                    status,
                    headers=headers,
                    stream=httpx.ByteStream(body),
                    extensions={"http_version": b"HTTP/1.1"},
                    request=request,
                )
                return response, body
        raise httpx.RemoteProtocolError(
            "the server closed the connection without a response", request=request
        )

    async def _connection(
        self,
        origin: _Origin,
        request: httpx.Request,
        port: int,
        timeouts: dict[str, float | None],
    ) -> _Connection:
        while origin.idle:
            connection = origin.idle.pop()  # the most recently used: least likely to be closed
            if not connection.reader.at_eof() and not connection.writer.is_closing():
                return connection
            connection.close()
        host = request.url.host
        tls = self._tls() if request.url.scheme == "https" else None
        try:
            async with asyncio.timeout(timeouts.get("connect")):
                reader, writer = await asyncio.open_connection(
                    host, port, ssl=tls, server_hostname=host if tls else None, limit=_MAX_HEAD
                )
        except TimeoutError as exc:
            raise httpx.ConnectTimeout("could not connect in time", request=request) from exc
        except OSError as exc:
            raise httpx.ConnectError(_why(exc, "could not connect"), request=request) from exc
        return _Connection(reader, writer)

    async def _exchange(
        self,
        connection: _Connection,
        request: httpx.Request,
        payload: bytes,
        timeouts: dict[str, float | None],
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes, bool]:
        reader, writer = connection.reader, connection.writer
        try:
            writer.write(payload)
            async with asyncio.timeout(timeouts.get("write")):
                await writer.drain()
        except TimeoutError as exc:
            raise httpx.WriteTimeout(
                "the request could not be sent in time", request=request
            ) from exc
        except OSError as exc:
            if connection.reused:
                raise _StaleConnection from exc
            raise httpx.WriteError(_why(exc, "connection lost"), request=request) from exc
        try:
            async with asyncio.timeout(timeouts.get("read")):
                return await _read_response(reader, request)
        except TimeoutError as exc:
            raise httpx.ReadTimeout("no answer in time", request=request) from exc
        except asyncio.IncompleteReadError as exc:
            if connection.reused and not exc.partial:
                raise _StaleConnection from exc
            raise httpx.RemoteProtocolError(
                "the server closed the connection mid-response", request=request
            ) from exc
        except (asyncio.LimitOverrunError, ValueError) as exc:
            raise httpx.RemoteProtocolError(
                f"malformed response ({type(exc).__name__})", request=request
            ) from exc
        except _Stale as exc:
            if connection.reused:
                raise _StaleConnection from exc
            raise httpx.RemoteProtocolError(
                "the server closed the connection without a response", request=request
            ) from exc
        except OSError as exc:
            raise httpx.ReadError(_why(exc, "connection reset"), request=request) from exc

    async def aclose(self) -> None:
        self._closed = True
        for origin in self._origins.values():
            while origin.idle:
                origin.idle.pop().close()


class PooledClient(httpx.AsyncClient):
    """An ``httpx.AsyncClient`` on a :class:`PooledTransport` whose :meth:`send` goes straight
    to the transport: no cookie jar, no redirects, no auth flow, no event hooks (an API client
    that follows ``@odata.nextLink`` itself needs none of them, and each cost CPU per request).
    """

    def __init__(self, max_connections: int = 64, *, timeout: float | httpx.Timeout = 30.0):
        self._pooled = PooledTransport(max_connections)
        super().__init__(timeout=timeout, transport=self._pooled)

    def build_request(
        self,
        method: str,
        url: httpx.URL | str,
        *,
        params: Any = None,
        headers: Any = None,
        cookies: Any = None,
        files: Any = None,
        timeout: Any = httpx.USE_CLIENT_DEFAULT,
        extensions: Any = None,
        **body: Any,
    ) -> httpx.Request:
        """httpx's request, built the short way for the common case (an absolute URL, headers
        as a mapping, no cookies, no files): the URL is parsed once per distinct string and
        the client's headers are merged in one pass. Anything else goes through httpx."""
        parsed = _absolute(url) if isinstance(url, str) else url
        if (
            files is not None
            or cookies
            or parsed.is_relative_url
            or not (headers is None or isinstance(headers, Mapping))
            or self.params
            or self.cookies
        ):
            return super().build_request(
                method,
                url,
                params=params,
                headers=headers,
                cookies=cookies,
                files=files,
                timeout=timeout,
                extensions=extensions,
                **body,
            )
        if headers:
            given = {name.lower() for name in headers}
            merged = [pair for pair in self.headers.multi_items() if pair[0] not in given]
            merged.extend(headers.items())
        else:
            merged = self.headers.multi_items()
        extensions = {} if extensions is None else dict(extensions)
        if "timeout" not in extensions:
            chosen = self.timeout if timeout is httpx.USE_CLIENT_DEFAULT else httpx.Timeout(timeout)
            extensions["timeout"] = chosen.as_dict()
        return httpx.Request(
            method, parsed, params=params or None, headers=merged, extensions=extensions, **body
        )

    async def send(self, request: httpx.Request, **kwargs: object) -> httpx.Response:
        """Send ``request`` and read the whole body (``kwargs`` are accepted and ignored)."""
        response, body = await self._pooled.exchange(request)
        if "content-encoding" in response.headers:
            await response.aread()  # httpx's decoders (gzip, br, ...)
        else:  # nothing to decode: what aread() would keep, without its stream machinery
            response._content = body
            response.is_stream_consumed = response.is_closed = True
        return response


class _StaleConnection(Exception):
    """A kept-alive connection the server had closed: send again on a new one."""


class _Stale(Exception):
    """No byte of a response arrived before the connection ended."""


def _why(exc: OSError, fallback: str) -> str:
    """The OS's words for a socket error (``Connection reset by peer``), without the errno."""
    return str(exc.strerror or exc) or fallback


@lru_cache(maxsize=1024)
def _absolute(url: str) -> httpx.URL:
    """``httpx.URL(url)``, parsed once for a URL requested again (httpx URLs are immutable)."""
    return httpx.URL(url)


def _encode(request: httpx.Request, body: bytes) -> bytes:
    target = request.url.raw_path
    lines = [request.method.encode("ascii") + b" " + target + b" HTTP/1.1"]
    lines.extend(name + b": " + value for name, value in request.headers.raw)
    if body and "content-length" not in request.headers:
        lines.append(b"Content-Length: " + str(len(body)).encode("ascii"))
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


async def _read_response(
    reader: asyncio.StreamReader, request: httpx.Request
) -> tuple[int, list[tuple[bytes, bytes]], bytes, bool]:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if not exc.partial:
            raise _Stale from exc
        raise
    status_line, _, rest = head[:-4].partition(b"\r\n")
    version, _, status_text = status_line.partition(b" ")
    try:
        status = int(status_text[:3])
    except ValueError:
        raise httpx.RemoteProtocolError("malformed status line", request=request) from None
    headers: list[tuple[bytes, bytes]] = []
    length: int | None = None
    chunked = False
    keep = version == b"HTTP/1.1"
    for line in rest.split(b"\r\n") if rest else ():
        name, _, value = line.partition(b":")
        name, value = name.strip(), value.strip()
        headers.append((name, value))
        lowered = name.lower()
        if lowered == b"content-length":
            try:
                length = int(value)
            except ValueError:
                raise httpx.RemoteProtocolError(
                    "malformed Content-Length", request=request
                ) from None
        elif lowered == b"transfer-encoding":
            chunked = b"chunked" in value.lower()
        elif lowered == b"connection":
            token = value.lower()
            keep = b"close" not in token and (keep or b"keep-alive" in token)
    if request.method == "HEAD" or status in _NO_BODY_STATUS or 100 <= status < 200:
        return status, headers, b"", keep
    if chunked:
        return status, headers, await _read_chunked(reader), keep
    if length is not None:
        return status, headers, await reader.readexactly(length), keep
    return status, headers, await reader.read(), False  # delimited by the connection's end


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    while True:
        size_line = await reader.readuntil(b"\r\n")
        size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
        if size == 0:
            while (await reader.readuntil(b"\r\n")) != b"\r\n":
                pass  # trailers
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)
