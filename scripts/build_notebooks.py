"""Write the product notebooks from their cell sources (outputs are never stored).

Run: .venv/bin/python scripts/build_notebooks.py  — then `make test` runs them under nbval.
Each notebook is a list of ("md" | "code", source) cells; the sources hold no logic beyond
calling the library (the notebooks show the analyst how to use it).
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]
Cell = tuple[str, str]

SETUP = """\
from pathlib import Path

# The notebooks run from notebooks/ (JupyterLab, nbval) or from the repository root.
ROOT = Path.cwd() if (Path.cwd() / "data").is_dir() else Path.cwd().parent
SAMPLE = ROOT / "data" / "sample"
OUT = ROOT / "out"
OUT.mkdir(exist_ok=True)"""

PROCEDURE = """\
**The partner's procedure** for a customer problem:

1. **Check service health first**: is the problem already documented for *that* tenant?
2. **Troubleshoot it yourself**: settings, licences, permissions and the customer's own network
   are the partner's job (`self_service`).
3. **Escalate to Microsoft** the five categories that need it — `service_not_as_described`,
   `service_unavailable`, `bug`, `network_disruption`, `regional_multi_tenant` — one request per
   problem, never one per ticket.
4. **Close the loop**: track the request, tell the customers, close it when fixed."""

INTAKE = """\
from escalation_kit.intake import read_customers, read_tickets

customers = read_customers(SAMPLE / "customers.csv")
tickets = read_tickets(SAMPLE / "tickets.csv", customers=customers)
print(customers.summary())
print(tickets.summary())
tickets.rejected.head()"""

PACKAGES = """\
from escalation_kit.escalation.batch import prepare_packages

# The partner contact on each package: ESCALATION_KIT_CONTACT_NAME / _EMAIL / _PHONE."""


def _notebook(cells: list[Cell], prefix: str) -> nbformat.NotebookNode:
    """A clean notebook (no outputs, no execution counts) with stable cell ids, so that
    rebuilding it changes nothing unless a cell's source changed."""
    built = [new_markdown_cell(src) if kind == "md" else new_code_cell(src) for kind, src in cells]
    for number, cell in enumerate(built, start=1):
        cell.id = f"{prefix}-{number:02d}"
    return new_notebook(cells=built, metadata=_metadata())


