"""Emulator-only admin endpoints under ``/_sandbox/`` (no auth, never faulted, not logged).

- ``GET /_sandbox/health`` → ``{"status": "ok", ...}``
- ``GET /_sandbox/faults`` → the current faults; ``POST /_sandbox/faults`` with a JSON object of
  :class:`Faults` fields replaces them (fields left out take their defaults; ``{}`` = no faults)
- ``GET /_sandbox/requests`` → ``{"value": [request records]}``
- ``POST /_sandbox/snapshot`` with a health snapshot as JSON → served from the next request on
  (e.g. to make an incident appear during a demo); a bad snapshot is refused with 400
- ``POST /_sandbox/reset`` → no faults, empty request log, route modules' reset hooks run
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from escalation_kit.sandbox.faults import Faults
from escalation_kit.sandbox.router import Router, SandboxRequest, SandboxResponse
from escalation_kit.sandbox.state import validate_snapshot

if TYPE_CHECKING:
    from escalation_kit.sandbox.server import Sandbox

__all__ = ["register"]


def register(router: Router, sandbox: Sandbox) -> None:
    """Add the admin endpoints of ``sandbox`` to ``router``."""

    def health(req: SandboxRequest) -> SandboxResponse:
        return SandboxResponse(200, {"status": "ok", "tenants": len(sandbox.state.tenant_ids)})

    def get_faults(req: SandboxRequest) -> SandboxResponse:
        return SandboxResponse(200, sandbox.faults.to_dict())

    def set_faults(req: SandboxRequest) -> SandboxResponse:
        faults = Faults.from_mapping(req.json())  # InputError → 400
        sandbox.set_faults(faults)
        return SandboxResponse(200, faults.to_dict())

    def requests(req: SandboxRequest) -> SandboxResponse:
        return SandboxResponse(200, {"value": [r.to_dict() for r in sandbox.requests]})

    def set_snapshot(req: SandboxRequest) -> SandboxResponse:
        sandbox.set_snapshot(validate_snapshot(req.json(), file="request body"))  # InputError → 400
        return SandboxResponse(200, {"status": "ok", "tenants": len(sandbox.state.tenant_ids)})

    def reset(req: SandboxRequest) -> SandboxResponse:
        sandbox.reset()
        return SandboxResponse(200, {"status": "reset"})

    router.add("GET", "/_sandbox/health", health)
    router.add("GET", "/_sandbox/faults", get_faults)
    router.add("POST", "/_sandbox/faults", set_faults)
    router.add("GET", "/_sandbox/requests", requests)
    router.add("POST", "/_sandbox/snapshot", set_snapshot)
    router.add("POST", "/_sandbox/reset", reset)
