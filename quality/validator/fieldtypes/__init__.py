"""Per type family: the vectorised reader of a field, and the Arrow type of its values.

Fields without a fast reader (durations, geopoints, JSON, string formats such as
``email``, dates in format ``any``, …) are read entirely by the exact path.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pyarrow as pa
from frictionless.schema import Field

from .base import FastReader
from .numeric import IntegerReader, NumberReader, YearReader
from .temporal import DateReader, DatetimeReader, TimeReader
from .text import BooleanReader, TextReader

__all__ = ["FastReader", "fast_reader", "output_type", "to_arrow"]

INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)

_OUTPUT_TYPES = {
    "integer": pa.int64(),
    "year": pa.int64(),
    "number": pa.float64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
    "datetime": pa.timestamp("us"),
    "time": pa.time64("us"),
}


def fast_reader(field: Field) -> FastReader | None:
    """The vectorised reader for this field's type and format, if there is one."""
    kind, fmt = field.type, field.format
    if kind == "any" or (kind == "string" and fmt == "default"):
        return TextReader()
    if kind == "boolean":
        return BooleanReader(field)
    if kind == "integer":
        return IntegerReader()
    if kind == "number":
        return NumberReader(field)
    if kind == "year":
        return YearReader()
    if kind == "date":
        return DateReader.for_format(fmt)
    if kind == "datetime" and fmt == "default":
        return DatetimeReader()
    if kind == "time" and fmt == "default":
        return TimeReader()
    return None


def output_type(field: Field) -> pa.DataType:
    """Arrow type of the typed values; types without one keep the cell's text."""
    return _OUTPUT_TYPES.get(field.type, pa.string())


def to_arrow(field: Field, values: list[Any], cells: list[str | None]) -> pa.Array:
    """Values read by frictionless-py as an Arrow array of the field's output type.

    Integers beyond int64 give a ``decimal128(38, 0)`` array (a string array
    beyond 38 digits); datetimes with an offset give ``timestamp[us, UTC]``.
    """
    kind = field.type
    if kind not in _OUTPUT_TYPES:
        return pa.array(
            [cell if value is not None else None for value, cell in zip(values, cells, strict=True)]
        )
    if kind == "integer" and any(v is not None and not INT64_MIN <= v <= INT64_MAX for v in values):
        if all(v is None or abs(v) < 10**38 for v in values):
            return pa.array([None if v is None else Decimal(v) for v in values], pa.decimal128(38))
        return pa.array([None if v is None else str(v) for v in values], pa.string())
    if kind == "number":
        values = [None if v is None else float(v) for v in values]
    if kind == "datetime" and any(v is not None and v.tzinfo is not None for v in values):
        return pa.array(values, pa.timestamp("us", "UTC"))
    if kind == "time":
        values = [None if v is None else v.replace(tzinfo=None) for v in values]
    if kind == "date":
        values = [v.date() if isinstance(v, dt.datetime) else v for v in values]
    return pa.array(values, _OUTPUT_TYPES[kind])
