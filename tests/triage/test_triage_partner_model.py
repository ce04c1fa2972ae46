"""learn --from-ledger: the analysts' overrides become training data for the partner's model."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ek_fixtures import EVAL_DATA, SAMPLE_DATA, require
from escalation_kit.errors import InputError
from escalation_kit.intake import read_tickets
from escalation_kit.ledger import Ledger
from escalation_kit.triage.engine import triage_tickets
from escalation_kit.triage.learn import load_labelled
from escalation_kit.triage.partner import learn_from_ledger, ledger_overrides


@pytest.mark.slow
def test_overrides_train_the_partners_model_and_are_scored_on_held_out_folds(
    tmp_path: Path,
) -> None:
    require((EVAL_DATA / "labels.csv").exists(), "data/eval is not in this checkout")
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.db'}", actor="test")
    try:
        intake = read_tickets(EVAL_DATA / "tickets.csv", customers=EVAL_DATA / "customers.csv")
        ledger.upsert_tickets(intake.accepted)
        result = triage_tickets(EVAL_DATA / "tickets.csv", EVAL_DATA / "customers.csv")
        ledger.record_decisions(result.decisions, run_id="run-1")
        labels = pd.read_csv(EVAL_DATA / "labels.csv", dtype=str).set_index("ticket_id")
        chosen = labels[labels["category"].isin(["bug", "service_unavailable", "self_service"])]
        for ticket_id, category in chosen["category"].head(24).items():
            ledger.override_decision(ticket_id, category=category, reason="analyst", actor="dana")
        ledger.override_decision(
            labels.index[labels["category"] == "known_issue"][0],
            category="known_issue",
            reason="linked by hand",
            actor="dana",
        )
        overrides, total = ledger_overrides(ledger)
    finally:
        ledger.close()
    assert total == 25 and len(overrides) == 24  # known_issue is not a content category
    assert set(overrides.tickets["origin"]) == {"ledger"}
    base = load_labelled(SAMPLE_DATA, "sample")
    learned = learn_from_ledger(base, overrides, total, folds=2)
    assert set(learned.before) == set(learned.after) == {"accuracy", "macro_f1"}
    assert 0.0 <= learned.before["accuracy"] <= 1.0 and 0.0 <= learned.after["accuracy"] <= 1.0
    assert learned.model.info["ledger"] == 24
    assert "before (generic model)" in learned.format_text()


def test_too_few_overrides_is_a_clear_error(tmp_path: Path) -> None:
    require((SAMPLE_DATA / "labels.csv").exists(), "data/sample is not in this checkout")
    base = load_labelled(SAMPLE_DATA, "sample")
    few = load_labelled(SAMPLE_DATA, "ledger")
    few = type(few)(few.tickets.head(2))
    with pytest.raises(InputError, match="at least 5 overrides"):
        learn_from_ledger(base, few, 2)
