"""Load the triage content rules from their YAML file into plain, validated objects.

The rules file (``rules.yaml`` next to this module by default) is meant to be read and edited by
analysts, so every mistake in it is reported as a :class:`~escalation_kit.errors.ConfigError`
naming the file, the rule and the field. Each rule's phrases and patterns are compiled into one
RE2 pattern per language (see :mod:`escalation_kit.triage.text`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from escalation_kit.datafiles import DataFile, read_yaml
from escalation_kit.errors import ConfigError
from escalation_kit.languages import load_languages, with_pack_entries
from escalation_kit.models import Category
from escalation_kit.triage.language import LANGUAGES
from escalation_kit.triage.text import check_pattern, phrase_pattern

__all__ = ["DEFAULT_RULES_PATH", "RULE_CATEGORIES", "Rule", "RuleRegistry", "RuleSet", "load_rules"]

DEFAULT_RULES_PATH = Path(__file__).with_name("rules.yaml")

#: Categories a single ticket's words can decide (the others need health data or other tickets).
RULE_CATEGORIES = (
    Category.SELF_SERVICE,
    Category.SERVICE_NOT_AS_DESCRIBED,
    Category.SERVICE_UNAVAILABLE,
    Category.BUG,
    Category.NETWORK_DISRUPTION,
)
_RULE_LANGUAGES = (*LANGUAGES, "any")
_PACK_FIELDS = ("phrases", "patterns")
_RULE_KEYS = {"name", "category", "weight", "phrases", "patterns", "overrides_known_issue"}


@dataclass(frozen=True, slots=True)
class Rule:
    """One content rule: its category, weight and one RE2 pattern per language."""

    name: str
    category: Category
    weight: float
    patterns: Mapping[str, str]
    overrides_known_issue: bool = False

    @property
    def pattern(self) -> str:
        """All languages at once: tickets mix languages and detection can be wrong."""
        return "|".join(f"(?:{p})" for p in self.patterns.values())


class RuleRegistry:
    """Rules by name, in file order; a second rule with the same name is refused."""

    def __init__(self, rules: Iterable[Rule] = ()) -> None:
        self._rules: dict[str, Rule] = {}
        for rule in rules:
            self.add(rule)

    def add(self, rule: Rule) -> None:
        if rule.name in self._rules:
            raise ConfigError(f"duplicate triage rule name {rule.name!r}")
        self._rules[rule.name] = rule

    def __getitem__(self, name: str) -> Rule:
        return self._rules[name]

    def __iter__(self) -> Iterator[Rule]:
        return iter(self._rules.values())

    def __len__(self) -> int:
        return len(self._rules)


@dataclass(frozen=True, slots=True)
class RuleSet:
    """The loaded rules file: the rules and the category used when none of them matches."""

    rules: tuple[Rule, ...]
    default_category: Category
    source: str = ""


def load_rules(path: str | Path | None = None) -> RuleSet:
    """Read and validate a rules file (the bundled ``rules.yaml``, parsed once, when None)."""
    return _RULES_FILE.load(path)


def _read_rules(source: Path) -> RuleSet:
    document = read_yaml(source, "triage rules file")
    return parse_rules(document, source=str(source))


def parse_rules(document: object, *, source: str = "<rules>") -> RuleSet:
    """Validate a parsed rules document (a mapping with ``version``, ``rules``).

    With ``language_packs: true`` (the bundled file) each rule's per-language phrases and
    patterns come from the language packs (:mod:`escalation_kit.languages`), by rule name.
    """
    if not isinstance(document, Mapping):
        raise ConfigError(f"{source}: expected a mapping with 'version' and 'rules'")
    if document.get("version") != 1:
        raise ConfigError(f"{source}: 'version' must be 1, got {document.get('version')!r}")
    default = _category(
        document.get("default_category", "self_service"), f"{source}: default_category"
    )
    items = document.get("rules")
    if not isinstance(items, list) or not items:
        raise ConfigError(f"{source}: 'rules' must be a non-empty list")
    if document.get("language_packs", False) is True:
        items = _with_packs(items, source)
    registry = RuleRegistry()
    for index, item in enumerate(items, start=1):
        try:
            registry.add(_parse_rule(item, f"{source}: rule {index}"))
        except ConfigError as exc:
            if "duplicate" in str(exc):
                raise ConfigError(f"{source}: rule {index}: {exc}") from None
            raise
    return RuleSet(rules=tuple(registry), default_category=default, source=source)


def _with_packs(items: list[Any], source: str) -> list[Any]:
    """The rules with each language pack's phrases and patterns for them added."""
    names = [str(item.get("name")) for item in items if isinstance(item, Mapping)]
    strict = source == str(DEFAULT_RULES_PATH)
    table = load_languages().phrases("rules", _PACK_FIELDS, names, source, strict=strict)
    merged = []
    for index, item in enumerate(items, start=1):
        found = table.get(str(item.get("name"))) if isinstance(item, Mapping) else None
        if found:
            where = f"{source}: rule {index}"
            item = with_pack_entries(item, found, where)
        merged.append(item)
    return merged


