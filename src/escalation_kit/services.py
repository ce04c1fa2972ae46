"""Service aliases → Microsoft Graph service-health names, and the service guessed from ticket text.

Customers write "Outlook", "почта", "Postfach" or nothing; health issues say ``Exchange Online``.
The aliases live in ``services_aliases.yaml`` beside this module (an editable data file), loaded
once on first use. Matching folds text first (the package's one fold,
:mod:`escalation_kit.textfold`: lower case, no accents), then makes every run of punctuation or
spaces one space ("E-Mail" = "e mail" = "e‑mail").

Inference looks for the aliases as whole words. A title naming three or more services ("Teams,
Outlook and SharePoint time out") is about the ``Microsoft 365 suite``. Otherwise the title is
read before the description, and in each the tiers in order: product names ("Outlook", "SPO"),
then generic terms ("email", "пароль"), then vague ones ("Office 365", "sign in"); the earliest
(then longest) mention of the first tier found wins. The batch functions run the same patterns
through pyarrow's RE2 engine over whole columns.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

from escalation_kit.errors import ConfigError
from escalation_kit.textfold import fold, fold_column

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "SERVICE_NAMES",
    "fold_text",
    "infer_service",
    "infer_services",
    "named_services",
    "names_anywhere",
    "normalize_service",
    "normalize_services",
    "service_aliases",
]

SERVICE_NAMES: tuple[str, ...] = (
    "Exchange Online",
    "Microsoft Teams",
    "SharePoint Online",
    "OneDrive for Business",
    "Microsoft Entra",
    "Microsoft Intune",
    "Microsoft 365 apps",
    "Power BI",
    "Microsoft 365 suite",
    "Planner",
    "Microsoft Forms",
    "Dynamics 365 Apps",
    "Microsoft Defender XDR",
    "Microsoft Purview",
    "Microsoft Bookings",
    "Microsoft Viva",
    "Power Apps",
    "Power Automate",
    "Microsoft Copilot (Microsoft 365)",
    "Microsoft Stream",
    "Windows Autopatch",
)
"""Canonical names: the ``service`` values of Graph ``serviceHealth`` and ``serviceHealthIssue``."""

SUITE = "Microsoft 365 suite"
MULTI_SERVICE_MENTIONS = 3
"""A title naming this many distinct services is about the whole suite."""
_DATA_FILE = "services_aliases.yaml"
_TIER_KEYS = ("names", "terms", "vague")
_ALIAS_KEYS = (*_TIER_KEYS, "column")
_NON_WORD = re.compile(r"[\W_]+")
# Folded text holds only letters, digits and single spaces, so a word boundary is a space or an end;
# the same pattern text then means the same thing to Python's re and to RE2 (pyarrow).
_PATTERN = "(?:^| )(?P<kw>{})(?: |$)"


def fold_text(text: str) -> str:
    """Text as matching sees it: :func:`~escalation_kit.textfold.fold`, then punctuation and
    spaces as single spaces."""
    return _NON_WORD.sub(" ", fold(text)).strip()


@dataclass(frozen=True, slots=True)
class _Tier:
    """One inference tier: its keywords (folded) → service, and the compiled search pattern."""

    keywords: dict[str, str]
    source: str
    pattern: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class _Table:
    aliases: dict[str, str]
    tiers: tuple[_Tier, ...]
    named: tuple[tuple[str, _Tier], ...]  # per service: its product names, for multi-service titles


def _load_raw() -> dict[str, Any]:
    import yaml

    text = resources.files("escalation_kit").joinpath(_DATA_FILE).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ConfigError(f"{_DATA_FILE}: expected a mapping of service names")
    unknown = sorted(set(data) - set(SERVICE_NAMES))
    if unknown:
        raise ConfigError(f"{_DATA_FILE}: not Graph service names: {', '.join(unknown)}")
    return data


def _add_alias(table: dict[str, str], alias: object, service: str) -> str:
    """Register one alias (folded); refuses an alias claimed by two services."""
    if not isinstance(alias, str | int):
        raise ConfigError(f"{_DATA_FILE}: {service}: alias {alias!r} is not text")
    key = fold_text(str(alias))
    if not key:
        raise ConfigError(f"{_DATA_FILE}: {service}: alias {alias!r} is empty once folded")
    owner = table.setdefault(key, service)
    if owner != service:
        raise ConfigError(f"{_DATA_FILE}: alias {alias!r} given for both {owner} and {service}")
    return key


def _build_tier(keywords: dict[str, str]) -> _Tier:
    # Longest first: at one position the alternation prefers "office 365 proplus" to "office 365".
    ordered = sorted(keywords, key=lambda k: (-len(k), k))
    source = _PATTERN.format("|".join(ordered))
    return _Tier(keywords=keywords, source=source, pattern=re.compile(source))


@functools.cache
def _table() -> _Table:
    """The alias table and inference tiers, built once from the data file."""
    data = _load_raw()
    aliases: dict[str, str] = {}
    tiers: list[dict[str, str]] = [{} for _ in _TIER_KEYS]
    for service in SERVICE_NAMES:
        entry = data.get(service) or {}
        tiers[0][_add_alias(aliases, service, service)] = service
        for key in _ALIAS_KEYS:
            for alias in entry.get(key) or ():
                folded = _add_alias(aliases, alias, service)
                if key in _TIER_KEYS:
                    tiers[_TIER_KEYS.index(key)][folded] = service
    named = tuple(
        (service, _build_tier({k: s for k, s in tiers[0].items() if s == service}))
        for service in SERVICE_NAMES
        if service != SUITE
    )
    return _Table(aliases=aliases, tiers=tuple(_build_tier(t) for t in tiers), named=named)


def service_aliases() -> dict[str, str]:
    """A copy of the alias table: folded alias → canonical service name."""
    return dict(_table().aliases)


def normalize_service(text: str | None) -> str | None:
    """The Graph service name for an alias or canonical name; None when empty or unknown."""
    if not text:
        return None
    return _table().aliases.get(fold_text(str(text)))


def infer_service(title: str | None, description: str | None = "") -> str | None:
    """The service a ticket is most likely about, guessed from its title and description."""
    table = _table()
    texts = [fold_text(t) for t in (title, description) if t]
    if title and _named_count(table, texts[0]) >= MULTI_SERVICE_MENTIONS:
        return SUITE
    for text in texts:
        for tier in table.tiers:
            match = tier.pattern.search(text)
            if match:
                return tier.keywords[match.group("kw")]
    return None


def _named_count(table: _Table, text: str) -> int:
    return sum(1 for _, tier in table.named if tier.pattern.search(text))


def normalize_services(values: pd.Series) -> pd.Series:
    """Vectorized :func:`normalize_service`: service names (``str``) or missing, same index."""
    import pandas as pd

    folded = _fold_series(values)
    mapped = pd.Series(folded, index=values.index, dtype="str").map(_table().aliases)
    result = mapped.astype("str")
    result.name = values.name
    return result


def infer_services(titles: pd.Series, descriptions: pd.Series | None = None) -> pd.Series:
    """Vectorized :func:`infer_service` over aligned title and description columns."""
    import pandas as pd
    import pyarrow.compute as pc

    table = _table()
    columns = [_fold_series(titles)]
    if descriptions is not None:
        columns.append(_fold_series(descriptions))
    result = pd.Series(pd.NA, index=titles.index, dtype="str", name="service")
    result = result.mask(_many_named(table, columns[0]), SUITE)
    for column in columns:
        for tier in table.tiers:
            found = pc.struct_field(pc.extract_regex(column, pattern=tier.source), [0])
            keywords = pd.Series(found, index=titles.index, dtype="str")
            result = result.fillna(keywords.map(tier.keywords))
    return result


def named_services(values: pd.Series) -> list[frozenset[str]]:
    """The services a text names by product name when it names two or more ("Outlook, Teams").

    Texts naming fewer than two distinct services get an empty set. One RE2 pass counts
    product-name mentions over the column; only texts with two or more mentions are searched
    again, service by service. The suite's own names ("admin center") count as the suite.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    found: list[frozenset[str]] = [frozenset()] * len(values)
    # Cheap first pass on the raw lower-cased text: only texts with two mentions go further.
    raw = pa.array(values.astype("str"), type=pa.large_string(), from_pandas=True)
    mentions = pc.count_substring_regex(pc.utf8_lower(raw), _doubled()[2])
    maybe = (pc.fill_null(mentions, 0).to_numpy(zero_copy_only=False) >= 2).nonzero()[0]
    if not maybe.size:
        return found
    folded = _fold_series(values.iloc[maybe])
    counts = pc.count_substring_regex(pc.replace_substring(folded, " ", "  "), _doubled()[0])
    many = pc.fill_null(counts, 0).to_numpy(zero_copy_only=False) >= 2
    rows = many.nonzero()[0]
    if rows.size:
        subset = pc.take(folded, pa.array(rows))
        sets: list[set[str]] = [set() for _ in rows]
        for service, pattern in _doubled()[1]:
            hits = pc.fill_null(pc.match_substring_regex(subset, pattern), False)
            for i in hits.to_numpy(zero_copy_only=False).nonzero()[0]:
                sets[i].add(service)
        for i, row in enumerate(rows):
            found[maybe[row]] = frozenset(sets[i]) if len(sets[i]) >= 2 else frozenset()
    return found


