"""Measure triage against hand labels: accuracy, macro-F1, per-category scores, confusion, misses.

Labels are a CSV with ``ticket_id`` and ``category`` (one of the seven ids) and optionally
``matched_issue_id`` (the documented issue a ``known_issue`` ticket should be linked to). Macro-F1
averages over every category that occurs in the labels or the predictions, so predicting a
category that never occurs costs score, as it should.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from escalation_kit.errors import InputError, MissingColumnsError
from escalation_kit.health.snapshot import HealthSource
from escalation_kit.models import Category
from escalation_kit.triage.config import TriageConfig
from escalation_kit.triage.engine import triage_tickets
from escalation_kit.triage.model import ContentModel
from escalation_kit.triage.rules import RuleSet

__all__ = [
    "Evaluation",
    "calibration",
    "coverage_table",
    "evaluate",
    "evaluate_decisions",
    "read_labels",
]

_CATEGORY_ORDER = [str(c) for c in Category]
_TABLE_THRESHOLDS = (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def calibration(confidence: np.ndarray, correct: np.ndarray, bins: int = 10) -> tuple[float, float]:
    """(expected calibration error over ``bins`` equal-width bins, Brier score of the top label)."""
    if not len(confidence):
        return 0.0, 0.0
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    ece = 0.0
    for b in range(bins):
        inside = which == b
        if inside.any():
            ece += inside.mean() * abs(confidence[inside].mean() - correct[inside].mean())
    brier = float(((confidence - correct) ** 2).mean())
    return float(ece), brier


def coverage_table(
    decided_by_content: np.ndarray, confidence: np.ndarray, correct: np.ndarray
) -> pd.DataFrame:
    """Coverage and precision when content decisions below each threshold go to review."""
    rows = []
    for threshold in _TABLE_THRESHOLDS:
        covered = ~decided_by_content | (confidence >= threshold)
        rows.append(
            {
                "threshold": threshold,
                "coverage": float(covered.mean()),
                "precision": float(correct[covered].mean()) if covered.any() else 0.0,
            }
        )
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class Evaluation:
    """The scores of one evaluation run."""

    accuracy: float
    macro_f1: float
    per_category: pd.DataFrame  # index: category; precision, recall, f1, support
    confusion: pd.DataFrame  # rows: labelled category; columns: predicted category
    misses: pd.DataFrame  # ticket_id, expected, predicted, reasons (+ issue ids)
    evaluated: int
    issue_id_accuracy: float | None = None
    unlabeled: int = 0
    missing: int = 0
    precision_at_threshold: float | None = None  # tickets not flagged needs_review
    coverage_at_threshold: float | None = None
    ece: float | None = None
    brier: float | None = None
    coverage: pd.DataFrame | None = None  # threshold, coverage, precision

    def precision(self, category: Category | str) -> float:
        return float(self.per_category["precision"].get(str(category), 0.0))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (for ``--json``)."""
        return {
            "evaluated": self.evaluated,
            "accuracy": round(self.accuracy, 4),
            "macro_f1": round(self.macro_f1, 4),
            "issue_id_accuracy": None
            if self.issue_id_accuracy is None
            else round(self.issue_id_accuracy, 4),
            "unlabeled": self.unlabeled,
            "missing": self.missing,
            "precision_at_threshold": _rounded(self.precision_at_threshold),
            "coverage_at_threshold": _rounded(self.coverage_at_threshold),
            "ece": _rounded(self.ece),
            "brier": _rounded(self.brier),
            "coverage_table": None
            if self.coverage is None
            else self.coverage.round(4).to_dict(orient="records"),
            "per_category": {
                category: {k: (round(v, 4) if k != "support" else int(v)) for k, v in row.items()}
                for category, row in self.per_category.to_dict(orient="index").items()
            },
            "confusion": {
                str(k): {str(c): int(n) for c, n in row.items()}
                for k, row in self.confusion.to_dict(orient="index").items()
            },
            "misses": self.misses.astype(str).to_dict(orient="records"),
        }

    def format_text(self) -> str:
        """The report the ``evaluate`` command prints."""
        lines = [
            f"tickets evaluated: {self.evaluated}"
            + (
                f" (unlabeled: {self.unlabeled}, labelled but not triaged: {self.missing})"
                if self.unlabeled or self.missing
                else ""
            ),
            f"accuracy: {self.accuracy:.3f}",
            f"macro-F1: {self.macro_f1:.3f}",
        ]
        if self.issue_id_accuracy is not None:
            lines.append(f"known_issue linked to the labelled issue: {self.issue_id_accuracy:.3f}")
        if self.precision_at_threshold is not None and self.coverage_at_threshold is not None:
            lines.append(
                f"at the review threshold: precision {self.precision_at_threshold:.3f}, "
                f"coverage {self.coverage_at_threshold:.3f} (share not flagged needs_review)"
            )
        if self.ece is not None and self.brier is not None:
            lines.append(
                f"calibration of the confidence: ECE {self.ece:.3f}, Brier {self.brier:.3f}"
            )
        if self.coverage is not None:
            lines += [
                "",
                "coverage vs precision (content decisions below the threshold go to review):",
                self.coverage.to_string(index=False, float_format=lambda v: f"{v:.3f}"),
            ]
        table = self.per_category.copy()
        table["support"] = table["support"].astype(int)
        lines += ["", "per category:", table.to_string(float_format=lambda v: f"{v:.3f}")]
        lines += ["", "confusion (rows: label, columns: predicted):", self.confusion.to_string()]
        lines += ["", f"misses ({len(self.misses)}):"]
        for miss in self.misses.itertuples(index=False):
            lines.append(
                f"  {miss.ticket_id}: expected {miss.expected}, "
                f"got {miss.predicted} — {miss.reasons}"
            )
        return "\n".join(lines)


