"""Triage run identity: the same decisions always get the same run id."""

from __future__ import annotations

import hashlib

import pandas as pd


def run_id_for(decisions: pd.DataFrame) -> str:
    """A run id hashed from the decisions' content, so recording a run twice records nothing new."""
    digest = hashlib.sha256(
        decisions.to_csv(index=False, lineterminator="\n").encode("utf-8")
    ).hexdigest()
    return "triage-" + digest[:16]
