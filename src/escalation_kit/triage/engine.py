"""The triage engine: one decision per accepted ticket, in the contract's output columns.

Reasoning runs in the contract's order of precedence:

1. **documented issue** — a service-health issue of the ticket's tenant explains it
   (:mod:`escalation_kit.triage.matching`); ``known_issue`` wins over everything;
2. **cross-ticket clusters** — network disruptions, then regional multi-tenant clusters
   (:mod:`escalation_kit.triage.clusters`), among tickets not explained and not self-service;
3. **content** — the ticket's own words: named evidence, the content rules and character
   n-grams, weighed by a learned, calibrated model (:mod:`escalation_kit.triage.verdict`);
   below the review threshold a ticket is ``needs_review``.

Everything is computed column-wise over the whole batch; no step loops over tickets in Python
except the linear cluster sweep.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from escalation_kit.categories import CATEGORIES
from escalation_kit.errors import InputError, TriageError
from escalation_kit.health.snapshot import (
    HealthSnapshot,
    HealthSource,
    IssuesByTenant,
    load_snapshot,
    tenant_issues,
)
from escalation_kit.intake import read_tickets, validate_tickets
from escalation_kit.intake.writers import write_csv
from escalation_kit.ledger.core import Ledger
from escalation_kit.models import TRIAGE_OUTPUT_COLUMNS, Category, Region
from escalation_kit.triage.clusters import ClusterResult, cluster_table, find_clusters
from escalation_kit.triage.config import DEFAULT_RULES_REVIEW_THRESHOLD, TriageConfig
from escalation_kit.triage.features import (
    TicketFeatures,
    effective_services,
    ticket_features,
    with_services_found,
)
from escalation_kit.triage.matching import match_tickets
from escalation_kit.triage.model import ContentModel, load_model
from escalation_kit.triage.rules import RuleSet, load_rules
from escalation_kit.triage.runs import run_id_for
from escalation_kit.triage.severity import assign_severity
from escalation_kit.triage.symptoms import SAME_SYMPTOM, UNUSABLE_CONCEPTS, load_symptoms
from escalation_kit.triage.verdict import ContentVerdict, model_verdict, rules_verdict

if TYPE_CHECKING:
    from escalation_kit.intake import IntakeResult

__all__ = [
    "DECISION_COLUMNS",
    "RECOMMENDED_ACTIONS",
    "TriageResult",
    "health_checked",
    "health_warnings",
    "triage_tickets",
]

log = logging.getLogger(__name__)

DECISION_COLUMNS = list(TRIAGE_OUTPUT_COLUMNS)

RECOMMENDED_ACTIONS: dict[str, str] = {str(c): info.action for c, info in CATEGORIES.items()}


@dataclass(frozen=True)
class TriageResult:
    """The decisions (contract columns, one row per accepted ticket) and the rejected rows."""

    decisions: pd.DataFrame
    rejected: pd.DataFrame = field(default_factory=pd.DataFrame)
    intake: IntakeResult | None = field(default=None, repr=False)
    warnings: tuple[str, ...] = ()  # e.g. service health not checked for some tickets

    @property
    def read(self) -> int:
        return len(self.decisions) + len(self.rejected)

    def to_csv(self, path: str | os.PathLike[str]) -> Path:
        """Write the decisions as the contract's CSV (``escalate`` as ``true``/``false``)."""
        target = Path(path)
        frame = self.decisions.copy()
        for name in ("escalate", "health_checked", "needs_review"):
            if name in frame:
                frame[name] = np.where(frame[name].to_numpy(dtype=bool), "true", "false")
        return write_csv(frame, target, what="triage output")

    def write_rejects(self, path: str | os.PathLike[str]) -> Path:
        """Write the rejected rows (source row, field, reason and the raw columns) as CSV."""
        if self.intake is not None:
            return self.intake.write_rejects(Path(path))
        return write_csv(self.rejected, Path(path), what="rejects file")

    def counts(self) -> pd.Series:
        """Tickets per category."""
        return self.decisions["category"].value_counts()

    def record(self, ledger: Ledger) -> tuple[str, int]:
        """Store the accepted tickets and the decisions in the ledger; (run id, new decisions).

        The run id hashes the decisions, so recording the same run again records nothing new;
        the tickets are kept so that later steps know each customer's language and name.
        """
        run_id = run_id_for(self.decisions)
        if self.intake is not None and len(self.intake.accepted):
            ledger.upsert_tickets(self.intake.accepted, progress=False)
        return run_id, ledger.record_decisions(self.decisions, run_id=run_id)

    def clusters(self) -> pd.DataFrame:
        """The multi-tenant and network clusters: category, service, region, tickets."""
        return cluster_table(self.decisions)

    def _repr_html_(self) -> str:
        return self.decisions._repr_html_()  # type: ignore[operator]


