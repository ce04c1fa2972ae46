"""Customers file rules: GUIDs, duplicates, region overrides, countries."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from intake_helpers import T1, T2, check_invariant, reasons, write

from escalation_kit.errors import MissingColumnsError
from escalation_kit.intake import read_customers, validate_customers


def test_customers_file(tmp_path: Path) -> None:
    text = (
        "Tenant_ID,Name,Country,Region\n"
        f"{T1.upper()},Contoso,fr,\n"
        f"{{{T2}}},Fabrikam,US,apac\n"
        f"{T1},Contoso again,DE,\n"
        "not-a-guid,Bad,DE,\n"
        ",Nobody,DE,\n"
        "22222222-2222-3333-4444-555555555555,Emea Ltd,DE,EMEA\n"
        "33333333-2222-3333-4444-555555555555,Mars Inc,DE,Mars\n"
        "44444444-2222-3333-4444-555555555555,Nowhere,,\n"
        "55555555-2222-3333-4444-555555555555,Lisboa,Portugal,Europe\n"
    )
    result = read_customers(write(tmp_path / "customers.csv", text))
    check_invariant(result)
    frame = result.accepted
    assert list(frame.columns) == [
        "tenant_id", "name", "country", "region_override", "region", "source_row",
    ]  # fmt: skip
    assert frame["tenant_id"].tolist() == [
        T1,
        T2,
        "44444444-2222-3333-4444-555555555555",
        "55555555-2222-3333-4444-555555555555",
    ]
    assert frame["region"].tolist() == ["Europe", "Asia Pacific", "Unknown", "Europe"]
    assert frame["region_override"].isna().tolist() == [True, False, True, False]
    assert frame["country"].tolist()[:2] == ["FR", "US"]
    assert reasons(result) == {
        4: f"duplicate tenant_id '{T1}' (first seen at row 2)",
        5: "tenant_id 'not-a-guid' is not a GUID (expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)",
        6: "tenant_id is empty",
        7: "'EMEA' spans two regions; write 'Europe' or 'Middle East & Africa'",
        8: "region 'Mars' is not one of: Americas, Europe, Asia Pacific, Middle East & Africa "
        "(or AMER, EU, APAC, MEA)",
    }
    assert result.rejected["field"].tolist() == [
        "tenant_id",
        "tenant_id",
        "tenant_id",
        "region",
        "region",
    ]
    assert [str(w) for w in result.warnings] == [
        "row 9 (44444444-2222-3333-4444-555555555555): country: no country given; "
        "region is Unknown",
        "row 10 (55555555-2222-3333-4444-555555555555): country: country 'Portugal' is not an "
        "ISO 3166-1 alpha-2 code; ignored",
    ]


def test_only_tenant_id_is_required(tmp_path: Path) -> None:
    result = read_customers(write(tmp_path / "c.csv", f"tenant_id\n{T1}\n"))
    got = result.accepted.iloc[0]
    assert (got["tenant_id"], got["name"], got["region"], got["source_row"]) == (
        T1,
        "",
        "Unknown",
        2,
    )
    assert pd.isna(got["country"]) and pd.isna(got["region_override"])
    with pytest.raises(MissingColumnsError, match="missing required column"):
        read_customers(write(tmp_path / "d.csv", "name,country\nContoso,DE\n"))


def test_accepted_customers_read_again_are_unchanged() -> None:
    first = validate_customers(
        pd.DataFrame({"tenant_id": [T1, T2], "country": ["JP", ""], "region": ["", "MEA"]})
    )
    again = validate_customers(first.accepted)
    assert again.rejected.empty
    pd.testing.assert_frame_equal(again.accepted, first.accepted)


def test_long_name_is_rejected() -> None:
    result = validate_customers(pd.DataFrame({"tenant_id": [T1], "name": ["n" * 501]}))
    assert reasons(result) == {2: "name is 501 characters long (limit 500)"}
