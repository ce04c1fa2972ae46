"""One pack per language: everything escalation-kit knows about a language, in one YAML file.

A pack (``<code>.yaml`` in this folder, ``code`` an ISO 639-1 code) holds the language's name,
its script(s) as code-point ranges, the stop words that tell it from the other languages of its
script, the words of "40 users are affected", the customer notice sentences, and its phrases for
the triage rules, evidence features and symptom concepts. The triage files
(``triage/rules.yaml``, ``evidence.yaml``, ``symptoms.yaml``) keep the language-neutral part
(names, categories, weights, labels, error-code patterns) and get their phrases from here.

Adding a language is adding one pack file; the set of languages is the set of files. A pack that
misses a section or has a malformed one is a :class:`~escalation_kit.errors.ConfigError` naming
the file and the key.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from escalation_kit.datafiles import read_yaml
from escalation_kit.errors import ConfigError

__all__ = [
    "PACKS_DIR",
    "PHRASE_SECTIONS",
    "UNDETERMINED",
    "LanguagePack",
    "LanguageRegistry",
    "Script",
    "alternation",
    "load_languages",
    "with_pack_entries",
    "with_pack_phrases",
]

PACKS_DIR = Path(__file__).parent
#: The language of a text whose script no pack claims, or whose stop words none recognises
#: (Cyrillic that is not Russian). Downstream it is written to like English.
UNDETERMINED = "und"
#: The sections of a pack that hold phrases for the items of a triage file.
PHRASE_SECTIONS = ("rules", "evidence", "symptoms")
_REQUIRED = ("code", "name", "scripts", "stopwords", "users_words", "error_words", *PHRASE_SECTIONS)
_OPTIONAL = ("alphabet", "notice", "package")
_PACKAGE_KEYS = ("error_cues", "sites", "tried")
_SITES_KEYS = ("all", "of", "names")
_SCRIPT_KEYS = {"ranges", "spaced", "weight", "fallback"}
_RANGE = re.compile(r"^([0-9A-Fa-f]{4,6})-([0-9A-Fa-f]{4,6})$")
_CODE = re.compile(r"^[a-z]{2,3}$")


@dataclass(frozen=True, slots=True)
class Script:
    """A writing system: its code points, whether it puts spaces between words, and how many
    Latin letters one of its letters is worth when guessing a text's script."""

    name: str
    ranges: tuple[tuple[int, int], ...]
    spaced: bool = True
    weight: int = 1

    def char_class(self) -> str:
        """An RE2 character class of the script's letters (explicit ranges: no ``\\pL``)."""
        return "[" + "".join(_re2_range(a, b) for a, b in self.ranges) + "]"


@dataclass(frozen=True, slots=True)
class LanguagePack:
    """One language's pack, as loaded from ``source``."""

    code: str
    name: str
    source: str
    scripts: tuple[Script, ...]
    fallback_for: tuple[str, ...]  # names of the scripts this language is the default of
    alphabet: str
    stopwords: tuple[str, ...]
    users_words: tuple[str, ...]
    error_words: tuple[str, ...]
    notice: Mapping[str, str] | None
    package: Mapping[str, Any]  # error_cues, sites {all, of, names}, tried (may be empty)
    phrases: Mapping[str, Mapping[str, Mapping[str, Any]]]  # section -> item -> its entry

    @property
    def spaced(self) -> bool:
        """Whether the language puts spaces between words (phrases then match at word starts)."""
        return all(script.spaced for script in self.scripts)

    def foreign_letters(self) -> str | None:
        """An RE2 class of the letters of its scripts outside its alphabet (None: no alphabet)."""
        if not self.alphabet:
            return None
        own = {ord(ch) for ch in self.alphabet.lower() + self.alphabet.upper()}
        points = [p for s in self.scripts for a, b in s.ranges for p in range(a, b + 1)]
        others = _runs(p for p in points if p not in own)
        return "[" + "".join(_re2_range(a, b) for a, b in others) + "]"


