"""Vectorised constraint checks on the values the fast readers vouched for.

Each check returns the cells that break the constraint and, optionally, cells
it cannot decide exactly (a number too close to a bound for a double to tell,
a pattern cell with a newline or non-ASCII text); those go to the exact path.
A constraint with no exact vectorised form makes the whole field exact.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from frictionless.schema import Field

from datasets.readers.batches.masks import to_mask

from . import patterns
from .fieldtypes import INT64_MAX, INT64_MIN
from .schema import active_constraints, constraint_value

Verdict = tuple[np.ndarray, np.ndarray | None]
Check = Callable[[pa.Array, pa.Array], Verdict]

# Constraint name -> Arrow comparison a valid value passes.
_PASSES = {
    "minimum": "greater_equal",
    "maximum": "less_equal",
    "exclusiveMinimum": "greater",
    "exclusiveMaximum": "less",
}
FLOAT_TOLERANCE = 1e-12


def fast_checks(field: Field) -> list[tuple[str, Check]] | None:
    """The field's cell constraints (but ``required``) as vectorised checks, or None."""
    checks = []
    for name in active_constraints(field):
        check = _check(field, name, constraint_value(field, name))
        if check is None:
            return None
        checks.append((name, check))
    return checks


def _check(field: Field, name: str, value: Any) -> Check | None:
    kind = field.type
    if name in _PASSES:
        if kind in ("integer", "year"):
            return _int_bound(_PASSES[name], value)
        if kind == "number":
            return _float_bound(_PASSES[name], value)
        if kind == "date":
            return _plain_bound(_PASSES[name], pa.scalar(value, pa.date32()))
        if kind == "datetime" and field.format == "default":
            return _datetime_bound(_PASSES[name], value)
        return None
    if name in ("minLength", "maxLength") and kind == "string":
        compare = "greater_equal" if name == "minLength" else "less_equal"
        return lambda values, cells: (
            ~to_mask(getattr(pc, compare)(pc.utf8_length(values), value)),
            None,
        )
    if name == "pattern" and kind == "string":
        return _pattern(value)
    if name == "enum":
        return _enum(kind, value)
    return None


def _int_bound(passes: str, bound: int) -> Check:
    if INT64_MIN <= bound <= INT64_MAX:
        return _plain_bound(passes, pa.scalar(bound, pa.int64()))
    above = bound > INT64_MAX  # every int64 value is below the bound
    fails_all = above == (passes in ("greater_equal", "greater"))
    return lambda values, cells: (np.full(len(values), fails_all), None)


def _plain_bound(passes: str, bound: pa.Scalar) -> Check:
    return lambda values, cells: (~to_mask(getattr(pc, passes)(values, bound)), None)


def _float_bound(passes: str, bound: Any) -> Check:
    target = float(bound)

    def check(values: pa.Array, cells: pa.Array) -> Verdict:
        fails = ~to_mask(getattr(pc, passes)(values, target))
        gap = pc.abs(pc.subtract(values, target))
        scale = pc.multiply(pc.add(pc.abs(values), abs(target)), FLOAT_TOLERANCE)
        return fails, to_mask(pc.less_equal(gap, scale))

    if target != target or target in (float("inf"), float("-inf")):
        return lambda values, cells: (
            np.zeros(len(values), bool),
            np.ones(len(values), bool),
        )
    return check


def _datetime_bound(passes: str, bound: dt.datetime) -> Check:
    aware = bound.tzinfo is not None

    def check(values: pa.Array, cells: pa.Array) -> Verdict:
        if (values.type.tz is not None) != aware:
            return np.zeros(len(values), bool), np.ones(len(values), bool)
        return ~to_mask(getattr(pc, passes)(values, pa.scalar(bound, values.type))), None

    return check


def _pattern(pattern: str) -> Check | None:
    translated = patterns.translate(pattern)
    if translated is None:
        return None
    try:
        pc.match_substring_regex(pa.array(["probe"]), translated.source)
    except pa.ArrowInvalid:
        return None

    def check(values: pa.Array, cells: pa.Array) -> Verdict:
        fails = ~to_mask(pc.match_substring_regex(cells, translated.source))
        # Python's $ also matches before a final newline: only a failing cell can differ.
        unsure = np.zeros(len(cells), bool)
        failing = np.flatnonzero(fails & to_mask(cells.is_valid()))
        if failing.size:
            unsure[failing] = to_mask(pc.match_substring(cells.take(pa.array(failing)), "\n"))
        if translated.ascii_only:
            unsure |= ~to_mask(pc.string_is_ascii(cells))
        return fails, unsure

    return check


def _enum(kind: str, allowed: list[Any]) -> Check | None:
    if kind in ("string", "any"):
        value_set = pa.array([v for v in allowed if isinstance(v, str)], pa.string())
    elif kind in ("integer", "year"):
        value_set = pa.array(
            [v for v in allowed if isinstance(v, int) and INT64_MIN <= v <= INT64_MAX], pa.int64()
        )
    elif kind == "boolean":
        value_set = pa.array([v for v in allowed if isinstance(v, bool)], pa.bool_())
    elif kind == "date":
        value_set = pa.array([v for v in allowed if type(v) is dt.date], pa.date32())
    else:
        return None
    return lambda values, cells: (~to_mask(pc.is_in(values, value_set=value_set)), None)
