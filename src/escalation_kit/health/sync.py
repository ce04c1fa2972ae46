"""Fan-out: fetch service health for many customer tenants at once, resumably.

:func:`sync_health` runs :class:`~escalation_kit.health.graph.AsyncGraphHealthClient` over the
tenants with bounded concurrency (an ``asyncio.Semaphore``). One tenant's failure (HTTP error
after retries, 403, a truncated body, a timeout, a reset, a paging loop, a sign-in failure) is
recorded for that tenant with its reason and never stops the run.

With a ledger, each tenant's outcome (and its issues) is written as soon as it finishes, so an
interrupted or partly failed run can ``resume``: tenants whose last sync was ok are not fetched
again, and the others fetch only issues changed since their watermark
(``$filter=lastModifiedDateTime ge ...``), merged with the cached ones.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import time
from collections.abc import Coroutine, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from escalation_kit.auth import TokenProvider
from escalation_kit.config import DEFAULT_CONCURRENCY, DEFAULT_GRAPH_URL, DEFAULT_TIMEOUT
from escalation_kit.errors import ConfigError, EscalationKitError, InputError
from escalation_kit.health.graph import AsyncGraphHealthClient, TenantHealth
from escalation_kit.health.snapshot import HealthSnapshot, format_datetime
from escalation_kit.http import RetryPolicy, redact

if TYPE_CHECKING:
    from escalation_kit.ledger import Ledger, SyncState

__all__ = [
    "SyncResult",
    "TenantResult",
    "async_sync_health",
    "run_coroutine",
    "select_tenants",
    "sync_health",
]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class TenantResult:
    """How one tenant's sync went. ``skipped``: already ok in the ledger, not fetched (resume)."""

    tenant_id: str
    ok: bool
    reason: str = ""
    issues: int = 0
    overviews: int = 0
    skipped: bool = False
    incremental: bool = False


@dataclass(frozen=True, slots=True)
class SyncResult:
    """Every tenant's outcome (in input order) and the snapshot of the tenants that are ok.

    Tenants skipped on resume appear in the snapshot with their cached issues from the ledger
    and no health overviews (the ledger does not keep those).
    """

    results: tuple[TenantResult, ...]
    snapshot: HealthSnapshot
    elapsed_s: float

    @property
    def ok(self) -> list[TenantResult]:
        return [r for r in self.results if r.ok]

    @property
    def failed(self) -> list[TenantResult]:
        return [r for r in self.results if not r.ok]

    @property
    def fetched(self) -> list[TenantResult]:
        """Tenants fetched in this run (not skipped), ok or not."""
        return [r for r in self.results if not r.skipped]

    def _repr_html_(self) -> str:
        """A notebook table: one row per tenant (failed first), every value escaped."""
        from html import escape

        rows = sorted(self.results, key=lambda r: r.ok)
        body = "".join(
            "<tr>"
            + "".join(
                f"<td>{escape(str(cell))}</td>"
                for cell in (
                    r.tenant_id,
                    "skipped" if r.skipped else ("ok" if r.ok else "failed"),
                    r.issues if r.ok else "",
                    r.reason,
                )
            )
            + "</tr>"
            for r in rows
        )
        head = "".join(f"<th>{h}</th>" for h in ("tenant", "result", "issues", "reason"))
        return f"<p>{escape(self.summary())}</p><table><tr>{head}</tr>{body}</table>"

    def summary(self) -> str:
        skipped = sum(r.skipped for r in self.results)
        return (
            f"{len(self.results)} tenant(s): {len(self.ok)} ok ({skipped} skipped as already "
            f"synced), {len(self.failed)} failed, in {self.elapsed_s:.1f}s"
        )


