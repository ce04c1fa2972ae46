"""The health package's public names: all resolve, and importing it stays light."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import escalation_kit.health as health


def test_every_public_name_resolves() -> None:
    assert health.__all__ == sorted(health.__all__)
    for name in health.__all__:
        assert getattr(health, name) is not None, name
        assert name in dir(health)
    with pytest.raises(AttributeError):
        _ = health.no_such_name  # type: ignore[attr-defined]


def test_importing_health_does_not_load_httpx() -> None:
    code = (
        "import sys, json, escalation_kit.health as h; h.load_snapshot; "
        "print(json.dumps([m for m in ('httpx', 'msal', 'sqlalchemy') if m in sys.modules]))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert json.loads(out.stdout) == []
