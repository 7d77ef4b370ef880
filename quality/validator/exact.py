"""The exact path: frictionless-py's own cell reader, once per distinct cell text.

Cells the vectorised readers do not vouch for (and every cell of a field with no
vectorised reader) are read here, so whatever frictionless-py decides about
them is, by construction, what we report. Each batch is dictionary-encoded
first, and results are cached across batches, so a column with few distinct
values costs a handful of Python calls whatever its length.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from frictionless.schema import Field

CACHE_LIMIT = 200_000


@dataclass(frozen=True, slots=True)
class Outcome:
    """What frictionless-py reads from one cell text."""

    value: Any
    type_error: bool
    failed: tuple[str, ...]


@dataclass
class ExactResult:
    """Outcomes of the cells at ``positions`` of a column: ``outcomes[indices[i]]``."""

    positions: np.ndarray
    indices: np.ndarray
    outcomes: list[Outcome]
    texts: list[str]

    def flags(self, pick) -> np.ndarray:
        """A per-cell bool array of ``pick(outcome)``."""
        per_outcome = np.fromiter((pick(o) for o in self.outcomes), bool, len(self.outcomes))
        return per_outcome[self.indices]


EMPTY = ExactResult(np.zeros(0, np.int64), np.zeros(0, np.int64), [], [])


class ExactReader:
    """frictionless-py's cell reader for one field, with a bounded cache."""

    def __init__(self, field: Field):
        self.read_cell = field.create_cell_reader()
        self.cache: dict[str, Outcome] = {}

    def outcome(self, text: str) -> Outcome:
        found = self.cache.get(text)
        if found is None:
            value, notes = self.read_cell(text)
            notes = notes or {}
            failed = tuple(name for name in notes if name != "type")
            found = Outcome(value=value, type_error="type" in notes, failed=failed)
            if len(self.cache) >= CACHE_LIMIT:
                self.cache.clear()
            self.cache[text] = found
        return found

    def read(self, cells: pa.Array, positions: np.ndarray) -> ExactResult:
        """Read the (non-null) cells at ``positions``."""
        if positions.size == 0:
            return EMPTY
        encoded = pc.dictionary_encode(cells.take(pa.array(positions)))
        texts = encoded.dictionary.to_pylist()
        indices = encoded.indices.to_numpy(zero_copy_only=False)
        return ExactResult(positions, indices, [self.outcome(t) for t in texts], texts)
