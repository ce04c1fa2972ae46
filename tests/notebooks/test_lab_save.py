"""Saving a notebook in JupyterLab (as `make lab` starts it) stores no outputs: the committed
notebooks stay what scripts/build_notebooks.py writes, and `make test` stays green."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import nbformat
from lab_server import running_lab
from nbformat.v4 import new_output

from ek_fixtures import REPO

NOTEBOOK = "notebooks/01_triage.ipynb"


def test_saving_in_lab_strips_outputs_of_the_product_notebooks(tmp_path: Path) -> None:
    (tmp_path / "notebooks").mkdir()
    shutil.copy(REPO / NOTEBOOK, tmp_path / NOTEBOOK)
    notebook = nbformat.read(tmp_path / NOTEBOOK, as_version=4)
    code = next(cell for cell in notebook.cells if cell.cell_type == "code")
    code.outputs = [new_output("stream", name="stdout", text="ran\n")]
    code.execution_count = 7
    config = {"JUPYTER_CONFIG_PATH": str(REPO / "jupyter_config")}
    with running_lab(tmp_path, env=config) as (base, token):
        for path in (NOTEBOOK, "scratch.ipynb"):
            response = httpx.put(
                f"{base}/api/contents/{path}",
                params={"token": token},
                json={"type": "notebook", "format": "json", "content": notebook},
                timeout=30,
            )
            assert response.status_code in (200, 201), response.text
    saved = nbformat.read(tmp_path / NOTEBOOK, as_version=4)
    assert all(c.outputs == [] and c.execution_count is None for c in saved.cells if "outputs" in c)
    assert [c.source for c in saved.cells] == [c.source for c in notebook.cells]
    # a notebook of your own (outside notebooks/) keeps its outputs
    scratch = nbformat.read(tmp_path / "scratch.ipynb", as_version=4)
    assert any(c.get("outputs") for c in scratch.cells)
