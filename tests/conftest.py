"""Fixtures shared by the whole suite (paths and ``require`` live in ``ek_fixtures``)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest_plugins = ["ek_fixtures.db"]


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No test sees the developer's ESCALATION_KIT_* settings; the default ledger is per test."""
    for name in list(os.environ):
        if name.startswith("ESCALATION_KIT_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    yield