@dataclass(frozen=True, slots=True)
class LanguageRegistry:
    """The loaded packs, English first (the fallback of Latin text), then by code."""

    packs: tuple[LanguagePack, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(pack.code for pack in self.packs)

    def __iter__(self) -> Iterator[LanguagePack]:
        return iter(self.packs)

    def __contains__(self, code: object) -> bool:
        return code in self.codes

    def __getitem__(self, code: str) -> LanguagePack:
        for pack in self.packs:
            if pack.code == code:
                return pack
        raise KeyError(code)

    def name(self, code: str) -> str:
        """The English name of a language code ("undetermined" for :data:`UNDETERMINED`)."""
        return self[code].name if code in self else "undetermined"

    @property
    def scripts(self) -> tuple[Script, ...]:
        """Every script of the packs, once, in pack order."""
        found: dict[str, Script] = {}
        for pack in self.packs:
            for script in pack.scripts:
                found.setdefault(script.name, script)
        return tuple(found.values())

    def word_ranges(self) -> str:
        """RE2 class body of the letters that make words in spaced scripts (for boundaries)."""
        return "".join(_re2_range(a, b) for s in self.scripts if s.spaced for a, b in s.ranges)

    def users_words(self, any_ending: str) -> str:
        """One alternation of every pack's "N users" words (see :func:`alternation`)."""
        return alternation((w for pack in self.packs for w in pack.users_words), any_ending)

    def error_words(self, any_ending: str) -> str:
        """One alternation of every pack's words before an error number ("Fehler 500")."""
        return alternation((w for pack in self.packs for w in pack.error_words), any_ending)

    def expand(self, pattern: str, any_ending: str, fold: Callable[[str], str] = str) -> str:
        """A shared pattern with ``{users}`` and ``{errors}`` replaced by every pack's words
        (each passed through ``fold``): the words stay in the packs, the pattern in one file."""
        for key, words in (("{users}", "users_words"), ("{errors}", "error_words")):
            if key in pattern:
                listed = (fold(w) for pack in self.packs for w in getattr(pack, words))
                pattern = pattern.replace(key, alternation(listed, any_ending))
        return pattern

    def package_words(self, key: str, sub: str = "") -> tuple[str, ...]:
        """Every pack's ``package.<key>`` (or ``package.sites.<sub>``) entries, in pack order."""
        found: dict[str, None] = {}
        for pack in self.packs:
            entry = pack.package.get(key, {} if sub else ())
            found.update(dict.fromkeys(entry.get(sub, ()) if sub else entry))
        return tuple(found)

    def phrases(
        self,
        section: str,
        fields: tuple[str, ...],
        known: Collection[str],
        where: str,
        *,
        strict: bool = True,
    ) -> dict[str, dict[str, dict[str, list[str]]]]:
        """``item -> field -> language -> strings`` of one of :data:`PHRASE_SECTIONS`.

        ``fields`` are the lists an entry may hold (an entry that is a bare list is the first);
        ``known`` the items of the triage file ``where``: a pack entry for another item is a
        ConfigError naming the pack (a misspelt rule name would lose its phrases silently), or,
        when not ``strict`` (a customised copy of a triage file may drop items), left out.
        """
        table: dict[str, dict[str, dict[str, list[str]]]] = {}
        for pack in self.packs:
            for item, entry in pack.phrases[section].items():
                at = f"{pack.source}: {section}.{item}"
                if item not in known:
                    if not strict:
                        continue
                    raise ConfigError(f"{at}: {where} has no {item!r}")
                lists = {fields[0]: entry} if isinstance(entry, list) else entry
                if not isinstance(lists, Mapping) or set(map(str, lists)) - set(fields):
                    raise ConfigError(f"{at}: expected a list or a mapping of {', '.join(fields)}")
                for field, strings in lists.items():
                    if not isinstance(strings, list) or not all(
                        isinstance(e, str) and e.strip() for e in strings
                    ):
                        raise ConfigError(f"{at}.{field}: expected a list of non-empty strings")
                    table.setdefault(item, {}).setdefault(str(field), {})[pack.code] = strings
        return table


def alternation(words: Iterable[str], any_ending: str) -> str:
    """One regex alternation of literal words, longest first (so "users" wins over "user"); a
    trailing ``*`` becomes ``any_ending`` (``\\S*`` for RE2, ``\\w*`` for Python's re)."""
    ordered = sorted(set(words), key=lambda w: (-len(w), w))
    if not ordered:
        return r"(?:[^\s\S])"  # no words: matches nothing (in RE2 and in Python)
    parts = [re.escape(w.rstrip("*")) + (any_ending if w.endswith("*") else "") for w in ordered]
    return "(?:" + "|".join(parts) + ")"


def with_pack_phrases(inline: Any, from_packs: Mapping[str, list[str]] | None, where: str) -> Any:
    """A triage file's language -> phrases mapping with the packs' languages added before its
    own (language-neutral ``any``) entries; a language given in both is a ConfigError."""
    if not from_packs:
        return inline
    if inline is None:
        return dict(from_packs)
    if not isinstance(inline, Mapping):
        return inline  # the triage file's own validation names the problem
    twice = sorted(set(map(str, inline)) & set(from_packs))
    if twice:
        raise ConfigError(
            f"{where}: phrases for {', '.join(twice)} are in the language pack(s); "
            "with 'language_packs: true' the file adds only language-neutral ('any') entries"
        )
    return {**from_packs, **inline}


def with_pack_entries(
    item: Mapping[Any, Any], found: Mapping[str, Mapping[str, list[str]]], where: str
) -> dict[Any, Any]:
    """A triage file's item with its fields (phrases, patterns...) completed from the packs."""
    merged = dict(item)
    for field, from_packs in found.items():
        merged[field] = with_pack_phrases(item.get(field), from_packs, where)
    return merged


def load_languages(directory: str | Path | None = None) -> LanguageRegistry:
    """The packs of ``directory`` (the bundled ones, read once, when None)."""
    return _bundled() if directory is None else _load(Path(directory))


@functools.cache
def _bundled() -> LanguageRegistry:
    return _load(PACKS_DIR)


def _load(directory: Path) -> LanguageRegistry:
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise ConfigError(f"{directory}: no language packs (<code>.yaml files)")
    packs = sorted((_pack(path) for path in files), key=lambda p: (p.code != "en", p.code))
    seen: dict[str, tuple[Script, str]] = {}
    for pack in packs:
        for script in pack.scripts:
            first = seen.setdefault(script.name, (script, pack.source))
            if first[0] != script:
                raise ConfigError(
                    f"{pack.source}: scripts.{script.name} differs from {first[1]}: "
                    "a script has the same ranges, spacing and weight in every pack"
                )
    return LanguageRegistry(tuple(packs))


def _pack(path: Path) -> LanguagePack:
    data = read_yaml(path, "language pack")
    if not isinstance(data, Mapping):
        raise ConfigError(f"{path}: a language pack is a mapping of {', '.join(_REQUIRED)}")
    missing = [key for key in _REQUIRED if key not in data]
    if missing:
        raise ConfigError(f"{path}: missing key(s) {', '.join(missing)}")
    unknown = sorted(set(map(str, data)) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) {', '.join(unknown)}")
    code = data["code"]
    if code != path.stem or not isinstance(code, str) or not _CODE.match(code):
        raise ConfigError(f"{path}: code must be the file's name, an ISO 639 code, got {code!r}")
    name = data["name"]
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"{path}: name must be a non-empty string")
    scripts, fallback = _scripts(data["scripts"], path)
    alphabet = data.get("alphabet") or ""
    if not isinstance(alphabet, str):
        raise ConfigError(f"{path}: alphabet must be a string of letters")
    notice = data.get("notice")
    if notice is not None and not (
        isinstance(notice, Mapping) and all(isinstance(v, str) for v in notice.values())
    ):
        raise ConfigError(f"{path}: notice must be a mapping of sentence name to text")
    phrases = {}
    for section in PHRASE_SECTIONS:
        value = data[section]
        if not isinstance(value, Mapping):
            raise ConfigError(f"{path}: {section} must be a mapping (may be empty: {{}})")
        phrases[section] = {str(k): v for k, v in value.items()}
    return LanguagePack(
        code=code,
        name=name.strip(),
        source=str(path),
        scripts=scripts,
        fallback_for=fallback,
        alphabet=alphabet,
        stopwords=_words(data["stopwords"], path, "stopwords"),
        users_words=_words(data["users_words"], path, "users_words"),
        error_words=_words(data["error_words"], path, "error_words"),
        notice=None if notice is None else {str(k): v for k, v in notice.items()},
        package=_package(data.get("package") or {}, path),
        phrases=phrases,
    )