def select_tenants(
    tenant_ids: Iterable[str],
    *,
    include: Iterable[str] | None = None,
    exclude: Iterable[str] | None = None,
) -> list[str]:
    """Tenant ids stripped, de-duplicated (first wins), filtered by include/exclude patterns.

    Patterns are exact ids or shell-style wildcards (``5b1c*``), compared case-insensitively.
    """
    wanted = [p.strip().lower() for p in include or () if p.strip()]
    unwanted = [p.strip().lower() for p in exclude or () if p.strip()]
    chosen: dict[str, None] = {}
    for raw in tenant_ids:
        tenant = str(raw).strip()
        if not tenant:
            continue
        key = tenant.lower()
        if wanted and not any(fnmatch.fnmatchcase(key, p) for p in wanted):
            continue
        if any(fnmatch.fnmatchcase(key, p) for p in unwanted):
            continue
        chosen.setdefault(tenant, None)
    return list(chosen)


def run_coroutine(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from synchronous code, also inside a notebook cell.

    Jupyter already runs an event loop in the main thread, where ``asyncio.run`` refuses to
    work; there the coroutine runs on a fresh loop in a worker thread instead.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="escalation-kit-sync") as pool:
        return pool.submit(asyncio.run, coroutine).result()


def sync_health(
    tenant_ids: Iterable[str],
    *,
    tokens: TokenProvider,
    base_url: str = DEFAULT_GRAPH_URL,
    concurrency: int = DEFAULT_CONCURRENCY,
    include: Iterable[str] | None = None,
    exclude: Iterable[str] | None = None,
    ledger: Ledger | None = None,
    resume: bool = False,
    progress: bool = True,
    policy: RetryPolicy | None = None,
    page_size: int | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> SyncResult:
    """Fetch health overviews and issues for every tenant; see the module docstring.

    Works from scripts and from notebook cells alike (see :func:`run_coroutine`).
    """
    return run_coroutine(
        async_sync_health(
            tenant_ids,
            tokens=tokens,
            base_url=base_url,
            concurrency=concurrency,
            include=include,
            exclude=exclude,
            ledger=ledger,
            resume=resume,
            progress=progress,
            policy=policy,
            page_size=page_size,
            timeout=timeout,
        )
    )


async def async_sync_health(
    tenant_ids: Iterable[str],
    *,
    tokens: TokenProvider,
    base_url: str = DEFAULT_GRAPH_URL,
    concurrency: int = DEFAULT_CONCURRENCY,
    include: Iterable[str] | None = None,
    exclude: Iterable[str] | None = None,
    ledger: Ledger | None = None,
    resume: bool = False,
    progress: bool = True,
    policy: RetryPolicy | None = None,
    page_size: int | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    client: httpx.AsyncClient | None = None,
) -> SyncResult:
    """The coroutine behind :func:`sync_health` (``client`` lets tests hand in a transport)."""
    if concurrency < 1:
        raise InputError(f"must be at least 1, got {concurrency}", field="concurrency")
    if resume and ledger is None:
        raise ConfigError("resume needs a ledger: it remembers which tenants were synced")
    started = time.monotonic()
    fetched_at = datetime.now(UTC)
    targets = select_tenants(tenant_ids, include=include, exclude=exclude)
    states = ledger.health_sync_states() if ledger is not None and resume else {}
    run = _Run(ledger, states if resume else {}, fetched_at, page_size)
    # One connection per tenant in flight: a tenant's two collections share the pool. More
    # connections cost CPU (httpcore scans every connection on each pool event) and gain little.
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    http = client or httpx.AsyncClient(timeout=timeout, limits=limits)
    graph = AsyncGraphHealthClient(base_url, tokens, client=http, policy=policy)
    try:
        outcomes = await run.all(graph, targets, concurrency=concurrency, progress=progress)
    finally:
        if client is None:
            await http.aclose()
    results = tuple(outcomes[t][0] for t in targets)
    snapshot = HealthSnapshot(
        {t: outcomes[t][1] for t in targets if outcomes[t][0].ok},
        fetched_at=format_datetime(fetched_at),
    )
    return SyncResult(results, snapshot, time.monotonic() - started)


Entry = dict[str, list[dict[str, Any]]]


class _Run:
    """One sync run: per-tenant work, ledger bookkeeping, progress."""

    def __init__(
        self,
        ledger: Ledger | None,
        states: Mapping[str, SyncState],
        fetched_at: datetime,
        page_size: int | None,
    ) -> None:
        self.ledger = ledger
        self.states = states
        self.fetched_at = fetched_at
        self.page_size = page_size

    async def all(
        self,
        graph: AsyncGraphHealthClient,
        targets: Sequence[str],
        *,
        concurrency: int,
        progress: bool,
    ) -> dict[str, tuple[TenantResult, Entry]]:
        from tqdm.auto import tqdm

        outcomes = {t: self._skipped(t) for t in targets if self._already_ok(t)}
        pending = [t for t in targets if t not in outcomes]
        gate = asyncio.Semaphore(concurrency)
        failed = 0

        async def bounded(tenant: str) -> tuple[TenantResult, Entry]:
            async with gate:
                return await self.one(graph, tenant)

        with tqdm(
            total=len(pending), desc="health sync", unit="tenant", disable=not progress
        ) as bar:
            for next_done in asyncio.as_completed([bounded(t) for t in pending]):
                result, entry = await next_done
                outcomes[result.tenant_id] = (result, entry)
                failed += not result.ok
                bar.set_postfix(failed=failed, refresh=False)
                bar.update()
        return outcomes

    def _already_ok(self, tenant: str) -> bool:
        state = self.states.get(tenant)
        return state is not None and state.ok

    def _skipped(self, tenant: str) -> tuple[TenantResult, Entry]:
        cached = self.ledger.health_issues(tenant) if self.ledger is not None else []
        result = TenantResult(
            tenant, ok=True, reason="already synced", issues=len(cached), skipped=True
        )
        return result, {"healthOverviews": [], "issues": cached}

    async def one(self, graph: AsyncGraphHealthClient, tenant: str) -> tuple[TenantResult, Entry]:
        """Fetch one tenant; every failure becomes a failed result with its reason."""
        state = self.states.get(tenant)
        since = state.watermark if state is not None else None
        try:
            health = await graph.fetch_tenant(
                tenant, modified_since=since, page_size=self.page_size
            )
            issues = self._merge_cached(tenant, health) if since is not None else health.issues
            self._record_ok(tenant, health)
        except Exception as exc:  # one tenant must never stop the others
            reason = _reason(exc)
            self._record_failure(tenant, reason)
            return TenantResult(tenant, ok=False, reason=reason, incremental=since is not None), {}
        result = TenantResult(
            tenant,
            ok=True,
            issues=len(issues),
            overviews=len(health.overviews),
            incremental=since is not None,
        )
        return result, {"healthOverviews": health.overviews, "issues": issues}

    def _merge_cached(self, tenant: str, health: TenantHealth) -> list[dict[str, Any]]:
        """Cached issues updated by the ones that changed since the watermark."""
        merged = (
            {str(i.get("id")): i for i in self.ledger.health_issues(tenant)} if self.ledger else {}
        )
        merged.update({str(i.get("id")): i for i in health.issues})
        return list(merged.values())

    def _record_ok(self, tenant: str, health: TenantHealth) -> None:
        if self.ledger is None:
            return
        if health.issues:
            self.ledger.cache_health_issues(tenant, health.issues, fetched_at=self.fetched_at)
        self.ledger.record_health_sync(tenant, status="ok")

    def _record_failure(self, tenant: str, reason: str) -> None:
        if self.ledger is None:
            return
        # the result still says why; the ledger's own failure must not stop the run
        with contextlib.suppress(EscalationKitError):
            self.ledger.record_health_sync(tenant, status="failed", reason=reason)


def _reason(exc: Exception) -> str:
    """A one-line reason for a failed tenant, without secrets."""
    if isinstance(exc, EscalationKitError):
        text = str(exc)
    else:
        text = f"unexpected {type(exc).__name__}: {exc}"
    return redact(" ".join(text.split()))
