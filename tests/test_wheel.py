"""The repository stands alone: a built wheel, installed outside the repository, runs the CLI.

The wheel goes into a fresh virtual environment whose only other entry on ``sys.path`` is the test
environment's site-packages (for the dependencies, without their ``.pth`` files, so the editable
install of this repository is not seen). Every command runs in an empty folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from ek_fixtures import REPO

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin folder of a fresh venv holding the wheel built from this checkout."""
    root = tmp_path_factory.mktemp("wheel")
    dist = root / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(dist),
            str(REPO),
        ],
        check=True,
        capture_output=True,
    )
    wheel = next(dist.glob("escalation_kit-*.whl"))
    env_dir = root / "venv"
    venv.create(env_dir, with_pip=False)
    purelib = Path(sysconfig.get_paths()["purelib"])
    site = next((env_dir / "lib").glob("python3*/site-packages"))
    (site / "deps.pth").write_text(f"{purelib}\n", encoding="utf-8")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(env_dir / "bin" / "python"),
            "install",
            "--no-deps",
            "-q",
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    return env_dir / "bin"


def _run(bin_dir: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """A program of the fresh venv, in ``cwd``, seeing nothing of this checkout."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["ESCALATION_KIT_DB"] = f"sqlite:///{cwd / 'ledger.db'}"
    return subprocess.run(
        [str(bin_dir / args[0]), *args[1:]],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )


def test_the_wheel_runs_outside_the_repository(installed: Path, tmp_path: Path) -> None:
    where = _run(installed, tmp_path, "escalation-kit", "--help")
    assert where.returncode == 0, where.stderr
    code = "import escalation_kit; print(escalation_kit.__file__)"
    origin = _run(installed, tmp_path, "python", "-c", code).stdout
    assert str(REPO) not in origin and "site-packages" in origin

    sample = _run(installed, tmp_path, "escalation-kit", "sample", "--out", "sample")
    assert sample.returncode == 0, sample.stderr
    assert (tmp_path / "sample" / "tickets.csv").is_file()

    triage = _run(
        installed,
        tmp_path,
        "escalation-kit",
        "triage",
        "sample/tickets.csv",
        "--customers",
        "sample/customers.csv",
        "--health",
        "sample/health.json",
        "--out",
        "triage.csv",
    )
    assert triage.returncode == 0, triage.stderr
    rows = (tmp_path / "triage.csv").read_text(encoding="utf-8").splitlines()
    tickets = (tmp_path / "sample" / "tickets.csv").read_text(encoding="utf-8")
    assert rows[0].startswith("ticket_id,category,escalate")
    assert len(rows) > 100 and tickets.count("\n") >= len(rows) - 1

    evaluate = _run(installed, tmp_path, "escalation-kit", "evaluate", "--json")
    assert evaluate.returncode == 0, evaluate.stderr
    assert '"macro_f1"' in evaluate.stdout
