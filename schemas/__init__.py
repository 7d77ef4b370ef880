"""The Frictionless Table Schemas and code lists of abierto, and a small loader API.

Each canonical table and code list is declared once in `schemas/<name>.schema.json`;
code lists live in `schemas/codes/<name>.csv`. Every field carries a privacy rule
(`x-privacy`); `public_descriptor` gives the schema as it is published.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import frictionless
import pandas as pd

SCHEMA_DIR: Path = Path(__file__).resolve().parent
CODES_DIR: Path = SCHEMA_DIR / "codes"

TABLES: dict[str, tuple[str, ...]] = {
    "budgets": ("budget_lines",),
    "contracts": ("purchase_orders", "purchase_order_items"),
    "access_requests": ("access_requests",),
    # derived from the three above at publication (`publish.indicators`)
    "indicators": ("indicators", "indicator_methods"),
}
CODE_LISTS: tuple[str, ...] = ("comunas", "budget_classifier", "municipal_buyers", "utm_values")

PRIVACY_RULES: frozenset[str] = frozenset(
    {"public", "drop", "generalise", "scrub", "pseudonymise", "redact_natural_person"}
)


class UnknownSchemaError(LookupError):
    """No schema or code list of that name exists."""


class PrivacyRuleError(ValueError):
    """A field has no `x-privacy` rule, or an unknown one."""


def _schema_path(name: str) -> Path:
    path = SCHEMA_DIR / f"{name}.schema.json"
    if not name.isidentifier() or not path.is_file():
        known = sorted(
            p.name.removesuffix(".schema.json") for p in SCHEMA_DIR.glob("*.schema.json")
        )
        raise UnknownSchemaError(f"unknown schema {name!r}; known: {', '.join(known)}")
    return path


@cache
def _raw_descriptor(name: str) -> dict[str, Any]:
    return json.loads(_schema_path(name).read_text(encoding="utf-8"))


def load_descriptor(table: str) -> dict[str, Any]:
    """Return the raw JSON descriptor of a table or code list (a private deep copy)."""
    return copy.deepcopy(_raw_descriptor(table))


@cache
def load_schema(table: str) -> frictionless.Schema:
    """Return the table's `frictionless.Schema` (cached and shared: do not mutate it)."""
    return frictionless.Schema.from_descriptor(load_descriptor(table))


def privacy_rule(field_descriptor: Mapping[str, Any] | frictionless.Field) -> str:
    """Return the field's `x-privacy` rule; raise `PrivacyRuleError` if missing or unknown."""
    if isinstance(field_descriptor, frictionless.Field):
        field_descriptor = field_descriptor.to_descriptor()
    name = field_descriptor.get("name", "<unnamed>")
    rule = field_descriptor.get("x-privacy")
    if rule is None:
        raise PrivacyRuleError(f"field {name!r} has no 'x-privacy' rule; it must not be published")
    if rule not in PRIVACY_RULES:
        raise PrivacyRuleError(
            f"field {name!r} has unknown 'x-privacy' rule {rule!r}; "
            f"expected one of {', '.join(sorted(PRIVACY_RULES))}"
        )
    return rule


def public_descriptor(table: str) -> dict[str, Any]:
    """Return the schema as published: `drop` fields removed, with their keys.

    A dropped field also leaves `primaryKey` (removed entirely if it becomes empty) and
    every foreign key that uses it. All other properties, custom ones included, are kept.
    A field without a valid rule raises `PrivacyRuleError`.
    """
    descriptor = load_descriptor(table)
    dropped = {f["name"] for f in descriptor["fields"] if privacy_rule(f) == "drop"}
    descriptor["fields"] = [f for f in descriptor["fields"] if f["name"] not in dropped]
    if "primaryKey" in descriptor:
        key = descriptor["primaryKey"]
        key = [key] if isinstance(key, str) else key
        key = [name for name in key if name not in dropped]
        if key:
            descriptor["primaryKey"] = key
        else:
            del descriptor["primaryKey"]
    if "foreignKeys" in descriptor:
        kept = []
        for fk in descriptor["foreignKeys"]:
            fields = [fk["fields"]] if isinstance(fk["fields"], str) else fk["fields"]
            if not dropped.intersection(fields):
                kept.append(fk)
        if kept:
            descriptor["foreignKeys"] = kept
        else:
            del descriptor["foreignKeys"]
    return descriptor


def code_list_path(name: str) -> Path:
    """Return the path of a code list CSV (`comunas` or `budget_classifier`)."""
    if name not in CODE_LISTS:
        raise UnknownSchemaError(f"unknown code list {name!r}; known: {', '.join(CODE_LISTS)}")
    return CODES_DIR / f"{name}.csv"


@cache
def _code_list(name: str) -> pd.DataFrame:
    return pd.read_csv(
        code_list_path(name), dtype="string", keep_default_na=False, encoding="utf-8"
    )


def load_code_list(name: str) -> pd.DataFrame:
    """Return a code list as a DataFrame, every column `string` dtype, no NA (a copy)."""
    return _code_list(name).copy()


__all__ = [
    "CODES_DIR",
    "CODE_LISTS",
    "PRIVACY_RULES",
    "SCHEMA_DIR",
    "TABLES",
    "PrivacyRuleError",
    "UnknownSchemaError",
    "code_list_path",
    "load_code_list",
    "load_descriptor",
    "load_schema",
    "privacy_rule",
    "public_descriptor",
]
