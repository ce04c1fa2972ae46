"""Fan-out sync against the real emulator: faults, per-tenant reasons, ledger, resume."""

from __future__ import annotations

import copy
import gc
import json
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from escalation_kit.auth import StaticTokenProvider
from escalation_kit.errors import AuthError, ConfigError, InputError
from escalation_kit.health.snapshot import HealthSnapshot, load_snapshot, snapshot_pieces
from escalation_kit.health.sync import select_tenants, sync_health
from escalation_kit.http import RetryPolicy
from escalation_kit.ledger import Ledger
from escalation_kit.sandbox import Faults, RequestRecord, Sandbox

TOKENS = StaticTokenProvider()
Settled = Callable[..., list[RequestRecord]]


def run(sandbox: Sandbox, tenants: list[str], policy: RetryPolicy, **kw: Any) -> Any:
    return sync_health(
        tenants, tokens=TOKENS, base_url=sandbox.base_url, policy=policy, progress=False, **kw
    )


def test_all_tenants_ok_snapshot_matches_the_source(
    graph_sandbox: Sandbox, health_doc: dict[str, Any], tenants: list[str], policy: RetryPolicy
) -> None:
    graph_sandbox.set_faults(Faults(latency_ms=20))
    result = run(graph_sandbox, tenants, policy, concurrency=4, page_size=2)
    assert [r.tenant_id for r in result.results] == tenants
    assert [(r.ok, r.issues, r.overviews, r.reason) for r in result.results] == [
        (True, 5, 6, "")
    ] * len(tenants)
    assert result.failed == []
    assert result.snapshot.to_json()["tenants"] == health_doc["tenants"]
    assert "8 tenant(s): 8 ok (0 skipped as already synced), 0 failed" in result.summary()


@pytest.mark.parametrize("page_size", [None, 2])  # one page: entries are Graph's own text
def test_snapshot_file_matches_the_source_with_one_page_or_many(
    graph_sandbox: Sandbox,
    health_doc: dict[str, Any],
    tenants: list[str],
    policy: RetryPolicy,
    page_size: int | None,
    tmp_path: Any,
) -> None:
    out = tmp_path / "health.json"
    result = run(graph_sandbox, tenants, policy, concurrency=4, page_size=page_size, out=out)
    assert result.failed == []
    written = json.loads(out.read_text(encoding="utf-8"))
    assert {
        t: {k: e[k] for k in ("healthOverviews", "issues")} for t, e in written["tenants"].items()
    } == {
        t: {k: e[k] for k in ("healthOverviews", "issues")}
        for t, e in health_doc["tenants"].items()
    }
    assert load_snapshot(out).to_json()["tenants"] == health_doc["tenants"]


FAULTS = [
    (Faults(rate_limit=1.0, retry_after=1), r"HTTP 429 \(activityLimitReached\)"),
    (Faults(server_errors=1.0, error_status=503), "failed with HTTP 503"),
    (Faults(server_errors=1.0, error_status=504), "failed with HTTP 504"),
    (Faults(truncate=1.0), r"returned a truncated or malformed JSON body .* \(after 3 attempts\)"),
    (
        Faults(truncate=1.0, truncate_full_length=True),
        r"failed after 3 attempts: (RemoteProtocolError|ReadError): \w",
    ),
    (Faults(reset=1.0), r"failed after 3 attempts: (RemoteProtocolError|ReadError): \w"),
    (Faults(slow_ms=3000, slow_rate=1.0), "timed out after 3 attempts: ReadTimeout"),
    (Faults(next_link_loop=True), "paging loop"),
]


@pytest.mark.parametrize(
    ("faults", "reason"),
    FAULTS,
    ids=["429", "503", "504", "truncate", "truncate-full-length", "reset", "timeout", "loop"],
)
def test_each_fault_fails_only_its_tenants_with_a_precise_reason(
    graph_sandbox: Sandbox, tenants: list[str], policy: RetryPolicy, faults: Faults, reason: str
) -> None:
    broken = frozenset(tenants[:2])
    graph_sandbox.set_faults(replace(faults, tenants=broken))
    result = run(graph_sandbox, tenants, policy, concurrency=8, page_size=2, timeout=0.3)
    assert {r.tenant_id for r in result.failed} == broken
    for failed in result.failed:
        assert re.search(reason, failed.reason), failed.reason
        assert "sandbox-" not in failed.reason  # no token in reasons
    assert {r.tenant_id for r in result.ok} == set(tenants[2:])
    assert all(r.issues == 5 for r in result.ok)
    assert result.snapshot.tenants == tenants[2:]


