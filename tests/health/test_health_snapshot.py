"""The health snapshot file: load, validate, round trip, build from API bodies."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ek_fixtures import SAMPLES
from escalation_kit.errors import InputError
from escalation_kit.health.snapshot import HealthSnapshot, load_snapshot, snapshot_from_responses

T1 = "11111111-1111-1111-1111-111111111111"
T2 = "22222222-2222-2222-2222-222222222222"


def sample(name: str) -> dict[str, Any]:
    return json.loads((SAMPLES / name).read_text(encoding="utf-8"))


def document() -> dict[str, Any]:
    issues = sample("graph-list-issues.json")["value"]
    overviews = sample("graph-list-healthoverviews-expand-issues.json")["value"]
    return {
        "fetched_at": "2026-11-21T00:00:00.1234567Z",
        "note": "extra keys survive",
        "tenants": {
            T1: {"healthOverviews": overviews, "issues": issues},
            T2: {"healthOverviews": [], "issues": [], "custom": 1},
        },
    }


def test_round_trip_is_lossless(tmp_path: Path) -> None:
    source = tmp_path / "in.json"
    source.write_text(json.dumps(document()), encoding="utf-8")
    snapshot = load_snapshot(source)
    out = snapshot.save(tmp_path / "sub" / "out.json")
    again = json.loads(out.read_text(encoding="utf-8"))
    assert json.dumps(again, sort_keys=True) == json.dumps(document(), sort_keys=True)
    assert load_snapshot(out).to_json() == snapshot.to_json()


def test_accessors() -> None:
    snapshot = HealthSnapshot.from_json(document())
    assert snapshot.tenants == [T1, T2]
    assert snapshot.fetched_at == datetime(2026, 11, 21, 0, 0, 0, 123456, tzinfo=UTC)
    # top-level issues plus those expanded inside the overviews, each once
    assert [i.id for i in snapshot.issues_for(T1)] == ["EX226792", "EX226574"]
    assert all(i.tenant_id == T1 for i in snapshot.issues_for(T1))
    assert snapshot.issues_for(T2) == []
    assert snapshot.issues_for("not-there") == []
    assert {k: len(v) for k, v in snapshot.issues_by_tenant().items()} == {T1: 2, T2: 0}
    assert [o.id for o in snapshot.overviews_for(T1)] == ["Exchange"]
    assert T1 in snapshot and "x" not in snapshot
    assert "tenants=2" in repr(snapshot)


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d.pop("tenants"), "tenants"),
        (lambda d: d.update(fetched_at=5), "fetched_at"),
        (lambda d: d.update(fetched_at="soon"), "fetched_at"),
        (lambda d: d["tenants"].update({T2: []}), f"tenants.{T2}"),
        (lambda d: d["tenants"][T1].update(issues={}), f"tenants.{T1}.issues"),
        (lambda d: d["tenants"][T1]["issues"][0].pop("id"), f"tenants.{T1}.issues[0].id"),
        (
            lambda d: d["tenants"][T1]["issues"][0].update(startDateTime="x"),
            f"tenants.{T1}.issues[0].startDateTime",
        ),
        (
            lambda d: d["tenants"][T1]["healthOverviews"][0]["issues"][0].update(isResolved=1),
            f"tenants.{T1}.healthOverviews[0].issues[0].isResolved",
        ),
    ],
)
def test_bad_structure_names_file_and_json_path(tmp_path: Path, mutate: Any, field: str) -> None:
    doc = document()
    mutate(doc)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_snapshot(path)
    assert info.value.file == str(path)
    assert info.value.field == field


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        load_snapshot(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text('{"fetched_at": "2026-01-01T00:00:00Z", "tenants": {', encoding="utf-8")
    with pytest.raises(InputError, match=r"not valid JSON \(line 1"):
        load_snapshot(broken)
    not_object = tmp_path / "list.json"
    not_object.write_text("[]", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_snapshot(not_object)
    assert info.value.field == "$"


def test_snapshot_from_every_real_graph_body() -> None:
    bodies = [
        sample(name)
        for name in (
            "graph-list-issues.json",
            "graph-get-issue.json",
            "graph-list-healthoverviews.json",
            "graph-get-servicehealth.json",
            "graph-get-servicehealth-expand-issues.json",
            "graph-list-healthoverviews-expand-issues.json",
            "graph-list-messages.json",
        )
    ]
    snapshot = snapshot_from_responses({T1: bodies}, fetched_at="2026-11-21T00:00:00Z")
    raw = snapshot.to_json()["tenants"][T1]
    assert [i["id"] for i in raw["issues"]] == ["EX226792", "MO226784"]
    assert "@odata.context" not in raw["issues"][1]
    assert [o["id"] for o in raw["healthOverviews"]] == [
        "Exchange",
        "OrgLiveID",
        "OSDPPlatform",
        "OSDPPlatform",
        "OSDPPlatform",
        "Exchange",
    ]
    assert sorted(i.id for i in snapshot.issues_for(T1)) == [
        "EX226574",
        "EX226792",
        "MO226574",
        "MO226784",
    ]


def test_merged_replaces_tenants_and_keeps_newest_time() -> None:
    old = HealthSnapshot({T1: {"issues": [{"id": "A"}]}}, fetched_at="2026-01-01T00:00:00Z")
    new = HealthSnapshot({T1: {"issues": [{"id": "B"}]}, T2: {}}, fetched_at="2026-01-02T00:00:00Z")
    merged = old.merged(new)
    assert [i.id for i in merged.issues_for(T1)] == ["B"]
    assert merged.tenants == [T1, T2]
    assert merged.to_json()["fetched_at"] == "2026-01-02T00:00:00Z"
