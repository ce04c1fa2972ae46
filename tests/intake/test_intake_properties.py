"""Random rows (Hypothesis): every row is accounted for and only InputError ever escapes."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from intake_helpers import check_invariant

from escalation_kit.errors import InputError
from escalation_kit.intake import read_tickets, validate_customers, validate_tickets
from escalation_kit.intake.tickets import TICKET_COLUMNS

GUIDS = st.uuids().map(str) | st.uuids().map(lambda u: "{" + str(u).upper() + "}")
DATES = st.datetimes(
    min_value=pd.Timestamp("1990-01-01").to_pydatetime(),
    max_value=pd.Timestamp("2300-01-01").to_pydatetime(),
).map(lambda d: d.isoformat()) | st.sampled_from(["Z", "+01:00", "-0530", ""]).flatmap(
    lambda tz: st.datetimes(
        min_value=pd.Timestamp("2000-01-01").to_pydatetime(),
        max_value=pd.Timestamp("2100-01-01").to_pydatetime(),
    ).map(lambda d: d.isoformat() + tz)
)
ANY_TEXT = st.text(max_size=30)
FIELDS = {
    "ticket_id": st.sampled_from(["T1", "T2", "007", ""]) | ANY_TEXT,
    "tenant_id": GUIDS | ANY_TEXT,
    "customer_name": ANY_TEXT,
    "country": st.sampled_from(["DE", "us", "ZZ", "Germany", ""]) | ANY_TEXT,
    "service": st.sampled_from(["Outlook", "почта", "", "Teams"]) | ANY_TEXT,
    "title": ANY_TEXT,
    "description": ANY_TEXT,
    "reported_at": DATES | ANY_TEXT,
    "users_affected": st.integers(-5, 10**12).map(str) | ANY_TEXT,
}
ROWS = st.lists(st.fixed_dictionaries(FIELDS), max_size=8)
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(ROWS)
def test_validate_tickets_accounts_for_every_row(rows: list[dict[str, str]]) -> None:
    frame = pd.DataFrame(rows, columns=list(TICKET_COLUMNS))
    result = validate_tickets(frame)
    check_invariant(result)
    assert result.read == len(rows)
    assert result.accepted["ticket_id"].is_unique
    assert result.accepted["reported_at"].notna().all()
    assert (result.accepted["users_affected"].dropna() >= 0).all()
    assert result.rejected["reason"].str.len().gt(0).all()
    assert set(result.accepted["source_row"]).isdisjoint(result.rejected["source_row"])


@FAST
@given(ROWS, st.sampled_from(["csv", "jsonl"]), st.sampled_from([",", ";", "\t"]))
def test_files_never_raise_anything_but_input_error(
    rows: list[dict[str, str]], kind: str, delimiter: str
) -> None:
    if kind == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=delimiter)
        writer.writerow(TICKET_COLUMNS)
        writer.writerows([r[c] for c in TICKET_COLUMNS] for r in rows)
        text = buffer.getvalue()
    else:
        text = "\n".join(json.dumps(r) for r in rows)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"t.{kind}"
        path.write_text(text, encoding="utf-8")
        try:
            result = read_tickets(path)
        except InputError:
            return
    check_invariant(result)


@FAST
@given(st.binary(max_size=400))
def test_arbitrary_bytes(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "t.csv"
        path.write_bytes(data)
        try:
            result = read_tickets(path)
        except InputError:
            return
    check_invariant(result)


@FAST
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "tenant_id": GUIDS | ANY_TEXT,
                "name": ANY_TEXT,
                "country": FIELDS["country"],
                "region": st.sampled_from(["", "EU", "emea", "Asia Pacific", "x"]) | ANY_TEXT,
            }
        ),
        max_size=8,
    )
)
def test_validate_customers_accounts_for_every_row(rows: list[dict[str, str]]) -> None:
    result = validate_customers(
        pd.DataFrame(rows, columns=["tenant_id", "name", "country", "region"])
    )
    check_invariant(result)
    assert result.accepted["tenant_id"].is_unique