def _words(value: Any, path: Path, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(w, str) and w.strip() for w in value):
        raise ConfigError(f"{path}: {key} must be a list of words (may be empty: [])")
    return tuple(w.strip() for w in value)


def _package(value: Any, path: Path) -> dict[str, Any]:
    if not isinstance(value, Mapping) or set(map(str, value)) - set(_PACKAGE_KEYS):
        raise ConfigError(f"{path}: package must be a mapping of {', '.join(_PACKAGE_KEYS)}")
    package: dict[str, Any] = {}
    for key, entry in value.items():
        if key == "sites":
            if not isinstance(entry, Mapping) or set(map(str, entry)) - set(_SITES_KEYS):
                raise ConfigError(
                    f"{path}: package.sites must map {', '.join(_SITES_KEYS)} to words"
                )
            package[key] = {k: _words(v, path, f"package.sites.{k}") for k, v in entry.items()}
        else:
            package[str(key)] = _words(entry, path, f"package.{key}")
    for pattern in package.get("tried", ()):
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ConfigError(f"{path}: package.tried: {pattern!r} is not a regex: {exc}") from None
    return package


def _scripts(value: Any, path: Path) -> tuple[tuple[Script, ...], tuple[str, ...]]:
    if not isinstance(value, Mapping) or not value:
        raise ConfigError(f"{path}: scripts must map a script name to its ranges")
    scripts, fallback = [], []
    for name, spec in value.items():
        where = f"{path}: scripts.{name}"
        if not isinstance(spec, Mapping) or not isinstance(spec.get("ranges"), list):
            raise ConfigError(f"{where}: expected a mapping with 'ranges' (a list of XXXX-YYYY)")
        unknown = sorted(set(map(str, spec)) - _SCRIPT_KEYS)
        if unknown:
            raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}")
        ranges = tuple(_range(r, where) for r in spec["ranges"])
        spaced, weight = spec.get("spaced", True), spec.get("weight", 1)
        if not isinstance(spaced, bool) or not isinstance(spec.get("fallback", False), bool):
            raise ConfigError(f"{where}: spaced and fallback must be true or false")
        if isinstance(weight, bool) or not isinstance(weight, int) or weight < 1:
            raise ConfigError(f"{where}: weight must be a whole number of at least 1")
        scripts.append(Script(str(name), ranges, spaced, weight))
        if spec.get("fallback", False):
            fallback.append(str(name))
    return tuple(scripts), tuple(fallback)


def _range(value: Any, where: str) -> tuple[int, int]:
    found = _RANGE.match(str(value))
    if not found or int(found.group(1), 16) > int(found.group(2), 16):
        raise ConfigError(f"{where}: range {value!r} is not FIRST-LAST in hex (e.g. 0400-04FF)")
    return int(found.group(1), 16), int(found.group(2), 16)


def _re2_range(first: int, last: int) -> str:
    return rf"\x{{{first:04X}}}" + ("" if first == last else rf"-\x{{{last:04X}}}")


def _runs(points: Iterable[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for point in sorted(set(points)):
        if runs and runs[-1][1] == point - 1:
            runs[-1] = (runs[-1][0], point)
        else:
            runs.append((point, point))
    return runs
