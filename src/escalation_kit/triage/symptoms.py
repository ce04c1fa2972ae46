"""Symptom concepts: a multilingual lexicon that says what a text is about, as a bitmask.

Known-issue matching needs to see that "не приходят письма" and "Mailflow - delayed delivery" are
about the same thing; comparing concept sets does that across languages, where fuzzy string
similarity only works within one. Each concept is one RE2 pass over a whole column, and a text's
concepts are bits of an ``uint64`` so that comparing 100,000 tickets with 2,000 issues is a
bitwise AND.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from escalation_kit.datafiles import DataFile, mapping_in, read_yaml, uses_language_packs
from escalation_kit.errors import ConfigError
from escalation_kit.languages import load_languages, with_pack_phrases
from escalation_kit.textfold import fold, fold_column
from escalation_kit.triage.language import LANGUAGES, spaced
from escalation_kit.triage.text import (
    check_pattern,
    contains_all,
    literal_pattern,
    phrase_pattern,
)

__all__ = ["DEFAULT_SYMPTOMS_PATH", "SymptomLexicon", "load_symptoms"]

DEFAULT_SYMPTOMS_PATH = Path(__file__).with_name("symptoms.yaml")
_MAX_CONCEPTS = 63


#: Concepts that say the service itself is unusable rather than one feature misbehaving: one
#: outage reaches customers as "cannot get in", "cannot sign in", "the mailbox will not open",
#: "very slow" or "cannot connect". Clusters treat them as one family, and a documented outage
#: that says so explains a ticket whatever feature its title names.
UNUSABLE_CONCEPTS = ("service_access", "sign_in", "mailbox_access", "performance", "connectivity")
#: Concepts that name one symptom: for a mailbox service, not getting into the mailbox is not
#: getting into the service. Matching treats a text naming one as naming all of them.
SAME_SYMPTOM = ("service_access", "mailbox_access")
#: Concepts that name no feature ("it does not work", "down"): a title saying only this states no
#: symptom of its own for matching to compare.
GENERIC_SYMPTOM = ("service_access",)


@dataclass(frozen=True, slots=True)
class SymptomLexicon:
    """Concept names (bit order) and one RE2 pattern per concept, all languages together."""

    names: tuple[str, ...]
    patterns: tuple[str, ...]

    def masks(self, text: pa.Array | pa.ChunkedArray) -> np.ndarray:
        """The concept bitmask of each text (``uint64``; bit i is ``names[i]``)."""
        hits = contains_all(fold_column(text), self.patterns).astype(np.uint64)
        weights = np.uint64(1) << np.arange(len(self.patterns), dtype=np.uint64)
        return (hits * weights).sum(axis=1, dtype=np.uint64)

    def bits(self, names: tuple[str, ...]) -> np.uint64:
        """The mask of the named concepts (names the lexicon lacks are left out)."""
        return np.uint64(sum(1 << self.names.index(name) for name in names if name in self.names))

    def describe(self, mask: int) -> list[str]:
        """Concept names set in ``mask``."""
        return [name for bit, name in enumerate(self.names) if mask >> bit & 1]


def load_symptoms(path: str | Path | None = None) -> SymptomLexicon:
    """Read and validate a symptoms file (the bundled one, cached, when ``path`` is None)."""
    return _SYMPTOMS_FILE.load(path)


def _read(source: Path) -> SymptomLexicon:
    document = read_yaml(source, "symptoms file")
    concepts = mapping_in(document, source, "concepts", "of name to phrases")
    if uses_language_packs(document):
        strict = source == DEFAULT_SYMPTOMS_PATH
        table = load_languages().phrases(
            "symptoms", ("phrases",), list(map(str, concepts)), str(source), strict=strict
        )
        concepts = {
            name: with_pack_phrases(
                by_language, table.get(str(name), {}).get("phrases"), f"{source}: {name!r}"
            )
            for name, by_language in concepts.items()
        }
    if len(concepts) > _MAX_CONCEPTS:
        raise ConfigError(f"{source}: at most {_MAX_CONCEPTS} concepts are supported")
    names, patterns = [], []
    for name, by_language in concepts.items():
        names.append(str(name))
        patterns.append(_concept_pattern(by_language, f"{source}: concept {name!r}"))
    return SymptomLexicon(tuple(names), tuple(patterns))


def _concept_pattern(by_language: Any, where: str) -> str:
    if not isinstance(by_language, Mapping) or not by_language:
        raise ConfigError(f"{where}: expected a mapping of language to a list of phrases")
    phrases: list[str] = []
    bare: list[str] = []
    for language, entries in by_language.items():
        if language not in (*LANGUAGES, "any"):
            raise ConfigError(f"{where}: unknown language {language!r}")
        if not isinstance(entries, list) or not all(isinstance(e, str) and e for e in entries):
            raise ConfigError(f"{where}.{language}: expected a list of non-empty strings")
        (phrases if spaced(language) else bare).extend(fold(e) for e in entries)
    parts = ([phrase_pattern(phrases)] if phrases else []) + (
        [literal_pattern(bare)] if bare else []
    )
    pattern = "|".join(parts)
    error = check_pattern(pattern)
    if error:
        raise ConfigError(f"{where}: invalid phrase: {error}")
    return pattern


_SYMPTOMS_FILE = DataFile(DEFAULT_SYMPTOMS_PATH, _read)
