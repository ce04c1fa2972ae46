"""Helpers shared by the test suite: paths to data and the CI-aware ``require``."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# Verbatim bodies from Microsoft's documentation; SOURCES.md there names each one's origin.
SAMPLES = REPO / "tests" / "fixtures" / "microsoft"
SAMPLE_DATA = REPO / "data" / "sample"
EVAL_DATA = REPO / "data" / "eval"

# Debian's Chromium, headless, with nothing that reaches off the machine.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def require(condition: bool, why: str) -> None:
    """Skip when a component is missing, except under CI=true, where the test fails instead."""
    if condition:
        return
    if in_ci():
        pytest.fail(f"required component missing under CI: {why}")
    pytest.skip(why)


def not_local(url: str) -> bool:
    """A browser request to anywhere but this machine's test servers (the tests refuse them)."""
    return not url.startswith(("http://127.0.0.1:", "ws://127.0.0.1:", "data:", "blob:"))


def wait_for(
    check: Callable[[], bool],
    what: str,
    timeout: float = 30,
    detail: Callable[[], str] | None = None,
) -> None:
    """Poll ``check`` until it holds; fail naming ``what`` (and what the page says) otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    shown = f" (the page says: {detail()!r})" if detail is not None else ""
    pytest.fail(f"timed out waiting for {what}{shown}")
