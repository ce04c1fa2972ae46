"""The sample generator's data files (YAML beside this module), read through importlib.resources."""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml


def load_yaml(name: str) -> Any:
    """The parsed content of the packaged data file ``name``."""
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    return yaml.safe_load(text)
