"""Validate: split a raw (text) table into typed valid rows and quarantined rows.

Table Schema semantics are frictionless-py's, computed by the columnar validator in
`quality.validator` (tested against frictionless-py), foreign keys included: a key to
a code list (`comunas`) or to another table of the package (order items → the VALID
orders) is checked against that reference read with its own schema, as
frictionless-py reads a package's resources. A foreign key whose columns the source
does not provide is not checked; one whose reference is not given is a typed error.
Required and primary-key fields are validated even when the source lacks them.
A field whose values come from a code list read by value (`x-codeList`, e.g. the ISO
4217 `currencies`) is validated as an `enum` of its codes. A source may add
constraints of its system to a field (`ColumnSpec.pattern`, e.g. Mercado Público's
order codes, and `required`): its rows that break them get a `constraint-error` like
a schema constraint.
A row with any error is quarantined whole, with every error and its source row.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from datasets.errors import AbiertoError
from datasets.ingest import META_COLUMNS, RawSource
from datasets.normalise import map_distinct
from quality.messages import describe_error
from quality.validator import ReferenceTable, ValidationError, validate_table
from schemas import load_descriptor as load_schema_descriptor
from schemas.codes import codes

PANDAS_TYPES = {"integer": "Int64", "number": "Float64", "boolean": "boolean"}
# Types `cast` turns into Python/pandas values: their text in a reference reads with defaults.
TYPED = ("date", "boolean", *PANDAS_TYPES)

References = Mapping[str, "pd.DataFrame | ReferenceTable"]
#: `_source_file` → field → the constraints its source adds (`source_checks`).
SourceChecks = Mapping[str, Mapping[str, Mapping]]


class MissingReferenceError(AbiertoError):
    """A foreign key's referenced table was not given to validate against."""

    type = "missing-reference"


@dataclass
class ValidationResult:
    valid: pd.DataFrame
    quarantined: pd.DataFrame

    @property
    def errors(self) -> list[dict]:
        return [e for errors in self.quarantined["_errors"] for e in errors]


def validation_schema(descriptor: dict, present: list[str]) -> dict:
    """The part of a schema that applies to a source's columns.

    An optional field the source does not provide is left out, and so is a foreign
    key over such a field; a required or primary-key field is always kept (a source
    without it fails every row: descriptors are checked at load, this is the guard).
    Computed fields (`x-computed`) are optional and added after validation.
    """
    key = set(_names(descriptor.get("primaryKey", [])))
    fields = [
        _with_code_list(f)
        for f in descriptor["fields"]
        if f["name"] in present or f["name"] in key or f.get("constraints", {}).get("required")
    ]
    schema = {k: v for k, v in descriptor.items() if k not in ("fields", "foreignKeys")}
    schema["fields"] = fields
    names = {f["name"] for f in fields}
    foreign = [fk for fk in descriptor.get("foreignKeys", []) if set(_names(fk["fields"])) <= names]
    if foreign:
        schema["foreignKeys"] = foreign
    return schema


def _with_code_list(field: dict) -> dict:
    """A field whose values come from a code list (`x-codeList`), as an `enum` of its codes."""
    if "x-codeList" not in field:
        return field
    allowed = sorted(codes(field["x-codeList"]))
    return field | {"constraints": field.get("constraints", {}) | {"enum": allowed}}


def source_checks(sources: Iterable[RawSource], table: str) -> dict[str, dict[str, dict]]:
    """The constraints each source file adds to a table's fields, by `_source_file`."""
    found: dict[str, dict[str, dict]] = {}
    for raw in sources:
        if raw.checks.get(table) and table in raw.tables:
            for file in raw.tables[table]["_source_file"].unique():
                found[file] = raw.checks[table]
    return found


