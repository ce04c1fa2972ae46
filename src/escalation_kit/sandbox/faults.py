"""Fault injection for the emulator: throttling, server errors, latency, broken bodies, resets.

:class:`Faults` says what may go wrong (all off by default); :class:`FaultInjector` decides, per
request, what does. Decisions are deterministic for a given ``seed``: each request draws from a
generator seeded by ``(seed, tenant, path, n)``, where ``n`` counts that tenant's earlier requests
to that path, so concurrent clients on other paths never shift the outcome.
"""

from __future__ import annotations

import math
import random
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Literal

from escalation_kit.errors import InputError

__all__ = ["ERROR_STATUSES", "FaultInjector", "FaultPlan", "Faults"]

ERROR_STATUSES = frozenset({500, 502, 503, 504})
_PROBABILITIES = ("rate_limit", "server_errors", "slow_rate", "truncate", "reset")
_NON_NEGATIVE = ("retry_after", "latency_ms", "latency_jitter_ms", "slow_ms", "quota_window_s")


@dataclass(frozen=True, slots=True)
class Faults:
    """What the emulator may do wrong. Everything is off by default.

    Probabilities are in 0..1 and drawn independently per request (1.0 = always).

    - ``rate_limit``: answer 429 with ``Retry-After: <retry_after>`` seconds (an HTTP-date
      instead when ``retry_after_http_date``) and the API's throttling body (Graph
      ``activityLimitReached``; Partner Center ``{"statusCode": 429, ...}``).
    - ``quota_per_minute``: Graph-style throttling: a tenant's requests beyond N in any 60 s
      window get 429, with Retry-After saying when a slot frees (Graph allows 240 per app and
      tenant). Counted per tenant across paths; refused requests do not count.
    - ``server_errors``: answer ``error_status`` (500, 502, 503 or 504); 503 carries Retry-After.
    - ``latency_ms`` (+ up to ``latency_jitter_ms`` more): added before every response.
    - ``slow_ms`` with probability ``slow_rate``: an occasional very slow response, to trip
      client timeouts.
    - ``truncate``: send only the first half of the body. By default the Content-Length matches
      the cut body (the client reads malformed JSON); with ``truncate_full_length`` it promises
      the full length and the connection closes early (the client sees a transport error).
    - ``reset``: close the socket without any response (a connection reset).
    - ``next_link_loop``: paging links point back at the same page, forever.

    Scope: ``tenants`` (only these tenants), ``paths`` (regex searched in the path),
    ``first_n`` (only the first N matching requests per tenant and path, e.g. "first call 429,
    then succeed"). ``/_sandbox/*`` admin endpoints are never faulted.
    """

    rate_limit: float = 0.0
    retry_after: int = 1
    retry_after_http_date: bool = False
    quota_per_minute: int | None = None
    quota_window_s: float = 60.0
    server_errors: float = 0.0
    error_status: int = 503
    latency_ms: int = 0
    latency_jitter_ms: int = 0
    slow_ms: int = 0
    slow_rate: float = 0.0
    truncate: float = 0.0
    truncate_full_length: bool = False
    reset: float = 0.0
    next_link_loop: bool = False
    tenants: frozenset[str] | None = None
    first_n: int | None = None
    paths: str | None = None
    seed: int | None = None

    def __post_init__(self) -> None:
        if isinstance(self.tenants, str):
            raise InputError("must be a collection of tenant ids, not one string", field="tenants")
        if self.tenants is not None and not isinstance(self.tenants, frozenset):
            object.__setattr__(self, "tenants", frozenset(self.tenants))
        for name in _PROBABILITIES:
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise InputError(f"must be a probability between 0 and 1, got {value}", field=name)
        for name in _NON_NEGATIVE:
            if getattr(self, name) < 0:
                raise InputError(f"must not be negative, got {getattr(self, name)}", field=name)
        if self.error_status not in ERROR_STATUSES:
            raise InputError(
                f"must be one of {sorted(ERROR_STATUSES)}, got {self.error_status}",
                field="error_status",
            )
        if self.first_n is not None and self.first_n < 0:
            raise InputError(f"must not be negative, got {self.first_n}", field="first_n")
        if self.quota_per_minute is not None and self.quota_per_minute < 1:
            raise InputError(
                f"must be at least 1, got {self.quota_per_minute}", field="quota_per_minute"
            )
        if self.paths is not None:
            try:
                re.compile(self.paths)
            except re.error as exc:
                raise InputError(f"not a valid regular expression: {exc}", field="paths") from exc

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Faults:
        """Build from JSON-like data (the admin endpoint, the CLI); unknown keys are refused."""
        if not isinstance(data, Mapping):
            raise InputError("faults must be a JSON object of Faults fields")
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise InputError(
                f"unknown fault option(s): {', '.join(unknown)}; known: {sorted(known)}"
            )
        values = {name: _coerce_field(name, value) for name, value in data.items()}
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields (``tenants`` as a sorted list)."""
        data = asdict(self)
        data["tenants"] = sorted(self.tenants) if self.tenants is not None else None
        return data

    @property
    def active(self) -> bool:
        """Whether any fault can happen at all."""
        chances = (self.rate_limit, self.server_errors, self.truncate, self.reset)
        slow = self.slow_ms > 0 and self.slow_rate > 0
        latency = self.latency_ms > 0 or self.latency_jitter_ms > 0
        quota = self.quota_per_minute is not None
        return any(p > 0 for p in chances) or slow or latency or quota or self.next_link_loop


_FLOATS = {*_PROBABILITIES, "quota_window_s"}
_INTS = {"retry_after", "error_status", "latency_ms", "latency_jitter_ms", "slow_ms"}
_BOOLS = {"retry_after_http_date", "truncate_full_length", "next_link_loop"}


def _coerce_field(name: str, value: Any) -> Any:
    """Check one JSON value's type for its field; ``None`` is accepted only for optional fields."""
    if name in _BOOLS:
        ok = isinstance(value, bool)
    elif name in _FLOATS:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif name in _INTS:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif name == "tenants":
        ok = value is None or (
            isinstance(value, list | tuple | set | frozenset)
            and all(isinstance(t, str) for t in value)
        )
        value = frozenset(value) if ok and value is not None else value
    elif name in ("first_n", "seed", "quota_per_minute"):
        ok = value is None or (isinstance(value, int) and not isinstance(value, bool))
    else:  # paths
        ok = value is None or isinstance(value, str)
    if not ok:
        raise InputError(f"has the wrong type: {value!r}", field=name)
    return float(value) if name in _FLOATS else value


