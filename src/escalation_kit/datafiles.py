"""Editable data files (rules, evidence, symptoms): one YAML reader whose errors name the file,
and the bundled file of each format parsed once."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Generic, TypeVar

import yaml

from escalation_kit.errors import ConfigError

__all__ = ["DataFile", "mapping_in", "read_mapping", "read_yaml", "uses_language_packs"]

T = TypeVar("T")
# libyaml's safe loader when PyYAML was built with it (10x faster on the phrase files).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(source: Path, what: str) -> Any:
    """The parsed content of ``source``; ConfigError naming ``what`` and the file otherwise."""
    try:
        return yaml.load(source.read_text(encoding="utf-8"), Loader=_LOADER)
    except OSError as exc:
        raise ConfigError(f"cannot read {what} {source}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{what} {source} is not valid YAML: {exc}") from exc


def read_mapping(source: Path, what: str, key: str, of: str) -> Mapping[Any, Any]:
    """The non-empty mapping under ``key`` in the file (``of`` says what it maps)."""
    return mapping_in(read_yaml(source, what), source, key, of)


def mapping_in(document: Any, source: Path, key: str, of: str) -> Mapping[Any, Any]:
    """The non-empty mapping under ``key`` in a parsed file (``of`` says what it maps)."""
    found = document.get(key) if isinstance(document, Mapping) else None
    if not isinstance(found, Mapping) or not found:
        raise ConfigError(f"{source}: expected a mapping {key!r} {of}")
    return found


class DataFile(Generic[T]):
    """A data file format: ``load(path)`` parses that file, ``load()`` the bundled one, once."""

    def __init__(self, bundled: Path, parse: Callable[[Path], T]) -> None:
        self.bundled = bundled
        self.parse = parse
        self._bundled = functools.cache(lambda: parse(bundled))

    def load(self, path: str | Path | None = None) -> T:
        return self._bundled() if path is None else self.parse(Path(path))


def uses_language_packs(document: Any) -> bool:
    """Whether a triage data file takes its per-language phrases from the language packs."""
    return isinstance(document, Mapping) and document.get("language_packs", False) is True
