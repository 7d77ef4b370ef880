"""Shared pieces of the vectorised readers: strict casts and masks.

A fast reader reads a column of text cells (null where there is no value) and
returns typed values plus an ``ok`` mask. A cell is ``ok`` only when its text is
in a grammar that frictionless-py provably reads to the very same value; every
other present cell is left to the exact path, so the fast path may be narrow
but is never wrong.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from datasets.readers.batches.masks import to_mask

BISECT_LEAF = 8
CAST_CHUNK = 2048


class FastReader(Protocol):
    """Reads text cells to typed Arrow values; ``ok`` marks the cells it vouches for."""

    arrow_type: pa.DataType

    def read(self, cells: pa.Array) -> tuple[pa.Array, np.ndarray]: ...


def keep_only(cells: pa.Array, keep: np.ndarray) -> pa.Array:
    """The same cells with every position outside ``keep`` set to null.

    Text cells keep their buffers: only the validity bitmap is replaced.
    """
    if not pa.types.is_string(cells.type) or cells.offset:
        return pc.if_else(pa.array(keep), cells, pa.scalar(None, cells.type))
    if cells.null_count:
        keep = keep & to_mask(cells.is_valid())
    validity = pa.py_buffer(np.packbits(keep, bitorder="little"))
    _, offsets, data = cells.buffers()
    return pa.Array.from_buffers(cells.type, len(cells), [validity, offsets, data])


def strict_cast(
    cells: pa.Array, target: pa.DataType, grammar: str | None = None
) -> tuple[pa.Array, np.ndarray]:
    """Arrow's safe cast of the cells, setting aside those it rejects.

    When an array does not cast, its chunks of ``CAST_CHUNK`` cells are cast
    one by one; in a chunk that still fails, the cells outside ``grammar`` (a
    regex the target's text must match) are set aside, and what remains to fail
    is found by bisection. Returns the values (null where the cast failed or
    the cell was null) and the mask of cells that cast.
    """
    try:
        values = pc.cast(cells, target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        if len(cells) > CAST_CHUNK:
            chunks = [
                strict_cast(cells.slice(start, CAST_CHUNK), target, grammar)
                for start in range(0, len(cells), CAST_CHUNK)
            ]
            values = pa.concat_arrays([chunk for chunk, _ in chunks])
            return values, np.concatenate([ok for _, ok in chunks])
        if grammar is not None:
            cells = keep_only(cells, to_mask(pc.match_substring_regex(cells, grammar)))
        return _bisect_cast(cells, target)
    return values, to_mask(values.is_valid())


def _bisect_cast(cells: pa.Array, target: pa.DataType) -> tuple[pa.Array, np.ndarray]:
    try:
        values = pc.cast(cells, target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        if len(cells) <= BISECT_LEAF:
            return pa.nulls(len(cells), target), np.zeros(len(cells), dtype=bool)
        middle = len(cells) // 2
        left, left_ok = _bisect_cast(cells.slice(0, middle), target)
        right, right_ok = _bisect_cast(cells.slice(middle), target)
        return pa.concat_arrays([left, right]), np.concatenate([left_ok, right_ok])
    return values, to_mask(values.is_valid())
