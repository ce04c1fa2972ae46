"""The committed notebooks are exactly what scripts/build_notebooks.py writes: clean, no outputs."""

from __future__ import annotations

import importlib.util
from types import ModuleType

import nbformat
import pytest

from ek_fixtures import REPO

NOTEBOOKS = ["01_triage.ipynb", "02_escalation_trends.ipynb", "03_multi_tenant_incident.ipynb"]


@pytest.fixture(scope="module")
def builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_notebooks", REPO / "scripts" / "build_notebooks.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_committed_notebook_is_clean(name: str) -> None:
    notebook = nbformat.read(REPO / "notebooks" / name, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code
    assert all(cell.outputs == [] and cell.execution_count is None for cell in code)


def cell_sources(notebook: nbformat.NotebookNode) -> list[tuple[str, str]]:
    """What the build script decides: each cell's type and source (JupyterLab may add metadata
    such as the Python version when it saves; that is not a difference)."""
    return [(cell.cell_type, cell.source) for cell in notebook.cells]


def test_committed_notebooks_are_what_the_build_script_writes(builder: ModuleType) -> None:
    built = builder.build()
    assert sorted(built) == NOTEBOOKS
    for name, notebook in built.items():
        committed = nbformat.read(REPO / "notebooks" / name, as_version=4)
        assert cell_sources(committed) == cell_sources(notebook), f"rebuild {name}"


def test_notebooks_import_no_private_library_names(builder: ModuleType) -> None:
    for notebook in builder.build().values():
        for cell in notebook.cells:
            for line in cell.source.splitlines():
                if line.startswith(("from escalation_kit", "import escalation_kit")):
                    assert " _" not in line and "._" not in line, line
