"""A validation report per source file, for the office that delivered it.

`build_file_report` turns what validation found in one file — its provenance, its
quarantined rows with their errors, row counts — into one JSON-ready dict (the
model): the file and what was detected in it, the reconciliation (rows read = valid
+ quarantined + held + excluded), whether the dataset is blocked and why, the
errors grouped by column and type, and the errors row by row in the file's own row
numbers and column labels, saying what was wrong and what was expected in Spanish
and English, with the value written.

The model holds raw values: it is private (the quarantine folder). The pipeline
writes it there as JSON and HTML (`publish.file_report_page`); `abierto validate` prints
it without the values (`without_values`). Same inputs give the same dict.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from datasets.descriptor import ColumnSpec, DatasetDescriptor, SourceFormat
from quality.messages import error_title
from schemas import load_descriptor as load_schema_descriptor

MAX_ERRORS = 1000  # rows of the row-by-row list; the rest are counted
FIRST_ROWS = 5  # rows shown per column and error type
DETECTED = ("encoding", "delimiter", "sheet", "header_row")
ROW_DROP_RATIO = 0.5  # a file under half the rows of its source's other files is flagged
_CONSTRAINT = re.compile(r'^constraint "(\w+)"')

# What was wrong, for a broken constraint (other errors use `error_title`).
CONSTRAINT_PROBLEMS = {
    "required": ("falta un valor obligatorio", "a required value is missing"),
    "enum": ("valor no permitido", "value not allowed"),
    "minimum": ("valor demasiado bajo", "value too low"),
    "exclusiveMinimum": ("valor demasiado bajo", "value too low"),
    "maximum": ("valor demasiado alto", "value too high"),
    "exclusiveMaximum": ("valor demasiado alto", "value too high"),
    "minLength": ("texto demasiado corto", "text too short"),
    "maxLength": ("texto demasiado largo", "text too long"),
    "pattern": ("valor con un formato que no corresponde", "value in the wrong format"),
}
PARENT_PROBLEM = (
    "la fila a la que pertenece no es válida o no existe",
    "the row it belongs to is invalid or missing",
)
# Nouns for a field type, to say "a whole number ≥ 0".
NOUNS = {
    "integer": ("un número entero", "a whole number"),
    "number": ("un número", "a number"),
    "date": ("una fecha", "a date"),
    "boolean": ("un valor sí/no", "a yes/no value"),
}
COMPARISONS = {"minimum": "≥", "maximum": "≤", "exclusiveMinimum": ">", "exclusiveMaximum": "<"}
DATE_PARTS = {  # strftime directive → (es, en)
    "%Y": ("AAAA", "YYYY"),
    "%y": ("AA", "YY"),
    "%m": ("MM", "MM"),
    "%d": ("DD", "DD"),
    "%H": ("hh", "hh"),
    "%M": ("mm", "mm"),
    "%S": ("ss", "ss"),
}
PARSED = {  # descriptor parser → what a cell must look like (es, en)
    "rut": (
        "un RUT con dígito verificador, p. ej. 76.123.456-0",
        "a RUT with check digit, e.g. 76.123.456-0",
    ),
    "rut_kind": (
        "un RUT con dígito verificador, p. ej. 76.123.456-0",
        "a RUT with check digit, e.g. 76.123.456-0",
    ),
    "month": ("un mes: número de 1 a 12 o su nombre", "a month: 1 to 12 or its name"),
    "boolean": ("sí o no", "yes or no"),
    "budget_code": ("un código presupuestario, p. ej. 22.04.001", "a budget code, e.g. 22.04.001"),
}


def invalid_share(
    table: str, invalid: int, total: int, maximum: float, file: str | None = None
) -> dict:
    """A source file's share of invalid rows in a table against the descriptor's maximum
    (`file` is `<cut>/<name>`, as in `_source_file`)."""
    share = invalid / total if total else 0.0
    return {
        "file": file,
        "table": table,
        "rows_invalid": invalid,
        "rows_total": total,
        "share": round(share, 4),
        "maximum": maximum,
        "exceeded": share > maximum,
    }


def invalid_share_reason(check: dict) -> dict:
    """The publish gate's reason for an exceeded `invalid_share` check."""
    table, bad, total, maximum = (
        check[k] for k in ("table", "rows_invalid", "rows_total", "maximum")
    )
    where = f"{check['file']}, {table}" if check.get("file") else table
    return {
        "type": "invalid-share",
        "es": f"{where}: {bad} de {total} filas inválidas, sobre el máximo de {maximum:.0%}",
        "en": f"{where}: {bad} of {total} rows invalid, above the maximum of {maximum:.0%}",
    }