def triage_cells() -> list[Cell]:
    """01: intake → health first → triage → ledger → review app → triage.csv → packages."""
    return [
        (
            "md",
            "# 01 · Triage customer problems\n\n" + PROCEDURE + "\n\n"
            "This notebook runs steps 1–3 on the bundled sample data (60 customers, 600 tickets). "
            "Point `SAMPLE` at your own files to triage real tickets.",
        ),
        ("code", SETUP),
        (
            "md",
            "## Read the tickets and customers\n"
            "Rejected rows are kept with their reason (file, row, field), never dropped: "
            "`accepted + rejected = read`.",
        ),
        ("code", INTAKE),
        (
            "md",
            "## 1 · Check service health first\n"
            "The health sync runs the real Microsoft Graph client. Here it talks to the built-in "
            "emulator (`escalation-kit sandbox`) serving the sample snapshot over loopback; with "
            "credentials configured (see README) the same call reads each customer's tenant.",
        ),
        (
            "code",
            """\
from escalation_kit.auth import StaticTokenProvider
from escalation_kit.health.sync import sync_health
from escalation_kit.sandbox import Sandbox

with Sandbox(SAMPLE / "health.json") as sandbox:
    sync = sync_health(
        customers.accepted["tenant_id"],
        tokens=StaticTokenProvider(),
        base_url=sandbox.base_url,
        progress=False,
    )
health = sync.snapshot
print(sync.summary())
active = {i.id: i for t in health.tenants for i in health.issues_for(t) if not i.is_resolved}
print(f"{len(active)} documented issue(s) still active:")
for issue in active.values():
    print(f"  {issue.id}  {issue.service}: {issue.title}")""",
        ),
        (
            "md",
            "## 2 · Triage\n"
            "Documented issues first (`known_issue`: tell the customer, do not escalate), then "
            "multi-tenant and network clusters, then each ticket's own words. Every decision "
            "carries its reasons.",
        ),
        (
            "code",
            """\
from escalation_kit.triage.engine import triage_tickets

result = triage_tickets(tickets.accepted, customers.accepted, health=health)
result.counts()""",
        ),
        (
            "code",
            """\
to_escalate = result.decisions[result.decisions["escalate"]]
columns = ["ticket_id", "category", "severity", "service", "region", "cluster_id", "reasons"]
to_escalate[columns].head(10)""",
        ),
        (
            "md",
            "## 3 · Review: the triage console\n"
            "Decisions are recorded in the ledger (`ESCALATION_KIT_DB`, else a SQLite file in your "
            "data folder); recording the same run again records nothing new. The console is the "
            "queue of every ticket, newest first: click a column to sort, combine the filters, "
            "or pick a view (*needs review*, *to escalate*, *my reviewed today*).\n\n"
            "Click the queue, then work from the keyboard: **j**/**k** or the arrows move, "
            "**x** selects, **a** accepts the decision (or the selected ones), **o** overrides "
            "it (choose the category, write the reason, press *Override*), **e** drafts the "
            "filing package, **Enter** opens the detail. An override is recorded beside the "
            "automatic decision, which is kept; your name comes from `ESCALATION_KIT_ANALYST` "
            "(else the console asks once). The *Package*, *Note* and *Notice* tabs act on the "
            "ticket in place: copy or download the package text, link the request you filed, "
            "add a note for Microsoft (confirmed), draft the customer notice.",
        ),
        (
            "code",
            """\
from escalation_kit.ledger import Ledger
from escalation_kit.widgets.triage_app import TriageApp

ledger = Ledger()
ledger.upsert_customers(customers.accepted, progress=False)
run_id, recorded = result.record(ledger)  # tickets and decisions; a re-run records nothing new
print(f"{recorded} new decision(s) recorded in {ledger.url} (run {run_id})")
app = TriageApp(result, tickets.accepted, ledger=ledger, health=health, out_dir=OUT / "packages")
app""",
        ),
        (
            "md",
            "Save the decisions in the contract's CSV format (the input of "
            "`escalation-kit escalate`):",
        ),
        ("code", 'result.to_csv(OUT / "triage.csv")'),
        (
            "md",
            "## 4 · Draft the escalation packages of the reviewed decisions\n"
            "One filing package per problem: a cluster is one package listing all its tenants; "
            "outside a cluster, one tenant's tickets about the same problem within 7 days. Only "
            "decisions you accepted or overrode in the console are drafted, so *Run All* drafts "
            "nothing before you have reviewed: review first, then run this cell again. Tickets "
            "whose service health was not checked are refused. Partner Center's API no longer "
            "creates requests: a person files each package in the web UI (customer › Service "
            "management › New request), keeping the tracking tag in the title; "
            "`escalation-kit track` then finds it. Drafting again creates nothing new.",
        ),
        (
            "code",
            PACKAGES
            + """

reviewed = app.reviewed_decisions()  # accepted or overridden in the console: overrides count
batch = None
if reviewed.empty:
    print("Nothing reviewed yet: accept (a) or override (o) decisions in the console above.")
else:
    batch = prepare_packages(
        reviewed,
        tickets,
        ledger=ledger,
        out_dir=OUT / "packages",
        health=health,
    )
    print(f"{len(batch)} package(s) in {batch.out_dir} (index.csv), {batch.created} new")
batch.index.head(15) if batch else None""",
        ),
        ("md", "The first package, as the analyst pastes it into Partner Center:"),
        (
            "code",
            """from IPython.display import HTML

from escalation_kit.escalation.render import render_html

HTML(render_html(batch.packages[0])) if batch and batch.packages else None""",
        ),
    ]


