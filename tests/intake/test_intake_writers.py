"""One writer for every CSV and Excel file: formulas neutralized the same way everywhere."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from intake_helpers import T1, write
from typer.testing import CliRunner

from escalation_kit.analytics.synthetic import synthetic_history
from escalation_kit.cli import app
from escalation_kit.errors import InputError
from escalation_kit.escalation.batch import INDEX_COLUMNS, write_batch
from escalation_kit.intake import read_tickets
from escalation_kit.intake.history import write_history
from escalation_kit.intake.writers import csv_text, safe_cell, write_csv, write_xlsx

runner = CliRunner()
EVIL = [
    '=HYPERLINK("http://evil.example","x")',
    "+1+cmd|' /C calc'!A0",
    "@SUM(A1:A2)",
    "-2+3",
    "\t=1",
    "\r=1",
]
HEADER = "ticket_id,tenant_id,title,reported_at"


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("value", EVIL)
def test_safe_cell_prefixes_formula_starts(value: str) -> None:
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["-5", "+1.5", "-0.25", "1e5", "", "plain", "a=b"])
def test_safe_cell_leaves_numbers_and_plain_text(value: str) -> None:
    assert safe_cell(value) == value


def test_triage_output_and_rejects_neutralize_formulas(tmp_path: Path) -> None:
    lines = [HEADER]
    for number, value in enumerate(EVIL[:4]):
        lines.append(
            f'"{value.replace(chr(34), chr(34) * 2)}",{T1},Mail down {number},2026-11-02T10:00:00Z'
        )
    lines.append('"=1+1",not-a-guid,bad row,2026-11-02T10:00:00Z')
    tickets = write(tmp_path / "tickets.csv", "\n".join(lines) + "\n")
    out = tmp_path / "triage.csv"
    result = runner.invoke(app, ["triage", str(tickets), "--out", str(out), "--no-record"])
    assert result.exit_code == 0, result.output
    ids = [row["ticket_id"] for row in csv_rows(out)]
    assert sorted(ids) == sorted("'" + value for value in EVIL[:4])
    rejects = csv_rows(tmp_path / "triage.rejects.csv")
    assert [row["ticket_id"] for row in rejects] == ["'=1+1"]


def test_escalate_index_csv_neutralizes_formulas(tmp_path: Path) -> None:
    row = dict.fromkeys(INDEX_COLUMNS, "x")
    row |= {"created": True, "title": EVIL[0], "ticket_ids": "@T1;T2"}
    write_batch([], pd.DataFrame([row], columns=list(INDEX_COLUMNS)), tmp_path)
    (written,) = csv_rows(tmp_path / "index.csv")
    assert written["title"] == "'" + EVIL[0]
    assert written["ticket_ids"] == "'@T1;T2"
    assert written["created"] == "true"


def test_history_export_and_report_rejects_neutralize_formulas(tmp_path: Path) -> None:
    history = synthetic_history(20, seed=3)
    history["escalation_id"] = history["escalation_id"].astype("str")
    history.loc[0, "escalation_id"] = EVIL[0]
    exported = write_history(history, tmp_path / "history.csv")
    assert csv_rows(exported)[0]["escalation_id"] == "'" + EVIL[0]
    with exported.open("a", encoding="utf-8") as handle:
        handle.write('"+SUM(1)",t,DE,Europe,Planner,printer,critical,2026-01-01T00:00:00Z,,open\n')
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["report", "--history", str(exported), "--out", str(out)])
    assert result.exit_code == 0, result.output
    rejected = csv_rows(tmp_path / "report.rejects.csv")
    assert [row["escalation_id"] for row in rejected] == ["'+SUM(1)"]


def test_report_export_dir_strips_what_excel_refuses(tmp_path: Path) -> None:
    history = synthetic_history(30, seed=4)
    history["service"] = history["service"].astype("str")
    history.loc[:, "service"] = "Exchange\x1b[31m Online"
    source = write_history(history, tmp_path / "history.csv")
    args = ["report", "--history", str(source), "--out", str(tmp_path / "r.html")]
    result = runner.invoke(app, [*args, "--export-dir", str(tmp_path / "tables")])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(tmp_path / "tables" / "report_tables.xlsx", read_only=True)
    values = [c for row in book["top_services"].iter_rows(values_only=True) for c in row]
    book.close()
    assert "Exchange[31m Online" in values


def test_write_xlsx_neutralizes_formulas(tmp_path: Path) -> None:
    frame = pd.DataFrame({"text": [EVIL[2], "ok\x07"], "n": [-1, 2]})
    target = write_xlsx({"cases": frame}, tmp_path / "t.xlsx")
    book = openpyxl.load_workbook(target, read_only=True)
    rows = list(book["cases"].iter_rows(values_only=True))
    book.close()
    assert rows == [("text", "n"), ("'" + EVIL[2], -1), ("ok", 2)]


def test_a_bare_carriage_return_in_a_rejected_value_stays_one_row(tmp_path: Path) -> None:
    tickets = write(
        tmp_path / "t.csv", f'{HEADER}\n"A\rB",not-a-guid,Mail down,2026-11-02T10:00:00Z\n'
    )
    result = read_tickets(tickets)
    assert len(result.rejected) == 1
    target = result.write_rejects(tmp_path / "rejects.csv")
    rows = csv_rows(target)
    assert len(rows) == 1
    assert rows[0]["ticket_id"] == "A\rB"


def test_csv_text_quotes_a_bare_carriage_return() -> None:
    text = csv_text(["a", "b"], [["x\ry", None]])
    assert list(csv.reader(io.StringIO(text, newline=""))) == [["a", "b"], ["x\ry", ""]]


def test_write_csv_names_the_file_it_cannot_write(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot write the rejects") as caught:
        write_csv(pd.DataFrame({"a": [1]}), tmp_path / "missing" / "r.csv", what="rejects")
    assert "r.csv" in str(caught.value)
