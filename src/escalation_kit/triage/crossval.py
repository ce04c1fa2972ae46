"""Cross-validated evaluation on the real-world corpus: group k-fold by source.

Each fold trains a content model on the other folds' corpus tickets plus the extra labelled sets
(generated samples, ``data/eval``), with calibration and review threshold fitted on out-of-fold
predictions of that training data only; then the whole corpus is triaged with that model (known
issues and clusters need every ticket) and only the fold's own tickets are scored. No source is
in both training and test, and nothing is tuned on the tickets scored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from escalation_kit.health.snapshot import load_snapshot
from escalation_kit.models import Category
from escalation_kit.triage.config import TriageConfig
from escalation_kit.triage.engine import decide
from escalation_kit.triage.evaluate import (
    Evaluation,
    calibration,
    coverage_table,
    evaluate_decisions,
)
from escalation_kit.triage.features import ticket_features
from escalation_kit.triage.learn import LabelledSet, design_matrix, fit_model, load_labelled
from escalation_kit.triage.rules import RuleSet, load_rules

__all__ = ["CrossValidation", "calibration", "coverage_table", "cross_validate"]

DEFAULT_FOLDS = 5


@dataclass(frozen=True)
class CrossValidation:
    """Pooled test-fold scores of a group k-fold run."""

    evaluation: Evaluation
    decisions: pd.DataFrame  # test-fold decisions + label, language, fold
    folds: int
    thresholds: list[float]  # the review threshold each fold's model chose on its training data
    english_macro_f1: float
    other_macro_f1: float
    known_issue_precision: float
    precision_at_threshold: float
    coverage_at_threshold: float
    ece: float
    brier: float
    table: pd.DataFrame  # threshold, coverage, precision
    rules_macro_f1: float | None = None
    by_language: dict[str, float] = field(default_factory=dict)
    known_recall: dict[str, float] = field(default_factory=dict)  # English / other languages

    def to_dict(self) -> dict[str, Any]:
        return {
            "folds": self.folds,
            "tickets": self.evaluation.evaluated,
            "macro_f1": round(self.evaluation.macro_f1, 4),
            "accuracy": round(self.evaluation.accuracy, 4),
            "known_issue_precision": round(self.known_issue_precision, 4),
            "known_issue_linked": self.evaluation.issue_id_accuracy,
            "english_macro_f1": round(self.english_macro_f1, 4),
            "non_english_macro_f1": round(self.other_macro_f1, 4),
            "review_thresholds": self.thresholds,
            "precision_at_threshold": round(self.precision_at_threshold, 4),
            "coverage_at_threshold": round(self.coverage_at_threshold, 4),
            "ece": round(self.ece, 4),
            "brier": round(self.brier, 4),
            "rules_only_macro_f1": None
            if self.rules_macro_f1 is None
            else round(self.rules_macro_f1, 4),
            "per_category": {
                c: {k: (round(v, 4) if k != "support" else int(v)) for k, v in row.items()}
                for c, row in self.evaluation.per_category.to_dict(orient="index").items()
            },
            "coverage_table": self.table.round(4).to_dict(orient="records"),
            "macro_f1_by_language": {k: round(v, 4) for k, v in self.by_language.items()},
            "known_issue_recall": {k: round(v, 4) for k, v in self.known_recall.items()},
        }

    def format_text(self) -> str:
        e = self.evaluation
        lines = [
            f"group {self.folds}-fold cross-validation by source: {e.evaluated} tickets",
            f"macro-F1: {e.macro_f1:.3f}   accuracy: {e.accuracy:.3f}"
            + (
                f"   (content rules alone: {self.rules_macro_f1:.3f})"
                if self.rules_macro_f1 is not None
                else ""
            ),
            f"known_issue precision: {self.known_issue_precision:.3f}"
            + (
                f"   linked to the labelled issue: {e.issue_id_accuracy:.3f}"
                if e.issue_id_accuracy is not None
                else ""
            ),
            f"macro-F1 English: {self.english_macro_f1:.3f}   other languages: "
            f"{self.other_macro_f1:.3f}",
            "documented issues found (known_issue recall): "
            + ", ".join(f"{k} {v:.3f}" for k, v in self.known_recall.items()),
            "macro-F1 by language: "
            + ", ".join(f"{k} {v:.2f}" for k, v in sorted(self.by_language.items())),
            f"review threshold per fold (chosen on its training folds): {self.thresholds}",
            f"at the threshold: precision {self.precision_at_threshold:.3f}, "
            f"coverage {self.coverage_at_threshold:.3f} (share of tickets not needing review)",
            f"calibration of the confidence: ECE {self.ece:.3f}, Brier {self.brier:.3f}",
            "",
            "per category:",
            e.per_category.assign(support=e.per_category["support"].astype(int)).to_string(
                float_format=lambda v: f"{v:.3f}"
            ),
            "",
            "coverage vs precision (review below the threshold):",
            self.table.to_string(index=False, float_format=lambda v: f"{v:.3f}"),
            "",
            "confusion (rows: label, columns: predicted):",
            e.confusion.to_string(),
        ]
        return "\n".join(lines)


def cross_validate(
    corpus_dir: str | Path,
    extra: Sequence[LabelledSet] = (),
    *,
    folds: int = DEFAULT_FOLDS,
    rules: RuleSet | None = None,
    config: TriageConfig | None = None,
    inner_folds: int = 3,
) -> CrossValidation:
    """Score the corpus by group k-fold on ``source_id`` (see the module docstring)."""
    from sklearn.model_selection import GroupKFold  # heavy optional package

    rules = rules or load_rules()
    config = config or TriageConfig()
    base = Path(corpus_dir)
    corpus = load_labelled(base, "corpus", real=True)
    issues = load_snapshot(base / "health.json").issues_by_tenant()
    tickets = corpus.tickets
    # Features do not depend on the model: computed once for every ticket, used by every fold.
    pool = LabelledSet.concat([*extra, corpus])
    content = pool.content_rows()
    pool_features = ticket_features(pool.tickets[content].reset_index(drop=True), rules)
    x_all = design_matrix(pool_features)
    x_row = np.full(len(pool), -1)
    x_row[content] = np.arange(int(content.sum()))
    corpus_features = ticket_features(tickets, rules)
    offset = len(pool) - len(tickets)
    groups = tickets["group"].to_numpy(dtype=object)
    pooled, thresholds = [], []
    for fold, (train, test) in enumerate(GroupKFold(n_splits=folds).split(tickets, groups=groups)):
        positions = np.concatenate([np.arange(offset), offset + train])
        rows = x_row[positions]
        design = (x_all[rows[rows >= 0]], pool_features.names)
        training = LabelledSet(pool.tickets.iloc[positions].reset_index(drop=True))
        model = fit_model(training, rules, inner_folds=inner_folds, design=design)
        thresholds.append(model.review_threshold)
        decisions = decide(tickets, issues, rules, config, model=model, features=corpus_features)
        pooled.append(decisions.iloc[test].assign(fold=fold))
    result = pd.concat(pooled).sort_index()
    rules_only = decide(tickets, issues, rules, config, model=None, features=corpus_features)
    return _summarize(result, tickets, folds, thresholds, rules_only)


def _summarize(
    decisions: pd.DataFrame,
    tickets: pd.DataFrame,
    folds: int,
    thresholds: list[float],
    rules_only: pd.DataFrame,
) -> CrossValidation:
    labels = tickets[["ticket_id", "label", "matched_issue_id", "language"]].rename(
        columns={"label": "category"}
    )
    evaluation = evaluate_decisions(decisions, labels)
    joined = decisions.merge(labels, on="ticket_id", suffixes=("", "_label"))
    correct = (joined["category"] == joined["category_label"]).to_numpy(dtype=bool)
    confidence = joined["confidence"].to_numpy(dtype=float)
    content = (
        (joined["matched_issue_id"].astype(str) == "") & (joined["cluster_id"].astype(str) == "")
    ).to_numpy(dtype=bool)
    covered = ~joined["needs_review"].to_numpy(dtype=bool)
    ece, brier = calibration(confidence, correct.astype(float))
    english = joined["language"].astype(str).eq("en").to_numpy(dtype=bool)
    by_language = {
        str(lang): _macro_f1(joined[joined["language"] == lang])
        for lang in sorted(set(joined["language"].astype(str)))
    }
    known = joined["category"] == str(Category.KNOWN_ISSUE)
    labelled_known = (joined["category_label"] == str(Category.KNOWN_ISSUE)).to_numpy(dtype=bool)
    known_recall = {
        name: float(known.to_numpy()[labelled_known & part].mean())
        for name, part in (("English", english), ("other languages", ~english))
        if (labelled_known & part).any()
    }
    return CrossValidation(
        evaluation=evaluation,
        decisions=joined.assign(correct=correct),
        folds=folds,
        thresholds=thresholds,
        english_macro_f1=_macro_f1(joined[english]),
        other_macro_f1=_macro_f1(joined[~english]),
        known_issue_precision=float(correct[known.to_numpy()].mean()) if known.any() else 0.0,
        precision_at_threshold=float(correct[covered].mean()) if covered.any() else 0.0,
        coverage_at_threshold=float(covered.mean()),
        ece=ece,
        brier=brier,
        table=coverage_table(content, confidence, correct),
        rules_macro_f1=evaluate_decisions(rules_only, labels).macro_f1,
        by_language=by_language,
        known_recall=known_recall,
    )


def _macro_f1(joined: pd.DataFrame) -> float:
    if joined.empty:
        return 0.0
    decisions = joined[["ticket_id", "category", "reasons", "matched_issue_id"]]
    labels = joined[["ticket_id", "category_label", "matched_issue_id_label"]].rename(
        columns={"category_label": "category", "matched_issue_id_label": "matched_issue_id"}
    )
    return evaluate_decisions(decisions, labels).macro_f1
