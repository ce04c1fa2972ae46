"""A loopback emulator of Microsoft Graph service health and Partner Center, with faults.

Demos, training and tests run the real clients against it::

    from escalation_kit.sandbox import Faults, Sandbox

    with Sandbox("data/sample/health.json", Faults(rate_limit=0.1, seed=7)) as sandbox:
        ...  # point a client at sandbox.base_url with the token "sandbox-<tenant_id>"
"""

from __future__ import annotations

from escalation_kit.sandbox.faults import Faults
from escalation_kit.sandbox.identity import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, Identity
from escalation_kit.sandbox.router import Router, SandboxRequest, SandboxResponse
from escalation_kit.sandbox.server import Sandbox
from escalation_kit.sandbox.state import RequestRecord, SandboxState

__all__ = [
    "SANDBOX_CLIENT_ID",
    "SANDBOX_CLIENT_SECRET",
    "Faults",
    "Identity",
    "RequestRecord",
    "Router",
    "Sandbox",
    "SandboxRequest",
    "SandboxResponse",
    "SandboxState",
    "sandbox_token",
]


def sandbox_token(tenant_id: str) -> str:
    """The emulator's static bearer token for ``tenant_id``."""
    return f"sandbox-{tenant_id}"
