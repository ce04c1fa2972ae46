"""Named evidence in a ticket's words: who is affected, what works, what was tried, whose side.

The features are defined in ``evidence.yaml`` (editable, validated on load), one RE2 pass per
feature over the whole text column, like the content rules. Negation and scope are part of the
definitions: ``negated_by`` phrases cancel a feature in the same ticket ("we did not change
anything" cancels "our firewall"), and ``unless`` lets a stronger feature cancel a weaker one
("not a single user can" is the whole tenant, so it cancels "one user").

Besides the phrase features, :func:`compute_evidence` adds facts from the ticket's fields: the
users count, how many distinct services the ticket names (several means the Microsoft 365
suite), and the error codes it quotes. :meth:`Evidence.describe` is what the analyst reads.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from escalation_kit.datafiles import DataFile, mapping_in, read_yaml, uses_language_packs
from escalation_kit.errors import ConfigError
from escalation_kit.languages import load_languages, with_pack_entries
from escalation_kit.textfold import fold, fold_column
from escalation_kit.triage.language import LANGUAGES, spaced
from escalation_kit.triage.text import (
    check_pattern,
    contains_all,
    literal_pattern,
    phrase_pattern,
)

__all__ = [
    "DEFAULT_EVIDENCE_PATH",
    "DERIVED_FEATURES",
    "Evidence",
    "EvidenceFeature",
    "EvidenceSet",
    "compute_evidence",
    "load_evidence",
]

DEFAULT_EVIDENCE_PATH = Path(__file__).with_name("evidence.yaml")
_LANGUAGE_KEYS = (*LANGUAGES, "any")
_PACK_FIELDS = ("phrases", "patterns", "negated_by")
_KEYS = {"label", "group", "phrases", "patterns", "negated_by", "unless"}
_GROUPS = ("who", "works", "tried", "customer_side", "microsoft_side", "services", "symptom")
_ERROR_CODE = (
    r"(?P<a>aadsts\s?-?[0-9]{4,6}|0x8[0-9a-f]{7})"
    r"|(?:^|[^0-9.])(?P<b>[45]\.[0-9]\.[0-9]{1,3})(?:$|[^0-9.])"
    r"|(?P<c>(?:http|{errors})\D{0,10}5[0-9][0-9])"
)

#: Features computed from the ticket's fields rather than phrases: (name, label, group).
DERIVED_FEATURES: tuple[tuple[str, str, str], ...] = (
    ("users_one", "who is affected: 1 user (users field)", "who"),
    ("users_few", "who is affected: 2-9 users (users field or text)", "who"),
    ("users_many", "who is affected: 10-99 users (users field or text)", "who"),
    ("users_most", "who is affected: 100 or more users (users field or text)", "who"),
    ("users_unknown", "who is affected: not stated", "who"),
    ("services_several", "several services named: the Microsoft 365 suite", "services"),
    ("no_description", "the ticket has no description", "symptom"),
)


@dataclass(frozen=True, slots=True)
class EvidenceFeature:
    """One phrase feature: its name, the analyst's label, its group and its RE2 patterns."""

    name: str
    label: str
    group: str
    pattern: str
    negation: str | None = None
    unless: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class EvidenceSet:
    """The loaded evidence definitions, in file order."""

    features: tuple[EvidenceFeature, ...]
    source: str = ""

    @property
    def negatable(self) -> tuple[EvidenceFeature, ...]:
        return tuple(f for f in self.features if f.negation)

    @property
    def names(self) -> tuple[str, ...]:
        return (
            tuple(f.name for f in self.features)
            + tuple(f"{f.name}_ruled_out" for f in self.negatable)
            + tuple(d[0] for d in DERIVED_FEATURES)
        )

    @property
    def labels(self) -> tuple[str, ...]:
        return (
            tuple(f.label for f in self.features)
            + tuple(f"ruled out by the customer: {f.label}" for f in self.negatable)
            + tuple(d[1] for d in DERIVED_FEATURES)
        )


