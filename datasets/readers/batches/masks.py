"""Arrow boolean arrays as numpy masks."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def to_mask(array: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A numpy bool mask from an Arrow boolean array, nulls as False.

    The bits are unpacked directly (``to_numpy`` goes through a per-value path).
    """
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if array.null_count:
        array = pc.fill_null(array, False)
    if not len(array):
        return np.zeros(0, bool)
    bits = np.frombuffer(array.buffers()[1], np.uint8)
    unpacked = np.unpackbits(bits, count=array.offset + len(array), bitorder="little")
    return unpacked[array.offset :].view(bool)
