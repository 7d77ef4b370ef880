"""Dataset descriptors: what a dataset is and how to read each accepted source format.

A descriptor is a YAML file `datasets/<slug>.dataset.yaml`. Onboarding a new export
format means adding an entry to its `sources` list; no code changes.
"""

from __future__ import annotations

import fnmatch
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from datasets.errors import DescriptorError

DATASETS_DIR = Path(__file__).resolve().parent
SLUGS = ("budgets", "contracts", "access_requests")

Parser = Literal["text", "number", "date", "budget_code", "rut", "rut_kind", "boolean"]


class Bilingual(BaseModel):
    model_config = ConfigDict(extra="forbid")
    es: str
    en: str


class Licence(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    title: str
    path: str


class ColumnSpec(BaseModel):
    """How one canonical field is read from a source column."""

    model_config = ConfigDict(extra="forbid")
    column: str | None = None
    value: str | None = None
    parse: Parser = "text"
    decimal: str = ","
    thousands: str = "."
    formats: list[str] = Field(default_factory=list)
    map: dict[str, str] | None = None
    missing: list[str] = Field(default_factory=lambda: ["", "-"])
    sequence_within: str | None = None

    @field_validator("map")
    @classmethod
    def _map_values_are_text(cls, value: dict | None) -> dict | None:
        if value is None:
            return None
        return {str(k): ("" if v is None else str(v)) for k, v in value.items()}


class ExcludeRule(BaseModel):
    """A non-data row (totals, footers): excluded from the data with a recorded reason."""

    model_config = ConfigDict(extra="forbid")
    column: str
    pattern: str
    reason: str
    reason_es: str
    reason_en: str


class TableMapping(BaseModel):
    model_config = ConfigDict(extra="forbid")
    columns: dict[str, ColumnSpec | str]
    group_by: str | None = None

    @field_validator("columns")
    @classmethod
    def _expand_shorthand(cls, value: dict) -> dict:
        return {k: ColumnSpec(column=v) if isinstance(v, str) else v for k, v in value.items()}


class SourceFormat(BaseModel):
    """One accepted export format of a dataset."""

    model_config = ConfigDict(extra="forbid")
    name: str
    title: str
    match: list[str]
    format: Literal["csv", "xlsx", "ocds"]
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    row_table: str
    tables: dict[str, TableMapping]
    exclude_rows: list[ExcludeRule] = Field(default_factory=list)

    def matches(self, file_name: str) -> bool:
        return any(fnmatch.fnmatch(file_name.lower(), p.lower()) for p in self.match)


class DatasetDescriptor(BaseModel):
    model_config = ConfigDict(extra="forbid")
    slug: str
    title: Bilingual
    description: Bilingual
    cadence: Literal["monthly", "quarterly", "yearly"]
    licence: Licence
    tables: list[str]
    max_invalid_share: float = Field(0.05, ge=0, le=1)
    quality: dict[str, Literal["error", "warning"]] = Field(default_factory=dict)
    sources: list[SourceFormat]

    def source_for(self, file_name: str) -> SourceFormat | None:
        return next((s for s in self.sources if s.matches(file_name)), None)


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


def parse_descriptor(text: str, file: str) -> DatasetDescriptor:
    try:
        return DatasetDescriptor.model_validate(yaml.safe_load(text))
    except (yaml.YAMLError, ValidationError) as exc:
        raise DescriptorError(
            f"descriptor inválido: {exc}", f"invalid descriptor: {exc}", file=file
        ) from None
