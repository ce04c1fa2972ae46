"""Everything the content step knows about each ticket, computed column-wise for a batch.

The same :class:`TicketFeatures` feed the learned model (training and triage) and the analyst's
reasons: the content rules' hits, the named evidence, the services named, the users affected
and the text prepared for character n-grams.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from escalation_kit.services import SUITE, named_services, names_anywhere
from escalation_kit.triage.content import ContentScores, score_content, users_stated_in_text
from escalation_kit.triage.evidence import Evidence, compute_evidence
from escalation_kit.triage.ngrams import prepare_texts
from escalation_kit.triage.rules import RuleSet
from escalation_kit.triage.text import ticket_text

__all__ = [
    "RULE_PREFIX",
    "TicketFeatures",
    "effective_services",
    "ticket_features",
    "with_services_found",
]

RULE_PREFIX = "rule: "


@dataclass(frozen=True)
class TicketFeatures:
    """Per-ticket features of a batch, aligned with its rows."""

    text: pa.ChunkedArray  # title and description, as ticket_text gives them
    texts: list[str]  # prepared for character n-grams
    names: tuple[str, ...]  # columns of ``matrix``
    matrix: np.ndarray  # float32 (tickets x names): evidence and rule hits, 0/1
    evidence: Evidence
    content: ContentScores  # the content rules' verdicts
    services: list[frozenset[str]]  # services named together (empty unless two or more)
    users: np.ndarray  # users affected (field, else the count stated in the text; -1 unknown)


def ticket_features(accepted: pd.DataFrame, rules: RuleSet) -> TicketFeatures:
    """Features of validated tickets (intake's accepted columns)."""
    text = ticket_text(accepted)
    users = _users(accepted, text)
    services = _services_named(accepted)
    has_description = (
        accepted["description"].astype("str").fillna("").str.strip().ne("").to_numpy(dtype=bool)
        if "description" in accepted
        else np.zeros(len(accepted), dtype=bool)
    )
    counts = np.array([len(s) for s in services], dtype=np.int64)
    evidence = compute_evidence(text, users, counts, has_description)
    content = score_content(text, rules, with_reasons=False)
    names = (*evidence.names, *(RULE_PREFIX + rule.name for rule in rules.rules))
    matrix = np.hstack([evidence.matrix, content.hits]).astype(np.float32)
    return TicketFeatures(
        text, prepare_texts(text), names, matrix, evidence, content, services, users
    )


def effective_services(accepted: pd.DataFrame, named: list[frozenset[str]]) -> np.ndarray:
    """The service triage reasons about: the suite when several are named, else the named one."""
    service = accepted["normalized_service"].astype("str").fillna("").to_numpy(dtype=object)
    several = np.array([len(s) >= 2 for s in named], dtype=bool)
    return np.where(several, SUITE, service).astype(object)


def with_services_found(accepted: pd.DataFrame) -> pd.DataFrame:
    """Tickets whose service is unknown get the first product name written in the title, even
    without spaces around it ("Teams障害"); the others are unchanged."""
    service = accepted["normalized_service"]
    unknown = service.isna() | (service.astype("str") == "")
    if not unknown.any():
        return accepted
    found = names_anywhere(accepted.loc[unknown, "title"].astype("str").fillna(""))
    if found.isna().all():
        return accepted
    filled = accepted.copy()
    filled.loc[unknown, "normalized_service"] = found
    return filled


def _services_named(accepted: pd.DataFrame) -> list[frozenset[str]]:
    """Services named together in the service field or the title, or 3+ in the description."""
    field = named_services(accepted["service"].astype("str").fillna(""))
    title = named_services(accepted["title"].astype("str").fillna(""))
    if "description" in accepted:
        head = accepted["description"].astype("str").fillna("").str.slice(0, 600)
        body = named_services(head)
    else:
        body = [frozenset()] * len(accepted)
    return [
        f | t | (b if len(b) >= 3 else frozenset())
        for f, t, b in zip(field, title, body, strict=True)
    ]


def _users(accepted: pd.DataFrame, text: pa.ChunkedArray) -> np.ndarray:
    if "users_affected" in accepted:
        field = pd.to_numeric(accepted["users_affected"], errors="coerce")
        users = field.fillna(-1).to_numpy(dtype=np.int64)
    else:
        users = np.full(len(accepted), -1, dtype=np.int64)
    return np.where(users < 0, users_stated_in_text(text), users)
