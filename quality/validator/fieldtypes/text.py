"""String, any and boolean: read without any Python call."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from frictionless.schema import Field

from datasets.readers.batches.masks import to_mask


class TextReader:
    """``string`` (default format) and ``any`` fields: every cell is its own value."""

    arrow_type = pa.string()

    def read(self, cells: pa.Array) -> tuple[pa.Array, np.ndarray]:
        return cells, to_mask(cells.is_valid())


class BooleanReader:
    """``boolean`` fields: exact membership in ``trueValues``/``falseValues``."""

    arrow_type = pa.bool_()

    def __init__(self, field: Field):
        mapping = {value: True for value in field.true_values}
        mapping.update({value: False for value in field.false_values})
        self.true_values = pa.array([k for k, v in mapping.items() if v], pa.string())
        self.false_values = pa.array([k for k, v in mapping.items() if not v], pa.string())

    def read(self, cells: pa.Array) -> tuple[pa.Array, np.ndarray]:
        is_true = pc.is_in(cells, value_set=self.true_values)
        ok = pc.or_(is_true, pc.is_in(cells, value_set=self.false_values))
        values = pc.if_else(pc.is_valid(cells), is_true, pa.scalar(None, pa.bool_()))
        return values, to_mask(ok)
