"""The OData subset the emulator understands: ``$filter``, ``$orderby``, ``$top``, ``$skip``,
``$select``, ``$count``, ``$expand`` (per route) and ``Prefer: odata.maxpagesize``. Other
``$`` options are refused, as Graph does.

``$filter`` accepts comparisons joined by ``and``: ``field op value`` with ``op`` one of
eq, ne, gt, ge, lt, le; values are ``'quoted strings'`` (``''`` escapes a quote), ``true`` /
``false``, ``null`` or unquoted ISO 8601 datetimes. Anything else (``or``, parentheses,
functions, unknown fields) is refused with :class:`InputError`, which the server answers as a
Graph ``400 BadRequest``.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any
from urllib.parse import quote, urlencode

from escalation_kit.errors import InputError
from escalation_kit.sandbox.router import SandboxRequest

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "MAX_PAGE_SIZE",
    "QUERY_OPTIONS",
    "FieldKind",
    "Page",
    "check_query_options",
    "compile_filter",
    "next_link",
    "order_items",
    "page_request",
    "page_slice",
    "select_fields",
    "wants_count",
]

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000

QUERY_OPTIONS = frozenset({"$filter", "$orderby", "$top", "$skip", "$select", "$count", "$expand"})

Item = Mapping[str, Any]
Predicate = Callable[[Item], bool]


class FieldKind(Enum):
    """How a filterable field compares."""

    TEXT = "text"  # exact string
    ENUM = "enum"  # string compared case-insensitively (Graph enums arrive in either case)
    BOOL = "bool"
    DATETIME = "datetime"


_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "gt": operator.gt,
    "ge": operator.ge,
    "lt": operator.lt,
    "le": operator.le,
}
_TOKEN = re.compile(r"'(?:[^']|'')*'|[^\s']+")
_TOKENS = re.compile(rf"\s*(?:(?:{_TOKEN.pattern})\s*)*")


def compile_filter(expression: str | None, fields: Mapping[str, FieldKind]) -> Predicate:
    """A predicate for ``$filter``; ``None``/empty matches everything. Field names are
    matched case-insensitively against ``fields``."""
    if not expression or not expression.strip():
        return lambda item: True
    tokens = _tokenize(expression)
    clauses: list[list[str]] = [[]]
    for token in tokens:
        if token.lower() == "and":
            clauses.append([])
        else:
            clauses[-1].append(token)
    predicates = [_compile_clause(clause, fields) for clause in clauses]
    return lambda item: all(predicate(item) for predicate in predicates)


def _tokenize(expression: str) -> list[str]:
    if _TOKENS.fullmatch(expression) is None:
        raise InputError(f"unbalanced quote in $filter {expression!r}", field="$filter")
    return _TOKEN.findall(expression)


def _compile_clause(clause: list[str], fields: Mapping[str, FieldKind]) -> Predicate:
    if len(clause) != 3:
        raise InputError(
            f"unsupported $filter clause {' '.join(clause)!r}: expected 'field op value' "
            "joined by 'and'",
            field="$filter",
        )
    name, op_name, literal = clause
    canonical = {key.lower(): key for key in fields}.get(name.lower())
    if canonical is None:
        raise InputError(
            f"cannot filter on {name!r}; filterable: {', '.join(sorted(fields))}", field="$filter"
        )
    op = _OPS.get(op_name.lower())
    if op is None:
        raise InputError(f"unsupported $filter operator {op_name!r}", field="$filter")
    kind = fields[canonical]
    value = _parse_literal(literal, kind)
    if op_name.lower() not in ("eq", "ne") and kind in (FieldKind.BOOL, FieldKind.ENUM):
        raise InputError(f"{canonical} supports only eq and ne", field="$filter")
    return _comparison(canonical, kind, op, value)


def _comparison(
    name: str, kind: FieldKind, op: Callable[[Any, Any], bool], value: Any
) -> Predicate:
    def predicate(item: Item) -> bool:
        actual = _normalise(item.get(name), kind)
        if actual is None or value is None:
            # OData null semantics: only eq/ne say anything about null.
            return op(actual is None, value is None) if op in (operator.eq, operator.ne) else False
        try:
            return bool(op(actual, value))
        except TypeError:
            return False

    return predicate


def _parse_literal(literal: str, kind: FieldKind) -> Any:
    if literal.lower() == "null":
        return None
    quoted = literal.startswith("'") and literal.endswith("'") and len(literal) >= 2
    text = literal[1:-1].replace("''", "'") if quoted else literal
    if kind is FieldKind.BOOL:
        if quoted or text.lower() not in ("true", "false"):
            raise InputError(f"expected true or false, got {literal}", field="$filter")
        return text.lower() == "true"
    if kind is FieldKind.DATETIME:
        parsed = _parse_datetime(text)
        if parsed is None:
            raise InputError(f"expected an ISO 8601 datetime, got {literal}", field="$filter")
        return parsed
    if not quoted:
        raise InputError(f"string values need single quotes, got {literal}", field="$filter")
    return text.lower() if kind is FieldKind.ENUM else text


def _normalise(value: Any, kind: FieldKind) -> Any:
    if value is None:
        return None
    if kind is FieldKind.DATETIME:
        return _parse_datetime(value) if isinstance(value, str) else None
    if kind is FieldKind.ENUM:
        return value.lower() if isinstance(value, str) else None
    return value


def _parse_datetime(text: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    return parsed


def order_items(
    items: list[Item], orderby: str | None, fields: Mapping[str, FieldKind]
) -> list[Item]:
    """Sort by ``$orderby`` (``field [asc|desc]``, one field); items missing it go last."""
    if not orderby or not orderby.strip():
        return items
    parts = orderby.split()
    canonical = {key.lower(): key for key in fields}.get(parts[0].lower())
    if (
        canonical is None
        or len(parts) > 2
        or (len(parts) == 2 and parts[1].lower() not in ("asc", "desc"))
    ):
        raise InputError(f"unsupported $orderby {orderby!r}", field="$orderby")
    kind = fields[canonical]
    present = [i for i in items if _normalise(i.get(canonical), kind) is not None]
    missing = [i for i in items if _normalise(i.get(canonical), kind) is None]
    descending = len(parts) == 2 and parts[1].lower() == "desc"
    present.sort(key=lambda i: _normalise(i.get(canonical), kind), reverse=descending)
    return present + missing


@dataclass(frozen=True, slots=True)
class Page:
    """Which slice of a collection a request asks for."""

    skip: int
    size: int
    preference_applied: str | None  # the value for the Preference-Applied header, if any


def page_request(req: SandboxRequest) -> Page:
    """Page size from ``$top`` and ``Prefer: odata.maxpagesize`` (the smaller wins, at most
    1000, default 100) and the offset from ``$skip``."""
    size = DEFAULT_PAGE_SIZE
    applied = None
    preferred = _max_page_size(req.headers.get("Prefer", ""))
    if preferred is not None:
        size = min(preferred, MAX_PAGE_SIZE)
        applied = f"odata.maxpagesize={size}"
    if "$top" in req.query:
        size = min(
            size if preferred is not None else MAX_PAGE_SIZE, _positive("$top", req.query["$top"])
        )
    skip = _non_negative("$skip", req.query["$skip"]) if "$skip" in req.query else 0
    return Page(skip=skip, size=size, preference_applied=applied)


def _max_page_size(prefer: str) -> int | None:
    for part in prefer.split(","):
        name, _, value = part.strip().partition("=")
        if name.strip().lower() == "odata.maxpagesize":
            return _positive("Prefer odata.maxpagesize", value.strip())
    return None


def _positive(name: str, raw: str) -> int:
    value = _non_negative(name, raw)
    if value < 1:
        raise InputError(f"{name} must be at least 1, got {raw!r}", field=name)
    return value


def _non_negative(name: str, raw: str) -> int:
    if not raw.isdigit():
        raise InputError(f"{name} must be a non-negative integer, got {raw!r}", field=name)
    return int(raw)


def next_link(req: SandboxRequest, skip: int) -> str:
    """An absolute URL for the page at ``skip``, keeping every other query option."""
    query = {k: v for k, v in req.query.items() if k != "$skip"}
    query["$skip"] = str(skip)
    encoded = urlencode(query, quote_via=quote, safe="$',:()")
    return f"{req.base_url}{req.path}?{encoded}"


def page_slice(items: Sequence[Item], page: Page) -> tuple[list[Item], bool]:
    """The items of ``page`` and whether more follow."""
    end = page.skip + page.size
    return list(items[page.skip : end]), end < len(items)


def check_query_options(query: Mapping[str, str]) -> None:
    """Refuse ``$`` options the emulator does not know (``$search``, typos like ``$fitler``)."""
    unknown = sorted(k for k in query if k.startswith("$") and k not in QUERY_OPTIONS)
    if unknown:
        raise InputError(
            f"query option(s) {', '.join(unknown)} not supported; use {sorted(QUERY_OPTIONS)}",
            field=unknown[0],
        )


def select_fields(item: Item, select: str | None) -> dict[str, Any]:
    """Only the properties named in ``$select`` (comma-separated), in the item's order."""
    if not select or not select.strip():
        return dict(item)
    wanted = {name.strip() for name in select.split(",") if name.strip()}
    return {k: v for k, v in item.items() if k in wanted}


def wants_count(query: Mapping[str, str]) -> bool:
    """``$count=true`` asks for ``@odata.count`` (the total matching, before paging)."""
    raw = query.get("$count", "false").strip().lower()
    if raw not in ("true", "false"):
        raise InputError(f"$count must be true or false, got {raw!r}", field="$count")
    return raw == "true"
