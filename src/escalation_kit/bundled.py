"""Data sets shipped inside the package, found through ``importlib.resources``.

The labeled sets live in ``escalation_kit/datasets/<name>/`` so that an installed wheel carries them
and ``escalation-kit evaluate`` works anywhere; ``data/<name>`` in the repository links there.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from escalation_kit.errors import InputError


def dataset_dir(name: str) -> Path:
    """The folder of the bundled data set ``name`` (``eval``, ``corpus``), or an InputError."""
    folder = Path(str(files("escalation_kit") / "datasets" / name))
    if not folder.is_dir():
        raise InputError(f"no bundled data set {name!r} in this installation ({folder})")
    return folder
