"""Filing packages: composition, tracking tags, rendering (escaped), analyst edits."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from esc_helpers import CLUSTER, CONTACT, T1, T2, make_decision, make_ticket

from escalation_kit.errors import InputError, LedgerError
from escalation_kit.escalation.catalogue import catalogue, lookup
from escalation_kit.escalation.keys import (
    content_key,
    escalation_id_for,
    find_tags,
    tracking_tag,
)
from escalation_kit.escalation.packages import (
    PARTNER_SUPPORT_URL,
    FilingPackage,
    add_tickets,
    compose_package,
    edit_package,
)
from escalation_kit.escalation.render import (
    escape_markdown,
    render_csv,
    render_html,
    render_json,
    render_markdown,
    render_text,
    write_package,
)
from escalation_kit.models import Category, Severity
from escalation_kit.services import SERVICE_NAMES

EVIL = "<script>alert(1)</script> **bold** [x](http://evil)"


def cluster_package() -> FilingPackage:
    tickets = {
        "A": make_ticket("A", T1, 9, title=EVIL, customer_name="=HYPERLINK(1)"),
        "B": make_ticket("B", T2, 11, users_affected=None),
    }
    decisions = [
        make_decision("B", Category.REGIONAL_MULTI_TENANT, cluster_id=CLUSTER),
        make_decision(
            "A", Category.REGIONAL_MULTI_TENANT, cluster_id=CLUSTER, severity=Severity.CRITICAL
        ),
    ]
    key = content_key(
        category="regional_multi_tenant",
        tenant_id=T1,
        service="Exchange Online",
        cluster_id=CLUSTER,
    )
    return compose_package(
        package_id=escalation_id_for(key),
        content_key=key,
        tracking_tag=tracking_tag(key),
        decisions=decisions,
        tickets=tickets,
        contact=CONTACT,
    )


def _outside_fences(lines: list[str]) -> list[str]:
    kept, fenced = [], False
    for line in lines:
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced:
            kept.append(line)
    return kept


def test_catalogue_covers_every_graph_service_name() -> None:
    entries = catalogue()
    assert [name for name in SERVICE_NAMES if name.lower() not in entries] == []
    assert lookup("Exchange Online").product == "Exchange Online"
    assert lookup("Some future service").workload == "Microsoft 365"


def test_content_key_is_stable_and_cluster_ignores_tenant() -> None:
    a = content_key(category="bug", tenant_id=T1, service="Teams", cluster_id="C1")
    b = content_key(category="bug", tenant_id=T2, service=" teams ", cluster_id="C1")
    lone1 = content_key(category="bug", tenant_id=T1, service="Teams", ticket_id="X")
    lone2 = content_key(category="bug", tenant_id=T2, service="Teams", ticket_id="X")
    assert a == b and lone1 != lone2 and len(a) == 64
    assert escalation_id_for(a) == "ESC-" + a[:12].upper()
    with pytest.raises(LedgerError):
        content_key(category="bug", tenant_id=T1, service="Teams")


def test_tracking_tag_skips_taken_tags_deterministically() -> None:
    key = "k" * 64
    first = tracking_tag(key)
    assert first.startswith("EK-") and len(first) == 8
    second = tracking_tag(key, is_taken=lambda tag: tag == first)
    assert second != first
    assert tracking_tag(key, is_taken=lambda tag: tag == first) == second
    with pytest.raises(LedgerError, match="no free tracking tag"):
        tracking_tag(key, is_taken=lambda _tag: True)
    assert find_tags(f"Re: {first.lower()} and EK-ABCDE, not EK-ABCDEF") == [first, "EK-ABCDE"]


def test_cluster_package_content() -> None:
    package = cluster_package()
    assert package.ticket_ids == ("A", "B")  # earliest report first, whatever the input order
    assert package.tenant_ids == (T1, T2)
    assert package.severity is Severity.CRITICAL  # the worst of the cluster
    assert package.title.startswith(package.tracking_tag + " Exchange Online: regional")
    assert "2 tenants in Europe" in package.title
    assert package.users_affected == 10
    assert package.product == "Exchange Online"
    # a cluster is the partner's own request listing every tenant, not filed under the first
    assert package.filed_as_partner and package.to_dict()["filed_as"] == "partner"
    assert package.portal_url == PARTNER_SUPPORT_URL
    assert "Filed by the partner for 2 customer tenant(s)" in package.description
    # triage checked health but the package was given no snapshot time: it says so, and
    # claims no troubleshooting nobody reported
    assert package.health_checked_at is None
    assert "Service health was checked at triage for every affected tenant" in package.description
    assert "snapshot fetched" not in package.description
    assert "What was checked or tried" in package.description
    assert "- nothing stated" in package.description
    assert "admin settings, licences" not in package.description
    assert f"tenant {T2}" in package.description
    assert "Ana Partner, ana@partner.example" in package.description


def test_markdown_escapes_customer_text_and_csv_defuses_formulas() -> None:
    package = cluster_package()
    markdown = render_markdown(package)
    # no HTML entities anywhere: markup is made inert with backslash escapes
    assert "&lt;" not in markdown and "&#x27;" not in markdown and "&amp;" not in markdown
    # outside the fenced (literal) title/description blocks, markdown syntax is escaped
    prose = "\n".join(_outside_fences(markdown.splitlines()))
    assert "<script>" not in prose and "\\<script\\>" in prose
    assert "**bold**" not in prose and "[x](http://evil)" not in prose
    assert "\\*\\*bold\\*\\*" in prose
    assert package.description in markdown  # the same text as package.txt and package.json
    assert escape_markdown("a*b") == "a\\*b"
    rows = list(csv.DictReader(io.StringIO(render_csv(package))))
    assert [r["ticket_id"] for r in rows] == ["A", "B"]
    assert rows[0]["customer_name"] == "'=HYPERLINK(1)"
    assert rows[1]["users_affected"] == ""
    card = package._repr_html_()
    assert "<script>" not in card and "&lt;script&gt;alert(1)&lt;/script&gt;" in card
    assert card == render_html(package) and package.portal_url in card
    text = render_text(package)
    assert package.title in text and "New request" in text and package.portal_url in text


def test_json_round_trip_and_files(tmp_path: Path) -> None:
    package = cluster_package()
    again = FilingPackage.from_dict(json.loads(render_json(package)))
    assert again == package
    folder = write_package(package, tmp_path)
    assert sorted(p.name for p in folder.iterdir()) == [
        "affected.csv",
        "package.json",
        "package.md",
        "package.txt",
    ]
    with pytest.raises(InputError, match="not a valid filing package"):
        FilingPackage.from_dict({"package_id": "x"}, source="p.json")


def test_edit_package_keeps_the_tag_and_validates() -> None:
    package = cluster_package()
    edited = edit_package(package, title="Mail delayed for several customers", severity="Minimal")
    assert edited.title == f"{package.tracking_tag} Mail delayed for several customers"
    assert edited.severity is Severity.MINIMAL
    assert edited.edited_fields == ("severity", "title")
    assert package.title != edited.title  # the original is untouched
    with pytest.raises(InputError, match="cannot edit tickets"):
        edit_package(package, tickets=())
    with pytest.raises(InputError, match="severity must be"):
        edit_package(package, severity="urgent")
    with pytest.raises(InputError, match="title cannot be empty"):
        edit_package(package, title="   ")


def test_new_tickets_regenerate_text_but_not_edited_fields() -> None:
    package = edit_package(cluster_package(), description="My own words")
    tickets = {"C": make_ticket("C", "33333333-3333-4333-8333-333333333333", 10)}
    grown = add_tickets(
        package, [make_decision("C", Category.REGIONAL_MULTI_TENANT, cluster_id=CLUSTER)], tickets
    )
    assert grown.ticket_ids == ("A", "C", "B")
    assert "3 tenants" in grown.title
    assert grown.description == "My own words"
    assert add_tickets(grown, [], tickets) is grown
