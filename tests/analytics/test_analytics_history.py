"""Loading history files: typed rows accepted, bad rows rejected with file, row, field, reason."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from analytics_data import HAND_ROWS, history, text_frame

from ek_fixtures import SAMPLE_DATA, require
from escalation_kit.analytics.synthetic import synthetic_history
from escalation_kit.errors import InputError, MissingColumnsError
from escalation_kit.intake.history import (
    history_text,
    load_history,
    typed_history,
    validate_history,
    write_history,
)
from escalation_kit.intake.history_checks import HISTORY_COLUMNS

HEADER = ",".join(HISTORY_COLUMNS)


def write_csv(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def test_valid_rows_are_typed(tmp_path: Path) -> None:
    path = write_history(history(), tmp_path / "h.csv")
    loaded = load_history(path)
    assert (loaded.read, len(loaded.accepted), len(loaded.rejected)) == (6, 6, 0)
    frame = loaded.accepted
    assert str(frame["created_at"].dtype) == "datetime64[us, UTC]"
    assert frame["category"].dtype == "category"
    assert list(frame["category"].cat.categories) == [
        "service_not_as_described",
        "service_unavailable",
        "bug",
        "network_disruption",
        "regional_multi_tenant",
    ]
    # -02:00 offsets become UTC; empty resolved_at is missing
    assert frame.loc[4, "created_at"] == pd.Timestamp("2026-01-14T01:30:00Z")
    assert frame["resolved_at"].isna().tolist() == [False, False, False, True, False, True]


def test_bad_rows_are_rejected_with_row_field_and_reason(tmp_path: Path) -> None:
    good = "E1,t1,DE,Europe,Exchange Online,bug,critical,2026-01-05T10:00:00Z,,open"
    path = write_csv(
        tmp_path / "h.csv",
        [
            good,
            "E1,t2,DE,Europe,Exchange Online,bug,critical,2026-01-05T10:00:00Z,,open",
            "E3,t3,US,Americas,Planner,self_service,critical,2026-01-05T10:00:00Z,,open",
            "E4,t4,US,Americas,Planner,bug,urgent,2026-01-05T10:00:00Z,,open",
            "E5,t5,US,Americas,Planner,bug,minimal,2026-01-05 10:00:00,,open",
            "E6,t6,US,Americas,Planner,bug,minimal,2026-01-05T10:00:00Z,2026-01-04T10:00:00Z,closed",
            "E7,t7,US,Americas,Planner,bug,minimal,2026-01-05T10:00:00Z,2026-01-06T10:00:00Z,open",
            "E8,t8,US,Americas,Planner,bug,minimal,2026-01-05T10:00:00Z,,closed",
            "E9,t9,USA,Mars,Planner,bug,minimal,2026-01-05T10:00:00Z,,pending",
            ",t10,US,Americas,Planner,bug,minimal,2026-01-05T10:00:00Z,,open",
        ],
    )
    loaded = load_history(path)
    assert loaded.read == 10
    assert len(loaded.accepted) + len(loaded.rejected) == loaded.read
    assert loaded.accepted["escalation_id"].tolist() == ["E1"]
    found = list(loaded.rejected[["file", "row", "field"]].itertuples(index=False, name=None))
    assert found == [
        (str(path), 3, "escalation_id"),
        (str(path), 4, "category"),
        (str(path), 5, "severity"),
        (str(path), 6, "created_at"),
        (str(path), 7, "resolved_at"),
        (str(path), 8, "resolved_at"),
        (str(path), 9, "resolved_at"),
        (str(path), 10, "country"),
        (str(path), 11, "escalation_id"),
    ]
    reasons = loaded.rejected["reason"].tolist()
    assert reasons[0] == "escalation_id: escalation_id repeats an earlier row"
    assert "with offset or Z" in reasons[3]
    assert reasons[4] == "resolved_at: resolved_at is before created_at"
    assert "empty while the status is open" in reasons[5]
    assert reasons[6] == "resolved_at: a closed escalation needs resolved_at"
    # every problem of a row is listed, the first names the field
    assert reasons[7].startswith("country: not an ISO 3166-1 alpha-2 code; region: region must")
    assert "status: status must be one of" in reasons[7]
    # the rejected row keeps its cells for the analyst
    assert loaded.rejected.loc[2, "severity"] == "urgent"


def test_empty_region_is_derived_from_the_country() -> None:
    row = ("E1", "t1", "de", "", "Planner", "BUG", "Critical", "2026-01-05T10:00:00Z", "", "open")
    frame = validate_history(text_frame([row])).accepted
    assert frame.loc[0, ["country", "region", "category", "severity"]].tolist() == [
        "DE",
        "Europe",
        "bug",
        "critical",
    ]


def test_missing_columns_and_unreadable_files(tmp_path: Path) -> None:
    bad = tmp_path / "h.csv"
    bad.write_text("escalation_id,tenant_id\nE1,t1\n", encoding="utf-8")
    with pytest.raises(MissingColumnsError, match="missing column\\(s\\) country, region"):
        load_history(bad)
    with pytest.raises(InputError, match="not found"):
        load_history(tmp_path / "absent.csv")
    ragged = write_csv(
        tmp_path / "ragged.csv",
        ["E1,t1,DE,Europe,Planner,bug,critical,2026-01-05T10:00:00Z,,open,EXTRA"],
    )
    with pytest.raises(InputError, match="cannot read the history"):
        load_history(ragged)
    binary = tmp_path / "h.parquet"
    binary.write_bytes(b"not parquet at all")
    with pytest.raises(InputError) as info:
        load_history(binary)
    assert info.value.file == str(binary)


def test_parquet_round_trip(tmp_path: Path) -> None:
    frame = synthetic_history(500, seed=3)
    loaded = load_history(write_history(frame, tmp_path / "h.parquet"))
    assert loaded.rejected.empty
    pd.testing.assert_frame_equal(loaded.accepted, frame)
    assert loaded.rejected.shape[0] == 0


def test_synthetic_history_is_valid_and_deterministic() -> None:
    frame = synthetic_history(2_000, seed=11)
    again = validate_history(history_text(frame))
    assert again.rejected.empty
    pd.testing.assert_frame_equal(again.accepted, frame)
    pd.testing.assert_frame_equal(synthetic_history(2_000, seed=11), frame)
    assert set(frame["status"].astype(str)) == {"open", "attention_needed", "closed"}


def test_typed_history_keeps_values_outside_the_contract() -> None:
    frame = typed_history(pd.DataFrame({"severity": ["critical", "unknown"]}))
    assert frame["severity"].tolist() == ["critical", "unknown"]
    assert list(frame["severity"].cat.categories) == ["critical", "moderate", "minimal", "unknown"]


def test_sample_history_loads() -> None:
    path = SAMPLE_DATA / "escalation_history.csv"
    require(path.exists(), f"{path} is produced by the data work")
    loaded = load_history(path)
    assert loaded.read >= 20_000
    assert len(loaded.accepted) + len(loaded.rejected) == loaded.read
    assert len(loaded.rejected) == 0, loaded.rejected.head().to_dict("records")


def test_hand_rows_have_contract_columns() -> None:
    assert list(text_frame(HAND_ROWS).columns) == list(HISTORY_COLUMNS)
