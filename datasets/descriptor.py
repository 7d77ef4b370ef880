"""Dataset descriptors: what a dataset is and how to read each accepted source format.

A descriptor is a YAML file `datasets/<slug>.dataset.yaml`. Onboarding a new export
format means adding an entry to its `sources` list; no code changes.
"""

from __future__ import annotations

import contextlib
import difflib
import fnmatch
import json
import re
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from datasets.errors import DescriptorError, SourceError
from datasets.money import derived_fields, mapping_problems
from schemas import UnknownSchemaError
from schemas import load_descriptor as load_schema_descriptor

DATASETS_DIR = Path(__file__).resolve().parent
SLUGS = ("budgets", "contracts", "access_requests")

Parser = Literal[
    "text",
    "number",
    "date",
    "budget_code",
    "rut",
    "rut_kind",
    "scheme_rut",
    "scheme_kind",
    "boolean",
    "month",
]
DEFAULT_ENCODINGS = ["utf_8", "cp1252", "latin_1"]


def _check_regex(value: str | None) -> str | None:
    if value is not None:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"invalid regular expression {value!r}: {exc}") from None
    return value


class Bilingual(BaseModel):
    model_config = ConfigDict(extra="forbid")
    es: str
    en: str


class Keywords(BaseModel):
    """Topic keywords in both languages (DCAT `dcat:keyword`, schema.org `keywords`)."""

    model_config = ConfigDict(extra="forbid")
    es: list[str] = Field(min_length=1)
    en: list[str] = Field(min_length=1)


# A code of the EU data-theme vocabulary (DCAT-AP `dcat:theme`).
DataTheme = Literal[
    "AGRI",
    "ECON",
    "EDUC",
    "ENER",
    "ENVI",
    "GOVE",
    "HEAL",
    "INTR",
    "JUST",
    "OP_DATPRO",
    "REGI",
    "SOCI",
    "TECH",
    "TRAN",
]