def row_drops(sources: Sequence[Mapping[str, Any]], ratio: float = ROW_DROP_RATIO) -> dict:
    """Files with far fewer rows than the same source's other files of the comuna.

    The reference is the median of the other files read with the same source format
    for the same comuna (at least two of them): periods are not ordered the same way
    in every source's file names, and one odd month must not set the bar. A file under
    `ratio` of it gets a warning keyed by `<cut>/<name>`: it may have been cut at a line
    break (which the truncation checks cannot see), or the office's export changed.
    It is a warning, not a block: budgets start each year with fewer accounts and
    purchase orders vary by month, and a cut inside a row is already refused.
    """
    groups: dict[tuple, list[Mapping[str, Any]]] = {}
    for source in sources:
        key = (source.get("comuna_code"), source.get("source_format"))
        groups.setdefault(key, []).append(source)
    warnings = {}
    for group in groups.values():
        for source in group:
            others = sorted(int(o["rows_read"]) for o in group if o is not source)
            if len(others) < 2:
                continue
            middle = len(others) // 2
            median = (others[middle] + others[~middle]) / 2
            rows = int(source["rows_read"])
            if rows < ratio * median:
                warnings[f"{source.get('comuna_code')}/{source['name']}"] = {
                    "type": "row-drop",
                    "rows_read": rows,
                    "reference_rows": median,
                    "reference_files": len(others),
                    "es": f"el archivo tiene {rows} filas, menos de {ratio:.0%} de las "
                    f"{median:g} (mediana) de los otros {len(others)} archivos de esta fuente: "
                    "revise que esté completo",
                    "en": f"the file has {rows} rows, under {ratio:.0%} of the {median:g} "
                    f"(median) of the other {len(others)} files of this source: check that "
                    "it is complete",
                }
    return warnings


def build_file_report(
    *,
    dataset: str,
    comuna_code: str,
    provenance: Mapping[str, Any],
    source: SourceFormat,
    quarantined: Mapping[str, pd.DataFrame],
    valid: Mapping[str, int],
    held: Mapping[str, int] | None,
    blocked: Sequence[Mapping[str, str]],
    shares: Sequence[dict],
    run_date: str,
    max_errors: int = MAX_ERRORS,
    warnings: Sequence[Mapping[str, Any]] = (),
) -> dict:
    """The report of one source file.

    `quarantined` holds this file's quarantined rows per table (with `_source_row`
    and `_errors`), `valid` this file's rows per table that will be published, `held`
    those held for privacy review (None when privacy rules were not run, as in
    `abierto validate`), `blocked` the dataset's publish-gate reasons, `shares` this
    file's `invalid_share` checks and `warnings` what is odd about the file without
    blocking it (`row_drops`).
    """
    tables = list(quarantined)
    row_table = source.row_table
    described: dict[tuple, dict] = {}
    errors = sorted(
        (
            _error_row(table, error, source, described)
            for table in tables
            for errors in quarantined[table].get("_errors", [])
            for error in errors
        ),
        key=lambda e: (e["row"], tables.index(e["table"]), e["field_number"], e["type"]),
    )
    excluded = int(
        provenance.get("rows_excluded", sum(provenance["rows_excluded_by_reason"].values()))
    )
    rows = {
        "table": row_table,
        "read": int(provenance["rows_read"]),
        "valid": int(valid.get(row_table, 0)),
        "quarantined": len(quarantined.get(row_table, ())),
        "held": None if held is None else int(held.get(row_table, 0)),
        "excluded": excluded,
        "excluded_by_reason": dict(sorted(provenance["rows_excluded_by_reason"].items())),
        "excluded_reasons": {
            r: words
            for r, words in _exclusions(source).items()
            if r in provenance["rows_excluded_by_reason"]
        },
    }
    accounted = rows["valid"] + rows["quarantined"] + (rows["held"] or 0) + rows["excluded"]
    rows["balanced"] = accounted == rows["read"]
    return {
        "dataset": dataset,
        "comuna_code": comuna_code,
        "run_date": run_date,
        "file": {
            "name": provenance["name"],
            "sha256": provenance["sha256"],
            "bytes": provenance["bytes"],
            "source_format": provenance["source_format"],
            **{k: provenance[k] for k in DETECTED if provenance.get(k) is not None},
        },
        "rows": rows,
        "tables": {
            t: {"rows_valid": int(valid.get(t, 0)), "rows_quarantined": len(quarantined[t])}
            for t in tables
        },
        "publication": {
            "blocked": bool(blocked),
            "reasons": [dict(r) for r in blocked],
            "invalid_share": list(shares),
        },
        "warnings": [dict(w) for w in warnings],
        "errors_by_column": _groups(errors, tables),
        "errors_total": len(errors),
        "errors_shown": min(len(errors), max_errors),
        "errors": [
            {k: v for k, v in e.items() if k != "field_number"} for e in errors[:max_errors]
        ],
    }


