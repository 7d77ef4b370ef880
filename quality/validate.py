"""Validate: split a raw (text) table into typed valid rows and quarantined rows.

Table Schema semantics are frictionless-py's, computed by the columnar validator in
`quality.validator` (tested against frictionless-py); foreign keys to code lists and
other tables of the package are checked here on whole columns.
A row with any error is quarantined whole, with every error and its source row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from datasets.ingest import META_COLUMNS
from quality.messages import describe_error
from quality.validator import validate_table

PANDAS_TYPES = {"integer": "Int64", "number": "Float64", "boolean": "boolean"}


@dataclass
class ValidationResult:
    valid: pd.DataFrame
    quarantined: pd.DataFrame

    @property
    def errors(self) -> list[dict]:
        return [e for errors in self.quarantined["_errors"] for e in errors]


def validation_schema(descriptor: dict, present: list[str]) -> dict:
    """The part of a schema that applies to the columns a source provides.

    Computed fields (`x-computed`) are added after validation; foreign keys are checked
    separately, so they are removed from the frictionless descriptor.
    """
    fields = [f for f in descriptor["fields"] if f["name"] in present]
    schema = {k: v for k, v in descriptor.items() if k not in ("fields", "foreignKeys")}
    schema["fields"] = fields
    names = {f["name"] for f in fields}
    if not set(schema.get("primaryKey", [])) <= names:
        schema.pop("primaryKey", None)
    return schema


def validate_raw(
    raw: pd.DataFrame,
    descriptor: dict,
    *,
    references: dict[str, pd.DataFrame] | None = None,
) -> ValidationResult:
    """Validate a raw table against its schema descriptor and foreign-key references."""
    schema = validation_schema(descriptor, list(raw.columns))
    names = [f["name"] for f in schema["fields"]]
    cells = raw[names].astype(object).where(raw[names].notna(), None)
    report = validate_table(cells.reset_index(drop=True), schema)
    errors: dict[int, list[dict]] = {}
    source_rows = raw["_source_row"].tolist()
    for error in report.errors:
        index = error.row_number - 2  # canonical column names: no header-level errors
        # The validator's own notes quote the cell; ours never echo a value.
        errors.setdefault(index, []).append(
            describe_error(
                error.type,
                error.field_name,
                error.field_number,
                source_rows[index],
                error.cell,
                error.note,
            )
        )
    for index, error in _foreign_key_errors(raw, descriptor, references or {}, names):
        errors.setdefault(index, []).append(error)
    bad = sorted(errors)
    quarantined = raw.iloc[bad].copy()
    quarantined["_errors"] = [errors[i] for i in bad]
    valid = cast(raw.drop(index=raw.index[bad]), schema)
    return ValidationResult(valid.reset_index(drop=True), quarantined.reset_index(drop=True))


def _foreign_key_errors(
    raw: pd.DataFrame, descriptor: dict, references: dict[str, pd.DataFrame], names: list[str]
):
    for fk in descriptor.get("foreignKeys", []):
        fields = fk["fields"] if isinstance(fk["fields"], list) else [fk["fields"]]
        ref = fk["reference"]
        ref_fields = ref["fields"] if isinstance(ref["fields"], list) else [ref["fields"]]
        if not set(fields) <= set(raw.columns) or ref["resource"] not in references:
            continue
        target = references[ref["resource"]]
        allowed = set(target[ref_fields].astype(str).itertuples(index=False, name=None))
        for position, (index, key) in enumerate(
            zip(raw.index, raw[fields].itertuples(index=False, name=None), strict=True)
        ):
            if any(v is None for v in key) or key in allowed:
                continue
            yield (
                position,
                describe_error(
                    "foreign-key",
                    fields[0],
                    names.index(fields[0]) + 1 if fields[0] in names else None,
                    int(raw.at[index, "_source_row"]),
                    ", ".join(str(v) for v in key),
                    f"{ref['resource']}.{', '.join(ref_fields)}",
                ),
            )


def cast(frame: pd.DataFrame, schema: dict) -> pd.DataFrame:
    """Typed columns for valid rows (the text already passed validation)."""
    typed = pd.DataFrame(index=frame.index)
    for field in schema["fields"]:
        column = frame[field["name"]].astype(object)
        column = column.where(column.notna(), None)
        kind = field.get("type", "string")
        if kind == "date":
            typed[field["name"]] = column.map(
                lambda v: None if v is None else dt.date.fromisoformat(v)
            ).astype(object)
        elif kind == "boolean":
            typed[field["name"]] = column.map(
                lambda v: None if v is None else v.strip().lower() in ("true", "1", "yes")
            ).astype("boolean")
        elif kind in PANDAS_TYPES:
            typed[field["name"]] = pd.to_numeric(column).astype(PANDAS_TYPES[kind])
        else:
            typed[field["name"]] = column.astype(object)
    for meta in META_COLUMNS:
        typed[meta] = frame[meta]
    return typed
