"""Parsing Graph service-health JSON: real samples, enum casing, dates, posts."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from ek_fixtures import SAMPLES
from escalation_kit.errors import InputError
from escalation_kit.health.parse import (
    is_active_status,
    issue_is_active,
    normalized_status,
    parse_datetime,
    parse_issue,
    parse_overview,
    post_text,
)
from escalation_kit.models import HealthIssue, HealthPost

TENANT = "5b1c9a3e-7d2f-4c61-9a8e-2f4d6b0c1e77"


def sample(name: str) -> dict[str, Any]:
    return json.loads((SAMPLES / name).read_text(encoding="utf-8"))


def test_real_list_issues_sample_parses_every_field() -> None:
    issue = parse_issue(sample("graph-list-issues.json")["value"][0], TENANT)
    assert issue.id == "EX226792"
    assert issue.tenant_id == TENANT
    assert issue.service == "Exchange Online"
    assert issue.status == "ServiceRestored"  # kept as sent
    assert issue.classification == "Incident"
    assert issue.origin == "Microsoft"
    assert issue.start == datetime(2020, 11, 13, 21, 0, tzinfo=UTC)
    assert issue.end == datetime(2020, 11, 14, 17, 15, tzinfo=UTC)
    assert issue.last_modified == datetime(2020, 11, 14, 18, 20, 24, 767000, tzinfo=UTC)
    assert issue.is_resolved is True
    assert issue.feature == "Mailflow - delayed delivery from Internet"
    assert issue.feature_group == "E-Mail timely delivery"
    assert len(issue.posts) == 1
    assert issue.posts[0].post_type == "Regular"
    assert issue.posts[0].content_type == "Html"
    assert issue.posts[0].created == datetime(2020, 11, 12, 7, 7, 38, 970000, tzinfo=UTC)
    assert issue.raw is not None and issue.raw["details"] == [
        {"name": "NotifyInApp", "value": "True"}
    ]


def test_real_get_issue_sample_parses() -> None:
    body = sample("graph-get-issue.json")
    issue = parse_issue(body, TENANT)
    assert (issue.id, issue.service, issue.classification) == (
        "MO226784",
        "Microsoft 365 suite",
        "Advisory",
    )
    assert issue.raw == body


def test_real_overview_samples_parse_with_and_without_expanded_issues() -> None:
    listed = [parse_overview(o) for o in sample("graph-list-healthoverviews.json")["value"]]
    assert [(o.id, o.service, o.status) for o in listed] == [
        ("Exchange", "Exchange Online", "ServiceOperational"),
        ("OrgLiveID", "Identity Service", "ServiceRestored"),
        ("OSDPPlatform", "Microsoft 365 suite", "ServiceOperational"),
    ]
    single = parse_overview(sample("graph-get-servicehealth.json"))
    assert (single.id, single.status, single.issues) == ("OSDPPlatform", "RestoringService", ())
    expanded = parse_overview(sample("graph-get-servicehealth-expand-issues.json"), TENANT)
    assert [i.id for i in expanded.issues] == ["MO226574"]
    assert expanded.issues[0].tenant_id == TENANT
    assert expanded.issues[0].posts[0].content_type == "Text"
    listed_expanded = sample("graph-list-healthoverviews-expand-issues.json")["value"]
    assert [i.id for i in parse_overview(listed_expanded[0], TENANT).issues] == ["EX226574"]


@pytest.mark.parametrize(
    ("sent", "canonical"),
    [
        ("ServiceRestored", "serviceRestored"),
        ("serviceRestored", "serviceRestored"),
        ("SERVICEDEGRADATION", "serviceDegradation"),
        ("PostIncidentReviewPublished", "postIncidentReviewPublished"),
        ("SomethingMicrosoftAddsLater", "somethingmicrosoftaddslater"),
        (None, ""),
        (7, "7"),
    ],
)
def test_normalized_status_is_canonical_and_never_raises(sent: object, canonical: str) -> None:
    assert normalized_status(sent) == canonical


def test_active_statuses() -> None:
    assert is_active_status("ServiceDegradation")
    assert is_active_status("investigating")
    assert is_active_status("InvestigationSuspended")
    assert not is_active_status("ServiceRestored")
    assert not is_active_status("FalsePositive")
    assert not is_active_status("ServiceOperational")
    assert not is_active_status("brandNewValue")


def test_unknown_enum_values_are_kept_as_sent() -> None:
    raw = {"id": "XX1", "status": "BrandNewStatus", "classification": "Weather", "origin": "Mars"}
    issue = parse_issue(raw, TENANT)
    assert (issue.status, issue.classification, issue.origin) == (
        "BrandNewStatus",
        "Weather",
        "Mars",
    )


def test_null_and_absent_end_mean_ongoing() -> None:
    assert parse_issue({"id": "A1", "endDateTime": None}, TENANT).end is None
    assert parse_issue({"id": "A1"}, TENANT).end is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2020-11-14T18:20:24.767Z", datetime(2020, 11, 14, 18, 20, 24, 767000, tzinfo=UTC)),
        ("2025-03-04T13:41:09.2Z", datetime(2025, 3, 4, 13, 41, 9, 200000, tzinfo=UTC)),
        ("2025-03-04T13:41:09.1234567Z", datetime(2025, 3, 4, 13, 41, 9, 123456, tzinfo=UTC)),
        ("2025-03-06T09:12:44.1", datetime(2025, 3, 6, 9, 12, 44, 100000, tzinfo=UTC)),
        ("2025-03-06T11:12:44+02:00", datetime(2025, 3, 6, 9, 12, 44, tzinfo=UTC)),
    ],
)
def test_parse_datetime_forms(text: str, expected: datetime) -> None:
    assert parse_datetime(text) == expected


def test_bad_structure_names_the_json_path() -> None:
    with pytest.raises(InputError) as info:
        parse_issue({"id": "A1", "posts": [{"createdDateTime": "yesterday"}]}, TENANT, path="x")
    assert info.value.field == "x.posts[0].createdDateTime"
    with pytest.raises(InputError) as missing:
        parse_issue({"title": "no id"}, TENANT)
    assert missing.value.field == "id"
    with pytest.raises(InputError) as wrong:
        parse_issue({"id": "A1", "isResolved": "yes"}, TENANT)
    assert wrong.value.field == "isResolved"


def test_post_text_strips_html_and_decodes_entities() -> None:
    post = HealthPost(
        created=None,
        post_type="Regular",
        content="<p>Title: Mail &amp; calendar</p><br>"
        "User impact: <b>some</b> users&nbsp;can't send.",
        content_type="Html",
    )
    assert post_text(post) == "Title: Mail & calendar\n\nUser impact: some users\xa0can't send."
    text_post = HealthPost(None, "Regular", "  a <b> literal  ", "Text")
    assert post_text(text_post) == "a <b> literal"
    assert post_text({"description": {"contentType": "html", "content": "x<br/>y"}}) == "x\ny"


def test_issue_is_active_uses_both_flag_and_status() -> None:
    def issue(status: str, resolved: bool) -> HealthIssue:
        return parse_issue({"id": "A", "status": status, "isResolved": resolved}, TENANT)

    assert issue_is_active(issue("ServiceDegradation", False))
    assert issue_is_active(issue("SomethingNew", False))
    assert not issue_is_active(issue("ServiceDegradation", True))
    assert not issue_is_active(issue("FalsePositive", False))
    assert not issue_is_active(issue("PostIncidentReviewPublished", False))
