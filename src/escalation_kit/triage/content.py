"""Single-ticket content scoring: which category a ticket's own words speak for, and why.

Every rule is one RE2 pass over the whole text column; a ticket's score for a category is the sum
of the weights of that category's rules that matched. The winning category is the highest score
(ties go to the earlier category in :data:`~escalation_kit.triage.rules.RULE_CATEGORIES`, so a
self-service signal wins a tie, as a careful analyst would). The reason quotes the strongest
matching rule of the winning category, the language it was written for and the words it matched.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from escalation_kit.languages import load_languages
from escalation_kit.models import Category
from escalation_kit.triage.rules import RULE_CATEGORIES, Rule, RuleSet
from escalation_kit.triage.text import contains_all, lower

__all__ = [
    "ContentScores",
    "content_frame",
    "explain",
    "score_content",
    "users_stated_in_text",
    "with_breadth_default",
]

_SNIPPET_CHARS = 60


@dataclass(frozen=True, slots=True)
class ContentScores:
    """Per-ticket content verdicts, aligned with the input rows."""

    scores: np.ndarray  # (n, len(RULE_CATEGORIES)) summed rule weights
    hits: np.ndarray  # (n, len(rules)) which rules matched
    category: np.ndarray  # object array of Category values
    confidence: np.ndarray  # float 0..1
    reasons: np.ndarray  # object array of str

    def score_of(self, category: Category) -> np.ndarray:
        return self.scores[:, RULE_CATEGORIES.index(category)]

    def overrides_known_issue(self, rules: RuleSet) -> np.ndarray:
        """Self-service tickets whose deciding evidence outweighs an active documented issue."""
        flagged = np.array([rule.overrides_known_issue for rule in rules.rules], dtype=bool)
        personal = (self.hits & flagged[None, :]).any(axis=1)
        return personal & (self.category == str(Category.SELF_SERVICE))

    def self_service_evidence(self) -> np.ndarray:
        """Self-service because a rule said so (not merely the no-evidence default)."""
        return (self.category == str(Category.SELF_SERVICE)) & (self.scores.max(axis=1) > 0)

    def rule_hit(self, rules: RuleSet, name: str) -> np.ndarray:
        index = [rule.name for rule in rules.rules].index(name)
        return self.hits[:, index]


def score_content(
    text: pa.ChunkedArray, rules: RuleSet, *, with_reasons: bool = True
) -> ContentScores:
    """Score every ticket text against every rule; pick a category, confidence and reason each.

    ``with_reasons=False`` leaves the reasons empty (quoting the matched words costs a second
    pass); :func:`explain` fills them in later when they are needed.
    """
    n = len(text)
    hits = contains_all(lower(text), [rule.pattern for rule in rules.rules])
    weights = np.zeros((len(rules.rules), len(RULE_CATEGORIES)))
    for j, rule in enumerate(rules.rules):
        weights[j, RULE_CATEGORIES.index(rule.category)] = rule.weight
    scores = hits.astype(float) @ weights
    best = scores.argmax(axis=1)
    top = scores[np.arange(n), best]
    ordered = np.sort(scores, axis=1)
    second = ordered[:, -2] if scores.shape[1] > 1 else np.zeros(n)
    categories = np.array(RULE_CATEGORIES, dtype=object)[best]
    categories[top == 0] = rules.default_category
    confidence = _confidence(top, second)
    reasons = _reasons(text, rules, hits, best, top) if with_reasons else np.full(n, "", object)
    return ContentScores(scores, hits, categories, confidence, reasons)


def explain(text: pa.ChunkedArray, rules: RuleSet, scores: ContentScores) -> ContentScores:
    """The same verdicts with their reasons (the rule, its language and the words it matched)."""
    best = scores.scores.argmax(axis=1)
    top = scores.scores[np.arange(len(best)), best]
    return replace(scores, reasons=_reasons(text, rules, scores.hits, best, top))


def users_stated_in_text(text: pa.ChunkedArray) -> np.ndarray:
    """The first "N users/people" count a ticket states in its own words; -1 when none.

    Used only where the ``users_affected`` column is empty, so the breadth of a ticket is not
    lost because the form field was left blank.
    """
    # "About 7 users are affected", "Alle 400 Benutzer", "(15 usuarios)": the packs' users words.
    # No space needed: Japanese writes "30人".
    stated = r"(?i)(?P<n>\d{1,6})\s*" + load_languages().users_words(r"\S*")
    found = pc.struct_field(pc.extract_regex(text, stated), "n")
    counts = pc.fill_null(pc.cast(found, pa.int64()), -1)
    return np.asarray(counts.to_numpy(zero_copy_only=False), dtype=np.int64)


def with_breadth_default(
    scores: ContentScores, users_affected: np.ndarray, min_users: int
) -> ContentScores:
    """Tickets with no rule evidence but ``min_users`` or more users affected become ``bug``.

    The no-evidence default keeps a ticket with the partner; many users hit by something nobody
    explained is rather a malfunction the admin cannot fix, so it goes to ``bug`` (low confidence,
    still flagged for review).
    """
    broad = (scores.scores.max(axis=1) == 0) & (users_affected >= min_users)
    if not broad.any():
        return scores
    category = scores.category.copy()
    category[broad] = str(Category.BUG)
    reasons = scores.reasons.copy()
    reasons[broad] = [
        f"no content rule matched, but {n} users are affected: default category 'bug' "
        "(low confidence, please review)"
        for n in users_affected[broad]
    ]
    return replace(scores, category=category, reasons=reasons)


def _confidence(top: np.ndarray, second: np.ndarray) -> np.ndarray:
    """High when the winner scored well and clearly beat the runner-up; 0.3 with no evidence."""
    with np.errstate(divide="ignore", invalid="ignore"):
        margin = np.where(top > 0, (top - second) / np.where(top > 0, top, 1), 0.0)
    strength = np.minimum(top / 4.0, 1.0)
    conf = 0.45 + 0.25 * strength + 0.25 * margin
    return np.round(np.where(top > 0, conf, 0.3), 2)


def _winning_rules(rules: RuleSet, hits: np.ndarray, best: np.ndarray) -> np.ndarray:
    """Index of the heaviest matching rule of each row's winning category (-1 when none)."""
    category_of = np.array([RULE_CATEGORIES.index(r.category) for r in rules.rules])
    weight_of = np.array([r.weight for r in rules.rules])
    eligible = hits & (category_of[None, :] == best[:, None])
    ranked = np.where(eligible, weight_of[None, :], -1.0)
    winner = ranked.argmax(axis=1)
    return np.where(eligible.any(axis=1), winner, -1)