class Licence(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    title: str
    path: str


class ColumnSpec(BaseModel):
    """How one canonical field is read from a source column.

    The value comes from exactly one of: `column` (a header label; a list of labels
    joins their cells with `join`, `;` unless given, e.g. Subtítulo;Ítem;Asignación →
    `22;1;1`, or Partida.Capítulo.Programa → `05.62.01` with `join: "."`),
    `column_pattern` (a regular expression searched in the folded header, for
    labels that change, e.g. `ejecucion acumulada al \\w+`), `from_header` (a
    regular expression whose first group is taken from a header label, the same for
    every row, e.g. the month in `Ejecución Acumulada al ABRIL`), `value` (a
    constant), `sequence_within` (line number within a key) or `sum_of` (fields of
    the source's row table, multiplied on each row and summed within the grouped
    table's `group_by` key: an order's total from its lines, `[quantity,
    unit_price_clp]`). `extract` keeps the first group of a regular expression
    searched in the cell before parsing. `pattern` is the source system's format of
    the value (a regular expression the whole value must match, e.g. Mercado Público's
    order codes): a value that does not match quarantines its row (`constraint-error`);
    `required: true` makes a field the schema leaves optional (for sources that may
    lack it, as OCDS lacks titles) required in this source.

    A supplier identified by a scheme (OCDS `identifier.scheme`, mapped as `column:
    [scheme, id]`) is read with `scheme_rut` (its RUT only under `CL-RUT`, else empty)
    and `scheme_kind` (`CL-RUT`: by the RUT's range; a scheme listed in
    `organisation_schemes`: `persona_juridica`; any other scheme, or none:
    `desconocido`, which privacy treats as a natural person).
    """

    model_config = ConfigDict(extra="forbid")
    column: str | list[str] | None = None
    join: str = ";"
    column_pattern: str | None = None
    from_header: str | None = None
    value: str | None = None
    extract: str | None = None
    parse: Parser = "text"
    decimal: str = ","
    thousands: str = "."
    scale: int = Field(1, ge=1)
    formats: list[str] = Field(default_factory=list)
    map: dict[str, str] | None = None
    missing: list[str] = Field(default_factory=lambda: ["", "-"])
    sequence_within: str | None = None
    sum_of: list[str] | None = Field(None, min_length=1)
    pattern: str | None = None
    required: bool = False
    organisation_schemes: list[str] = Field(default_factory=list)

    _regexes = field_validator("column_pattern", "from_header", "extract", "pattern")(_check_regex)

    @model_validator(mode="after")
    def _one_origin(self) -> ColumnSpec:
        origins = [self.column, self.column_pattern, self.from_header, self.value]
        derived = (self.sequence_within, self.sum_of)
        given = sum(o is not None for o in (*origins, *derived))
        if given != 1:
            raise ValueError(
                "give exactly one of column, column_pattern, from_header, value, "
                "sequence_within, sum_of"
            )
        return self

    @field_validator("map")
    @classmethod
    def _map_values_are_text(cls, value: dict | None) -> dict | None:
        if value is None:
            return None
        return {str(k): ("" if v is None else str(v)) for k, v in value.items()}


class ExcludeRule(BaseModel):
    """A non-data row (totals, footers, comments): excluded with a recorded reason.

    `pattern` is searched (case-insensitive) in the cell of `column`, or in the
    first non-empty cell of the row when no column is given. `footer: true` says the
    source always writes this row last (DIPRES's `RESULTADO`): a file whose last
    non-blank row does not match it was cut, and is refused as truncated.
    """

    model_config = ConfigDict(extra="forbid")
    column: str | None = None
    pattern: str
    reason: str
    reason_es: str
    reason_en: str
    footer: bool = False

    _regexes = field_validator("pattern")(_check_regex)


class SubtotalRule(BaseModel):
    """Rows of a hierarchy that add up other rows of the same file (`22` above
    `22.04` above `22.04.001`): excluded so that a sum does not count twice."""

    model_config = ConfigDict(extra="forbid")
    field: str
    within: list[str] = Field(default_factory=list)
    reason: str = "subtotal-row"
    reason_es: str = "fila de subtotal de la jerarquía (suma de las cuentas bajo ella)"
    reason_en: str = "subtotal row of the hierarchy (sum of the accounts below it)"


class TableMapping(BaseModel):
    model_config = ConfigDict(extra="forbid")
    columns: dict[str, ColumnSpec]
    group_by: str | None = None

    @model_validator(mode="after")
    def _keys_are_mapped(self) -> TableMapping:
        keys = [self.group_by] + [s.sequence_within for s in self.columns.values()]
        missing = sorted({k for k in keys if k is not None and k not in self.columns})
        if missing:
            raise ValueError(f"group_by/sequence_within name unmapped fields: {missing}")
        return self

    @field_validator("columns", mode="before")
    @classmethod
    def _expand_shorthand(cls, value: object) -> object:
        """`field: Label` is short for `field: {column: Label}`."""
        if not isinstance(value, dict):
            return value
        return {k: {"column": v} if isinstance(v, str) else v for k, v in value.items()}


class RouteSpec(BaseModel):
    """A national source: one file for many comunas, its rows routed to each comuna by
    the buyer named in `by` (identifier → column label), through the code list
    `schemas/codes/<code_list>.csv`. Identifiers are tried in the order code, RUT,
    name; rows whose buyer is not a municipality are excluded with a reason, and rows
    of municipal-looking buyers (`municipal_pattern`, searched in the folded name) that
    match no municipality are reported. See `datasets/routing/`."""

    model_config = ConfigDict(extra="forbid")
    code_list: Literal["municipal_buyers"] = "municipal_buyers"
    by: dict[Literal["buyer_code", "buyer_rut", "buyer_name"], str] = Field(min_length=1)
    municipal_pattern: str = "municipal"

    _regexes = field_validator("municipal_pattern")(_check_regex)


class SourceFormat(BaseModel):
    """One accepted export format of a dataset.

    `encoding` and `delimiter` are detected when not given (`encodings` lists the
    candidates the detector may choose from). The header row is found by looking
    for the mapped labels in the first rows unless `header_row` (1-based) is given;
    `header_rows` joins a header written over several rows; `column_names` reads a
    file without header in the declared column order. `records` is the path of the
    records in a JSON document (`Listado[].Items.Listado[]`).
    """

    model_config = ConfigDict(extra="forbid")
    name: str
    title: str
    match: list[str]
    format: Literal["csv", "xlsx", "xls", "ocds", "json"]
    encoding: str | None = None
    encodings: list[str] = Field(default_factory=lambda: list(DEFAULT_ENCODINGS))
    delimiter: str | None = None
    sheet: str | None = None
    header_row: int | None = Field(None, ge=1)
    header_rows: int = Field(1, ge=1, le=10)
    column_names: list[str] | None = None
    records: str | None = None
    max_bytes: int | None = Field(None, ge=1)
    row_table: str
    tables: dict[str, TableMapping]
    exclude_rows: list[ExcludeRule] = Field(default_factory=list)
    exclude_subtotals: SubtotalRule | None = None
    route: RouteSpec | None = None

    @field_validator("delimiter")
    @classmethod
    def _one_character(cls, value: str | None) -> str | None:
        if value is not None and len(value) != 1:
            raise ValueError("the delimiter must be one character")
        return value

    @model_validator(mode="after")
    def _row_table_is_mapped(self) -> SourceFormat:
        if self.row_table not in self.tables:
            raise ValueError(f"row_table {self.row_table!r} is not one of the mapped tables")
        if self.exclude_subtotals is not None:
            mapped = set(self.tables[self.row_table].columns)
            missing = {self.exclude_subtotals.field, *self.exclude_subtotals.within} - mapped
            if missing:
                raise ValueError(f"exclude_subtotals names unmapped fields: {sorted(missing)}")
        row_fields = set(self.tables[self.row_table].columns)
        for name, mapping in self.tables.items():
            for field_name, spec in mapping.columns.items():
                if spec.sum_of is None:
                    continue
                if mapping.group_by is None or name == self.row_table:
                    raise ValueError(f"{name}.{field_name}: sum_of needs a grouped table")
                if not set(spec.sum_of) <= row_fields:
                    raise ValueError(
                        f"{name}.{field_name}: sum_of names fields the row table "
                        f"{self.row_table!r} does not map: {sorted(set(spec.sum_of) - row_fields)}"
                    )
        if self.format == "json" and not self.records:
            raise ValueError("a json source needs `records`, the path of its records")
        if self.route is not None and (
            self.format != "csv" or not self.encoding or not self.delimiter
        ):
            raise ValueError(
                "a routed (national) source is a csv that declares encoding and delimiter"
            )
        if self.route is not None and self.header_row not in (None, 1):
            raise ValueError("a routed (national) source has its header in the first row")
        return self

    def matches(self, file_name: str) -> bool:
        return any(fnmatch.fnmatch(file_name.lower(), p.lower()) for p in self.match)


class DatasetDescriptor(BaseModel):
    model_config = ConfigDict(extra="forbid")
    slug: str
    title: Bilingual
    description: Bilingual
    cadence: Literal["monthly", "quarterly", "yearly"]
    licence: Licence
    keywords: Keywords | None = None
    themes: list[DataTheme] = Field(default_factory=lambda: ["GOVE"], min_length=1)
    tables: list[str]
    max_invalid_share: float = Field(0.05, ge=0, le=1)
    quality: dict[str, Literal["error", "warning"]] = Field(default_factory=dict)
    sources: list[SourceFormat]

    def source_for(self, file_name: str) -> SourceFormat | None:
        return next((s for s in self.sources if s.matches(file_name)), None)

    def require_source(self, file_name: str) -> SourceFormat:
        """The source format that accepts this file name, or a typed error naming it."""
        source = self.source_for(file_name)
        if source is None:
            raise SourceError(
                "ningún formato de origen del dataset acepta este nombre de archivo",
                "no source format of the dataset accepts this file name",
                file=file_name,
            )
        return source


def safe_load_yaml(text: str) -> Any:
    """`yaml.safe_load`, through libyaml's C parser when PyYAML was built with it (the
    same values, about ten times faster: an installation of 346 comunas parses in
    0.02 s, not 0.2 s, in every process of a run); a text it refuses is parsed again
    by the Python parser, so errors read as PyYAML's own."""
    loader = getattr(yaml, "CSafeLoader", None)
    if loader is not None:
        with contextlib.suppress(yaml.YAMLError):
            return yaml.load(text, Loader=loader)  # noqa: S506 (a safe loader)
    return yaml.safe_load(text)


def descriptor_path(slug: str) -> Path:
    return DATASETS_DIR / f"{slug}.dataset.yaml"


@cache
def load_descriptor(slug: str) -> DatasetDescriptor:
    """Load and validate the descriptor of a dataset, with a readable error on failure."""
    path = descriptor_path(slug)
    if not path.exists():
        raise DescriptorError(
            f"dataset desconocido «{slug}» (esperado: {', '.join(SLUGS)})",
            f"unknown dataset '{slug}' (expected one of: {', '.join(SLUGS)})",
            file=str(path),
        )
    return parse_descriptor(path.read_text(encoding="utf-8"), str(path))


def load_descriptor_file(path: Path) -> DatasetDescriptor:
    """Load a descriptor from any path (YAML or JSON), e.g. `datasets/examples/*.yaml`."""
    return parse_descriptor(Path(path).read_text(encoding="utf-8"), str(path))


def parse_descriptor(text: str, file: str) -> DatasetDescriptor:
    """Validate a YAML or JSON descriptor; every problem is listed with its location."""
    try:
        data = json.loads(text) if file.endswith(".json") else safe_load_yaml(text)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise DescriptorError(
            f"el descriptor no es YAML/JSON válido: {exc}",
            f"the descriptor is not valid YAML/JSON: {exc}",
            file=file,
        ) from None
    try:
        descriptor = DatasetDescriptor.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(raíz/root)'}: {e['msg']}"
            for e in exc.errors()
        )
        raise DescriptorError(
            f"descriptor inválido ({exc.error_count()} problemas): {problems}",
            f"invalid descriptor ({exc.error_count()} problems): {problems}",
            file=file,
        ) from None
    problems = schema_problems(descriptor)
    if problems:
        raise DescriptorError(
            f"el descriptor no calza con los esquemas ({len(problems)} problemas): "
            + "; ".join(es for es, _ in problems),
            f"the descriptor does not fit the schemas ({len(problems)} problems): "
            + "; ".join(en for _, en in problems),
            file=file,
        )
    return descriptor


