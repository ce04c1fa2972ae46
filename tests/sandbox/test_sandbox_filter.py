"""$filter: each supported form over HTTP, plus the parser's edges as plain functions."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sandbox_data import TENANT_A

from escalation_kit.errors import InputError
from escalation_kit.sandbox.graph import ISSUE_FIELDS
from escalation_kit.sandbox.odata import compile_filter

ISSUES = "/v1.0/admin/serviceAnnouncement/issues"


def issues_of(snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    return snapshot["tenants"][TENANT_A]["issues"]  # type: ignore[no-any-return]


def ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [i["id"] for i in response.json()["value"]]


def test_last_modified_ge(graph: httpx.Client, snapshot: dict[str, Any]) -> None:
    response = graph.get(ISSUES, params={"$filter": "lastModifiedDateTime ge 2026-11-15T00:00:00Z"})
    expected = [i["id"] for i in issues_of(snapshot) if i["lastModifiedDateTime"] >= "2026-11-15"]
    assert ids(response) == expected
    assert len(expected) == 6


def test_datetime_with_offset_compares_as_an_instant(graph: httpx.Client) -> None:
    # 2026-11-15T02:00+02:00 is 2026-11-15T00:00Z
    same = graph.get(
        ISSUES, params={"$filter": "lastModifiedDateTime ge 2026-11-15T02:00:00+02:00"}
    )
    utc = graph.get(ISSUES, params={"$filter": "lastModifiedDateTime ge 2026-11-15T00:00:00Z"})
    assert ids(same) == ids(utc)


@pytest.mark.parametrize("flag", [True, False])
def test_is_resolved(graph: httpx.Client, snapshot: dict[str, Any], flag: bool) -> None:
    response = graph.get(ISSUES, params={"$filter": f"isResolved eq {str(flag).lower()}"})
    expected = [i["id"] for i in issues_of(snapshot) if i["isResolved"] is flag]
    assert ids(response) == expected
    assert expected


def test_service_eq(graph: httpx.Client, snapshot: dict[str, Any]) -> None:
    response = graph.get(ISSUES, params={"$filter": "service eq 'Microsoft Teams'"})
    expected = [i["id"] for i in issues_of(snapshot) if i["service"] == "Microsoft Teams"]
    assert ids(response) == expected
    assert len(expected) == 5


def test_clauses_combine_with_and(graph: httpx.Client, snapshot: dict[str, Any]) -> None:
    expression = (
        "isResolved eq false and service eq 'Exchange Online' "
        "AND lastModifiedDateTime ge 2020-01-01T00:00:00Z"
    )
    expected = [
        i["id"]
        for i in issues_of(snapshot)
        if not i["isResolved"] and i["service"] == "Exchange Online"
    ]
    assert ids(graph.get(ISSUES, params={"$filter": expression})) == expected
    assert expected == ["EX900000", "EX900012"]


def test_filter_on_health_overviews(graph: httpx.Client) -> None:
    response = graph.get(
        "/v1.0/admin/serviceAnnouncement/healthOverviews",
        params={"$filter": "status eq 'serviceRestored'"},  # enums compare case-insensitively
    )
    assert ids(response) == ["OrgLiveID"]


@pytest.mark.parametrize(
    "expression",
    [
        "isResolved eq false or service eq 'Exchange Online'",
        "(isResolved eq false)",
        "startswith(title, 'Some')",
        "details eq 'x'",
        "service eq Exchange",
        "service eq 'unterminated",
        "isResolved eq 'yes'",
        "lastModifiedDateTime ge yesterday",
        "isResolved gt false",
        "service has 'Exchange'",
        "isResolved eq false and",
    ],
)
def test_unsupported_filters_are_graph_bad_request(graph: httpx.Client, expression: str) -> None:
    response = graph.get(ISSUES, params={"$filter": expression})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "BadRequest"
    assert "$filter" in response.json()["error"]["message"]


ITEMS = [
    {"id": "A", "service": "It's", "isResolved": True, "endDateTime": None},
    {"id": "B", "service": "Other", "isResolved": False, "endDateTime": "2026-01-02T00:00:00Z"},
]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("", ["A", "B"]),
        ("service eq 'It''s'", ["A"]),  # '' escapes a quote
        ("service ne 'It''s'", ["B"]),
        ("endDateTime eq null", ["A"]),
        ("endDateTime ne null", ["B"]),
        ("endDateTime lt 2027-01-01T00:00:00Z", ["B"]),  # null never compares
        ("ISRESOLVED eq TRUE", ["A"]),
        ("id eq 'a'", []),  # plain text compares exactly
    ],
)
def test_compile_filter_semantics(expression: str, expected: list[str]) -> None:
    predicate = compile_filter(expression, ISSUE_FIELDS)
    assert [i["id"] for i in ITEMS if predicate(i)] == expected


def test_compile_filter_names_the_field_in_its_error() -> None:
    with pytest.raises(InputError) as caught:
        compile_filter("colour eq 'red'", ISSUE_FIELDS)
    assert caught.value.field == "$filter"
    assert "colour" in str(caught.value)
