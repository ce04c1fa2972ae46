"""The HTTP side of the emulator: raw request → :class:`SandboxRequest` → faults → route → bytes.

Kept apart from :mod:`server` so that the lifecycle code stays readable; this is the only module
that reads or writes HTTP.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import socket
import struct
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from escalation_kit.errors import InputError
from escalation_kit.sandbox.faults import FaultPlan
from escalation_kit.sandbox.identity import path_tenant
from escalation_kit.sandbox.responses import error_for, retry_after_value, throttled
from escalation_kit.sandbox.router import Headers, Router, SandboxRequest, SandboxResponse
from escalation_kit.sandbox.state import RequestRecord

if TYPE_CHECKING:
    from escalation_kit.sandbox.server import Sandbox

__all__ = ["ADMIN_PREFIX", "SandboxHandler"]

ADMIN_PREFIX = "/_sandbox/"
MAX_BODY = 10 * 1024 * 1024
_TOKEN = re.compile(r"Bearer\s+sandbox-(\S+)", re.IGNORECASE)
_ECHOED = ("MS-RequestId", "MS-CorrelationId")
log = logging.getLogger("escalation_kit.sandbox")


class _BadRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        self.status = status
        self.message = message


class _ClientGone(Exception):
    """The connection ended before the whole request arrived (a client killed mid-send)."""


class SandboxHandler(BaseHTTPRequestHandler):
    """Serves one connection (HTTP/1.1 keep-alive) for the :class:`Sandbox` of its server."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # no 40 ms delayed-ACK stalls on small writes
    wbufsize = 64 * 1024  # headers and body leave in one send (flushed after each request)
    server_version = "escalation-kit-sandbox"
    timeout = 120  # idle keep-alive connections are closed after this many seconds

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:  # type: ignore[attr-defined]
            self.server.connections.add(self.connection)  # type: ignore[attr-defined]

    def finish(self) -> None:
        with self.server.connections_lock:  # type: ignore[attr-defined]
            self.server.connections.discard(self.connection)  # type: ignore[attr-defined]
        with contextlib.suppress(OSError):  # the peer (or an injected reset) closed the socket
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the request log (and the CLI's --verbose) replaces stderr lines, so that
        nothing from the Authorization header can ever be printed."""

    @property
    def sandbox(self) -> Sandbox:
        return self.server.sandbox  # type: ignore[attr-defined]

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    # -- request ---------------------------------------------------------------------------

    def _handle(self) -> None:
        try:
            req = self._build_request()
        except _ClientGone:
            self.close_connection = True  # a real server never acts on half a request
            return
        except _BadRequest as bad:
            self.close_connection = True
            fallback = SandboxRequest(
                self.command, urlsplit(self.path).path, request_id=str(uuid.uuid4())
            )
            self._send(fallback, error_for(fallback, bad.status, bad.message))
            return
        if req.path.startswith(ADMIN_PREFIX):
            self._send(req, self._dispatch_admin(req))
            return
        plan = self.sandbox.injector.plan(req.tenant, req.path)
        if plan.delay_s and self.sandbox.stopping.wait(plan.delay_s):
            self.close_connection = True  # shutting down: no answer
            return
        # Record before answering: a client that sees the response must find it in the log.
        if plan.action == "reset":
            self._record(req, 0, "reset")
            self._reset_connection()
            return
        if plan.next_link_loop:
            req = replace(req, next_link_loop=True)
        response = self._faulted(req, plan) or self._dispatch(req, self.sandbox.router)
        self._record(req, response.status, plan.action or ("truncate" if plan.truncate else None))
        self._send(
            req, response, truncate=plan.truncate, full_length=plan.faults.truncate_full_length
        )

    def _build_request(self) -> SandboxRequest:
        split = urlsplit(self.path)
        body = self._read_body()
        headers = Headers(self.headers.items())
        match = _TOKEN.fullmatch(headers.get("Authorization", "").strip())
        request_id = str(uuid.uuid4())
        host = headers.get("Host")
        return SandboxRequest(
            method=self.command.upper(),
            path=split.path,
            query=dict(parse_qsl(split.query, keep_blank_values=True)),
            headers=headers,
            body=body,
            tenant=match.group(1) if match else path_tenant(split.path),
            base_url=f"http://{host}" if host else self.sandbox.base_url,
            request_id=request_id,
            client_request_id=headers.get("client-request-id", request_id),
        )

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        raw = self.headers.get("Content-Length", "0") or "0"
        if not raw.strip().isdigit():
            raise _BadRequest(400, f"invalid Content-Length {raw!r}")
        length = int(raw)
        if length > MAX_BODY:
            raise _BadRequest(413, f"request body larger than {MAX_BODY} bytes")
        return self._read_exactly(length) if length else b""

    def _read_exactly(self, size: int) -> bytes:
        data = self.rfile.read(size)
        if len(data) < size:
            raise _ClientGone
        return data

    def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            raw = self.rfile.readline(1024)
            if not raw:
                raise _ClientGone
            line = raw.split(b";")[0].strip()
            try:
                size = int(line, 16)
            except ValueError as exc:
                raise _BadRequest(400, "malformed chunked body") from exc
            total += size
            if total > MAX_BODY:
                raise _BadRequest(413, f"request body larger than {MAX_BODY} bytes")
            if size == 0:
                while self.rfile.readline(1024).strip():
                    pass  # trailers
                return b"".join(chunks)
            chunks.append(self._read_exactly(size))
            self.rfile.readline(16)

    # -- dispatch --------------------------------------------------------------------------

    def _faulted(self, req: SandboxRequest, plan: FaultPlan) -> SandboxResponse | None:
        faults = plan.faults
        if plan.action in ("rate_limit", "quota"):
            seconds = plan.retry_after if plan.retry_after is not None else faults.retry_after
            return throttled(req, seconds, http_date=faults.retry_after_http_date)
        if plan.action == "server_error":
            headers = {}
            if faults.error_status == 503:
                headers["Retry-After"] = retry_after_value(
                    faults.retry_after, http_date=faults.retry_after_http_date
                )
            message = "Injected server error (sandbox fault)."
            return error_for(req, faults.error_status, message, headers)
        return None

    def _dispatch_admin(self, req: SandboxRequest) -> SandboxResponse:
        """Admin endpoints: the sandbox's own, then route modules' ``/_sandbox/...`` routes."""
        if self.sandbox.admin_router.resolve(req.method, req.path) == 404:
            return self._dispatch(req, self.sandbox.router)
        return self._dispatch(req, self.sandbox.admin_router)

    def _dispatch(self, req: SandboxRequest, router: Router) -> SandboxResponse:
        try:
            result = router.dispatch(req)
        except InputError as exc:
            return error_for(req, 400, str(exc))
        except Exception:
            log.exception("sandbox route failed: %s %s", req.method, req.path)
            return error_for(req, 500, "The sandbox route failed; see the sandbox's log.")
        if isinstance(result, int):
            what = "No such resource" if result == 404 else f"Method {req.method} not allowed"
            return error_for(req, result, f"{what}: {req.path}")
        return result

    # -- response --------------------------------------------------------------------------

    def _send(
        self,
        req: SandboxRequest,
        response: SandboxResponse,
        *,
        truncate: bool = False,
        full_length: bool = False,
    ) -> None:
        payload, content_type = _encode(response)
        sent = payload[: len(payload) // 2] if truncate else payload
        self.send_response(response.status)
        for name, value in _response_headers(req, response, content_type):
            self.send_header(name, value)
        promised = len(payload) if truncate and full_length else len(sent)
        self.send_header("Content-Length", str(promised))
        if truncate and full_length:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        try:
            self.wfile.write(sent)
        except OSError:
            self.close_connection = True

    def _reset_connection(self) -> None:
        """Close the socket with RST and no response at all."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()

    def _record(self, req: SandboxRequest, status: int, fault: str | None) -> None:
        entry = RequestRecord(
            method=req.method,
            path=req.path,
            query=dict(req.query),
            tenant=req.tenant,
            status=status,
            at=datetime.now(UTC),
            fault=fault,
            request_id=req.request_id,
        )
        self.sandbox.record(entry)


def _response_headers(
    req: SandboxRequest, response: SandboxResponse, content_type: str
) -> list[tuple[str, str]]:
    """The route's headers over the defaults (request ids, Content-Type, echoed Partner Center
    ids), case-insensitively; Content-Length is always computed by the server."""
    merged: dict[str, tuple[str, str]] = {}
    defaults = [
        ("Content-Type", content_type),
        ("request-id", req.request_id),
        ("client-request-id", req.client_request_id),
        *((name, req.headers[name]) for name in _ECHOED if name in req.headers),
    ]
    for name, value in [*defaults, *response.headers.items()]:
        merged[name.lower()] = (name, value)
    merged.pop("content-length", None)
    return list(merged.values())


def _encode(response: SandboxResponse) -> tuple[bytes, str]:
    if isinstance(response.body, bytes | bytearray):
        return bytes(response.body), "application/octet-stream"
    if response.body is None:
        return b"", "application/json; charset=utf-8"
    text = json.dumps(response.body, ensure_ascii=False, separators=(",", ":"))
    return text.encode("utf-8"), "application/json; charset=utf-8"
