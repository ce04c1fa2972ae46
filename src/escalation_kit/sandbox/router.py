"""The emulator's request and response values and a small regex router.

Route modules (Graph, Partner Center) register handlers ``handler(req) -> SandboxResponse``;
the server turns raw HTTP into a :class:`SandboxRequest` and a :class:`SandboxResponse` back
into bytes, so handlers never touch sockets.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import unquote

from escalation_kit.errors import InputError

__all__ = ["Handler", "Headers", "Router", "SandboxRequest", "SandboxResponse"]


class Headers(Mapping[str, str]):
    """Read-only, case-insensitive HTTP headers; repeated headers are joined with ``", "``."""

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        merged: dict[str, tuple[str, str]] = {}
        for name, value in items:
            key = name.lower()
            if key in merged:
                value = f"{merged[key][1]}, {value}"
            merged[key] = (name, value)
        self._items = merged

    def __getitem__(self, name: str) -> str:
        return self._items[name.lower()][1]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._items

    def __iter__(self) -> Iterator[str]:
        return (original for original, _ in self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        # Authorization is never shown: it holds the (sandbox) token.
        shown = {k: ("***" if k.lower() == "authorization" else v) for k, v in self.items()}
        return f"Headers({shown!r})"


@dataclass(frozen=True, slots=True)
class SandboxRequest:
    """One HTTP request as route handlers see it.

    ``path`` is the raw (percent-encoded) path; ``path_params`` holds the route's named groups,
    URL-decoded. ``tenant`` comes from ``Authorization: Bearer sandbox-<tenant>`` (None when the
    header is missing or malformed). ``base_url`` is the address the client used, for absolute
    links; ``next_link_loop`` asks paging routes to point their next link at the same page.
    """

    method: str
    path: str
    query: Mapping[str, str] = field(default_factory=dict)
    headers: Headers = field(default_factory=Headers)
    body: bytes = b""
    tenant: str | None = None
    path_params: Mapping[str, str] = field(default_factory=dict)
    base_url: str = ""
    request_id: str = ""
    client_request_id: str = ""
    next_link_loop: bool = False

    def json(self) -> Any:
        """The body parsed as JSON; invalid JSON raises InputError (the server answers 400)."""
        try:
            return json.loads(self.body or b"null")
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(f"request body is not valid JSON: {exc}", field="body") from exc


@dataclass(frozen=True, slots=True)
class SandboxResponse:
    """What a handler returns: ``body`` is JSON-serialised unless it is bytes (sent as is)."""

    status: int
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)


Handler = Callable[[SandboxRequest], SandboxResponse]


@dataclass(frozen=True, slots=True)
class _Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler


class Router:
    """Maps ``(method, path regex)`` to handlers; the regex must match the whole raw path."""

    def __init__(self) -> None:
        self._routes: list[_Route] = []

    def add(self, method: str, path_regex: str, handler: Handler) -> None:
        """Register ``handler`` for ``method`` on paths fully matching ``path_regex``.

        Named groups in the regex arrive URL-decoded in ``req.path_params``. Routes are tried
        in the order they were added.
        """
        self._routes.append(_Route(method.upper(), re.compile(path_regex), handler))

    def resolve(self, method: str, path: str) -> tuple[Handler, dict[str, str]] | int:
        """The handler and decoded path params for a request, or 404/405 when none fits."""
        path_matched = False
        for route in self._routes:
            match = route.pattern.fullmatch(path)
            if match is None:
                continue
            path_matched = True
            if route.method == method.upper():
                params = {k: unquote(v) for k, v in match.groupdict().items() if v is not None}
                return route.handler, params
        return 405 if path_matched else 404

    def dispatch(self, req: SandboxRequest) -> SandboxResponse | int:
        """Run the matching handler, or return 404/405 for the caller to shape into an error."""
        resolved = self.resolve(req.method, req.path)
        if isinstance(resolved, int):
            return resolved
        handler, params = resolved
        return handler(replace(req, path_params=params))