def dataset_file_reports(
    dataset: DatasetDescriptor,
    sources: Sequence[Mapping[str, Any]],
    *,
    published: Mapping[str, pd.DataFrame],
    quarantined: Mapping[str, pd.DataFrame],
    held: Mapping[str, pd.DataFrame],
    blocked: Sequence[Mapping[str, str]],
    shares: Sequence[dict],
    run_date: str,
) -> list[dict]:
    """One report per source file of a comuna's dataset, from the pipeline's frames."""
    reports = []
    drops = row_drops(sources)
    for provenance in sources:
        key = f"{provenance['comuna_code']}/{provenance['name']}"

        def mine(frame: pd.DataFrame, key: str = key) -> pd.DataFrame:
            return frame[frame["_source_file"] == key] if len(frame) else frame

        reports.append(
            build_file_report(
                dataset=dataset.slug,
                comuna_code=provenance["comuna_code"],
                provenance=provenance,
                source=dataset.require_source(provenance["name"]),
                quarantined={t: mine(quarantined[t]) for t in dataset.tables},
                valid={t: len(mine(published[t])) for t in dataset.tables},
                held={t: len(mine(held[t])) for t in dataset.tables},
                blocked=blocked,
                shares=[c for c in shares if c.get("file") in (None, key)],
                run_date=run_date,
                warnings=[drops[key]] if key in drops else [],
            )
        )
    return sorted(reports, key=lambda r: r["file"]["name"])


def without_values(report: dict) -> dict:
    """The report without the cells written in the file (for terminals and logs)."""
    return report | {
        "errors": [{k: v for k, v in e.items() if k != "value"} for e in report["errors"]]
    }


def column_label(spec: ColumnSpec | None) -> str | None:
    """The label of the source column a field is read from, as the descriptor names it."""
    if spec is None or spec.column is None:
        return None
    return " + ".join(spec.column) if isinstance(spec.column, list) else spec.column


def expected(
    kind: str,
    field: Mapping[str, Any] | None,
    spec: ColumnSpec | None,
    constraint: str | None,
    schema: Mapping[str, Any],
) -> tuple[str, str]:
    """What the cell should have held, in plain words (Spanish, English)."""
    field = field or {}
    if kind == "type-error":
        return _type_words(field, spec)
    if kind == "constraint-error" and constraint:
        return _constraint_words(field, spec, constraint)
    if kind == "unique-error":
        return "un valor que ninguna otra fila tenga", "a value no other row has"
    if kind == "primary-key":
        key = ", ".join(schema.get("primaryKey", []))
        return f"una combinación única y completa de ({key})", f"a unique, complete ({key})"
    if kind == "foreign-key":
        ref = _reference(field, schema)
        if ref == "comunas":
            return "el código CUT de una comuna configurada", "the CUT code of a configured comuna"
        if ref:
            title = _table_title(ref)
            return (
                f"un valor que tenga una fila válida en «{title['es']}» "
                "(si esa fila tiene errores, corríjala primero)",
                f"a value with a valid row in '{title['en']}' "
                "(if that row has errors, fix it first)",
            )
    if kind == "missing-cell":
        return "una celda para esta columna", "a cell for this column"
    if kind == "extra-cell":
        return "no más celdas que columnas del encabezado", "no more cells than header columns"
    return "", ""


