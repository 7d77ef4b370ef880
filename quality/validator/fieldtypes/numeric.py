"""Integer, number and year: the strict grammars read without Python.

frictionless-py reads an integer with ``int(cell.strip())`` and a number with
``Decimal(cell.strip())``: both take ``+5``, ``1_000``, surrounding spaces,
non-ASCII digits and integers beyond int64, and ``Decimal`` takes ``inf`` and
``nan``. Arrow's casts take less (no ``+``, spaces or ``_``) but also things
Python refuses: hexadecimal integers (``0x1F``), ``nan(1)``, and numbers that
overflow or underflow a double. So a cell is vouched for only when:

* integer: the int64 read from a cell with no leading zero (which also rules
  out hexadecimal and ``-0``);
* number: the double read is finite, and not a zero read from nonzero digits;
* year: exactly four ASCII digits.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from frictionless.schema import Field

from datasets.readers.batches.masks import to_mask

from .base import keep_only, strict_cast

# A cell that bareNumber: false (strip leading non-digits but '-', trailing
# non-digits) leaves as it is.
BARE_ALREADY = r"^-?[0-9](.*[0-9])?$"
INTEGER = r"^-?[0-9]{1,18}$"
NUMBER = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]{1,3})?$"


class IntegerReader:
    """``integer`` fields, with or without ``bareNumber``."""

    arrow_type = pa.int64()

    def read(self, cells: pa.Array) -> tuple[pa.Array, np.ndarray]:
        # Up to 18 ASCII digits without a leading zero: cast at once, it cannot fail.
        length = pc.binary_length(cells)
        padded = to_mask(pc.and_(pc.starts_with(cells, "0"), pc.greater(length, 1)))
        ok = to_mask(pc.and_(pc.ascii_is_decimal(cells), pc.less_equal(length, 18))) & ~padded
        values = pc.cast(keep_only(cells, ok), self.arrow_type)
        rest = np.flatnonzero(~ok & to_mask(cells.is_valid()))
        if rest.size == 0:
            return values, ok
        # Signs and other text: a strict cast, vouching only for canonical decimal text
        # (Arrow also reads hexadecimal, 0x1F).
        others = cells.take(pa.array(rest))
        cast, cast_ok = strict_cast(others, self.arrow_type, INTEGER)
        ok[rest] = cast_ok & ~padded[rest] & ~to_mask(pc.starts_with(others, "-0"))
        mask = np.zeros(len(cells), bool)
        mask[rest] = True
        return pc.replace_with_mask(values, pa.array(mask), cast), ok


class NumberReader:
    """``number`` fields, with ``decimalChar``, ``groupChar`` and ``bareNumber``."""

    arrow_type = pa.float64()

    def __init__(self, field: Field):
        defined = set(field.list_defined())
        self.processed = bool(defined & {"group_char", "decimal_char", "bare_number"})
        self.group_char = field.group_char
        self.decimal_char = field.decimal_char
        self.bare_number = field.bare_number

    def read(self, cells: pa.Array) -> tuple[pa.Array, np.ndarray]:
        text, refused = cells, None
        if self.processed:
            if self.group_char:
                text = pc.replace_substring(text, self.group_char, "")
            if self.decimal_char != ".":
                refused = to_mask(pc.match_substring(text, "."))
                text = pc.replace_substring(text, self.decimal_char, ".")
        values, ok = strict_cast(text, self.arrow_type, NUMBER)
        ok &= to_mask(pc.is_finite(values))
        zeros = np.flatnonzero(ok & to_mask(pc.equal(values, 0)))
        if zeros.size:
            underflow = to_mask(pc.match_substring_regex(text.take(zeros), "[1-9]"))
            ok[zeros[underflow]] = False
        if refused is not None:
            ok &= ~refused
        if not self.bare_number:
            ok &= to_mask(pc.match_substring_regex(cells, BARE_ALREADY))
        return values, ok


class YearReader:
    """``year`` fields: four ASCII digits."""

    arrow_type = pa.int64()

    def read(self, cells: pa.Array) -> tuple[pa.Array, np.ndarray]:
        ok = to_mask(pc.and_(pc.equal(pc.binary_length(cells), 4), pc.ascii_is_decimal(cells)))
        values = pc.cast(pc.if_else(pa.array(ok), cells, pa.scalar(None, pa.string())), pa.int64())
        return values, ok