def triage_tickets(
    tickets: str | os.PathLike[str] | pd.DataFrame,
    customers: str | os.PathLike[str] | pd.DataFrame | None = None,
    health: HealthSource | None = None,
    *,
    rules: RuleSet | str | os.PathLike[str] | None = None,
    config: TriageConfig | None = None,
    model: ContentModel | str | os.PathLike[str] | bool | None = None,
) -> TriageResult:
    """Triage a batch of tickets (a file or a frame, validated by intake) into the 7 categories.

    ``health`` is a snapshot file, a :class:`HealthSnapshot`, a mapping of tenant id to issues,
    or None (no documented issues: nothing is ``known_issue``). ``health_checked`` is true for a
    ticket only when the snapshot holds its tenant and was fetched no longer than
    ``config.max_health_age`` before the ticket was reported (a bare mapping has no fetch time:
    its tenants count as checked). Tickets left unchecked are counted in ``result.warnings``.
    ``model`` is a content model or its file; None uses the partner's model when one exists,
    else the bundled one; False uses the content rules alone.
    """
    config = config or TriageConfig.from_env()
    ruleset = (
        rules if isinstance(rules, RuleSet) else load_rules(None if rules is None else Path(rules))
    )
    intake = _intake(tickets, customers)
    accepted = intake.accepted.reset_index(drop=True)
    snapshot = _load_health(health)
    issues = _issues_by_tenant(snapshot)
    decisions = decide(accepted, issues, ruleset, config, model=resolve_model(model))
    covered, fetched_at = _coverage(snapshot)
    decisions["health_checked"] = health_checked(accepted, covered, fetched_at, config)
    ordered = [c for c in DECISION_COLUMNS if c in decisions]
    decisions = decisions[ordered + [c for c in decisions if c not in ordered]]
    notes = health_warnings(accepted, decisions["health_checked"], covered, fetched_at, config)
    for note in notes:
        log.warning("%s", note)
    return TriageResult(
        decisions=decisions, rejected=intake.rejected, intake=intake, warnings=notes
    )


def health_checked(
    accepted: pd.DataFrame,
    covered: set[str] | None,
    fetched_at: datetime | None,
    config: TriageConfig,
) -> np.ndarray:
    """Per ticket: the snapshot holds its tenant and is at most ``max_health_age`` older than
    the report. ``covered`` None means no snapshot; ``fetched_at`` None means no fetch time."""
    if accepted.empty or covered is None:
        return np.zeros(len(accepted), dtype=bool)
    held = accepted["tenant_id"].astype(str).isin(covered).to_numpy(dtype=bool)
    if fetched_at is None:
        return held
    reported = pd.to_datetime(accepted["reported_at"], utc=True)
    fresh = (reported - pd.Timestamp(fetched_at)) <= pd.Timedelta(config.max_health_age)
    return held & fresh.fillna(False).to_numpy(dtype=bool)


def health_warnings(
    accepted: pd.DataFrame,
    checked: pd.Series | np.ndarray,
    covered: set[str] | None,
    fetched_at: datetime | None,
    config: TriageConfig,
) -> tuple[str, ...]:
    """Say, with counts, which tickets' service health was not checked and why."""
    total = len(accepted)
    if total == 0:
        return ()
    if covered is None:
        return (
            f"no health snapshot: service health was not checked for any of the {total} "
            "ticket(s), so none can be known_issue and escalate refuses them; run "
            "`escalation-kit health sync` and pass --health",
        )
    notes: list[str] = []
    tenants = accepted["tenant_id"].astype(str)
    missing = ~tenants.isin(covered)
    if missing.any():
        notes.append(
            f"the health snapshot lacks {tenants[missing].nunique()} of {tenants.nunique()} "
            f"tenant(s) ({int(missing.sum())} of {total} ticket(s)): their service health was "
            "not checked"
        )
    stale = ~np.asarray(checked, dtype=bool) & ~missing.to_numpy(dtype=bool)
    if stale.any() and fetched_at is not None:
        hours = config.max_health_age.total_seconds() / 3600
        notes.append(
            f"the health snapshot was fetched {fetched_at.isoformat()}, more than {hours:g} h "
            f"before {int(stale.sum())} of {total} ticket(s) were reported: their service health "
            "was not checked"
        )
    return tuple(notes)


def resolve_model(
    model: ContentModel | str | os.PathLike[str] | bool | None,
) -> ContentModel | None:
    """The content model to use (see :func:`triage`), or None for the content rules alone."""
    if model is False:
        return None
    if isinstance(model, ContentModel):
        return model
    if model is None or model is True:
        return load_model()
    return load_model(model)


