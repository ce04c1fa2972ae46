"""The bundled data sets: intake accepts them whole and derives the labelled service and region."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ek_fixtures import EVAL_DATA, SAMPLE_DATA, require
from escalation_kit.intake import read_tickets


@pytest.mark.parametrize(
    ("folder", "min_service_share"),
    [(EVAL_DATA, 0.99), (SAMPLE_DATA, 0.99)],
    ids=["eval", "sample"],
)
def test_labelled_services_and_regions(folder: Path, min_service_share: float) -> None:
    require((folder / "labels.csv").exists(), f"labelled data set missing: {folder}")
    result = read_tickets(folder / "tickets.csv", customers=folder / "customers.csv")
    assert result.rejected.empty and result.warnings == ()
    labels = pd.read_csv(folder / "labels.csv", dtype=str, keep_default_na=False)
    both = result.accepted.merge(labels, on="ticket_id", suffixes=("", "_label"))
    assert len(both) == len(labels) == result.read
    if "region_label" in both.columns:  # the eval set labels regions too
        assert (both["region"] == both["region_label"]).all()
    same = both["normalized_service"].fillna("") == both["service_label"]
    assert same.mean() >= min_service_share, both.loc[~same, ["title", "service_label"]]
