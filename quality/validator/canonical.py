"""Canonical keys: typed values as strings that are equal exactly when the values are.

frictionless-py compares typed Python values, so ``1`` (integer), ``1.0``
(number) and ``true`` (boolean) are the same key, a string ``"1"`` is another,
and ``None`` equals ``None`` inside a composite key. Text is its own key,
numbers become reduced fractions, datetimes microseconds (tagged naive or
aware), and so on. Values of different families (text, number, date, …) never
compare equal, so a foreign key between fields of different families tags its
components with their family. A NaN never equals anything, not even itself.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
from decimal import Decimal
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from frictionless.schema import Field

from datasets.readers.batches.masks import to_mask

from .columns import ColumnOutcome, FieldPlan

EPOCH = dt.datetime(1970, 1, 1)
UNMATCHABLE = object()
_NAN_TOKENS = itertools.count()
_FAMILIES = {
    "string": "s",
    "any": "s",
    "integer": "n",
    "number": "n",
    "year": "n",
    "boolean": "n",
    "date": "d",
    "datetime": "t",
    "time": "h",
    "yearmonth": "(",
    "geopoint": "(",
    "duration": "D",
}
FNV_OFFSET, FNV_PRIME = np.uint64(14695981039346656037), np.uint64(1099511628211)
SMALL_KEY_SET = 50_000  # looked up with Arrow's is_in (its hash table is rebuilt per call)


def family(field: Field) -> str:
    """The family of a field's values: values of different families never compare equal."""
    return _FAMILIES.get(field.type, "j")


