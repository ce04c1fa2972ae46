"""Train the content model: labelled tickets in, a calibrated :class:`ContentModel` out.

Training data is any set of labelled ticket folders (``tickets.csv``, ``labels.csv``, optional
``customers.csv``): the real-world corpus, the generated samples and ``data/eval``. Only tickets
whose label a ticket's own words can decide (the content categories) train the model; known-issue
and cluster labels are decided by health data and by other tickets.

Reproducible: the same data give the same model (fixed folds, deterministic solver). Calibration
and the review threshold are fitted on out-of-fold predictions of the training data itself (group
k-fold by source), never on the tickets a cross-validation then scores.

scikit-learn and scipy are imported inside the functions that train: they are heavy optional
packages, and triage itself needs numpy only.
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from escalation_kit.errors import InputError
from escalation_kit.intake import validate_tickets
from escalation_kit.triage.features import TicketFeatures, ticket_features
from escalation_kit.triage.model import ContentModel
from escalation_kit.triage.ngrams import BITS, hashed_matrix
from escalation_kit.triage.rules import RULE_CATEGORIES, RuleSet, load_rules

__all__ = [
    "CONTENT_CLASSES",
    "LabelledSet",
    "choose_threshold",
    "design_matrix",
    "fit_model",
    "group_bucket",
    "load_labelled",
    "oof_probabilities",
]

CONTENT_CLASSES = tuple(str(c) for c in RULE_CATEGORIES)
#: Weight of a real-world ticket relative to a generated one.
REAL_WEIGHT = 3.0
ALPHA = 1e-4  # L2 regularization, fixed before any evaluation
INNER_FOLDS = 3
PRECISION_TARGET = 0.90
#: Candidate weights of generated/hand-written tickets, chosen per training set (inner CV).
SYNTHETIC_WEIGHTS = (1.0, 0.25)
#: Candidate scales of the named features (evidence and rule hits, 0/1) next to the length-normed
#: n-grams, chosen per training set (inner CV): a smaller scale regularizes them more, so the
#: model leans on them only as far as the training data's own held-out folds support.
NAMED_SCALES = (1.0, 0.5, 0.25, 0.125)
THRESHOLDS = tuple(round(float(t), 2) for t in np.arange(0.30, 0.965, 0.01))


@dataclass(frozen=True)
class LabelledSet:
    """Validated tickets (intake's accepted columns) with label, group, weight and origin."""

    tickets: pd.DataFrame

    def __len__(self) -> int:
        return len(self.tickets)

    def content_rows(self) -> np.ndarray:
        return self.tickets["label"].isin(CONTENT_CLASSES).to_numpy(dtype=bool)

    @staticmethod
    def concat(sets: Sequence[LabelledSet]) -> LabelledSet:
        frames = [s.tickets for s in sets if len(s)]
        return LabelledSet(pd.concat(frames, ignore_index=True))


def load_labelled(folder: str | Path, origin: str, *, real: bool = False) -> LabelledSet:
    """Tickets and labels of one folder; groups are ``source_id`` when given, else per ticket."""
    base = Path(folder)
    tickets = _read_csv(base / "tickets.csv")
    labels = _read_csv(base / "labels.csv")
    customers = base / "customers.csv"
    result = validate_tickets(
        tickets,
        source=str(base / "tickets.csv"),
        customers=customers if customers.exists() else None,
    )
    accepted = result.accepted.reset_index(drop=True)
    merged = accepted.merge(
        labels.rename(columns={"category": "label"}),
        on="ticket_id",
        how="inner",
        suffixes=("", "_l"),
    )
    if "source_id" in merged and merged["source_id"].astype(str).str.strip().ne("").all():
        group = origin + ":" + merged["source_id"].astype(str)
    else:
        group = origin + ":" + merged["ticket_id"].astype(str).map(group_bucket)
    language = (
        tickets.set_index("ticket_id")["language"]
        .reindex(merged["ticket_id"])
        .fillna("")
        .to_numpy()
        if "language" in tickets
        else merged.get("language", pd.Series("", index=merged.index)).to_numpy()
    )
    merged = merged.assign(
        group=group.to_numpy(),
        origin=origin,
        weight=REAL_WEIGHT if real else 1.0,
        language=language,
    )
    return LabelledSet(merged)


def group_bucket(ticket_id: str) -> str:
    return str(int(hashlib.sha1(ticket_id.encode()).hexdigest()[:6], 16) % 16)


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise InputError("file not found", file=str(path)) from exc
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise InputError(f"cannot read: {exc}", file=str(path)) from exc


def design_matrix(features: TicketFeatures) -> Any:
    """Sparse training matrix: hashed n-grams, then the named features (same as the model)."""
    from scipy.sparse import csr_matrix, hstack  # heavy optional package, training only

    return hstack([hashed_matrix(features.texts), csr_matrix(features.matrix)]).tocsr()


def _fit_linear(x: Any, y: np.ndarray, weight: np.ndarray) -> Any:
    """Logistic regression (one-vs-rest, SGD with a fixed seed: fast and reproducible)."""
    from sklearn.exceptions import ConvergenceWarning  # heavy optional package
    from sklearn.linear_model import SGDClassifier

    model = SGDClassifier(
        loss="log_loss",
        alpha=ALPHA,
        class_weight="balanced",
        max_iter=50,
        tol=1e-4,
        random_state=0,
        average=True,
    )
    with warnings.catch_warnings():
        # A fixed epoch budget keeps training fast and reproducible; averaging makes the last
        # epochs' weights stable even when the loss is still moving.
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(x, y, sample_weight=weight)
    return model


def _logits(model: Any, x: Any, classes: Sequence[str]) -> np.ndarray:
    raw = model.decision_function(x)
    out = np.full((x.shape[0], len(classes)), -30.0)
    for j, name in enumerate(model.classes_):
        out[:, classes.index(str(name))] = raw[:, j] if raw.ndim == 2 else raw
    return out


def oof_probabilities(
    x: Any, y: np.ndarray, weight: np.ndarray, groups: np.ndarray, folds: int
) -> np.ndarray:
    """Out-of-fold logits (tickets x CONTENT_CLASSES) by group k-fold (never a group in both)."""
    from sklearn.model_selection import GroupKFold  # heavy optional package

    logits = np.zeros((x.shape[0], len(CONTENT_CLASSES)))
    splitter = GroupKFold(n_splits=min(folds, len(set(groups))))
    for train, test in splitter.split(x, y, groups):
        fitted = _fit_linear(x[train], y[train], weight[train])
        logits[test] = _logits(fitted, x[test], CONTENT_CLASSES)
    return logits


def _softmax(logits: np.ndarray, temperature: float) -> np.ndarray:
    z = logits / temperature
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """The temperature that minimizes the log-loss of the out-of-fold predictions."""
    index = np.array([CONTENT_CLASSES.index(label) for label in y])
    best, best_loss = 1.0, np.inf
    for temperature in np.exp(np.linspace(np.log(0.2), np.log(5.0), 60)):
        p = _softmax(logits, float(temperature))[np.arange(len(y)), index]
        loss = -np.log(np.clip(p, 1e-12, 1)).mean()
        if loss < best_loss:
            best, best_loss = float(temperature), loss
    return best


def choose_threshold(
    top: np.ndarray, correct: np.ndarray, target: float = PRECISION_TARGET
) -> float:
    """The lowest threshold at which the covered content decisions reach ``target`` precision.

    Only the content decisions count: known issues and clusters are not assumed right, because
    a ticket a cluster misses falls back to a content decision, which cannot be right for a
    cluster label. When no threshold reaches the target, the most precise one is returned.
    """
    best, best_precision = THRESHOLDS[-1], -1.0
    for threshold in THRESHOLDS:
        covered = top >= threshold
        if covered.sum() < max(5, 0.05 * len(top)):
            continue
        precision = float(correct[covered].mean())
        if precision >= target:
            return float(threshold)
        if precision > best_precision:
            best, best_precision = float(threshold), precision
    return best


@dataclass(frozen=True)
class _Choice:
    """What the inner cross-validation chose, and its out-of-fold logits."""

    weight: np.ndarray  # per-ticket sample weights
    synthetic_weight: float
    named_scale: float
    oof: np.ndarray


def _scaled(x: Any, named_from: int, scale: float) -> Any:
    """``x`` with its named-feature columns (from ``named_from`` on) multiplied by ``scale``."""
    from scipy.sparse import diags  # heavy optional package, training only

    if scale == 1.0:
        return x
    factors = np.ones(x.shape[1])
    factors[named_from:] = scale
    return (x @ diags(factors)).tocsr()


def _choose(
    frame: pd.DataFrame,
    x: Any,
    y: np.ndarray,
    groups: np.ndarray,
    real: np.ndarray,
    inner_folds: int,
) -> _Choice:
    """How much generated tickets count next to real ones, and how much the named features
    count next to the n-grams, chosen on the training data's own out-of-fold predictions
    (log-loss on the real tickets) from :data:`SYNTHETIC_WEIGHTS` x :data:`NAMED_SCALES`.
    Without enough real tickets everything counts fully.
    """
    base = frame["weight"].to_numpy(dtype=float)
    synthetic = ~frame["origin"].isin(["corpus", "ledger"]).to_numpy(dtype=bool)
    n_hash = 2**BITS
    if real.sum() < 50 or not synthetic.any():
        return _Choice(base, 1.0, 1.0, oof_probabilities(x, y, base, groups, inner_folds))
    index = np.array([CONTENT_CLASSES.index(label) for label in y[real]], dtype=int)
    best: tuple[float, _Choice] | None = None
    for scale in NAMED_SCALES:
        scaled = _scaled(x, n_hash, scale)
        for factor in SYNTHETIC_WEIGHTS:
            weight = np.where(synthetic, base * factor, base)
            oof = oof_probabilities(scaled, y, weight, groups, inner_folds)
            probs = _softmax(oof, fit_temperature(oof[real], y[real]))
            picked = probs[real][np.arange(real.sum()), index]
            loss = float(-np.log(np.clip(picked, 1e-12, 1)).mean())
            if best is None or loss < best[0]:
                best = (loss, _Choice(weight, factor, scale, oof))
    assert best is not None
    return best[1]


def fit_model(
    data: LabelledSet,
    rules: RuleSet | None = None,
    *,
    inner_folds: int = INNER_FOLDS,
    info: dict[str, Any] | None = None,
    design: tuple[Any, tuple[str, ...]] | None = None,
) -> ContentModel:
    """Train, calibrate (temperature on out-of-fold logits) and pick the review threshold.

    ``design`` is the already computed (matrix, feature names) of ``data``'s content rows, in
    order (cross-validation computes it once for all folds).
    """
    rules = rules or load_rules()
    rows = data.content_rows()
    frame = data.tickets[rows].reset_index(drop=True)
    if frame["label"].nunique() < 2:
        raise InputError("training needs tickets of at least two content categories")
    if design is None:
        features = ticket_features(frame, rules)
        x, names = design_matrix(features), features.names
    else:
        x, names = design
    y = frame["label"].to_numpy(dtype=object)
    groups = frame["group"].to_numpy(dtype=object)
    real = (frame["origin"] == "corpus").to_numpy(dtype=bool)
    choice = _choose(frame, x, y, groups, real, inner_folds)
    oof = choice.oof
    temperature = fit_temperature(oof, y)
    probs = _softmax(oof, temperature)
    judged = real if real.sum() >= 50 else np.ones(len(frame), dtype=bool)
    predicted = np.array(CONTENT_CLASSES, dtype=object)[probs.argmax(axis=1)]
    threshold = choose_threshold(probs.max(axis=1)[judged], (predicted == y)[judged])
    n_hash = 2**BITS
    final = _fit_linear(_scaled(x, n_hash, choice.named_scale), y, choice.weight)
    coef = np.zeros((len(CONTENT_CLASSES), x.shape[1]))
    bias = np.full(len(CONTENT_CLASSES), -30.0)
    for j, name in enumerate(final.classes_):
        k = CONTENT_CLASSES.index(str(name))
        coef[k], bias[k] = final.coef_[j], final.intercept_[j]
    coef[:, n_hash:] *= choice.named_scale  # the model applies them to the unscaled 0/1 values
    details = {
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "tickets": len(frame),
        "by_origin": {str(k): int(v) for k, v in frame["origin"].value_counts().items()},
        "by_label": {str(k): int(v) for k, v in frame["label"].value_counts().items()},
        "oof_accuracy": round(float((predicted == y).mean()), 4),
        "temperature": round(temperature, 4),
        "review_threshold": threshold,
        "synthetic_weight": choice.synthetic_weight,
        "named_scale": choice.named_scale,
        **(info or {}),
    }
    return ContentModel(
        classes=CONTENT_CLASSES,
        feature_names=names,
        feature_weights=coef[:, n_hash:].T.copy(),
        ngram_weights=coef[:, :n_hash].T.astype(np.float32),
        bias=bias,
        temperature=temperature,
        review_threshold=threshold,
        info=details,
    )
