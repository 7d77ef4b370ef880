"""Foreign keys: the columns they check and the keys they reference.

A foreign key to another table reads that table with its own schema (a CSV
file or an in-memory table passed in ``foreign_tables``) and keeps the set of
its canonical keys; a foreign key with an empty resource name references the
validated table itself, whose keys are only known at the end.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from frictionless import Schema

from datasets.readers.batches.engines import file_batches, first_engine
from datasets.readers.batches.masks import to_mask
from datasets.readers.batches.reader import Batch, FallbackRequired, read_prelude

from .canonical import KeySet, canonical_keys, composite, family
from .columns import FieldPlan, evaluate
from .schema import SchemaLike, blank_ambiguous, load_schema
from .structure import Layout, resolve_layout, stringify_labels
from .tables import column_names, table_batches

TableLike = pa.Table | Any  # a pyarrow Table or a pandas DataFrame of strings/None


@dataclass(frozen=True)
class ReferenceTable:
    """A table referenced by a foreign key: a CSV path or an in-memory table, and its schema."""

    source: str | os.PathLike[str] | TableLike
    schema: SchemaLike
    encoding: str = "utf-8"
    delimiter: str = ","
    header: bool = True


ForeignTables = dict[str, "ReferenceTable | tuple[Any, SchemaLike]"]


@dataclass
class ForeignKey:
    """A foreign key of this table: its columns and the referenced keys (None: itself)."""

    positions: list[int]
    fields: list[str]
    reference: str
    reference_fields: list[str]
    lookup: KeySet | None
    self_positions: list[int | None] = field(default_factory=list)
    tags: list[str | None] | None = None
    reference_tags: list[str | None] | None = None


def foreign_keys(
    schema: Schema, layout: Layout, foreign_tables: ForeignTables | None
) -> list[ForeignKey]:
    """The schema's foreign keys whose columns the table has, as frictionless-py keeps them."""
    names = [field.name for field in layout.fields]
    result = []
    for fk in schema.foreign_keys:
        target, reference = list(fk["fields"]), fk["reference"]
        resource, ref_fields = reference.get("resource", ""), list(reference["fields"])
        if not set(target) <= set(names):
            continue
        positions = [names.index(name) for name in target]
        families = [family(layout.fields[j]) for j in positions]
        if not resource:
            own = [names.index(name) if name in names else None for name in ref_fields]
            own_families = [family(layout.fields[j]) if j is not None else None for j in own]
            tags, own_tags = _tags(families, own_families)
            result.append(ForeignKey(positions, target, "", ref_fields, None, own, tags, own_tags))
            continue
        if not foreign_tables or resource not in foreign_tables:
            raise ValueError(f'foreign key to "{resource}": pass it in foreign_tables')
        spec = foreign_tables[resource]
        spec = spec if isinstance(spec, ReferenceTable) else ReferenceTable(*spec)
        lookup, tags = _reference_lookup(spec, ref_fields, families)
        result.append(
            ForeignKey(positions, target, resource, ref_fields, KeySet(lookup), tags=tags)
        )
    return result


def _tags(ours: list[str], theirs: list[str | None]) -> tuple[list, list]:
    """Family tags for the key components whose families differ (never equal then)."""
    differ = [other is not None and mine != other for mine, other in zip(ours, theirs, strict=True)]
    tags = [mine if d else None for mine, d in zip(ours, differ, strict=True)]
    their_tags = [other if d else None for other, d in zip(theirs, differ, strict=True)]
    return tags, their_tags


def _reference_lookup(
    spec: ReferenceTable, fields: list[str], families: list[str]
) -> tuple[pa.Array, list[str | None]]:
    """Canonical keys of ``fields`` in a referenced table, read with its own schema,
    and the tags our key components need to be compared with them."""
    schema = load_schema(spec.schema)
    if not isinstance(spec.source, str | os.PathLike):
        plans = _plans(schema, stringify_labels(column_names(spec.source)))
        tags, their_tags = _tags(families, _families(plans, fields))
        batches = table_batches(spec.source, None, len(plans))
        return lookup_keys(plans, batches, fields, their_tags), tags
    prelude = read_prelude(spec.source, spec.encoding, spec.delimiter, spec.header)
    plans = _plans(schema, prelude.labels)
    tags, their_tags = _tags(families, _families(plans, fields))
    ambiguous = blank_ambiguous([plan.field for plan in plans])
    engine = first_engine(prelude)
    while True:
        options = {"header": spec.header, "engine": engine, "blank_ambiguous": ambiguous}
        try:
            with closing(file_batches(spec.source, prelude, len(plans), **options)) as batches:
                return lookup_keys(plans, batches, fields, their_tags), tags
        except FallbackRequired as fallback:
            engine = fallback.engine


def _plans(schema: Schema, labels: list[str] | None) -> list[FieldPlan]:
    layout = resolve_layout(schema, labels)
    return [FieldPlan.build(field, n) for n, field in enumerate(layout.fields, start=1)]


def _families(plans: list[FieldPlan], fields: list[str]) -> list[str | None]:
    by_name = {plan.field.name: plan.field for plan in plans}
    return [family(by_name[name]) if name in by_name else None for name in fields]


def lookup_keys(
    plans: list[FieldPlan],
    batches: Iterable[Batch | UnicodeDecodeError],
    fields: list[str],
    tags: list | None,
) -> pa.Array:
    """Canonical keys of ``fields`` over all rows of a referenced table (all-None rows left out)."""
    names = [plan.field.name for plan in plans]
    positions = [names.index(name) if name in names else None for name in fields]
    collected = []
    for batch in batches:
        if isinstance(batch, UnicodeDecodeError):
            break
        parts = []
        for j in positions:
            if j is None:
                parts.append(pa.nulls(batch.num_rows, pa.string()))
                continue
            outcome = evaluate(plans[j], batch.columns[j], batch.absent(j))
            parts.append(canonical_keys(plans[j], outcome))
        collected.append(composite(parts, tags).filter(pa.array(any_valid(parts))))
    if not collected:
        return pa.nulls(0, pa.string())
    return pc.unique(pa.chunked_array(collected, pa.string()).combine_chunks())


def any_valid(parts: list[pa.Array]) -> np.ndarray:
    """Rows where at least one of the key parts has a value."""
    some = np.zeros(len(parts[0]), bool)
    for part in parts:
        some |= to_mask(part.is_valid())
    return some
