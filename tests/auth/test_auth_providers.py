"""Token providers with msal's HTTP mocked: authority per tenant, caching, no secrets leaked."""

from __future__ import annotations

import base64
import json
import logging
import stat
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from ek_fixtures import SAMPLES
from escalation_kit.auth import (
    GRAPH_SCOPES,
    AppOnlyTokenProvider,
    DeviceCodeTokenProvider,
    MsalHttpClient,
    StaticTokenProvider,
    TokenProvider,
    graph_scopes,
    provider_from_settings,
)
from escalation_kit.config import Settings
from escalation_kit.errors import AuthError, ConfigError

HOST = "https://login.microsoftonline.com"
CLIENT_ID = "0b5d1c9e-1111-4b6e-9a0b-123456789abc"
SECRET = "Zx9~very.secret-client-value_123"
PARTNER = "aaaaaaaa-0000-0000-0000-000000000001"
CUSTOMER_A = "5b1c9a3e-7d2f-4c61-9a8e-2f4d6b0c1e77"
CUSTOMER_B = "9e8d7c6b-5a49-4382-9170-6f5e4d3c2b1a"
SAMPLE_TOKEN = json.loads((SAMPLES / "graph-token-response-client-credentials.json").read_text())


def _b64(obj: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")


class FakeIdentityPlatform:
    """Answers msal's discovery, token and device-code calls; records every request."""

    def __init__(self, *, token_error: dict[str, str] | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self.token_error = token_error

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        tenant = path.strip("/").split("/")[0]
        if path.endswith("openid-configuration"):
            return httpx.Response(200, json=self._oidc(tenant))
        if "discovery/instance" in path:
            return httpx.Response(200, json={"tenant_discovery_endpoint": "", "metadata": []})
        if path.endswith("/devicecode"):
            return httpx.Response(200, json=self._device_code())
        if path.endswith("/token"):
            return self._token(tenant, parse_qs(request.content.decode()))
        return httpx.Response(404, json={"error": "not_found"})

    def _oidc(self, tenant: str) -> dict[str, str]:
        base = f"{HOST}/{tenant}"
        return {
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "issuer": f"{HOST}/{tenant}/v2.0",
        }

    def _device_code(self) -> dict[str, Any]:
        return {
            "device_code": "dc-1",
            "user_code": "ABCD-EFGH",
            "verification_uri": "https://microsoft.com/devicelogin",
            "expires_in": 900,
            "interval": 1,
            "message": "To sign in, open https://microsoft.com/devicelogin and enter ABCD-EFGH",
        }

    def _token(self, tenant: str, form: dict[str, list[str]]) -> httpx.Response:
        if self.token_error:
            return httpx.Response(401, json=self.token_error)
        grant = form["grant_type"][0]
        if grant == "client_credentials":
            return httpx.Response(200, json={**SAMPLE_TOKEN, "access_token": f"app-{tenant}"})
        now = int(time.time())
        id_claims = {
            "iss": f"{HOST}/{PARTNER}/v2.0",
            "aud": CLIENT_ID,
            "sub": "sub-1",
            "oid": "oid-1",
            "tid": PARTNER,
            "iat": now,
            "exp": now + 3600,
            "preferred_username": "tech@partner.example",
        }
        return httpx.Response(
            200,
            json={
                "token_type": "Bearer",
                "scope": form.get("scope", ["https://graph.microsoft.com/.default"])[0],
                "expires_in": 3599,
                "access_token": f"user-{tenant}-{grant}",
                "refresh_token": "rt-partner-refresh-secret",
                "id_token": f"{_b64({'alg': 'none'})}.{_b64(id_claims)}.",
                "client_info": _b64({"uid": "oid-1", "utid": PARTNER}),
            },
        )

    def token_calls(self) -> list[tuple[str, str]]:
        """(tenant, grant_type) of every token request."""
        calls = []
        for r in self.requests:
            if r.url.path.endswith("/token"):
                form = parse_qs(r.content.decode())
                calls.append((r.url.path.strip("/").split("/")[0], form["grant_type"][0]))
        return calls


def msal_http(platform: FakeIdentityPlatform) -> MsalHttpClient:
    return MsalHttpClient(httpx.Client(transport=httpx.MockTransport(platform)))


def test_static_provider_is_the_emulator_contract() -> None:
    provider = StaticTokenProvider()
    assert provider.get_token(CUSTOMER_A, GRAPH_SCOPES) == f"sandbox-{CUSTOMER_A}"
    assert isinstance(provider, TokenProvider)
    assert graph_scopes("https://graph.microsoft.us/") == ("https://graph.microsoft.us/.default",)


def test_app_only_uses_each_customer_authority_and_caches(caplog: pytest.LogCaptureFixture) -> None:
    platform = FakeIdentityPlatform()
    provider = AppOnlyTokenProvider(
        CLIENT_ID, client_secret=SECRET, http_client=msal_http(platform)
    )
    with caplog.at_level(logging.DEBUG):
        assert provider.get_token(CUSTOMER_A, GRAPH_SCOPES) == f"app-{CUSTOMER_A}"
        assert provider.get_token(CUSTOMER_B, GRAPH_SCOPES) == f"app-{CUSTOMER_B}"
        before = len(platform.requests)
        assert provider.get_token(CUSTOMER_A, GRAPH_SCOPES) == f"app-{CUSTOMER_A}"
        assert len(platform.requests) == before  # served from msal's cache
    assert platform.token_calls() == [
        (CUSTOMER_A, "client_credentials"),
        (CUSTOMER_B, "client_credentials"),
    ]
    token_request = next(r for r in platform.requests if r.url.path.endswith("/token"))
    assert str(token_request.url) == f"{HOST}/{CUSTOMER_A}/oauth2/v2.0/token"
    assert parse_qs(token_request.content.decode())["scope"] == [
        "https://graph.microsoft.com/.default"
    ]
    assert SECRET not in caplog.text
    assert SECRET not in repr(provider)
    assert "credential=<secret>" in repr(provider)


def test_app_only_failure_is_auth_error_without_secret(caplog: pytest.LogCaptureFixture) -> None:
    error = {
        "error": "invalid_client",
        "error_description": f"AADSTS7000215: Invalid client secret: {SECRET}.\nTrace ID: x",
    }
    provider = AppOnlyTokenProvider(
        CLIENT_ID,
        client_secret=SECRET,
        http_client=msal_http(FakeIdentityPlatform(token_error=error)),
    )
    with caplog.at_level(logging.DEBUG), pytest.raises(AuthError) as info:
        provider.get_token(CUSTOMER_A, GRAPH_SCOPES)
    message = str(info.value)
    assert message.startswith(
        f"sign-in for tenant {CUSTOMER_A} failed: invalid_client: AADSTS7000215"
    )
    assert "check the app's client id" in message
    assert "Trace ID" not in message  # first line only
    assert SECRET not in message and SECRET not in repr(info.value)
    assert SECRET not in caplog.text


def test_app_only_network_failure_is_auth_error() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    provider = AppOnlyTokenProvider(
        CLIENT_ID,
        client_secret=SECRET,
        http_client=MsalHttpClient(httpx.Client(transport=httpx.MockTransport(down))),
    )
    with pytest.raises(AuthError, match="could not reach the identity platform: ConnectError"):
        provider.get_token(CUSTOMER_A, GRAPH_SCOPES)


@pytest.mark.parametrize(
    ("content_type", "body", "text"),
    [
        ("application/json; charset=utf-8", '{"n": "Müller"}'.encode(), '{"n": "Müller"}'),
        ("application/json", '{"n": "Müller"}'.encode(), '{"n": "Müller"}'),  # JSON: UTF-8
        ('text/html; Charset="ISO-8859-1"', "<p>Müller</p>".encode("latin-1"), "<p>Müller</p>"),
        ("text/plain; charset=no-such-codec", b"plain", "plain"),
    ],
)
def test_msal_reads_status_text_and_headers_decoded_once(
    content_type: str, body: bytes, text: str
) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        headers = {"Content-Type": content_type, "Retry-After": "7"}
        return httpx.Response(400, content=body, headers=headers)

    client = MsalHttpClient(httpx.Client(transport=httpx.MockTransport(answer)))
    response = client.post(f"{HOST}/{CUSTOMER_A}/oauth2/v2.0/token", data={"a": "b"})
    assert (response.status_code, response.text) == (400, text)
    assert response.headers["retry-after"] == "7"
    with pytest.raises(httpx.HTTPStatusError):
        response.raise_for_status()


def private_key_pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def test_bad_tenant_and_bad_configuration() -> None:
    provider = AppOnlyTokenProvider(
        CLIENT_ID, client_secret=SECRET, http_client=msal_http(FakeIdentityPlatform())
    )
    with pytest.raises(AuthError, match="not a tenant id"):
        provider.get_token("a/b", GRAPH_SCOPES)
    with pytest.raises(ConfigError, match="exactly one"):
        AppOnlyTokenProvider(CLIENT_ID)
    with pytest.raises(ConfigError, match="thumbprint"):
        AppOnlyTokenProvider(CLIENT_ID, certificate_pem="-----BEGIN PRIVATE KEY-----")
    pem = private_key_pem()
    cert = AppOnlyTokenProvider(CLIENT_ID, certificate_pem=pem, certificate_thumbprint="AB12")
    assert pem not in repr(cert) and "credential=<certificate>" in repr(cert)
    with pytest.raises(ConfigError, match="the certificate: not a PEM file"):
        AppOnlyTokenProvider(CLIENT_ID, certificate_pem="PEM-SECRET", certificate_thumbprint="AB")


def test_device_code_signs_in_once_then_redeems_per_customer(tmp_path: Path) -> None:
    platform = FakeIdentityPlatform()
    shown: list[str] = []
    cache = tmp_path / "cache" / "msal.json"
    provider = DeviceCodeTokenProvider(
        CLIENT_ID,
        cache_path=cache,
        prompt=shown.append,
        home_tenant=PARTNER,
        http_client=msal_http(platform),
    )
    token = provider.get_token(CUSTOMER_A, GRAPH_SCOPES)
    assert token == f"user-{CUSTOMER_A}-refresh_token"
    assert shown == ["To sign in, open https://microsoft.com/devicelogin and enter ABCD-EFGH"]
    assert platform.token_calls() == [
        (PARTNER, "urn:ietf:params:oauth:grant-type:device_code"),
        (CUSTOMER_A, "refresh_token"),
    ]
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    assert "rt-partner-refresh-secret" not in repr(provider)

    # a new process: the persisted cache gives tokens without any prompt
    again_platform = FakeIdentityPlatform()
    again = DeviceCodeTokenProvider(
        CLIENT_ID,
        cache_path=cache,
        prompt=shown.append,
        home_tenant=PARTNER,
        interactive=False,
        http_client=msal_http(again_platform),
    )
    assert again.get_token(CUSTOMER_A, GRAPH_SCOPES) == f"user-{CUSTOMER_A}-refresh_token"
    assert again.get_token(CUSTOMER_B, GRAPH_SCOPES) == f"user-{CUSTOMER_B}-refresh_token"
    assert again_platform.token_calls() == [(CUSTOMER_B, "refresh_token")]
    assert len(shown) == 1


def test_device_code_without_cache_and_not_interactive(tmp_path: Path) -> None:
    provider = DeviceCodeTokenProvider(
        CLIENT_ID,
        cache_path=tmp_path / "none.json",
        interactive=False,
        http_client=msal_http(FakeIdentityPlatform()),
    )
    with pytest.raises(AuthError, match="sign in interactively first"):
        provider.get_token(CUSTOMER_A, GRAPH_SCOPES)
    corrupt = tmp_path / "corrupt.json"
    corrupt.write_text("{not json", encoding="utf-8")
    with pytest.raises(AuthError, match="corrupt"):
        DeviceCodeTokenProvider(CLIENT_ID, cache_path=corrupt)


def test_provider_from_settings(tmp_path: Path) -> None:
    assert isinstance(provider_from_settings(Settings(), sandbox=True), StaticTokenProvider)
    with pytest.raises(ConfigError, match="ESCALATION_KIT_CLIENT_ID"):
        provider_from_settings(Settings(), sandbox=False)
    app_only = provider_from_settings(
        Settings(client_id=CLIENT_ID, client_secret=SECRET, concurrency=40, max_retries=2),
        sandbox=False,
    )
    assert isinstance(app_only, AppOnlyTokenProvider)
    assert app_only._max_concurrent == 40  # sign-ins as wide as the fan-out
    assert isinstance(app_only._http_client, MsalHttpClient)  # through the pooled client
    assert app_only._http_client.policy.max_retries == 2
    pem = tmp_path / "key.pem"
    pem.write_text(private_key_pem(), encoding="utf-8")
    cert = provider_from_settings(
        Settings(client_id=CLIENT_ID, certificate_path=str(pem), certificate_thumbprint="AB"),
        sandbox=False,
    )
    assert isinstance(cert, AppOnlyTokenProvider)
    with pytest.raises(ConfigError, match="cannot read"):
        provider_from_settings(
            Settings(client_id=CLIENT_ID, certificate_path=str(tmp_path / "no.pem")), sandbox=False
        )
    device = provider_from_settings(
        Settings(client_id=CLIENT_ID, token_cache=str(tmp_path / "c.json")), sandbox=False
    )
    assert isinstance(device, DeviceCodeTokenProvider)
    assert device.cache_path == tmp_path / "c.json"


def test_device_code_prompts_once_for_a_fan_out(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    platform = FakeIdentityPlatform()
    shown: list[str] = []
    provider = DeviceCodeTokenProvider(
        CLIENT_ID,
        cache_path=tmp_path / "msal.json",
        prompt=shown.append,
        home_tenant=PARTNER,
        http_client=msal_http(platform),
    )
    customers = [CUSTOMER_A, CUSTOMER_B, "11111111-2222-3333-4444-555555555555"]
    with ThreadPoolExecutor(max_workers=3) as pool:
        tokens = list(pool.map(lambda t: provider.get_token(t, GRAPH_SCOPES), customers))
    assert tokens == [f"user-{t}-refresh_token" for t in customers]
    assert len(shown) == 1
    grants = [grant for _, grant in platform.token_calls()]
    assert grants.count("urn:ietf:params:oauth:grant-type:device_code") == 1


def test_app_only_with_a_certificate_signs_an_assertion(caplog: pytest.LogCaptureFixture) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    platform = FakeIdentityPlatform()
    provider = AppOnlyTokenProvider(
        CLIENT_ID,
        certificate_pem=pem,
        certificate_thumbprint="A1B2C3D4E5F60718293A4B5C6D7E8F9012345678",
        http_client=msal_http(platform),
    )
    with caplog.at_level(logging.DEBUG):
        assert provider.get_token(CUSTOMER_A, GRAPH_SCOPES) == f"app-{CUSTOMER_A}"
    token_request = next(r for r in platform.requests if r.url.path.endswith("/token"))
    form = parse_qs(token_request.content.decode())
    assert form["client_assertion_type"] == [
        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    ]
    assertion = form["client_assertion"][0]
    assert "client_secret" not in form
    assert assertion not in caplog.text
    assert "PRIVATE KEY" not in caplog.text and "PRIVATE KEY" not in repr(provider)