def _error_row(table: str, error: Mapping[str, Any], source: SourceFormat, described: dict) -> dict:
    name, kind = error.get("fieldName"), error["type"]
    match = _CONSTRAINT.match(str(error.get("note") or ""))
    constraint = match.group(1) if match and kind == "constraint-error" else None
    key = (table, name, kind, constraint)
    if key not in described:  # the same words for every error of a column and kind
        described[key] = _describe(table, name, kind, constraint, source)
    return {
        "row": int(error["rowNumber"]),
        "table": table,
        "field": name,
        "field_number": int(error.get("fieldNumber") or 0),
        **described[key],
        "value": error.get("cell"),
    }


def _describe(
    table: str, name: str | None, kind: str, constraint: str | None, source: SourceFormat
) -> dict:
    """Column label, field title, what was wrong and what was expected."""
    schema = _schema(table)
    field = next((f for f in schema["fields"] if f["name"] == name), None)
    mapping = source.tables.get(table)
    spec = mapping.columns.get(name) if mapping and name else None
    what = CONSTRAINT_PROBLEMS.get(constraint or "", error_title(kind))
    if kind == "foreign-key" and _reference(field or {}, schema) not in (None, "comunas"):
        what = PARENT_PROBLEM
    exp_es, exp_en = expected(kind, field, spec, constraint, schema)
    key = mapping.columns.get(mapping.group_by) if mapping and mapping.group_by else None
    key_label = column_label(key) or (mapping.group_by if mapping else None)
    return {
        "column": column_label(spec),
        # A value of a grouped table (an order repeated on each of its lines) is written
        # on every line: the first line is reported, all of them must be fixed.
        "repeated": None
        if key is None or name is None
        else {
            "es": f"se repite en cada fila con el mismo {key_label}: corríjalo en todas",
            "en": f"repeated on every row with the same {key_label}: fix it on all of them",
        },
        "field_title": None if field is None else _titles(field),
        "type": kind,
        "constraint": constraint,
        "what": {"es": what[0], "en": what[1]},
        "expected": {"es": exp_es, "en": exp_en},
    }


@functools.cache
def _schema(table: str) -> dict:
    """A table's schema descriptor (shared: not to be changed)."""
    return load_schema_descriptor(table)


def _exclusions(source: SourceFormat) -> dict[str, dict[str, str]]:
    """The reasons a source format excludes non-data rows for, in words."""
    reasons = {"blank-row": {"es": "fila en blanco", "en": "blank row"}}
    rules = [*source.exclude_rows, *filter(None, [source.exclude_subtotals])]
    return reasons | {r.reason: {"es": r.reason_es, "en": r.reason_en} for r in rules}


def _reference(field: Mapping[str, Any], schema: Mapping[str, Any]) -> str | None:
    """The table a field refers to by foreign key."""
    for fk in schema.get("foreignKeys", []):
        fields = fk["fields"] if isinstance(fk["fields"], list) else [fk["fields"]]
        if field.get("name") in fields:
            return fk["reference"]["resource"]
    return None


def _table_title(table: str) -> dict[str, str]:
    schema = _schema(table)
    title = schema.get("title") or table
    return {"es": title, "en": schema.get("x-title-en") or title}


def _groups(errors: list[dict], tables: list[str]) -> list[dict]:
    groups: dict[tuple, dict] = {}
    for error in errors:
        key = (error["table"], error["field"] or "", error["type"], error["constraint"] or "")
        group = groups.setdefault(
            key,
            {
                k: error[k]
                for k in (
                    "table",
                    "repeated",
                    "field",
                    "column",
                    "field_title",
                    "type",
                    "constraint",
                    "what",
                    "expected",
                )
            }
            | {"count": 0, "first_rows": []},
        )
        group["count"] += 1
        if len(group["first_rows"]) < FIRST_ROWS and error["row"] not in group["first_rows"]:
            group["first_rows"].append(error["row"])
    return [
        groups[k]
        for k in sorted(groups, key=lambda k: (-groups[k]["count"], tables.index(k[0]), *k[1:]))
    ]


