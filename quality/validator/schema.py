"""Loading a Table Schema and reading its per-field settings as frictionless-py does."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from frictionless import FrictionlessException, Schema
from frictionless.schema import Field


class SchemaError(ValueError):
    """The schema itself is not a valid Table Schema."""


SchemaLike = dict[str, Any] | Schema | str | os.PathLike[str]


def load_schema(schema: SchemaLike) -> Schema:
    """A fresh, validated frictionless ``Schema`` from a descriptor, a ``Schema`` or a path."""
    if isinstance(schema, Schema):
        descriptor = schema.to_descriptor()
    elif isinstance(schema, dict):
        descriptor = json.loads(json.dumps(schema))
    else:
        descriptor = json.loads(Path(schema).read_text(encoding="utf-8"))
    try:
        return Schema.from_descriptor(descriptor)
    except FrictionlessException as exception:
        raise SchemaError(str(exception)) from exception


def missing_values(field: Field) -> list[str]:
    """The strings read as "no value" for this field (its own, else the schema's)."""
    if not field.has_defined("missing_values") and field.schema:
        return list(field.schema.missing_values)
    return list(field.missing_values)


def blank_ambiguous(fields: list[Field]) -> bool:
    """Whether a row of empty cells reads differently from a blank line (some field
    does not take '' for "no value")."""
    return any("" not in missing_values(field) for field in fields)


def active_constraints(field: Field) -> list[str]:
    """Constraints checked cell by cell, in the order frictionless-py reports them."""
    return [
        name
        for name in field.supported_constraints
        if field.constraints.get(name) is not None and name != "required"
    ]


def is_required(field: Field) -> bool:
    """Whether an empty cell breaks the ``required`` constraint."""
    return bool(field.constraints.get("required"))


def constraint_value(field: Field, name: str) -> Any:
    """A bound or enum read with the field's own value reader, as frictionless-py does."""
    reader = field.create_value_reader()
    value = field.constraints[name]
    if name == "enum":
        return [reader(item) for item in value]
    if name in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        read = reader(value)
        if read is None:
            raise SchemaError(f'constraint "{name}" of field "{field.name}" is not a {field.type}')
        return read
    return value
