"""The one exception family of escalation-kit.

Every error the toolkit raises derives from :class:`EscalationKitError`, so callers catch one
family and never a library's internals (httpx and SQLAlchemy errors are translated where they
enter, with ``raise ... from exc``)::

    EscalationKitError
    ├── ConfigError                 a setting or environment variable is missing or invalid
    ├── InputError                  a user file is unreadable or invalid (file, row, field)
    │   └── MissingColumnsError     required columns are absent
    ├── AuthError                   sign-in failed or a token could not be obtained
    ├── ApiError                    an HTTP call to Microsoft (or the emulator) failed
    │   ├── HealthLookupError       Microsoft Graph service communications
    │   └── PartnerCenterError      Partner Center service requests
    │       (``ApiError.throttled``: a 429 outlived every retry, on either API)
    ├── LedgerError                 the ledger could not be read or written
    │   ├── DuplicateEscalation     a second request for a problem that already has one
    │   └── InvalidTransition       a state change the lifecycle does not allow
    └── TriageError                 triage could not run on the given inputs

Exceptions carry their context as attributes and do no work in their constructors. Messages
never contain tokens or secrets.
"""

from __future__ import annotations

__all__ = [
    "ApiError",
    "AuthError",
    "ConfigError",
    "DuplicateEscalation",
    "EscalationKitError",
    "HealthLookupError",
    "HealthNotChecked",
    "InputError",
    "InvalidTransition",
    "LedgerError",
    "MissingColumnsError",
    "PartnerCenterError",
    "TriageError",
]


class EscalationKitError(Exception):
    """Root of every error escalation-kit raises."""


class ConfigError(EscalationKitError):
    """A setting or ``ESCALATION_KIT_*`` variable is missing or invalid."""


class InputError(EscalationKitError):
    """A user-supplied file or value is invalid; names the file, row and field where known."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        field: str | None = None,
    ) -> None:
        self.file = file
        self.row = row
        self.field = field
        self.reason = message
        where = ", ".join(
            part
            for part in (
                f"file {file}" if file else "",
                f"row {row}" if row is not None else "",
                f"field {field!r}" if field else "",
            )
            if part
        )
        super().__init__(f"{where}: {message}" if where else message)


class MissingColumnsError(InputError):
    """Required columns are absent from an input file."""


class AuthError(EscalationKitError):
    """Sign-in failed or a token could not be obtained (the message never holds a secret)."""


class ApiError(EscalationKitError):
    """An HTTP call failed after the retries allowed for it."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        url: str | None = None,
    ) -> None:
        self.status_code = status_code
        self.code = code
        self.request_id = request_id
        self.url = url
        super().__init__(message)

    @property
    def throttled(self) -> bool:
        """The service kept answering 429 after every retry was spent."""
        return self.status_code == 429


class HealthLookupError(ApiError):
    """Microsoft Graph service communications could not be read."""


class PartnerCenterError(ApiError):
    """A Partner Center service-request call failed."""


class LedgerError(EscalationKitError):
    """The ledger could not be read or written."""


class DuplicateEscalation(LedgerError):
    """The problem already has a support request or draft; link to it instead."""


class InvalidTransition(LedgerError):
    """A state change that the escalation lifecycle does not allow."""


class TriageError(EscalationKitError):
    """Triage could not run on the given inputs."""


class HealthNotChecked(EscalationKitError):
    """Escalation refused: service health was not checked for some tickets (health first)."""
