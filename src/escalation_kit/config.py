"""Settings: arguments first, then ``ESCALATION_KIT_*`` environment variables, then defaults.

Nothing is read at import time; call :meth:`Settings.from_env` where a command starts.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from escalation_kit.errors import ConfigError

__all__ = ["Settings", "default_data_dir", "default_db_url"]

ENV_PREFIX = "ESCALATION_KIT_"
DEFAULT_GRAPH_URL = "https://graph.microsoft.com"
DEFAULT_PARTNER_CENTER_URL = "https://api.partnercenter.microsoft.com"
DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com"
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_RETRIES = 5
DEFAULT_CONCURRENCY = 64
DEFAULT_LOCALE = "en-US"


def default_data_dir() -> Path:
    """Where the ledger lives unless told otherwise (``$XDG_DATA_HOME/escalation-kit``)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "escalation-kit"


def default_db_url() -> str:
    """The SQLite ledger in :func:`default_data_dir`, resolved when asked (not at import)."""
    return "sqlite:///" + str(default_data_dir() / "ledger.db")


@dataclass(frozen=True, slots=True)
class Settings:
    """Every setting of the toolkit. Secrets are held here, never logged (see ``__repr__``)."""

    db: str = ""  # ESCALATION_KIT_DB: SQLAlchemy URL of the ledger
    graph_url: str = DEFAULT_GRAPH_URL  # ESCALATION_KIT_GRAPH_URL
    partner_center_url: str = DEFAULT_PARTNER_CENTER_URL  # ESCALATION_KIT_PARTNER_CENTER_URL
    authority_host: str = DEFAULT_AUTHORITY_HOST  # ESCALATION_KIT_AUTHORITY_HOST
    client_id: str = ""  # ESCALATION_KIT_CLIENT_ID: the partner's multi-tenant app
    client_secret: str = ""  # ESCALATION_KIT_CLIENT_SECRET
    certificate_path: str = ""  # ESCALATION_KIT_CERTIFICATE_PATH (PEM with private key)
    certificate_thumbprint: str = ""  # ESCALATION_KIT_CERTIFICATE_THUMBPRINT
    partner_tenant_id: str = ""  # ESCALATION_KIT_PARTNER_TENANT_ID
    token_cache: str = ""  # ESCALATION_KIT_TOKEN_CACHE: msal cache file
    timeout: float = DEFAULT_TIMEOUT  # ESCALATION_KIT_TIMEOUT (seconds)
    max_retries: int = DEFAULT_MAX_RETRIES  # ESCALATION_KIT_MAX_RETRIES
    concurrency: int = DEFAULT_CONCURRENCY  # ESCALATION_KIT_CONCURRENCY
    locale: str = DEFAULT_LOCALE  # ESCALATION_KIT_LOCALE
    analyst: str = ""  # ESCALATION_KIT_ANALYST: who is recorded in the event log
    contact_name: str = ""  # ESCALATION_KIT_CONTACT_NAME: partner contact on filed requests
    contact_email: str = ""  # ESCALATION_KIT_CONTACT_EMAIL
    contact_phone: str = ""  # ESCALATION_KIT_CONTACT_PHONE

    def __repr__(self) -> str:
        shown = {
            f.name: (
                "***"
                if f.name == "client_secret" and getattr(self, f.name)
                else getattr(self, f.name)
            )
            for f in fields(self)
        }
        return "Settings(" + ", ".join(f"{k}={v!r}" for k, v in shown.items()) + ")"

    @property
    def db_url(self) -> str:
        return self.db or default_db_url()

    @property
    def analyst_name(self) -> str:
        return self.analyst or os.environ.get("USER") or "analyst"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Build settings from ``ESCALATION_KIT_*`` variables, then apply non-None overrides."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(ENV_PREFIX + f.name.upper())
            if raw is None or raw == "":
                continue
            values[f.name] = _coerce(f.name, raw, type(getattr(cls(), f.name)))
        settings = cls(**values)
        given = {k: v for k, v in overrides.items() if v is not None}
        unknown = set(given) - {f.name for f in fields(cls)}
        if unknown:
            raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        return replace(settings, **given)


def _coerce(name: str, raw: str, kind: type) -> Any:
    if kind is str:
        return raw
    try:
        value = kind(raw)
    except ValueError as exc:
        raise ConfigError(
            f"{ENV_PREFIX}{name.upper()}={raw!r} is not a valid {kind.__name__}"
        ) from exc
    if value <= 0:
        raise ConfigError(f"{ENV_PREFIX}{name.upper()} must be positive, got {raw!r}")
    return value
