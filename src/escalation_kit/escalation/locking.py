"""An exclusive lock on an output folder, so concurrent runs never interleave their files.

The lock is an OS file lock on ``<folder>/.escalation-kit.lock`` (``fcntl`` on POSIX,
``msvcrt`` on Windows), released when the block ends or the process dies.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from escalation_kit.errors import InputError

__all__ = ["LOCK_NAME", "folder_lock"]

LOCK_NAME = ".escalation-kit.lock"


@contextmanager
def folder_lock(folder: Path, *, what: str = "the files") -> Iterator[None]:
    """Hold the folder's lock for the block (waits for another process holding it).

    ``what`` names what is being written, for the error when the folder cannot be made.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise InputError(f"cannot write {what}: {exc.strerror or exc}", file=str(folder)) from exc
    try:
        _lock(handle)
        yield
    finally:
        os.close(handle)  # closing releases the lock


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _lock(handle: int) -> None:
        os.lseek(handle, 0, os.SEEK_SET)
        msvcrt.locking(handle, msvcrt.LK_LOCK, 1)  # retries for ~10 s, then raises
else:
    import fcntl

    def _lock(handle: int) -> None:
        fcntl.flock(handle, fcntl.LOCK_EX)
