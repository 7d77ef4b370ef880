"""Unique, primary-key and foreign-key checks over the whole table.

Keys are collected batch by batch as canonical strings (see ``canonical``).
For duplicate checks each key is also hashed to 64 bits on the worker
threads; at the end the hashes are sorted and only rows sharing a hash are
compared as strings, so a hash collision can never report a false duplicate.
Foreign keys to other tables are looked up per batch; self-references at the
end, once every key of the table is known.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from datasets.readers.batches.masks import to_mask

from . import errors
from .canonical import composite, hash_keys
from .columns import FieldPlan
from .errors import GROUP_FOREIGN, GROUP_PRIMARY, GROUP_UNIQUE, ValidationError
from .foreign import ForeignKey, any_valid

COMPACT_EVERY = 64


@dataclass
class _Collected:
    """Keys, row numbers and (for duplicate checks) hashes gathered over the batches.

    Every ``COMPACT_EVERY`` batches the small per-batch arrays are merged into
    one, so that long-lived keys do not pin scattered pages of freed batches.
    """

    keys: list[pa.Array] = field(default_factory=list)
    rows: list[np.ndarray] = field(default_factory=list)
    hashes: list[np.ndarray] = field(default_factory=list)
    compacted: int = 0

    def add(self, part: tuple[pa.Array, np.ndarray, np.ndarray | None]) -> None:
        keys, rows, hashes = part
        if not len(rows):
            return
        self.keys.append(keys)
        self.rows.append(rows.astype(np.int32) if rows.max() < 2**31 else rows)
        if hashes is not None:
            self.hashes.append(hashes)
        if len(self.keys) - self.compacted >= COMPACT_EVERY:
            start = self.compacted
            self.keys[start:] = [pa.concat_arrays(self.keys[start:])]
            self.rows[start:] = [np.concatenate(self.rows[start:])]
            if self.hashes:
                self.hashes[start:] = [np.concatenate(self.hashes[start:])]
            self.compacted = len(self.keys)

    def column(self) -> pa.ChunkedArray:
        return pa.chunked_array(self.keys, pa.string())

    def row_numbers(self) -> np.ndarray:
        return np.concatenate(self.rows).astype(np.int64) if self.rows else np.zeros(0, np.int64)

    def duplicates(self) -> list[tuple[int, int]]:
        """(row, previous row with the same key) for every repeat, in row order."""
        if not self.hashes:
            return []
        ordered = np.concatenate(self.hashes)
        ordered.sort()
        repeated = np.unique(ordered[1:][ordered[1:] == ordered[:-1]])
        del ordered
        if not repeated.size:
            return []
        keys, rows = [], []
        for hashes, piece, numbers in zip(self.hashes, self.keys, self.rows, strict=True):
            spots = np.minimum(np.searchsorted(repeated, hashes), repeated.size - 1)
            hits = np.flatnonzero(repeated[spots] == hashes)
            keys += piece.take(pa.array(hits)).to_pylist()
            rows += numbers[hits].tolist()
        seen: dict[str, int] = {}
        pairs = []
        for row, key in sorted(zip(rows, keys, strict=True)):
            if key in seen:
                pairs.append((row, seen[key]))
            seen[key] = row
        return pairs


def _pick(keys: pa.Array, rows: np.ndarray, keep: np.ndarray, hashed: bool) -> tuple:
    if keep.all():
        picked, numbers = keys, rows
    else:
        picked, numbers = keys.filter(pa.array(keep)), rows[keep]
    return picked, numbers, hash_keys(picked) if hashed else None


@dataclass
class KeyBatch:
    """A batch's keys, prepared on a worker thread for ``KeyTracker.add``."""

    rows: np.ndarray
    texts: dict[int, pa.Array]
    unique: dict[int, tuple]
    primary: tuple | None
    empty_primary: np.ndarray
    foreign: list[tuple | None]
    referenced: list[tuple | None]
    unmatched: list[list[tuple[int, list[str]]]]


