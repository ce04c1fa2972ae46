"""Ticket rules: every check with bad input, the accepted frame's shape, customers, rejects."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from intake_helpers import T1, T2, check_invariant, reasons, row

from escalation_kit.intake import (
    ACCEPTED_TICKET_COLUMNS,
    InputWarningRow,
    IntakeResult,
    read_tickets,
    validate_customers,
    validate_tickets,
)

DTYPES = {
    "ticket_id": "str",
    "tenant_id": "str",
    "customer_name": "str",
    "country": "str",
    "service": "str",
    "title": "str",
    "description": "str",
    "reported_at": "datetime64[ns, UTC]",
    "users_affected": "Int64",
    "region": "str",
    "normalized_service": "str",
    "source_row": "int64",
}


def run(*rows: dict[str, str], customers: pd.DataFrame | None = None) -> IntakeResult:
    result = validate_tickets(pd.DataFrame(list(rows)), source="tickets.csv", customers=customers)
    check_invariant(result)
    return result


def test_accepted_frame_has_exact_columns_and_dtypes() -> None:
    result = run(
        row(),
        row(ticket_id="T2", customer_name="", country="", service="", description="x",
            users_affected="", tenant_id="{11111111-2222-3333-4444-555555555555}",
            title="Teams meeting drops", reported_at="2026-11-02T10:00:00.5-03:00"),
    )  # fmt: skip
    frame = result.accepted
    assert tuple(frame.columns) == ACCEPTED_TICKET_COLUMNS
    assert {c: str(t) for c, t in frame.dtypes.items()} == DTYPES
    first, second = frame.iloc[0], frame.iloc[1]
    assert first.to_dict() == {
        "ticket_id": "T1",
        "tenant_id": T1,
        "customer_name": "Contoso",
        "country": "DE",
        "service": "Outlook",
        "title": "Mail is down",
        "description": "",
        "reported_at": pd.Timestamp("2026-11-02T10:00:00Z"),
        "users_affected": 5,
        "region": "Europe",
        "normalized_service": "Exchange Online",
        "source_row": 2,
    }
    assert second["tenant_id"] == T2
    assert second["customer_name"] == "" and second["service"] == ""
    assert pd.isna(second["country"]) and pd.isna(second["users_affected"])
    assert second["reported_at"] == pd.Timestamp("2026-11-02T13:00:00.5Z")
    assert (second["region"], second["normalized_service"]) == ("Unknown", "Microsoft Teams")
    assert result.summary() == "read 2, accepted 2, rejected 0 (tickets.csv)"


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"ticket_id": ""}, "ticket_id", "ticket_id is empty"),
        ({"ticket_id": "   "}, "ticket_id", "ticket_id is empty"),
        ({"tenant_id": ""}, "tenant_id", "tenant_id is empty"),
        ({"title": ""}, "title", "title is empty"),
        ({"reported_at": ""}, "reported_at", "reported_at is empty"),
        ({"tenant_id": "contoso"}, "tenant_id",
         "tenant_id 'contoso' is not a GUID (expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)"),
        ({"tenant_id": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeeg"}, "tenant_id",
         "tenant_id 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeeg' is not a GUID "
         "(expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)"),
        ({"tenant_id": "00000000-0000-0000-0000-000000000000"}, "tenant_id",
         "tenant_id is the nil GUID (all zeros)"),
        ({"reported_at": "yesterday"}, "reported_at",
         "reported_at 'yesterday' is not an ISO 8601 date-time"),
        ({"reported_at": "2026-11-02"}, "reported_at",
         "reported_at '2026-11-02' is not an ISO 8601 date-time"),
        ({"reported_at": "02/11/2026 10:00"}, "reported_at",
         "reported_at '02/11/2026 10:00' is not an ISO 8601 date-time"),
        ({"reported_at": "2026-11-02T10:00:00"}, "reported_at",
         "reported_at '2026-11-02T10:00:00' has no UTC offset; add Z or +hh:mm"),
        ({"reported_at": "2026-13-02T10:00:00Z"}, "reported_at",
         "reported_at '2026-13-02T10:00:00Z' is not a valid date-time"),
        ({"reported_at": "2026-02-30T10:00:00Z"}, "reported_at",
         "reported_at '2026-02-30T10:00:00Z' is not a valid date-time"),
        ({"reported_at": "1999-12-31T23:59:59Z"}, "reported_at",
         "reported_at '1999-12-31T23:59:59Z' is outside 2000-01-01 to 2199-12-31"),
        ({"reported_at": "9999-01-01T00:00:00Z"}, "reported_at",
         "reported_at '9999-01-01T00:00:00Z' is outside 2000-01-01 to 2199-12-31"),
        ({"users_affected": "-3"}, "users_affected", "users_affected '-3' is negative"),
        ({"users_affected": "2.5"}, "users_affected", "users_affected '2.5' is not a whole number"),
        ({"users_affected": "many"}, "users_affected",
         "users_affected 'many' is not a whole number"),
        ({"users_affected": "1,000"}, "users_affected",
         "users_affected '1,000' is not a whole number"),
        ({"users_affected": "99999999999"}, "users_affected",
         "users_affected '99999999999' is larger than 1,000,000,000"),
        ({"title": "t" * 1001}, "title", "title is 1,001 characters long (limit 1,000)"),
        ({"description": "d" * 100_001}, "description",
         "description is 100,001 characters long (limit 100,000)"),
        ({"ticket_id": "i" * 201}, "ticket_id", "ticket_id is 201 characters long (limit 200)"),
    ],
)  # fmt: skip
def test_rejection_rules(changes: dict[str, str], field: str, reason: str) -> None:
    result = run(row(ticket_id="OK"), row(**{"ticket_id": "BAD", **changes}))
    assert result.accepted["ticket_id"].tolist() == ["OK"]
    assert result.rejected["field"].tolist() == [field]
    assert reasons(result) == {3: reason}


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2026-11-02T10:00:00Z", "2026-11-02T10:00:00"),
        ("2026-11-02t10:00:00z", "2026-11-02T10:00:00"),
        ("2026-11-02 10:00:00+01:00", "2026-11-02T09:00:00"),
        ("2026-11-02T10:00+0530", "2026-11-02T04:30:00"),
        ("2026-11-02T10:00:00-03", "2026-11-02T13:00:00"),
        ("2026-11-02T10:00:00,25Z", "2026-11-02T10:00:00.25"),
        ("2026-11-02T10:00:00.123456789+00:00", "2026-11-02T10:00:00.123456789"),
    ],
)
def test_accepted_date_forms(text: str, utc: str) -> None:
    result = run(row(reported_at=text))
    assert result.accepted["reported_at"][0] == pd.Timestamp(utc, tz="UTC")


def test_every_problem_of_a_row_is_listed() -> None:
    result = run(row(tenant_id="x", reported_at="soon", users_affected="-1", title=""))
    assert result.rejected["field"][0] == "title, tenant_id, reported_at, users_affected"
    assert result.rejected["reason"][0] == (
        "title is empty; tenant_id 'x' is not a GUID (expected "
        "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx); reported_at 'soon' is not an ISO 8601 "
        "date-time; users_affected '-1' is negative"
    )


def test_duplicates_reject_the_second_and_later_occurrences() -> None:
    result = run(row(ticket_id="T1"), row(ticket_id="T2"), row(ticket_id="T1"), row(ticket_id="T1"))
    assert result.accepted["ticket_id"].tolist() == ["T1", "T2"]
    assert reasons(result) == {
        4: "duplicate ticket_id 'T1' (first seen at row 2)",
        5: "duplicate ticket_id 'T1' (first seen at row 2)",
    }


def test_users_affected_forms() -> None:
    result = run(
        row(ticket_id="a", users_affected="0"),
        row(ticket_id="b", users_affected=" 12 "),
        row(ticket_id="c", users_affected="7.0"),
        row(ticket_id="d", users_affected="+3"),
    )
    assert result.accepted["users_affected"].tolist() == [0, 12, 7, 3]


def test_values_are_trimmed_and_guids_canonical() -> None:
    result = run(
        row(ticket_id="  T1 ", tenant_id=" AAAAAAAABBBBCCCCDDDDEEEEEEEEEEEE ", title="  Outlook  ")
    )
    got = result.accepted.iloc[0]
    assert (got["ticket_id"], got["tenant_id"], got["title"]) == ("T1", T1, "Outlook")


def test_long_quoted_values_are_cut_in_messages() -> None:
    result = run(row(reported_at="x" * 500))
    assert reasons(result)[2] == f"reported_at '{'x' * 59}…' is not an ISO 8601 date-time"


def test_control_characters_are_removed_with_a_warning() -> None:
    result = run(row(title="Out\x00look\x07 down", description="line\nbreak\ttab\x1b[31m"))
    got = result.accepted.iloc[0]
    assert got["title"] == "Outlook down"
    assert got["description"] == "line\nbreak\ttab[31m"
    assert list(result.warnings) == [
        InputWarningRow(2, "T1", "title", "control characters removed from title"),
        InputWarningRow(2, "T1", "description", "control characters removed from description"),
    ]


def test_country_rules() -> None:
    result = run(
        row(ticket_id="a", country=" us "),
        row(ticket_id="b", country="Germany"),
        row(ticket_id="c", country="ZZ"),
        row(ticket_id="d", country=""),
        row(ticket_id="e", country="uk"),
    )
    assert result.rejected.empty
    frame = result.accepted
    assert frame["country"].tolist()[:1] == ["US"]
    assert pd.isna(frame["country"][1])
    assert frame["country"].tolist()[2] == "ZZ"
    assert frame["country"].tolist()[4] == "GB"
    assert frame["region"].tolist() == ["Americas", "Unknown", "Unknown", "Unknown", "Europe"]
    assert [(w.source_row, w.key, w.field, w.message) for w in result.warnings] == [
        (
            3,
            "b",
            "country",
            "country 'Germany' is not an ISO 3166-1 alpha-2 code; region is Unknown",
        ),
        (
            4,
            "c",
            "country",
            "country 'ZZ' is not a known ISO 3166-1 alpha-2 code; region is Unknown",
        ),
        (5, "d", "country", "no country given; region is Unknown"),
    ]
    assert result.warnings_frame()["source_row"].tolist() == [3, 4, 5]


CUSTOMERS = pd.DataFrame(
    [
        {"tenant_id": T1, "name": "Contoso", "country": "FR", "region": ""},
        {"tenant_id": T2.upper(), "name": "Fabrikam", "country": "US", "region": "EU"},
    ]
)


def test_customers_fill_country_and_name_and_override_region() -> None:
    result = run(
        row(ticket_id="a", tenant_id=T1, country="", customer_name=""),
        row(ticket_id="b", tenant_id=T1, country="JP", customer_name="Contoso Japan"),
        row(ticket_id="c", tenant_id=T2, country="", customer_name=""),
        row(ticket_id="d", tenant_id=T2, country="BR"),
        row(ticket_id="e", tenant_id="99999999-2222-3333-4444-555555555555", country=""),
        customers=CUSTOMERS,
    )
    frame = result.accepted
    assert frame["country"].tolist()[:4] == ["FR", "JP", "US", "BR"]
    assert frame["customer_name"].tolist()[:3] == ["Contoso", "Contoso Japan", "Fabrikam"]
    assert frame["region"].tolist() == ["Europe", "Asia Pacific", "Europe", "Europe", "Unknown"]
    assert [str(w) for w in result.warnings] == [
        "row 6 (e): tenant_id: tenant is not in the customers file",
        "row 6 (e): country: no country given; region is Unknown",
    ]


def test_customers_as_intake_result_and_as_path(tmp_path: Path) -> None:
    customers = validate_customers(CUSTOMERS)
    path = tmp_path / "customers.csv"
    CUSTOMERS.to_csv(path, index=False)
    tickets = pd.DataFrame([row(tenant_id=T2, country="")])
    for given in (customers, path, str(path), customers.accepted):
        result = validate_tickets(tickets, customers=given)
        assert result.accepted["region"].tolist() == ["Europe"], given


def test_rejected_keeps_raw_columns_and_extra_ones() -> None:
    frame = pd.DataFrame([row(), row(ticket_id="T2", tenant_id=" bad ") | {"priority": "P1"}])
    frame["reason"] = ["mine", "theirs"]
    result = validate_tickets(frame)
    rejected = result.rejected
    assert list(rejected.columns) == [
        "ticket_id", "tenant_id", "customer_name", "country", "service", "title",
        "description", "reported_at", "users_affected", "priority", "raw_reason", "source_row",
        "field", "reason",
    ]  # fmt: skip
    assert rejected.loc[0, "tenant_id"] == " bad "  # raw, untrimmed
    assert (rejected.loc[0, "priority"], rejected.loc[0, "raw_reason"]) == ("P1", "theirs")
    assert rejected.loc[0, "reason"] == "tenant_id 'bad' is not a GUID (expected " \
        "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)"  # fmt: skip


def test_frames_with_non_text_cells() -> None:
    frame = pd.DataFrame(
        {
            "ticket_id": [7, 8],
            "tenant_id": [T1, T1],
            "title": ["Teams", "Outlook"],
            "reported_at": [pd.Timestamp("2026-11-02T10:00Z"), pd.Timestamp("2026-11-02T10:00")],
            "users_affected": [3.0, float("nan")],
        }
    )
    result = validate_tickets(frame)
    assert result.accepted["ticket_id"].tolist() == ["7"]
    assert result.accepted["users_affected"].tolist() == [3]
    assert reasons(result) == {
        3: "reported_at '2026-11-02 10:00:00' has no UTC offset; add Z or +hh:mm"
    }


def test_empty_frame_gives_empty_typed_result() -> None:
    result = validate_tickets(
        pd.DataFrame(columns=["ticket_id", "tenant_id", "title", "reported_at"])
    )
    assert result.read == 0
    assert tuple(result.accepted.columns) == ACCEPTED_TICKET_COLUMNS
    assert {c: str(t) for c, t in result.accepted.dtypes.items()} == DTYPES


def test_service_normalized_then_inferred() -> None:
    result = run(
        row(ticket_id="a", service="SPO", title="Outlook down"),
        row(ticket_id="b", service="the Outlook desktop client", title="Teams"),
        row(ticket_id="c", service="", title="Не работает Тимс"),
        row(ticket_id="d", service="something else", title="Power BI", description=""),
        row(ticket_id="e", service="", title="Printer", description="jammed"),
    )
    got = result.accepted["normalized_service"].tolist()
    assert got[:4] == ["SharePoint Online", "Exchange Online", "Microsoft Teams", "Power BI"]
    assert pd.isna(got[4])


def test_summary_repr_and_rejects_file(tmp_path: Path) -> None:
    result = run(
        row(ticket_id="ok"),
        row(ticket_id='=HYPERLINK("http://evil")', title="-2+3", reported_at="no"),
        row(ticket_id="x", title="Почта", users_affected="-5"),
    )
    assert result.summary() == "read 3, accepted 1, rejected 2 (tickets.csv)"
    assert repr(result) == "<IntakeResult read 3, accepted 1, rejected 2 (tickets.csv), 0 warnings>"
    path = result.write_rejects(tmp_path / "rejects.csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert back["ticket_id"].tolist() == ['\'=HYPERLINK("http://evil")', "x"]
    assert back["title"].tolist() == ["'-2+3", "Почта"]
    assert back["users_affected"].tolist() == ["5", "-5"]  # numbers are left alone
    assert back["source_row"].tolist() == ["3", "4"]
    html = result._repr_html_()
    assert "&quot;" not in html or "<script" not in html
    assert "read 3, accepted 1, rejected 2" in html


def test_html_escapes_customer_text() -> None:
    result = run(row(ticket_id="<script>alert(1)</script>", reported_at="<b>"))
    html = result._repr_html_()
    assert "<script>" not in html and "<b>" not in html.replace("<b>", "", 0)
    assert "&lt;b&gt;" in html


def test_read_tickets_with_customers_file(tmp_path: Path) -> None:
    tickets = tmp_path / "tickets.csv"
    pd.DataFrame([row(tenant_id=T2, country="")]).to_csv(tickets, index=False)
    customers = tmp_path / "customers.csv"
    CUSTOMERS.to_csv(customers, index=False, sep=";")
    result = read_tickets(tickets, customers=customers)
    assert result.accepted["region"].tolist() == ["Europe"]
    assert result.source == str(tickets)