@dataclass(frozen=True, slots=True)
class Evidence:
    """Per-ticket evidence: a boolean matrix (tickets x :attr:`names`) and the quoted codes."""

    names: tuple[str, ...]
    labels: tuple[str, ...]
    matrix: np.ndarray
    codes: np.ndarray  # object array: the first error code quoted, "" when none

    def column(self, name: str) -> np.ndarray:
        return self.matrix[:, self.names.index(name)]

    def describe(self, rows: np.ndarray | None = None) -> np.ndarray:
        """One readable line per ticket: the labels of the evidence found, "; "-separated.

        Computed once per distinct combination of evidence (tickets repeat them a lot).
        """
        picked = self.matrix if rows is None else self.matrix[rows]
        codes = self.codes if rows is None else self.codes[rows]
        labels = np.array(self.labels, dtype=object)
        who = np.array([g == "who" for g in _groups_of(self.names)])
        unknown = np.array([name == "users_unknown" for name in self.names])
        if not len(picked):
            return np.empty(0, dtype=object)
        first, inverse = _distinct_rows(picked)
        texts = []
        for flags in picked[first]:
            if (flags & who & ~unknown).any():
                flags = flags & ~unknown
            texts.append("; ".join(str(label) for label in labels[flags]))
        lines = np.array(texts, dtype=object)[inverse.reshape(-1)]
        with_code = codes != ""
        if with_code.any():
            lines[with_code] = [
                (f"{line}; " if line else "") + f"error code quoted: {code}"
                for line, code in zip(lines[with_code], codes[with_code], strict=True)
            ]
        return lines

    def missing(self, rows: np.ndarray | None = None) -> np.ndarray:
        """What an analyst would still ask for, per ticket (scope, what was tried, symptom)."""
        picked = self.matrix if rows is None else self.matrix[rows]
        groups = np.array(_groups_of(self.names), dtype=object)
        counts = np.array([name != "users_unknown" for name in self.names])
        asks = {
            "who": "who is affected (one user, several, the whole tenant)",
            "tried": "what was already tried or checked",
            "symptom": "what exactly fails (down, error, limit, slowness)",
        }
        if not len(picked):
            return np.empty(0, dtype=object)
        first, inverse = _distinct_rows(picked)
        texts = []
        for flags in picked[first]:
            present = set(groups[flags & counts])
            texts.append(", ".join(text for group, text in asks.items() if group not in present))
        return np.array(texts, dtype=object)[inverse.reshape(-1)]


