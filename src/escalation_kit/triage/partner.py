"""The partner's own model: training data from the analysts' overrides recorded in the ledger.

An override says "this ticket is really category X". Overrides to a content category (the ones a
ticket's own words decide) become labelled tickets, with the ticket text from the ledger (or from
tickets files given for tickets the ledger does not hold). :func:`learn_from_ledger` scores a
model trained without them and one trained with them on held-out folds of the overrides, then
trains the final model on everything.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from escalation_kit.errors import InputError
from escalation_kit.intake import read_tickets, validate_tickets
from escalation_kit.ledger.core import Ledger
from escalation_kit.models import TICKET_COLUMNS
from escalation_kit.triage.features import ticket_features
from escalation_kit.triage.learn import (
    CONTENT_CLASSES,
    REAL_WEIGHT,
    LabelledSet,
    fit_model,
    group_bucket,
)
from escalation_kit.triage.model import ContentModel
from escalation_kit.triage.rules import RuleSet, load_rules

__all__ = ["LedgerLearning", "learn_from_ledger", "ledger_overrides"]


@dataclass(frozen=True)
class LedgerLearning:
    """The partner's model and its held-out scores without and with the overrides."""

    model: ContentModel
    overrides: int
    used: int
    before: dict[str, float]
    after: dict[str, float]

    def format_text(self) -> str:
        return "\n".join(
            [
                f"analyst overrides in the ledger: {self.overrides} "
                f"({self.used} to a content category used for training)",
                "held-out folds of the overrides (group k-fold):",
                f"  before (generic model):  accuracy {self.before['accuracy']:.3f}, "
                f"macro-F1 {self.before['macro_f1']:.3f}",
                f"  after (with the overrides): accuracy {self.after['accuracy']:.3f}, "
                f"macro-F1 {self.after['macro_f1']:.3f}",
            ]
        )


def ledger_overrides(
    ledger: Ledger, tickets_files: Sequence[str | os.PathLike[str]] = ()
) -> tuple[LabelledSet, int]:
    """(labelled overrides to content categories, number of overrides in the ledger)."""
    decisions = ledger.decisions()
    overridden = decisions[decisions["override_category"].astype(str) != ""]
    total = len(overridden)
    wanted = overridden[overridden["override_category"].isin(CONTENT_CLASSES)]
    if wanted.empty:
        return LabelledSet(pd.DataFrame()), total
    ids = wanted["ticket_id"].astype(str).tolist()
    frames = [_raw(ledger.tickets(ids))]
    for path in tickets_files:
        frames.append(read_tickets(Path(path)).accepted[list(TICKET_COLUMNS)].astype(str))
    raw = pd.concat(frames, ignore_index=True).drop_duplicates("ticket_id")
    raw = raw[raw["ticket_id"].isin(ids)]
    if raw.empty:
        raise InputError(
            "the ledger holds no text for the overridden tickets: pass the tickets files "
            "with --tickets"
        )
    accepted = validate_tickets(raw, source="<ledger tickets>").accepted.reset_index(drop=True)
    labels = wanted.set_index("ticket_id")["override_category"]
    accepted = accepted.assign(
        label=accepted["ticket_id"].map(labels).to_numpy(),
        group="ledger:" + accepted["ticket_id"].astype(str).map(group_bucket),
        origin="ledger",
        weight=REAL_WEIGHT,
        language="",
    )
    return LabelledSet(accepted), total


def _raw(tickets: pd.DataFrame) -> pd.DataFrame:
    if tickets.empty:
        return pd.DataFrame(columns=list(TICKET_COLUMNS))
    frame = tickets.copy()
    frame["reported_at"] = pd.to_datetime(frame["reported_at"], utc=True).map(
        lambda t: t.isoformat()
    )
    users = pd.to_numeric(frame["users_affected"], errors="coerce")
    frame["users_affected"] = users.map(lambda u: "" if pd.isna(u) else str(int(u)))
    return frame[list(TICKET_COLUMNS)].fillna("").astype(str)


def learn_from_ledger(
    base: LabelledSet,
    overrides: LabelledSet,
    total_overrides: int,
    *,
    folds: int = 5,
    rules: RuleSet | None = None,
) -> LedgerLearning:
    """Held-out scores before/after adding the overrides, and the final model on everything."""
    from sklearn.model_selection import GroupKFold  # heavy optional package

    rules = rules or load_rules()
    if len(overrides) < folds:
        raise InputError(
            f"need at least {folds} overrides to a content category to measure the partner's "
            f"model, found {len(overrides)}"
        )
    generic = fit_model(base, rules)
    tickets = overrides.tickets
    before: list[tuple[np.ndarray, np.ndarray]] = []
    after: list[tuple[np.ndarray, np.ndarray]] = []
    splitter = GroupKFold(n_splits=min(folds, tickets["group"].nunique()))
    for train, test in splitter.split(tickets, groups=tickets["group"]):
        held = tickets.iloc[test].reset_index(drop=True)
        features = ticket_features(held, rules)
        truth = held["label"].to_numpy(dtype=object)
        own = fit_model(LabelledSet.concat([base, LabelledSet(tickets.iloc[train])]), rules)
        for model, sink in ((generic, before), (own, after)):
            probs = model.probabilities(features)
            sink.append((truth, np.array(model.classes, dtype=object)[probs.argmax(axis=1)]))
    final = fit_model(LabelledSet.concat([base, overrides]), rules, info={"ledger": len(overrides)})
    return LedgerLearning(final, total_overrides, len(overrides), _scores(before), _scores(after))


def _scores(pairs: list[tuple[np.ndarray, np.ndarray]]) -> dict[str, float]:
    truth = np.concatenate([t for t, _ in pairs])
    predicted = np.concatenate([p for _, p in pairs])
    f1s = []
    for category in sorted(set(truth) | set(predicted)):
        tp = float(((predicted == category) & (truth == category)).sum())
        fp = float(((predicted == category) & (truth != category)).sum())
        fn = float(((predicted != category) & (truth == category)).sum())
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return {"accuracy": float((truth == predicted).mean()), "macro_f1": float(np.mean(f1s))}
