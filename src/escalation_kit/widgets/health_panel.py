"""HealthPanel: sign in, sync Microsoft service health for chosen tenants, see each result.

Sign-in is the device-code flow (:class:`~escalation_kit.auth.DeviceCodeTokenProvider`: the
code and URL show in the panel); against the local emulator (a loopback Graph URL) the
emulator's static tokens are used. The sync runs in batches so progress moves; every tenant's
result (ok with its issue count, or the failure's reason) is listed, failures first.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING
from urllib.parse import urlparse

import pandas as pd

from escalation_kit.auth import GRAPH_SCOPES, StaticTokenProvider, TokenProvider
from escalation_kit.config import Settings
from escalation_kit.errors import EscalationKitError
from escalation_kit.widgets import _html
from escalation_kit.widgets._imports import ipywidgets

if TYPE_CHECKING:
    from escalation_kit.health.sync import TenantResult
    from escalation_kit.ledger import Ledger

__all__ = ["HealthPanel", "is_loopback"]

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def is_loopback(url: str) -> bool:
    """Whether ``url`` is served on this machine (the emulator), not by Microsoft."""
    return (urlparse(url).hostname or "") in LOOPBACK


class HealthPanel:
    """Sync health for the selected customers; ``results`` holds each tenant's outcome."""

    def __init__(
        self,
        customers: pd.DataFrame,
        *,
        base_url: str | None = None,
        tokens: TokenProvider | None = None,
        ledger: Ledger | None = None,
        batch_size: int = 10,
        background: bool = True,
    ) -> None:
        w = ipywidgets()
        settings = Settings.from_env()
        self.base_url = base_url or settings.graph_url
        self.settings, self.ledger, self.tokens = settings, ledger, tokens
        self.batch_size, self.background = max(batch_size, 1), background
        self.results: list[TenantResult] = []
        self.names = dict(
            zip(customers["tenant_id"].astype(str), customers["name"].astype(str), strict=True)
        )
        options = [
            (f"{name} · {tenant}", tenant)
            for tenant, name in sorted(self.names.items(), key=lambda i: i[1])
        ]
        self.tenants = w.SelectMultiple(
            options=options, rows=10, description="Tenants", layout={"width": "44em"}
        )
        self.all = w.Button(description="Select all")
        self.sign_in = w.Button(description="Sign in", icon="sign-in")
        self.sync = w.Button(description="Sync health", button_style="primary")
        self.progress = w.IntProgress(value=0, min=0, max=1, description="Progress")
        self.signed = w.HTML()
        self.table = w.HTML()
        self.all.on_click(lambda _b: self._select_all())
        self.sign_in.on_click(lambda _b: self._run(self.do_sign_in))
        self.sync.on_click(lambda _b: self._run(self.do_sync))
        where = "the local emulator" if is_loopback(self.base_url) else "Microsoft Graph"
        self.widget = w.VBox(
            [
                w.HTML(
                    f"<b>Service health</b> from {html.escape(where)} "
                    f"({html.escape(self.base_url)})"
                ),
                w.HBox([self.tenants, w.VBox([self.all, self.sign_in, self.sync])]),
                self.signed,
                self.progress,
                self.table,
            ]
        )
        self.widget.add_class("ek-health-panel")

    def _select_all(self) -> None:
        self.tenants.value = tuple(value for _label, value in self.tenants.options)

    def _run(self, work: Callable[[], object]) -> None:
        """Run a slow step off the kernel's message loop, so the page stays live."""
        if self.background:
            threading.Thread(target=work, daemon=True).start()
        else:
            work()

    def _provider(self) -> TokenProvider:
        if self.tokens is None:
            if is_loopback(self.base_url):
                self.tokens = StaticTokenProvider()
            else:
                from escalation_kit.auth import DeviceCodeTokenProvider

                self.tokens = DeviceCodeTokenProvider(
                    self.settings.client_id,
                    cache_path=self.settings.token_cache or None,
                    prompt=self._prompt,
                    home_tenant=self.settings.partner_tenant_id or "organizations",
                )
        return self.tokens

    def _prompt(self, message: str) -> None:
        self.signed.value = f"<pre style='white-space:pre-wrap'>{html.escape(message)}</pre>"

    def do_sign_in(self) -> None:
        """Sign in (device code), or note the emulator's static tokens."""
        try:
            provider = self._provider()
            if isinstance(provider, StaticTokenProvider):
                self.signed.value = _html.message("signed in to the emulator (static tokens)")
                return
            home = self.settings.partner_tenant_id or "organizations"
            provider.get_token(home, GRAPH_SCOPES)
        except EscalationKitError as exc:
            self.signed.value = _html.message(f"sign-in failed: {exc}", ok=False)
            return
        self.signed.value = _html.message("signed in")

    def do_sync(self) -> list[TenantResult]:
        """Sync the selected tenants in batches; returns every tenant's result."""
        from escalation_kit.health.sync import sync_health

        chosen: Sequence[str] = list(self.tenants.value)
        if not chosen:
            self.table.value = _html.message("select the tenants to sync", ok=False)
            return []
        self.results = []
        self.progress.max, self.progress.value = len(chosen), 0
        self.sync.disabled = True
        try:
            provider = self._provider()
            for start in range(0, len(chosen), self.batch_size):
                part = chosen[start : start + self.batch_size]
                outcome = sync_health(
                    part,
                    tokens=provider,
                    base_url=self.base_url,
                    ledger=self.ledger,
                    progress=False,
                )
                self.results.extend(outcome.results)
                self.progress.value = len(self.results)
                self._show()
        except EscalationKitError as exc:
            self.table.value = _html.message(f"sync failed: {exc}", ok=False)
        finally:
            self.sync.disabled = False
        return self.results

    def _show(self) -> None:
        failed = [r for r in self.results if not r.ok]
        rows = sorted(self.results, key=lambda r: r.ok)
        body = "".join(
            "<tr>"
            + "".join(
                f"<td>{html.escape(str(cell))}</td>"
                for cell in (
                    self.names.get(r.tenant_id, ""),
                    r.tenant_id,
                    "ok" if r.ok else "failed",
                    r.issues if r.ok else "",
                    r.reason,
                )
            )
            + "</tr>"
            for r in rows
        )
        head = "".join(
            f"<th>{h}</th>" for h in ("customer", "tenant", "result", "issues", "reason")
        )
        summary = f"{len(self.results)} tenant(s) synced, {len(failed)} failed"
        self.table.value = (
            f"<p>{html.escape(summary)}</p><table class='ek-health'><tr>{head}</tr>{body}</table>"
        )

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)
