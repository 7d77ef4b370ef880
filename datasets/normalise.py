"""Turn source values written in local formats into the canonical text our schemas validate.

Every parser is total: a value it cannot understand is returned unchanged, so that
validation reports it with its position instead of the reader guessing or crashing.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd
from stdnum.cl import rut as stdnum_rut

from datasets.descriptor import ColumnSpec

_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_BUDGET_PARTS = (2, 2, 3)
_EXCEL_EPOCH = dt.date(1899, 12, 30)
# Zero-padded ASCII forms of the commonest formats (Mercado Público's timestamps),
# read without `strptime` (ten times slower): any other text of these formats still
# goes through `strptime`, so what is accepted is exactly what it accepts.
_PADDED = {
    "%Y-%m-%d": re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})"),
    "%Y-%m-%d %H:%M:%S": re.compile(
        r"([0-9]{4})-([0-9]{2})-([0-9]{2}) (?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
    ),
}
MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("enero", "ene", "january", "jan"),
            ("febrero", "feb", "february"),
            ("marzo", "mar", "march"),
            ("abril", "abr", "april", "apr"),
            ("mayo", "may"),
            ("junio", "jun", "june"),
            ("julio", "jul", "july"),
            ("agosto", "ago", "august", "aug"),
            ("septiembre", "setiembre", "sep", "sept", "set", "september"),
            ("octubre", "oct", "october"),
            ("noviembre", "nov", "november"),
            ("diciembre", "dic", "december", "dec"),
        ],
        start=1,
    )
    for name in names
}


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold(text: str) -> str:
    """Lower-case, accent-free, single-spaced form used to compare labels."""
    return _SPACES.sub(" ", strip_accents(text)).strip().lower()


def parse_number(value: str, *, decimal: str = ",", thousands: str = ".") -> str:
    """`1.234.567` → `1234567`, `1.234,5` → `1234.5`, `(1.234)` → `-1234`.

    Thousands marks must group three digits: with the Chilean marks `1,234.56` or
    `12.34` are not numbers and are returned unchanged for validation to report.
    """
    text = _SPACES.sub("", value)
    negative = text.startswith("(") and text.endswith(")")
    if negative:
        text = text[1:-1]
    grouped = rf"\d{{1,3}}(?:{re.escape(thousands)}\d{{3}})+|" if thousands.strip() else ""
    found = re.fullmatch(rf"([+-]?)({grouped}\d+)(?:{re.escape(decimal)}(\d+))?", text)
    if found is None:
        return value
    sign, whole, fraction = found.group(1), found.group(2), found.group(3) or ""
    whole = (whole.replace(thousands, "") if thousands else whole).lstrip("0") or "0"
    fraction = fraction.rstrip("0")
    text = f"{whole}.{fraction}" if fraction else whole
    if text == "0":
        return "0"
    negative = negative != (sign == "-")
    return f"-{text}" if negative else text


def parse_date(value: object, formats: list[str]) -> str:
    """Dates become ISO `YYYY-MM-DD`, trying only the formats the descriptor declares.

    Besides `strptime` formats, `iso` accepts ISO 8601 with or without time and time
    zone (`2026-10-05T10:00:00-03:00` is the local date 2026-10-05, not converted to
    UTC) and `excel` accepts an Excel serial day number (`45292` = 2024-01-01).
    Excel cells typed as dates already arrive as date objects.
    """
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = _text(value).strip()
    for fmt in formats:
        parsed = _parse_date_as(text, fmt)
        if parsed is not None:
            return parsed.isoformat()
    return text


def _parse_date_as(text: str, fmt: str) -> dt.date | None:
    padded = _PADDED.get(fmt)
    found = padded.fullmatch(text) if padded else None
    try:
        if found:
            return dt.date(*map(int, found.groups()))
        if fmt == "iso":
            return dt.datetime.fromisoformat(text).date()
        if fmt == "excel":
            serial = float(text)
            if not serial.is_integer() and "." not in text:
                return None
            return _EXCEL_EPOCH + dt.timedelta(days=int(serial)) if 0 < serial < 2958466 else None
        return dt.datetime.strptime(text, fmt).date()
    except (ValueError, OverflowError):
        return None


def parse_month(value: str) -> str:
    """`ABRIL`, `abr`, `04`, `4` → `4`; anything else unchanged."""
    folded = fold(value).rstrip(".")
    if folded.isdigit() and 1 <= int(folded) <= 12:
        return str(int(folded))
    return str(MONTHS[folded]) if folded in MONTHS else value


def parse_budget_code(value: str) -> str:
    """`22-04-001`, `22.4.1`, `22;1;1`, `2201001` → `22.04.001` (zero-padded, dotted).

    Trailing all-zero levels are dropped (`35-00-000` is subtítulo `35`): a level
    numbered zero means the account stops above it. Undivided digit strings are cut
    at the classifier's widths (2, 2, 3, 3…).
    """
    parts = [p for p in re.split(r"[-.;/ ]+", value.strip()) if p]
    if len(parts) == 1 and parts[0].isdigit() and len(parts[0]) > 2:
        parts = _cut_digits(parts[0])
        if parts is None:
            return value
    if not parts or not all(p.isdigit() for p in parts):
        return value
    while len(parts) > 1 and int(parts[-1]) == 0:
        parts.pop()
    widths = _BUDGET_PARTS + (3,) * max(0, len(parts) - len(_BUDGET_PARTS))
    return ".".join(p.zfill(w) for p, w in zip(parts, widths, strict=False))


def _cut_digits(digits: str) -> list[str] | None:
    """Digits cut at the classifier's widths, or None when they do not fit them (a
    level left short, or more digits than the eleven levels hold)."""
    parts = []
    for width in _BUDGET_PARTS + (3,) * 8:
        if not digits:
            return parts
        if len(digits) < width:
            return None
        parts.append(digits[:width])
        digits = digits[width:]
    return None if digits else parts


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


#: The identifier scheme of Chilean RUTs (org-id.guide).
RUT_SCHEME = "CL-RUT"


def parse_scheme_rut(value: str) -> str | None:
    """`CL-RUT;76.123.456-k` → `76123456-K`; an id of any other scheme → None (empty):
    a foreign identifier is never read as a RUT."""
    scheme, _, identifier = value.partition(";")
    return parse_rut(identifier.strip()) if scheme.strip() == RUT_SCHEME else None


def parse_scheme_kind(value: str, organisation_schemes: Sequence[str]) -> str:
    """Supplier type from `scheme;id`: a RUT by its range, a scheme declared to identify
    organisations `persona_juridica`, any other (or none) `desconocido`."""
    scheme, _, identifier = value.partition(";")
    scheme = scheme.strip()
    if scheme == RUT_SCHEME:
        return parse_rut_kind(identifier.strip())
    return "persona_juridica" if scheme and scheme in organisation_schemes else "desconocido"


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


def _is_number(value: object) -> bool:
    """A number cell of a spreadsheet or JSON document (its marks are not text)."""
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _scaled(number: str, scale: int) -> str:
    """Amounts reported in thousands (`scale: 1000`) become plain units, exactly."""
    try:
        value = Decimal(number) * scale
    except InvalidOperation:
        return number
    return parse_number(format(value, "f"), decimal=".", thousands="")


@dataclass
class Encoded:
    """A column as codes into its distinct values (code -1: an empty cell, None);
    `is_text` when every value is a str (a CSV's cells)."""

    codes: np.ndarray
    uniques: list[object]
    is_text: bool = False

    def apply(self, function: Callable[[object], object]) -> np.ndarray:
        """`function` of each cell, computed once per distinct value (an object array)."""
        return self.per_value(function)[self.codes]

    def per_value(self, function: Callable[[object], object]) -> np.ndarray:
        """`function` of each distinct value, then of an empty cell (`by_code`)."""
        return by_code([function(u) for u in self.uniques], function(None))

    def taken(self, results: list[object], empty: object) -> np.ndarray:
        """Per-distinct-value `results` (and `empty` for empty cells) taken to every row."""
        return by_code(results, empty)[self.codes]

    def take(self, positions: np.ndarray) -> Encoded:
        return Encoded(self.codes[positions], self.uniques, self.is_text)


def encode(values: Sequence[object]) -> Encoded:
    """Dictionary-encode a column. Text (str and None only, as CSV gives) is encoded in
    C; mixed Python values (spreadsheet and JSON cells) by type and value, so that
    `True`, `1` and `1.0` stay distinct."""
    if set(map(type, values)) <= {str, type(None)}:
        codes, uniques = pd.factorize(np.asarray(values, dtype=object))
        return Encoded(codes, list(uniques), is_text=True)
    known: dict[tuple[type, object], int] = {}
    codes = np.empty(len(values), dtype=np.intp)
    for index, value in enumerate(values):
        codes[index] = -1 if value is None else known.setdefault((type(value), value), len(known))
    return Encoded(codes, [value for _, value in known])


def map_distinct(column: pd.Series, read: Callable[[object], object]) -> pd.Series:
    """`read` of every value, called once per distinct value (missing stays None)."""
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    values = np.array([read(v) for v in uniques] + [None], dtype=object)  # -1: the last
    return pd.Series(values[codes], index=column.index, dtype=object)


def row_codes(columns: list[pd.Series]) -> np.ndarray:
    """One code per row for the values of several columns together (equal rows, equal
    codes; a missing value is a value of its own), by hashing, never sorting. Each column
    is factorised and the codes are combined pairwise and factorised again, so they stay
    small whatever the count."""
    codes = np.zeros(len(columns[0]) if columns else 0, dtype=np.int64)
    for column in columns:
        own, uniques = pd.factorize(column, use_na_sentinel=False)
        codes, _ = pd.factorize(codes * (len(uniques) + 1) + own)
    return codes


def by_code(results: list[object], empty: object) -> np.ndarray:
    """An object array of `results`, then `empty`: indexed by a column's codes (-1, an
    empty cell, reads the last), it gives each row its value."""
    table = np.empty(len(results) + 1, dtype=object)
    for index, result in enumerate(results):
        table[index] = result
    table[-1] = empty
    return table


def normalised_values(column: Encoded, spec: ColumnSpec) -> np.ndarray:
    """`normalise_value` of each distinct value of a column, then of an empty cell
    (`by_code`): indexed by the column's codes, each cell's canonical text."""
    if spec.parse == "text" and spec.extract is None and spec.map is None and column.is_text:
        missing = set(spec.missing)  # `normalise_value` of text cells, in one comprehension
        stripped = [u.strip() for u in column.uniques]  # type: ignore[union-attr]
        return by_code([None if t in missing else t for t in stripped], None)
    return column.per_value(lambda value: normalise_value(value, spec))


def normalise_value(value: object, spec: ColumnSpec) -> str | None:
    """Canonical text for one cell, or None for an empty cell."""
    if value is None:
        return None
    if spec.parse == "date" and isinstance(value, dt.date):
        return parse_date(value, spec.formats)
    if spec.parse == "number" and _is_number(value) and spec.extract is None and not spec.map:
        number = parse_number(format(Decimal(str(value)), "f"), decimal=".", thousands="")
        return _scaled(number, spec.scale) if spec.scale != 1 else number
    text = _cell_text(value, spec)
    if text is None:
        return None
    match spec.parse:
        case "number":
            number = parse_number(text, decimal=spec.decimal, thousands=spec.thousands)
            return _scaled(number, spec.scale) if spec.scale != 1 else number
        case "date":
            return parse_date(text, spec.formats)
        case "budget_code":
            return parse_budget_code(text)
        case "rut":
            return parse_rut(text)
        case "rut_kind":
            return parse_rut_kind(text)
        case "scheme_rut":
            return parse_scheme_rut(text)
        case "scheme_kind":
            return parse_scheme_kind(text, spec.organisation_schemes)
        case "month":
            return parse_month(text)
        case "boolean":
            return parse_boolean(text)
    return text


def _cell_text(value: object, spec: ColumnSpec) -> str | None:
    """A cell's text after `extract`, `missing` and `map`, before parsing (None: empty)."""
    text = _text(value).strip()
    if spec.extract is not None:
        found = re.search(spec.extract, text)
        text = (found.group(1) if found.groups() else found.group(0)).strip() if found else text
    if text in spec.missing:
        return None
    if spec.map is not None:
        folded_map = {fold(k): v for k, v in spec.map.items()}
        text = folded_map.get(fold(text), text)
        if text == "":
            return None
    return text


def number_shape(text: str, decimal: str, thousands: str) -> str | None:
    """How a number written as text uses the declared marks.

    - `grouped`: the decimal mark groups thousands (`1.234.567` under `decimal: "."`);
    - `group-like`: one decimal mark with one to three digits before it (not a lone 0)
      and exactly three after (`900.000`): thousands or a decimal fraction;
    - `decimal`: the decimal mark is proven one (`12.5`, `1234.500`, `0.250`), or the
      thousands mark groups digits (`1,234` under `thousands: ","`);
    - None: neither mark.
    """
    body = _SPACES.sub("", text)
    if body.startswith("(") and body.endswith(")"):
        body = body[1:-1]
    body = body.lstrip("+-")
    mark = re.escape(decimal)
    if re.fullmatch(rf"[1-9]\d{{0,2}}(?:{mark}\d{{3}}){{2,}}", body):
        return "grouped"
    if re.fullmatch(rf"[1-9]\d{{0,2}}{mark}\d{{3}}", body):
        return "group-like"
    if re.fullmatch(rf"\d+{mark}\d+", body):
        return "decimal"
    group = re.escape(thousands)
    if thousands.strip() and re.fullmatch(rf"\d{{1,3}}(?:{group}\d{{3}})+(?:{mark}\d+)?", body):
        return "decimal"
    return None


def ambiguous_numbers(column: Encoded, spec: ColumnSpec, *, integer: bool) -> np.ndarray:
    """Positions of the cells of a `number` column that cannot be read without guessing
    (the rule is in the README, "Numbers"): every `grouped` text cell and, in a column
    mapped to an `integer` field, every `group-like` one unless another cell of the
    column proves the decimal mark."""
    present = np.bincount(column.codes[column.codes >= 0], minlength=len(column.uniques)) > 0
    shapes = np.full(len(column.uniques) + 1, None, dtype=object)
    for index, value in enumerate(column.uniques):
        if present[index] and isinstance(value, str):
            text = _cell_text(value, spec)
            if text is not None:
                shapes[index] = number_shape(text, spec.decimal, spec.thousands)
    found = set(shapes[:-1])
    wrong = {"grouped"} | ({"group-like"} if integer and "decimal" not in found else set())
    if not wrong & found:
        return np.empty(0, dtype=np.intp)
    return np.flatnonzero(np.isin(shapes, list(wrong))[column.codes])