def canonical_value(value: Any) -> Any:
    """The canonical key of one typed value (None stays None, NaN is UNMATCHABLE)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool | int):
        return str(int(value))
    if isinstance(value, Decimal | float):
        if value.is_nan() if isinstance(value, Decimal) else math.isnan(value):
            return UNMATCHABLE
        if value.is_infinite() if isinstance(value, Decimal) else math.isinf(value):
            return "+inf" if value > 0 else "-inf"
        numerator, denominator = value.as_integer_ratio()
        return str(numerator) if denominator == 1 else f"{numerator}/{denominator}"
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            return f"t{(value - EPOCH) // dt.timedelta(microseconds=1)}"
        utc = value.astimezone(dt.UTC).replace(tzinfo=None)
        return f"T{(utc - EPOCH) // dt.timedelta(microseconds=1)}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        micros = ((value.hour * 60 + value.minute) * 60 + value.second) * 10**6
        micros += value.microsecond
        offset = value.utcoffset()
        if offset is None:
            return f"h{micros}"
        return f"H{micros - offset // dt.timedelta(microseconds=1)}"
    if isinstance(value, dt.timedelta):
        return f"0|{value // dt.timedelta(microseconds=1)}"
    if isinstance(value, tuple):
        parts = [canonical_value(item) for item in value]
        if any(part is UNMATCHABLE for part in parts):
            return UNMATCHABLE
        return "|".join(f"{len(p)}:{p}" if p is not None else "~" for p in parts)
    if hasattr(value, "tdelta") and hasattr(value, "months"):  # isodate.Duration
        months = canonical_value(value.years * 12 + value.months)
        return f"{months}|{value.tdelta // dt.timedelta(microseconds=1)}"
    return json.dumps(value, sort_keys=True, default=str)


def canonical_keys(plan: FieldPlan, outcome: ColumnOutcome) -> pa.Array:
    """Canonical keys of a column (null where the value is None)."""
    column = outcome.column
    kind = plan.field.type
    keys = pa.nulls(len(column), pa.string())
    fast = outcome.ok if outcome.values is not None else np.zeros(len(column), bool)
    exact = outcome.exact
    if kind in ("number", "time") and fast.any():
        exact = plan.exact.read(column, np.flatnonzero(fast | outcome.residual))
        fast = np.zeros(len(column), bool)
    if fast.any():
        keys = pc.if_else(pa.array(fast), _fast_canonical(kind, outcome.values, column), keys)
    if exact.positions.size:
        per_outcome = [canonical_value(o.value) for o in exact.outcomes]
        chosen = [per_outcome[i] for i in exact.indices]
        chosen = [f"\x00nan{next(_NAN_TOKENS)}" if k is UNMATCHABLE else k for k in chosen]
        mask = np.zeros(len(column), bool)
        mask[exact.positions] = True
        keys = pc.replace_with_mask(keys, pa.array(mask), pa.array(chosen, pa.string()))
    return keys


def _fast_canonical(kind: str, values: pa.Array, cells: pa.Array) -> pa.Array:
    if kind in ("string", "any"):
        return cells
    if kind in ("integer", "year", "date"):
        return pc.cast(values, pa.string())
    if kind == "boolean":
        return pc.if_else(values, "1", "0")
    tag = "T" if values.type.tz is not None else "t"
    micros = pc.cast(pc.cast(values, pa.timestamp("us")), pa.int64())
    return pc.binary_join_element_wise(tag, pc.cast(micros, pa.string()), "")


def composite(parts: list[pa.Array], tags: list[str | None] | None = None) -> pa.Array:
    """One string per row for a tuple of keys (``~`` for None), components tagged on demand."""
    if tags:
        parts = [
            part if tag is None else pc.binary_join_element_wise(tag, part, "")
            for part, tag in zip(parts, tags, strict=True)
        ]
    if len(parts) == 1:
        return parts[0]
    pieces = []
    for part in parts:
        length = pc.cast(pc.utf8_length(part), pa.string())
        pieces.append(pc.fill_null(pc.binary_join_element_wise(length, part, ":"), "~"))
    return pc.binary_join_element_wise(*pieces, "|")


def hash_keys(keys: pa.Array) -> np.ndarray:
    """64-bit FNV-1a hashes of the strings (vectorised over byte positions)."""
    keys = keys.cast(pa.string())
    size = len(keys)
    offsets = np.frombuffer(keys.buffers()[1], np.int32)[keys.offset : keys.offset + size + 1]
    data = keys.buffers()[2]
    data = np.frombuffer(data, np.uint8) if data is not None else np.zeros(0, np.uint8)
    starts, lengths = offsets[:-1], np.diff(offsets)
    hashes = np.full(size, FNV_OFFSET, np.uint64) ^ lengths.astype(np.uint64)
    last = max(len(data) - 1, 0)
    padded = data if len(data) else np.zeros(1, np.uint8)
    for position in range(int(lengths.max()) if size else 0):
        byte = padded[np.minimum(starts + position, last)].astype(np.uint64)
        mixed = (hashes ^ byte) * FNV_PRIME
        hashes = np.where(lengths > position, mixed, hashes)
    return hashes


class KeySet:
    """Distinct canonical keys (no nulls), asked about batch after batch.

    Arrow's ``is_in`` builds a hash table of its value set on every call: fine
    for a code list, quadratic for a referenced table of millions of rows.
    Beyond ``SMALL_KEY_SET`` keys the set is hashed and sorted once, and each
    batch is looked up by binary search, hits confirmed by comparing the text.
    """

    def __init__(self, keys: pa.Array):
        self.keys = keys
        self.hashes: np.ndarray | None = None
        if len(keys) > SMALL_KEY_SET:
            hashes = hash_keys(keys)
            order = np.argsort(hashes, kind="stable")
            self.hashes = hashes[order]
            self.keys = keys.take(pa.array(order))

    def contains(self, keys: pa.Array) -> np.ndarray:
        """Which of ``keys`` are in the set (null keys are not)."""
        if self.hashes is None:
            return to_mask(pc.is_in(keys, value_set=self.keys))
        hashes = hash_keys(keys)
        spots = np.minimum(np.searchsorted(self.hashes, hashes), len(self.hashes) - 1)
        found = to_mask(keys.is_valid()) & (self.hashes[spots] == hashes)
        candidates = np.flatnonzero(found)
        if candidates.size:
            asked = keys.take(pa.array(candidates))
            same = to_mask(pc.equal(asked, self.keys.take(pa.array(spots[candidates]))))
            found[candidates] = same
            for i in candidates[~same]:  # another key with the same hash, if any
                found[i] = self._among_equal_hashes(keys[int(i)].as_py(), int(spots[i]))
        return found

    def _among_equal_hashes(self, key: str, spot: int) -> bool:
        end = int(np.searchsorted(self.hashes, self.hashes[spot], side="right"))
        return key in self.keys.slice(spot, end - spot).to_pylist()
