"""Known-issue matching: is a ticket explained by a documented service-health issue of its tenant?

A documented issue explains a ticket when all of these hold (contracts.md, ``known_issue``):

* it is listed for **that customer's tenant** (another tenant's issue never matches);
* it is on the same service (both sides normalized with
  :func:`~escalation_kit.services.normalize_service`);
* it was active at the report: ``start <= reported_at + tolerance`` (an issue posted shortly after
  the report still counts) and ``end`` is empty or ``end >= reported_at``;
* it is about the same symptom: the ticket's symptom concepts (a multilingual lexicon, so a
  Russian or German ticket meets an English issue) overlap the issue's title, feature, feature
  group, impact and posts; English word similarity (rapidfuzz) adds to the score;
* when its posts state a scope ("users in the North America region", "users hosted in Europe"),
  the ticket's region is inside it.

known_issue must be precise, so anything doubtful is no match: a ticket with no recognisable
symptom, or whose symptoms are disjoint from the issue's (a different feature), is left to the
other triage steps. The batch form groups tickets by tenant and service and compares each group
with that tenant's issues at once (numpy masks and ``rapidfuzz.process.cdist``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
from rapidfuzz import fuzz, process, utils
from tqdm.auto import tqdm

from escalation_kit.health.parse import normalized_status, post_text
from escalation_kit.health.snapshot import tenant_issues
from escalation_kit.models import HealthIssue, Region, Ticket
from escalation_kit.services import SUITE, normalize_service
from escalation_kit.triage.codes import error_codes, error_codes_of
from escalation_kit.triage.config import DEFAULT_MATCH_THRESHOLD, DEFAULT_MATCH_TOLERANCE
from escalation_kit.triage.symptoms import (
    GENERIC_SYMPTOM,
    SAME_SYMPTOM,
    UNUSABLE_CONCEPTS,
    SymptomLexicon,
    load_symptoms,
)
from escalation_kit.triage.text import ticket_text

if TYPE_CHECKING:
    from escalation_kit.health.snapshot import HealthSnapshot

__all__ = ["MATCH_COLUMNS", "Match", "issue_scope", "match_ticket", "match_tickets"]

MATCH_COLUMNS = ["ticket_id", "matched_issue_id", "match_score", "match_reason"]

_NOT_MICROSOFT = {"falsePositive"}
_REGION_WORDS: dict[Region, str] = {
    Region.AMERICAS: r"north america\w*|south america\w*|latin america\w*|the americas|americas|"
    r"united states|u\.s\.|usa|canada|brazil|mexico|nam|latam",
    Region.EUROPE: r"europe\w*|emea|the eu|eu|united kingdom|uk|germany|france|netherlands|ireland",
    Region.ASIA_PACIFIC: r"asia[- ]pacific|asia|apac|australia|japan|india|singapore|"
    r"new zealand|korea|hong kong",
    Region.MIDDLE_EAST_AFRICA: r"middle east|africa\w*|emea|mea|uae|south africa|israel|qatar",
}
_SCOPE_CONTEXT = re.compile(
    r"\b(?:users?|customers?|tenants?|organizations?|region|regions|located|hosted|based|served)\b",
    re.IGNORECASE,
)
_REGION_PATTERNS = {
    region: re.compile(rf"\b(?:{words})\b", re.IGNORECASE)
    for region, words in _REGION_WORDS.items()
}
# A later post that widens the scope ("users worldwide may be affected", "users in regions beyond
# North America may see impact") lifts it.
_EVERYWHERE = re.compile(
    r"\b(?:worldwide|world-wide|globally|global|all regions|multiple regions|any region|"
    r"all geographies|other regions|additional regions|regions? (?:beyond|outside(?: of)?))\b",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"(?<=[.!?\n])\s+")
# Error codes (triage/codes.py) name one failure in any language: a ticket quoting a code its
# tenant's issue also quotes (AADSTS…, 0x8…, 5.7.708, an HTTP error such as "Fehler 401") is about
# the same symptom whatever else its words say; tenant, service, time and scope must still agree.
_FUZZY_CHARS = 300


@dataclass(frozen=True, slots=True)
class Match:
    """A documented issue that explains a ticket: its id, a 0..1 score and a readable reason."""

    issue_id: str
    score: float
    reason: str


def issue_scope(issue: HealthIssue) -> frozenset[Region]:
    """Regions an issue says it is limited to (empty: no stated scope, so everywhere).

    Scopes stated in the impact and the posts add up ("we've expanded to users in Europe"), and a
    sentence that says the impact is worldwide (or reaches all users) lifts every limit: an early
    "users in India are primarily affected" does not survive "users worldwide may be affected".
    """
    texts = [issue.impact_description, *(post_text(p) for p in issue.posts)]
    found: set[Region] = set()
    for text in texts:
        for sentence in _SENTENCE.split(text or ""):
            if not _SCOPE_CONTEXT.search(sentence):
                continue
            if _EVERYWHERE.search(sentence):
                return frozenset()
            found.update(r for r, pattern in _REGION_PATTERNS.items() if pattern.search(sentence))
    return frozenset(found)


def match_ticket(
    ticket: Ticket | Mapping[str, Any],
    issues: Sequence[HealthIssue],
    *,
    tolerance: timedelta = DEFAULT_MATCH_TOLERANCE,
    threshold: float = DEFAULT_MATCH_THRESHOLD,
) -> Match | None:
    """The best documented issue for one ticket, or None (see the module docstring for when)."""
    row = _ticket_row(ticket)
    frame = pd.DataFrame([row])
    frame["reported_at"] = pd.to_datetime(frame["reported_at"], utc=True)
    by_tenant = {row["tenant_id"]: [i for i in issues if i.tenant_id == row["tenant_id"]]}
    result = match_tickets(frame, by_tenant, tolerance=tolerance, threshold=threshold)
    issue_id = result.at[0, "matched_issue_id"]
    if not issue_id:
        return None
    return Match(
        str(issue_id), float(result["match_score"].iloc[0]), str(result.at[0, "match_reason"])
    )


def _ticket_row(ticket: Ticket | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(ticket, Ticket):
        values: dict[str, Any] = {
            "ticket_id": ticket.ticket_id,
            "tenant_id": ticket.tenant_id,
            "title": ticket.title,
            "description": ticket.description,
            "reported_at": ticket.reported_at,
            "region": str(ticket.region),
            "service": ticket.service,
            "normalized_service": ticket.normalized_service,
        }
    else:
        values = dict(ticket)
    if not values.get("normalized_service"):
        values["normalized_service"] = normalize_service(values.get("service"))
    values.setdefault("region", str(Region.UNKNOWN))
    return values


def match_tickets(
    tickets: pd.DataFrame,
    health: HealthSnapshot | Mapping[str, Sequence[HealthIssue]],
    *,
    tolerance: timedelta = DEFAULT_MATCH_TOLERANCE,
    threshold: float = DEFAULT_MATCH_THRESHOLD,
    lexicon: SymptomLexicon | None = None,
    show_progress: bool = False,
    services: Sequence[frozenset[str]] | None = None,
    text_masks: np.ndarray | None = None,
) -> pd.DataFrame:
    """Match every ticket against its tenant's documented issues.

    ``tickets`` needs ticket_id, tenant_id, title, reported_at (UTC) and normalized_service;
    description and region are used when present. Returns :data:`MATCH_COLUMNS`, one row per
    ticket in input order (empty id, score 0 and empty reason where nothing matched). Only
    tickets whose tenant lists an issue on their service are read for symptoms.

    A ticket is compared with the issues of its own service, with its tenant's Microsoft 365
    suite issues (they touch every service), and, when ``services`` gives the services it names
    together (a suite ticket), with the issues of each of them; the best match wins.
    ``text_masks`` may give each ticket's concepts of title+description, already computed.
    """
    lexicon = lexicon or load_symptoms()
    by_tenant = tenant_issues(health)
    n = len(tickets)
    out = (np.full(n, "", dtype=object), np.zeros(n), np.full(n, "", dtype=object))
    table = _IssueTable.build(by_tenant, lexicon)
    positions, expanded = (
        _expanded(tickets, table, services) if n and table.size else (np.array([], int), None)
    )
    if expanded is not None and positions.size:
        found = (
            np.full(positions.size, "", dtype=object),
            np.zeros(positions.size),
            np.full(positions.size, "", dtype=object),
        )
        settings = (tolerance, threshold, show_progress)
        known = None if text_masks is None else np.asarray(text_masks)[positions]
        masks = _ticket_masks(expanded, lexicon, known)
        _match_groups(expanded, masks, table, lexicon, settings, found)
        order = np.lexsort((-found[1], positions))
        first = np.ones(order.size, dtype=bool)
        first[1:] = positions[order][1:] != positions[order][:-1]
        best = order[first]
        for column, values in zip(out, found, strict=True):
            column[positions[best]] = values[best]
    return pd.DataFrame(
        {
            "ticket_id": tickets["ticket_id"].to_numpy(dtype=object),
            "matched_issue_id": out[0],
            "match_score": np.round(out[1], 3),
            "match_reason": out[2],
        }
    )


def _expanded(
    tickets: pd.DataFrame, table: _IssueTable, services: Sequence[frozenset[str]] | None
) -> tuple[np.ndarray, pd.DataFrame]:
    """(ticket position, service) pairs worth comparing, as positions and a ticket frame."""
    own = tickets["normalized_service"].astype("str").fillna("").to_numpy(dtype=object)
    tenants = tickets["tenant_id"].astype("str").to_numpy(dtype=object)
    positions = [_candidate_rows(tickets, table)]
    names = [own[positions[0]]]
    suite = pd.MultiIndex.from_arrays([tenants, np.full(len(tenants), SUITE, dtype=object)])
    suite_rows = np.flatnonzero(suite.isin(list(table.groups)) & (own != SUITE))
    positions.append(suite_rows)
    names.append(np.full(suite_rows.size, SUITE, dtype=object))
    extra = [
        (i, service)
        for i, named in enumerate(services or ())
        if named
        for service in sorted(named)
        if service not in (own[i], SUITE) and (tenants[i], service) in table.groups
    ]
    if extra:
        positions.append(np.array([i for i, _ in extra], dtype=int))
        names.append(np.array([s for _, s in extra], dtype=object))
    where = np.concatenate(positions).astype(int)
    frame = tickets.iloc[where].reset_index(drop=True).copy()
    frame["normalized_service"] = np.concatenate(names)
    return where, frame


def _ticket_masks(
    tickets: pd.DataFrame, lexicon: SymptomLexicon, whole: np.ndarray | None = None
) -> np.ndarray:
    """Concepts of title+description (column 0, ``whole`` when given) and of the title alone."""
    title = tickets["title"].astype("str").fillna("").to_numpy(dtype=object)
    if whole is None:
        whole = lexicon.masks(ticket_text(tickets))
    return np.column_stack([whole, lexicon.masks(pa.array(title, pa.string()))])


def _candidate_rows(tickets: pd.DataFrame, table: _IssueTable) -> np.ndarray:
    """Positions of tickets whose (tenant, normalized service) has documented issues."""
    keys = pd.MultiIndex.from_arrays(
        [
            tickets["tenant_id"].astype("str").to_numpy(dtype=object),
            tickets["normalized_service"].astype("str").fillna("").to_numpy(dtype=object),
        ]
    )
    return np.flatnonzero(keys.isin(list(table.groups)))


@dataclass(frozen=True, slots=True)
class _IssueTable:
    """Every tenant's issues as aligned arrays, with (tenant, service) → row positions."""

    issues: list[HealthIssue]
    services: list[str]
    start: np.ndarray  # int64 ns, minimum when unknown
    end: np.ndarray  # int64 ns, maximum when ongoing
    primary: np.ndarray  # uint64 concepts of title/feature/impact
    every: np.ndarray  # uint64 concepts including posts
    codes: list[frozenset[str]]  # error codes quoted in title, impact or posts
    scope: np.ndarray  # uint8 region bits (0 = everywhere)
    fuzzy_text: list[str]
    groups: dict[tuple[str, str], np.ndarray]
    kinds: tuple[np.uint64, np.uint64, np.uint64]  # "unusable", same-symptom, generic concepts

    @property
    def size(self) -> int:
        return len(self.issues)

    @classmethod
    def build(
        cls, by_tenant: Mapping[str, Sequence[HealthIssue]], lexicon: SymptomLexicon
    ) -> _IssueTable:
        issues = [
            issue
            for tenant_id, listed in by_tenant.items()
            for issue in listed
            if issue.tenant_id == tenant_id
            and normalized_status(issue.status) not in _NOT_MICROSOFT
        ]
        services = [normalize_service(i.service) or i.service for i in issues]
        primary_text = [
            " \n ".join((i.title, i.feature, i.feature_group, i.impact_description)) for i in issues
        ]
        posts_text = [" \n ".join(post_text(p) for p in i.posts)[:20000] for i in issues]
        primary = lexicon.masks(pa.array(primary_text, pa.string()))
        every = primary | lexicon.masks(pa.array(posts_text, pa.string()))
        groups: dict[tuple[str, str], list[int]] = {}
        for position, (issue, service) in enumerate(zip(issues, services, strict=True)):
            groups.setdefault((issue.tenant_id, service), []).append(position)
        return cls(
            issues=issues,
            services=services,
            start=np.array([_ns(i.start, low=True) for i in issues], dtype=np.int64),
            end=np.array([_ns(i.end, low=False) for i in issues], dtype=np.int64),
            primary=primary,
            every=every,
            codes=[
                error_codes(f"{text} {posts}")
                for text, posts in zip(primary_text, posts_text, strict=True)
            ],
            scope=np.array([_region_bits(issue_scope(i)) for i in issues], dtype=np.uint8),
            fuzzy_text=[f"{i.title} {i.impact_description}" for i in issues],
            groups={key: np.array(rows) for key, rows in groups.items()},
            kinds=(
                lexicon.bits(UNUSABLE_CONCEPTS),
                lexicon.bits(SAME_SYMPTOM),
                lexicon.bits(GENERIC_SYMPTOM),
            ),
        )


