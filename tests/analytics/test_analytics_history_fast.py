"""Edges of the vectorized history loader: the Arrow fast path for times and its pandas fallback,
trimming and case-folding on distinct values, Parquet columns that are not text."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from analytics_data import text_frame
from hypothesis import given, settings
from hypothesis import strategies as st

from escalation_kit.intake.history import load_history, validate_history
from escalation_kit.intake.history_checks import HISTORY_COLUMNS, parse_times

UTC = "UTC"


def times(values: list[str]) -> list[pd.Timestamp | None]:
    parsed = parse_times(pa.array(values, pa.string())).to_pandas()
    return [None if pd.isna(v) else v for v in parsed]


def row(ident: str, created: str, resolved: str = "", status: str = "open") -> tuple[str, ...]:
    return (ident, "t1", "DE", "Europe", "Planner", "bug", "minimal", created, resolved, status)


def test_fast_path_reads_z_offsets_fractions_and_empty_cells() -> None:
    assert times(
        ["2026-01-05T10:00:00Z", "2026-01-05T10:00:00+02:00", "2026-01-05T10:00:00.250Z", ""]
    ) == [
        pd.Timestamp("2026-01-05T10:00:00", tz=UTC),
        pd.Timestamp("2026-01-05T08:00:00", tz=UTC),
        pd.Timestamp("2026-01-05T10:00:00.250", tz=UTC),
        None,
    ]


def test_rows_arrow_cannot_read_fall_back_one_by_one() -> None:
    # a bad row makes the whole-column cast fail: the good rows of the fixed form still parse,
    # other ISO 8601 forms parse (offset without colon, nanoseconds, a space for T), rows without
    # an offset, impossible dates and lower-case designators are null (rejected)
    assert times(
        [
            "2026-01-05T10:00:00Z",
            "2026-01-05T10:00:00-0530",
            "2026-01-05T10:00:00.123456789+01:00",
            "2026-01-05 10:00:00Z",
            "2026-01-05t10:00:00z",
            "2026-01-05 10:00:00",
            "2026-02-30T10:00:00Z",
            "yesterday",
            "",
        ]
    ) == [
        pd.Timestamp("2026-01-05T10:00:00", tz=UTC),
        pd.Timestamp("2026-01-05T15:30:00", tz=UTC),
        pd.Timestamp("2026-01-05T09:00:00.123456", tz=UTC),
        pd.Timestamp("2026-01-05T10:00:00", tz=UTC),
        None,
        None,
        None,
        None,
        None,
    ]


def test_an_impossible_date_among_valid_ones_rejects_only_its_row() -> None:
    rows = [
        row("E1", "2024-02-29T10:00:00Z"),
        row("E2", "2026-02-30T10:00:00Z"),
        row("E3", "2026-03-01T10:00:00+01:00", "2026-03-01T09:30:00Z", "closed"),
        row("E4", "2026-03-01T10:00:00Z", "2026-03-01T09:59:59.5+00:00", "closed"),
    ]
    loaded = validate_history(text_frame(rows))
    assert loaded.accepted["escalation_id"].tolist() == ["E1", "E3"]
    assert loaded.accepted["resolved_at"].tolist()[1] == pd.Timestamp("2026-03-01T09:30Z")
    assert loaded.rejected[["row", "field"]].values.tolist() == [
        [2, "created_at"],
        [4, "resolved_at"],
    ]
    assert loaded.rejected["reason"].tolist()[1] == "resolved_at: resolved_at is before created_at"


def test_cells_are_trimmed_and_folded_and_rejected_rows_show_them(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text(
        "\ufeff"
        + ",".join(HISTORY_COLUMNS)
        + "\n"
        + " E2 , t1 , fr ,, Planner , BUG , Minimal , 2026-01-05T10:00:00Z ,, OPEN \n"
        + "E1,t2,zz1,,Planner,bug,minimal,2026-01-05T10:00:00Z,,open\n"
        + "E2,t3,FR,Europe,Planner,bug,minimal,2026-01-05T10:00:00Z,,open\n",
        encoding="utf-8",
    )
    loaded = load_history(path)
    assert loaded.read == 3
    assert loaded.accepted.iloc[0][["escalation_id", "country", "region", "status"]].tolist() == [
        "E2",
        "FR",
        "Europe",
        "open",
    ]
    rejected = loaded.rejected
    assert rejected[["row", "field"]].values.tolist() == [[3, "country"], [4, "escalation_id"]]
    assert rejected.loc[0, ["country", "region"]].tolist() == ["ZZ1", "Unknown"]
    assert rejected.loc[1, "reason"] == "escalation_id: escalation_id repeats an earlier row"
    assert str(rejected["row"].dtype) == "int64"


def test_parquet_with_typed_and_dictionary_columns(tmp_path: Path) -> None:
    created = pd.Series(pd.to_datetime(["2026-01-05T10:00:00Z", "2026-01-06T11:00:00Z"]))
    table = pa.table(
        {
            "escalation_id": ["E1", "E2"],
            "tenant_id": ["t1", None],
            "country": pa.array(["DE", "US"]).dictionary_encode(),
            "region": ["Europe", "Americas"],
            "service": ["Planner", "Planner"],
            "category": ["bug", "bug"],
            "severity": ["critical", "minimal"],
            "created_at": pa.array(created, pa.timestamp("us", tz="UTC")),
            "resolved_at": pa.array([None, None], pa.timestamp("us", tz="UTC")),
            "status": ["open", "open"],
        }
    )
    pq.write_table(table, tmp_path / "h.parquet")
    loaded = load_history(tmp_path / "h.parquet")
    assert loaded.accepted[["country", "created_at"]].values.tolist() == [
        ["DE", pd.Timestamp("2026-01-05T10:00:00Z")]
    ]
    assert loaded.rejected[["row", "field", "tenant_id"]].values.tolist() == [[2, "tenant_id", ""]]


def test_frames_with_missing_values_validate() -> None:
    frame = text_frame([row("E1", "2026-01-05T10:00:00Z")])
    frame["resolved_at"] = None
    loaded = validate_history(frame)
    assert (len(loaded.accepted), len(loaded.rejected)) == (1, 0)
    assert loaded.accepted["resolved_at"].isna().all()


def test_values_longer_than_the_ledger_columns_are_rejected() -> None:
    rows = [
        (
            "E" * 65,
            "t1",
            "DE",
            "Europe",
            "Planner",
            "bug",
            "minimal",
            "2026-01-05T10:00:00Z",
            "",
            "open",
        ),
        (
            "E2",
            "t" * 37,
            "DE",
            "Europe",
            "S" * 101,
            "bug",
            "minimal",
            "2026-01-05T10:00:00Z",
            "",
            "open",
        ),
        (
            "E3",
            "t" * 36,
            "DE",
            "Europe",
            "S" * 100,
            "bug",
            "minimal",
            "2026-01-05T10:00:00Z",
            "",
            "open",
        ),
    ]
    loaded = validate_history(text_frame(rows))
    assert loaded.accepted["escalation_id"].tolist() == ["E3"]
    assert loaded.rejected["reason"].tolist() == [
        "escalation_id: longer than 64 characters",
        "tenant_id: longer than 36 characters; service: longer than 100 characters",
    ]


def test_a_csv_with_only_its_header_is_an_empty_typed_history(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text(",".join(HISTORY_COLUMNS) + "\n", encoding="utf-8")
    loaded = load_history(path)
    assert (loaded.read, len(loaded.accepted), len(loaded.rejected)) == (0, 0, 0)
    assert str(loaded.accepted["created_at"].dtype) == "datetime64[us, UTC]"
    assert loaded.accepted["status"].dtype == "category"


def test_calendar_is_checked_row_by_row_on_the_fast_path() -> None:
    assert times(
        [
            "2024-02-29T23:59:59Z",
            "2023-02-29T00:00:00Z",
            "1900-02-29T00:00:00Z",
            "2000-02-29T00:00:00.5+01:00",
            "2026-04-31T10:00:00Z",
            "2026-01-05T24:00:00Z",
            "2026-01-05T10:60:00Z",
            "2026-12-31T23:59:59-12:00",
        ]
    ) == [
        pd.Timestamp("2024-02-29T23:59:59", tz=UTC),
        None,
        None,
        pd.Timestamp("2000-02-28T23:00:00.5", tz=UTC),
        None,
        None,
        None,
        pd.Timestamp("2027-01-01T11:59:59", tz=UTC),
    ]


TIME_TEXTS = [
    "2026-01-05T10:00:00Z",
    "2026-01-05T10:00:00.25+02:00",
    "2026-01-05T10:00:00-0530",
    "2026-01-05 10:00:00Z",
    "2026-01-05T10:00:00",
    "2023-02-29T00:00:00Z",
    "2026-01-05T10:00:00+99:00",
    "2026-01-05T10:00:00.123456789Z",
    "1960-01-05T10:00:00.000001-01:00",
    "soon",
    "",
]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(TIME_TEXTS), min_size=1, max_size=30))
def test_a_time_parses_the_same_whatever_the_rest_of_its_column(texts: list[str]) -> None:
    # the fast path is chosen per column: it must never change a row's value
    assert times(texts) == [times([text])[0] for text in texts]


CELL_CHOICES = {
    "tenant_id": ["t1", " t2 ", "", "t" * 37],
    "country": ["DE", "us", "", "USA", "uk"],
    "region": ["Europe", "", "Americas", "europe"],
    "service": ["Planner", "", "S" * 101],
    "category": ["bug", " BUG", "self_service"],
    "severity": ["critical", "Minimal", "urgent"],
    "created_at": ["2026-01-05T10:00:00Z", "2026-01-05T12:00:00+02:00", "2026-02-30T10:00:00Z"],
    "resolved_at": ["", "2026-01-05T12:00:00Z", "2026-01-05T09:00:00.5Z", "later"],
    "status": ["open", "closed", "CLOSED", "pending"],
}
rows_strategy = st.lists(
    st.fixed_dictionaries({c: st.sampled_from(v) for c, v in CELL_CHOICES.items()}),
    min_size=1,
    max_size=25,
)


@settings(max_examples=40, deadline=None)
@given(rows_strategy)
def test_a_row_is_judged_the_same_alone_or_among_others(cells: list[dict[str, str]]) -> None:
    frame = pd.DataFrame(
        [{"escalation_id": f"E{n}", **row} for n, row in enumerate(cells)],
        columns=list(HISTORY_COLUMNS),
    )
    together = validate_history(frame)
    alone = [validate_history(frame.iloc[[n]]) for n in range(len(frame))]
    assert together.read == len(together.accepted) + len(together.rejected) == len(frame)
    expected_ids = [one.accepted.loc[0, "escalation_id"] for one in alone if len(one.accepted)]
    assert together.accepted["escalation_id"].tolist() == expected_ids
    expected = pd.concat([one.rejected for one in alone], ignore_index=True)
    expected["row"] = pd.Series(
        [n + 1 for n, one in enumerate(alone) if len(one.rejected)], dtype="int64"
    )
    pd.testing.assert_frame_equal(together.rejected, expected)
    single = pd.concat([one.accepted for one in alone], ignore_index=True)
    pd.testing.assert_frame_equal(together.accepted, single)
