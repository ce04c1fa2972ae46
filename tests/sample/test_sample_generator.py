"""The sample generator: byte-identical output, the CLI and ``python -m`` entry points."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ek_fixtures import SAMPLE_DATA
from escalation_kit.cli import app
from escalation_kit.sample import generate_sample
from escalation_kit.sample.__main__ import main
from escalation_kit.sample.generate import SAMPLE_FILES


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample")
    summary = generate_sample(out)
    assert summary.tickets == 600 and summary.customers == 60 and summary.history >= 20_000
    assert [p.name for p in summary.files] == list(SAMPLE_FILES)
    return out


@pytest.mark.parametrize("name", SAMPLE_FILES)
def test_generator_reproduces_the_committed_file(regenerated: Path, name: str) -> None:
    assert (regenerated / name).read_bytes() == (SAMPLE_DATA / name).read_bytes()


def test_cli_writes_another_seed(tmp_path: Path, regenerated: Path) -> None:
    result = CliRunner().invoke(app, ["sample", "--out", str(tmp_path), "--seed", "7", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "600 tickets" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(SAMPLE_FILES)
    other = (tmp_path / "tickets.csv").read_bytes()
    assert other != (regenerated / "tickets.csv").read_bytes()
    assert other.startswith(b"ticket_id,tenant_id,customer_name,country,service,title,")


def test_cli_reports_an_unwritable_directory(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = CliRunner().invoke(app, ["sample", "--out", str(blocker / "out"), "--quiet"])
    assert result.exit_code == 1
    assert "error:" in result.output and "cannot write the sample data" in result.output
    assert "Traceback" not in result.output


def test_module_entry_point(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--out", str(tmp_path), "--seed", "3", "--quiet"]) == 0
    assert "wrote 6 files" in capsys.readouterr().out
    blocker = tmp_path / "customers.csv"
    assert main(["--out", str(blocker), "--quiet"]) == 1
    assert "error:" in capsys.readouterr().err