def validate_raw(
    raw: pd.DataFrame,
    descriptor: dict,
    *,
    references: References | None = None,
    checks: SourceChecks | None = None,
) -> ValidationResult:
    """Validate a raw table against its schema descriptor and foreign-key references.

    `references` maps each resource a foreign key names to its rows: a DataFrame
    (the valid rows `validate_raw` returned for that table, or a code list as
    `schemas.load_code_list` gives it; its schema is `schemas/<resource>.schema.json`)
    or a `ReferenceTable` (any table with its own schema). `checks` gives the
    constraints the source files add to their fields (`source_checks`).
    """
    schema = validation_schema(descriptor, list(raw.columns))
    names = [f["name"] for f in schema["fields"]]
    raw = raw.assign(**{n: None for n in names if n not in raw.columns}).reset_index(drop=True)
    cells = raw[names]  # text or missing (None, NaN): the validator reads both as null
    foreign = foreign_tables(schema, references or {})
    report = validate_table(cells, schema, foreign_tables=foreign)
    errors: dict[int, list[dict]] = {}
    source_rows = raw["_source_row"].tolist()
    for error in report.errors:
        index = error.row_number - 2  # canonical column names: no header-level errors
        described = _describe(error, schema, cells, index, source_rows[index])
        if error.type == "primary-key":
            described |= _key_notes(error, schema, raw)
        errors.setdefault(index, []).append(described)
    for index, error in _source_errors(cells, raw, names, checks or {}):
        errors.setdefault(index, []).append(error)
    bad = sorted(errors)
    quarantined = raw.iloc[bad].copy()
    quarantined["_errors"] = [errors[i] for i in bad]
    valid = cast(raw, schema, without=bad)
    return ValidationResult(valid, quarantined.reset_index(drop=True))


def _source_errors(
    cells: pd.DataFrame, raw: pd.DataFrame, names: list[str], checks: SourceChecks
) -> list[tuple[int, dict]]:
    """`constraint-error`s of the values that break their source's constraints."""
    found = []
    files = raw["_source_file"].to_numpy()
    source_rows = raw["_source_row"].to_numpy()
    for file, fields in checks.items():
        in_file = files == file
        for name, constraints in fields.items():
            if name not in names:
                continue
            number = names.index(name) + 1
            values = cells[name]
            missing = values.isna().to_numpy()
            broken: list[tuple[int, object, str]] = []
            if constraints.get("required"):
                empty = np.flatnonzero(in_file & missing)
                broken += [(i, None, 'constraint "required" is "True"') for i in empty]
            if "pattern" in constraints:
                pattern = constraints["pattern"]
                rows = np.flatnonzero(in_file & ~missing)
                # matched once per distinct value, as its text
                codes, uniques = pd.factorize(values.iloc[rows])
                texts = pd.Series([str(u) for u in uniques], dtype=object)
                matches = texts.str.fullmatch(pattern).to_numpy(dtype=bool)
                wrong = rows[~matches[codes]]
                broken += [
                    (i, str(values.iat[i]), f'constraint "pattern" is "{pattern}"') for i in wrong
                ]
            for index, cell, note in broken:
                error = describe_error(
                    "constraint-error", name, number, int(source_rows[index]), cell, note
                )
                found.append((int(index), error))
    return found


def foreign_tables(schema: dict, references: References) -> dict[str, ReferenceTable]:
    """The referenced tables of a schema's foreign keys, as the validator reads them.

    A DataFrame reference is read with its resource's schema, restricted to the
    referenced columns (typed columns as plain text: `2026-10-01`, `12`, `true`).
    A key to the table itself (resource "") needs none.
    """
    wanted: dict[str, list[str]] = {}
    for fk in schema.get("foreignKeys", []):
        resource = fk["reference"].get("resource", "")
        if not resource:
            continue
        columns = wanted.setdefault(resource, [])
        columns += [n for n in _names(fk["reference"]["fields"]) if n not in columns]
        given = references.get(resource)
        if given is None or (
            isinstance(given, pd.DataFrame) and not set(columns) <= set(given.columns)
        ):
            table = schema.get("name", "?")
            raise MissingReferenceError(
                f"la clave foránea de «{table}» apunta a «{resource}» "
                f"({', '.join(columns)}), que no se entregó para validar o no trae esas columnas",
                f"the foreign key of '{table}' references '{resource}' "
                f"({', '.join(columns)}), which was not given to validate against or lacks them",
                column=_names(fk["fields"])[0],
            )
    tables = {}
    for resource, columns in wanted.items():
        given = references[resource]
        if isinstance(given, ReferenceTable):
            tables[resource] = given
            continue
        declared = load_schema_descriptor(resource)
        by_name = {f["name"]: f for f in declared["fields"]}
        fields = [_reference_field(by_name[name]) for name in columns]
        reference_schema = {"fields": fields, "missingValues": declared.get("missingValues", [""])}
        tables[resource] = ReferenceTable(given[columns], reference_schema)
    return tables


def _reference_field(field: dict) -> dict:
    if field.get("type", "string") in TYPED:
        return {"name": field["name"], "type": field["type"]}
    return {k: v for k, v in field.items() if k != "constraints"}


