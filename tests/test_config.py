"""Settings: arguments over ESCALATION_KIT_* variables over defaults; secrets never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from escalation_kit import ConfigError, Settings
from escalation_kit.config import DEFAULT_TIMEOUT


def test_defaults_without_environment() -> None:
    settings = Settings.from_env({})
    assert settings.timeout == DEFAULT_TIMEOUT
    assert settings.graph_url == "https://graph.microsoft.com"


def test_environment_then_arguments() -> None:
    env = {"ESCALATION_KIT_TIMEOUT": "12.5", "ESCALATION_KIT_CONCURRENCY": "4"}
    settings = Settings.from_env(env, concurrency=8, locale=None)
    assert settings.timeout == 12.5
    assert settings.concurrency == 8  # the argument wins
    assert settings.locale == "en-US"  # None means "not given"


@pytest.mark.parametrize("value", ["abc", "-1", "0"])
def test_invalid_number_names_the_variable(value: str) -> None:
    with pytest.raises(ConfigError, match="ESCALATION_KIT_MAX_RETRIES"):
        Settings.from_env({"ESCALATION_KIT_MAX_RETRIES": value})


def test_unknown_override_is_refused() -> None:
    with pytest.raises(ConfigError, match="colour"):
        Settings.from_env({}, colour="blue")


def test_repr_hides_the_client_secret() -> None:
    settings = Settings.from_env({"ESCALATION_KIT_CLIENT_SECRET": "s3cr3t-value-123"})
    assert "s3cr3t-value-123" not in repr(settings)
    assert settings.client_secret == "s3cr3t-value-123"


def test_default_ledger_follows_xdg_data_home_at_call_time(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "late"))
    assert (
        Settings.from_env({}).db_url
        == f"sqlite:///{tmp_path / 'late' / 'escalation-kit' / 'ledger.db'}"
    )
    assert Settings.from_env({"ESCALATION_KIT_DB": "sqlite://"}).db_url == "sqlite://"
