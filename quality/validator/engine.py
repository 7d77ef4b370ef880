"""Validating a table batch by batch, with frictionless-py's errors and order.

Within a row frictionless-py reports, in this order: each field's type error or
constraint errors (in the order of the type's supported constraints), extra
cells, missing cells — all replaced by a single ``blank-row`` when no field has
a value — then unique, primary-key and foreign-key errors. Errors carry a sort
key (row, group, position, rank) so batches and the end-of-table key checks can
be merged into that order.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
from frictionless import Schema

from datasets.readers.batches.reader import Batch

from . import errors
from .canonical import canonical_keys
from .columns import ColumnOutcome, FieldPlan, concat_typed, evaluate, typed_values
from .errors import (
    GROUP_CELL,
    GROUP_EXTRA,
    GROUP_FOREIGN,
    GROUP_MISSING,
    GROUP_PRIMARY,
    GROUP_UNIQUE,
    ValidationError,
)
from .foreign import ForeignKey
from .keys import KeyBatch, KeyTracker
from .report import ValidationReport
from .structure import Layout

SortKey = tuple[int, int, int, int]
END = 2**62


@dataclass
class Analysis:
    """What a batch contributes: errors, invalid rows, keys, typed values."""

    rows: np.ndarray
    found: list[tuple[SortKey, ValidationError]]
    invalid: np.ndarray
    keys: KeyBatch | None
    typed: list[pa.Array] | None


@dataclass
class TableValidator:
    """Accumulates the errors of a table fed batch by batch."""

    layout: Layout
    schema: Schema
    foreign: list[ForeignKey] = field(default_factory=list)
    limit_errors: int | None = None
    keep_values: bool = False

    def __post_init__(self) -> None:
        self.limit_errors = self.limit_errors or None  # 0 means no limit, as in frictionless-py
        self.plans = [FieldPlan.build(f, n) for n, f in enumerate(self.layout.fields, start=1)]
        self.keys = KeyTracker(self.plans, list(self.schema.primary_key), self.foreign)
        self.found: list[tuple[SortKey, ValidationError]] = [
            ((-1, 0, 0, rank), error) for rank, error in enumerate(self.layout.header_errors)
        ]
        self.invalid: list[np.ndarray] = []
        self.typed: list[tuple[np.ndarray, list[pa.Array]]] = []
        self.rows = 0
        self.partial = False

    @property
    def saturated(self) -> bool:
        """Whether ``limit_errors`` is reached and no later row can reorder the first ones."""
        return (
            self.limit_errors is not None
            and not self.keys.active
            and len(self.found) >= self.limit_errors
        )

    def add_error(self, error: ValidationError, key: SortKey) -> None:
        """Record an error that is not about a cell (source, encoding), at ``key``."""
        self.found.append((key, error))

    def add(self, batch: Batch) -> None:
        """Validate one batch of rows."""
        self.merge(self.analyze(batch))

    def analyze(self, batch: Batch) -> Analysis:
        """A batch's errors, keys and typed values; safe to run on several threads at once."""
        rows = batch.row_numbers
        found: list[tuple[SortKey, ValidationError]] = []
        outcomes = [
            evaluate(plan, column, batch.absent(j))
            for j, (plan, column) in enumerate(zip(self.plans, batch.columns, strict=True))
        ]
        if outcomes:
            blank = np.logical_and.reduce([outcome.missing for outcome in outcomes])
        else:
            blank = np.ones(batch.num_rows, bool)
        bad = blank.copy()
        for j, (plan, outcome) in enumerate(zip(self.plans, outcomes, strict=True)):
            failing = outcome.has_errors() & ~blank
            if failing.any():
                bad |= failing
                found.extend(_cell_errors(plan, outcome, rows, np.flatnonzero(failing)))
            absent = outcome.absent & ~blank
            if absent.any():
                bad |= absent
                for i in np.flatnonzero(absent):
                    number, name = j + 1, plan.field.name
                    error = errors.missing_cell(int(rows[i]), number, name, len(self.plans))
                    found.append(((int(rows[i]), GROUP_MISSING, number, 0), error))
        for i, cells in batch.extra_cells.items():
            if blank[i]:
                continue
            bad[i] = True
            for offset, cell in enumerate(cells):
                number = len(self.plans) + 1 + offset
                error = errors.extra_cell(int(rows[i]), number, str(cell), len(self.plans))
                found.append(((int(rows[i]), GROUP_EXTRA, number, 0), error))
        for i in np.flatnonzero(blank) if blank.any() else ():
            found.append(((int(rows[i]), GROUP_CELL, 0, 0), errors.blank_row(int(rows[i]))))
        key_batch = None
        if self.keys.active:
            texts = [outcome.column for outcome in outcomes]
            needed = self.keys.needed_columns()
            keys = {j: canonical_keys(self.plans[j], outcomes[j]) for j in needed}
            key_batch = self.keys.prepare(rows, texts, keys)
        typed = None
        if self.keep_values:
            typed = [typed_values(p, o) for p, o in zip(self.plans, outcomes, strict=True)]
        return Analysis(rows, found, rows[bad], key_batch, typed)

    def merge(self, analysis: Analysis) -> None:
        """Add an analysed batch to the table's results (one thread at a time)."""
        self.rows += len(analysis.rows)
        self.found.extend(analysis.found)
        self.invalid.append(analysis.invalid)
        if analysis.keys is not None:
            self.found.extend(self.keys.add(analysis.keys))
        if analysis.typed is not None:
            self.typed.append((analysis.rows, analysis.typed))

    def report(self, seconds: float, engine: str) -> ValidationReport:
        """The report: errors sorted as frictionless-py emits them, cut at ``limit_errors``."""
        if not self.partial and self.keys.active:
            key_errors = self.keys.finish()
            self.found = _in_reading_order(self.found, key_errors, self.keys)
            self.found.extend(key_errors)
        if self.limit_errors is not None:
            ordered = heapq.nsmallest(self.limit_errors, self.found, key=lambda pair: pair[0])
        else:
            ordered = sorted(self.found, key=lambda pair: pair[0])
        invalid = set(np.concatenate(self.invalid).tolist()) if self.invalid else set()
        invalid |= {key[0] for key, _ in self.found if 0 <= key[0] < END}
        return ValidationReport(
            errors=[error for _, error in ordered],
            invalid_row_numbers=invalid,
            stats={
                "rows": self.rows,
                "errors": len(ordered),
                "seconds": round(seconds, 6),
                "engine": engine,
                "partial": self.partial,
            },
        )

    def typed_table(self, invalid: set[int]) -> tuple[pa.Table, np.ndarray]:
        """Valid rows with typed values (schema fields only), sorted by row number."""
        names = {field.name for field in self.schema.fields}
        keep = [j for j, plan in enumerate(self.plans) if plan.field.name in names]
        rows = np.concatenate([r for r, _ in self.typed]) if self.typed else np.zeros(0, np.int64)
        table = pa.table(
            {
                self.plans[j].field.name: concat_typed(
                    [typed[j] for _, typed in self.typed], self.plans[j].field
                )
                for j in keep
            }
        )
        order = np.argsort(rows, kind="stable")
        order = order[~np.isin(rows[order], np.fromiter(invalid, np.int64, len(invalid)))]
        return table.take(pa.array(order)), rows[order]


