"""The identity platform's client-credentials sign-in, per tenant authority, as msal uses it.

- ``GET /{tenant}/v2.0/.well-known/openid-configuration``: the tenant's OpenID configuration
  (msal reads its ``token_endpoint``, named at the real identity host: msal accepts https
  only, so clients map that origin to the emulator); an unknown tenant is 400 (AADSTS90002).
- ``GET /common/discovery/instance``: instance metadata (msal asks after a failed sign-in).
- ``POST /{tenant}/oauth2/v2.0/token`` (form: ``grant_type=client_credentials``, ``client_id``,
  ``client_secret``, ``scope``): ``{"token_type": "Bearer", "expires_in": 3599,
  "ext_expires_in": 3599, "access_token": "sandbox-<tenant>"}``, the token the Graph routes
  accept. Errors as Microsoft Entra sends them (``{"error", "error_description",
  "error_codes", ...}``): a wrong client id or secret is 401 ``invalid_client``
  (AADSTS7000215 / AADSTS700016), a tenant without consent 400 ``unauthorized_client``
  (AADSTS7000229), an unknown tenant 400 ``invalid_request`` (AADSTS90002).

Faults (429, latency, resets) apply as to every API route; the path's tenant is the request's
tenant, so ``Faults(tenants=...)`` can throttle one tenant's sign-in.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from escalation_kit.config import DEFAULT_AUTHORITY_HOST
from escalation_kit.sandbox.router import Router, SandboxRequest, SandboxResponse
from escalation_kit.sandbox.state import SandboxState

__all__ = ["SANDBOX_CLIENT_ID", "SANDBOX_CLIENT_SECRET", "Identity", "path_tenant", "register"]

SANDBOX_CLIENT_ID = "00000000-5a4d-b0c5-0000-000000000001"
SANDBOX_CLIENT_SECRET = "sandbox-client-secret"
_TENANT = r"(?P<tenant>[^/]+)"
_TOKEN_PATH = re.compile(rf"/{_TENANT}/oauth2/v2\.0/token")
_EXTRA_KEY = "identity"


@dataclass(frozen=True, slots=True)
class Identity:
    """Who may sign in: one app registration, consented in every tenant but ``unconsented``."""

    client_id: str = SANDBOX_CLIENT_ID
    client_secret: str = SANDBOX_CLIENT_SECRET
    unconsented: frozenset[str] = field(default_factory=frozenset)
    expires_in: int = 3599
    # msal accepts https authorities only: the configuration names the real identity host, and
    # the client maps that origin to the emulator (``MsalHttpClient(redirect=...)``).
    authority_host: str = DEFAULT_AUTHORITY_HOST


def path_tenant(path: str) -> str | None:
    """The tenant of a token request's path (``/{tenant}/oauth2/v2.0/token``), else None."""
    match = _TOKEN_PATH.fullmatch(path)
    return match.group("tenant") if match else None


def current(state: SandboxState) -> Identity:
    with state.lock:
        identity = state.extra.get(_EXTRA_KEY)
    return identity if isinstance(identity, Identity) else Identity()


def configure(state: SandboxState, identity: Identity) -> None:
    with state.lock:
        state.extra[_EXTRA_KEY] = identity


def register(router: Router, state: SandboxState) -> None:
    """Add the OpenID configuration and token endpoints to ``router``."""

    def openid_configuration(req: SandboxRequest) -> SandboxResponse:
        tenant = req.path_params["tenant"]
        if not _known(state, tenant):
            return _error(400, "invalid_request", 90002, f"Tenant '{tenant}' not found.")
        base = f"{current(state).authority_host.rstrip('/')}/{tenant}"
        return SandboxResponse(
            200,
            {
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
                "issuer": f"{base}/v2.0",
                "token_endpoint_auth_methods_supported": [
                    "client_secret_post",
                    "private_key_jwt",
                    "client_secret_basic",
                ],
                "tenant_region_scope": "EU",
            },
        )

    def token(req: SandboxRequest) -> SandboxResponse:
        tenant = req.path_params["tenant"]
        form = dict(parse_qsl(req.body.decode("utf-8", "replace"), keep_blank_values=True))
        identity = current(state)
        if form.get("grant_type") != "client_credentials":
            return _error(
                400, "unsupported_grant_type", 70003, "The app requested an unsupported grant."
            )
        if not _known(state, tenant):
            return _error(400, "invalid_request", 90002, f"Tenant '{tenant}' not found.")
        if form.get("client_id") != identity.client_id:
            return _error(
                401,
                "invalid_client",
                700016,
                f"Application with identifier '{form.get('client_id')}' was not found in the "
                f"directory '{tenant}'.",
            )
        if form.get("client_secret") != identity.client_secret:
            return _error(
                401,
                "invalid_client",
                7000215,
                "Invalid client secret provided. Ensure the secret being sent in the request is "
                "the client secret value, not the client secret ID.",
            )
        if tenant in identity.unconsented:
            return _error(
                400,
                "unauthorized_client",
                7000229,
                f"The client application {identity.client_id} is missing service principal in "
                f"the tenant {tenant}. An administrator must consent to the application.",
            )
        return SandboxResponse(
            200,
            {
                "token_type": "Bearer",
                "expires_in": identity.expires_in,
                "ext_expires_in": identity.expires_in,
                "access_token": f"sandbox-{tenant}",
            },
        )

    def instance_discovery(req: SandboxRequest) -> SandboxResponse:
        host = current(state).authority_host.rstrip("/")
        name = host.split("://", 1)[-1]
        return SandboxResponse(
            200,
            {
                "tenant_discovery_endpoint": f"{host}/common/v2.0/.well-known/openid-configuration",
                "api-version": "1.1",
                "metadata": [
                    {"preferred_network": name, "preferred_cache": name, "aliases": [name]}
                ],
            },
        )

    router.add("GET", "/common/discovery/instance", instance_discovery)
    router.add("GET", rf"/{_TENANT}/v2\.0/\.well-known/openid-configuration", openid_configuration)
    router.add("POST", _TOKEN_PATH.pattern, token)


def _known(state: SandboxState, tenant: str) -> bool:
    with state.lock:
        return tenant in state.snapshot["tenants"]


def _error(status: int, error: str, code: int, description: str) -> SandboxResponse:
    now = datetime.now(UTC)
    trace, correlation = str(uuid.uuid4()), str(uuid.uuid4())
    body: dict[str, Any] = {
        "error": error,
        "error_description": (
            f"AADSTS{code}: {description} Trace ID: {trace} Correlation ID: {correlation} "
            f"Timestamp: {now.strftime('%Y-%m-%d %H:%M:%SZ')}"
        ),
        "error_codes": [code],
        "timestamp": now.strftime("%Y-%m-%d %H:%M:%SZ"),
        "trace_id": trace,
        "correlation_id": correlation,
    }
    return SandboxResponse(status, body)
