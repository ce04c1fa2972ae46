"""The console's two browser-side widgets (anywidget): the queue grid and copy-ready text.

Their front ends are the small ES modules beside this file (``grid.js``, ``copy_text.js``);
both write every value with ``textContent``, so customer text never becomes markup. This
module imports anywidget: import it only when an app is built.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import anywidget  # heavy optional front-end package: this module is imported lazily
import traitlets

from escalation_kit.widgets.queue import COLUMNS

__all__ = ["CopyText", "QueueGrid"]

HERE = Path(__file__).parent

GRID_CSS = """
.ek-grid { font-size: 13px; }
.ek-grid-caption { margin: 2px 0 4px; color: var(--jp-ui-font-color2, #555); }
.ek-grid-scroll { max-height: 420px; overflow: auto; border: 1px solid #d0d7de; }
.ek-grid table { border-collapse: collapse; width: 100%; }
.ek-grid table:focus { outline: 2px solid #0969da; outline-offset: -2px; }
.ek-grid th { position: sticky; top: 0; background: var(--jp-layout-color2, #f6f8fa);
  text-align: left; z-index: 1; }
.ek-grid th button { all: unset; cursor: pointer; padding: 4px 6px; font-weight: 600; }
.ek-grid th button:focus-visible { outline: 2px solid #0969da; }
.ek-grid td { padding: 3px 6px; border-top: 1px solid #eaeef2; white-space: nowrap;
  max-width: 16em; overflow: hidden; text-overflow: ellipsis; }
.ek-grid td[data-key="title"] { max-width: 24em; }
.ek-grid tr[aria-selected="true"] td { background: #ddf4ff; }
.ek-grid tr.ek-cursor td { background: #fff8c5;
  box-shadow: inset 0 1px #9a6700, inset 0 -1px #9a6700; }
.ek-grid .ek-pick { width: 1.5em; text-align: center; }
"""

COPY_CSS = """
.ek-copy-bar { display: flex; gap: 8px; align-items: center; margin: 4px 0; }
.ek-copy-bar button, .ek-copy-bar a { padding: 2px 10px; border: 1px solid #8c959f;
  border-radius: 4px; background: #f6f8fa; color: inherit; text-decoration: none; cursor: pointer; }
.ek-copy-text { white-space: pre-wrap; max-height: 360px; overflow: auto; padding: 8px;
  border: 1px solid #d0d7de; background: var(--jp-layout-color1, #fff); font-size: 12px; }
"""


class QueueGrid(anywidget.AnyWidget):
    """The queue's rows (already filtered and sorted in Python), the cursor and the selection.

    The front end sets ``sort_by``/``sort_desc`` (header clicks), ``cursor`` (j/k, arrows,
    clicks) and ``selected`` (x, space, ctrl-click), and sends ``{"action": ...}`` for the
    single-key actions (accept, override, escalate, open), passed to ``on_action``.
    """

    _esm = HERE / "grid.js"
    _css = GRID_CSS
    rows = traitlets.List(traitlets.Dict()).tag(sync=True)
    columns = traitlets.List(
        traitlets.Dict(), default_value=[{"key": key, "label": label} for key, label in COLUMNS]
    ).tag(sync=True)
    sort_by = traitlets.Unicode("age").tag(sync=True)
    sort_desc = traitlets.Bool(True).tag(sync=True)
    cursor = traitlets.Unicode("").tag(sync=True)
    selected = traitlets.List(traitlets.Unicode()).tag(sync=True)
    caption = traitlets.Unicode("").tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._handlers: list[Callable[[str, str], None]] = []
        self.on_msg(self._received)

    def on_action(self, handler: Callable[[str, str], None]) -> None:
        """Call ``handler(action, ticket_id)`` for each single-key action."""
        self._handlers.append(handler)

    def act(self, action: str, ticket_id: str | None = None) -> None:
        """Run an action as if its key were pressed (tests, buttons)."""
        for handler in self._handlers:
            handler(action, ticket_id if ticket_id is not None else self.cursor)

    def focus_grid(self) -> None:
        """Give the grid the keyboard focus (after a form action)."""
        self.send({"focus": True})

    def _received(self, _widget: Any, content: Any, _buffers: Any) -> None:
        """The page's selection and key actions arrive as messages, in the order they were made."""
        if not isinstance(content, dict):
            return
        selected = content.get("selected")
        if isinstance(selected, list):
            self.selected = [str(t) for t in selected]
        if isinstance(content.get("action"), str):
            self.act(content["action"], str(content.get("ticket_id") or self.cursor))


class CopyText(anywidget.AnyWidget):
    """Text to paste elsewhere: shown verbatim, with a Copy button and a download link."""

    _esm = HERE / "copy_text.js"
    _css = COPY_CSS
    text = traitlets.Unicode("").tag(sync=True)
    label = traitlets.Unicode("").tag(sync=True)
    filename = traitlets.Unicode("text.txt").tag(sync=True)