_REGION_ORDER = list(Region)


def _region_bits(regions: frozenset[Region] | set[Region]) -> int:
    return sum(1 << _REGION_ORDER.index(r) for r in regions)


def _ns(when: datetime | None, *, low: bool) -> int:
    if when is None:
        return int(np.iinfo(np.int64).min if low else np.iinfo(np.int64).max)
    return int(pd.Timestamp(when).as_unit("ns").value)


def _match_groups(
    tickets: pd.DataFrame,
    masks: np.ndarray,
    table: _IssueTable,
    lexicon: SymptomLexicon,
    settings: tuple[timedelta, float, bool],
    out: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> None:
    """Fill ``out`` (ids, scores, reasons) group by group of (tenant, service)."""
    times, region_bits, groups = _ticket_columns(tickets)
    fuzzy_text = _fuzzy_texts(tickets)
    codes = error_codes_of(ticket_text(tickets))
    tolerance, threshold, show_progress = settings
    tol = int(tolerance.total_seconds() * 1e9)
    progress = tqdm(
        groups.items(), desc="matching documented issues", unit="group", disable=not show_progress
    )
    for key, row_list in progress:
        rows = np.array(row_list)
        candidates = table.groups.get(key)
        if candidates is None or not key[1]:
            continue
        ticket_data = (masks[rows], times[rows], region_bits[rows], [fuzzy_text[r] for r in rows])
        shared_code = _shared_codes([codes[r] for r in rows], table, candidates)
        scored = _score_group(*ticket_data, table, candidates, tol, shared_code)
        best = candidates[scored.argmax(axis=1)]
        top = scored.max(axis=1)
        for local in np.flatnonzero(top >= threshold):
            row, position = rows[local], best[local]
            shared = lexicon.describe(int(masks[row, 0] & table.every[position]))
            issue = table.issues[position]
            out[0][row], out[1][row] = issue.id, top[local]
            common = sorted(codes[row] & table.codes[position])
            out[2][row] = _reason(issue, table.services[position], top[local], shared, common)


def _ticket_columns(
    tickets: pd.DataFrame,
) -> tuple[np.ndarray, np.ndarray, dict[tuple[str, str], list[int]]]:
    """Report times (ns), region bits, and row positions by (tenant, normalized service)."""
    reported = pd.to_datetime(tickets["reported_at"], utc=True).dt.as_unit("ns")
    times = reported.to_numpy(dtype="int64", na_value=np.iinfo(np.int64).min)
    regions = (
        tickets["region"].astype("str").fillna(str(Region.UNKNOWN)).to_numpy(dtype=object)
        if "region" in tickets
        else np.full(len(tickets), str(Region.UNKNOWN), dtype=object)
    )
    known = {str(r): 1 << i for i, r in enumerate(_REGION_ORDER)}
    region_bits = np.array([known.get(r, 0) for r in regions], dtype=np.uint8)
    services = tickets["normalized_service"].astype("str").fillna("").to_numpy(dtype=object)
    tenants = tickets["tenant_id"].astype("str").to_numpy(dtype=object)
    groups: dict[tuple[str, str], list[int]] = {}
    for row, key in enumerate(zip(tenants, services, strict=True)):
        groups.setdefault(key, []).append(row)
    return times, region_bits, groups


def _score_group(
    masks: np.ndarray,
    times: np.ndarray,
    region_bits: np.ndarray,
    texts: list[str],
    table: _IssueTable,
    candidates: np.ndarray,
    tol: int,
    shared_code: np.ndarray,
) -> np.ndarray:
    """Score matrix (tickets × candidate issues), zero where an issue cannot explain a ticket.

    ``shared_code`` marks the pairs that quote the same error code: same symptom, full agreement.
    """
    start, end = table.start[candidates], table.end[candidates]
    active = (start[None, :] - tol <= times[:, None]) & (end[None, :] >= times[:, None])
    scope = table.scope[candidates]
    in_scope = (scope[None, :] == 0) | ((scope[None, :] & region_bits[:, None]) != 0)
    concept, related = _concept_scores(
        masks, table.primary[candidates], table.every[candidates], table.kinds
    )
    fuzzy = (
        process.cdist(
            texts,
            [table.fuzzy_text[c] for c in candidates],
            scorer=fuzz.token_set_ratio,
            processor=utils.default_process,
            dtype=np.uint8,
        )
        / 100.0
    )
    concept = np.where(shared_code, 1.0, concept)
    score = 0.75 * concept + 0.25 * fuzzy
    return np.where(active & in_scope & (related | shared_code), score, 0.0)


def _shared_codes(
    codes: list[frozenset[str]], table: _IssueTable, candidates: np.ndarray
) -> np.ndarray:
    """(tickets × candidates) True where the ticket and the issue quote a common error code."""
    shared = np.zeros((len(codes), candidates.size), dtype=bool)
    if not any(codes):
        return shared
    for i, quoted in enumerate(codes):
        if quoted:
            shared[i] = [bool(quoted & table.codes[c]) for c in candidates.tolist()]
    return shared


def _concept_scores(
    masks: np.ndarray,
    primary: np.ndarray,
    every: np.ndarray,
    kinds: tuple[np.uint64, np.uint64, np.uint64],
) -> tuple[np.ndarray, np.ndarray]:
    """Symptom agreement (tickets × issues) in 0..1, and where the two are related at all.

    ``masks`` holds each ticket's concepts of title+description (column 0) and of the title alone
    (column 1). The title states the main symptom: when it names one the issue never mentions,
    the ticket is about another feature and the pair is unrelated, unless the issue's headline
    says the service is unusable and so does the ticket's text: an outage shows through
    whatever feature a customer tried ("files will not open" in an access outage). ``kinds``
    holds the lexicon's "unusable" concepts and those that name one symptom (mailbox access is
    service access), which count as each other. Agreement is 1.0 when the
    title's symptom is the issue's headline symptom (title, feature, impact), 0.85 when the
    description's is, 0.6 when only the issue's posts mention it.
    """
    whole, title = masks[:, 0][:, None], masks[:, 1][:, None]
    primary, every = primary[None, :], every[None, :]
    unusable, same, generic = kinds
    specific = (title & ~generic) != 0  # before the closure: "down" alone names no feature
    whole, title, primary, every = (
        np.where((m & same) != 0, m | same, m) for m in (whole, title, primary, every)
    )
    outage = ((whole & unusable) != 0) & ((primary & unusable) != 0)
    title_fits = ~specific | ((title & every) != 0) | outage
    related = ((whole & every) != 0) & title_fits
    concept = np.where((title & primary) != 0, 1.0, np.where((whole & primary) != 0, 0.85, 0.6))
    return concept, related


def _fuzzy_texts(tickets: pd.DataFrame) -> list[str]:
    title = tickets["title"].astype("str").fillna("")
    if "description" in tickets:
        description = tickets["description"].astype("str").fillna("").str.slice(0, _FUZZY_CHARS)
        title = title + " " + description
    return list(title.to_numpy(dtype=object))


def _reason(
    issue: HealthIssue, service: str, score: float, shared: list[str], codes: list[str]
) -> str:
    since = f", active since {issue.start:%Y-%m-%d %H:%M} UTC" if issue.start else ""
    same = [f"same error code ({', '.join(codes)})"] if codes else []
    if shared:
        same.append(f"same symptom ({', '.join(s.replace('_', ' ') for s in shared)})")
    return (
        f"matched documented issue {issue.id} on {service}{since} (score {score:.2f}): "
        f"{' and '.join(same)} as '{issue.title}'"
    )