def test_random_faults_every_tenant_ok_or_failed_with_reason(
    graph_sandbox: Sandbox, health_doc: dict[str, Any], tenants: list[str]
) -> None:
    graph_sandbox.set_faults(
        Faults(rate_limit=0.3, retry_after=0, server_errors=0.2, truncate=0.1, reset=0.1, seed=1)
    )
    policy = RetryPolicy(max_retries=4, base_delay=0.0, max_delay=0.02, jitter=0.0)
    result = run(graph_sandbox, tenants, policy, concurrency=8, page_size=2)
    assert len(result.results) == len(tenants)
    for tenant in result.ok:
        assert (
            result.snapshot.to_json()["tenants"][tenant.tenant_id]
            == health_doc["tenants"][tenant.tenant_id]
        )
    for tenant in result.failed:
        assert any(
            text in tenant.reason
            for text in (
                "truncated or malformed JSON",
                "HTTP 429",
                "HTTP 503",
                "RemoteProtocolError",
            )
        ), tenant.reason
    assert result.ok, "with 5 tries per request some tenants must get through"


def test_unknown_tenant_and_sign_in_failure_are_per_tenant(
    graph_sandbox: Sandbox, tenants: list[str], policy: RetryPolicy
) -> None:
    class Flaky(StaticTokenProvider):
        def get_token(self, tenant_id: str, scopes: Any) -> str:
            if tenant_id == tenants[1]:
                raise AuthError(f"sign-in for tenant {tenant_id} failed: invalid_grant: expired")
            return super().get_token(tenant_id, scopes)

    stranger = "00000000-0000-0000-0000-00000000abcd"
    result = sync_health(
        [tenants[0], tenants[1], stranger], tokens=Flaky(), base_url=graph_sandbox.base_url,
        policy=policy, progress=False,
    )  # fmt: skip
    by_id = {r.tenant_id: r for r in result.results}
    assert by_id[tenants[0]].ok
    assert "invalid_grant: expired" in by_id[tenants[1]].reason
    assert "HTTP 403 (accessDenied)" in by_id[stranger].reason


def test_the_collector_is_tuned_while_a_sync_runs_and_restored_after(
    graph_sandbox: Sandbox, tenants: list[str], policy: RetryPolicy
) -> None:
    seen: list[tuple[int, tuple[int, ...]]] = []

    class Watching(StaticTokenProvider):
        def get_token(self, tenant_id: str, scopes: Any) -> str:
            seen.append((gc.get_freeze_count(), gc.get_threshold()))
            return super().get_token(tenant_id, scopes)

    gc.unfreeze()
    before = gc.get_threshold()
    result = sync_health(
        tenants[:3], tokens=Watching(), base_url=graph_sandbox.base_url, policy=policy,
        progress=False,
    )  # fmt: skip
    assert result.failed == []
    assert len(seen) == 3
    for frozen, threshold in seen:
        assert frozen > 10_000  # the imported libraries' objects at least
        assert threshold == (max(before[0], 20_000), *before[1:])  # fewer young passes
    assert gc.get_freeze_count() == 0  # handed back to the collector
    assert gc.get_threshold() == before


def test_an_interrupted_sync_releases_the_frozen_objects(tenants: list[str]) -> None:
    gc.unfreeze()
    before = gc.get_threshold()
    seen: list[int] = []

    class Interrupted(StaticTokenProvider):
        def get_token(self, tenant_id: str, scopes: Any) -> str:
            seen.append(gc.get_freeze_count())
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sync_health(
            tenants[:1], tokens=Interrupted(), base_url="http://127.0.0.1:9", progress=False
        )
    assert seen and seen[0] > 0
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before


