"""Table structure: header labels against schema fields, and the row shape.

Follows frictionless-py's ``Header``: which field reads each column (by position
for ``fieldsMatch: exact``, by name otherwise; a column no field claims is read
as an ``any`` field named after its label) and the label errors.
"""

from __future__ import annotations

from dataclasses import dataclass

from frictionless import Schema
from frictionless.schema import Field

from . import errors
from .errors import ValidationError

TOLERATES_EXTRA_LABELS = ("subset", "partial")
TOLERATES_MISSING_FIELDS = ("superset", "partial")


@dataclass
class Layout:
    """The fields expected in the rows, in column order, and the header's errors."""

    fields: list[Field]
    header_errors: list[ValidationError]


def stringify_labels(cells: list[str | None]) -> list[str]:
    """Header cells as frictionless-py reads them: stripped, None as ''."""
    return ["" if cell is None else str(cell).strip() for cell in cells]


def resolve_layout(schema: Schema, labels: list[str] | None) -> Layout:
    """Expected fields and header errors for these labels (None: the table has no header)."""
    fields = list(schema.fields)
    mode = schema.fields_match
    if not labels:
        return Layout(fields=fields, header_errors=[])
    by_name = mode != "exact"
    by_key = {}
    for field in fields:
        by_key.setdefault(field.name, field)

    def matching(position: int, label: str) -> Field | None:
        if not by_name:
            return fields[position] if position < len(fields) else None
        return by_key.get(label)

    if by_name and len(set(labels)) != len(labels):
        raise ValueError(f'matching fields by name ("fieldsMatch": "{mode}") needs unique labels')
    matched = [matching(position, label) for position, label in enumerate(labels)]
    names = _deduplicate(
        [f.name if f is not None else label for f, label in zip(matched, labels, strict=True)]
    )
    expected = [
        f if f is not None else Field.from_descriptor({"name": name, "type": "any"})
        for f, name in zip(matched, names, strict=True)
    ]
    return Layout(fields=expected, header_errors=_label_errors(schema, labels, matching, by_name))


def _label_errors(schema: Schema, labels: list[str], matching, by_name: bool) -> list:
    fields, mode = list(schema.fields), schema.fields_match
    found: list[ValidationError] = []
    if mode not in TOLERATES_EXTRA_LABELS:
        for number, label in enumerate(labels, start=1):
            if matching(number - 1, label) is None:
                found.append(errors.label_error("extra-label", number, label, ""))
    has_match = any(matching(n, label) is not None for n, label in enumerate(labels))
    if mode == "partial" and fields and not has_match:
        found.append(errors.unmatched_header())
    if by_name:
        unmatched = [field for field in fields if field.name not in set(labels)]
    else:
        unmatched = fields[len(labels) :]
    if mode in TOLERATES_MISSING_FIELDS:
        unmatched = [f for f in unmatched if f.required or f.name in schema.primary_key]
    for offset, field in enumerate(unmatched):
        found.append(errors.label_error("missing-label", len(labels) + 1 + offset, "", field.name))
    if by_name:
        return found
    for number, (field, label) in enumerate(zip(fields, labels, strict=False), start=1):
        if not label:
            found.append(errors.label_error("blank-label", number, "", field.name))
            continue
        seen = [str(n) for n, prior in enumerate(labels[: number - 1], start=1) if prior == label]
        if seen:
            positions = ", ".join(seen)
            found.append(
                errors.label_error("duplicate-label", number, label, field.name, positions)
            )
        elif label != field.name:
            found.append(errors.label_error("incorrect-label", number, label, field.name))
    return found


def _deduplicate(names: list[str]) -> list[str]:
    """Later duplicates become ``name2``, ``name3``… as frictionless-py names them."""
    result: list[str] = []
    used: set[str] = set()
    for name in names:
        new, suffix = name, 2
        while new in used:
            new, suffix = f"{name}{suffix}", suffix + 1
        result.append(new)
        used.add(new)
    return result
