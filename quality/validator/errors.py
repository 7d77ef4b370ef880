"""Validation errors: the Frictionless error types, with notes in Spanish and English.

An error has the Frictionless ``type`` (``type-error``, ``missing-cell``, …), its
position (``rowNumber``, ``fieldNumber``), the field name and the cell as
Frictionless reports them, Frictionless' own short ``note`` and a note per
language saying what was wrong and what was expected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Order of the errors inside one row, as frictionless-py emits them.
GROUP_CELL, GROUP_EXTRA, GROUP_MISSING, GROUP_UNIQUE, GROUP_PRIMARY, GROUP_FOREIGN = range(6)


@dataclass(slots=True)
class ValidationError:
    """One error, positioned like frictionless-py's (``rowNumber`` None for the header)."""

    type: str
    note_es: str
    note_en: str
    row_number: int | None = None
    field_number: int | None = None
    field_name: str | None = None
    cell: str | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form with Frictionless' camelCase keys."""
        result: dict[str, Any] = {"type": self.type}
        if self.row_number is not None:
            result["rowNumber"] = self.row_number
        if self.field_number is not None:
            result["fieldNumber"] = self.field_number
        if self.field_name is not None:
            result["fieldName"] = self.field_name
        if self.cell is not None:
            result["cell"] = self.cell
        result["note"] = self.note
        result["note_es"] = self.note_es
        result["note_en"] = self.note_en
        result.update(self.extra)
        return result


# Expected values per field type/format, for type-error notes: (es, en).
def expected_value(field: Any) -> tuple[str, str]:
    """What a cell of this frictionless field should look like, in Spanish and English."""
    kind, fmt = field.type, field.format
    if kind == "integer":
        return "un número entero, p. ej. 42", "a whole number, e.g. 42"
    if kind == "number":
        decimal = getattr(field, "decimal_char", ".")
        group = getattr(field, "group_char", "")
        sample = f"1{group}234{decimal}5" if group else f"1234{decimal}5"
        return f"un número, p. ej. {sample}", f"a number, e.g. {sample}"
    if kind == "boolean":
        values = "/".join([*field.true_values, *field.false_values])
        return f"un valor lógico ({values})", f"a boolean ({values})"
    if kind in ("date", "datetime", "time"):
        return _expected_temporal(kind, fmt)
    simple = {
        "year": ("un año de cuatro dígitos, p. ej. 2024", "a four-digit year, e.g. 2024"),
        "yearmonth": ("un año y mes AAAA-MM, p. ej. 2024-05", "a year and month YYYY-MM"),
        "duration": ("una duración ISO 8601, p. ej. P1DT2H", "an ISO 8601 duration, e.g. P1DT2H"),
        "geopoint": ("un punto geográfico (longitud, latitud)", "a geographic point (lon, lat)"),
        "geojson": ("un objeto GeoJSON", "a GeoJSON object"),
        "array": ("una lista JSON, p. ej. [1, 2]", "a JSON array, e.g. [1, 2]"),
        "object": ('un objeto JSON, p. ej. {"a": 1}', 'a JSON object, e.g. {"a": 1}'),
        "list": ("una lista de valores separados", "a delimited list of values"),
    }
    if kind in simple:
        return simple[kind]
    formats = {
        "email": ("un correo electrónico", "an e-mail address"),
        "uri": ("una URI con esquema, p. ej. https://…", "a URI with a scheme, e.g. https://…"),
        "uuid": ("un UUID", "a UUID"),
        "binary": ("texto en base64", "base64 text"),
        "wkt": ("una geometría WKT", "a WKT geometry"),
    }
    return formats.get(fmt, ("un texto", "a text"))


def _expected_temporal(kind: str, fmt: str) -> tuple[str, str]:
    names = {"date": ("una fecha", "a date"), "datetime": ("una fecha y hora", "a date-time")}
    es, en = names.get(kind, ("una hora", "a time"))
    if fmt == "any":
        return f"{es} reconocible", f"a recognisable {en[2:]}"
    if fmt != "default":
        return f"{es} con formato {fmt}", f"{en} in format {fmt}"
    iso = {"date": "AAAA-MM-DD", "datetime": "AAAA-MM-DDThh:mm:ss", "time": "hh:mm:ss"}[kind]
    iso_en = iso.replace("AAAA", "YYYY").replace("DD", "DD")
    return f"{es} {iso}", f"{en} {iso_en}"


