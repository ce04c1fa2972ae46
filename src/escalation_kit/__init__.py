"""escalation-kit: the CSP partner analyst's toolkit for Microsoft cloud support.

Check service health first, triage every ticket into one of seven categories, prepare one
ready-to-file Partner Center request per problem, track it to resolution, close the loop with
the customer, and report on escalation trends::

    from escalation_kit import read_tickets, triage, Ledger

Names are imported on first use, so ``import escalation_kit`` stays fast (no pandas, plotly,
ipywidgets or HTTP stack until a function needs them).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from escalation_kit.analytics import (
        Investigation as Investigation,
    )
    from escalation_kit.analytics import (
        build_report as build_report,
    )
    from escalation_kit.analytics import (
        investigate as investigate,
    )
    from escalation_kit.analytics import (
        load_history as load_history,
    )
    from escalation_kit.analytics import (
        time_to_resolve as time_to_resolve,
    )
    from escalation_kit.analytics import (
        volume as volume,
    )
    from escalation_kit.analytics import (
        weekly_anomalies as weekly_anomalies,
    )
    from escalation_kit.analytics import (
        write_report as write_report,
    )
    from escalation_kit.analytics.offline import (
        offline_figures as offline_figures,
    )
    from escalation_kit.auth import (
        AppOnlyTokenProvider as AppOnlyTokenProvider,
    )
    from escalation_kit.auth import (
        DeviceCodeTokenProvider as DeviceCodeTokenProvider,
    )
    from escalation_kit.auth import (
        StaticTokenProvider as StaticTokenProvider,
    )
    from escalation_kit.auth import (
        TokenProvider as TokenProvider,
    )
    from escalation_kit.auth import (
        provider_from_settings as provider_from_settings,
    )
    from escalation_kit.config import (
        Settings as Settings,
    )
    from escalation_kit.errors import (
        ApiError as ApiError,
    )
    from escalation_kit.errors import (
        AuthError as AuthError,
    )
    from escalation_kit.errors import (
        ConfigError as ConfigError,
    )
    from escalation_kit.errors import (
        DuplicateEscalation as DuplicateEscalation,
    )
    from escalation_kit.errors import (
        EscalationKitError as EscalationKitError,
    )
    from escalation_kit.errors import (
        HealthLookupError as HealthLookupError,
    )
    from escalation_kit.errors import (
        InputError as InputError,
    )
    from escalation_kit.errors import (
        InvalidTransition as InvalidTransition,
    )
    from escalation_kit.errors import (
        LedgerError as LedgerError,
    )
    from escalation_kit.errors import (
        MissingColumnsError as MissingColumnsError,
    )
    from escalation_kit.errors import (
        PartnerCenterError as PartnerCenterError,
    )
    from escalation_kit.errors import (
        ThrottledError as ThrottledError,
    )
    from escalation_kit.errors import (
        TriageError as TriageError,
    )
    from escalation_kit.escalation.batch import (
        PackageBatch as PackageBatch,
    )
    from escalation_kit.escalation.batch import (
        prepare_packages as prepare_packages,
    )
    from escalation_kit.escalation.batch import (
        tickets_by_id as tickets_by_id,
    )
    from escalation_kit.escalation.drafting import (
        draft_escalations as draft_escalations,
    )
    from escalation_kit.escalation.packages import (
        FilingPackage as FilingPackage,
    )
    from escalation_kit.escalation.packages import (
        PartnerContact as PartnerContact,
    )
    from escalation_kit.escalation.packages import (
        edit_package as edit_package,
    )
    from escalation_kit.escalation.partner_center import (
        PartnerCenterClient as PartnerCenterClient,
    )
    from escalation_kit.escalation.service_request import (
        ServiceRequest as ServiceRequest,
    )
    from escalation_kit.escalation.tracking import (
        link as link,
    )
    from escalation_kit.escalation.tracking import (
        track as track,
    )
    from escalation_kit.escalation.workflow import (
        close_loop as close_loop,
    )
    from escalation_kit.escalation.workflow import (
        confirm_sent as confirm_sent,
    )
    from escalation_kit.health import (
        HealthSnapshot as HealthSnapshot,
    )
    from escalation_kit.health import (
        load_snapshot as load_snapshot,
    )
    from escalation_kit.health.graph import (
        AsyncGraphHealthClient as AsyncGraphHealthClient,
    )
    from escalation_kit.health.graph import (
        GraphHealthClient as GraphHealthClient,
    )
    from escalation_kit.health.sync import (
        SyncResult as SyncResult,
    )
    from escalation_kit.health.sync import (
        sync_health as sync_health,
    )
    from escalation_kit.http import (
        RetryPolicy as RetryPolicy,
    )
    from escalation_kit.http import (
        redact as redact,
    )
    from escalation_kit.intake import (
        IntakeResult as IntakeResult,
    )
    from escalation_kit.intake import (
        read_customers as read_customers,
    )
    from escalation_kit.intake import (
        read_tickets as read_tickets,
    )
    from escalation_kit.intake import (
        validate_tickets as validate_tickets,
    )
    from escalation_kit.ledger import (
        Ledger as Ledger,
    )
    from escalation_kit.models import (
        Category as Category,
    )
    from escalation_kit.models import (
        Customer as Customer,
    )
    from escalation_kit.models import (
        Escalation as Escalation,
    )
    from escalation_kit.models import (
        EscalationStatus as EscalationStatus,
    )
    from escalation_kit.models import (
        HealthIssue as HealthIssue,
    )
    from escalation_kit.models import (
        HealthPost as HealthPost,
    )
    from escalation_kit.models import (
        Region as Region,
    )
    from escalation_kit.models import (
        Severity as Severity,
    )
    from escalation_kit.models import (
        Ticket as Ticket,
    )
    from escalation_kit.models import (
        TriageDecision as TriageDecision,
    )
    from escalation_kit.regions import (
        region_for_country as region_for_country,
    )
    from escalation_kit.regions import (
        resolve_region as resolve_region,
    )
    from escalation_kit.sample import (
        generate_sample as generate_sample,
    )
    from escalation_kit.sandbox import (
        Faults as Faults,
    )
    from escalation_kit.sandbox import (
        Sandbox as Sandbox,
    )
    from escalation_kit.services import (
        SERVICE_NAMES as SERVICE_NAMES,
    )
    from escalation_kit.services import (
        infer_service as infer_service,
    )
    from escalation_kit.services import (
        normalize_service as normalize_service,
    )
    from escalation_kit.triage import (
        TriageConfig as TriageConfig,
    )
    from escalation_kit.triage import (
        TriageResult as TriageResult,
    )
    from escalation_kit.triage import (
        evaluate as evaluate,
    )
    from escalation_kit.triage import (
        triage as triage,
    )
    from escalation_kit.triage.matching import (
        Match as Match,
    )
    from escalation_kit.triage.matching import (
        match_ticket as match_ticket,
    )
    from escalation_kit.triage.matching import (
        match_tickets as match_tickets,
    )
    from escalation_kit.triage.runs import (
        run_id_for as run_id_for,
    )
    from escalation_kit.widgets import (
        IncidentApp as IncidentApp,
    )
    from escalation_kit.widgets import (
        TrendsApp as TrendsApp,
    )
    from escalation_kit.widgets import (
        TriageApp as TriageApp,
    )

_EXPORTS: dict[str, str] = {
    "ApiError": "escalation_kit.errors",
    "AppOnlyTokenProvider": "escalation_kit.auth",
    "AsyncGraphHealthClient": "escalation_kit.health.graph",
    "AuthError": "escalation_kit.errors",
    "Category": "escalation_kit.models",
    "ConfigError": "escalation_kit.errors",
    "Customer": "escalation_kit.models",
    "DeviceCodeTokenProvider": "escalation_kit.auth",
    "DuplicateEscalation": "escalation_kit.errors",
    "Escalation": "escalation_kit.models",
    "EscalationKitError": "escalation_kit.errors",
    "EscalationStatus": "escalation_kit.models",
    "Faults": "escalation_kit.sandbox",
    "FilingPackage": "escalation_kit.escalation.packages",
    "GraphHealthClient": "escalation_kit.health.graph",
    "HealthIssue": "escalation_kit.models",
    "HealthLookupError": "escalation_kit.errors",
    "HealthPost": "escalation_kit.models",
    "HealthSnapshot": "escalation_kit.health",
    "IncidentApp": "escalation_kit.widgets",
    "InputError": "escalation_kit.errors",
    "IntakeResult": "escalation_kit.intake",
    "InvalidTransition": "escalation_kit.errors",
    "Investigation": "escalation_kit.analytics",
    "Ledger": "escalation_kit.ledger",
    "LedgerError": "escalation_kit.errors",
    "Match": "escalation_kit.triage.matching",
    "MissingColumnsError": "escalation_kit.errors",
    "PackageBatch": "escalation_kit.escalation.batch",
    "PartnerCenterClient": "escalation_kit.escalation.partner_center",
    "PartnerCenterError": "escalation_kit.errors",
    "PartnerContact": "escalation_kit.escalation.packages",
    "Region": "escalation_kit.models",
    "RetryPolicy": "escalation_kit.http",
    "SERVICE_NAMES": "escalation_kit.services",
    "Sandbox": "escalation_kit.sandbox",
    "ServiceRequest": "escalation_kit.escalation.service_request",
    "Settings": "escalation_kit.config",
    "Severity": "escalation_kit.models",
    "StaticTokenProvider": "escalation_kit.auth",
    "SyncResult": "escalation_kit.health.sync",
    "ThrottledError": "escalation_kit.errors",
    "Ticket": "escalation_kit.models",
    "TokenProvider": "escalation_kit.auth",
    "TrendsApp": "escalation_kit.widgets",
    "TriageApp": "escalation_kit.widgets",
    "TriageConfig": "escalation_kit.triage",
    "TriageDecision": "escalation_kit.models",
    "TriageError": "escalation_kit.errors",
    "TriageResult": "escalation_kit.triage",
    "build_report": "escalation_kit.analytics",
    "close_loop": "escalation_kit.escalation.workflow",
    "confirm_sent": "escalation_kit.escalation.workflow",
    "draft_escalations": "escalation_kit.escalation.drafting",
    "edit_package": "escalation_kit.escalation.packages",
    "evaluate": "escalation_kit.triage",
    "generate_sample": "escalation_kit.sample",
    "infer_service": "escalation_kit.services",
    "investigate": "escalation_kit.analytics",
    "link": "escalation_kit.escalation.tracking",
    "load_history": "escalation_kit.analytics",
    "load_snapshot": "escalation_kit.health",
    "match_ticket": "escalation_kit.triage.matching",
    "match_tickets": "escalation_kit.triage.matching",
    "normalize_service": "escalation_kit.services",
    "offline_figures": "escalation_kit.analytics.offline",
    "prepare_packages": "escalation_kit.escalation.batch",
    "provider_from_settings": "escalation_kit.auth",
    "read_customers": "escalation_kit.intake",
    "read_tickets": "escalation_kit.intake",
    "redact": "escalation_kit.http",
    "region_for_country": "escalation_kit.regions",
    "resolve_region": "escalation_kit.regions",
    "run_id_for": "escalation_kit.triage.runs",
    "sync_health": "escalation_kit.health.sync",
    "tickets_by_id": "escalation_kit.escalation.batch",
    "time_to_resolve": "escalation_kit.analytics",
    "track": "escalation_kit.escalation.tracking",
    "triage": "escalation_kit.triage",
    "validate_tickets": "escalation_kit.intake",
    "volume": "escalation_kit.analytics",
    "weekly_anomalies": "escalation_kit.analytics",
    "write_report": "escalation_kit.analytics",
}

__all__ = [
    "SERVICE_NAMES",
    "ApiError",
    "AppOnlyTokenProvider",
    "AsyncGraphHealthClient",
    "AuthError",
    "Category",
    "ConfigError",
    "Customer",
    "DeviceCodeTokenProvider",
    "DuplicateEscalation",
    "Escalation",
    "EscalationKitError",
    "EscalationStatus",
    "Faults",
    "FilingPackage",
    "GraphHealthClient",
    "HealthIssue",
    "HealthLookupError",
    "HealthPost",
    "HealthSnapshot",
    "IncidentApp",
    "InputError",
    "IntakeResult",
    "InvalidTransition",
    "Investigation",
    "Ledger",
    "LedgerError",
    "Match",
    "MissingColumnsError",
    "PackageBatch",
    "PartnerCenterClient",
    "PartnerCenterError",
    "PartnerContact",
    "Region",
    "RetryPolicy",
    "Sandbox",
    "ServiceRequest",
    "Settings",
    "Severity",
    "StaticTokenProvider",
    "SyncResult",
    "ThrottledError",
    "Ticket",
    "TokenProvider",
    "TrendsApp",
    "TriageApp",
    "TriageConfig",
    "TriageDecision",
    "TriageError",
    "TriageResult",
    "build_report",
    "close_loop",
    "confirm_sent",
    "draft_escalations",
    "edit_package",
    "evaluate",
    "generate_sample",
    "infer_service",
    "investigate",
    "link",
    "load_history",
    "load_snapshot",
    "match_ticket",
    "match_tickets",
    "normalize_service",
    "offline_figures",
    "prepare_packages",
    "provider_from_settings",
    "read_customers",
    "read_tickets",
    "redact",
    "region_for_country",
    "resolve_region",
    "run_id_for",
    "sync_health",
    "tickets_by_id",
    "time_to_resolve",
    "track",
    "triage",
    "validate_tickets",
    "volume",
    "weekly_anomalies",
    "write_report",
]


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