def trends_cells() -> list[Cell]:
    """02: history → headline → volume → figures → anomalies → TrendsApp → HTML report."""
    return [
        (
            "md",
            "# 02 · Escalation trends\n\n"
            "What did we escalate to Microsoft, where, and how fast was it resolved? This notebook "
            "reads the escalation history (the contract's `escalation_history.csv`: three years of "
            "sample escalations), shows the headline numbers and the figures, flags unusual weeks "
            "and writes the HTML report for the team.\n\n"
            "A rising `regional_multi_tenant` or `network_disruption` line is the signal to watch: "
            "several customers hit by one undocumented problem.",
        ),
        ("code", SETUP),
        ("md", "## Load the history\nRejected rows are listed with the row, field and reason."),
        (
            "code",
            """\
from escalation_kit.analytics import load_history

loaded = load_history(SAMPLE / "escalation_history.csv")
history = loaded.accepted
print(loaded)
loaded.rejected.head()""",
        ),
        ("md", "## Headline numbers"),
        (
            "code",
            """\
from escalation_kit.analytics import weekly_anomalies
from escalation_kit.analytics.summary import summarize

anomalies = weekly_anomalies(history)  # the report and the trends app flag the same weeks
for sentence in summarize(history, anomalies=anomalies).sentences():
    print(sentence)""",
        ),
        ("md", "## Volume by category × region × week"),
        (
            "code",
            """\
from escalation_kit.analytics import volume

weekly = volume(history, by=("category", "region"), freq="W")
weekly.tail(10)""",
        ),
        (
            "md",
            "## Figures\n"
            "`main_figures` builds the report's figures (plotly; hover for values). "
            "Colours are the same for a category everywhere.",
        ),
        (
            "code",
            """\
from escalation_kit.analytics.figures import main_figures

figures = main_figures(history, freq="W")
figures["volume"]""",
        ),
        ("code", 'figures["heatmap"]'),
        (
            "code",
            """\
from escalation_kit.analytics.offline import offline_figures

# the maps' country outlines come with the package: they draw with no internet too;
# the second zooms on Europe, where many small countries share the world map's corner
offline_figures(figures["map"], figures["map_europe"])""",
        ),
        ("code", 'figures["time_to_resolve"]'),
        ("code", 'figures["backlog"]'),
        ("code", 'figures["services"]'),
        (
            "md",
            "## Unusual weeks\n"
            "A week is flagged when a category's count (*this week*) is far above its *usual "
            "level*, the median of the 8 weeks before. *How unusual* measures how far, in "
            "units of the usual week-to-week spread (a robust z-score): from 3 a week is "
            "flagged. The report and the trends app list the same weeks.",
        ),
        (
            "code",
            """\
from escalation_kit.analytics.anomalies import readable_anomalies

print(f"{len(anomalies)} unusual weeks; the 10 most unusual:")
readable_anomalies(anomalies).head(10)""",
        ),
        (
            "md",
            "## Explore\n"
            "Choose the period, the frequency, categories, regions and the theme; the figures "
            "are redrawn from the filtered escalations. *Write HTML report* saves the current "
            "selection.",
        ),
        (
            "code",
            """\
from escalation_kit.widgets.trends_app import TrendsApp

trends = TrendsApp(history, report_path=OUT / "report_selection.html")
trends""",
        ),
        (
            "md",
            "## The HTML report\n"
            "One self-contained file (figures, tables, summary) to share with the team: "
            "`out/report.html`. The same as `escalation-kit report`. The customers file puts "
            "customer names next to tenant ids.",
        ),
        (
            "code",
            """\
from escalation_kit.analytics import write_report
from escalation_kit.intake import read_customers

report = write_report(
    history,
    OUT / "report.html",
    title="Escalation report (sample data)",
    customers=read_customers(SAMPLE / "customers.csv").accepted,
)
print(f"wrote {OUT / 'report.html'}")
report""",
        ),
    ]


