"""Each documented difference from frictionless-py behaves as documented, and only those."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
from frictionless import FrictionlessException
from validator_compare import frictionless_flatten

from quality.validator import ReferenceTable, SchemaError, validate_file, validate_table
from quality.validator.differences import DIFFERENCES

DOCUMENT = Path(__file__).resolve().parents[2] / "quality" / "validator" / "DIFFERENCES.md"


def test_the_document_lists_exactly_the_registered_differences() -> None:
    rows = [line for line in DOCUMENT.read_text().splitlines() if line.startswith("| `")]
    documented = [row.split("`")[1] for row in rows]
    assert documented == list(DIFFERENCES)


def test_delimiter_not_sniffed(write_csv) -> None:
    path = write_csv("a;b\n1;2\n")
    schema = {"fields": [{"name": "a;b", "type": "string"}]}
    assert validate_file(path, schema).valid
    assert validate_file(path, schema, delimiter=";").flatten() == frictionless_flatten(
        path, schema, delimiter=";"
    )


def test_invalid_schema_raises(write_csv) -> None:
    path = write_csv("a\n1\n")
    schema = {"fields": [{"name": "a", "type": "integer", "constraints": {"pattern": "1"}}]}
    with pytest.raises(FrictionlessException):
        frictionless_flatten(path, schema)
    with pytest.raises(SchemaError, match="pattern"):
        validate_file(path, schema)


def test_unreadable_bound_raises(write_csv) -> None:
    path = write_csv("a\n1\n")
    schema = {"fields": [{"name": "a", "type": "integer", "constraints": {"minimum": 5.5}}]}
    with pytest.raises(TypeError):
        frictionless_flatten(path, schema)
    with pytest.raises(SchemaError, match='"a"'):
        validate_file(path, schema)


def test_foreign_table_required(write_csv) -> None:
    path = write_csv("a\n1\n")
    schema = {
        "fields": [{"name": "a", "type": "integer"}],
        "foreignKeys": [{"fields": "a", "reference": {"resource": "codes", "fields": "id"}}],
    }
    assert frictionless_flatten(path, schema) == [[None, None, "resource-error"]]
    with pytest.raises(ValueError, match="codes"):
        validate_file(path, schema)


def test_self_reference_by_name(write_csv) -> None:
    path = write_csv("id,parent\n1,\n2,1\n3,7\n")
    fields = [{"name": "id", "type": "integer"}, {"name": "parent", "type": "integer"}]
    anonymous = {"fields": fields, "foreignKeys": [_fk("")]}
    named = {"fields": fields, "foreignKeys": [_fk("table")]}
    expected = frictionless_flatten(path, anonymous)
    assert frictionless_flatten(path, named) == expected == [[4, None, "foreign-key"]]
    tables = {"table": ReferenceTable(path, named)}
    assert validate_file(path, named, foreign_tables=tables).flatten() == expected


def _fk(resource: str) -> dict:
    return {"fields": "parent", "reference": {"resource": resource, "fields": "id"}}


def test_unhashable_keys(write_csv) -> None:
    path = write_csv('a\n"[1, 2]"\n"[1,2]"\n"[2]"\n')
    schema = {"fields": [{"name": "a", "type": "array", "constraints": {"unique": True}}]}
    with pytest.raises(TypeError):
        frictionless_flatten(path, schema)
    assert validate_file(path, schema).flatten() == [[3, 1, "unique-error"]]


def test_signalling_nan_is_never_equal(write_csv) -> None:
    path = write_csv("a\nsNaN\nsNaN\n1\n")
    schema = {"fields": [{"name": "a", "type": "number", "constraints": {"unique": True}}]}
    with pytest.raises(TypeError):
        frictionless_flatten(path, schema)
    assert validate_file(path, schema).valid


def test_default_error_limit() -> None:
    table = pa.table({"a": ["x"] * 1500})
    schema = {"fields": [{"name": "a", "type": "integer"}]}
    assert len(validate_table(table, schema).errors) == 1500


def test_dialect_scope(write_csv) -> None:
    path = write_csv("# comment\na\n1\n")
    report = validate_file(path, {"fields": [{"name": "a", "type": "integer"}]})
    assert report.flatten() == [[None, 1, "incorrect-label"], [2, 1, "type-error"]]