def _category(value: Any, where: str) -> Category:
    allowed = ", ".join(RULE_CATEGORIES)
    try:
        category = Category(value)
    except ValueError:
        raise ConfigError(f"{where}: unknown category {value!r} (one of {allowed})") from None
    if category not in RULE_CATEGORIES:
        raise ConfigError(f"{where}: category {value!r} cannot be decided by rules ({allowed})")
    return category


def _parse_rule(item: Any, where: str) -> Rule:
    if not isinstance(item, Mapping):
        raise ConfigError(f"{where}: expected a mapping")
    unknown = set(item) - _RULE_KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown field(s) {', '.join(sorted(map(str, unknown)))}")
    name = item.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"{where}: field 'name' must be a non-empty string")
    where = f"{where} ({name!r})"
    weight = item.get("weight")
    if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 < weight <= 10:
        raise ConfigError(f"{where}: field 'weight' must be a number in (0, 10], got {weight!r}")
    phrases = _language_lists(item.get("phrases"), f"{where}: phrases")
    regexes = _language_lists(item.get("patterns"), f"{where}: patterns")
    patterns: dict[str, str] = {}
    for language in _RULE_LANGUAGES:
        parts = [phrase_pattern(phrases[language])] if phrases.get(language) else []
        parts += [f"(?i:{_words_in(p)})" for p in regexes.get(language, [])]
        if parts:
            patterns[language] = "|".join(parts)
    if not patterns:
        raise ConfigError(f"{where}: needs at least one phrase or pattern")
    for language, pattern in patterns.items():
        error = check_pattern(pattern)
        if error:
            raise ConfigError(f"{where}: invalid pattern for language {language!r}: {error}")
    overrides = item.get("overrides_known_issue", False)
    if not isinstance(overrides, bool):
        raise ConfigError(f"{where}: field 'overrides_known_issue' must be true or false")
    category = _category(item.get("category"), where)
    if overrides and category != Category.SELF_SERVICE:
        raise ConfigError(f"{where}: only self_service rules can override a known issue")
    return Rule(name.strip(), category, float(weight), patterns, overrides)


def _words_in(pattern: str) -> str:
    """``{users}`` / ``{errors}`` in a rule pattern: the language packs' words (rules read the
    text lower-cased, accents kept, so the words are lower-cased only)."""
    return load_languages().expand(pattern, r"\S*", str.lower)


def _language_lists(value: Any, where: str) -> dict[str, list[str]]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: expected a mapping of language to a list of strings")
    result: dict[str, list[str]] = {}
    for language, entries in value.items():
        if language not in _RULE_LANGUAGES:
            raise ConfigError(
                f"{where}: unknown language {language!r} (one of {', '.join(_RULE_LANGUAGES)})"
            )
        if not isinstance(entries, list) or not all(
            isinstance(e, str) and e.strip() for e in entries
        ):
            raise ConfigError(f"{where}.{language}: expected a list of non-empty strings")
        result[language] = entries
    return result


_RULES_FILE = DataFile(DEFAULT_RULES_PATH, _read_rules)
