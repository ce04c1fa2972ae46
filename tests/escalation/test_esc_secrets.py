"""No token or secret in logs, exception messages, written packages or any ledger row."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest
from esc_helpers import FAST
from sqlalchemy import select

from escalation_kit.config import Settings
from escalation_kit.errors import EscalationKitError
from escalation_kit.escalation.drafting import draft_escalations
from escalation_kit.escalation.outbox import flush_outbox, queue_write
from escalation_kit.escalation.packages import PartnerContact
from escalation_kit.escalation.partner_center import PartnerCenterClient
from escalation_kit.escalation.render import write_package
from escalation_kit.escalation.tracking import sync_request, track
from escalation_kit.escalation.workflow import close_loop, confirm_sent
from escalation_kit.ledger import Ledger
from escalation_kit.ledger.schema import metadata
from escalation_kit.sandbox import Faults, Sandbox
from escalation_kit.sandbox.partner_center import file_service_request, microsoft_update

TOKEN = "sandbox-TOPSECRET-t0ken-5f9c2a"  # accepted by the emulator (any sandbox- token)
SECRET = "cl1ent-S3CRET-value-8d7e"
MARKERS = ("TOPSECRET", "t0ken-5f9c2a", SECRET)


class LeakyLookingTokens:
    """Hands out a recognisable token, as a real provider would hand out a real one."""

    def get_token(self, tenant_id: str, scopes: object) -> str:
        return TOKEN


def scan(text: str, where: str) -> None:
    for marker in MARKERS:
        assert marker not in text, f"{marker!r} leaked into {where}"


def test_no_secret_anywhere(
    sqlite_ledger: Ledger,
    sandbox: Sandbox,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    cluster_case,  # type: ignore[no-untyped-def]
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("ESCALATION_KIT_CLIENT_SECRET", SECRET)
    settings = Settings.from_env()
    scan(repr(settings), "Settings repr")
    decisions, tickets = cluster_case
    http = httpx.Client(timeout=5)
    client = PartnerCenterClient(sandbox.base_url, LeakyLookingTokens(), client=http, policy=FAST)
    scan(repr(client), "client repr")
    errors: list[str] = []

    outcomes = draft_escalations(sqlite_ledger, decisions, tickets, contact=PartnerContact("Ana"))
    for outcome in outcomes:
        write_package(outcome.package, tmp_path / "packages")
    package = outcomes[0].package
    sr_id = file_service_request(
        sandbox.base_url, customer_tenant_id=package.primary_tenant_id, title=package.title
    )["id"]
    sandbox.set_faults(Faults(rate_limit=1.0, server_errors=0.0, retry_after=0, first_n=2))
    track(sqlite_ledger, client)
    sandbox.set_faults(Faults())
    queue_write(sqlite_ledger, package.package_id, "traces attached")
    flush_outbox(sqlite_ledger, client, confirm=True, sync=sync_request)
    microsoft_update(sandbox.base_url, sr_id, status="closed", note="fixed")
    track(sqlite_ledger, client)
    loop = close_loop(sqlite_ledger, client)
    confirm_sent(sqlite_ledger, loop.drafted)
    close_loop(sqlite_ledger, client, confirm=True)
    for failing in (
        lambda: client.get_service_request("000000000000000"),  # 404
        lambda: PartnerCenterClient(
            sandbox.base_url, LeakyLookingTokens(), policy=FAST.__class__(max_retries=0)
        ).update("1", {"Status": 7}, request_id="x"),  # 400
    ):
        with pytest.raises(EscalationKitError) as caught:
            failing()
        errors += [str(caught.value), repr(caught.value), str(caught.value.__cause__ or "")]
    sandbox.set_faults(Faults(rate_limit=1.0, retry_after=0))
    report = track(sqlite_ledger, client)
    errors += report.errors
    http.close()

    assert any("HTTP 404" in e for e in errors) and any("HTTP 429" in e for e in errors)
    scan("\n".join(errors), "exception messages")
    scan(caplog.text, "logs")
    assert "retrying" in caplog.text  # the HTTP layer did log the throttled calls
    for path in (tmp_path / "packages").rglob("*"):
        if path.is_file():
            scan(path.read_text(encoding="utf-8"), str(path))
    with sqlite_ledger.reading() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(select(table)):
                scan(repr(tuple(row)), f"ledger table {table.name}")
    # the token really was used on the wire
    assert any(r.tenant == TOKEN.removeprefix("sandbox-") for r in sandbox.requests)
