"""One reader and one validator of the triage output, shared by escalate and the ledger; the
history schema lives in intake and the ledger never imports analytics."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from escalation_kit.errors import InputError
from escalation_kit.escalation.inputs import read_triage_output as escalation_reader
from escalation_kit.intake.triage_output import (
    decisions_from_frame,
    read_triage_output,
    read_triage_table,
)
from escalation_kit.intake.writers import restore_cell, safe_cell, write_csv
from escalation_kit.ledger import Ledger
from escalation_kit.models import Severity
from escalation_kit.triage.engine import TriageResult

HEADER = "ticket_id,category,escalate,matched_issue_id,cluster_id,region,service,severity,"
HEADER += "confidence,reasons,recommended_action"


def frame(**changes: list[object]) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "ticket_id": ["T1", "T2"],
            "category": ["bug", "self_service"],
            "escalate": ["true", "false"],
            "matched_issue_id": ["", ""],
            "cluster_id": ["", ""],
            "region": ["Europe", ""],
            "service": ["Microsoft Teams", ""],
            "severity": ["", ""],
            "confidence": ["0.7", ""],
            "reasons": ["crash", "password"],
            "recommended_action": ["escalate", "reset"],
        }
    )
    for name, values in changes.items():
        out[name] = values
    return out


def test_an_empty_severity_means_the_same_to_escalate_and_to_the_ledger(tmp_path: Path) -> None:
    path = tmp_path / "triage.csv"
    frame().to_csv(path, index=False)
    decisions = escalation_reader(path)
    assert [d.severity for d in decisions] == [Severity.MODERATE, None]
    with Ledger(f"sqlite:///{tmp_path / 'l.db'}", actor="test") as ledger:
        ledger.record_decisions(frame(), run_id="run-1")
        stored = ledger.decisions()
    assert stored["severity"].tolist() == ["moderate", ""]
    assert stored["region"].tolist() == ["Europe", "Unknown"]
    assert stored["confidence"].tolist() == [0.7, 0.0]
    assert [d.severity for d in decisions_from_frame(stored)] == [Severity.MODERATE, None]


@pytest.mark.parametrize(
    ("changes", "message", "row"),
    [
        ({"category": ["bug", "outage"]}, "unknown category 'outage'", 3),
        ({"escalate": ["true", "maybe"]}, "escalate 'maybe' is not true/false", 3),
        ({"confidence": ["1.5", "0"]}, "confidence '1.5' is not a number from 0 to 1", 2),
        ({"ticket_id": ["T1", "T1"]}, "duplicate ticket_id 'T1'", 3),
        ({"ticket_id": ["T1", " "]}, "ticket_id is empty", 3),
        ({"severity": ["urgent", ""]}, "unknown severity 'urgent'", 2),
    ],
)
def test_file_errors_name_the_line_and_field(
    tmp_path: Path, changes: dict[str, list[object]], message: str, row: int
) -> None:
    path = tmp_path / "triage.csv"
    frame(**changes).to_csv(path, index=False)
    with pytest.raises(InputError, match=message) as caught:
        read_triage_output(path)
    assert (caught.value.file, caught.value.row) == (str(path), row)
    assert caught.value.field == next(iter(changes))


def test_the_triage_output_is_read_in_any_encoding_and_delimiter(tmp_path: Path) -> None:
    text = HEADER.replace(",", ";") + "\nT1;bug;true;;;Europe;Exchange;critical;0.9;Büro défaut;x\n"
    path = tmp_path / "triage.csv"
    path.write_bytes(text.encode("cp1252"))
    (decision,) = read_triage_output(path)
    assert (decision.reasons, decision.severity) == ("Büro défaut", Severity.CRITICAL)


def test_formula_like_ids_survive_the_round_trip_through_the_triage_csv(tmp_path: Path) -> None:
    ids = ['=HYPERLINK("http://evil.example","x")', "'quoted", "-7", "@me", "plain"]
    decisions = frame(
        ticket_id=ids[:2], reasons=["+cmd", "''two"], recommended_action=["-", "'"]
    ).assign(escalate=[True, False], confidence=[0.7, 0.1])
    path = TriageResult(decisions=decisions).to_csv(tmp_path / "triage.csv")
    raw = path.read_text(encoding="utf-8")
    assert "'=HYPERLINK" in raw and "''quoted" in raw
    table = read_triage_table(path)
    assert table["ticket_id"].tolist() == ids[:2]
    assert table["reasons"].tolist() == ["+cmd", "''two"]
    assert table["recommended_action"].tolist() == ["-", "'"]
    assert [restore_cell(safe_cell(v)) for v in ids] == ids


def test_a_missing_required_column_is_named(tmp_path: Path) -> None:
    path = write_csv(pd.DataFrame({"ticket_id": ["T1"]}), tmp_path / "t.csv")
    with pytest.raises(InputError, match=r"missing column\(s\) category; expected the triage"):
        read_triage_output(path)


def test_the_ledger_never_imports_analytics(tmp_path: Path) -> None:
    code = f"""
import json, sys
from escalation_kit.analytics.synthetic import synthetic_history
history = synthetic_history(50, seed=2)
for name in [m for m in sys.modules if m.startswith("escalation_kit.analytics")]:
    del sys.modules[name]
from escalation_kit.ledger import Ledger
from escalation_kit.ledger.history import aggregate_volume, export_history, import_history
with Ledger("sqlite:///{tmp_path / "h.db"}", actor="t") as ledger:
    import_history(ledger, history)
    export_history(ledger)
    aggregate_volume(ledger, freq="W")
print(json.dumps(sorted(m for m in sys.modules if m.startswith("escalation_kit.analytics"))))
"""
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert json.loads(out.stdout) == []