def _reasons(
    text: pa.ChunkedArray, rules: RuleSet, hits: np.ndarray, best: np.ndarray, top: np.ndarray
) -> np.ndarray:
    n = len(text)
    reasons = np.full(n, "", dtype=object)
    winner = _winning_rules(rules, hits, best)
    for j, rule in enumerate(rules.rules):
        rows = np.flatnonzero(winner == j)
        if rows.size:
            reasons[rows] = _quote_rule(rule, text.take(pa.array(rows)), top[rows])
    none = winner < 0
    reasons[none] = (
        "no escalation evidence: no content rule matched; default category "
        f"'{rules.default_category}' (low confidence, please review)"
    )
    return reasons


def _quote_rule(rule: Rule, text: pa.ChunkedArray, top: np.ndarray) -> list[str]:
    """``rule 'name' (de) matched 'Postfach ... 50 GB'`` for each row of ``text``."""
    quoted: list[str | None] = [None] * len(text)
    for language, pattern in rule.patterns.items():
        pending = [i for i, q in enumerate(quoted) if q is None]
        if not pending:
            break
        found = pc.extract_regex(text.take(pa.array(pending)), f"(?i)(?P<m>{pattern})").to_pylist()
        for i, match in zip(pending, found, strict=True):
            if match is not None:
                quoted[i] = f"rule '{rule.name}' ({language}) matched '{_snippet(match['m'])}'"
    return [
        (q or f"rule '{rule.name}' matched") + f" (score {score:g})"
        for q, score in zip(quoted, top, strict=True)
    ]


def _snippet(matched: str) -> str:
    words = " ".join(matched.split()).strip(" .,;:!?()\"'«»")
    return words if len(words) <= _SNIPPET_CHARS else words[: _SNIPPET_CHARS - 3] + "..."


def content_frame(scores: ContentScores) -> pd.DataFrame:
    """The verdicts as a frame (for inspection and tests)."""
    return pd.DataFrame(
        {
            "category": scores.category,
            "confidence": scores.confidence,
            "reasons": scores.reasons,
        }
    )
