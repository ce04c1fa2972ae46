"""HealthPanel against the emulator: static-token sign-in, batched sync, per-tenant results."""

from __future__ import annotations

import pandas as pd
import pytest

from ek_fixtures import SAMPLE_DATA
from escalation_kit.intake import read_customers
from escalation_kit.ledger import Ledger
from escalation_kit.sandbox import Sandbox
from escalation_kit.widgets.health_panel import HealthPanel, is_loopback

UNKNOWN = "99999999-9999-4999-8999-999999999999"


def test_sync_lists_every_tenant_with_failures_first(sqlite_ledger: Ledger) -> None:
    customers = read_customers(SAMPLE_DATA / "customers.csv").accepted.head(4)
    extra = pd.DataFrame({"tenant_id": [UNKNOWN], "name": ["<b>Nobody</b> Ltd"]})
    frame = pd.concat([customers[["tenant_id", "name"]], extra], ignore_index=True)
    with Sandbox(SAMPLE_DATA / "health.json") as sandbox:
        panel = HealthPanel(
            frame, base_url=sandbox.base_url, ledger=sqlite_ledger, batch_size=2, background=False
        )
        panel.sign_in.click()
        assert "signed in to the emulator" in panel.signed.value
        panel.sync.click()
        assert "select the tenants" in panel.table.value
        panel.all.click()
        panel.sync.click()
    assert panel.progress.value == panel.progress.max == 5
    outcome = {r.tenant_id: r.ok for r in panel.results}
    assert set(outcome) == set(frame["tenant_id"])
    assert outcome[UNKNOWN] is False
    assert sum(outcome.values()) == 4
    assert "5 tenant(s) synced, 1 failed" in panel.table.value
    assert "&lt;b&gt;Nobody&lt;/b&gt; Ltd" in panel.table.value
    assert panel.table.value.index(UNKNOWN) < panel.table.value.index(
        customers["tenant_id"].iloc[0]
    )
    assert set(sqlite_ledger.health_sync_states()) == set(frame["tenant_id"])


def test_only_loopback_urls_are_the_emulator() -> None:
    assert is_loopback("http://127.0.0.1:8765")
    assert not is_loopback("https://graph.microsoft.com")


class Tokens:
    """A token provider that records its calls, or fails like a refused sign-in."""

    def __init__(self, error: Exception | None = None) -> None:
        self.calls: list[str] = []
        self.error = error

    def get_token(self, tenant_id: str, scopes: object) -> str:
        self.calls.append(tenant_id)
        if self.error is not None:
            raise self.error
        return "token"


def customers_frame() -> pd.DataFrame:
    return pd.DataFrame({"tenant_id": [UNKNOWN], "name": ["Contoso"]})


def test_sign_in_against_microsoft_uses_the_provider_and_reports_failures(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from escalation_kit.errors import AuthError

    monkeypatch.setenv("ESCALATION_KIT_PARTNER_TENANT_ID", "partner.example")
    tokens = Tokens()
    panel = HealthPanel(
        customers_frame(), base_url="https://graph.microsoft.com", tokens=tokens, background=False
    )
    panel.sign_in.click()
    assert tokens.calls == ["partner.example"] and "signed in" in panel.signed.value
    refused = Tokens(AuthError("the sign-in was declined"))
    panel = HealthPanel(
        customers_frame(), base_url="https://graph.microsoft.com", tokens=refused, background=False
    )
    panel.sign_in.click()
    assert "sign-in failed: the sign-in was declined" in panel.signed.value


def test_device_code_sign_in_without_a_client_id_says_which_setting() -> None:
    panel = HealthPanel(customers_frame(), base_url="https://graph.microsoft.com", background=False)
    panel.sign_in.click()
    assert "ESCALATION_KIT_CLIENT_ID" in panel.signed.value