def decide(
    accepted: pd.DataFrame,
    issues_by_tenant: HealthSnapshot | IssuesByTenant,
    rules: RuleSet,
    config: TriageConfig,
    model: ContentModel | None = None,
    features: TicketFeatures | None = None,
) -> pd.DataFrame:
    """The decisions for already validated tickets (intake's accepted columns).

    ``features`` may be given when already computed for exactly these tickets and rules.
    """
    if accepted.empty:
        return pd.DataFrame({c: pd.Series(dtype=_dtype(c)) for c in DECISION_COLUMNS})
    features = features or ticket_features(accepted, rules)
    accepted = with_services_found(accepted)
    verdict = _verdict(features, rules, config, model)
    concepts = load_symptoms().masks(features.text)  # once, for matching and for clusters
    matches = match_tickets(
        accepted,
        issues_by_tenant,
        tolerance=config.match_tolerance,
        threshold=config.match_threshold,
        show_progress=config.show_progress,
        services=features.services,
        text_masks=_app_cannot_connect(concepts, verdict),
    )
    known = (matches["matched_issue_id"].to_numpy(dtype=object) != "") & ~(
        features.content.overrides_known_issue(rules)
    )
    frame = _cluster_frame(accepted, effective_services(accepted, features.services))
    clusters = find_clusters(
        frame,
        eligible=~known & ~verdict.self_service,
        connectivity=verdict.connectivity,
        config=config,
        symptoms=symptom_families(concepts, _unusable(features, concepts) | verdict.malfunction),
        named=features.services,
    )
    clusters = _connectivity_clusters(clusters, verdict)
    return _compose(frame, accepted, matches, known, clusters, verdict)


def _connectivity_clusters(clusters: ClusterResult, verdict: ContentVerdict) -> ClusterResult:
    """A regional cluster of mostly connectivity-level reports is a network disruption.

    Several tenants' sites failing at the network level at once is the contract's "many sites or
    ISPs"; a report votes for it when its content verdict is network_disruption and its words
    are connectivity-level (timeouts, packet loss, DNS): the verdict alone is not enough.
    """
    regional = clusters.category == str(Category.REGIONAL_MULTI_TENANT)
    if not regional.any():
        return clusters
    network = verdict.network_vote & regional
    ids = pd.Series(clusters.cluster_id[regional])
    share = pd.Series(network[regional]).groupby(ids.to_numpy()).mean()
    flipped = set(share[share >= 0.5].index)
    if not flipped:
        return clusters
    members = np.isin(clusters.cluster_id, list(flipped))
    category = clusters.category.copy()
    category[members] = str(Category.NETWORK_DISRUPTION)
    reason = clusters.reason.copy()
    reason[members] = [
        f"{r}; most of these reports are connectivity-level failures, so this is a network "
        "disruption across the tenants' sites"
        for r in reason[members]
    ]
    return replace(clusters, category=category, reason=reason)


def _verdict(
    features: TicketFeatures, rules: RuleSet, config: TriageConfig, model: ContentModel | None
) -> ContentVerdict:
    if model is None:
        threshold = config.review_threshold
        if threshold is None:
            threshold = DEFAULT_RULES_REVIEW_THRESHOLD
        return rules_verdict(features, rules, config.breadth_min_users, threshold)
    threshold = config.review_threshold
    if threshold is None:
        threshold = model.review_threshold
    return model_verdict(features, model, rules, threshold)


_OUTAGE_BIT = np.uint64(1) << np.uint64(63)  # the lexicon has at most 63 concepts (bits 0..62)
_UNUSABLE_EVIDENCE = ("symptom_down", "symptom_connectivity")


def symptom_families(masks: np.ndarray, outage: np.ndarray) -> np.ndarray:
    """Each ticket's symptom families for clustering: the lexicon's concepts it mentions
    (``masks``), plus bit 63 when its words say the service is unusable (``outage``)."""
    return np.where(outage, masks | _OUTAGE_BIT, masks).astype(np.uint64)


def _unusable(features: TicketFeatures, concepts: np.ndarray) -> np.ndarray:
    """Tickets whose words say the service is down, unreachable, slow or refuses sign-in."""
    unusable = features.content.score_of(Category.SERVICE_UNAVAILABLE) > 0
    unusable |= (concepts & load_symptoms().bits(UNUSABLE_CONCEPTS)) != 0
    for name in _UNUSABLE_EVIDENCE:
        unusable |= features.evidence.column(name) > 0
    return unusable


def _app_cannot_connect(concepts: np.ndarray, verdict: ContentVerdict) -> np.ndarray:
    """Concepts for matching: an app that cannot connect to its service ("Outlook keeps losing
    its connection") is not getting into the service, unless the report reads as a network
    disruption (timeouts across sites or ISPs: then the network is the symptom, not the
    service)."""
    lexicon = load_symptoms()
    app_side = ((concepts & lexicon.bits(("connectivity",))) != 0) & (
        verdict.category != str(Category.NETWORK_DISRUPTION)
    )
    return np.where(app_side, concepts | lexicon.bits(SAME_SYMPTOM), concepts).astype(np.uint64)