def type_error(field: Any, row: int, number: int, cell: str) -> ValidationError:
    """A cell that does not read as its field's type and format."""
    es, en = expected_value(field)
    return ValidationError(
        type="type-error",
        row_number=row,
        field_number=number,
        field_name=field.name,
        cell=cell,
        note=f'type is "{field.type}/{field.format}"',
        note_es=f'El valor "{cell}" no es del tipo {field.type}: se esperaba {es}.',
        note_en=f'The value "{cell}" is not of type {field.type}: expected {en}.',
    )


_CONSTRAINT_NOTES = {
    "required": ("falta un valor obligatorio", "a required value is missing"),
    "minimum": ("es menor que el mínimo {c}", "is less than the minimum {c}"),
    "maximum": ("es mayor que el máximo {c}", "is greater than the maximum {c}"),
    "exclusiveMinimum": ("debe ser mayor que {c}", "must be greater than {c}"),
    "exclusiveMaximum": ("debe ser menor que {c}", "must be less than {c}"),
    "minLength": ("tiene menos de {c} caracteres o elementos", "has fewer than {c} items"),
    "maxLength": ("tiene más de {c} caracteres o elementos", "has more than {c} items"),
    "pattern": ("no sigue el patrón {c}", "does not match the pattern {c}"),
    "enum": ("no es uno de los valores permitidos: {c}", "is not one of the allowed values: {c}"),
}


def constraint_error(field: Any, row: int, number: int, cell: str, name: str) -> ValidationError:
    """A typed cell that breaks one of its field's constraints."""
    constraint = field.constraints[name]
    shown = ", ".join(map(str, constraint)) if name == "enum" else str(constraint)
    es, en = (text.format(c=shown) for text in _CONSTRAINT_NOTES[name])
    if name == "required":
        note_es, note_en = f"El campo {field.name}: {es}.", f"Field {field.name}: {en}."
    else:
        note_es = f'El valor "{cell}" del campo {field.name} {es}.'
        note_en = f'The value "{cell}" of field {field.name} {en}.'
    return ValidationError(
        type="constraint-error",
        row_number=row,
        field_number=number,
        field_name=field.name,
        cell=cell,
        note=f'constraint "{name}" is "{constraint}"',
        note_es=note_es,
        note_en=note_en,
    )


def unique_error(name: str, row: int, number: int, cell: str, previous: int) -> ValidationError:
    """A value of a ``unique`` field already seen in an earlier row."""
    return ValidationError(
        type="unique-error",
        row_number=row,
        field_number=number,
        field_name=name,
        cell=cell,
        note=f"the same as in the row at position {previous}",
        note_es=f'El valor "{cell}" del campo {name} se repite: ya aparece en la fila {previous}.',
        note_en=f'The value "{cell}" of field {name} is repeated: already in row {previous}.',
    )


def primary_key_error(row: int, fields: list[str], previous: int | None) -> ValidationError:
    """A primary key all empty (``previous`` None) or already seen in an earlier row."""
    key = ", ".join(fields)
    if previous is None:
        return ValidationError(
            type="primary-key",
            row_number=row,
            note='cells composing the primary keys are all "None"',
            note_es=f"La clave primaria ({key}) está vacía: se esperaba un valor.",
            note_en=f"The primary key ({key}) is empty: a value was expected.",
        )
    return ValidationError(
        type="primary-key",
        row_number=row,
        note=f"the same as in the row at position {previous}",
        note_es=f"La clave primaria ({key}) se repite: ya aparece en la fila {previous}.",
        note_en=f"The primary key ({key}) is repeated: already in row {previous}.",
    )