def _titles(field: Mapping[str, Any]) -> dict[str, str]:
    title = field.get("title") or field["name"]
    return {"es": title, "en": field.get("x-title-en") or title}


def _type_words(field: Mapping[str, Any], spec: ColumnSpec | None) -> tuple[str, str]:
    kind = field.get("type", "string")
    parse = spec.parse if spec else "text"
    if parse == "date" or (kind == "date" and parse == "text"):
        formats = spec.formats if spec and spec.formats else ["%Y-%m-%d"]
        es = " o ".join(_date_format(f, 0) for f in formats)
        en = " or ".join(_date_format(f, 1) for f in formats)
        return f"una fecha {es}", f"a date {en}"
    if parse in PARSED:
        return PARSED[parse]
    if kind in ("integer", "number"):
        decimal, thousands = (spec.decimal, spec.thousands) if parse == "number" else (".", "")
        noun_es, noun_en = NOUNS[kind]
        sample = f"1{thousands}234" + (f"{decimal}5" if kind == "number" else "")
        return f"{noun_es}, p. ej. {sample}", f"{noun_en}, e.g. {sample}"
    if kind == "boolean":
        return "verdadero o falso", "true or false"
    return "un texto", "a text"


def _date_format(fmt: str, lang: int) -> str:
    if fmt == "iso":
        return ("AAAA-MM-DD (ISO 8601)", "YYYY-MM-DD (ISO 8601)")[lang]
    if fmt == "excel":
        return ("número de fecha de Excel", "Excel date number")[lang]
    return re.sub(r"%[A-Za-z]", lambda m: DATE_PARTS.get(m.group(0), (m.group(0),) * 2)[lang], fmt)


def _constraint_words(
    field: Mapping[str, Any], spec: ColumnSpec | None, constraint: str
) -> tuple[str, str]:
    value = field.get("constraints", {}).get(constraint)
    if constraint == "pattern" and spec is not None and spec.pattern:
        value = spec.pattern  # the source system's format (Mercado Público's order codes)
    kind = field.get("type", "string")
    if constraint == "enum" and "x-codeList" in field:
        name = field["x-codeList"]
        return f"un código de la lista «{name}»", f"a code of the '{name}' list"
    if constraint == "required":
        return "un valor: la celda no puede quedar vacía", "a value: the cell must not be empty"
    if constraint == "enum":
        es, en = _allowed(field, spec)
        return f"uno de: {es}", f"one of: {en}"
    if constraint in COMPARISONS:
        noun_es, noun_en = NOUNS.get(kind, ("un valor", "a value"))
        sign = COMPARISONS[constraint]
        return f"{noun_es} {sign} {value}", f"{noun_en} {sign} {value}"
    if constraint == "minLength":
        return f"al menos {value} caracteres", f"at least {value} characters"
    if constraint == "maxLength":
        return f"a lo más {value} caracteres", f"at most {value} characters"
    if constraint == "pattern":
        digits = re.fullmatch(r"\^\[0-9\]\{(\d+)\}\$", str(value))
        if digits:
            return f"exactamente {digits.group(1)} dígitos", f"exactly {digits.group(1)} digits"
        return f"un texto con el patrón {value}", f"a text matching the pattern {value}"
    return "", ""


def _allowed(field: Mapping[str, Any], spec: ColumnSpec | None) -> tuple[str, str]:
    """The allowed values as the file writes them (the descriptor's map) or their labels."""
    codes = field.get("constraints", {}).get("enum", [])
    if spec and spec.map:
        written = [label for label, code in spec.map.items() if code in codes]
        if written:
            return ", ".join(written), ", ".join(written)
    labels = field.get("x-enumLabels", {})
    es = [labels.get(c, {}).get("es", str(c)) for c in codes]
    en = [labels.get(c, {}).get("en", str(c)) for c in codes]
    return ", ".join(es), ", ".join(en)
