"""IncidentApp without a kernel: a cluster or a window gives the investigation shown."""

from __future__ import annotations

import pandas as pd
import pytest
from widget_data import TENANTS, accepted_tickets, cluster_decisions

from escalation_kit.widgets.incident_app import CLUSTER, WINDOW, IncidentApp, cluster_options


@pytest.fixture(scope="module")
def tickets() -> pd.DataFrame:
    return accepted_tickets()


def test_the_largest_cluster_is_investigated_first(tickets: pd.DataFrame) -> None:
    app = IncidentApp(tickets, cluster_decisions())
    assert app.cluster.options == (
        ("C-shp · regional_multi_tenant · SharePoint Online · Europe · 3 tickets", "C-shp"),
    )
    found = app.value
    assert found is not None
    assert found.cluster_id == "C-shp"
    assert list(found.tickets["ticket_id"]) == ["T1", "T2", "T3"]
    assert list(found.tenants["tenant_id"]) == TENANTS[:3]
    assert found.region == "Europe"
    assert all(tenant in app.markdown.value for tenant in TENANTS[:3])
    (shown,) = app.output.outputs
    timeline = shown["data"]["application/vnd.plotly.v1+json"]["data"]
    shown_times = pd.to_datetime([x for trace in timeline for x in trace["x"]], utc=True)
    assert sorted(shown_times) == sorted(found.tickets["reported_at"])


def test_customer_text_is_escaped_in_the_view(tickets: pd.DataFrame) -> None:
    app = IncidentApp(tickets, cluster_decisions())
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Ltd" in app.view.value
    assert "&lt;script&gt;alert(1)&lt;/script&gt; SharePoint down" in app.view.value
    assert "<script" not in app.view.value


def test_window_mode_finds_the_tickets_in_the_window(tickets: pd.DataFrame) -> None:
    app = IncidentApp(tickets, cluster_decisions())
    app.mode.value = WINDOW
    app.service.value = "SharePoint Online"
    app.region.value = "Europe"
    app.start.value = "2026-11-13 09:30"
    app.end.value = "2026-11-13 12:00"
    app.run.click()
    assert app.value is not None
    assert list(app.value.tickets["ticket_id"]) == ["T2", "T3"]
    assert app.value.cluster_id == ""


def test_window_without_times_is_a_message_not_a_traceback(tickets: pd.DataFrame) -> None:
    app = IncidentApp(tickets, cluster_decisions())
    app.mode.value = WINDOW
    app.run.click()
    assert app.value is None
    assert "start and end (UTC)" in app.view.value
    app.start.value, app.end.value = "2026-11-20 00:00", "2026-11-21 00:00"
    app.run.click()
    assert app.value is None
    assert "no tickets match this window" in app.view.value
    assert app.markdown.value == ""
    assert app.output.outputs == ()


def test_no_clusters_means_nothing_investigated(tickets: pd.DataFrame) -> None:
    decisions = cluster_decisions().assign(cluster_id="")
    assert cluster_options(decisions) == []
    app = IncidentApp(tickets, decisions)
    assert app.value is None
    app.run.click()
    assert "triage found none" in app.view.value


def two_clusters() -> pd.DataFrame:
    """T1–T3 one cluster (SharePoint), T4 and T5 a second, smaller one."""
    decisions = cluster_decisions()
    decisions.loc[3:4, "cluster_id"] = "C-net"
    decisions.loc[3:4, "category"] = "network_disruption"
    return decisions


def test_picking_another_cluster_shows_it_at_once(tickets: pd.DataFrame) -> None:
    app = IncidentApp(tickets, two_clusters())
    assert [value for _, value in app.cluster.options] == ["C-shp", "C-net"]
    assert app.value is not None and app.value.cluster_id == "C-shp"
    app.cluster.value = "C-net"  # no button press
    assert app.value is not None and app.value.cluster_id == "C-net"
    assert list(app.value.tickets["ticket_id"]) == ["T4", "T5"]
    assert "Tailspin Inc" in app.view.value and TENANTS[3] in app.markdown.value
    assert "Fabrikam SA" not in app.view.value
    # in window mode a cluster change waits: the window's times are typed, then run
    app.mode.value = WINDOW
    app.cluster.value = "C-shp"
    assert app.value is not None and app.value.cluster_id == "C-net"
    app.mode.value = CLUSTER  # back to clusters: the chosen one is shown
    assert app.value is not None and app.value.cluster_id == "C-shp"


def test_labels_and_cluster_names_are_not_cut_off(tickets: pd.DataFrame) -> None:
    app = IncidentApp(tickets, two_clusters())
    for control in (app.cluster, app.service, app.region, app.start, app.end, app.markdown):
        assert control.style.description_width == "6.5em"
    assert app.cluster.layout.width == "min(100%, 60em)"
    timeline = app.value.timeline_figure() if app.value else None
    assert timeline is not None and timeline.layout.yaxis.automargin is True
