"""What every command shares: turning the toolkit's errors into clean CLI errors."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import typer

from escalation_kit.errors import EscalationKitError
from escalation_kit.redaction import redact

P = ParamSpec("P")
R = TypeVar("R")


def cli_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Report an ``EscalationKitError`` as ``error: ...`` on stderr (secrets masked), exit 1,
    no traceback."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except EscalationKitError as exc:
            typer.echo(f"error: {redact(str(exc))}", err=True)
            raise typer.Exit(1) from None

    return wrapper
