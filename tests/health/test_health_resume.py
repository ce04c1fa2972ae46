"""`health sync --resume` after a SIGKILL finishes the interrupted run with current data only.

Reproduces issue 11 items 1-2: sync, switch the emulator's data, start a new sync, SIGKILL it
part-way, resume. The snapshot must equal the emulator's *current* data for every tenant,
overviews included, never the previous run's.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from escalation_kit.cli import app
from escalation_kit.health.synthetic import synthetic_snapshot, synthetic_tenant_ids
from escalation_kit.sandbox import Faults, Sandbox

TENANTS = 24


def _customers(path: Path, tenants: list[str]) -> Path:
    lines = ["tenant_id,name,country", *(f"{t},Customer {n},DE" for n, t in enumerate(tenants))]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _without_tenant_times(tenants: dict[str, Any]) -> dict[str, Any]:
    return {t: {k: v for k, v in e.items() if k != "fetched_at"} for t, e in tenants.items()}


@pytest.mark.parametrize("keep_out", [True, False], ids=["previous-out-file", "no-out-file"])
def test_resume_after_sigkill_writes_exactly_the_current_data(
    tmp_path: Path, monkeypatch: Any, keep_out: bool
) -> None:
    """With the previous file, the old code copied its stale entries (item 1); without it, it
    wrote the skipped tenants with ``healthOverviews: []`` (item 2)."""
    tenants = synthetic_tenant_ids(TENANTS, seed=11)
    old = synthetic_snapshot(tenants, issues_per_tenant=3, seed=1)
    new = synthetic_snapshot(tenants, issues_per_tenant=4, seed=2)
    for number, entry in enumerate(new["tenants"].values()):  # the overviews change too
        entry["healthOverviews"][number % 6]["status"] = "ServiceDegradation"
    db = tmp_path / "ledger.db"
    env = {
        **os.environ,
        "ESCALATION_KIT_DB": f"sqlite:///{db}",
        "ESCALATION_KIT_MAX_RETRIES": "1",
        "PYTHONPATH": os.pathsep.join(sys.path),
    }
    for name in ("ESCALATION_KIT_DB", "ESCALATION_KIT_MAX_RETRIES"):
        monkeypatch.setenv(name, env[name])
    customers = _customers(tmp_path / "customers.csv", tenants)
    out = tmp_path / "health.json"
    with Sandbox(old) as sandbox:
        args = ["health", "sync", "--customers", str(customers), "--sandbox", sandbox.base_url,
                "--out", str(out), "--no-progress"]  # fmt: skip
        first = CliRunner().invoke(app, args)
        assert first.exit_code == 0, first.output

        response = httpx.post(f"{sandbox.base_url}/_sandbox/snapshot", json=new)
        assert response.status_code == 200
        sandbox.set_faults(Faults(latency_ms=100))
        command = [sys.executable, "-c", "from escalation_kit.cli import main; main()", *args,
                   "--concurrency", "2"]  # fmt: skip
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            deadline = time.monotonic() + 60
            sandbox.clear_requests()
            while len(sandbox.requests) < TENANTS and time.monotonic() < deadline:
                assert process.poll() is None, "the sync ended before it could be killed"
                time.sleep(0.02)
            os.kill(process.pid, signal.SIGKILL)
        finally:
            process.wait(timeout=10)
        assert len(sandbox.requests) < 2 * TENANTS  # killed part-way

        sandbox.set_faults(Faults())
        if not keep_out:
            out.unlink()
        resumed = CliRunner().invoke(app, [*args, "--resume"])
    assert resumed.exit_code == 0, resumed.output
    written = json.loads(out.read_text(encoding="utf-8"))
    assert all(len(entry["healthOverviews"]) == 6 for entry in written["tenants"].values())
    assert _without_tenant_times(written["tenants"]) == new["tenants"]
    skipped = re.search(
        rf"{TENANTS} ok \((\d+) skipped as already synced\), 0 failed", resumed.stdout
    )
    assert skipped is not None, resumed.stdout
    assert 0 < int(skipped.group(1)) < TENANTS  # the killed run's tenants are not fetched again
    # tenants fetched before and after the kill carry their own times; the top is the oldest
    stamps = {e.get("fetched_at", written["fetched_at"]) for e in written["tenants"].values()}
    assert len(stamps) == 2 and min(stamps) == written["fetched_at"]