def _cluster_frame(accepted: pd.DataFrame, service: np.ndarray) -> pd.DataFrame:
    region = accepted["region"].astype("str").fillna(str(Region.UNKNOWN))
    return pd.DataFrame(
        {
            "ticket_id": accepted["ticket_id"].astype("str"),
            "tenant_id": accepted["tenant_id"].astype("str"),
            "region": region,
            "service": service,
            "reported_at": accepted["reported_at"],
        }
    )


def _compose(
    frame: pd.DataFrame,
    accepted: pd.DataFrame,
    matches: pd.DataFrame,
    known: np.ndarray,
    clusters: ClusterResult,
    content: ContentVerdict,
) -> pd.DataFrame:
    clustered = ~known & (clusters.category != "")
    category = np.where(
        known, str(Category.KNOWN_ISSUE), np.where(clustered, clusters.category, content.category)
    ).astype(object)
    score = matches["match_score"].to_numpy(dtype=float)
    cluster_confidence = np.minimum(0.95, 0.6 + 0.05 * clusters.tenants)
    confidence = np.where(
        known,
        np.round(0.5 + 0.5 * score, 2),
        np.where(clustered, cluster_confidence, content.confidence),
    )
    reasons = np.where(
        known,
        matches["match_reason"].to_numpy(dtype=object),
        np.where(clustered, clusters.reason, content.reasons),
    )
    severity = assign_severity(
        category, _users_affected(accepted), clusters.tenants, clusters.regions
    )
    escalate = np.isin(category, [str(c) for c in Category.escalation_categories()])
    return pd.DataFrame(
        {
            "ticket_id": frame["ticket_id"].to_numpy(dtype=object),
            "category": category,
            "escalate": escalate,
            "matched_issue_id": np.where(known, matches["matched_issue_id"], ""),
            "cluster_id": np.where(clustered, clusters.cluster_id, ""),
            "region": frame["region"].to_numpy(dtype=object),
            "service": frame["service"].to_numpy(dtype=object),
            "severity": severity,
            "confidence": np.round(confidence.astype(float), 2),
            "reasons": reasons,
            "recommended_action": pd.Series(category).map(RECOMMENDED_ACTIONS).to_numpy(),
            "needs_review": ~known & ~clustered & content.needs_review,
        }
    )


def _users_affected(accepted: pd.DataFrame) -> np.ndarray:
    """users_affected as int64, -1 where unknown (the severity rule treats it as small)."""
    if "users_affected" not in accepted:
        return np.full(len(accepted), -1, dtype=np.int64)
    users = pd.to_numeric(accepted["users_affected"], errors="coerce")
    return users.fillna(-1).to_numpy(dtype=np.int64)


def _dtype(column: str) -> str:
    kinds = {"escalate": "bool", "health_checked": "bool", "needs_review": "bool"}
    return {**kinds, "confidence": "float64"}.get(column, "object")


def _intake(
    tickets: str | os.PathLike[str] | pd.DataFrame,
    customers: str | os.PathLike[str] | pd.DataFrame | None,
) -> IntakeResult:
    people = Path(customers) if isinstance(customers, str | os.PathLike) else customers
    if isinstance(tickets, pd.DataFrame):
        return validate_tickets(tickets, source="<tickets frame>", customers=people)
    if isinstance(tickets, str | os.PathLike):
        return read_tickets(Path(tickets), customers=people)
    raise TriageError(
        f"tickets must be a file path or a pandas DataFrame, got {type(tickets).__name__}"
    )


def _load_health(health: HealthSource | None) -> HealthSnapshot | IssuesByTenant | None:
    if isinstance(health, str | os.PathLike):
        return load_snapshot(health)
    return health


def _coverage(
    health: HealthSnapshot | IssuesByTenant | None,
) -> tuple[set[str] | None, datetime | None]:
    """(tenants the snapshot holds, its fetch time); (None, None) without a snapshot."""
    if health is None:
        return None, None
    if isinstance(health, HealthSnapshot):
        return {str(t) for t in health.tenants}, health.fetched_at
    if isinstance(health, Mapping):
        return {str(t) for t in health}, None
    return None, None


def _issues_by_tenant(health: HealthSnapshot | IssuesByTenant | None) -> IssuesByTenant:
    if health is None:
        return {}
    try:
        return tenant_issues(health)
    except InputError:
        raise TriageError(
            "health must be a snapshot file, a HealthSnapshot or a mapping of tenant id to "
            f"issues, got {type(health).__name__}"
        ) from None
