"""Render filing packages: copy-ready text, markdown, JSON and the affected-tickets CSV.

All four come from the same package fields, so they never disagree: the description an analyst
pastes is the ``description`` field in the text, in a fenced block of the markdown and in the
JSON. Ticket titles and customer names are written by customers: in markdown they are made inert
with backslash escapes (CommonMark escapes every ASCII punctuation character, ``<`` and ``&``
included), never with HTML entities, so the file reads the same as text and as rendered markdown.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from escalation_kit.errors import InputError
from escalation_kit.escalation.packages import FilingPackage, health_statement
from escalation_kit.intake.writers import csv_text

__all__ = [
    "ATTACHMENT_COLUMNS",
    "escape_markdown",
    "read_package_json",
    "render_csv",
    "render_html",
    "render_json",
    "render_markdown",
    "render_text",
    "write_package",
]

ATTACHMENT_COLUMNS = (
    "ticket_id",
    "tenant_id",
    "customer_name",
    "country",
    "region",
    "service",
    "reported_at",
    "users_affected",
    "title",
    "language",
    "english_summary",
    "error_codes",
    "error_messages",
    "times",
    "sites",
    "health_checked",
    "description",
)
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>&])")


def escape_markdown(text: str) -> str:
    """Untrusted text made inert in markdown (backslash escapes; no HTML entities)."""
    flat = " ".join(str(text).split())
    return _MARKDOWN_SPECIALS.sub(r"\\\1", flat)


def _fenced(text: str) -> list[str]:
    """``text`` verbatim in a fenced code block longer than any backtick run inside it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}text", *text.splitlines(), fence]


def render_text(package: FilingPackage) -> str:
    """Plain text laid out in the order of the Partner Center form, ready to copy."""
    return "\n".join(
        [
            f"FILING PACKAGE {package.package_id}  ({package.tracking_tag})",
            "",
            *_where_to_file(package),
            f"Workload: {package.workload}",
            f"Product: {package.product}",
            f"Support category / problem area: {package.support_category}",
            f"Severity: {package.severity.value}",
            f"Contact (partner): {package.contact.describe()}",
            "",
            "Title:",
            package.title,
            "",
            "Description:",
            package.description,
            "",
        ]
    )


def _where_to_file(package: FilingPackage) -> list[str]:
    if package.filed_as_partner:
        return [
            "Where to file: the partner's own request (Partner Center > Help + support >",
            f'"New request"), listing every tenant below: {package.portal_url}',
        ]
    return [
        "Where to file: open the customer's Service management page in Partner Center and",
        f'click "New request": {package.portal_url}',
    ]


def render_markdown(package: FilingPackage) -> str:
    """Markdown for a wiki or a chat: the same fields as the text; customer values escaped."""
    esc = escape_markdown
    rows = [
        f"| {esc(t.ticket_id)} | `{t.tenant_id}` | {esc(t.customer_name)} | {esc(t.country)} "
        f"| {t.reported_at.isoformat()} | {'' if t.users_affected is None else t.users_affected} "
        f"| {'yes' if t.health_checked else 'no'} | {esc(t.title)} |"
        for t in package.tickets
    ]
    where = "Partner Center: Help + support" if package.filed_as_partner else "Service management"
    return "\n".join(
        [
            f"# {esc(package.title)}",
            "",
            f"- **Package:** {package.package_id} (tracking tag `{package.tracking_tag}`)",
            f"- **File it at:** [{where}]({package.portal_url}), *New request*",
            f"- **Workload / product:** {esc(package.workload)} / {esc(package.product)}",
            f"- **Support category:** {esc(package.support_category)}",
            f"- **Severity:** {package.severity.value}",
            f"- **Category:** {package.category.value}; **region:** {esc(package.region)}",
            f"- **Service health:** {esc(health_statement(package))}",
            f"- **Partner contact:** {esc(package.contact.describe())}",
            "",
            "## Title (paste as is)",
            "",
            *_fenced(package.title),
            "",
            "## Description (paste as is)",
            "",
            *_fenced(package.description),
            "",
            "## Affected tickets",
            "",
            "| ticket | tenant | customer | country | reported | users | health checked | title |",
            "|---|---|---|---|---|---|---|---|",
            *rows,
            "",
        ]
    )


def render_html(package: FilingPackage) -> str:
    """An HTML card (for notebooks via ``_repr_html_``); every value is escaped."""
    esc = html.escape
    fields = [
        ("Tracking tag", package.tracking_tag),
        ("Workload / product", f"{package.workload} / {package.product}"),
        ("Support category", package.support_category),
        ("Severity", package.severity.value),
        ("Tenants / tickets", f"{len(package.tenant_ids)} / {len(package.tickets)}"),
        ("Partner contact", package.contact.describe()),
    ]
    rows = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in fields)
    return (
        f'<div class="ek-package"><h4>{esc(package.title)}</h4>'
        f'<p>File at <a href="{esc(package.portal_url)}">Service management</a> '
        f"&rarr; New request</p><table>{rows}</table>"
        f"<pre>{esc(package.description)}</pre></div>"
    )


def render_json(package: FilingPackage) -> str:
    """The package as JSON (``package.json``): the file an analyst edits and feeds back."""
    return json.dumps(package.to_dict(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def render_csv(package: FilingPackage) -> str:
    """The attachment: one row per affected ticket (formula-like cells neutralised)."""
    rows = (
        [
            t.ticket_id,
            t.tenant_id,
            t.customer_name,
            t.country,
            t.region,
            t.service,
            t.reported_at.isoformat(),
            t.users_affected,
            t.title,
            t.language,
            t.english_summary,
            "; ".join(t.error_codes),
            "; ".join(t.error_messages),
            "; ".join(t.times),
            "; ".join(t.sites),
            "true" if t.health_checked else "false",
            t.description,
        ]
        for t in package.tickets
    )
    return csv_text(ATTACHMENT_COLUMNS, rows)


def write_package(package: FilingPackage, directory: Path) -> Path:
    """Write the package's four renderings into ``directory/<package_id>/``; returns that folder."""
    folder = directory / package.package_id
    folder.mkdir(parents=True, exist_ok=True)
    outputs = {
        "package.txt": render_text(package),
        "package.md": render_markdown(package),
        "package.json": render_json(package),
        "affected.csv": render_csv(package),
    }
    for name, text in outputs.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def read_package_json(path: str | Path) -> FilingPackage:
    """A package back from its (possibly hand-edited) ``package.json``; InputError names the
    file and what is wrong with it."""
    source = str(path)
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputError("file not found", file=source) from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"not a readable JSON package: {exc}", file=source) from exc
    if not isinstance(data, dict):
        raise InputError("a package must be a JSON object", file=source)
    return FilingPackage.from_dict(data, source=source)