def _describe(
    error: ValidationError, schema: dict, cells: pd.DataFrame, index: int, source_row: int
) -> dict:
    """The error in `describe_error`'s shape; our notes never echo a value, the private
    `cell` keeps the source text (a foreign key's cells joined with ", ")."""
    if error.type != "foreign-key":
        return describe_error(
            error.type, error.field_name, error.field_number, source_row, error.cell, error.note
        )
    fields, resource = error.extra["fieldNames"], error.extra["referenceName"]
    fk = next(
        fk
        for fk in schema["foreignKeys"]
        if _names(fk["fields"]) == fields and fk["reference"].get("resource", "") == resource
    )
    target = resource or schema.get("name")  # "": a key to the table itself
    referenced = ", ".join(_names(fk["reference"]["fields"]))
    expected = f"{target}.{referenced}" if target else referenced
    shown = ", ".join("" if pd.isna(v) else str(v) for v in cells.loc[index, fields])
    number = list(cells.columns).index(fields[0]) + 1
    return describe_error("foreign-key", fields[0], number, source_row, shown, expected)


def _key_notes(error: ValidationError, schema: dict, raw: pd.DataFrame) -> dict:
    """A primary-key error names the key's fields and, when repeated, the source file
    and row of the first occurrence (not a position in the validated table)."""
    key = ", ".join(_names(schema.get("primaryKey", [])))
    found = re.search(r"position (\d+)", error.note)
    if found is None:
        return {
            "note_es": f"clave primaria ({key}) vacía",
            "note_en": f"empty primary key ({key})",
        }
    first = raw.iloc[int(found.group(1)) - 2]
    file, row = first["_source_file"], first["_source_row"]
    return {
        "note_es": f"clave primaria ({key}) repetida: ya está en {file}, fila {row}",
        "note_en": f"duplicate primary key ({key}): already in {file}, row {row}",
    }


def _names(fields: str | list[str]) -> list[str]:
    return [fields] if isinstance(fields, str) else list(fields)


def cast(frame: pd.DataFrame, schema: dict, *, without: list[int] = ()) -> pd.DataFrame:
    """Typed columns for valid rows (the text already passed validation), numbered from
    0: the frame's rows but those at the positions `without`, taken one column at a time
    (never a copy of the whole frame beside the typed one)."""
    keep = None
    if len(without):
        keep = np.delete(np.arange(len(frame)), without)

    def rows(name: str) -> pd.Series:
        column = frame[name]
        return (column if keep is None else column.take(keep)).reset_index(drop=True)

    typed = pd.DataFrame(index=pd.RangeIndex(len(frame) if keep is None else len(keep)))
    for field in schema["fields"]:
        column = _with_none(rows(field["name"]).astype(object))
        kind = field.get("type", "string")
        if kind == "date":
            typed[field["name"]] = map_distinct(column, dt.date.fromisoformat).astype(object)
        elif kind == "boolean":
            typed[field["name"]] = map_distinct(
                column, lambda v: v.strip().lower() in ("true", "1", "yes")
            ).astype("boolean")
        elif kind in PANDAS_TYPES:
            typed[field["name"]] = _numbers(column, PANDAS_TYPES[kind])
        else:
            typed[field["name"]] = column.astype(object)
    for meta in META_COLUMNS:
        typed[meta] = rows(meta)
    return typed


def _with_none(column: pd.Series) -> pd.Series:
    """An object column whose missing values are None; the column itself (its cells
    shared with the raw table, not copied) when they already are."""
    cells = column.to_numpy()
    missing = pd.isna(cells)
    if not missing.any() or (cells[missing] == None).all():  # noqa: E711 (elementwise)
        return column
    return column.where(~missing, None)


def _numbers(column: pd.Series, dtype: str) -> pd.Series:
    """Validated number text as `Int64` / `Float64`, parsed by Arrow (as `pd.to_numeric`
    reads it, exactly: integers are never widened to float on the way); text Arrow does
    not read falls back to `pd.to_numeric`."""
    arrow_type = pa.int64() if dtype == "Int64" else pa.float64()
    try:
        values = pc.cast(pa.array(column, type=pa.string(), from_pandas=True), arrow_type)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return pd.to_numeric(column).astype(dtype)
    if dtype == "Float64":  # NaN is missing, as `astype("Float64")` reads a float NaN
        return pd.Series(values.to_numpy(zero_copy_only=False), index=column.index).astype(dtype)
    exact = values.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
    return exact.set_axis(column.index)
