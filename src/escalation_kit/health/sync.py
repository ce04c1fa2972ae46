"""Fan-out: fetch service health for many customer tenants at once, resumably.

:func:`sync_health` runs :class:`~escalation_kit.health.graph.AsyncGraphHealthClient` over the
tenants: one pooled HTTP client, a fixed set of workers and a :class:`~escalation_kit.pacing.Pacer`
that starts wide, halves the requests in flight on 429/503 (honouring ``Retry-After``) and keeps
every tenant under Graph's request budget. One tenant's failure (HTTP error after retries, 403,
a truncated body, a timeout, a reset, a paging loop, a sign-in failure) is recorded for that
tenant with its reason and never stops the run.

With a ledger, every sync is a **run** with an id. Finished tenants are written in batches (one
transaction per batch), and a tenant's result is reported only once its batch is committed.
``resume`` finishes the latest run: tenants that run already fetched are taken from the ledger,
the others are fetched in full; nothing older than the run is ever reused. The snapshot is
written from the ledger's state (or, without a ledger, from this run's entries) and streamed to
``out`` tenant by tenant: each tenant's entry is encoded once, when fetched, and copied as is.
"""

from __future__ import annotations

import asyncio
import fnmatch
import gc
import json
import os
import threading
import time
from collections.abc import Callable, Coroutine, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar
from urllib.request import getproxies

import httpx

from escalation_kit.auth import TokenProvider
from escalation_kit.config import DEFAULT_CONCURRENCY, DEFAULT_GRAPH_URL, DEFAULT_TIMEOUT
from escalation_kit.errors import ConfigError, EscalationKitError, InputError
from escalation_kit.health.graph import AsyncGraphHealthClient, TenantHealth
from escalation_kit.health.snapshot import (
    HealthSnapshot,
    load_snapshot,
    snapshot_pieces,
    write_snapshot,
)
from escalation_kit.http import RetryPolicy
from escalation_kit.pacing import Pacer
from escalation_kit.redaction import redact
from escalation_kit.transport import PooledClient

if TYPE_CHECKING:
    from escalation_kit.ledger import Ledger

__all__ = [
    "SyncResult",
    "TenantResult",
    "async_sync_health",
    "run_coroutine",
    "select_tenants",
    "sync_health",
]

T = TypeVar("T")
P = ParamSpec("P")
BATCH_MAX = 256  # tenants per ledger transaction at most
BATCH_WAIT_S = 0.2  # how long a finished tenant may wait for others to share its transaction


@dataclass(frozen=True, slots=True)
class TenantResult:
    """How one tenant's sync went. ``skipped``: already fetched by this run (resume)."""

    tenant_id: str
    ok: bool
    reason: str = ""
    issues: int = 0
    overviews: int = 0
    skipped: bool = False
    requests: int = 0


class SyncResult:
    """Every tenant's outcome (in input order) and the snapshot of the tenants that are ok.

    ``snapshot`` is built when first used (from ``out``, the ledger or this run's entries), so a
    sync over 10,000 tenants never holds them all in memory unless asked to.
    """

    def __init__(
        self,
        results: Sequence[TenantResult],
        snapshot: HealthSnapshot | Callable[[], HealthSnapshot],
        elapsed_s: float,
        *,
        run_id: str | None = None,
        out: Path | None = None,
    ) -> None:
        self.results = tuple(results)
        self._snapshot = snapshot
        self.elapsed_s = elapsed_s
        self.run_id = run_id
        self.out = out

    @property
    def snapshot(self) -> HealthSnapshot:
        if not isinstance(self._snapshot, HealthSnapshot):
            self._snapshot = self._snapshot()
        return self._snapshot

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
    out: str | os.PathLike[str] | None = None,
    pacer: Pacer | None = None,
) -> SyncResult:
    """Fetch health overviews and issues for every tenant; see the module docstring.

    :func:`sync_health` is the same call for scripts and notebook cells (``client`` lets tests
    hand in a transport).

    ``concurrency`` is the most requests in flight (the pacer starts there and backs off);
    ``out`` is the snapshot file to write; ``pacer`` replaces the default one (Graph's limits).
    """
    if concurrency < 1:
        raise InputError(f"must be at least 1, got {concurrency}", field="concurrency")
    if resume and ledger is None:
        raise ConfigError("resume needs a ledger: it remembers which tenants were synced")
    started = time.monotonic()
    targets = select_tenants(tenant_ids, include=include, exclude=exclude)
    with (
        _collector_for_a_sync(),
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="escalation-kit-ledger") as db,
    ):
        store = await _Store.open(ledger, db, resume=resume, tenants=len(targets))
        done = store.done & set(targets)
        pending = [t for t in targets if t not in done]
        pacer = pacer or Pacer(concurrency)
        http = client or _pooled_client(concurrency, timeout)
        graph = AsyncGraphHealthClient(base_url, tokens, client=http, policy=policy, pacer=pacer)
        run = _Run(graph, store, page_size)
        try:
            fetched = await run.all(pending, workers=concurrency, progress=progress)
        finally:
            if client is None:
                await http.aclose()
        counts = await store.issue_counts(sorted(done)) if done else {}
        skipped = {
            t: TenantResult(t, True, "already synced in this run", counts.get(t, 0), skipped=True)
            for t in done
        }
        results = [fetched[t] if t in fetched else skipped[t] for t in targets]
        ok = [r.tenant_id for r in results if r.ok]
        if not [r for r in results if not r.ok]:
            await store.finish()
        target = Path(out) if out is not None else None
        if target is not None:
            await store.write(target, ok)
    snapshot = _snapshot_loader(store, target, ok)
    return SyncResult(
        results, snapshot, time.monotonic() - started, run_id=store.run_id, out=target
    )


