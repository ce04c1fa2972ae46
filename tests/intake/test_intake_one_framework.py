"""Tickets, customers, the history and the triage output are schemas of one framework: the same
bad cell gets the same treatment in each, named by file, row and field, with the same limits."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from intake_helpers import T1, T2, row

from escalation_kit.errors import InputError
from escalation_kit.intake import InputWarningRow, read_customers, read_tickets
from escalation_kit.intake.history import load_history
from escalation_kit.intake.history_checks import HISTORY_COLUMNS, MAX_LENGTHS
from escalation_kit.intake.tickets import TICKET_FIELD_LIMITS
from escalation_kit.intake.triage_output import read_triage_output
from escalation_kit.intake.writers import write_csv
from escalation_kit.ledger import schema
from escalation_kit.ledger.limits import text_limits
from escalation_kit.models import NAME_LENGTH, SERVICE_LENGTH

FORMULA = '=HYPERLINK("http://evil.example","x")'


def _csv(path: Path, rows: list[dict[str, str]]) -> Path:
    """Cells exactly as given (no defusing: these are hostile inputs, not our output)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _history_row(escalation_id: str, **changes: str) -> dict[str, str]:
    cells = {
        "escalation_id": escalation_id,
        "tenant_id": T1,
        "country": "DE",
        "region": "",
        "service": "Microsoft Teams",
        "category": "bug",
        "severity": "moderate",
        "created_at": "2026-01-05T10:00:00Z",
        "resolved_at": "",
        "status": "open",
    }
    return cells | changes


def _customer(tenant_id: str, name: str = "Contoso") -> dict[str, str]:
    return {"tenant_id": tenant_id, "name": name, "country": "DE", "region": ""}


def _files(tmp_path: Path, field: dict[str, str]) -> dict[str, Path]:
    """One file per input whose second data row (line 3) holds the cells of ``field``, a
    mapping input → value for the input's own column (see ``_COLUMNS``)."""
    return {
        "tickets": _csv(
            tmp_path / "tickets.csv",
            [row("T1"), row("T2", tenant_id=T2) | {_COLUMNS["tickets"]: field["tickets"]}],
        ),
        "customers": _csv(
            tmp_path / "customers.csv",
            [_customer(T1), _customer(T2) | {_COLUMNS["customers"]: field["customers"]}],
        ),
        "history": _csv(
            tmp_path / "history.csv",
            [_history_row("E1"), _history_row("E2") | {_COLUMNS["history"]: field["history"]}],
        ),
    }


_COLUMNS = {"tickets": "customer_name", "customers": "name", "history": "service"}
_INPUTS = {column: name for name, column in _COLUMNS.items()}
_LIMITS = {"tickets": NAME_LENGTH, "customers": NAME_LENGTH, "history": SERVICE_LENGTH}


def _rejections(files: dict[str, Path]) -> dict[str, list[tuple[str, int, str, str]]]:
    """Per input: (file, row, field, reason) of each rejected row."""
    tickets = read_tickets(files["tickets"])
    customers = read_customers(files["customers"])
    history = load_history(files["history"])
    out = {
        name: [(result.source, int(r.source_row), r.field, r.reason) for r in rejected]
        for name, result, rejected in (
            ("tickets", tickets, tickets.rejected.itertuples()),
            ("customers", customers, customers.rejected.itertuples()),
        )
    }
    out["history"] = [
        (r.file, int(r.row), r.field, r.reason) for r in history.rejected.itertuples()
    ]
    return out


def test_an_empty_required_field_is_rejected_alike_in_every_input(tmp_path: Path) -> None:
    files = {
        "tickets": _csv(tmp_path / "tickets.csv", [row("T1"), row("T2", tenant_id=" ")]),
        "customers": _csv(tmp_path / "customers.csv", [_customer(T1), _customer(" ")]),
        "history": _csv(
            tmp_path / "history.csv", [_history_row("E1"), _history_row("E2", tenant_id=" ")]
        ),
    }
    found = _rejections(files)
    for name, path in files.items():
        ((source, line, field, reason),) = found[name]
        assert (source, line, field) == (str(path), 3, "tenant_id")
        assert reason.endswith("tenant_id is empty")
    triage = tmp_path / "triage.csv"
    pd.DataFrame({"ticket_id": ["T1", " "], "category": ["bug", "bug"]}).to_csv(triage, index=False)
    with pytest.raises(InputError, match="ticket_id is empty") as caught:
        read_triage_output(triage)
    assert (caught.value.file, caught.value.row, caught.value.field) == (
        str(triage),
        3,
        "ticket_id",
    )


def test_control_characters_are_removed_with_a_warning_in_every_input(tmp_path: Path) -> None:
    files = _files(tmp_path, dict.fromkeys(_COLUMNS, "Con\x07toso\x00 Ltd\x85"))
    tickets = read_tickets(files["tickets"])
    customers = read_customers(files["customers"])
    history = load_history(files["history"])
    assert tickets.accepted["customer_name"].tolist() == ["Contoso", "Contoso Ltd"]
    assert customers.accepted["name"].tolist() == ["Contoso", "Contoso Ltd"]
    assert history.accepted["service"].tolist() == ["Microsoft Teams", "Contoso Ltd"]
    assert (len(tickets.rejected), len(customers.rejected), len(history.rejected)) == (0, 0, 0)
    for warnings, key, column in (
        (tickets.warnings, "T2", "customer_name"),
        (customers.warnings, T2, "name"),
        (history.warnings, "E2", "service"),
    ):
        assert warnings == (
            InputWarningRow(3, key, column, f"control characters removed from {column}"),
        )


def test_an_over_long_formula_is_refused_at_the_same_limits_and_defused(tmp_path: Path) -> None:
    at_limit = {name: FORMULA + "x" * (limit - len(FORMULA)) for name, limit in _LIMITS.items()}
    assert _rejections(_files(tmp_path, at_limit)) == {name: [] for name in _COLUMNS}
    over = {name: value + "x" for name, value in at_limit.items()}
    files = _files(tmp_path, over)
    found = _rejections(files)
    for name, path in files.items():
        ((source, line, field, reason),) = found[name]
        assert (source, line, field) == (str(path), 3, _COLUMNS[name])
        assert str(_LIMITS[name]) in reason
    # Each rejects file shows the hostile cell as text, never as a formula.
    tickets = read_tickets(files["tickets"]).write_rejects(tmp_path / "t-rejects.csv")
    customers = read_customers(files["customers"]).write_rejects(tmp_path / "c-rejects.csv")
    history = write_csv(load_history(files["history"]).rejected, tmp_path / "h-rejects.csv")
    for path, column in zip((tickets, customers, history), _COLUMNS.values(), strict=True):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            (cells,) = csv.DictReader(handle)
        assert cells[column] == "'" + over[_INPUTS[column]]


def test_the_limits_are_the_ledger_column_widths() -> None:
    assert {
        column: text_limits(schema.escalations)[column] for column in MAX_LENGTHS
    } == MAX_LENGTHS
    assert set(MAX_LENGTHS) <= set(HISTORY_COLUMNS)
    assert TICKET_FIELD_LIMITS["ticket_id"] == text_limits(schema.tickets)["ticket_id"]
