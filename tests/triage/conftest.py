"""Fixtures for the triage tests (row builders live in ``triage_rows``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest


@pytest.fixture
def batch() -> Callable[..., pd.DataFrame]:
    """``batch(row(...), row(...))`` → a raw tickets frame of strings, as a file would give."""

    def build(*rows: dict[str, Any]) -> pd.DataFrame:
        return pd.DataFrame(list(rows)).astype(str)

    return build
