"""What intake hands back: accepted rows, rejected rows with their reasons, and per-row warnings."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from escalation_kit.intake.writers import write_csv

__all__ = ["InputWarningRow", "IntakeResult"]


@dataclass(frozen=True, slots=True)
class InputWarningRow:
    """A problem that did not reject the row (e.g. an unknown country: region ``Unknown``)."""

    source_row: int
    key: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"row {self.source_row} ({self.key}): {self.field}: {self.message}"


@dataclass(frozen=True, eq=False)  # frames have no single truth value: compare the parts
class IntakeResult:
    """Rows read from one source: ``len(accepted) + len(rejected) == read``, always.

    ``rejected`` keeps every raw column of the row as read, plus ``source_row`` (the row number
    the user sees in the file), ``field`` (the fields at fault, comma-separated) and ``reason``
    (every problem of the row, ``; ``-separated).
    """

    accepted: pd.DataFrame
    rejected: pd.DataFrame
    source: str
    read: int
    warnings: tuple[InputWarningRow, ...] = field(default=())

    def __post_init__(self) -> None:
        if len(self.accepted) + len(self.rejected) != self.read:
            raise AssertionError(
                f"intake lost rows: {len(self.accepted)} + {len(self.rejected)} != {self.read}"
            )

    def summary(self) -> str:
        """One line for people: ``read 600, accepted 596, rejected 4 (tickets.csv)``."""
        name = Path(self.source).name or self.source
        return (
            f"read {self.read}, accepted {len(self.accepted)}, rejected {len(self.rejected)} "
            f"({name})"
        )

    def __repr__(self) -> str:
        return f"<IntakeResult {self.summary()}, {len(self.warnings)} warnings>"

    def warnings_frame(self) -> pd.DataFrame:
        """The warnings as a frame: ``source_row``, ``key``, ``field``, ``message``."""
        columns = ["source_row", "key", "field", "message"]
        rows = [(w.source_row, w.key, w.field, w.message) for w in self.warnings]
        frame = pd.DataFrame(rows, columns=columns)
        return frame.astype({"source_row": "int64", "key": "str", "field": "str", "message": "str"})

    def write_rejects(self, path: str | Path) -> Path:
        """Write the rejected rows as CSV (UTF-8 with BOM, so Excel shows every script).

        Cells that a spreadsheet would run as a formula are prefixed with ``'``.
        """
        return write_csv(self.rejected, path, what="rejects file", bom=True)

    def _repr_html_(self) -> str:
        head = html.escape(self.summary())
        if self.rejected.empty:
            return f"<p>{head}</p>"
        rows = "".join(
            f"<tr><td>{r.source_row}</td><td>{html.escape(str(r.field))}</td>"
            f"<td>{html.escape(str(r.reason))}</td></tr>"
            for r in self.rejected.head(20).itertuples()
        )
        more = len(self.rejected) - 20
        tail = f"<p>… and {more} more rejected rows</p>" if more > 0 else ""
        return (
            f"<p>{head}</p><table><thead><tr><th>row</th><th>field</th><th>reason</th></tr>"
            f"</thead><tbody>{rows}</tbody></table>{tail}"
        )