def incident_cells() -> list[Cell]:
    """03: triage → clusters → investigate the largest → summary → one package → IncidentApp."""
    return [
        (
            "md",
            "# 03 · A multi-tenant incident\n\n"
            "When several customers report the same service in the same region within hours "
            "and nothing is documented in service health, it is one incident: **escalate "
            "once**, listing every affected tenant, instead of one request per ticket. Network "
            "disruptions (connectivity lost across regions or ISPs) are handled the same way.\n\n"
            + PROCEDURE,
        ),
        ("code", SETUP),
        (
            "md",
            "## Triage the sample\n"
            "Health first: the sample's health snapshot (01 shows the live sync against the "
            "emulator).",
        ),
        ("code", INTAKE),
        (
            "code",
            """\
from escalation_kit.health import load_snapshot
from escalation_kit.triage.engine import triage_tickets

health = load_snapshot(SAMPLE / "health.json")
result = triage_tickets(tickets.accepted, customers.accepted, health=health)
result.counts()""",
        ),
        ("md", "## The multi-tenant and network clusters"),
        (
            "code",
            """\
decisions = result.decisions
clusters = result.clusters()  # category, service, region and tickets, the largest first
clusters""",
        ),
        (
            "md",
            "## Investigate the largest\n"
            "Affected tenants, each tenant's reports over time, the spread across regions, the "
            "documented issue on that service in the window (if any) and the linked request.",
        ),
        (
            "code",
            """\
from escalation_kit.analytics import investigate
from escalation_kit.ledger import Ledger

ledger = Ledger()
ledger.upsert_customers(customers.accepted, progress=False)
result.record(ledger)  # the tickets and the decisions

largest = clusters.index[0]
incident = investigate(
    tickets.accepted, decisions, cluster_id=largest, health=health, ledger=ledger
)
incident""",
        ),
        ("code", "incident.regions"),
        ("code", "incident.timeline_figure()"),
        ("md", "## The paste-ready summary\nCopy it into the support request's description."),
        (
            "code",
            """\
from IPython.display import Markdown

Markdown(incident.summary_markdown())""",
        ),
        (
            "md",
            "## The filing package for the whole cluster\n"
            "One package for all its tenants (filed from the first tenant's Service management "
            "page). Drafting is idempotent: run it again and the same package comes back.",
        ),
        (
            "code",
            PACKAGES
            + """

members = decisions[decisions["cluster_id"] == largest]  # overrides in the ledger still win
batch = prepare_packages(members, tickets, ledger=ledger, out_dir=OUT / "incident", health=health)
(package,) = batch.packages
print(f"{package.package_id}: {len(package.tenant_ids)} tenants, {len(package.tickets)} tickets")
print(f"written to {batch.out_dir / package.package_id}")
package""",
        ),
        (
            "md",
            "## Close the loop (against the emulator)\n"
            "How the package's life goes on: a person files it in Partner Center keeping the "
            "tracking tag in the title; `track` finds the request by its tag, links it, and "
            "follows its status and Microsoft's notes. Here the emulator plays Partner Center and "
            "Microsoft, with a throwaway in-memory ledger so that your real ledger never links to "
            "an emulated request. With Partner Center, the same is `escalation-kit track`.",
        ),
        (
            "code",
            """\
from dataclasses import asdict

import pandas as pd

from escalation_kit.auth import StaticTokenProvider
from escalation_kit.escalation.partner_center import PartnerCenterClient
from escalation_kit.escalation.tracking import summaries, track
from escalation_kit.sandbox import Sandbox
from escalation_kit.sandbox.partner_center import file_service_request, microsoft_update

with Ledger("sqlite://") as demo, Sandbox(SAMPLE / "health.json") as sandbox:
    (drafted,) = prepare_packages(members, tickets, ledger=demo, health=health).outcomes
    filed = file_service_request(  # what the analyst does in the web UI
        sandbox.base_url,
        customer_tenant_id=drafted.package.primary_tenant_id,
        title=drafted.package.title,
        description=drafted.package.description,
        severity=drafted.package.severity.value,
    )
    with PartnerCenterClient(sandbox.base_url, StaticTokenProvider()) as partner_center:
        linked = track(demo, partner_center)
        microsoft_update(  # Microsoft asks for more information
            sandbox.base_url,
            filed["id"],
            status="attention_needed",
            note="Please send a browser trace from one affected user.",
            by="Microsoft support",
        )
        synced = track(demo, partner_center)
    lifecycle = pd.DataFrame(asdict(s) for s in summaries(demo))
for line in linked.changes + synced.changes:
    print(line)
lifecycle[["escalation_id", "tracking_tag", "status", "service_request_id", "title"]]""",
        ),
        (
            "md",
            "## Explore other incidents\n"
            "Pick a cluster, or a service, region and window (UTC) to investigate tickets triage "
            "did not cluster.",
        ),
        (
            "code",
            """\
from escalation_kit.widgets.incident_app import IncidentApp

IncidentApp(tickets.accepted, decisions, health=health, ledger=ledger)""",
        ),
    ]


def _metadata() -> dict[str, object]:
    return {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }


NOTEBOOKS = {
    "01_triage.ipynb": triage_cells,
    "02_escalation_trends.ipynb": trends_cells,
    "03_multi_tenant_incident.ipynb": incident_cells,
}


def build() -> dict[str, nbformat.NotebookNode]:
    """Every notebook, validated, by file name."""
    built = {name: _notebook(cells(), name[:2]) for name, cells in NOTEBOOKS.items()}
    for notebook in built.values():
        nbformat.validate(notebook)
    return built


def main() -> None:
    (ROOT / "notebooks").mkdir(exist_ok=True)
    for name, notebook in build().items():
        nbformat.write(notebook, ROOT / "notebooks" / name)
        print(f"wrote notebooks/{name}")


if __name__ == "__main__":
    main()
