"""Helpers shared by the test suite: paths to data and the CI-aware ``require``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
SAMPLES = SHARED / "reference" / "real-samples"
SAMPLE_DATA = REPO / "data" / "sample"
EVAL_DATA = REPO / "data" / "eval"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def require(condition: bool, why: str) -> None:
    """Skip when a component is missing, except under CI=true, where the test fails instead."""
    if condition:
        return
    if in_ci():
        pytest.fail(f"required component missing under CI: {why}")
    pytest.skip(why)
