"""JupyterLab settings for this repository (`make lab` puts this folder on JUPYTER_CONFIG_PATH).

Notebooks under notebooks/ are saved without outputs or execution counts, exactly as
scripts/build_notebooks.py writes them: saving one in JupyterLab never makes `make test` fail.
"""

from __future__ import annotations

from typing import Any


def strip_outputs(model: dict[str, Any], path: str, **_kwargs: Any) -> None:
    """Jupyter's pre-save hook: drop the outputs of the product notebooks before writing."""
    if model.get("type") != "notebook" or model.get("content") is None:
        return
    if not path.lstrip("/").startswith("notebooks/"):
        return
    for cell in model["content"].get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        cell.get("metadata", {}).pop("execution", None)


c = get_config()  # type: ignore[name-defined]  # noqa: F821 - provided by Jupyter
c.FileContentsManager.pre_save_hook = strip_outputs