Action = Literal["reset", "rate_limit", "quota", "server_error"]


@dataclass(frozen=True, slots=True)
class FaultPlan:
    """What happens to one request: wait ``delay_s``, then ``action`` instead of the route
    (None = run it), cutting the body when ``truncate``; ``next_link_loop`` for paging routes;
    ``retry_after`` overrides the configured Retry-After (quota throttling knows the wait)."""

    delay_s: float = 0.0
    action: Action | None = None
    truncate: bool = False
    next_link_loop: bool = False
    faults: Faults = Faults()
    retry_after: int | None = None


_NO_FAULT = FaultPlan()


class FaultInjector:
    """Decides, thread-safely, which faults hit each request under one :class:`Faults`."""

    def __init__(self, faults: Faults, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.faults = faults
        self._clock = clock
        self._windows: dict[str | None, deque[float]] = {}
        self._paths = re.compile(faults.paths) if faults.paths is not None else None
        self._seed = (
            faults.seed if faults.seed is not None else random.SystemRandom().getrandbits(64)
        )
        self._counts: dict[tuple[str | None, str], int] = {}
        self._lock = threading.Lock()

    def plan(self, tenant: str | None, path: str) -> FaultPlan:
        """The faults for the next request of ``tenant`` to ``path``."""
        f = self.faults
        if not f.active or not self._in_scope(tenant, path):
            return _NO_FAULT
        with self._lock:
            n = self._counts.get((tenant, path), 0)
            self._counts[(tenant, path)] = n + 1
        planned = _NO_FAULT
        if f.first_n is None or n < f.first_n:
            planned = _draw(f, random.Random(f"{self._seed}|{tenant}|{path}|{n}"))
        wait = self._over_quota(tenant) if planned.action != "reset" else None
        if wait is not None:
            planned = replace(planned, action="quota", retry_after=wait, faults=f)
        return planned

    def _over_quota(self, tenant: str | None) -> int | None:
        """Seconds until the tenant may call again, or None (and the call is counted)."""
        quota = self.faults.quota_per_minute
        if quota is None:
            return None
        now = self._clock()
        with self._lock:
            window = self._windows.setdefault(tenant, deque())
            span = self.faults.quota_window_s
            while window and window[0] <= now - span:
                window.popleft()
            if len(window) < quota:
                window.append(now)
                return None
            return max(1, math.ceil(window[0] + span - now))

    def _in_scope(self, tenant: str | None, path: str) -> bool:
        if self.faults.tenants is not None and tenant not in self.faults.tenants:
            return False
        return self._paths is None or self._paths.search(path) is not None


def _draw(f: Faults, rng: random.Random) -> FaultPlan:
    """Draw every fault in a fixed order, so one seed always gives the same plan."""
    delay_ms = f.latency_ms + rng.uniform(0, f.latency_jitter_ms)
    if rng.random() < f.slow_rate:
        delay_ms += f.slow_ms
    action: Action | None = None
    if rng.random() < f.reset:
        action = "reset"
    elif rng.random() < f.rate_limit:
        action = "rate_limit"
    elif rng.random() < f.server_errors:
        action = "server_error"
    truncate = rng.random() < f.truncate
    return FaultPlan(delay_ms / 1000.0, action, truncate, f.next_link_loop, f)
