"""The public API: reports, in-memory tables, typed casting, foreign tables."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from validator_compare import frictionless_flatten

from quality.validator import (
    ReferenceTable,
    SchemaError,
    canonical,
    cast_table,
    validate_file,
    validate_table,
)

ORDERS = {
    "fields": [
        {"name": "code", "type": "string", "constraints": {"required": True}},
        {"name": "amount", "type": "integer", "constraints": {"minimum": 0}},
        {"name": "issued", "type": "date"},
    ],
    "primaryKey": ["code"],
}
ORDERS_CSV = "code,amount,issued\nA,10,2024-01-31\nB,-5,2024-02-30\nA,7,2024-03-01\n,1,\n"


def test_report_flatten_and_positions(write_csv) -> None:
    report = validate_file(write_csv(ORDERS_CSV), ORDERS)
    assert report.flatten() == [
        [3, 2, "constraint-error"],
        [3, 3, "type-error"],
        [4, None, "primary-key"],
        [5, 1, "constraint-error"],
        [5, None, "primary-key"],
    ]
    assert report.flatten(("type", "fieldName", "cell")) == [
        ["constraint-error", "amount", "-5"],
        ["type-error", "issued", "2024-02-30"],
        ["primary-key", None, None],
        ["constraint-error", "code", ""],
        ["primary-key", None, None],
    ]
    assert report.invalid_row_numbers == {3, 4, 5}
    assert not report.valid
    assert report.stats["rows"] == 4
    assert report.stats["errors"] == 5
    assert report.stats["seconds"] >= 0


def test_notes_in_spanish_and_english(write_csv) -> None:
    report = validate_file(write_csv(ORDERS_CSV), ORDERS)
    minimum, date, primary, required, empty_key = report.errors
    assert '"-5"' in minimum.note_es and "mínimo 0" in minimum.note_es
    assert '"-5"' in minimum.note_en and "minimum 0" in minimum.note_en
    assert "AAAA-MM-DD" in date.note_es and "YYYY-MM-DD" in date.note_en
    assert "fila 2" in primary.note_es and "row 2" in primary.note_en
    assert "obligatorio" in required.note_es and "required" in required.note_en
    assert "vacía" in empty_key.note_es and "empty" in empty_key.note_en
    assert minimum.note == 'constraint "minimum" is "0"'


def test_report_to_dict_is_json(write_csv) -> None:
    report = validate_file(write_csv(ORDERS_CSV), ORDERS)
    data = json.loads(json.dumps(report.to_dict()))
    assert data["valid"] is False
    assert data["invalidRowNumbers"] == [3, 4, 5]
    assert data["errors"][0] == {
        "type": "constraint-error",
        "rowNumber": 3,
        "fieldNumber": 2,
        "fieldName": "amount",
        "cell": "-5",
        "note": 'constraint "minimum" is "0"',
        "note_es": report.errors[0].note_es,
        "note_en": report.errors[0].note_en,
    }


@pytest.mark.parametrize("limit", [1, 2, 3])
def test_limit_errors_keeps_the_first_errors(write_csv, limit: int) -> None:
    path = write_csv("a,b\nx,1\ny,z\n1,2,3\nw,v\n")
    plain = {"fields": [{"name": "a", "type": "integer"}, {"name": "b", "type": "integer"}]}
    report = validate_file(path, plain, limit_errors=limit)
    assert report.flatten() == frictionless_flatten(path, plain)[:limit]
    assert report.stats["partial"] is True


def test_limit_errors_zero_means_no_limit(write_csv) -> None:
    path = write_csv("a\nx\ny\n")
    plain = {"fields": [{"name": "a", "type": "integer"}]}
    assert len(validate_file(path, plain, limit_errors=0).errors) == 2


def test_validate_table_matches_the_file(write_csv) -> None:
    table = pa.table(
        {
            "code": ["A", "B", "A", None],
            "amount": ["10", "-5", "7", "1"],
            "issued": ["2024-01-31", "2024-02-30", "2024-03-01", None],
        }
    )
    expected = validate_file(write_csv(ORDERS_CSV), ORDERS).flatten()
    assert validate_table(table, ORDERS).flatten() == expected


def test_validate_table_with_pandas_and_source_rows() -> None:
    frame = pd.DataFrame({"code": ["A", None, "A"], "amount": ["1", "x", None], "issued": None})
    report = validate_table(frame, ORDERS, row_numbers=[10, 12, 15])
    assert report.flatten() == [
        [12, 1, "constraint-error"],
        [12, 2, "type-error"],
        [12, None, "primary-key"],
        [15, None, "primary-key"],
    ]
    assert report.invalid_row_numbers == {12, 15}


def test_validate_table_header_errors() -> None:
    table = pa.table({"code": ["A"], "value": ["1"]})
    assert validate_table(table, ORDERS).flatten() == [
        [None, 3, "missing-label"],
        [None, 2, "incorrect-label"],
    ]


def test_cast_table_types_valid_rows(write_csv) -> None:
    schema = {
        "fields": [
            {"name": "n", "type": "integer"},
            {"name": "x", "type": "number"},
            {"name": "ok", "type": "boolean"},
            {"name": "day", "type": "date", "format": "%d/%m/%Y"},
            {"name": "at", "type": "datetime"},
            {"name": "clock", "type": "time"},
            {"name": "year", "type": "year"},
            {"name": "month", "type": "yearmonth"},
            {"name": "text", "type": "string"},
        ]
    }
    path = write_csv(
        "n,x,ok,day,at,clock,year,month,text\n"
        "+5,1.5,true,31/01/2024,2024-01-31T10:00:00,10:00:00,2024,2024-01,a\n"
        "x,2,false,01/02/2024,2024-02-01 11:00:00,11:00:00,2025,2024-02,b\n"
        " 7 ,1e3,0,01/03/2024,2024-03-01T12:00:00,24:00:00,2026,2024-03,\n"
    )
    result = cast_table(path, schema)
    assert result.invalid_row_numbers == [3]
    assert result.row_numbers.tolist() == [2, 4]
    table = result.table
    assert table.schema.field("n").type == pa.int64()
    assert table.column("n").to_pylist() == [5, 7]
    assert table.column("x").to_pylist() == [1.5, 1000.0]
    assert table.column("ok").to_pylist() == [True, False]
    assert table.column("day").to_pylist() == [dt.date(2024, 1, 31), dt.date(2024, 3, 1)]
    assert table.column("at").to_pylist() == [
        dt.datetime(2024, 1, 31, 10),
        dt.datetime(2024, 3, 1, 12),
    ]
    assert table.column("clock").to_pylist() == [dt.time(10), dt.time(0)]
    assert table.column("year").to_pylist() == [2024, 2026]
    assert table.column("month").to_pylist() == ["2024-01", "2024-03"]
    assert table.column("text").to_pylist() == ["a", None]


def test_cast_table_beyond_int64_and_offsets() -> None:
    schema = {"fields": [{"name": "n", "type": "integer"}, {"name": "at", "type": "datetime"}]}
    table = pa.table(
        {
            "n": ["1", "99999999999999999999"],
            "at": ["2024-01-01T00:00:00Z", "2024-01-01T00:00:00+03:00"],
        }
    )
    result = cast_table(table, schema)
    assert result.table.column("n").to_pylist() == [Decimal(1), Decimal("99999999999999999999")]
    utc = [value.isoformat() for value in result.table.column("at").to_pylist()]
    assert utc == ["2024-01-01T00:00:00+00:00", "2023-12-31T21:00:00+00:00"]


def test_cast_table_quarantines_key_errors() -> None:
    table = pa.table({"code": ["A", "B", "A"], "amount": ["1", "2", "3"], "issued": ["", "", ""]})
    result = cast_table(table, ORDERS)
    assert result.invalid_row_numbers == [4]
    assert result.table.column("code").to_pylist() == ["A", "B"]


def test_foreign_table_in_memory_and_as_tuple() -> None:
    comunas = pa.table({"code": ["13122", "05101"], "name": ["Peñalolén", "Valparaíso"]})
    codes = {"fields": [{"name": "code", "type": "string"}, {"name": "name", "type": "string"}]}
    schema = {
        "fields": [{"name": "comuna", "type": "string"}],
        "foreignKeys": [
            {"fields": "comuna", "reference": {"resource": "comunas", "fields": "code"}}
        ],
    }
    table = pa.table({"comuna": ["13122", "99999", None]})
    for reference in (ReferenceTable(comunas, codes), (comunas, codes)):
        report = validate_table(table, schema, foreign_tables={"comunas": reference})
        assert report.flatten() == [[3, None, "foreign-key"], [4, None, "blank-row"]]
        assert report.errors[0].extra["fieldCells"] == ["99999"]


def test_foreign_table_from_a_file(write_csv) -> None:
    codes = write_csv("code,name\n1,uno\n2,dos\n", name="codes.csv")
    schema = {
        "fields": [{"name": "ref", "type": "integer"}],
        "foreignKeys": [{"fields": "ref", "reference": {"resource": "codes", "fields": "code"}}],
    }
    codes_schema = {"fields": [{"name": "code", "type": "integer"}, {"name": "name"}]}
    report = validate_table(
        pa.table({"ref": ["1", "+2", "3"]}),
        schema,
        foreign_tables={"codes": ReferenceTable(codes, codes_schema)},
    )
    assert report.flatten() == [[4, None, "foreign-key"]]


def test_invalid_schema_raises() -> None:
    with pytest.raises(SchemaError, match="magic"):
        validate_table(pa.table({"a": ["1"]}), {"fields": [{"name": "a", "type": "magic"}]})


def test_unknown_foreign_table_raises() -> None:
    schema = {
        "fields": [{"name": "a", "type": "string"}],
        "foreignKeys": [{"fields": "a", "reference": {"resource": "other", "fields": "b"}}],
    }
    with pytest.raises(ValueError, match="foreign_tables"):
        validate_table(pa.table({"a": ["1"]}), schema)


def test_schema_from_a_path_and_a_frictionless_schema(tmp_path) -> None:
    from frictionless import Schema

    path = tmp_path / "orders.schema.json"
    path.write_text(json.dumps(ORDERS))
    table = pa.table({"code": ["A"], "amount": ["x"], "issued": [""]})
    for given in (path, str(path), Schema.from_descriptor(ORDERS)):
        assert validate_table(table, given).flatten() == [[2, 2, "type-error"]]


@pytest.mark.parametrize("weak_hash", [False, True], ids=["fnv", "colliding"])
def test_large_key_sets_answer_as_is_in(monkeypatch, weak_hash: bool) -> None:
    """A referenced table too large for is_in is looked up by hash, with the same answers."""
    if weak_hash:  # every key of the same length collides: hits must be confirmed by text
        monkeypatch.setattr(
            canonical,
            "hash_keys",
            lambda keys: np.asarray(pc.utf8_length(keys).fill_null(0), np.uint64),
        )
    monkeypatch.setattr(canonical, "SMALL_KEY_SET", 10)
    referenced = pa.array([f"{n:05d}" for n in range(0, 3000, 3)] + ["", "ñandú"])
    asked = pa.array([f"{n:05d}" for n in range(2000)] + ["", None, "ñandú", "nandu", "1"])
    keys = canonical.KeySet(referenced)
    assert keys.hashes is not None
    expected = pc.is_in(asked, value_set=referenced).fill_null(False).to_pylist()
    assert keys.contains(asked).tolist() == expected
    assert sum(expected) == 669