def test_result_renders_escaped_html() -> None:
    from escalation_kit.health.snapshot import HealthSnapshot
    from escalation_kit.health.sync import SyncResult, TenantResult

    result = SyncResult(
        (
            TenantResult("t-ok", ok=True, issues=3),
            TenantResult("t-bad", ok=False, reason="HTTP 503 <script>alert(1)</script>"),
        ),
        HealthSnapshot({"t-ok": {}}, fetched_at="2026-11-21T00:00:00Z"),
        1.25,
    )
    html = result._repr_html_()
    assert "<script>" not in html
    assert "HTTP 503 &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.index("t-bad") < html.index("t-ok")  # failures first
    assert "2 tenant(s): 1 ok (0 skipped as already synced), 1 failed, in 1.2s" in html


def test_select_tenants() -> None:
    ids = [" A1 ", "a2", "B1", "A1", "", "c9"]
    assert select_tenants(ids) == ["A1", "a2", "B1", "c9"]
    assert select_tenants(ids, include=["a*"]) == ["A1", "a2"]
    assert select_tenants(ids, exclude=["a2", "C*"]) == ["A1", "B1"]


def test_bad_arguments(tenants: list[str]) -> None:
    with pytest.raises(InputError, match="at least 1"):
        sync_health(tenants, tokens=TOKENS, concurrency=0, progress=False)
    with pytest.raises(ConfigError, match="resume needs a ledger"):
        sync_health(tenants, tokens=TOKENS, resume=True, progress=False)


def test_ledger_records_each_tenant_and_resume_fetches_only_failed(
    graph_sandbox: Sandbox,
    health_doc: dict[str, Any],
    tenants: list[str],
    policy: RetryPolicy,
    ledger: Ledger,
    settled: Settled,
) -> None:
    broken = frozenset(tenants[5:])
    graph_sandbox.set_faults(Faults(server_errors=1.0, tenants=broken))
    first = run(graph_sandbox, tenants, policy, ledger=ledger, concurrency=4)
    assert {r.tenant_id for r in first.failed} == broken, [r.reason for r in first.failed]
    states = ledger.health_sync_states()
    assert {t for t, s in states.items() if s.ok} == set(tenants[:5])
    assert all("HTTP 503" in states[t].reason for t in broken)
    assert len(ledger.health_issues(tenants[0])) == 5

    settled(graph_sandbox, 5 * 2 + 3 * 3)
    graph_sandbox.set_faults(Faults())
    graph_sandbox.clear_requests()
    second = run(graph_sandbox, tenants, policy, ledger=ledger, resume=True, concurrency=4)
    assert second.failed == []
    assert {r.tenant_id for r in second.results if r.skipped} == set(tenants[:5])
    fetched = settled(graph_sandbox, 3 * 2)
    assert {r.tenant for r in fetched} == broken  # nothing fetched twice
    assert len(fetched) == 3 * 2  # overviews + issues per resumed tenant
    assert all(s.ok for s in ledger.health_sync_states().values())
    assert second.snapshot.tenants == tenants
    for tenant in tenants:
        issues = second.snapshot.to_json()["tenants"][tenant]["issues"]
        assert sorted(i["id"] for i in issues) == sorted(
            i["id"] for i in health_doc["tenants"][tenant]["issues"]
        )


