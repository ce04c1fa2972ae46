"""The escalation commands end to end: escalate, edit-package, track, note, close-loop."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from esc_helpers import write_inputs
from typer.testing import CliRunner

from escalation_kit.cli import app
from escalation_kit.models import Ticket, TriageDecision
from escalation_kit.sandbox import Sandbox
from escalation_kit.sandbox.partner_center import (
    file_service_request,
    list_all_service_requests,
    microsoft_update,
)

COMMANDS = (
    "escalate",
    "edit-package",
    "escalations",
    "link",
    "track",
    "note",
    "close",
    "close-loop",
)


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ESCALATION_KIT_DB", f"sqlite:///{tmp_path / 'ledger.db'}")
    monkeypatch.setenv("ESCALATION_KIT_CONTACT_NAME", "Ana Partner")
    monkeypatch.setenv("ESCALATION_KIT_CONTACT_EMAIL", "ana@partner.example")
    return tmp_path


def run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), input=input)
    return result.exit_code, result.stdout, result.stderr


def read_index(folder: Path) -> list[dict[str, str]]:
    with (folder / "index.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command: str) -> None:
    code, out, _ = run(command, "--help")
    assert code == 0 and "Example: escalation-kit " + command in " ".join(out.split())


def test_escalate_twice_writes_the_same_packages(
    env: Path, cluster_case: tuple[list[TriageDecision], dict[str, Ticket]]
) -> None:
    triage, tickets = write_inputs(env, *cluster_case)
    code, out, err = run(
        "escalate", str(triage), "--tickets", str(tickets), "--out-dir", str(env / "a")
    )
    assert code == 0, err
    assert "2 package(s)" in out and "2 new draft(s)" in out
    first = read_index(env / "a")
    code, out, _ = run(
        "escalate", str(triage), "--tickets", str(tickets), "--out-dir", str(env / "b")
    )
    assert code == 0 and "0 new draft(s)" in out
    second = read_index(env / "b")
    ignore = {"created"}
    assert [{k: v for k, v in r.items() if k not in ignore} for r in first] == [
        {k: v for k, v in r.items() if k not in ignore} for r in second
    ]
    cluster = next(r for r in first if r["category"] == "regional_multi_tenant")
    assert cluster["ticket_ids"] == "T-1;T-2;T-3" and cluster["severity"] == "critical"
    assert cluster["tracking_tag"] in cluster["title"]
    for row in first:
        a = (env / "a" / row["folder"] / "package.txt").read_text(encoding="utf-8")
        assert a == (env / "b" / row["folder"] / "package.txt").read_text(encoding="utf-8")
        assert "Ana Partner, ana@partner.example" in a


def test_bad_triage_output_is_a_clean_error(env: Path, cluster_case) -> None:  # type: ignore[no-untyped-def]
    triage, tickets = write_inputs(env, *cluster_case)
    triage.write_text(triage.read_text().replace("service_unavailable", "outage"))
    code, _, err = run("escalate", str(triage), "--tickets", str(tickets), "--out-dir", str(env))
    assert code == 1
    assert "error: file" in err and "row 5" in err and "'category'" in err
    assert "Traceback" not in err


def test_edit_package_json(env: Path, cluster_case) -> None:  # type: ignore[no-untyped-def]
    triage, tickets = write_inputs(env, *cluster_case)
    run("escalate", str(triage), "--tickets", str(tickets), "--out-dir", str(env / "out"))
    row = next(r for r in read_index(env / "out") if r["category"] == "regional_multi_tenant")
    path = env / "out" / row["folder"] / "package.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["title"] = "Mail flow broken for three customers"
    data["severity"] = "minimal"
    path.write_text(json.dumps(data), encoding="utf-8")
    code, out, err = run("edit-package", str(path))
    assert code == 0, err
    assert "edited severity, title" in out
    text = (path.parent / "package.txt").read_text(encoding="utf-8")
    assert f"{row['tracking_tag']} Mail flow broken for three customers" in text
    assert "Severity: minimal" in text
    data["tickets"] = data["tickets"][:1]
    path.write_text(json.dumps(data), encoding="utf-8")
    code, _, err = run("edit-package", str(path))
    assert code == 1 and "tickets cannot be edited" in err
    run("escalate", str(triage), "--tickets", str(tickets), "--out-dir", str(env / "again"))
    again = {r["package_id"]: r for r in read_index(env / "again")}
    assert again[row["package_id"]]["title"].endswith("Mail flow broken for three customers")


def test_track_note_and_close_loop_from_the_command_line(
    env: Path, sandbox: Sandbox, cluster_case: tuple[list[TriageDecision], dict[str, Ticket]]
) -> None:
    triage, tickets = write_inputs(env, *cluster_case)
    run("escalate", str(triage), "--tickets", str(tickets), "--out-dir", str(env / "out"))
    rows = read_index(env / "out")
    url = sandbox.base_url
    srs = {
        row["package_id"]: file_service_request(
            url, customer_tenant_id=row["tenant_ids"].split(";")[0], title=row["title"]
        )["id"]
        for row in rows
    }
    code, out, err = run("track", "--sandbox", url, "--no-progress")
    assert code == 0, err
    assert "linked 2, synced 2" in out
    eid = rows[0]["package_id"]
    code, out, _ = run("note", eid, "Traces attached", "--sandbox", url, input="n\n")
    assert code == 1 and "nothing sent" in out
    code, out, err = run("note", eid, "Traces attached", "--sandbox", url, input="y\n")
    assert code == 0, err
    assert "sent to Microsoft: 1" in out
    microsoft_update(url, srs[eid], status="closed", note="Fixed on our side.")
    run("track", "--sandbox", url, "--no-progress")
    code, out, err = run("close-loop", "--out-dir", str(env / "notices"))
    assert code == 0, err
    drafted = [line.split()[-1] for line in out.splitlines() if line.startswith("drafted notice")]
    assert len(drafted) == len(rows[0]["ticket_ids"].split(";"))
    assert (env / "notices" / f"{drafted[0]}.html").exists()
    args = [a for n in drafted for a in ("--confirm-sent", n)]
    code, out, err = run("close-loop", *args)
    assert code == 0, err
    assert f"{eid}: every customer notified" in out and "waiting" in out
    code, out, err = run("close-loop", "--sandbox", url, "--yes")
    assert code == 0, err
    assert "sent to Microsoft: 1" in out
    (sr,) = [s for s in list_all_service_requests(url) if s["id"] == srs[eid]]
    assert [n["text"].split(":")[0] for n in sr["notes"]] == [
        "Traces attached",
        "Fixed on our side.",
        rows[0]["tracking_tag"],
    ]
    code, out, _ = run("escalations", "--status", "closed")
    assert code == 0 and eid in out and "1 escalation(s)" in out


def test_close_command_and_invalid_transition(env: Path, sandbox: Sandbox, cluster_case) -> None:  # type: ignore[no-untyped-def]
    triage, tickets = write_inputs(env, *cluster_case)
    run("escalate", str(triage), "--tickets", str(tickets), "--out-dir", str(env / "out"))
    row = read_index(env / "out")[0]
    code, _, err = run(
        "close", row["package_id"], "--note", "done", "--sandbox", sandbox.base_url, "--yes"
    )
    assert code == 1 and "is draft; only a filed, open one can be closed" in err
    sr = file_service_request(
        sandbox.base_url, customer_tenant_id=row["tenant_ids"].split(";")[0], title="no tag"
    )
    code, out, err = run("link", row["package_id"], sr["id"], "--sandbox", sandbox.base_url)
    assert code == 0, err
    code, out, err = run(
        "close",
        row["package_id"],
        "--note",
        "Customer confirms the fix",
        "--sandbox",
        sandbox.base_url,
        "--yes",
    )
    assert code == 0, err
    assert list_all_service_requests(sandbox.base_url)[0]["status"] == "closed"
    code, out, _ = run("escalations", "--status", "closed")
    assert row["package_id"] in out


def test_link_checks_the_request_exists_and_prompts_default_to_no(
    env: Path, sandbox: Sandbox, cluster_case
) -> None:  # type: ignore[no-untyped-def]
    triage, tickets = write_inputs(env, *cluster_case)
    run("escalate", str(triage), "--tickets", str(tickets), "--out-dir", str(env / "out"))
    eid = read_index(env / "out")[0]["package_id"]
    code, _, err = run("link", eid, "999999999999999", "--sandbox", sandbox.base_url)
    assert code == 1 and "HTTP 404" in err and "was not found" in err
    code, out, _ = run("escalations", "--status", "draft")
    assert eid in out  # still a draft: nothing was linked
    code, out, _ = run("note", eid, "hello", "--sandbox", sandbox.base_url)  # no answer at all
    assert code == 1 and "nothing sent" in out
