"""Adaptive concurrency and request budgets for fan-out over many tenants (asyncio).

A :class:`Pacer` admits one request at a time through :meth:`Pacer.acquire` and learns from
each answer (:meth:`Pacer.release`):

- **Concurrency** starts wide (``max_in_flight``) and grows back by about one per round of
  successful requests; a 429 or 503 halves it (at most once per ``cooldown_s``), so a server
  that pushes back gets fewer requests at once (additive increase, multiplicative decrease).
- **Retry-After** on a 429/503 pauses that tenant's next requests until the time it names.
- **Budgets**: no tenant gets more than ``n`` requests in any ``window_s`` (Graph allows 240 per
  60 s and 800 per hour per app and tenant under ``/admin/serviceAnnouncement``), and all tenants
  together stay under ``global_per_s`` requests per second (2,000 per app).

Waiting requests are woken one at a time, in order; the fast path (room available) never awaits.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

__all__ = ["GRAPH_GLOBAL_PER_S", "GRAPH_TENANT_BUDGETS", "Pacer", "PacerStats"]

#: Graph service communications limits per app and tenant: (requests, window in seconds).
GRAPH_TENANT_BUDGETS: tuple[tuple[int, float], ...] = ((240, 60.0), (800, 3600.0))
#: Graph's global limit per app across all tenants (requests per second).
GRAPH_GLOBAL_PER_S = 2000.0
_THROTTLED = frozenset({429, 503})


@dataclass(frozen=True, slots=True)
class PacerStats:
    """A moment's view of the pacer (for progress bars and tests)."""

    limit: int
    lowest_limit: int
    in_flight: int
    sent: int
    throttled: int


class Pacer:
    """See the module docstring. One pacer per event loop and fan-out."""

    def __init__(
        self,
        max_in_flight: int,
        *,
        min_in_flight: int = 1,
        tenant_budgets: Sequence[tuple[int, float]] = GRAPH_TENANT_BUDGETS,
        global_per_s: float = GRAPH_GLOBAL_PER_S,
        cooldown_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_in_flight < 1 or min_in_flight < 1 or min_in_flight > max_in_flight:
            raise ValueError("need 1 <= min_in_flight <= max_in_flight")
        self.max_in_flight = max_in_flight
        self.min_in_flight = min_in_flight
        self.tenant_budgets = tuple(tenant_budgets)
        self.global_per_s = global_per_s
        self.cooldown_s = cooldown_s
        self._clock = clock
        self._limit = float(max_in_flight)
        self._lowest = max_in_flight
        self._in_flight = 0
        self._sent = 0
        self._throttled = 0
        self._cooldown_until = 0.0
        self._tokens = global_per_s
        self._refilled = clock()
        self._windows: dict[str, list[deque[float]]] = {}
        self._paused: dict[str, float] = {}
        self._waiters: deque[asyncio.Future[None]] = deque()

    @property
    def stats(self) -> PacerStats:
        return PacerStats(
            int(self._limit), self._lowest, self._in_flight, self._sent, self._throttled
        )

    async def acquire(self, tenant: str) -> None:
        """Wait until a request for ``tenant`` may go out, then count it as in flight."""
        while True:
            wait = self._wait_for(tenant)
            if wait is None:
                self._admit(tenant)
                return
            if wait > 0:
                await asyncio.sleep(wait)
                continue
            future = asyncio.get_running_loop().create_future()
            self._waiters.append(future)
            try:
                await future
            except asyncio.CancelledError:
                if future in self._waiters:
                    self._waiters.remove(future)
                raise

    def release(self, tenant: str, status: int | None, retry_after: float | None = None) -> None:
        """A request finished with ``status`` (None: no response); learn from it."""
        self._in_flight -= 1
        now = self._clock()
        if status in _THROTTLED:
            self._throttled += 1
            if retry_after is not None and retry_after > 0:
                self._paused[tenant] = max(self._paused.get(tenant, 0.0), now + retry_after)
            if now >= self._cooldown_until:
                self._limit = max(float(self.min_in_flight), self._limit / 2)
                self._lowest = min(self._lowest, int(self._limit))
                self._cooldown_until = now + max(self.cooldown_s, retry_after or 0.0)
        elif status is not None and status < 400:
            self._limit = min(float(self.max_in_flight), self._limit + 1.0 / self._limit)
        self._wake()

    def forget(self, tenant: str) -> None:
        """Drop a finished tenant's bookkeeping (keeps memory flat over 10,000 tenants)."""
        self._windows.pop(tenant, None)
        self._paused.pop(tenant, None)

    # -- internals ---------------------------------------------------------------------------

    def _wait_for(self, tenant: str) -> float | None:
        """None: go now; 0: wait for a slot to free; > 0: sleep that long, then look again."""
        now = self._clock()
        paused = self._paused.get(tenant, 0.0)
        if paused > now:
            return paused - now
        windows = self._tenant_windows(tenant)
        for (count, span), window in zip(self.tenant_budgets, windows, strict=True):
            while window and window[0] <= now - span:
                window.popleft()
            if len(window) >= count:
                return window[0] + span - now + 1e-3
        if self._in_flight >= int(self._limit):
            return 0.0
        self._tokens = min(
            self.global_per_s, self._tokens + (now - self._refilled) * self.global_per_s
        )
        self._refilled = now
        if self._tokens < 1.0:
            return (1.0 - self._tokens) / self.global_per_s
        return None

    def _tenant_windows(self, tenant: str) -> list[deque[float]]:
        windows = self._windows.get(tenant)
        if windows is None:
            windows = self._windows[tenant] = [deque() for _ in self.tenant_budgets]
        return windows

    def _admit(self, tenant: str) -> None:
        now = self._clock()
        for window in self._tenant_windows(tenant):
            window.append(now)
        self._tokens -= 1.0
        self._in_flight += 1
        self._sent += 1

    def _wake(self) -> None:
        room = int(self._limit) - self._in_flight
        while room > 0 and self._waiters:
            future = self._waiters.popleft()
            if not future.done():
                future.set_result(None)
                room -= 1
