"""The learned content model: a calibrated linear model over evidence, rule hits and n-grams.

A model is a small ``.npz`` file of plain arrays (no pickle): per-class weights of the named
features, per-class weights of the hashed character n-gram buckets, the biases, a temperature
(calibration) and the default review threshold chosen on cross-validation folds. Applying it
needs numpy only; training (:mod:`escalation_kit.triage.learn`) uses scikit-learn.

Which model triage uses: the one passed in, else the partner's own model
(``ESCALATION_KIT_TRIAGE_MODEL``, or ``triage_model.npz`` in the data directory) when it exists,
else the model bundled with the package.
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from escalation_kit.config import ENV_PREFIX, default_data_dir
from escalation_kit.errors import ConfigError
from escalation_kit.triage.features import TicketFeatures
from escalation_kit.triage.ngrams import hashed_scores

__all__ = [
    "BUNDLED_MODEL_PATH",
    "MODEL_ENV",
    "ContentModel",
    "load_model",
    "partner_model_path",
]

BUNDLED_MODEL_PATH = Path(__file__).with_name("content_model.npz")
MODEL_ENV = ENV_PREFIX + "TRIAGE_MODEL"
_FORMAT = 1


@dataclass(frozen=True)
class ContentModel:
    """Weights of a trained content model and how it was made."""

    classes: tuple[str, ...]
    feature_names: tuple[str, ...]
    feature_weights: np.ndarray  # (features, classes)
    ngram_weights: np.ndarray  # (2**bits, classes) float32
    bias: np.ndarray  # (classes,)
    temperature: float = 1.0
    review_threshold: float = 0.5
    info: dict[str, Any] = field(default_factory=dict)
    source: str = ""

    def probabilities(self, features: TicketFeatures) -> np.ndarray:
        """Calibrated class probabilities (tickets x classes)."""
        logits = self.logits(features) / self.temperature
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)

    def logits(self, features: TicketFeatures) -> np.ndarray:
        aligned = _aligned(features.matrix, features.names, self.feature_names)
        named = aligned @ self.feature_weights
        return hashed_scores(features.texts, self.ngram_weights) + named + self.bias[None, :]

    def save(self, path: str | os.PathLike[str]) -> Path:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("wb") as handle:
            np.savez_compressed(
                handle,
                format=np.array(_FORMAT),
                classes=np.array(self.classes),
                feature_names=np.array(self.feature_names),
                feature_weights=self.feature_weights.astype(np.float32),
                ngram_weights=self.ngram_weights.astype(np.float16),
                bias=self.bias.astype(np.float64),
                temperature=np.array(self.temperature),
                review_threshold=np.array(self.review_threshold),
                info=np.array(json.dumps(self.info, sort_keys=True)),
            )
        return target

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> ContentModel:
        source = Path(path)
        try:
            with np.load(source, allow_pickle=False) as data:
                if int(data["format"]) != _FORMAT:
                    raise ConfigError(f"triage model {source}: unsupported format")
                return cls(
                    classes=tuple(str(c) for c in data["classes"]),
                    feature_names=tuple(str(n) for n in data["feature_names"]),
                    feature_weights=data["feature_weights"].astype(np.float64),
                    ngram_weights=data["ngram_weights"].astype(np.float32),
                    bias=data["bias"].astype(np.float64),
                    temperature=float(data["temperature"]),
                    review_threshold=float(data["review_threshold"]),
                    info=json.loads(str(data["info"])),
                    source=str(source),
                )
        except (OSError, KeyError, ValueError) as exc:
            raise ConfigError(f"cannot read the triage model {source}: {exc}") from exc


def _aligned(matrix: np.ndarray, names: tuple[str, ...], wanted: tuple[str, ...]) -> np.ndarray:
    """Columns of ``matrix`` in the model's feature order (0 for features it does not have)."""
    if names == wanted:
        return matrix
    index = {name: j for j, name in enumerate(names)}
    out = np.zeros((matrix.shape[0], len(wanted)), dtype=matrix.dtype)
    for k, name in enumerate(wanted):
        j = index.get(name)
        if j is not None:
            out[:, k] = matrix[:, j]
    return out


def partner_model_path() -> Path:
    """Where the partner's own model lives (``ESCALATION_KIT_TRIAGE_MODEL`` or the data dir)."""
    configured = os.environ.get(MODEL_ENV, "").strip()
    return Path(configured) if configured else default_data_dir() / "triage_model.npz"


def load_model(path: str | os.PathLike[str] | None = None) -> ContentModel | None:
    """The model at ``path``; else the partner's model if present; else the bundled one.

    None when no model exists at all (triage then decides with the content rules alone).
    """
    if path is not None:
        return ContentModel.load(path)
    for candidate in (partner_model_path(), BUNDLED_MODEL_PATH):
        if candidate.is_file():
            stat = candidate.stat()
            return _cached(str(candidate), stat.st_mtime_ns, stat.st_size)
    return None


@functools.lru_cache(maxsize=4)
def _cached(path: str, mtime: int, size: int) -> ContentModel:
    return ContentModel.load(path)
