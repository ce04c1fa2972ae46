"""Paging as Graph does it: $top, Prefer: odata.maxpagesize, absolute @odata.nextLink, $skip."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sandbox_data import TENANT_A

from escalation_kit.sandbox import Faults, Sandbox
from escalation_kit.sandbox.odata import MAX_PAGE_SIZE

ISSUES = "/v1.0/admin/serviceAnnouncement/issues"


def walk(client: httpx.Client, first: httpx.Response) -> tuple[list[dict[str, Any]], int]:
    """Follow nextLinks from ``first``; return every item and the number of pages."""
    body = first.json()
    items, pages = list(body["value"]), 1
    while "@odata.nextLink" in body:
        body = client.get(body["@odata.nextLink"]).json()
        items.extend(body["value"])
        pages += 1
    return items, pages


@pytest.mark.parametrize("size", [1, 2, 7, 100])
def test_top_pages_concatenate_to_all_issues(
    graph: httpx.Client, snapshot: dict[str, Any], size: int
) -> None:
    expected = snapshot["tenants"][TENANT_A]["issues"]
    items, pages = walk(graph, graph.get(ISSUES, params={"$top": str(size)}))
    assert items == expected
    assert pages == -(-len(expected) // size)


@pytest.mark.parametrize("size", [1, 2, 7, 100])
def test_prefer_maxpagesize_pages_concatenate_to_all_issues(
    graph: httpx.Client, snapshot: dict[str, Any], size: int
) -> None:
    expected = snapshot["tenants"][TENANT_A]["issues"]
    graph.headers["Prefer"] = f"odata.maxpagesize={size}"
    first = graph.get(ISSUES)
    assert first.headers["preference-applied"] == f"odata.maxpagesize={size}"
    assert len(first.json()["value"]) == min(size, len(expected))
    items, pages = walk(graph, first)
    assert items == expected
    assert pages == -(-len(expected) // size)


def test_default_page_is_100(sandbox: Sandbox, graph: httpx.Client) -> None:
    issue = {"id": "X", "service": "Exchange Online", "isResolved": False}
    many = [{**issue, "id": f"EX{n:06d}"} for n in range(250)]
    sandbox.set_snapshot({"tenants": {TENANT_A: {"healthOverviews": [], "issues": many}}})
    first = graph.get(ISSUES)
    assert len(first.json()["value"]) == 100
    assert "preference-applied" not in first.headers
    items, pages = walk(graph, first)
    assert [i["id"] for i in items] == [i["id"] for i in many]
    assert pages == 3


def test_maxpagesize_is_capped_at_1000(graph: httpx.Client) -> None:
    response = graph.get(ISSUES, headers={"Prefer": "odata.maxpagesize=5000"})
    assert response.headers["preference-applied"] == f"odata.maxpagesize={MAX_PAGE_SIZE}"


def test_next_link_is_absolute_keeps_the_filter_and_carries_skip(
    sandbox: Sandbox, graph: httpx.Client
) -> None:
    query = {"$filter": "service eq 'Exchange Online'", "$top": "2"}
    body = graph.get(ISSUES, params=query).json()
    link = body["@odata.nextLink"]
    parts = urlsplit(link)
    assert link.startswith(sandbox.base_url + ISSUES + "?")
    assert parse_qs(parts.query) == {
        "$filter": ["service eq 'Exchange Online'"],
        "$top": ["2"],
        "$skip": ["2"],
    }
    # followable by a plain client that never saw the base URL
    followed = httpx.get(link, headers={"Authorization": f"Bearer sandbox-{TENANT_A}"}, timeout=10)
    assert {i["service"] for i in followed.json()["value"]} == {"Exchange Online"}


def test_filtered_pages_concatenate_to_filtered_issues(
    graph: httpx.Client, snapshot: dict[str, Any]
) -> None:
    expected = [i for i in snapshot["tenants"][TENANT_A]["issues"] if i["isResolved"] is False]
    params = {"$filter": "isResolved eq false", "$top": "3"}
    items, _ = walk(graph, graph.get(ISSUES, params=params))
    assert items == expected


def test_skip_past_the_end_is_an_empty_page(graph: httpx.Client) -> None:
    body = graph.get(ISSUES, params={"$skip": "999"}).json()
    assert body["value"] == []
    assert "@odata.nextLink" not in body


@pytest.mark.parametrize(
    ("params", "headers"),
    [
        ({"$top": "0"}, {}),
        ({"$top": "-1"}, {}),
        ({"$top": "ten"}, {}),
        ({"$skip": "x"}, {}),
        ({}, {"Prefer": "odata.maxpagesize=0"}),
        ({}, {"Prefer": "odata.maxpagesize=lots"}),
    ],
)
def test_bad_paging_options_are_bad_request(
    graph: httpx.Client, params: dict[str, str], headers: dict[str, str]
) -> None:
    response = graph.get(ISSUES, params=params, headers=headers)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "BadRequest"


def test_next_link_loop_fault_points_at_the_same_page(
    sandbox: Sandbox, graph: httpx.Client
) -> None:
    sandbox.set_faults(Faults(next_link_loop=True))
    first = graph.get(ISSUES, params={"$top": "5"}).json()
    second = graph.get(first["@odata.nextLink"]).json()
    assert "$skip=0" in first["@odata.nextLink"]
    assert second["value"] == first["value"]
    assert second["@odata.nextLink"] == first["@odata.nextLink"]


def test_orderby_sorts_with_missing_values_last(graph: httpx.Client) -> None:
    params = {"$orderby": "lastModifiedDateTime desc", "$top": "1000"}
    stamps = [i["lastModifiedDateTime"] for i in graph.get(ISSUES, params=params).json()["value"]]
    assert stamps == sorted(stamps, reverse=True)
    assert graph.get(ISSUES, params={"$orderby": "nonsense asc"}).status_code == 400


def test_count_reports_all_matching_items_before_paging(
    graph: httpx.Client, snapshot: dict[str, Any]
) -> None:
    params = {"$count": "true", "$top": "2", "$filter": "isResolved eq false"}
    body = graph.get(ISSUES, params=params).json()
    expected = [i for i in snapshot["tenants"][TENANT_A]["issues"] if not i["isResolved"]]
    assert body["@odata.count"] == len(expected) == 7
    assert len(body["value"]) == 2
    assert "@odata.count" not in graph.get(ISSUES).json()


def test_select_returns_only_the_named_properties(graph: httpx.Client) -> None:
    listed = graph.get(ISSUES, params={"$select": "id,isResolved", "$top": "2"}).json()
    assert listed["value"] == [
        {"isResolved": True, "id": "EX226792"},
        {"id": "MO226784", "isResolved": True},
    ]
    one = graph.get(f"{ISSUES}/MO226784", params={"$select": "title"}).json()
    assert set(one) == {"@odata.context", "title"}


@pytest.mark.parametrize("params", [{"$search": "mail"}, {"$fitler": "x"}, {"$count": "yes"}])
def test_unknown_or_bad_query_options_are_bad_request(
    graph: httpx.Client, params: dict[str, str]
) -> None:
    response = graph.get(ISSUES, params=params)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "BadRequest"


def test_any_page_size_walks_every_item_exactly_once() -> None:
    """Property: for any collection and page size, following nextLinks yields every item once."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    with Sandbox() as sandbox, httpx.Client(timeout=10) as client:
        client.headers["Authorization"] = f"Bearer sandbox-{TENANT_A}"

        @settings(max_examples=15, deadline=None)
        @given(count=st.integers(0, 24), size=st.integers(1, 9), via_top=st.booleans())
        def walk_all(count: int, size: int, via_top: bool) -> None:
            issues = [{"id": f"EX{n:04d}", "service": "Exchange Online"} for n in range(count)]
            sandbox.set_snapshot({"tenants": {TENANT_A: {"issues": issues}}})
            params = {"$top": str(size)} if via_top else {}
            headers = {} if via_top else {"Prefer": f"odata.maxpagesize={size}"}
            client.headers.update(headers)
            first = client.get(sandbox.base_url + ISSUES, params=params)
            items, pages = walk(client, first)
            client.headers.pop("Prefer", None)
            assert items == issues
            assert pages == max(1, -(-count // size))

        walk_all()
