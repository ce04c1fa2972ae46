"""Quality guard: the triage targets on the labelled development set data/eval/."""

from __future__ import annotations

from ek_fixtures import EVAL_DATA, require
from escalation_kit.triage.evaluate import evaluate


def test_eval_set_meets_the_targets() -> None:
    require((EVAL_DATA / "labels.csv").exists(), "data/eval is not in this checkout")
    result = evaluate(
        EVAL_DATA / "tickets.csv",
        EVAL_DATA / "labels.csv",
        EVAL_DATA / "customers.csv",
        EVAL_DATA / "health.json",
    )
    assert result.missing == 0 and result.evaluated >= 200
    assert result.macro_f1 >= 0.90, result.format_text()
    assert result.precision("known_issue") >= 0.95, result.format_text()
    assert result.issue_id_accuracy == 1.0
