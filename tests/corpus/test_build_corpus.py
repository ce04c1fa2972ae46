"""scripts/build_corpus.py: parts merge into the final corpus files; bad parts are refused."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest

from ek_fixtures import REPO

HEADER = (
    "ticket_id,tenant_id,customer_name,country,service,title,description,reported_at,"
    "users_affected,language,category,matched_issue_id,source_id,source_url,source_title,"
    "source_date,label_reason"
)
T1 = "0a000000-0000-4000-8000-000000000001"
T2 = "0b000000-0000-4000-8000-000000000002"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_corpus", REPO / "scripts" / "build_corpus.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _write_parts(parts: Path, bug_rows: list[str]) -> None:
    parts.mkdir(parents=True)
    (parts / "corpus-outage.csv").write_text(
        HEADER
        + "\n"
        + f'OUT-0001,{T1},Acme GmbH,DE,Outlook,"Mails kommen nicht an","Seit 9 Uhr, alle",'
        "2024-11-25T09:10:00Z,,de,known_issue,EX941162,st-1,https://x/1,T,2024-11-25,MS incident\n",
        encoding="utf-8",
    )
    issue = {"id": "EX941162", "title": "Users can't send mail", "service": "Exchange Online"}
    health = {"fetched_at": "2024-11-26T00:00:00Z", "tenants": {T1: {"issues": [issue]}}}
    (parts / "corpus-outage.health.json").write_text(json.dumps(health), encoding="utf-8")
    (parts / "corpus-bug.csv").write_text(
        HEADER + "\n" + "\n".join(bug_rows) + "\n", encoding="utf-8"
    )


def test_parts_merge_into_the_corpus_files(tmp_path: Path) -> None:
    bug = (
        f"BUG-0001,{T2},Beta SL,ES,,Excel se cierra,,2024-05-01T10:00:00+02:00,3,es,bug,,"
        "gh-1,https://x/2,T2,2024-05-01,fixed in build"
    )
    _write_parts(tmp_path / "parts", [bug])
    _script().build(tmp_path / "parts", tmp_path / "out")
    tickets = pd.read_csv(tmp_path / "out" / "tickets.csv", dtype=str, keep_default_na=False)
    assert tickets.columns[-1] == "language" and tickets["ticket_id"].tolist() == [
        "BUG-0001",
        "OUT-0001",
    ]
    labels = pd.read_csv(tmp_path / "out" / "labels.csv", dtype=str, keep_default_na=False)
    assert list(labels.columns) == ["ticket_id", "category", "matched_issue_id", "source_id"]
    assert labels.set_index("ticket_id").at["OUT-0001", "matched_issue_id"] == "EX941162"
    snapshot = json.loads((tmp_path / "out" / "health.json").read_text(encoding="utf-8"))
    assert snapshot["tenants"][T2] == {"healthOverviews": [], "issues": []}
    assert snapshot["tenants"][T1]["issues"][0]["id"] == "EX941162"
    sources = pd.read_csv(tmp_path / "out" / "SOURCES.csv", dtype=str)
    assert list(sources.columns) == [
        "ticket_id",
        "source_id",
        "url",
        "title",
        "date",
        "label_reason",
    ]
    customers = pd.read_csv(tmp_path / "out" / "customers.csv", dtype=str)
    assert set(customers["tenant_id"]) == {T1, T2}


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (f"OUT-0001,{T2},B,ES,,x,,2024-05-01T10:00:00Z,,es,bug,,s,u,t,d,r", "appears twice"),
        (f"BUG-0002,{T2},B,ES,,x,,2024-05-01T10:00:00Z,,es,outage,,s,u,t,d,r", "unknown category"),
        (
            f"BUG-0003,{T2},B,ES,,x,,2024-05-01T10:00:00Z,,es,known_issue,EX941162,s,u,t,d,r",
            "not listed",
        ),
        (f"BUG-0004,{T2},B,ES,,x,,yesterday,,es,bug,,s,u,t,d,r", "reported_at"),
    ],
)
def test_bad_parts_are_refused_naming_file_row_and_field(
    tmp_path: Path, row: str, message: str
) -> None:
    _write_parts(tmp_path / "parts", [row])
    script = _script()
    with pytest.raises(script.CorpusError, match=message) as caught:
        script.build(tmp_path / "parts", tmp_path / "out")
    assert "corpus-" in str(caught.value) and "row 2" in str(caught.value)
