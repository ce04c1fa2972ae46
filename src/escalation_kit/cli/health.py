"""CLI commands ``escalation-kit health sync`` and ``escalation-kit health show``.

Thin wrappers: reading the customers file (intake), fetching (health.sync / health.graph),
writing the snapshot and printing tables. Heavy imports stay inside the commands.
"""

from __future__ import annotations

# Each command imports the library inside its function: pandas, SQLAlchemy and httpx load only
# for the command that runs, so `escalation-kit --help` stays fast (see cli/__init__.py).
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from escalation_kit.cli._common import cli_errors, echo, terminal_text
from escalation_kit.errors import InputError

if TYPE_CHECKING:
    from escalation_kit.auth import TokenProvider
    from escalation_kit.config import Settings
    from escalation_kit.health.sync import SyncResult
    from escalation_kit.intake import IntakeResult
    from escalation_kit.models import HealthIssue

EXIT_SOME_FAILED = 2
MAX_CONCURRENCY = 256
_SHOWN_REJECTS = 20

health_app = typer.Typer(
    name="health",
    help="Microsoft 365 service health of customer tenants (Microsoft Graph).",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.add_typer(health_app, name="health")


@health_app.command("sync")
@cli_errors
def sync(
    customers: Path = typer.Option(
        ..., "--customers", help="Customers file (CSV/JSON lines/Excel) with a tenant_id column."
    ),
    out: Path = typer.Option(..., "--out", help="Health snapshot JSON to write.", dir_okay=False),
    sandbox: str | None = typer.Option(
        None,
        "--sandbox",
        help="Base URL of the emulator (escalation-kit sandbox) instead of Graph.",
    ),
    include: list[str] | None = typer.Option(
        None, "--include", help="Only these tenant ids (wildcards allowed; repeatable)."
    ),
    exclude: list[str] | None = typer.Option(
        None, "--exclude", help="Skip these tenant ids (wildcards allowed; repeatable)."
    ),
    concurrency: int | None = typer.Option(
        None,
        "--concurrency",
        help="Most requests in flight, 1-256 (default 64); halved on throttling, grown back.",
    ),
    resume: bool = typer.Option(
        False,
        "--resume",
        help="Finish the last run: fetch only the tenants it has not fetched ok yet.",
    ),
    no_progress: bool = typer.Option(False, "--no-progress", help="No progress bar."),
) -> None:
    """Fetch health overviews and issues (with posts) for every tenant of the customers file.

    Writes the snapshot, caches issues in the ledger (ESCALATION_KIT_DB) and prints one line per
    tenant. Without --sandbox, credentials come from ESCALATION_KIT_CLIENT_ID and
    ESCALATION_KIT_CLIENT_SECRET (or certificate), else a device-code sign-in.

    Exit codes: 0 all tenants ok; 2 some tenants failed (the snapshot holds the others;
    run again with --resume); 1 bad input or configuration.

    Example: escalation-kit health sync --customers customers.csv --sandbox http://127.0.0.1:8765
    --out health.json
    """
    from escalation_kit.auth import provider_from_settings
    from escalation_kit.config import Settings
    from escalation_kit.health.sync import sync_health
    from escalation_kit.http import RetryPolicy
    from escalation_kit.ledger import Ledger

    if concurrency is not None and not 1 <= concurrency <= MAX_CONCURRENCY:
        raise InputError(f"must be 1-{MAX_CONCURRENCY}, got {concurrency}", field="--concurrency")
    settings = Settings.from_env(concurrency=concurrency)
    tenants = _customer_tenants(customers)
    base_url = _checked_url(sandbox) if sandbox else settings.graph_url
    tokens = (
        _sync_tokens(settings, base_url)
        if sandbox
        else provider_from_settings(settings, sandbox=False)
    )
    with Ledger(settings.db_url) as ledger:
        result = sync_health(
            list(tenants),
            tokens=tokens,
            base_url=base_url,
            concurrency=settings.concurrency,
            include=include,
            exclude=exclude,
            ledger=ledger,
            resume=resume,
            progress=not no_progress,
            policy=RetryPolicy(max_retries=settings.max_retries),
            timeout=settings.timeout,
            out=out,
        )
    _print_results(result, tenants)
    echo(f"{result.summary()}; wrote {len(result.ok)} tenant(s) to {out}")
    if result.failed:
        echo(
            f"{len(result.failed)} tenant(s) failed; fix the cause and run again with --resume",
            err=True,
        )
        raise typer.Exit(EXIT_SOME_FAILED)


@health_app.command("show")
@cli_errors
def show(
    tenant_id: str = typer.Argument(..., help="The customer tenant id (GUID)."),
    snapshot: Path | None = typer.Option(
        None, "--snapshot", help="Read issues from this snapshot file.", dir_okay=False
    ),
    sandbox: str | None = typer.Option(
        None, "--sandbox", help="Read issues live from the emulator at this base URL."
    ),
    active_only: bool = typer.Option(
        False, "--active-only", help="Only issues Microsoft is still working on."
    ),
) -> None:
    """Print a tenant's documented service health issues as a table, active ones first.

    Reads from --snapshot FILE, or live from --sandbox URL, or live from Microsoft Graph with
    the configured credentials.

    Example: escalation-kit health show 5b1c9a3e-7d2f-4c61-9a8e-2f4d6b0c1e77 --snapshot health.json
    --active-only
    """
    from escalation_kit.health.parse import issue_is_active

    if snapshot is not None and sandbox is not None:
        raise InputError("give either --snapshot or --sandbox, not both")
    tenant = tenant_id.strip()
    issues = _snapshot_issues(snapshot, tenant) if snapshot else _live_issues(sandbox, tenant)
    if active_only:
        issues = [i for i in issues if issue_is_active(i)]
    issues.sort(key=lambda i: (not issue_is_active(i), -(i.start.timestamp() if i.start else 0)))
    if not issues:
        echo(f"no {'active ' if active_only else ''}issues for tenant {tenant}")
        return
    echo(_issue_table(issues))
    active = sum(issue_is_active(i) for i in issues)
    echo(f"{len(issues)} issue(s), {active} active, for tenant {tenant}")


def _sync_tokens(settings: Settings, identity_url: str) -> TokenProvider:
    """Against the emulator, sign in per tenant as against Microsoft Entra: client credentials
    through msal at the emulator's token endpoint (its built-in app registration)."""
    from escalation_kit.auth import AppOnlyTokenProvider
    from escalation_kit.http import RetryPolicy
    from escalation_kit.sandbox import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET

    return AppOnlyTokenProvider(
        SANDBOX_CLIENT_ID,
        client_secret=SANDBOX_CLIENT_SECRET,
        identity_url=identity_url,
        max_concurrent=settings.concurrency,
        policy=RetryPolicy(max_retries=settings.max_retries),
    )


def _customer_tenants(path: Path) -> dict[str, str]:
    """Accepted tenant ids → customer names; rejected rows reported on stderr."""
    from escalation_kit.intake import read_customers

    intake = read_customers(path)
    _report_rejects(intake)
    if intake.accepted.empty:
        raise InputError("no valid customer rows: nothing to sync", file=str(path))
    frame = intake.accepted
    return dict(zip(frame["tenant_id"].astype(str), frame["name"].astype(str), strict=True))


def _report_rejects(intake: IntakeResult) -> None:
    echo(intake.summary(), err=True)
    rejected = intake.rejected
    for _, row in rejected.head(_SHOWN_REJECTS).iterrows():
        echo(f"  rejected row {row['source_row']}: {row['reason']}", err=True)
    if len(rejected) > _SHOWN_REJECTS:
        echo(f"  ... and {len(rejected) - _SHOWN_REJECTS} more rejected rows", err=True)


def _checked_url(url: str) -> str:
    import httpx

    try:
        parsed = httpx.URL(url.strip())
    except httpx.InvalidURL as exc:
        raise InputError(f"not a URL: {url!r}", field="--sandbox") from exc
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise InputError(
            f"expected http://HOST:PORT (the emulator's base URL), got {url!r}", field="--sandbox"
        )
    return str(parsed).rstrip("/")


def _print_results(result: SyncResult, names: dict[str, str]) -> None:
    rows = [("tenant_id", "customer", "result", "issues", "overviews", "reason")]
    for r in result.results:
        state = "skipped" if r.skipped else ("ok" if r.ok else "FAILED")
        issues = str(r.issues) if r.ok else ""
        overviews = str(r.overviews) if r.ok and not r.skipped else ""
        reason = r.reason
        rows.append(
            (r.tenant_id, names.get(r.tenant_id, "")[:30], state, issues, overviews, reason)
        )
    echo(_table(rows))


def _snapshot_issues(path: Path, tenant: str) -> list[HealthIssue]:
    from escalation_kit.health.snapshot import load_snapshot

    loaded = load_snapshot(path)
    if tenant not in loaded:
        raise InputError(f"tenant {tenant} is not in the snapshot", file=str(path))
    return loaded.issues_for(tenant)


def _live_issues(sandbox: str | None, tenant: str) -> list[HealthIssue]:
    from escalation_kit.auth import provider_from_settings
    from escalation_kit.config import Settings
    from escalation_kit.health.graph import GraphHealthClient
    from escalation_kit.http import RetryPolicy

    settings = Settings.from_env()
    base_url = _checked_url(sandbox) if sandbox else settings.graph_url
    tokens = provider_from_settings(settings, sandbox=sandbox is not None)
    policy = RetryPolicy(max_retries=settings.max_retries)
    with GraphHealthClient(base_url, tokens, policy=policy, timeout=settings.timeout) as client:
        return client.list_issues(tenant)


def _issue_table(issues: list[HealthIssue]) -> str:
    from escalation_kit.health.parse import issue_is_active

    rows = [("id", "active", "status", "type", "service", "start", "end", "title")]
    for i in issues:
        rows.append(
            (
                i.id,
                "yes" if issue_is_active(i) else "no",
                i.status,
                i.classification,
                i.service,
                i.start.strftime("%Y-%m-%d %H:%M") if i.start else "",
                i.end.strftime("%Y-%m-%d %H:%M") if i.end else "",
                _one_line(i.title, 70),
            )
        )
    return _table(rows)


def _one_line(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _table(rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned columns separated by two spaces; the last column is not padded."""
    rows = [[terminal_text(cell) for cell in row] for row in rows]  # Microsoft's text
    widths = [max(len(row[c]) for row in rows) for c in range(len(rows[0]) - 1)]
    lines = []
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    return "\n".join(lines)
