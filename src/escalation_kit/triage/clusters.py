"""Cross-ticket clusters: regional multi-tenant incidents and network disruptions.

* **Regional multi-tenant**: at least ``min_tenants`` (3) *distinct* tenants of one region report
  the same normalized service, with the same symptom family, within ``window`` (4 h). A ticket
  that names several services (the Microsoft 365 suite) counts for each service it names. Every
  ticket inside such a window belongs to the cluster; overlapping windows are one cluster. The
  symptom families are bits of a per-ticket mask (the symptom lexicon's concepts, plus "the
  service is unusable": down, refusing sign-in, slow or unreachable): three unrelated Exchange
  complaints (retention, duplicate attachments, attachment size) share no bit and are no
  cluster. The caller adds the "unusable" bit to a ticket whose content verdict says the service
  itself fails (down, a bug, the network) unless it is a how-to question, so vague reports of a
  malfunction from three tenants cluster, as the contract defines; tickets with no symptom at
  all never found a cluster. Once a cluster is found, a ticket of its region and service reported
  inside its window joins when it shares a family with the cluster or has none.
* **Network disruption**: tickets with connectivity-level symptoms (timeouts, DNS of Microsoft
  endpoints, packet loss, latency) from at least ``network_min_tenants`` tenants within
  ``network_window`` (2 h) that span ``network_min_regions`` regions or ``network_min_services``
  services.

Only tickets the caller marks eligible take part (no documented issue matched, not a
self-service problem such as the customer's own firewall). Each (region, service) group is sorted
once and swept with two pointers and running distinct counts, so the cost is linear in tickets,
never all pairs. A cluster's id hashes its kind and its sorted member ticket ids, so it is the
same across runs and input orders.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import pandas as pd

from escalation_kit.models import Category, Region
from escalation_kit.triage.config import TriageConfig

__all__ = ["ClusterResult", "cluster_id", "cluster_table", "find_clusters"]


@dataclass(frozen=True, slots=True)
class ClusterResult:
    """Per-ticket cluster membership, aligned with the input rows ('' where none)."""

    category: np.ndarray  # object: Category value or ''
    cluster_id: np.ndarray  # object
    reason: np.ndarray  # object
    tenants: np.ndarray  # int: distinct tenants in the ticket's cluster (0 when none)
    regions: np.ndarray  # int: distinct regions in the ticket's cluster (0 when none)


def cluster_id(kind: str, ticket_ids: Sequence[str]) -> str:
    """``C-`` and 10 hex digits of a hash of the kind and the sorted member ticket ids."""
    digest = hashlib.sha256("\x1f".join([kind, *sorted(ticket_ids)]).encode("utf-8"))
    return "C-" + digest.hexdigest()[:10]


def find_clusters(
    tickets: pd.DataFrame,
    *,
    eligible: np.ndarray,
    connectivity: np.ndarray,
    config: TriageConfig | None = None,
    symptoms: np.ndarray | None = None,
    named: Sequence[frozenset[str]] | None = None,
) -> ClusterResult:
    """Find network and regional clusters among eligible tickets (network ones first).

    ``tickets`` needs ticket_id, tenant_id, region, service (normalized) and reported_at (UTC).
    ``symptoms`` is each ticket's symptom-family bitmask (``uint64``); a regional cluster needs
    ``min_tenants`` tenants sharing one bit. None: every ticket is one family (service only).
    ``named`` holds, per ticket, the services it names together (empty unless two or more): such
    a ticket also takes part in each named service's regional sweep.
    """
    config = config or TriageConfig()
    n = len(tickets)
    result = ClusterResult(
        category=np.full(n, "", dtype=object),
        cluster_id=np.full(n, "", dtype=object),
        reason=np.full(n, "", dtype=object),
        tenants=np.zeros(n, dtype=np.int64),
        regions=np.zeros(n, dtype=np.int64),
    )
    if n == 0:
        return result
    data = _Columns.of(tickets)
    network = np.flatnonzero(eligible & connectivity)
    rule = (_network_rule(config), (data.tenant, data.region, data.service))
    for cluster in _sweep(data, network, config.network_window, rule):
        _label(data, cluster, result, Category.NETWORK_DISRUPTION)
    families = np.ones(n, dtype=np.uint64) if symptoms is None else np.asarray(symptoms)
    families = families.astype(np.uint64)
    _regional_clusters(
        data,
        eligible & (result.category == "") & data.known_place,
        families,
        config,
        result,
        named or [frozenset()] * n,
    )
    return result


def _regional_clusters(
    data: _Columns,
    remaining: np.ndarray,
    families: np.ndarray,
    config: TriageConfig,
    result: ClusterResult,
    named: Sequence[frozenset[str]],
) -> None:
    """Sweep each (region, service, symptom family) group of the remaining tickets for
    3-tenant windows; a ticket already in a cluster is not swept again for another family.

    A remaining ticket whose symptom is not recognised at all (no family bit) cannot found a
    cluster, but it joins one of its region and service when it was reported within the window
    of the cluster's first and last report: its words neither confirm nor contradict the outage.
    So does one that shares any family with the cluster's members (the same outage in other
    words: "mail stuck" next to "mailbox unreachable", both unusable).
    """
    frame = _service_rows(data, np.flatnonzero(remaining), named)
    rule = (_regional_rule(config), (data.tenant,))
    window = int(config.window.total_seconds() * 1e9)
    for (_, service), group in frame.groupby(["region", "service"], sort=False):
        positions = group["row"].to_numpy(dtype=np.int64)
        present = int(np.bitwise_or.reduce(families[positions])) if positions.size else 0
        for bit in range(64):
            if not present >> bit & 1:
                continue
            mask = np.uint64(1) << np.uint64(bit)
            members = positions[
                ((families[positions] & mask) != 0) & (result.category[positions] == "")
            ]
            for cluster in _sweep(data, members, config.window, rule):
                first, last = data.time[cluster].min(), data.time[cluster].max()
                shared = np.bitwise_or.reduce(families[cluster])
                consistent = (families[positions] == 0) | ((families[positions] & shared) != 0)
                joining = positions[
                    consistent
                    & (result.category[positions] == "")
                    & (data.time[positions] >= last - window)
                    & (data.time[positions] <= first + window)
                ]
                joined = np.union1d(cluster, joining)
                _label(data, joined, result, Category.REGIONAL_MULTI_TENANT, str(service))


def _service_rows(
    data: _Columns, rows: np.ndarray, named: Sequence[frozenset[str]]
) -> pd.DataFrame:
    """(region, service, row) for each ticket, plus one more per other service a ticket names."""
    extra = [
        (row, service)
        for row in rows.tolist()
        if named[row]
        for service in sorted(named[row])
        if service != data.service[row]
    ]
    every = np.concatenate([rows, np.array([r for r, _ in extra], dtype=np.int64)])
    services = np.concatenate([data.service[rows], np.array([s for _, s in extra], dtype=object)])
    return pd.DataFrame({"region": data.region[every], "service": services, "row": every})


@dataclass(frozen=True, slots=True)
class _Columns:
    ticket_id: np.ndarray
    tenant: np.ndarray
    region: np.ndarray
    service: np.ndarray
    time: np.ndarray  # int64 ns
    known_place: np.ndarray  # region known and service known

    @classmethod
    def of(cls, tickets: pd.DataFrame) -> _Columns:
        region = tickets["region"].astype("str").fillna(str(Region.UNKNOWN)).to_numpy(dtype=object)
        service = tickets["service"].astype("str").fillna("").to_numpy(dtype=object)
        reported = pd.to_datetime(tickets["reported_at"], utc=True).dt.as_unit("ns")
        return cls(
            ticket_id=tickets["ticket_id"].astype("str").to_numpy(dtype=object),
            tenant=tickets["tenant_id"].astype("str").to_numpy(dtype=object),
            region=region,
            service=service,
            time=reported.to_numpy(dtype="int64", na_value=np.iinfo(np.int64).min),
            known_place=(region != str(Region.UNKNOWN)) & (service != ""),
        )


_Rule = Callable[[list[dict[str, int]]], bool]


def _network_rule(config: TriageConfig) -> _Rule:
    """Counters are (tenants, regions, services)."""

    def qualifies(counters: list[dict[str, int]]) -> bool:
        tenants, regions, services = counters
        known_regions = len(regions) - (1 if str(Region.UNKNOWN) in regions else 0)
        known_services = len(services) - (1 if "" in services else 0)
        return len(tenants) >= config.network_min_tenants and (
            known_regions >= config.network_min_regions
            or known_services >= config.network_min_services
        )

    return qualifies


def _regional_rule(config: TriageConfig) -> _Rule:
    """Counters are (tenants,)."""

    def qualifies(counters: list[dict[str, int]]) -> bool:
        return len(counters[0]) >= config.min_tenants

    return qualifies


def _sweep(
    data: _Columns,
    positions: np.ndarray,
    window: timedelta,
    rule: tuple[_Rule, tuple[np.ndarray, ...]],
) -> list[np.ndarray]:
    """The members of every qualifying time window among ``positions`` (overlaps merged).

    Two pointers over the time-sorted tickets with running distinct counts of the rule's columns:
    each ticket enters and leaves the window once.
    """
    if positions.size == 0:
        return []
    qualifies, columns = rule
    order = positions[np.argsort(data.time[positions], kind="stable")]
    times = data.time[order]
    ends = np.searchsorted(times, times + int(window.total_seconds() * 1e9), side="right").tolist()
    keys = [column[order].tolist() for column in columns]
    counters: list[dict[str, int]] = [{} for _ in columns]
    ranges: list[list[int]] = []
    end = 0
    for start, window_end in enumerate(ends):
        for position in range(end, window_end):
            for counter, column in zip(counters, keys, strict=True):
                counter[column[position]] = counter.get(column[position], 0) + 1
        end = max(end, window_end)
        if qualifies(counters):
            if ranges and start < ranges[-1][1]:
                ranges[-1][1] = end
            else:
                ranges.append([start, end])
        for counter, column in zip(counters, keys, strict=True):
            left = counter[column[start]] - 1
            if left:
                counter[column[start]] = left
            else:
                del counter[column[start]]
    return [order[first:last] for first, last in ranges]


def _label(
    data: _Columns,
    members: np.ndarray,
    result: ClusterResult,
    category: Category,
    service: str = "",
) -> None:
    ids = list(data.ticket_id[members])
    tenants = len(set(data.tenant[members]))
    regions = sorted(set(data.region[members]) - {str(Region.UNKNOWN)})
    services = sorted(set(data.service[members]) - {""})
    span = _duration(int(data.time[members].max() - data.time[members].min()))
    cid = cluster_id(str(category), ids)
    if category == Category.NETWORK_DISRUPTION:
        reason = (
            f"connectivity failures reported by {tenants} tenants in {len(regions)} region(s) "
            f"({', '.join(regions)}) across {len(services)} service(s) "
            f"({', '.join(services)}) within {span} (cluster {cid})"
        )
    else:
        reason = (
            f"{tenants} tenants in {regions[0]} reported {service or services[0]} within {span} "
            f"(cluster {cid})"
        )
    result.category[members] = str(category)
    result.cluster_id[members] = cid
    result.reason[members] = reason
    result.tenants[members] = tenants
    result.regions[members] = max(len(regions), 1)


def _duration(nanoseconds: int) -> str:
    minutes = max(1, round(nanoseconds / 60e9))
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return f"{hours}h {minutes:02d}m"
    return f"{hours}h" if hours else f"{minutes}m"


def cluster_table(decisions: pd.DataFrame) -> pd.DataFrame:
    """One row per cluster of a decisions frame (index ``cluster_id``): its category, service,
    region and number of tickets, the largest first (ties by id)."""
    clustered = decisions[decisions["cluster_id"].astype(str) != ""]
    table = clustered.groupby("cluster_id").agg(
        category=("category", "first"),
        service=("service", "first"),
        region=("region", "first"),
        tickets=("ticket_id", "size"),
    )
    return table.sort_values(["tickets", "cluster_id"], ascending=[False, True])