def names_anywhere(values: pd.Series) -> pd.Series:
    """The service of the first product name found anywhere in each text, even inside a word.

    For scripts written without spaces ("Teams障害", "Outlookでメールが送れない"), where word
    boundaries never occur; missing where no product name is found.
    """
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    raw = pa.array(values.astype("str"), type=pa.large_string(), from_pandas=True)
    # Names of five letters or more only: "exo" or "spo" inside another word is no product name.
    keywords = _table().tiers[0].keywords
    long_names = "|".join(
        r"[\W_]+".join(re.escape(word) for word in k.split(" "))
        for k in sorted(keywords, key=lambda k: (-len(k), k))
        if len(k) >= 5
    )
    found = pc.struct_field(
        pc.extract_regex(pc.utf8_lower(raw), "(?P<kw>" + long_names + ")"), [0]
    ).to_pylist()
    services = [None if k is None else keywords.get(fold_text(k)) for k in found]
    return pd.Series(services, index=values.index, dtype="str")


@functools.cache
def _doubled() -> tuple[str, tuple[tuple[str, str], ...], str]:
    """Product names as one pattern for space-doubled text, one pattern per service, and a
    loose pattern (no word boundaries, any punctuation between words) for a first pass."""
    keywords = _table().tiers[0].keywords
    ordered = sorted(keywords, key=lambda k: (-len(k), k))
    counting = _PATTERN.format("|".join(k.replace(" ", "  ") for k in ordered))
    per_service = tuple(
        (service, _PATTERN.format("|".join(k for k in ordered if keywords[k] == service)))
        for service in SERVICE_NAMES
        if any(keywords[k] == service for k in ordered)
    )
    loose = "|".join(r"[\W_]+".join(re.escape(word) for word in k.split(" ")) for k in ordered)
    return counting, per_service, loose


def _many_named(table: _Table, titles: Any) -> Any:
    """Which folded titles name at least :data:`MULTI_SERVICE_MENTIONS` distinct services."""
    import numpy as np
    import pyarrow.compute as pc

    counts = np.zeros(len(titles), dtype=np.int64)
    for _, tier in table.named:
        hits = pc.match_substring_regex(titles, pattern=tier.source)
        counts += pc.fill_null(hits, False).to_numpy(zero_copy_only=False)
    return counts >= MULTI_SERVICE_MENTIONS


def _fold_series(values: pd.Series) -> Any:
    """:func:`fold_text` over a column, in pyarrow (RE2 classes match Python's ``\\w`` here)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    array = pa.array(values.astype("str"), type=pa.large_string(), from_pandas=True)
    array = pc.replace_substring_regex(
        fold_column(array), pattern=r"[^\p{L}\p{N}]+", replacement=" "
    )
    return pc.utf8_trim(array, characters=" ")