_COLLECTOR = threading.Lock()
_collector_syncs = 0
_thresholds: tuple[int, ...] = gc.get_threshold()
_YOUNG = 20_000  # allocations between the collector's young passes during a sync (default 700)


@contextmanager
def _collector_for_a_sync() -> Iterator[None]:
    """The garbage collector tuned for a sync, and left as it was afterwards.

    - Objects that existed before the sync are kept out of its passes (``gc.freeze``): each
      full pass walked every object of the process, mostly the imported libraries' (some
      100,000 objects, ~50 ms a pass).
    - Young passes come every 20,000 allocations instead of 700: a tenant's objects live for
      its round trips (~150 ms), so with 700 they survived pass after pass into the old
      generations, and the passes over those (which also walk the live msal applications)
      were most of the collector's time.
    - At the end, one full pass over what the sync made (old objects still frozen), so the
      sync leaves no collection owed, and its cost is counted with the sync's.

    Measured over 1,000 tenants with sign-in (50 ms per exchange): the collector took
    0.45-0.65 s of the sync's CPU with the defaults, about 0.1 s with these plus the final
    pass. Concurrent syncs share it: the last one to finish restores the collector.
    """
    global _collector_syncs, _thresholds
    with _COLLECTOR:
        if _collector_syncs == 0:
            gc.freeze()
            _thresholds = gc.get_threshold()
            gc.set_threshold(max(_thresholds[0], _YOUNG), *_thresholds[1:])
        _collector_syncs += 1
    try:
        yield
    finally:
        with _COLLECTOR:
            _collector_syncs -= 1
            if _collector_syncs == 0:
                gc.set_threshold(*_thresholds)
                gc.collect()
                gc.unfreeze()


def _pooled_client(concurrency: int, timeout: float) -> httpx.AsyncClient:
    """One client for the whole fan-out, its pool sized to the concurrency. Its transport is
    the lean keep-alive one unless a proxy is configured (then httpx's own handles it)."""
    if getproxies():
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        return httpx.AsyncClient(timeout=timeout, limits=limits)
    return PooledClient(concurrency, timeout=timeout)


def _snapshot_loader(
    store: _Store, target: Path | None, ok: list[str]
) -> Callable[[], HealthSnapshot]:
    def load() -> HealthSnapshot:
        if target is not None:
            return load_snapshot(target)
        entries = list(store.entries(ok))
        oldest = min((when for _, when, _ in entries), default=store.started_at)
        document = _document(entries, oldest)
        return HealthSnapshot.from_json(json.loads(document))

    return load


def _document(entries: Iterable[tuple[str, datetime, str]], oldest: datetime) -> str:
    return "".join(snapshot_pieces(entries, oldest))


@dataclass(frozen=True, slots=True)
class _Fetch:
    """One tenant's outcome on its way to the ledger (see ``ledger.health_runs.TenantFetch``)."""

    tenant_id: str
    ok: bool
    fetched_at: datetime
    reason: str = ""
    entry: str = ""
    issues: Sequence[Any] = ()


