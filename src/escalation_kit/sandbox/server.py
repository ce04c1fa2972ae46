"""The loopback emulator: a threaded stdlib HTTP/1.1 server running in a background thread.

:class:`Sandbox` serves the Graph routes (``graph.py``), the Partner Center routes when
``sandbox/partner_center.py`` exists, and emulator-only admin endpoints under ``/_sandbox/``.
Faults (``faults.py``) are applied to every API request before it is dispatched.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import ipaddress
import logging
import socket
import socketserver
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from types import TracebackType
from typing import Any

from escalation_kit.errors import ConfigError, EscalationKitError
from escalation_kit.sandbox import admin, graph, identity
from escalation_kit.sandbox.faults import FaultInjector, Faults
from escalation_kit.sandbox.handler import SandboxHandler
from escalation_kit.sandbox.identity import Identity
from escalation_kit.sandbox.router import Router
from escalation_kit.sandbox.state import (
    RequestRecord,
    SandboxState,
    SnapshotSource,
    load_snapshot,
)

__all__ = ["RequestRecord", "Sandbox"]

PARTNER_CENTER_MODULE = "escalation_kit.sandbox.partner_center"
log = logging.getLogger("escalation_kit.sandbox")


@dataclass
class _Runtime:
    """What exists only while the sandbox runs."""

    server: _HTTPServer
    thread: threading.Thread
    base_url: str


class Sandbox:
    """A loopback emulator of Microsoft Graph service health (and Partner Center, when its
    routes are installed), with fault injection.

    ``snapshot`` is a :class:`~escalation_kit.health.snapshot.HealthSnapshot`, a snapshot
    dict, a path to one, or None for the built-in demo.
    Use as a context manager, or call :meth:`start` / :meth:`stop`::

        with Sandbox("health.json", Faults(rate_limit=0.2, seed=1)) as sandbox:
            client = GraphHealthClient(base_url=sandbox.base_url, ...)
    """

    def __init__(
        self,
        snapshot: SnapshotSource = None,
        faults: Faults | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        on_request: Callable[[RequestRecord], None] | None = None,
        sign_in: Identity | None = None,
    ) -> None:
        _check_loopback(host)
        self.host = host
        self.port = port
        self.state = SandboxState(load_snapshot(snapshot), faults)
        self.router = Router()
        self.admin_router = Router()
        self.on_request = on_request
        self.stopping = threading.Event()
        self._injector = FaultInjector(self.state.faults)
        self._records: list[RequestRecord] = []
        self._records_lock = threading.Lock()
        self._runtime: _Runtime | None = None
        graph.register(self.router, self.state)
        identity.register(self.router, self.state)
        if sign_in is not None:
            identity.configure(self.state, sign_in)
        if importlib.util.find_spec(PARTNER_CENTER_MODULE) is not None:
            importlib.import_module(PARTNER_CENTER_MODULE).register(self.router, self.state)
        admin.register(self.admin_router, self)

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> str:
        """Start serving in a background thread; return the base URL. Idempotent."""
        if self._runtime is not None:
            return self._runtime.base_url
        try:
            server = _HTTPServer((self.host, self.port), SandboxHandler, self)
        except OSError as exc:
            raise ConfigError(f"cannot listen on {self.host}:{self.port}: {exc.strerror}") from exc
        port = server.server_address[1]
        self.stopping.clear()
        thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"sandbox-{port}",
            daemon=True,
        )
        thread.start()
        self._runtime = _Runtime(server, thread, f"http://{self.host}:{port}")
        return self._runtime.base_url

    def stop(self) -> None:
        """Stop serving and close every open connection. Idempotent."""
        runtime, self._runtime = self._runtime, None
        if runtime is None:
            return
        self.stopping.set()  # wakes handlers sleeping on injected latency
        runtime.server.shutdown()
        runtime.server.server_close()
        runtime.server.close_connections()
        runtime.thread.join(timeout=5)

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self._runtime.base_url if self._runtime else "stopped"
        return f"Sandbox({where}, tenants={len(self.state.tenant_ids)}, faults={self.faults!r})"

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>`` while running."""
        if self._runtime is None:
            raise EscalationKitError("the sandbox is not running: call start() first")
        return self._runtime.base_url

    @property
    def running(self) -> bool:
        return self._runtime is not None

    # -- faults, snapshot, request log -------------------------------------------------------

    @property
    def faults(self) -> Faults:
        return self._injector.faults

    @property
    def injector(self) -> FaultInjector:
        return self._injector

    def set_faults(self, faults: Faults) -> None:
        """Switch faults from the next request on (``first_n`` counting starts again)."""
        with self.state.lock:
            self.state.faults = faults
            self._injector = FaultInjector(faults)

    def set_snapshot(self, snapshot: SnapshotSource) -> None:
        """Serve another health snapshot (HealthSnapshot, dict, file path or None for the
        demo)."""
        self.state.set_snapshot(load_snapshot(snapshot))

    @property
    def identity(self) -> Identity:
        """Who may sign in at the emulated identity platform (``/{tenant}/oauth2/v2.0/token``)."""
        return identity.current(self.state)

    def set_identity(self, sign_in: Identity) -> None:
        """Change the app registration or the tenants without consent, from the next request."""
        identity.configure(self.state, sign_in)

    @property
    def requests(self) -> list[RequestRecord]:
        """A copy of the request log (API requests only, not ``/_sandbox/*``)."""
        with self._records_lock:
            return list(self._records)

    def clear_requests(self) -> None:
        with self._records_lock:
            self._records.clear()

    def record(self, entry: RequestRecord) -> None:
        """Append to the request log (called by the request handler)."""
        with self._records_lock:
            self._records.append(entry)
        if self.on_request is not None:
            try:
                self.on_request(entry)
            except Exception:  # a broken observer must not break the emulator
                log.exception("sandbox on_request callback failed")

    def reset(self) -> None:
        """Back to a clean start: no faults, empty request log, route modules' reset hooks run."""
        self.set_faults(Faults())
        self.clear_requests()
        self.state.run_reset_hooks()


class _HTTPServer(ThreadingHTTPServer):
    """Threaded server that knows its :class:`Sandbox` and its open connections."""

    daemon_threads = True
    request_queue_size = 128  # 50+ clients connecting at once must not overflow the backlog

    def __init__(self, address: tuple[str, int], handler: Any, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.connections: set[Any] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls socket.getfqdn(), a reverse DNS lookup that can stall
        # for seconds on machines without DNS; a loopback emulator has no use for it.
        socketserver.TCPServer.server_bind(self)
        host, port = self.socket.getsockname()[:2]
        self.server_name, self.server_port = str(host), int(port)

    def close_connections(self) -> None:
        """Shut idle keep-alive connections so their handler threads end now."""
        with self.connections_lock:
            open_now = list(self.connections)
        for connection in open_now:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


def _check_loopback(host: str) -> None:
    """The emulator has no real authentication: refuse to listen beyond this machine.
    (IPv4 only: the stdlib server binds an AF_INET socket.)"""
    try:
        address = ipaddress.ip_address("127.0.0.1" if host == "localhost" else host)
    except ValueError:
        address = None
    if address is None or address.version != 4 or not address.is_loopback:
        raise ConfigError(
            f"the sandbox only listens on IPv4 loopback addresses (127.x.x.x), not {host!r}"
        )
