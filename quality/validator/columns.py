"""Reading one column of a batch: missing values, types and cell constraints.

A present cell is decided either by the field's fast reader and vectorised
checks (when it vouches for the cell) or by frictionless-py's own cell reader
(the exact path); the two are merged into per-cell masks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from frictionless.schema import Field

from datasets.readers.batches.masks import to_mask

from .constraints import Check, fast_checks
from .exact import EMPTY, ExactReader, ExactResult
from .fieldtypes import FastReader, fast_reader, output_type, to_arrow
from .fieldtypes.base import keep_only
from .fieldtypes.text import TextReader
from .schema import active_constraints, is_required, missing_values

FEW_DISTINCT = 0.1  # read the distinct texts only, below this share of distinct cells
MANY_CELLS = 4096  # in batches this long (shorter ones are read whole)


@dataclass
class FieldPlan:
    """How one expected field is read: its fast reader and checks, if any."""

    field: Field
    number: int
    missing: list[str]
    required: bool
    constraints: list[str]
    reader: FastReader | None
    checks: list[tuple[str, Check]]
    exact: ExactReader
    distinct_share: float | None = None  # distinct texts per cell in the last batch read

    @property
    def costly(self) -> bool:
        """Whether reading a text costs more than spreading a result back to its cells."""
        kinds = {name for name, _ in self.checks}
        return not isinstance(self.reader, TextReader) or "pattern" in kinds

    @classmethod
    def build(cls, field: Field, number: int) -> FieldPlan:
        reader = fast_reader(field)
        checks = fast_checks(field) if reader is not None else None
        return cls(
            field=field,
            number=number,
            missing=missing_values(field),
            required=is_required(field),
            constraints=active_constraints(field),
            reader=reader if checks is not None else None,
            checks=checks or [],
            exact=ExactReader(field),
        )


@dataclass
class ColumnOutcome:
    """Per-cell results for one column of a batch, read from the text in ``column``."""

    column: pa.Array
    absent: np.ndarray
    missing: np.ndarray
    ok: np.ndarray
    residual: np.ndarray
    values: pa.Array | None
    exact: ExactResult
    type_error: np.ndarray
    violations: dict[str, np.ndarray]

    def has_errors(self) -> np.ndarray:
        """Cells with a type or constraint error."""
        result = self.type_error.copy()
        for failed in self.violations.values():
            result |= failed
        return result

    def text(self, index: int) -> str:
        """The cell as frictionless-py prints it: 'None' when the row has no such cell."""
        if self.absent[index]:
            return "None"
        return self.column[index].as_py() or ""


def evaluate(plan: FieldPlan, column: pa.Array, absent: np.ndarray | None = None) -> ColumnOutcome:
    """Read a column as frictionless-py would.

    Null is an empty cell, or no cell at all in the rows marked ``absent``.
    """
    size = len(column)
    null = ~to_mask(column.is_valid()) if column.null_count else np.zeros(size, bool)
    absent = np.zeros(size, bool) if absent is None else absent
    if "" in plan.missing:
        missing = null.copy()
    else:
        missing = absent.copy()
        if (null & ~absent).any():
            column = pc.if_else(pa.array(null & ~absent), "", column)
    others = [value for value in plan.missing if value != ""]
    if others:
        missing |= to_mask(pc.is_in(column, value_set=pa.array(others, pa.string())))
    present = ~missing
    violations = {name: np.zeros(size, bool) for name in plan.constraints}
    values = None
    ok = np.zeros(size, bool)
    if plan.reader is not None:
        cells = keep_only(column, present) if (missing & ~null).any() else column
        values, ok, fails, unsure = _read_fast(plan, cells)
        ok &= present & ~unsure
        for name, failed in fails.items():
            violations[name] = failed & ok
    residual = present & ~ok
    exact = plan.exact.read(column, np.flatnonzero(residual)) if residual.any() else EMPTY
    type_error = np.zeros(size, bool)
    if exact.positions.size:
        type_error[exact.positions] = exact.flags(lambda o: o.type_error)
        for name in plan.constraints:
            violations[name][exact.positions] |= exact.flags(lambda o, n=name: n in o.failed)
    if plan.required:
        violations = {"required": missing, **violations}
    return ColumnOutcome(
        column, absent, missing, ok, residual, values, exact, type_error, violations
    )


def _read_fast(
    plan: FieldPlan, cells: pa.Array
) -> tuple[pa.Array, np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """The fast reader's values and ``ok`` mask, each check's failures, the cells it defers.

    A column with few distinct texts (dates, codes, rates, flags) is read once
    per distinct text and the results spread back to its cells.
    """
    encoded = None
    probe = plan.distinct_share is None or plan.distinct_share <= FEW_DISTINCT
    if plan.costly and probe and len(cells) >= MANY_CELLS:
        encoded = pc.dictionary_encode(cells)
        plan.distinct_share = len(encoded.dictionary) / len(cells)
        if plan.distinct_share > FEW_DISTINCT or not len(encoded.dictionary):
            encoded = None
    source = cells if encoded is None else encoded.dictionary
    values, ok = plan.reader.read(source)
    unsure = np.zeros(len(source), bool)
    fails = {}
    for name, check in plan.checks:
        fails[name], defer = check(values, source)
        if defer is not None:
            unsure |= defer
    if encoded is None:
        return values, ok, fails, unsure
    indices = encoded.indices
    spread = indices.fill_null(0).to_numpy(zero_copy_only=False)
    values = cells if values is source else values.take(indices)
    ok = ok[spread]
    if indices.null_count:
        ok &= to_mask(indices.is_valid())
    return values, ok, {name: f[spread] for name, f in fails.items()}, unsure[spread]


def typed_values(plan: FieldPlan, outcome: ColumnOutcome) -> pa.Array:
    """The column's typed values (the cell text for types without an Arrow type).

    Only meant for valid rows: cells of rows with errors are left as they are.
    """
    column = outcome.column
    target = output_type(plan.field)
    if pa.types.is_string(target):
        spelled_missing = outcome.missing & to_mask(column.is_valid())  # e.g. "NA"
        if spelled_missing.any():
            return pc.if_else(pa.array(spelled_missing), pa.scalar(None, pa.string()), column)
        return column
    base = pa.nulls(len(column), target) if outcome.values is None else outcome.values
    exact = outcome.exact
    if exact.positions.size == 0:
        return base
    values = [exact.outcomes[i].value for i in exact.indices]
    texts = [exact.texts[i] for i in exact.indices]
    replacement = to_arrow(plan.field, values, texts)
    if replacement.type != base.type:
        base, replacement = common_type(base, replacement)
    mask = np.zeros(len(column), bool)
    mask[exact.positions] = True
    return pc.replace_with_mask(base, pa.array(mask), replacement)


def common_type(base: pa.Array, other: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Widen int64 to decimal/string, naive timestamps to UTC, to merge two reads."""
    if pa.types.is_string(other.type) or pa.types.is_string(base.type):
        return base.cast(pa.string()), other.cast(pa.string())
    if pa.types.is_decimal(other.type):
        return base.cast(other.type), other
    if pa.types.is_decimal(base.type):
        return base, other.cast(base.type)
    utc = pa.timestamp("us", "UTC")
    return base.cast(utc), other.cast(utc)


def concat_typed(chunks: list[pa.Array], field: Field) -> pa.ChunkedArray:
    """A field's typed values over all batches, widened to a common type."""
    if not chunks:
        return pa.chunked_array([], output_type(field))
    target = chunks[0].type
    for chunk in chunks[1:]:
        if chunk.type != target:
            target = common_type(pa.nulls(0, target), pa.nulls(0, chunk.type))[0].type
    return pa.chunked_array([chunk.cast(target) for chunk in chunks], target)