class _Store:
    """Where finished tenants go: the ledger (batched, in its own thread) or memory."""

    def __init__(
        self,
        ledger: Ledger | None,
        db: ThreadPoolExecutor,
        run_id: str | None,
        started_at: datetime,
        done: set[str],
    ) -> None:
        self.ledger = ledger
        self.db = db
        self.run_id = run_id
        self.started_at = started_at
        self.done = done
        self.fetched_at = datetime.now(UTC)  # this (part of the) run's fetches
        self._memory: dict[str, tuple[datetime, str]] = {}

    @classmethod
    async def open(
        cls, ledger: Ledger | None, db: ThreadPoolExecutor, *, resume: bool, tenants: int
    ) -> _Store:
        if ledger is None:
            return cls(None, db, None, datetime.now(UTC), set())
        loop = asyncio.get_running_loop()
        run = await loop.run_in_executor(db, ledger.latest_health_run) if resume else None
        if run is None:
            run = await loop.run_in_executor(db, ledger.start_health_run, tenants)
            return cls(ledger, db, run.run_id, run.started_at, set())
        done = await loop.run_in_executor(db, ledger.health_run_tenants, run.run_id)
        return cls(ledger, db, run.run_id, run.started_at, done)

    async def record(self, fetches: Sequence[Any]) -> dict[str, str]:
        """Make a batch durable; returns tenants the ledger refused, with the reason."""
        if self.ledger is None or self.run_id is None:
            for fetch in fetches:
                if fetch.ok:
                    self._memory[fetch.tenant_id] = (fetch.fetched_at, fetch.entry)
            return {}
        loop = asyncio.get_running_loop()
        refused: dict[str, str] = await loop.run_in_executor(
            self.db, self.ledger.record_health_fetches, self.run_id, fetches
        )
        return refused

    async def issue_counts(self, tenants: list[str]) -> dict[str, int]:
        if self.ledger is None:
            return {}
        loop = asyncio.get_running_loop()
        counts: dict[str, int] = await loop.run_in_executor(
            self.db, self.ledger.health_issue_counts, tenants
        )
        return counts

    async def finish(self) -> None:
        if self.ledger is not None and self.run_id is not None:
            await asyncio.get_running_loop().run_in_executor(
                self.db, self.ledger.finish_health_run, self.run_id
            )

    def entries(self, tenants: Sequence[str]) -> Iterator[tuple[str, datetime, str]]:
        if self.ledger is None or self.run_id is None:
            for tenant in tenants:
                if tenant in self._memory:
                    yield tenant, *self._memory[tenant]
            return
        yield from self.ledger.health_run_entries(self.run_id, tenants)

    async def write(self, target: Path, tenants: Sequence[str]) -> None:
        """Stream the snapshot of ``tenants`` to ``target`` (in the ledger's thread)."""

        def work() -> None:
            oldest = self._oldest()
            write_snapshot(target, self.entries(tenants), oldest)

        await asyncio.get_running_loop().run_in_executor(self.db, work)

    def _oldest(self) -> datetime:
        if self.ledger is None or self.run_id is None:
            return min((when for when, _ in self._memory.values()), default=self.started_at)
        return self.ledger.health_run_oldest_fetch(self.run_id) or self.started_at


def _entry(health: TenantHealth) -> str:
    """A tenant's snapshot entry (JSON): the collections' text as Graph sent it when each came
    in one page, so what was just decoded is not encoded again."""
    if health.overviews_json is not None and health.issues_json is not None:
        return f'{{"healthOverviews":{health.overviews_json},"issues":{health.issues_json}}}'
    return json.dumps(
        {"healthOverviews": health.overviews, "issues": health.issues},
        ensure_ascii=False,
        separators=(",", ":"),
    )