# Filled by the pipeline, not by a mapping: the comuna of the landing folder.
FILLED_BY_PIPELINE = frozenset({"comuna_code"})


def schema_problems(descriptor: DatasetDescriptor) -> list[tuple[str, str]]:
    """Mappings that do not fit their table schemas, as (Spanish, English) messages.

    Every mapped field must exist in its table's schema (an unknown name is reported
    with the closest valid one), and every required or primary-key field must be
    filled by a column, a constant or a derivation: a mistake in a mapping is refused
    when the descriptor is loaded, before any data is read. A primary-key field whose
    schema says `required: false` is an optional part of the key (a budget's programme,
    fund or department): a source without it leaves it empty.
    """
    problems: list[tuple[str, str]] = []
    for index, source in enumerate(descriptor.sources):
        for table, mapping in source.tables.items():
            where = f"sources[{index}] ({source.name}).tables.{table}"
            if table not in descriptor.tables:
                problems.append(
                    (
                        f"{where}: la tabla no está en `tables` del dataset",
                        f"{where}: the table is not in the dataset's `tables`",
                    )
                )
                continue
            try:
                schema = load_schema_descriptor(table)
            except UnknownSchemaError:
                problems.append((f"{where}: tabla desconocida", f"{where}: unknown table"))
                continue
            names = [f["name"] for f in schema["fields"]]
            for name in mapping.columns:
                if name not in names:
                    near = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
                    hint_es = f"; ¿quiso decir «{near[0]}»?" if near else ""
                    hint_en = f"; did you mean '{near[0]}'?" if near else ""
                    problems.append(
                        (
                            f"{where}.columns.{name}: el campo no existe en el esquema{hint_es}",
                            f"{where}.columns.{name}: no such field in the schema{hint_en}",
                        )
                    )
            key = schema.get("primaryKey", [])
            key = [key] if isinstance(key, str) else key
            needed = [
                f["name"]
                for f in schema["fields"]
                if f.get("constraints", {}).get("required")
                or (f["name"] in key and f.get("constraints", {}).get("required") is not False)
            ]
            currency = mapping.columns.get("currency")
            for es, en in mapping_problems(
                table, set(mapping.columns), currency and currency.value
            ):
                problems.append((f"{where}.columns: {es}", f"{where}.columns: {en}"))
            filled = set(mapping.columns) | FILLED_BY_PIPELINE
            filled |= derived_fields(table, set(mapping.columns))
            for name in needed:
                if name not in filled:
                    kind_es = "de la clave primaria" if name in key else "obligatorio"
                    kind_en = "primary-key" if name in key else "required"
                    problems.append(
                        (
                            f"{where}.columns: el campo {kind_es} «{name}» no se llena "
                            "(ninguna columna, valor constante ni derivación)",
                            f"{where}.columns: the {kind_en} field '{name}' is not filled "
                            "(no column, constant value or derivation)",
                        )
                    )
    return problems
