"""Exact secret values are masked, not only secret-looking ones; a bad certificate is clean."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from escalation_kit.auth import provider_from_settings
from escalation_kit.cli import app
from escalation_kit.config import Settings
from escalation_kit.errors import ConfigError, HealthLookupError, PartnerCenterError
from escalation_kit.escalation.partner_center import PartnerCenterClient
from escalation_kit.http import RetryPolicy, send
from escalation_kit.ledger import Ledger
from escalation_kit.redaction import forget_secrets, redact, remember_secret

OPAQUE = "AUDIT-OPAQUE-7f3a9c2e51"
NO_RETRY = RetryPolicy(max_retries=0)


class OpaqueTokens:
    """A token source handing out a plain (non-JWT) access token."""

    def get_token(self, tenant_id: str, scopes: object) -> str:
        return OPAQUE


@pytest.fixture(autouse=True)
def no_remembered_secrets() -> Iterator[None]:
    forget_secrets()
    yield
    forget_secrets()


def echoing_server(request: httpx.Request) -> httpx.Response:
    """A server that quotes the token it was given in its error (as some proxies do)."""
    token = request.headers["Authorization"].split(" ", 1)[1]
    body = {
        "error": {"code": "InvalidAuthenticationToken", "message": f"Token {token} is not valid"}
    }
    return httpx.Response(401, json=body)


def test_an_echoed_opaque_token_never_reaches_the_error_message() -> None:
    with httpx.Client(transport=httpx.MockTransport(echoing_server)) as client:
        request = client.build_request(
            "GET", "https://graph.example/v1.0/admin", headers={"Authorization": f"Bearer {OPAQUE}"}
        )
        with pytest.raises(HealthLookupError) as caught:
            send(client, request, policy=NO_RETRY, error=HealthLookupError)
    assert OPAQUE not in str(caught.value)
    assert "Token *** is not valid" in str(caught.value)


def test_partner_center_errors_and_the_ledger_reason_hold_no_token(tmp_path: Path) -> None:
    http = httpx.Client(transport=httpx.MockTransport(echoing_server))
    client = PartnerCenterClient("https://pc.example", OpaqueTokens(), client=http, policy=NO_RETRY)
    with pytest.raises(PartnerCenterError) as caught:
        client.get_service_request("612345")
    http.close()
    assert OPAQUE not in str(caught.value)
    with Ledger(f"sqlite:///{tmp_path / 'l.db'}") as ledger:
        tenant = "11111111-1111-4111-8111-111111111111"
        ledger.record_health_sync(tenant, status="failed", reason=redact(f"{caught.value}"))
        assert OPAQUE not in ledger.health_sync_states()[tenant].reason


def test_remembered_values_are_masked_longest_first_and_short_ones_ignored() -> None:
    remember_secret("s3cr3t-value")
    remember_secret("s3cr3t-value-longer")
    remember_secret("short")
    assert redact("a s3cr3t-value-longer b s3cr3t-value c short") == "a *** b *** c short"


def test_a_client_secret_echoed_by_the_identity_platform_is_masked() -> None:
    provider_from_settings(
        Settings(client_id="cid", client_secret="plain-client-secret-123"), sandbox=False
    )
    assert (
        redact("AADSTS7000215: plain-client-secret-123 is invalid")
        == "AADSTS7000215: *** is invalid"
    )


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"\xff\xfe\x00 not text at all", "not a PEM file"),
        (b"just some words\n", "not a PEM file"),
        (b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "not a PEM file"),
    ],
)
def test_a_bad_certificate_file_is_a_clean_error_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes, problem: str
) -> None:
    pem = tmp_path / "partner-cert.pem"
    pem.write_bytes(content)
    settings = Settings(client_id="cid", certificate_path=str(pem), certificate_thumbprint="AB")
    with pytest.raises(ConfigError) as caught:
        provider_from_settings(settings, sandbox=False)
    assert str(pem) in str(caught.value) and problem in str(caught.value)

    customers = tmp_path / "customers.csv"
    customers.write_text("tenant_id\n11111111-1111-4111-8111-111111111111\n", encoding="utf-8")
    monkeypatch.setenv("ESCALATION_KIT_CLIENT_ID", "cid")
    monkeypatch.setenv("ESCALATION_KIT_CERTIFICATE_PATH", str(pem))
    monkeypatch.setenv("ESCALATION_KIT_CERTIFICATE_THUMBPRINT", "AB")
    result = CliRunner().invoke(
        app, ["health", "sync", "--customers", str(customers), "--out", str(tmp_path / "s.json")]
    )
    assert result.exit_code != 0
    (error,) = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert str(pem) in error and problem in error
    assert "Traceback" not in result.output