def test_resume_refetches_a_failed_tenant_in_full_and_drops_vanished_issues(
    graph_sandbox: Sandbox,
    health_doc: dict[str, Any],
    tenants: list[str],
    policy: RetryPolicy,
    sqlite_ledger: Ledger,
    settled: Settled,
) -> None:
    """Resume never merges older cached data: the failed tenant is fetched whole (no $filter),
    and an issue Microsoft no longer lists leaves the cache and the snapshot."""
    tenant, other = tenants[0], tenants[1]
    run(graph_sandbox, [tenant, other], policy, ledger=sqlite_ledger)
    changed = copy.deepcopy(health_doc)
    kept = changed["tenants"][tenant]["issues"][1:]  # the first issue is gone
    kept.append(dict(kept[0], id="EX999999", lastModifiedDateTime="2026-10-01T10:00:00Z"))
    changed["tenants"][tenant]["issues"] = kept
    graph_sandbox.set_snapshot(changed)
    graph_sandbox.set_faults(Faults(server_errors=1.0, tenants=frozenset({tenant})))
    second = run(graph_sandbox, [tenant, other], policy, ledger=sqlite_ledger)
    assert [r.ok for r in second.results] == [False, True]

    graph_sandbox.set_faults(Faults())
    settled(graph_sandbox, 1)
    graph_sandbox.clear_requests()
    result = run(graph_sandbox, [tenant, other], policy, ledger=sqlite_ledger, resume=True)
    assert [(r.ok, r.skipped) for r in result.results] == [(True, False), (True, True)]
    issue_requests = [r for r in settled(graph_sandbox, 2) if r.path.endswith("/issues")]
    assert [r.tenant for r in issue_requests] == [tenant]
    assert "$filter" not in issue_requests[0].query
    assert result.snapshot.to_json()["tenants"][tenant]["issues"] == kept
    assert sorted(i["id"] for i in sqlite_ledger.health_issues(tenant)) == sorted(
        i["id"] for i in kept
    )
    assert result.results[0].issues == 5
    assert sqlite_ledger.health_sync_states()[tenant].ok


def test_sync_from_a_notebook_cell_with_a_ledger(
    graph_sandbox: Sandbox, tenants: list[str], policy: RetryPolicy, sqlite_ledger: Ledger
) -> None:
    import asyncio

    async def cell() -> Any:  # Jupyter runs cells inside a running event loop
        return run(graph_sandbox, tenants[:3], policy, ledger=sqlite_ledger)

    result = asyncio.run(cell())
    assert [r.ok for r in result.results] == [True, True, True]
    assert set(sqlite_ledger.health_sync_states()) == set(tenants[:3])


def test_ledger_writes_come_in_batches_and_the_snapshot_from_the_ledger(
    graph_sandbox: Sandbox,
    health_doc: dict[str, Any],
    tenants: list[str],
    policy: RetryPolicy,
    ledger: Ledger,
    tmp_path: Any,
) -> None:
    from sqlalchemy import event

    commits: list[int] = []
    writes = "ek_write"  # the ledger's marker of a write transaction

    def committed(conn: Any) -> None:
        if conn.get_execution_options().get(writes):
            commits.append(1)

    event.listen(ledger.engine, "commit", committed)
    out = tmp_path / "health.json"
    result = run(graph_sandbox, tenants, policy, ledger=ledger, concurrency=8, out=out)
    assert len(result.ok) == len(tenants)
    # start the run, a batch or two of tenants, finish the run: not one transaction per tenant
    assert len(commits) <= 4 < len(tenants)
    assert ledger.health_run_tenants(result.run_id) == set(tenants)
    written = load_snapshot(out)
    assert written.to_json()["tenants"] == health_doc["tenants"]
    assert written.tenants == tenants  # input order


def test_per_tenant_fetched_at_when_times_differ() -> None:
    entries = [
        ("t1", datetime(2026, 11, 2, tzinfo=UTC), '{"healthOverviews":[],"issues":[]}'),
        ("t2", datetime(2026, 11, 1, tzinfo=UTC), '{"healthOverviews":[],"issues":[]}'),
    ]
    document = json.loads("".join(snapshot_pieces(entries, datetime(2026, 11, 1, tzinfo=UTC))))
    assert document["fetched_at"] == "2026-11-01T00:00:00Z"
    assert document["tenants"]["t1"]["fetched_at"] == "2026-11-02T00:00:00Z"
    assert "fetched_at" not in document["tenants"]["t2"]
    snapshot = HealthSnapshot.from_json(document)
    assert snapshot.fetched_at_for("t1") == datetime(2026, 11, 2, tzinfo=UTC)
    assert snapshot.fetched_at_for("t2") == snapshot.fetched_at
    with pytest.raises(InputError, match=r"tenants\.t1\.fetched_at"):
        HealthSnapshot({"t1": {"fetched_at": "yesterday"}}, fetched_at="2026-11-01T00:00:00Z")
