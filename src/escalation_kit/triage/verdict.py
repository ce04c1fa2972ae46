"""The content step's verdict per ticket: category, calibrated confidence, review flag, reasons.

With a learned model (:mod:`escalation_kit.triage.model`) the category is the most probable
class and the confidence its calibrated probability; below the review threshold the ticket is
``needs_review`` and its reasons say which evidence is missing. Without a model the content
rules decide, as before (their confidence is a heuristic, not a probability).

Reasons are written for the analyst: the category and its probability, then the evidence found
("who is affected: the whole tenant; Microsoft-side signal: HTTP 5xx server error ..."), the
content rule that agrees, and for a review what to ask the customer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from escalation_kit.models import Category
from escalation_kit.triage.content import explain, with_breadth_default
from escalation_kit.triage.features import TicketFeatures
from escalation_kit.triage.model import ContentModel
from escalation_kit.triage.rules import RuleSet

__all__ = ["ContentVerdict", "model_verdict", "rules_verdict"]

_SELF = str(Category.SELF_SERVICE)
_NETWORK = str(Category.NETWORK_DISRUPTION)
_REACHABILITY = [_NETWORK, str(Category.SERVICE_UNAVAILABLE)]
#: Content verdicts that say the service itself fails: the ones a regional outage shows up as.
_SERVICE_SIDE = [_NETWORK, str(Category.SERVICE_UNAVAILABLE), str(Category.BUG)]
_BOUNDARY = (
    "; contract boundary: the customer's own line, firewall, proxy or DNS is self-service even "
    "when Microsoft looks unreachable"
)


@dataclass(frozen=True, slots=True)
class ContentVerdict:
    """Aligned per-ticket arrays."""

    category: np.ndarray  # object: Category values
    confidence: np.ndarray  # float 0..1
    reasons: np.ndarray  # object: str
    needs_review: np.ndarray  # bool
    self_service: np.ndarray  # bool: confident self-service (keeps a ticket out of clusters)
    connectivity: np.ndarray  # bool: connectivity-level report (network clusters)
    network_vote: np.ndarray  # bool: network verdict in connectivity words (cluster → network)
    malfunction: np.ndarray  # bool: reads as the service failing (down, bug, network), no how-to


def model_verdict(
    features: TicketFeatures, model: ContentModel, rules: RuleSet, threshold: float
) -> ContentVerdict:
    """Category and calibrated probability from the model; review below ``threshold``."""
    probs = model.probabilities(features)
    order = np.argsort(-probs, axis=1)
    best, second = order[:, 0], order[:, 1]
    rows = np.arange(len(probs))
    classes = np.array(model.classes, dtype=object)
    category = classes[best]
    top = probs[rows, best]
    boundary = _own_network(features) & np.isin(category, _REACHABILITY)
    if boundary.any():
        own = list(model.classes).index(_SELF)
        category = np.where(boundary, _SELF, category).astype(object)
        top = np.where(boundary, probs[:, own], top)
        second = np.where(boundary, best, second)
    review = top < threshold
    evidence = features.evidence.describe()
    agreeing = _agreeing_rules(features, rules, category)
    missing = np.full(len(probs), "", dtype=object)
    missing[review] = features.evidence.missing(np.flatnonzero(review))
    second_name = classes[second].tolist()
    second_p = probs[rows, second].tolist()
    reasons = np.array(
        [
            f"{c} (probability {p:.2f}); "
            + (f"evidence: {e}" if e else "evidence: none recognised")
            + (f"; content rule agrees: {a}" if a else "")
            + (_BOUNDARY if b else "")
            + (
                f"; needs review: below the review threshold {threshold:.2f}; next most likely "
                f"{n} ({q:.2f})" + (f"; missing evidence: {m}" if m else "")
                if r
                else ""
            )
            for c, p, e, a, b, r, n, q, m in zip(
                category.tolist(),
                top.tolist(),
                evidence.tolist(),
                agreeing.tolist(),
                boundary.tolist(),
                review.tolist(),
                second_name,
                second_p,
                missing.tolist(),
                strict=True,
            )
        ],
        dtype=object,
    )
    worded = features.evidence.column("symptom_connectivity") | (
        features.content.score_of(Category.NETWORK_DISRUPTION) > 0
    )
    connectivity = worded | ((category == _NETWORK) & ~review)
    vote = (category == _NETWORK) & worded
    # Only self-service *evidence* (a content rule, or the customer's own network) keeps a ticket
    # out of clusters: several tenants reporting the same thing at once speaks against each
    # one's own settings, so the model's guess alone does not.
    own_side = (category == _SELF) & (features.content.self_service_evidence() | boundary)
    return ContentVerdict(
        category=category,
        confidence=np.round(top, 2),
        reasons=reasons,
        needs_review=review,
        self_service=own_side,
        connectivity=connectivity,
        network_vote=vote,
        malfunction=_malfunction(features, category),
    )


def rules_verdict(
    features: TicketFeatures, rules: RuleSet, breadth_min_users: int, threshold: float
) -> ContentVerdict:
    """The content rules alone (no model): the previous behaviour, plus the review flag."""
    explained = explain(features.text, rules, features.content)
    content = with_breadth_default(explained, features.users, breadth_min_users)
    evidence = features.evidence.describe()
    reasons = np.array(
        [
            r + (f"; evidence: {e}" if e else "")
            for r, e in zip(content.reasons, evidence, strict=True)
        ],
        dtype=object,
    )
    return ContentVerdict(
        category=content.category,
        confidence=content.confidence,
        reasons=reasons,
        needs_review=content.confidence < threshold,
        self_service=content.self_service_evidence(),
        connectivity=content.score_of(Category.NETWORK_DISRUPTION) > 0,
        network_vote=np.zeros(len(content.category), dtype=bool),
        malfunction=_malfunction(features, content.category),
    )


def _malfunction(features: TicketFeatures, category: np.ndarray) -> np.ndarray:
    """The verdict says the service itself fails and the words are not a how-to question."""
    return np.isin(category, _SERVICE_SIDE) & ~features.evidence.column("symptom_howto")


def _own_network(features: TicketFeatures) -> np.ndarray:
    """The customer names a change on its own side and a self-service content rule agrees."""
    content = features.content
    own_rules = content.self_service_evidence()
    return features.evidence.column("customer_change") & own_rules


def _agreeing_rules(features: TicketFeatures, rules: RuleSet, category: np.ndarray) -> np.ndarray:
    """Name of the heaviest matching content rule of the chosen category ("" when none)."""
    hits = features.content.hits
    names = np.array([r.name for r in rules.rules], dtype=object)
    weights = np.array([r.weight for r in rules.rules])
    rule_category = np.array([str(r.category) for r in rules.rules], dtype=object)
    eligible = hits & (rule_category[None, :] == category[:, None])
    ranked = np.where(eligible, weights[None, :], -1.0)
    winner = ranked.argmax(axis=1) if len(names) else np.zeros(len(category), dtype=int)
    found = eligible.any(axis=1) if len(names) else np.zeros(len(category), dtype=bool)
    return np.where(found, names[winner] if len(names) else "", "")
