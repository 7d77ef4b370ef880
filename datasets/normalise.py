"""Turn source values written in local formats into the canonical text our schemas validate.

Every parser is total: a value it cannot understand is returned unchanged, so that
validation reports it with its position instead of the reader guessing or crashing.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from stdnum.cl import rut as stdnum_rut

from datasets.descriptor import ColumnSpec

_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_BUDGET_PARTS = (2, 2, 3)


def fold(text: str) -> str:
    """Lower-case, accent-free, single-spaced form used to compare labels."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", stripped).strip().lower()


def parse_number(value: str, *, decimal: str = ",", thousands: str = ".") -> str:
    """`1.234.567` → `1234567`, `1.234,5` → `1234.5`, `(1.234)` → `-1234`."""
    text = _SPACES.sub("", value)
    negative = text.startswith("(") and text.endswith(")")
    if negative:
        text = text[1:-1]
    if thousands:
        text = text.replace(thousands, "")
    if decimal != ".":
        text = text.replace(decimal, ".")
    if not re.fullmatch(r"[+-]?\d+(\.\d+)?", text):
        return value
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"-{text.lstrip('+')}" if negative else text


def parse_date(value: object, formats: list[str]) -> str:
    """Dates become ISO `YYYY-MM-DD`; Excel cells already arrive as date objects."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    for fmt in formats:
        try:
            return dt.datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return text


def parse_budget_code(value: str) -> str:
    """`22-04-001`, `22.4.1`, `22;04;001` → `22.04.001` (zero-padded, dotted)."""
    parts = [p for p in re.split(r"[-.;/ ]+", value.strip()) if p]
    if not parts or not all(p.isdigit() for p in parts):
        return value
    widths = _BUDGET_PARTS + (3,) * max(0, len(parts) - len(_BUDGET_PARTS))
    return ".".join(p.zfill(w) for p, w in zip(parts, widths, strict=False))


def parse_rut(value: str) -> str:
    """`76.123.456-k` → `76123456-K` when the check digit is valid; else unchanged."""
    try:
        compact = stdnum_rut.validate(value)
    except Exception:  # stdnum raises several ValidationError subclasses
        return value
    return f"{compact[:-1]}-{compact[-1]}"


def parse_rut_kind(value: str) -> str:
    """Supplier type by the RUT range convention: bodies under 50,000,000 are natural
    persons; an invalid RUT is `desconocido` (and treated as a person downstream)."""
    try:
        body = int(stdnum_rut.validate(value)[:-1])
    except Exception:  # stdnum raises several ValidationError subclasses
        return "desconocido"
    return "persona_natural" if body < 50_000_000 else "persona_juridica"


def parse_boolean(value: str) -> str:
    folded = fold(value)
    if folded in {"si", "s", "yes", "true", "1", "x"}:
        return "true"
    if folded in {"no", "n", "false", "0"}:
        return "false"
    return value


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def normalise_value(value: object, spec: ColumnSpec) -> str | None:
    """Canonical text for one cell, or None for an empty cell."""
    if value is None:
        return None
    if spec.parse == "date" and isinstance(value, dt.date):
        return parse_date(value, spec.formats)
    text = _text(value).strip()
    if text in spec.missing:
        return None
    if spec.map is not None:
        folded_map = {fold(k): v for k, v in spec.map.items()}
        text = folded_map.get(fold(text), text)
        if text == "":
            return None
    match spec.parse:
        case "number":
            return parse_number(text, decimal=spec.decimal, thousands=spec.thousands)
        case "date":
            return parse_date(text, spec.formats)
        case "budget_code":
            return parse_budget_code(text)
        case "rut":
            return parse_rut(text)
        case "rut_kind":
            return parse_rut_kind(text)
        case "boolean":
            return parse_boolean(text)
    return text
