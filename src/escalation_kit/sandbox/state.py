"""What the emulator serves: the health snapshot, checked, behind a lock, plus room for others.

A snapshot is ``{"fetched_at": ..., "tenants": {tenant_id: {"healthOverviews": [...],
"issues": [...], "messages": [...]}}}`` with Microsoft Graph v1.0 objects verbatim (see
contracts.md). Bad snapshots are refused with an :class:`InputError` naming the file and the
place inside it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from escalation_kit.errors import InputError
from escalation_kit.health.snapshot import HealthSnapshot
from escalation_kit.sandbox.demo import demo_snapshot
from escalation_kit.sandbox.faults import Faults

if TYPE_CHECKING:
    from escalation_kit.health.snapshot import HealthSnapshot

__all__ = ["RequestRecord", "SandboxState", "SnapshotSource", "load_snapshot", "validate_snapshot"]

SnapshotSource: TypeAlias = "Mapping[str, Any] | HealthSnapshot | str | Path | None"

_LISTS = ("healthOverviews", "issues", "messages")


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One API request the sandbox answered. ``status`` is 0 when the connection was reset;
    ``fault`` names the injected fault (``rate_limit``, ``quota``, ``server_error``, ``reset``,
    ``truncate``), if any."""

    method: str
    path: str
    query: Mapping[str, str]
    tenant: str | None
    status: int
    at: datetime
    fault: str | None = None
    request_id: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "query": dict(self.query),
            "tenant": self.tenant,
            "status": self.status,
            "at": self.at.isoformat().replace("+00:00", "Z"),
            "fault": self.fault,
            "request_id": self.request_id,
        }


class SandboxState:
    """The emulator's shared state. Route modules keep their own state in ``extra`` (guard it
    with ``lock``) and may register a reset hook, run by ``POST /_sandbox/reset``."""

    def __init__(self, snapshot: Mapping[str, Any], faults: Faults | None = None) -> None:
        self.lock = threading.RLock()
        self.snapshot: dict[str, Any] = dict(snapshot)
        self.faults = faults or Faults()
        self.extra: dict[str, Any] = {}
        self._reset_hooks: list[Callable[[], None]] = []

    def tenant(self, tenant_id: str) -> dict[str, list[dict[str, Any]]] | None:
        """The tenant's data (lists always present), or None if it is not in the snapshot."""
        with self.lock:
            data = self.snapshot["tenants"].get(tenant_id)
        if data is None:
            return None
        return {name: list(data.get(name) or []) for name in _LISTS}

    @property
    def tenant_ids(self) -> list[str]:
        with self.lock:
            return list(self.snapshot["tenants"])

    def set_snapshot(self, snapshot: Mapping[str, Any]) -> None:
        """Serve another (already validated) snapshot from the next request on."""
        with self.lock:
            self.snapshot = dict(snapshot)

    def add_reset_hook(self, hook: Callable[[], None]) -> None:
        """Call ``hook`` on every reset, e.g. to forget created service requests."""
        self._reset_hooks.append(hook)

    def run_reset_hooks(self) -> None:
        for hook in list(self._reset_hooks):
            hook()


def load_snapshot(source: SnapshotSource) -> dict[str, Any]:
    """A checked snapshot from a dict, a :class:`HealthSnapshot`, a JSON file path, or None
    (the built-in demo)."""
    if source is None:
        return demo_snapshot()
    if isinstance(source, Mapping):
        return validate_snapshot(source)
    if not isinstance(source, str | Path):
        return validate_snapshot(_snapshot_document(source))
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InputError("health snapshot file not found", file=str(path)) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the health snapshot: {exc}", file=str(path)) from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})", file=str(path)
        ) from exc
    return validate_snapshot(data, file=str(path))


def _snapshot_document(source: object) -> dict[str, Any]:
    """A :class:`HealthSnapshot`'s contract document; anything else is refused."""

    if not isinstance(source, HealthSnapshot):
        raise InputError(
            "a health snapshot must be a HealthSnapshot, a dict, a JSON file path or None, "
            f"not {type(source).__name__}"
        )
    return source.to_json()


def validate_snapshot(data: Any, *, file: str | None = None) -> dict[str, Any]:
    """Check the snapshot's shape; return it as a plain dict. Objects inside stay verbatim."""
    if not isinstance(data, Mapping):
        raise InputError("a health snapshot must be a JSON object", file=file)
    tenants = data.get("tenants")
    if not isinstance(tenants, Mapping):
        raise InputError("must be an object of tenant id -> data", file=file, field="tenants")
    for tenant_id, tenant in tenants.items():
        _validate_tenant(tenant_id, tenant, file)
    return {**data, "tenants": dict(tenants)}


def _validate_tenant(tenant_id: str, tenant: Any, file: str | None) -> None:
    where = f"tenants.{tenant_id}"
    if not isinstance(tenant, Mapping):
        raise InputError(
            "must be an object with healthOverviews and issues", file=file, field=where
        )
    for name in _LISTS:
        items = tenant.get(name, [])
        if items is None:
            continue
        if not isinstance(items, list):
            raise InputError("must be a list", file=file, field=f"{where}.{name}")
        for index, item in enumerate(items):
            if not isinstance(item, Mapping):
                raise InputError("must be an object", file=file, field=f"{where}.{name}[{index}]")
            key = "service" if name == "healthOverviews" else "id"
            if not isinstance(item.get(key), str) or not item.get(key):
                raise InputError(
                    f"needs a non-empty string {key!r}",
                    file=file,
                    field=f"{where}.{name}[{index}]",
                )
