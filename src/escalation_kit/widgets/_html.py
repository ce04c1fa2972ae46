"""Escaped HTML fragments for widgets: customer text is untrusted."""

from __future__ import annotations

import html

import pandas as pd


def table(frame: pd.DataFrame, *, max_rows: int = 50) -> str:
    """An HTML table of the first ``max_rows`` rows, every cell escaped."""
    shown = frame.head(max_rows)
    more = len(frame) - len(shown)
    body = shown.to_html(index=False, escape=True, border=0, classes="ek-table")
    note = f"<p><em>… {more} more rows</em></p>" if more > 0 else ""
    return body + note


def definition_list(items: dict[str, object]) -> str:
    """A two-column key/value block, both sides escaped."""
    rows = "".join(
        f"<tr><th style='text-align:left;padding-right:1em'>{html.escape(str(k))}</th>"
        f"<td style='white-space:pre-wrap'>{html.escape('' if v is None else str(v))}</td></tr>"
        for k, v in items.items()
    )
    return f"<table>{rows}</table>"


def message(text: str, *, ok: bool = True) -> str:
    colour = "#1a7f37" if ok else "#cf222e"
    return f"<span style='color:{colour}'>{html.escape(text)}</span>"
