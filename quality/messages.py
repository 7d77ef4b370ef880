"""Validation errors as values, with what was wrong and what was expected in ES and EN."""

from __future__ import annotations

TITLES = {
    "type-error": ("valor con tipo incorrecto", "value of the wrong type"),
    "constraint-error": ("valor fuera de las reglas del campo", "value breaks a field rule"),
    "unique-error": ("valor repetido en un campo único", "repeated value in a unique field"),
    "primary-key": ("clave primaria repetida", "duplicate primary key"),
    "foreign-key": (
        "valor no encontrado en su referencia",
        "value not found in its reference",
    ),
    "extra-cell": ("celda sobrante", "extra cell"),
    "missing-cell": ("celda faltante", "missing cell"),
    "privacy-review": (
        "texto retenido para revisión de privacidad",
        "text held for privacy review",
    ),
    "parent-held": ("su fila principal fue retenida", "its parent row was held"),
}


def error_title(kind: str) -> tuple[str, str]:
    """Plain-words title of an error type, in Spanish and English."""
    return TITLES.get(kind, (kind, kind))


def describe_error(
    kind: str,
    field_name: str | None,
    field_number: int | None,
    row_number: int,
    cell: object,
    note: str,
) -> dict:
    """An error in Frictionless' shape plus readable notes in Spanish and English.

    `note` is Frictionless' own short note (e.g. `constraint "minimum" is "0"`, which
    names the broken constraint). The cell value is kept for the private quarantine
    report only; public reports use `public_error`, which leaves it out.
    """
    title_es, title_en = error_title(kind)
    return {
        "type": kind,
        "rowNumber": row_number,
        "fieldNumber": field_number,
        "fieldName": field_name,
        "cell": None if cell is None else str(cell),
        "note": note,
        "note_es": f"{title_es} en «{field_name}» (esperado: {note})",
        "note_en": f"{title_en} in '{field_name}' (expected: {note})",
    }


def public_error(error: dict) -> dict:
    """The error without the offending value, safe for public summaries and logs."""
    return {k: v for k, v in error.items() if k != "cell"}