def _in_reading_order(
    found: list[tuple[SortKey, ValidationError]],
    key_errors: list[tuple[SortKey, ValidationError]],
    keys: KeyTracker,
) -> list[tuple[SortKey, ValidationError]]:
    """Cell errors re-ranked in the order frictionless-py reads the fields of their row."""
    kinds = {GROUP_UNIQUE: "unique", GROUP_PRIMARY: "primary", GROUP_FOREIGN: "foreign"}
    failed: set[tuple] = set()
    for (row, group, position, _), _error in [*found, *key_errors]:
        kind = kinds.get(group)
        if kind is not None:
            failed.add((kind, row) if kind == "primary" else (kind, row, position))
    ranked = []
    orders: dict[int, dict[int, int]] = {}
    for key, error in found:
        row, group, number, rank = key
        if group == GROUP_CELL and number > 0:
            if row not in orders:
                order = keys.reading_order(row, failed)
                orders[row] = {j + 1: place - len(order) for place, j in enumerate(order)}
            key = (row, group, orders[row].get(number, number), rank)
        ranked.append((key, error))
    return ranked


def _cell_errors(
    plan: FieldPlan, outcome: ColumnOutcome, rows: np.ndarray, positions: np.ndarray
) -> list[tuple[SortKey, ValidationError]]:
    found = []
    for i in positions:
        row, text = int(rows[i]), outcome.text(int(i))
        if outcome.type_error[i]:
            error = errors.type_error(plan.field, row, plan.number, text)
            found.append(((row, GROUP_CELL, plan.number, 0), error))
            continue
        for rank, (name, failed) in enumerate(outcome.violations.items(), start=1):
            if failed[i]:
                error = errors.constraint_error(plan.field, row, plan.number, text, name)
                found.append(((row, GROUP_CELL, plan.number, rank), error))
    return found