def read_labels(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read and validate a labels CSV (ticket_id, category, optional matched_issue_id)."""
    source = str(path)
    try:
        labels = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise InputError("labels file not found", file=source) from exc
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise InputError(f"cannot read the labels file: {exc}", file=source) from exc
    labels.columns = [str(c).strip() for c in labels.columns]
    missing = [c for c in ("ticket_id", "category") if c not in labels.columns]
    if missing:
        raise MissingColumnsError(f"missing column(s): {', '.join(missing)}", file=source)
    labels["ticket_id"] = labels["ticket_id"].str.strip()
    labels["category"] = labels["category"].str.strip()
    for index, row in labels.iterrows():
        line = int(str(index)) + 2  # header is line 1
        if not row["ticket_id"]:
            raise InputError("ticket_id is empty", file=source, row=line, field="ticket_id")
        if row["category"] not in _CATEGORY_ORDER:
            raise InputError(
                f"unknown category {row['category']!r} (one of {', '.join(_CATEGORY_ORDER)})",
                file=source,
                row=line,
                field="category",
            )
    duplicated = labels["ticket_id"].duplicated()
    if duplicated.any():
        line = int(duplicated.to_numpy().nonzero()[0][0]) + 2
        raise InputError("ticket_id appears twice", file=source, row=line, field="ticket_id")
    if "matched_issue_id" not in labels:
        labels["matched_issue_id"] = ""
    return labels


def evaluate_decisions(decisions: pd.DataFrame, labels: pd.DataFrame) -> Evaluation:
    """Score triage decisions against labels (joined on ticket_id)."""
    joined = decisions.merge(labels, on="ticket_id", how="inner", suffixes=("", "_label"))
    expected = joined["category_label"].astype(str)
    predicted = joined["category"].astype(str)
    present = [c for c in _CATEGORY_ORDER if c in set(expected) | set(predicted)]
    per_category = _per_category(expected, predicted, present)
    confusion = pd.crosstab(
        pd.Categorical(expected, categories=present),
        pd.Categorical(predicted, categories=present),
        rownames=["label"],
        colnames=["predicted"],
        dropna=False,
    )
    wrong = joined[expected != predicted]
    misses = pd.DataFrame(
        {
            "ticket_id": wrong["ticket_id"],
            "expected": wrong["category_label"],
            "predicted": wrong["category"],
            "reasons": wrong["reasons"],
        }
    ).reset_index(drop=True)
    review = _review_scores(joined, (expected == predicted).to_numpy(dtype=bool))
    return Evaluation(
        **review,
        accuracy=float((expected == predicted).mean()) if len(joined) else 0.0,
        macro_f1=float(per_category["f1"].mean()) if len(per_category) else 0.0,
        per_category=per_category,
        confusion=confusion,
        misses=misses,
        evaluated=len(joined),
        issue_id_accuracy=_issue_id_accuracy(joined),
        unlabeled=int((~decisions["ticket_id"].isin(labels["ticket_id"])).sum()),
        missing=int((~labels["ticket_id"].isin(decisions["ticket_id"])).sum()),
    )


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _review_scores(joined: pd.DataFrame, correct: np.ndarray) -> dict[str, Any]:
    """Precision/coverage at the threshold, calibration and the coverage table (when known)."""
    if "needs_review" not in joined or "confidence" not in joined or joined.empty:
        return {}
    covered = ~joined["needs_review"].astype(str).str.lower().isin(["true", "1"]).to_numpy()
    confidence = pd.to_numeric(joined["confidence"], errors="coerce").fillna(0).to_numpy(float)
    by_content = (
        (joined.get("matched_issue_id", pd.Series("", index=joined.index)).astype(str) == "")
        & (joined.get("cluster_id", pd.Series("", index=joined.index)).astype(str) == "")
    ).to_numpy(dtype=bool)
    ece, brier = calibration(confidence, correct.astype(float))
    return {
        "precision_at_threshold": float(correct[covered].mean()) if covered.any() else 0.0,
        "coverage_at_threshold": float(covered.mean()),
        "ece": ece,
        "brier": brier,
        "coverage": coverage_table(by_content, confidence, correct),
    }


def _per_category(expected: pd.Series, predicted: pd.Series, present: list[str]) -> pd.DataFrame:
    """Precision, recall, F1 and support of each category (0 where undefined)."""
    rows = {}
    for category in present:
        tp = int(((predicted == category) & (expected == category)).sum())
        fp = int(((predicted == category) & (expected != category)).sum())
        fn = int(((predicted != category) & (expected == category)).sum())
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        support = int((expected == category).sum())
        rows[category] = {"precision": precision, "recall": recall, "f1": f1, "support": support}
    columns = ["precision", "recall", "f1", "support"]
    return pd.DataFrame.from_dict(rows, orient="index", columns=columns)


def _issue_id_accuracy(joined: pd.DataFrame) -> float | None:
    """Of tickets labelled and predicted known_issue with a labelled issue id, how many link it."""
    both = joined[
        (joined["category"] == str(Category.KNOWN_ISSUE))
        & (joined["category_label"] == str(Category.KNOWN_ISSUE))
        & (joined["matched_issue_id_label"].astype(str).str.strip() != "")
    ]
    if both.empty:
        return None
    same = (
        both["matched_issue_id"].astype(str)
        == both["matched_issue_id_label"].astype(str).str.strip()
    )
    return float(same.mean())


def evaluate(
    tickets: str | os.PathLike[str] | pd.DataFrame,
    labels: str | os.PathLike[str] | pd.DataFrame,
    customers: str | os.PathLike[str] | pd.DataFrame | None = None,
    health: HealthSource | None = None,
    *,
    rules: RuleSet | str | Path | None = None,
    config: TriageConfig | None = None,
    model: ContentModel | str | os.PathLike[str] | bool | None = None,
) -> Evaluation:
    """Triage ``tickets`` and score the decisions against ``labels`` (``model`` as triage's)."""
    label_frame = labels if isinstance(labels, pd.DataFrame) else read_labels(labels)
    result = triage_tickets(tickets, customers, health, rules=rules, config=config, model=model)
    return evaluate_decisions(result.decisions, label_frame)