class _Run:
    """One sync run: workers fetching tenants, a writer committing them in batches, progress."""

    def __init__(self, graph: AsyncGraphHealthClient, store: _Store, page_size: int | None) -> None:
        self.graph = graph
        self.store = store
        self.page_size = page_size
        self.results: dict[str, TenantResult] = {}
        self.failed = 0

    async def all(
        self, pending: Sequence[str], *, workers: int, progress: bool
    ) -> dict[str, TenantResult]:
        from tqdm.auto import tqdm  # the bar is optional in library use; tqdm loads on demand

        queue: asyncio.Queue[tuple[TenantResult, Any] | None] = asyncio.Queue()
        tenants = iter(pending)
        with tqdm(
            total=len(pending), desc="health sync", unit="tenant", disable=not progress
        ) as bar:
            writer = asyncio.create_task(self._writer(queue, bar))
            try:
                await asyncio.gather(
                    *(self._worker(tenants, queue) for _ in range(min(workers, len(pending))))
                )
            finally:
                await queue.put(None)
                await writer
        return self.results

    async def _worker(
        self, tenants: Iterator[str], queue: asyncio.Queue[tuple[TenantResult, Any] | None]
    ) -> None:
        for tenant in tenants:
            await queue.put(await self.one(tenant))

    async def one(self, tenant: str) -> tuple[TenantResult, Any]:
        """Fetch one tenant; every failure becomes a failed result with its reason."""
        fetched_at = self.store.fetched_at
        try:
            health = await self.graph.fetch_tenant(tenant, page_size=self.page_size)
            entry = _entry(health)
        except Exception as exc:  # one tenant must never stop the others
            reason = _reason(exc)
            fetch = _Fetch(tenant, ok=False, fetched_at=fetched_at, reason=reason)
            return TenantResult(tenant, ok=False, reason=reason), fetch
        finally:
            if self.graph.pacer is not None:
                self.graph.pacer.forget(tenant)
        fetch = _Fetch(tenant, ok=True, fetched_at=fetched_at, entry=entry, issues=health.issues)
        result = TenantResult(
            tenant,
            ok=True,
            issues=len(health.issues),
            overviews=len(health.overviews),
            requests=health.requests,
        )
        return result, fetch

    async def _writer(
        self, queue: asyncio.Queue[tuple[TenantResult, Any] | None], bar: Any
    ) -> None:
        """Commit finished tenants in batches; report each only after its batch is durable."""
        closed = False
        started = time.monotonic()
        while not closed:
            first = await queue.get()
            batch = [] if first is None else [first]
            closed = first is None
            # a transaction costs far more than a row: gather for a moment before committing
            until = time.monotonic() + BATCH_WAIT_S
            while not closed and len(batch) < BATCH_MAX:
                if queue.empty():
                    left = until - time.monotonic()
                    if left <= 0:
                        break
                    try:
                        item = await asyncio.wait_for(queue.get(), left)
                    except TimeoutError:
                        break
                else:
                    item = queue.get_nowait()
                if item is None:
                    closed = True
                else:
                    batch.append(item)
            if not batch:
                continue
            try:
                refused = await self.store.record([fetch for _, fetch in batch])
            except EscalationKitError as exc:  # the ledger failed: these tenants are not safe
                reason = _reason(exc)
                refused = {result.tenant_id: reason for result, _ in batch}
            for result, _ in batch:
                if result.tenant_id in refused and result.ok:
                    result = TenantResult(
                        result.tenant_id, ok=False, reason=refused[result.tenant_id]
                    )
                self.results[result.tenant_id] = result
                self.failed += not result.ok
            self._show(bar, len(batch), started)

    def _show(self, bar: Any, done: int, started: float) -> None:
        pacer = self.graph.pacer
        elapsed = max(time.monotonic() - started, 1e-6)
        postfix: dict[str, Any] = {
            "tenants/s": f"{len(self.results) / elapsed:.0f}",
            "failed": self.failed,
        }
        if pacer is not None:
            stats = pacer.stats
            postfix["in_flight"] = stats.in_flight
            postfix["limit"] = stats.limit
        bar.set_postfix(postfix, refresh=False)
        bar.update(done)


def _reason(exc: Exception) -> str:
    """A one-line reason for a failed tenant, without secrets."""
    if isinstance(exc, EscalationKitError):
        text = str(exc)
    else:
        text = f"unexpected {type(exc).__name__}: {exc}"
    return redact(" ".join(text.split()))


def blocking(coroutine_function: Callable[P, Coroutine[Any, Any, T]]) -> Callable[P, T]:
    """The same function, run to completion from synchronous code (see :func:`run_coroutine`)."""

    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        return run_coroutine(coroutine_function(*args, **kwargs))

    return run


sync_health = blocking(async_sync_health)
sync_health.__name__ = sync_health.__qualname__ = "sync_health"
sync_health.__doc__ = """Fetch health overviews and issues for every tenant, from scripts and
notebook cells alike; the parameters of :func:`async_sync_health`."""