def _distinct_rows(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(index of one row per distinct boolean row, each row's distinct-row number)."""
    packed = np.packbits(matrix, axis=1)
    width = packed.shape[1]
    padded = np.zeros((len(packed), -(-width // 8) * 8), dtype=np.uint8)
    padded[:, :width] = packed
    words = padded.view(np.uint64)
    keys = words[:, 0] if words.shape[1] == 1 else words
    if keys.ndim == 1:
        _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    else:
        _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    return first, inverse.reshape(-1)


def _groups_of(names: Sequence[str]) -> list[str]:
    by_name = {f.name: f.group for f in load_evidence().features}
    by_name.update({f"{f.name}_ruled_out": f.group for f in load_evidence().negatable})
    by_name.update({d[0]: d[2] for d in DERIVED_FEATURES})
    return [by_name.get(n, "") for n in names]


def load_evidence(path: str | Path | None = None) -> EvidenceSet:
    """Read and validate an evidence file (the bundled one, parsed once, when None)."""
    return _EVIDENCE_FILE.load(path)


def _read(source: Path) -> EvidenceSet:
    document = read_yaml(source, "evidence file")
    features = mapping_in(document, source, "features", "of name to definition")
    if uses_language_packs(document):
        features = _with_packs(features, source)
    parsed = tuple(_feature(str(n), d, f"{source}: feature {n!r}") for n, d in features.items())
    known = {f.name for f in parsed}
    for feature in parsed:
        unknown = set(feature.unless) - known
        if unknown:
            raise ConfigError(
                f"{source}: feature {feature.name!r}: 'unless' names unknown feature(s) "
                + ", ".join(sorted(unknown))
            )
    return EvidenceSet(parsed, str(source))


def _with_packs(features: Mapping[Any, Any], source: Path) -> dict[Any, Any]:
    """The features with each language pack's phrases, patterns and negations added."""
    strict = source == DEFAULT_EVIDENCE_PATH
    table = load_languages().phrases(
        "evidence", _PACK_FIELDS, list(map(str, features)), str(source), strict=strict
    )
    merged = {}
    for name, item in features.items():
        found = table.get(str(name))
        if found and isinstance(item, Mapping):
            where = f"{source}: feature {name!r}"
            item = with_pack_entries(item, found, where)
        merged[name] = item
    return merged


def _feature(name: str, item: Any, where: str) -> EvidenceFeature:
    if not isinstance(item, Mapping):
        raise ConfigError(f"{where}: expected a mapping")
    unknown = set(item) - _KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown field(s) {', '.join(sorted(map(str, unknown)))}")
    label, group = item.get("label"), item.get("group")
    if not isinstance(label, str) or not label.strip():
        raise ConfigError(f"{where}: field 'label' must be a non-empty string")
    if group not in _GROUPS:
        raise ConfigError(f"{where}: field 'group' must be one of {', '.join(_GROUPS)}")
    pattern = _pattern(item.get("phrases"), item.get("patterns"), where)
    if pattern is None:
        raise ConfigError(f"{where}: needs at least one phrase or pattern")
    negated = item.get("negated_by")
    negation = _pattern(negated, None, f"{where}: negated_by") if negated else None
    unless = item.get("unless") or []
    if not isinstance(unless, list) or not all(isinstance(u, str) for u in unless):
        raise ConfigError(f"{where}: field 'unless' must be a list of feature names")
    return EvidenceFeature(name, label.strip(), str(group), pattern, negation, tuple(unless))


_ESCAPE = re.compile(r"(\\.)", re.DOTALL)


def fold_pattern(pattern: str) -> str:
    """Fold a regular expression like the text it runs on, leaving its escapes alone.

    Folding ``\\S`` or ``\\D`` whole would lower-case them into ``\\s`` and ``\\d``, which mean
    the opposite; only the literal parts are folded.
    """
    return "".join(
        part if part.startswith("\\") and len(part) == 2 else fold(part)
        for part in _ESCAPE.split(pattern)
    )


def _with_words(pattern: str) -> str:
    """``{users}`` / ``{errors}`` in a pattern: the language packs' words, folded."""
    return load_languages().expand(pattern, r"\S*", fold)


def _pattern(phrases: Any, patterns: Any, where: str) -> str | None:
    parts: list[str] = []
    for value, literal in ((phrases, True), (patterns, False)):
        if value is None:
            continue
        if not isinstance(value, Mapping):
            raise ConfigError(f"{where}: expected a mapping of language to a list of strings")
        for language, entries in value.items():
            if language not in _LANGUAGE_KEYS:
                raise ConfigError(f"{where}: unknown language {language!r}")
            if not isinstance(entries, list) or not all(isinstance(e, str) and e for e in entries):
                raise ConfigError(f"{where}.{language}: expected a list of non-empty strings")
            folded = [fold(e) if literal else _with_words(fold_pattern(e)) for e in entries]
            if not literal:
                parts += [f"(?:{p})" for p in folded]
            else:
                parts.append((phrase_pattern if spaced(language) else literal_pattern)(folded))
    if not parts:
        return None
    pattern = "|".join(parts)
    error = check_pattern(pattern)
    if error:
        raise ConfigError(f"{where}: invalid pattern: {error}")
    return pattern


def compute_evidence(
    text: pa.ChunkedArray | pa.Array,
    users: np.ndarray,
    services_named: np.ndarray,
    has_description: np.ndarray,
    evidence: EvidenceSet | None = None,
) -> Evidence:
    """Evidence of every ticket: phrase features (negation and scope applied) and field facts.

    ``users`` is the users-affected count (-1 unknown), ``services_named`` how many distinct
    services the ticket names, ``has_description`` whether the description is non-empty.
    """
    evidence = evidence or load_evidence()
    folded = fold_column(text)
    features = evidence.features
    hits = contains_all(folded, [f.pattern for f in features])
    negations = [(j, f.negation) for j, f in enumerate(features) if f.negation]
    negated = contains_all(folded, [str(p) for _, p in negations])
    for k, (j, _) in enumerate(negations):
        hits[:, j] &= ~negated[:, k]
    index = {f.name: j for j, f in enumerate(features)}
    cancelled = np.zeros_like(hits)
    for j, feature in enumerate(features):
        for other in feature.unless:
            cancelled[:, j] |= hits[:, index[other]]
    hits &= ~cancelled
    derived = np.column_stack(
        [
            users == 1,
            (users >= 2) & (users < 10),
            (users >= 10) & (users < 100),
            users >= 100,
            users < 0,
            services_named >= 2,
            ~has_description,
        ]
    )
    codes = _codes(folded)
    matrix = np.hstack([hits, negated, derived])
    return Evidence(evidence.names, evidence.labels, matrix, codes)


def _codes(folded: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """The first error code each text quotes (AADSTS, 0x8..., SMTP x.y.z, HTTP 5xx), or ""."""
    found = pc.extract_regex(folded, _with_words(_ERROR_CODE))
    result = np.full(len(folded), "", dtype=object)
    for group in ("c", "b", "a"):
        values = pc.fill_null(pc.struct_field(found, group), "")
        column = np.asarray(values.to_numpy(zero_copy_only=False), dtype=object)
        result = np.where(column != "", column, result)
    return result


_EVIDENCE_FILE = DataFile(DEFAULT_EVIDENCE_PATH, _read)