def foreign_key_error(
    row: int, fields: list[str], values: list[str], reference: str, ref_fields: list[str]
) -> ValidationError:
    """A foreign key whose values are not in the referenced table."""
    names, shown, ref_names = ", ".join(fields), ", ".join(values), ", ".join(ref_fields)
    table = reference or "(esta tabla)"
    return ValidationError(
        type="foreign-key",
        row_number=row,
        note=(
            f'for "{names}": values "{shown}" not found in the lookup table '
            f'"{reference}" as "{ref_names}"'
        ),
        note_es=f'Los valores "{shown}" de ({names}) no existen en {table} ({ref_names}).',
        note_en=f'The values "{shown}" of ({names}) are not in {reference or "this table"} '
        f"({ref_names}).",
        extra={"fieldNames": fields, "fieldCells": values, "referenceName": reference},
    )


def blank_row(row: int) -> ValidationError:
    """A row with no value at all."""
    return ValidationError(
        type="blank-row",
        row_number=row,
        note_es="La fila está completamente vacía: se esperaba al menos un valor.",
        note_en="The row is completely blank: at least one value was expected.",
    )


def extra_cell(row: int, number: int, cell: str, expected: int) -> ValidationError:
    """A cell beyond the last expected field."""
    return ValidationError(
        type="extra-cell",
        row_number=row,
        field_number=number,
        field_name="",
        cell=cell,
        note_es=f"La fila tiene un valor de más en la posición {number}: "
        f"se esperaban {expected} columnas.",
        note_en=f"The row has an extra value at position {number}: "
        f"{expected} columns were expected.",
    )


def missing_cell(row: int, number: int, name: str, expected: int) -> ValidationError:
    """A row that ends before this field."""
    return ValidationError(
        type="missing-cell",
        row_number=row,
        field_number=number,
        field_name=name,
        cell="",
        note_es=f"A la fila le falta el campo {name} (posición {number}): "
        f"se esperaban {expected} columnas.",
        note_en=f"The row lacks field {name} (position {number}): "
        f"{expected} columns were expected.",
    )


_LABEL_NOTES = {
    "blank-label": (
        "La etiqueta de la columna {n} está en blanco: se esperaba «{name}».",
        "The label of column {n} is blank: expected '{name}'.",
    ),
    "duplicate-label": (
        "La etiqueta «{label}» de la columna {n} repite la de la posición {note}.",
        "The label '{label}' of column {n} repeats the one at position {note}.",
    ),
    "incorrect-label": (
        "La etiqueta «{label}» de la columna {n} no coincide con el campo «{name}».",
        "The label '{label}' of column {n} does not match field '{name}'.",
    ),
    "extra-label": (
        "La columna {n} («{label}») no está en el esquema.",
        "Column {n} ('{label}') is not in the schema.",
    ),
    "missing-label": (
        "Falta la columna del campo «{name}» (posición {n}).",
        "The column of field '{name}' is missing (position {n}).",
    ),
}


def label_error(
    kind: str, number: int, label: str, name: str, positions: str = ""
) -> ValidationError:
    """A header label that is blank, repeated (at ``positions``), wrong, extra or missing."""
    es, en = (
        text.format(n=number, label=label, name=name, note=positions) for text in _LABEL_NOTES[kind]
    )
    return ValidationError(
        type=kind,
        field_number=number,
        field_name=name,
        note=f'at position "{positions}"' if positions else "",
        note_es=es,
        note_en=en,
        extra={"label": label},
    )


def unmatched_header() -> ValidationError:
    """No label matches a schema field (``fieldsMatch: partial``)."""
    return ValidationError(
        type="unmatched-header",
        note_es="Ninguna columna del encabezado coincide con un campo del esquema.",
        note_en="No column of the header matches a field of the schema.",
    )


def source_empty() -> ValidationError:
    """A file with neither header nor rows."""
    return ValidationError(
        type="source-error",
        note="the source is empty",
        note_es="El archivo está vacío: se esperaba un encabezado o filas.",
        note_en="The file is empty: a header or rows were expected.",
    )


def encoding_error(detail: str, encoding: str) -> ValidationError:
    """Bytes that do not decode with the declared encoding."""
    return ValidationError(
        type="encoding-error",
        note=detail,
        note_es=f"El archivo no se puede leer como {encoding}: {detail}.",
        note_en=f"The file cannot be read as {encoding}: {detail}.",
    )
