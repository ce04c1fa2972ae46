"""nbval runs these notebooks in a kernel that inherits this process's environment: give that
kernel a throwaway data folder and no ESCALATION_KIT_DB, so a test run never writes the
developer's real ledger (the notebooks' files still go to out/, which git ignores)."""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

_SCRATCH: list[str] = []


def pytest_configure(config: pytest.Config) -> None:
    scratch = tempfile.mkdtemp(prefix="escalation-kit-notebooks-")
    _SCRATCH.append(scratch)
    os.environ["XDG_DATA_HOME"] = scratch
    os.environ.pop("ESCALATION_KIT_DB", None)


def pytest_unconfigure(config: pytest.Config) -> None:
    for scratch in _SCRATCH:
        shutil.rmtree(scratch, ignore_errors=True)
