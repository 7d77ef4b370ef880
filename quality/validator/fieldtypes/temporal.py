"""Date, datetime and time: the ISO grammars (and fixed day-month-year formats) read by Arrow.

frictionless-py reads a default ``date`` with ``strptime('%Y-%m-%d')``, which
also takes ``2023-5-4`` and ``2023-05- 4``; a ``datetime`` with dateutil's
``isoparse`` (any separator, ``24:00``, ``,`` fractions, offsets); a ``time``
by prefixing a date. Arrow's ``strptime`` rolls ``2023-02-30`` over to March,
so it is never used: dates are cast (which checks the calendar, but accepts
year 0000) and vouched for only in their canonical zero-padded form from year
0001; everything else goes to the exact path.
"""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from datasets.readers.batches.masks import to_mask

from .base import keep_only, strict_cast

NAIVE_DATETIME = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?$"
UTC_DATETIME = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?"
    r"(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
)
NAIVE_TIME = r"^[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?$"
ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


class DateReader:
    """``date`` fields in the default format or a fixed ``%Y``/``%m``/``%d`` format."""

    arrow_type = pa.date32()

    def __init__(self, layout: dict[str, int] | None = None, literals: list | None = None):
        self.layout = layout
        self.literals = literals or []

    @classmethod
    def for_format(cls, fmt: str) -> DateReader | None:
        """A reader for ``default`` or a format of %Y, %m, %d and punctuation; else None."""
        if fmt == "default":
            return cls()
        layout: dict[str, int] = {}
        literals: list[tuple[int, str]] = []
        position, index = 0, 0
        while index < len(fmt):
            char = fmt[index]
            if char == "%":
                directive = fmt[index + 1 : index + 2]
                if directive not in ("Y", "m", "d") or directive in layout:
                    return None
                layout[directive] = position
                position += 4 if directive == "Y" else 2
                index += 2
                continue
            if char.isalnum() or char.isspace() or not char.isascii():
                return None
            literals.append((position, char))
            position += 1
            index += 1
        if len(layout) != 3:
            return None
        layout["length"] = position
        return cls(layout, literals)

    def read(self, cells: pa.Array) -> tuple[pa.Array, np.ndarray]:
        if self.layout is None:
            values, ok = strict_cast(cells, self.arrow_type, ISO_DATE)
            # Arrow reads year 0000, Python's date has no year 0.
            year_zero = pc.starts_with(cells, "0000")
            shape = pc.and_(pc.equal(pc.binary_length(cells), 10), pc.invert(year_zero))
            return values, ok & to_mask(shape)
        # Byte slices: a cell whose digit and literal bytes all match is ASCII.
        spots, raw = self.layout, cells.view(pa.binary())
        shape = pc.equal(pc.binary_length(cells), spots["length"])
        parts = []
        for directive, width in (("Y", 4), ("m", 2), ("d", 2)):
            start = spots[directive]
            part = pc.binary_slice(raw, start, start + width).view(pa.string())
            shape = pc.and_(shape, pc.ascii_is_decimal(part))
            parts.append(part)
        shape = pc.and_(shape, pc.not_equal(parts[0], "0000"))
        for position, char in self.literals:
            literal = pc.binary_slice(raw, position, position + 1)
            shape = pc.and_(shape, pc.equal(literal, pa.scalar(char.encode())))
        iso = keep_only(pc.binary_join_element_wise(*parts, "-"), to_mask(shape))
        return strict_cast(iso, self.arrow_type)


class DatetimeReader:
    """Default-format ``datetime`` fields: naive, or with ``Z``/``±hh:mm`` offsets.

    Each batch is read in the mode of its first value: naive values as
    ``timestamp[us]``, values with an offset as ``timestamp[us, UTC]``; the
    values in the other mode go to the exact path.
    """

    arrow_type = pa.timestamp("us")

    def read(self, cells: pa.Array) -> tuple[pa.Array, np.ndarray]:
        first = _first_value(cells)
        if first is not None and re.fullmatch(UTC_DATETIME, first):
            grammar = to_mask(pc.match_substring_regex(cells, UTC_DATETIME))
            values, ok = strict_cast(keep_only(cells, grammar), pa.timestamp("us", "UTC"))
            return values, ok & grammar
        values, ok = strict_cast(cells, self.arrow_type, NAIVE_DATETIME)
        # What Arrow reads is ASCII (bytes are characters): require the seconds,
        # at most microseconds.
        length = pc.binary_length(cells)
        shape = pc.and_(pc.greater_equal(length, 19), pc.less_equal(length, 26))
        colon = pc.equal(pc.binary_slice(cells.view(pa.binary()), 16, 17), pa.scalar(b":"))
        return values, ok & to_mask(pc.and_(shape, colon))


def _first_value(cells: pa.Array) -> str | None:
    """The first non-null cell, looked for in growing slices (not the whole column)."""
    start, size = 0, 64
    while start < len(cells):
        found = cells.slice(start, size).drop_null()
        if len(found):
            return found[0].as_py()
        start, size = start + size, size * 8
    return None


class TimeReader:
    """Default-format ``time`` fields without offset."""

    arrow_type = pa.time64("us")

    def read(self, cells: pa.Array) -> tuple[pa.Array, np.ndarray]:
        grammar = to_mask(pc.match_substring_regex(cells, NAIVE_TIME))
        stamped = pc.binary_join_element_wise("2000-01-01T", keep_only(cells, grammar), "")
        moments, ok = strict_cast(stamped, pa.timestamp("us"))
        return pc.cast(moments, self.arrow_type), ok & grammar