class KeyTracker:
    """Collects keys batch by batch and reports unique/primary/foreign key errors."""

    def __init__(
        self,
        plans: list[FieldPlan],
        primary_key: list[str],
        foreign_keys: list[ForeignKey],
    ):
        names = [plan.field.name for plan in plans]
        self.plans = plans
        self.unique = [j for j, plan in enumerate(plans) if plan.field.constraints.get("unique")]
        self.primary = (
            [names.index(n) for n in primary_key] if set(primary_key) <= set(names) else []
        )
        self.primary_names = primary_key
        self.foreign = foreign_keys
        self.unique_keys = {j: _Collected() for j in self.unique}
        self.primary_keys = _Collected()
        self.foreign_keys = [_Collected() for _ in foreign_keys]
        self.reference_keys = [_Collected() for _ in foreign_keys]
        self.external_misses: list[list[tuple[int, list[str]]]] = [[] for _ in foreign_keys]
        self.sources: list[tuple[np.ndarray, dict[int, pa.Array]]] = []
        self.shown = set(self.unique)
        for fk in foreign_keys:
            if fk.lookup is None:
                self.shown |= set(fk.positions)

    @property
    def active(self) -> bool:
        return bool(self.unique or self.primary or self.foreign)

    def needed_columns(self) -> set[int]:
        """Columns whose canonical keys are needed."""
        needed = set(self.unique) | set(self.primary)
        for fk in self.foreign:
            needed |= set(fk.positions) | {j for j in fk.self_positions if j is not None}
        return needed

    def prepare(
        self, rows: np.ndarray, texts: list[pa.Array], keys: dict[int, pa.Array]
    ) -> KeyBatch:
        """Hash, combine and look up a batch's keys (thread-safe)."""
        unique = {j: _pick(keys[j], rows, to_mask(keys[j].is_valid()), True) for j in self.unique}
        primary, empty_primary = None, np.zeros(0, np.int64)
        if self.primary:
            parts = [keys[j] for j in self.primary]
            some = any_valid(parts)
            empty_primary = rows[~some]
            primary = _pick(composite(parts), rows, some, True)
        foreign: list[tuple | None] = []
        referenced: list[tuple | None] = []
        unmatched = []
        for fk in self.foreign:
            parts = [keys[j] for j in fk.positions]
            some = any_valid(parts)
            combined = composite(parts, fk.tags)
            if fk.lookup is not None:
                found = fk.lookup.contains(combined)
                misses = np.flatnonzero(some & ~found)
                unmatched.append(
                    [(int(rows[i]), self._shown(texts, int(i), fk.positions)) for i in misses]
                )
                foreign.append(None)
                referenced.append(None)
                continue
            unmatched.append([])
            foreign.append(_pick(combined, rows, some, False))
            own = [
                keys[j] if j is not None else pa.nulls(len(rows), pa.string())
                for j in fk.self_positions
            ]
            referenced.append(_pick(composite(own, fk.reference_tags), rows, any_valid(own), False))
        shown = {j: texts[j] for j in self.shown}
        return KeyBatch(rows, shown, unique, primary, empty_primary, foreign, referenced, unmatched)

    def add(self, batch: KeyBatch) -> list[tuple[tuple, ValidationError]]:
        """Record a batch's keys; returns the errors known at once (empty primary keys)."""
        if batch.texts:
            self.sources.append((batch.rows, batch.texts))
        for j, part in batch.unique.items():
            self.unique_keys[j].add(part)
        found = []
        for row in map(int, batch.empty_primary):
            error = errors.primary_key_error(row, self.primary_names, None)
            found.append(((row, GROUP_PRIMARY, 0, 0), error))
        if batch.primary is not None:
            self.primary_keys.add(batch.primary)
        for number, (target, own) in enumerate(zip(batch.foreign, batch.referenced, strict=True)):
            if target is not None:
                self.foreign_keys[number].add(target)
                self.reference_keys[number].add(own)
            self.external_misses[number].extend(batch.unmatched[number])
        return found

    def finish(self) -> list[tuple[tuple, ValidationError]]:
        """Duplicates and unmatched foreign keys over the whole table."""
        found = []
        duplicates = {j: self.unique_keys[j].duplicates() for j in self.unique}
        primary = self.primary_keys.duplicates() if self.primary else []
        missing: list[list[tuple[int, list[str]]]] = []
        unshown: dict[int, list[int]] = {}
        for number, fk in enumerate(self.foreign):
            if fk.lookup is not None:
                missing.append(self.external_misses[number])
                continue
            lookup = self.reference_keys[number].column().combine_chunks()
            targets = self.foreign_keys[number]
            found_rows = to_mask(pc.is_in(targets.column(), value_set=lookup))
            unshown[number] = targets.row_numbers()[~found_rows].tolist()
            missing.append([])
        wanted = {row for pairs in duplicates.values() for row, _ in pairs}
        wanted |= {row for rows in unshown.values() for row in rows}
        texts = self._texts(wanted)
        for number, rows in unshown.items():
            positions = self.foreign[number].positions
            missing[number] = [(row, self._shown(texts[row], 0, positions)) for row in rows]
        for j, pairs in duplicates.items():
            plan = self.plans[j]
            for row, previous in pairs:
                cell = self._shown(texts[row], 0, [j])[0]
                error = errors.unique_error(plan.field.name, row, j + 1, cell, previous)
                found.append(((row, GROUP_UNIQUE, j, 0), error))
        for row, previous in primary:
            error = errors.primary_key_error(row, self.primary_names, previous)
            found.append(((row, GROUP_PRIMARY, 0, 0), error))
        for number, (fk, rows) in enumerate(zip(self.foreign, missing, strict=True)):
            for row, shown in rows:
                error = errors.foreign_key_error(
                    row, fk.fields, shown, fk.reference, fk.reference_fields
                )
                found.append(((row, GROUP_FOREIGN, number, 0), error))
        return found

    def reading_order(self, row: int, failed: set[tuple]) -> list[int]:
        """Fields frictionless-py reads first in a row: those its key checks look at.

        It reads each unique field, then the primary key, then each foreign key,
        and reads the rest of the row (in field order) when the first key error
        is appended; cell errors follow that reading order. ``failed`` holds
        ``("unique", row, j)``, ``("primary", row)`` and ``("foreign", row, k)``.
        """
        order: list[int] = []

        def read(positions: list[int]) -> None:
            order.extend(j for j in positions if j not in order)

        for j in self.unique:
            read([j])
            if ("unique", row, j) in failed:
                return order
        if self.primary:
            read(self.primary)
            if ("primary", row) in failed:
                return order
        for number, fk in enumerate(self.foreign):
            read(fk.positions)
            if ("foreign", row, number) in failed:
                return order
        return order

    def _shown(self, columns: Any, index: int, positions: list[int]) -> list[str]:
        """Typed values of a row's cells as frictionless-py prints them."""
        shown = []
        for j in positions:
            text = columns[j][index].as_py()
            shown.append(str(self.plans[j].exact.outcome(text).value if text is not None else None))
        return shown

    def _texts(self, rows: set[int]) -> dict[int, dict[int, pa.Array]]:
        """The kept cells of these rows, as one-row columns by field position."""
        result: dict[int, dict[int, pa.Array]] = {}
        if not rows:
            return result
        wanted = np.fromiter(rows, np.int64, len(rows))
        for numbers, columns in self.sources:
            for i in np.flatnonzero(np.isin(numbers, wanted)):
                result[int(numbers[i])] = {j: c.slice(int(i), 1) for j, c in columns.items()}
        return result
