"""What every command shares: turning the toolkit's errors into clean CLI errors, and making
outside text safe to print on a terminal."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import typer

from escalation_kit.errors import EscalationKitError
from escalation_kit.redaction import redact

# Escape sequences (CSI, OSC with its BEL or ST end, other two-byte ESC sequences), then any
# control character left (C0 but tab and line feed, DEL, C1) and the bidirectional overrides
# that reorder what a reader sees. Each alternative is linear: no nested repetition.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[ -/]*[0-~]?"
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"
)

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
            echo(f"error: {redact(str(exc))}", err=True)
            raise typer.Exit(1) from None

    return wrapper


def echo(message: object, *, err: bool = False) -> None:
    """Print a line of the command's output, made inert for the terminal (:func:`terminal_text`):
    every command prints through this, since customer and Microsoft text can be anywhere in it."""
    typer.echo(terminal_text(str(message)), err=err)


def terminal_text(text: str) -> str:
    """Customer or Microsoft text made inert on a terminal: escape sequences and control
    characters removed (a title cannot retitle the window, move the cursor or hide a line)."""
    return _ESCAPES.sub("", text)
