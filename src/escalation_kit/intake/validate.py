"""The one way every input schema collects its verdicts: rejected rows and warnings.

Tickets, customers, the history and the triage output are declarations built from the rule
primitives of :mod:`.rules` (text cleaning, required, length, membership, uniqueness, GUIDs,
numbers, flags) and :mod:`.dates`. Each rule hands :class:`Findings` a boolean column (pandas or
numpy) and the wording of one row's reason; Python-level work (building a message) happens only
for the rows at fault, so 100,000 good rows cost a few column operations.

A schema then takes its verdict in one of two forms, the same for every input:

- collected: ``accepted + rejected == read``, each rejected row with the fields at fault and
  every reason (:meth:`Findings.result`, :meth:`Findings.verdicts`), warnings kept apart;
- strict (:meth:`Findings.strict`): the first rule that finds a bad row raises
  :class:`InputError` naming the file, the row and the field (the triage output, which the tool
  itself wrote, is all or nothing).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import numpy as np
import pandas as pd
import pyarrow as pa

from escalation_kit.errors import InputError, MissingColumnsError
from escalation_kit.intake.readers import PARSE_ERROR, SOURCE_ROW, arrow_chunks
from escalation_kit.intake.result import InputWarningRow, IntakeResult

__all__ = [
    "REJECT_COLUMNS",
    "UNREADABLE",
    "Findings",
    "Mask",
    "Verdicts",
    "filter_rows",
    "quote",
    "reject_unreadable",
    "require_columns",
]

_PLUMBING = (SOURCE_ROW, PARSE_ERROR)
UNREADABLE = "row"
"""The ``field`` of a rejected row that could not be read as fields at all."""
REJECT_COLUMNS = ("file", "row", "field", "reason")
"""Where a rejected row is and why, ahead of its cells (the history's rejects)."""
_QUOTE_LIMIT = 60
Mask: TypeAlias = pd.Series | np.ndarray
"""Per row: does the rule find a fault (a missing value counts as no)."""


def quote(value: object) -> str:
    """A value for a message: quoted, escaped, cut to a readable length."""
    text = str(value)
    if len(text) > _QUOTE_LIMIT:
        text = text[: _QUOTE_LIMIT - 1] + "…"
    return repr(text)


def require_columns(
    present: pd.Index | Sequence[str],
    required: Sequence[str],
    source: str,
    *,
    expected: str | None = None,
    name_field: bool = False,
) -> None:
    """Raise :class:`MissingColumnsError` naming every required column that is absent.

    The message ends with the columns found, or with ``expected`` (what the file should hold)
    when given; with ``name_field`` the error's field is the first missing column.
    """
    missing = [name for name in required if name not in present]
    if not missing:
        return
    if expected is None:
        found = ", ".join(str(c) for c in present if c not in _PLUMBING) or "none"
        message = f"missing required column(s): {', '.join(missing)}; found: {found}"
    else:
        message = f"missing column(s) {', '.join(missing)}; {expected}"
    raise MissingColumnsError(message, file=source, field=missing[0] if name_field else None)


def reject_unreadable(findings: Findings, raw: pd.DataFrame) -> None:
    """Reject the rows the reader could not split into fields, with the reader's reason."""
    if PARSE_ERROR in raw.columns:
        errors = raw[PARSE_ERROR]
        findings.reject(UNREADABLE, errors.notna(), str, errors)


@dataclass(frozen=True, slots=True)
class _Found:
    """One rule's hits: the field, the positions of the rows at fault and a message each."""

    field: str
    positions: np.ndarray
    messages: list[str]


@dataclass(frozen=True, slots=True)
class Verdicts:
    """Per rejected row: every field at fault (``, ``-joined), the first one, and every reason
    (``; ``-joined)."""

    fields: list[str]
    first_fields: list[str]
    reasons: list[str]


@dataclass(frozen=True, slots=True)
class _Strict:
    """Where a strict check's first fault is reported: the source and each row's number."""

    source: str
    rows: np.ndarray


@dataclass
class Findings:
    """Problems (reject the row) and warnings (keep it) found column by column.

    Only the rows at fault are stored (positions and messages), so a rule that finds nothing in
    a million rows costs a boolean column, not a column of messages.
    """

    index: pd.Index
    problems: list[_Found] = field(default_factory=list)
    notes: list[_Found] = field(default_factory=list)
    _strict: _Strict | None = None

    @classmethod
    def strict(cls, index: pd.Index, *, source: str, rows: Sequence[int]) -> Findings:
        """Findings that raise :class:`InputError` at the first row a rule rejects, naming
        ``source``, that row's number in ``rows`` and the field."""
        return cls(index, _strict=_Strict(source, np.asarray(rows, dtype=np.int64)))

    def reject(
        self, field_name: str, mask: Mask, message: Callable[..., str], *values: Any
    ) -> None:
        """Reject the rows of ``mask``; ``message(*row_values)`` says why for one row.

        ``values`` are columns (pandas, numpy, Arrow or :class:`~.rules.Coded`) read at the rows at
        fault only."""
        found = self._found(field_name, mask, message, values, first_only=self._strict is not None)
        strict = self._strict
        if strict is not None and len(found.positions):
            row = int(strict.rows[found.positions[0]])
            raise InputError(found.messages[0], file=strict.source, row=row, field=found.field)
        self.problems.append(found)

    def reject_first(self, field_name: str, rules: Sequence[tuple[Mask, str]]) -> None:
        """The rules of one field in order: a row is rejected with the first one it fails."""
        taken = np.zeros(len(self.index), dtype=bool)
        for mask, message in rules:
            hits = _flags(mask) & ~taken
            taken |= hits
            self.reject(field_name, hits, lambda message=message: message)

    def warn(self, field_name: str, mask: Mask, message: Callable[..., str], *values: Any) -> None:
        """Warn about the rows of ``mask`` without rejecting them."""
        self.notes.append(self._found(field_name, mask, message, values))

    def _found(
        self,
        field_name: str,
        mask: Mask,
        message: Callable[..., str],
        values: tuple[Any, ...],
        *,
        first_only: bool = False,
    ) -> _Found:
        positions = _flags(mask).nonzero()[0]
        if first_only:
            positions = positions[:1]
        texts: list[str] = []
        if len(positions):
            columns = [_at(v, positions) for v in values]
            texts = (
                [message(*row) for row in zip(*columns, strict=True)]
                if columns
                else [message()] * len(positions)
            )
        return _Found(field_name, positions, texts)

    def rejected_flags(self) -> np.ndarray:
        """Per row: rejected by some rule."""
        flags = np.zeros(len(self.index), dtype=bool)
        for found in self.problems:
            flags[found.positions] = True
        return flags

    def rejected_mask(self) -> pd.Series:
        return pd.Series(self.rejected_flags(), index=self.index)

    def verdicts(self, bad: np.ndarray) -> Verdicts:
        """Per rejected row (in order): its fields at fault and its reasons, in rule order. A
        row that could not be split into fields has only that problem worth reading.

        Most rejected rows have one problem: theirs are placed with whole-array assignments, and
        Python visits only the rows with several."""
        count = int(bad.sum())
        slot = np.cumsum(bad) - 1  # a rejected row's place among the rejected rows
        unreadable = np.zeros(count, dtype=bool)
        for found in self.problems:
            if found.field == UNREADABLE:
                unreadable[slot[found.positions]] = True
        hits: list[tuple[str, np.ndarray, np.ndarray]] = []
        for found in self.problems:
            places = slot[found.positions]
            shown = unreadable[places] == (found.field == UNREADABLE)
            messages = np.asarray(found.messages, dtype=object).reshape(-1)
            hits.append((found.field, places[shown], messages[shown]))
        several = (
            np.bincount(
                np.concatenate([places for _, places, _ in hits] or [np.zeros(0, np.int64)]),
                minlength=count,
            )
            > 1
        )
        first = np.empty(count, dtype=object)
        reasons = np.empty(count, dtype=object)
        many: dict[int, tuple[list[str], list[str]]] = {}
        for name, places, messages in hits:
            alone = ~several[places]
            first[places[alone]] = name
            reasons[places[alone]] = messages[alone]
            for place, text in zip(places[~alone].tolist(), messages[~alone].tolist(), strict=True):
                names, texts = many.setdefault(place, ([], []))
                if name not in names:
                    names.append(name)
                texts.append(text)
        fields = first.copy()
        for place, (names, texts) in many.items():
            first[place] = names[0]
            fields[place] = ", ".join(names)
            reasons[place] = "; ".join(texts)
        return Verdicts(fields.tolist(), first.tolist(), reasons.tolist())

    def result(
        self, raw: pd.DataFrame, accepted: pd.DataFrame, source: str, key: pd.Series
    ) -> IntakeResult:
        """Assemble the result: accepted rows, raw rejected rows with reasons, warnings.

        ``raw`` is consumed: once its rejected rows are taken its columns are dropped, so that a
        big file's text is not held twice while the accepted rows are copied out.
        """
        bad = self.rejected_flags()
        keep = ~bad
        rejected = filter_rows(raw, bad).drop(columns=[PARSE_ERROR], errors="ignore")
        verdicts = self.verdicts(bad)
        rejected = rejected.rename(columns={c: f"raw_{c}" for c in ("field", "reason")})
        rejected["field"] = pd.Series(verdicts.fields, index=rejected.index, dtype="str")
        rejected["reason"] = pd.Series(verdicts.reasons, index=rejected.index, dtype="str")
        warnings = self.warnings(raw[SOURCE_ROW], key, keep)
        read = len(raw)
        for column in list(raw.columns):
            del raw[column]
        return IntakeResult(
            accepted=filter_rows(accepted, keep),
            rejected=rejected,
            source=source,
            read=read,
            warnings=warnings,
        )

    def warnings(self, rows: Any, key: Any, kept: np.ndarray) -> tuple[InputWarningRow, ...]:
        """The warnings of the kept rows, by row then rule: ``rows`` gives each row's number
        and ``key`` its id (columns as for :meth:`reject`, read at the warned rows only)."""
        found: list[tuple[int, int, InputWarningRow]] = []
        for order, note in enumerate(self.notes):
            shown = kept[note.positions]
            positions = note.positions[shown]
            texts = [text for text, ok in zip(note.messages, shown, strict=True) if ok]
            for row, name, text in zip(
                _at(rows, positions), _at(key, positions), texts, strict=True
            ):
                found.append((row, order, InputWarningRow(int(row), str(name), note.field, text)))
        found.sort(key=lambda item: item[:2])
        return tuple(warning for _, _, warning in found)


def _flags(mask: Mask) -> np.ndarray:
    if isinstance(mask, np.ndarray):
        return mask.astype(bool, copy=False)
    return mask.fillna(False).to_numpy(dtype=bool)


def _at(values: Any, positions: np.ndarray) -> list[Any]:
    """The values of a column at ``positions`` (pandas, numpy or a coded column)."""
    if isinstance(values, pd.Series):
        return values.iloc[positions].tolist()
    if isinstance(values, np.ndarray):
        return values[positions].tolist()
    if isinstance(values, pa.Array):
        return values.take(pa.array(positions)).to_pylist()
    return values.at(positions)


def filter_rows(frame: pd.DataFrame, keep: np.ndarray) -> pd.DataFrame:
    """The rows where ``keep`` is true, renumbered from 0. Arrow text is filtered chunk by
    chunk: pandas' ``loc`` would first join a big column's chunks into one more copy."""
    mask = pa.array(keep, pa.bool_())
    columns: dict[str, pd.Series] = {}
    for name in frame.columns:
        values = frame[name]
        if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
            chunked = arrow_chunks(values)
            columns[name] = pd.Series(pd.array(chunked.filter(mask), dtype=values.dtype))
        else:
            columns[name] = values[keep].reset_index(drop=True)
    return pd.DataFrame(columns, index=pd.RangeIndex(int(keep.sum())), copy=False)
