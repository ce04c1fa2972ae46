"""Evaluation numbers on a tiny hand-made labelled set (exact expected values)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from escalation_kit.errors import InputError, MissingColumnsError
from escalation_kit.triage.evaluate import evaluate_decisions, read_labels

DECISIONS = pd.DataFrame(
    {
        "ticket_id": ["T1", "T2", "T3", "T4", "T5", "T6"],
        "category": ["bug", "bug", "self_service", "known_issue", "known_issue", "bug"],
        "matched_issue_id": ["", "", "", "EX1", "EX2", ""],
        "reasons": ["r1", "r2", "r3", "r4", "r5", "r6"],
    }
)
LABELS = pd.DataFrame(
    {
        "ticket_id": ["T1", "T2", "T3", "T4", "T5", "T9"],
        "category": ["bug", "self_service", "self_service", "known_issue", "bug", "bug"],
        "matched_issue_id": ["", "", "", "EX1", "", ""],
    }
)


def test_metrics_are_exact() -> None:
    result = evaluate_decisions(DECISIONS, LABELS)
    assert result.evaluated == 5
    assert result.unlabeled == 1 and result.missing == 1
    assert result.accuracy == pytest.approx(0.6)
    table = result.per_category
    assert table.index.tolist() == ["self_service", "known_issue", "bug"]
    assert table.loc["self_service"].tolist() == pytest.approx([1.0, 0.5, 2 / 3, 2])
    assert table.loc["known_issue"].tolist() == pytest.approx([0.5, 1.0, 2 / 3, 1])
    assert table.loc["bug"].tolist() == pytest.approx([0.5, 0.5, 0.5, 2])
    assert result.macro_f1 == pytest.approx((2 / 3 + 2 / 3 + 0.5) / 3)
    assert result.precision("known_issue") == 0.5
    assert result.issue_id_accuracy == 1.0
    assert result.confusion.loc["self_service"].tolist() == [1, 0, 1]
    assert result.confusion.loc["bug"].tolist() == [0, 1, 1]
    assert result.misses["ticket_id"].tolist() == ["T2", "T5"]
    assert result.misses["reasons"].tolist() == ["r2", "r5"]


def test_text_and_json_reports() -> None:
    result = evaluate_decisions(DECISIONS, LABELS)
    text = result.format_text()
    assert "accuracy: 0.600" in text and "macro-F1: 0.611" in text
    assert "T5: expected bug, got known_issue — r5" in text
    data = result.to_dict()
    assert data["accuracy"] == 0.6 and data["macro_f1"] == 0.6111
    assert data["per_category"]["bug"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2}
    assert data["confusion"]["known_issue"] == {"self_service": 0, "known_issue": 1, "bug": 0}


def test_read_labels_validates(tmp_path: Path) -> None:
    good = tmp_path / "labels.csv"
    good.write_text("ticket_id,category\nT1,bug\n", encoding="utf-8")
    assert read_labels(good)["matched_issue_id"].tolist() == [""]
    bad = tmp_path / "bad.csv"
    bad.write_text("ticket_id,category\nT1,bug\nT2,broken\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_labels(bad)
    assert (caught.value.row, caught.value.field) == (3, "category")
    twice = tmp_path / "twice.csv"
    twice.write_text("ticket_id,category\nT1,bug\nT1,bug\n", encoding="utf-8")
    with pytest.raises(InputError, match="appears twice"):
        read_labels(twice)
    missing = tmp_path / "missing.csv"
    missing.write_text("ticket,label\nT1,bug\n", encoding="utf-8")
    with pytest.raises(MissingColumnsError, match="ticket_id, category"):
        read_labels(missing)
    with pytest.raises(InputError, match="labels file not found"):
        read_labels(tmp_path / "nope.csv")
