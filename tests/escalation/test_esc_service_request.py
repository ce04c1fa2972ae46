"""ServiceRequest parsing against Microsoft's own documentation samples and their quirks."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from ek_fixtures import SAMPLES
from escalation_kit.errors import PartnerCenterError
from escalation_kit.escalation.service_request import (
    SrStatus,
    parse_service_request,
    parse_time,
)
from escalation_kit.models import Severity


def sample(name: str) -> dict:
    return json.loads((SAMPLES / name).read_text(encoding="utf-8"))


def test_every_service_request_sample_parses() -> None:
    names = sorted(p.name for p in SAMPLES.glob("pc-*servicerequest*.json"))
    assert len(names) >= 5
    for name in names:
        body = sample(name)
        items = body.get("items", [body])
        if name.endswith("-request.json"):
            body = {**body, "Id": "616122292874576"}  # requests carry Id null
            items = [body]
        for item in items:
            assert parse_service_request(item).id.isdigit(), name


def test_get_sample_values() -> None:
    sr = parse_service_request(sample("pc-get-servicerequest-response.json"))
    assert sr.id == "616122292874576"
    assert sr.status is SrStatus.OPEN
    assert sr.severity is Severity.CRITICAL
    assert sr.organization_id == "3b33e682-00c3-41ee-9dd2-a548adf56438"
    assert sr.created == datetime(2016, 12, 22, 20, 31, 17, 240000, tzinfo=UTC)
    assert sr.last_closed is None  # 0001-01-01T00:00:00 means "not set"
    assert [(n.text, n.created_by) for n in sr.notes] == [("Sample Note", "Account")]
    # a note time without an offset is UTC
    assert sr.notes[0].created == datetime(2017, 1, 9, 23, 31, 15, 373000, tzinfo=UTC)


def test_list_sample_has_integer_enums() -> None:
    (item,) = sample("pc-list-customer-servicerequests-response.json")["items"]
    sr = parse_service_request(item)
    assert (sr.severity, sr.status) == (Severity.UNKNOWN, SrStatus.OPEN)
    assert sr.created == datetime(2015, 11, 24, 1, 7, 0, 863000, tzinfo=UTC)


def test_pascal_case_request_body_parses() -> None:
    body = {**sample("pc-create-servicerequest-request.json"), "Id": "1"}
    sr = parse_service_request(body)
    assert (sr.title, sr.severity, sr.status) == ("TrialSR", Severity.CRITICAL, SrStatus.NONE)
    assert sr.created is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (3, SrStatus.ATTENTION_NEEDED),
        ("3", SrStatus.ATTENTION_NEEDED),
        ("attention_needed", SrStatus.ATTENTION_NEEDED),
        ("AttentionNeeded", SrStatus.ATTENTION_NEEDED),
        ("Closed", SrStatus.CLOSED),
        (2, SrStatus.CLOSED),
        ("something new", SrStatus.NONE),
        (9, SrStatus.NONE),
        (None, SrStatus.NONE),
    ],
)
def test_status_from_int_or_any_string(raw: object, expected: SrStatus) -> None:
    assert parse_service_request({"id": "1", "status": raw}).status is expected


def test_unparseable_time_and_missing_id() -> None:
    assert parse_time("not a date") is None
    assert parse_time("2025-03-06T09:12:44.1") == datetime(
        2025, 3, 6, 9, 12, 44, 100000, tzinfo=UTC
    )
    with pytest.raises(PartnerCenterError, match="without an id"):
        parse_service_request({"title": "x"})
    with pytest.raises(PartnerCenterError, match="expected a ServiceRequest object"):
        parse_service_request(["not", "an", "object"])
