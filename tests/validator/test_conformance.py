"""Our validator and frictionless-py report the very same errors.

Compared as flattened ``[rowNumber, fieldNumber, type]`` lists on (a) the
Frictionless fixtures and real-world reference files, (b) one tiny table per
rule and per trap, (c) hypothesis-generated tables and schemas. Deliberate
differences are in ``quality.validator.differences`` and tested in
``test_differences.py``; anything else is a failure here.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from frictionless import Dialect, Schema
from frictionless.formats import CsvControl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from validator_compare import FIXTURES, REFERENCE_DATA, assert_same

from datasets.readers.batches import chunked, reader
from quality.validator import columns, keys, validate_file

needs_reference = pytest.mark.skipif(
    not FIXTURES.is_dir(), reason="shared/reference-data is not beside the checkout"
)
V2_SCHEMA = "https://datapackage.org/profiles/2.0/tableschema.json"


def inferred(
    path: Path, *, delimiter: str = ",", encoding: str = "utf-8", header: bool = True
) -> dict[str, Any]:
    """The schema frictionless-py infers for a file."""
    dialect = Dialect(header=header, controls=[CsvControl(delimiter=delimiter)])
    found = Schema.describe(
        path.name, basepath=str(path.parent), format="csv", encoding=encoding, dialect=dialect
    )
    return found.to_descriptor()


def schema(*fields: tuple, **properties: Any) -> dict[str, Any]:
    """A schema from (name, type, field properties) triples."""
    described = [{"name": name, "type": kind, **extra} for name, kind, extra in fields]
    return {"$schema": V2_SCHEMA, "fields": described, **properties}


# (a) Fixtures and real-world files -------------------------------------------

FIXTURE_NAMES = sorted(p.name for p in FIXTURES.glob("*.csv")) if FIXTURES.is_dir() else []


FIXTURE_DIALECTS = {
    "issue-1009-semicolon.csv": {"delimiter": ";"},
    "latin1.csv": {"encoding": "latin-1"},
    "table-with-accents.csv": {"encoding": "latin-1", "delimiter": ";"},
}


@needs_reference
@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_fixture_with_inferred_schema(name: str) -> None:
    path = FIXTURES / name
    options = FIXTURE_DIALECTS.get(name, {})
    assert_same(path, inferred(path, **options), **options)


@needs_reference
@pytest.mark.parametrize("name", ["latin1.csv", "table-with-accents.csv"])
def test_fixture_in_the_wrong_encoding(name: str) -> None:
    given_schema = {"fields": [{"name": "a", "type": "string"}]}
    assert assert_same(FIXTURES / name, given_schema) == [[None, None, "encoding-error"]]


@needs_reference
def test_unique_field_fixture() -> None:
    given_schema = json.loads((FIXTURES / "unique-field.json").read_text())
    assert assert_same(FIXTURES / "unique-field.csv", given_schema) == [
        [10, 1, "unique-error"],
        [10, None, "primary-key"],
    ]


@needs_reference
def test_missing_values_fixture() -> None:
    path = FIXTURES / "table-infer-missing-values.csv"
    given_schema = {**inferred(path), "missingValues": ["-"]}
    assert_same(path, given_schema)


@needs_reference
def test_nested_self_foreign_key_fixture() -> None:
    given_schema = schema(
        ("id", "integer", {}),
        ("cat", "integer", {}),
        ("name", "string", {}),
        foreignKeys=[{"fields": "cat", "reference": {"resource": "", "fields": "id"}}],
    )
    path = FIXTURES / "nested-invalid.csv"
    assert assert_same(path, given_schema) == [[6, None, "foreign-key"]]


@needs_reference
def test_invalid_datapackage_fixture() -> None:
    folder = FIXTURES / "invalid_datapackage"
    package = json.loads((folder / "datapackage.json").read_text())
    schemas = {resource["name"]: resource["schema"] for resource in package["resources"]}
    assert_same(folder / "data.csv", schemas["data"])
    foreign = {"data": (folder / "data.csv", schemas["data"])}
    assert_same(folder / "data2.csv", schemas["data2"], foreign=foreign)


@needs_reference
def test_capital_fixture_with_given_schema() -> None:
    resource = yaml.safe_load((FIXTURES / "capital.resource-bad.yaml").read_text())
    assert_same(FIXTURES / "capital-invalid.csv", resource["schema"])


REAL_WORLD = [
    ("budget/dipres_clasificador_classifiers_headerless.csv", ";", "utf-8", False),
    ("budget/dipres_ejecucion_abril_05-62-01_articles-160007_doc_csv.csv", ";", "latin-1", True),
    ("budget/dipres_execution-raw_RESULTADO_footer.csv", ";", "latin-1", True),
    ("budget/dipres_ley_05-62-01_articles-155017_doc_csv.csv", ";", "latin-1", True),
    (
        "procurement/chilecompra_convenio_marco_MaestraProd_2239-13-LR25_COMBUSTIBLES.csv",
        ",",
        "utf-8",
        True,
    ),
    ("request-logs/doj_ola_foia_log_2017_tabula_raw_TAB.csv", "\t", "utf-8", True),
    ("codes/comunas.csv", ",", "utf-8", True),
    ("codes/clasificador_presupuestario.csv", ",", "utf-8", True),
]


@needs_reference
@pytest.mark.parametrize(("name", "delimiter", "encoding", "header"), REAL_WORLD)
def test_real_world_file(name: str, delimiter: str, encoding: str, header: bool) -> None:
    path = REFERENCE_DATA / name
    options = {"delimiter": delimiter, "encoding": encoding, "header": header}
    found = inferred(path, **options)
    assert_same(path, found, **options)


@needs_reference
def test_foreign_key_to_a_code_list(write_csv) -> None:
    path = write_csv("id,comuna_code\n1,13122\n2,05101\n3,99999\n4,\n5,1312\n")
    comunas = path.parent / "comunas.csv"
    shutil.copy(REFERENCE_DATA / "codes" / "comunas.csv", comunas)
    codes = inferred(comunas)
    for field in codes["fields"]:
        field["type"] = "string"
    table = schema(
        ("id", "integer", {}),
        ("comuna_code", "string", {}),
        foreignKeys=[
            {"fields": "comuna_code", "reference": {"resource": "comunas", "fields": "comuna_code"}}
        ],
    )
    found = assert_same(path, table, foreign={"comunas": (comunas, codes)})
    assert found == [[4, None, "foreign-key"], [6, None, "foreign-key"]]


# (b) One table per rule and per trap -----------------------------------------

INT, NUM, STR, DATE = "integer", "number", "string", "date"


def one(kind: str, **extra: Any) -> dict[str, Any]:
    return schema(("a", kind, extra))


CASES: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {
    # structure
    "blank-label": ("a,,c\n1,2,3\n", schema(("a", STR, {}), ("b", STR, {}), ("c", STR, {})), {}),
    "duplicate-label": (
        "a,a,a\n1,2,3\n",
        schema(("a", STR, {}), ("b", STR, {}), ("c", STR, {})),
        {},
    ),
    "incorrect-label": ("a,x\n1,2\n", schema(("a", STR, {}), ("b", STR, {})), {}),
    "missing-label": ("a,b\n1,2\nx\n", schema(("a", INT, {}), ("b", INT, {}), ("c", INT, {})), {}),
    "extra-label": ("a,b,c,d\n1,2,3,4\nx,y,z\n", schema(("a", INT, {}), ("b", INT, {})), {}),
    "extra-cell": ("a,b\n1,2,3,4\n5,6\n", schema(("a", INT, {}), ("b", INT, {})), {}),
    "missing-cell": ("a,b,c\n1\n1,2\n", schema(("a", INT, {}), ("b", INT, {}), ("c", INT, {})), {}),
    "missing-required-cell": (
        "a,b,c\n1,2\n",
        schema(("a", INT, {}), ("b", INT, {}), ("c", INT, {"constraints": {"required": True}})),
        {},
    ),
    "blank-row": ("a,b\n1,2\n,\n\n3,4\n", schema(("a", INT, {}), ("b", INT, {})), {}),
    "blank-row-wins-over-extra-cells": (
        "a,b\n1,2\n,,,,\n",
        schema(("a", INT, {}), ("b", INT, {})),
        {},
    ),
    "blank-row-and-primary-key": (
        "a,b\n1,2\n,\n\n",
        schema(("a", INT, {}), ("b", INT, {}), primaryKey=["a"]),
        {},
    ),
    "blank-line-with-custom-missing-values": (
        "a,b\n1,2\n,\n\n-,-\n",
        schema(("a", STR, {}), ("b", STR, {}), missingValues=["-"]),
        {},
    ),
    "one-column-blank-line": ("a\n1\n\n-\n", schema(("a", STR, {}), missingValues=["-"]), {}),
    "empty-file": ("", schema(("a", STR, {})), {}),
    "header-only": ("a,b\n", schema(("a", STR, {}), ("b", STR, {})), {}),
    "blank-first-line": ("\na,b\n1,2\n", schema(("a", INT, {}), ("b", INT, {})), {}),
    "no-header": ("1,2\nx,3\n4\n", schema(("a", INT, {}), ("b", INT, {})), {"header": False}),
    "no-header-wider-rows": (
        "1,2,3\n4,5\n",
        schema(("a", INT, {}), ("b", INT, {})),
        {"header": False},
    ),
    "quoted-newlines": (
        'a,b\n"x\ny",1\n"p\r\nq",z\n3,"4\n5"\n',
        schema(("a", STR, {}), ("b", INT, {})),
        {},
    ),
    "quotes-after-closing-quote": (
        'a,b\n"ab"cd,1\nx"y,2\n',
        schema(("a", STR, {}), ("b", INT, {})),
        {},
    ),
    "ragged-row-with-quoted-newline": (
        'a,b\n"x\ny",1,extra\n2\n',
        schema(("a", STR, {}), ("b", INT, {})),
        {},
    ),
    "unterminated-quote": ('a,b\n1,"open\n2,3\n', schema(("a", STR, {}), ("b", STR, {})), {}),
    "nul-byte-in-a-cell": ("a,b\n1,x\x00y\n2,\x00\n", schema(("a", INT, {}), ("b", STR, {})), {}),
    "crlf-and-cr-line-ends": ("a,b\r\n1,2\r3,x\r\n", schema(("a", INT, {}), ("b", INT, {})), {}),
    "bom": ("\ufeffa,b\n1,x\n", schema(("a", INT, {}), ("b", INT, {})), {}),
    "skip-initial-space-sniffed": (
        "a, b\n1, 2\n3,  x\n",
        schema(("a", INT, {}), ("b", INT, {})),
        {},
    ),
    "semicolon": ("a;b\n1;x\n", schema(("a", INT, {}), ("b", INT, {})), {"delimiter": ";"}),
    "tab": ("a\tb\n1\tx\n", schema(("a", INT, {}), ("b", INT, {})), {"delimiter": "\t"}),
    "labels-are-stripped": (" a , b \n1,2\n", schema(("a", INT, {}), ("b", INT, {})), {}),
    # integer traps: Python's int() takes +5, 1_000, spaces, non-ASCII digits, big ints
    "integer": (
        "a\n+5\n1_000\n 7 \n12.0\n1e3\n0x1F\n99999999999999999999999\n٣\n007\n-0\n-12\nx\n",
        one(INT),
        {},
    ),
    "integer-not-bare": ("a\n$5\n-5%\n+3\nEUR 12 \n12.0\n1,000\n", one(INT, bareNumber=False), {}),
    "integer-bounds-beyond-int64": (
        "a\n5\n-5\n99999999999999999999\n",
        one(INT, constraints={"minimum": -(2**70), "maximum": 2**64}),
        {},
    ),
    # number traps: Decimal() takes inf, nan, 1_0; a double overflows/underflows
    "number": (
        "a\n1.5\n5\ninf\nnan\n1e400\n1e-400\n0\n-0\n 2 \n1_0\nnan(1)\n.5\n5.\n1,5\nx\n",
        one(NUM),
        {},
    ),
    "number-bounds": (
        "a\n0\n100\n100.0000000000000001\n-0.0000000000000000001\n50\n1e2\nnan\n",
        one(NUM, constraints={"minimum": 0, "maximum": 100}),
        {},
    ),
    "number-decimal-and-group-char": (
        'a\n1.234,5\n1.234.567\n12,5\n"1,234.5"\n"$ 1.234,5"\n',
        one(NUM, decimalChar=",", groupChar="."),
        {},
    ),
    "number-not-bare": ("a\n$5\n.5\n5.\n-5%\n+3\n1e3\nEUR 12 \n", one(NUM, bareNumber=False), {}),
    "number-float": ("a\n1.5\n1e3\nInfinity\n1_0\nx\n", one(NUM, floatNumber=True), {}),
    # boolean
    "boolean": ("a\ntrue\nTrue\nTRUE\n1\n0\nfalse\nyes\n t\n", one("boolean"), {}),
    "boolean-custom-values": (
        "a\nsi\nno\ntrue\nSI\n",
        one("boolean", trueValues=["si"], falseValues=["no"]),
        {},
    ),
    # dates: strptime takes 2023-5-4 and ' 4'; Arrow's strptime rolls 02-30 over
    "date": (
        "a\n2023-02-30\n2023/05/04\n2023-5-4\n2023-05- 4\n2023-05-04\n0000-01-01\n2024-02-29\n"
        "2023-02-29\n20230504\n 2023-05-04\n",
        one(DATE),
        {},
    ),
    "date-custom-format": (
        "a\n05/04/2023\n5/4/2023\n30/02/2023\n2023-05-04\n31/12/1999\n",
        one(DATE, format="%d/%m/%Y"),
        {},
    ),
    "date-format-any": ("a\n05/04/2023\nApril 5 2023\nxx\n", one(DATE, format="any"), {}),
    "date-bounds-and-enum": (
        "a\n2023-01-01\n2022-12-31\n2024-01-01\n",
        one(DATE, constraints={"minimum": "2023-01-01", "enum": ["2023-01-01", "2022-12-31"]}),
        {},
    ),
    "datetime": (
        "a\n2023-01-05T10:11:12\n2023-01-05 10:11:12\n2023-01-05T10:11\n2023-01-05T24:00:00\n"
        "2023-01-05T10:11:12Z\n2023-01-05T10:11:12.1234567\n2023-01-05X10:11:12\n"
        "2023-01-05T10:11:12,5\n2023-02-30T10:11:12\n2023-01-05T10:11:60\n",
        one("datetime"),
        {},
    ),
    "datetime-with-offsets": (
        "a\n2023-01-05T10:11:12Z\n2023-01-05T10:11:12+03:00\n2023-01-05T10:11:12-04:00\n"
        "2023-01-05T10:11:12+24:00\n2023-01-05T10:11:12\n",
        one("datetime"),
        {},
    ),
    "datetime-bounds": (
        "a\n2023-01-05T10:11:12\n2022-01-05T10:11:12\n",
        one("datetime", constraints={"minimum": "2023-01-01T00:00:00"}),
        {},
    ),
    "datetime-custom-format": (
        "a\n05/01/2023 10:11\n2023-01-05T10:11:12\n",
        one("datetime", format="%d/%m/%Y %H:%M"),
        {},
    ),
    "time": ("a\n10:11:12\n10:11\n24:00:00\n10:11:12.5\n10:11:12Z\n25:00:00\n", one("time"), {}),
    "year": ("a\n2023\n 123\n0000\n+123\n1_23\n12345\n-123\n", one("year"), {}),
    "year-bounds": ("a\n1999\n2000\n", one("year", constraints={"minimum": 2000}), {}),
    "yearmonth": ("a\n2023-05\n2023-13\n-2023-05\n2023-5\n2023-05-01\n", one("yearmonth"), {}),
    "duration": ("a\nP1D\nPT2H\nP1Y2M\nxx\n", one("duration"), {}),
    "geopoint": ('a\n"1,2"\n"200,1"\n"1, 90"\nx\n', one("geopoint"), {}),
    "geopoint-array": ('a\n"[1,2]"\n"[1]"\n', one("geopoint", format="array"), {}),
    "array": ('a\n"[1,2]"\n{}\nx\n"[1]"\n', one("array", constraints={"minLength": 2}), {}),
    "object": ('a\n"{""x"":1}"\n[]\nx\n', one("object"), {}),
    "any": ("a\nx\n1\n\n", one("any", constraints={"required": True, "enum": ["x", 1]}), {}),
    "string-email": ("a\nx@y.cl\nnope\n", one(STR, format="email"), {}),
    "string-uri": ("a\nhttps://x.cl\nnope\n", one(STR, format="uri"), {}),
    "string-uuid": (
        "a\n8c7e5b2e-3f4a-4b7c-9d2e-1f2a3b4c5d6e\nnope\n",
        one(STR, format="uuid"),
        {},
    ),
    # missing values, field-level and schema-level
    "missing-values": (
        "a,b\n-,NA\nNA,-\n,\n",
        {
            "$schema": V2_SCHEMA,
            "fields": [
                {"name": "a", "type": "integer", "missingValues": ["NA"]},
                {"name": "b", "type": "integer"},
            ],
            "missingValues": ["-", ""],
        },
        {},
    ),
    # constraints
    "required": ("a\n1\n\n-\n", one(STR, constraints={"required": True}), {}),
    "length": (
        "a\nx\nabc\nabcdef\nñandú\n",
        one(STR, constraints={"minLength": 2, "maxLength": 4}),
        {},
    ),
    "enum": ("a\nx\nabc\ny\n", one(STR, constraints={"enum": ["x", "abc", 1]}), {}),
    "integer-enum": ("a\n1\n5\n10\n", one(INT, constraints={"enum": [1, 5, "10"]}), {}),
    "exclusive-bounds": (
        "a\n1\n5\n10\n",
        one(INT, constraints={"exclusiveMinimum": 1, "exclusiveMaximum": 10}),
        {},
    ),
    "several-constraints-one-cell": (
        "a\nabcdefgh\nx\n",
        one(STR, constraints={"minLength": 2, "maxLength": 4, "pattern": "[a-c]+", "enum": ["ab"]}),
        {},
    ),
    # pattern traps: Python's $ matches before a final newline; \d is Unicode
    "pattern": ('a\nabc\n"abc\n"\nxabc\nabcx\nABC\n', one(STR, constraints={"pattern": "abc"}), {}),
    "pattern-alternation": ("a\nab\nxb\nax\n", one(STR, constraints={"pattern": "a|b"}), {}),
    "pattern-digits": ("a\n12345\n١٢٣٤٥\n1234\n", one(STR, constraints={"pattern": r"\d{5}"}), {}),
    "pattern-lookahead": ("a\nab\nac\n", one(STR, constraints={"pattern": "a(?=b)."}), {}),
    "pattern-spaces": (
        "a\na b\na\u00a0b\na\x1cb\n",
        one(STR, constraints={"pattern": r"a\sb"}),
        {},
    ),
    "pattern-case-flag": ("a\nABC\nabc\n", one(STR, constraints={"pattern": "(?i:abc)"}), {}),
    # keys
    "unique": ("a\n1\n+1\n01\n2\n\n2\n", one(INT, constraints={"unique": True}), {}),
    "unique-numbers": (
        "a\n1.0\n1\n1.00\nnan\nnan\n2\n",
        one(NUM, constraints={"unique": True}),
        {},
    ),
    "unique-dates": ("a\n2023-01-01\n2023-1-1\nx\n", one(DATE, constraints={"unique": True}), {}),
    "primary-key-composite": (
        "a,b\n1,x\n1,y\n,z\n2,\n2,\n,\n",
        schema(
            ("a", INT, {"constraints": {"unique": True}}),
            ("b", STR, {"constraints": {"unique": True}}),
            primaryKey=["a", "b"],
        ),
        {},
    ),
    # A budget's optional key parts (programme, fund): empty equals empty, not "01".
    "primary-key-optional-part": (
        "area,programme,fund,code\nm,,,22\nm,01,,22\nm,,,22\nm,01,A,22\nm,01,,22\n,,,\n",
        schema(
            ("area", STR, {}),
            ("programme", STR, {}),
            ("fund", STR, {}),
            ("code", STR, {}),
            primaryKey=["area", "programme", "fund", "code"],
        ),
        {},
    ),
    "self-foreign-key": (
        "a,b\n1,\n2,1\n3,9\n,\n4,+2\n",
        schema(
            ("a", INT, {}),
            ("b", INT, {}),
            foreignKeys=[{"fields": ["b"], "reference": {"resource": "", "fields": ["a"]}}],
        ),
        {},
    ),
    "self-foreign-key-composite": (
        "a,b,c,d\n1,x,,\n2,y,1,x\n3,z,1,y\n4,w,,x\n",
        schema(
            ("a", INT, {}),
            ("b", STR, {}),
            ("c", INT, {}),
            ("d", STR, {}),
            foreignKeys=[
                {"fields": ["c", "d"], "reference": {"resource": "", "fields": ["a", "b"]}}
            ],
        ),
        {},
    ),
    "self-foreign-key-across-types": (
        "a,b,c\n1,1,true\n2,2.0,2\n3,x,0\n",
        schema(
            ("a", INT, {}),
            ("b", NUM, {}),
            ("c", "boolean", {}),
            foreignKeys=[
                {"fields": ["b"], "reference": {"resource": "", "fields": ["a"]}},
                {"fields": ["c"], "reference": {"resource": "", "fields": ["a"]}},
            ],
        ),
        {},
    ),
    # fieldsMatch (Data Package v2)
    "fields-match-subset": (
        "b,x\n1,2\n",
        schema(("a", INT, {}), ("b", INT, {}), fieldsMatch="subset"),
        {},
    ),
    "fields-match-superset": (
        "b,x\n1,2\n",
        schema(
            ("a", INT, {"constraints": {"required": True}}), ("b", INT, {}), fieldsMatch="superset"
        ),
        {},
    ),
    "fields-match-partial": ("x,y\n1,2\n", schema(("a", INT, {}), fieldsMatch="partial"), {}),
    "fields-match-equal": (
        "b,a\nx,1\n",
        schema(("a", INT, {}), ("b", INT, {}), fieldsMatch="equal"),
        {},
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_rule(name: str, write_csv) -> None:
    text, given_schema, options = CASES[name]
    assert_same(write_csv(text), given_schema, **options)


def test_quoted_newline_across_blocks(write_csv, monkeypatch) -> None:
    """Arrow's fast chunker splits a quoted newline at a block edge: read again, alike."""
    monkeypatch.setattr(reader, "BLOCK_SIZE", 256)
    rows = [f'{i},"one\ntwo {i}"' if i % 3 == 0 else f"{i},x{i}" for i in range(300)]
    rows[150] = "150"
    path = write_csv("a,b\n" + "\n".join(rows) + "\n")
    assert assert_same(path, schema(("a", INT, {}), ("b", STR, {}))) == [[152, 2, "missing-cell"]]


def test_ragged_rows_across_blocks(write_csv, monkeypatch) -> None:
    monkeypatch.setattr(reader, "BLOCK_SIZE", 128)
    rows = [f"{i},{i}" for i in range(400)]
    for i in (0, 7, 55, 56, 57, 399):
        rows[i] = f"{i}" if i % 2 else f"{i},{i},{i}"
    path = write_csv("a,b\n" + "\n".join(rows) + "\n")
    assert_same(path, schema(("a", INT, {}), ("b", INT, {"constraints": {"unique": True}})))


def engine_used(path: Path, described: dict[str, Any], **options: Any) -> str:
    return validate_file(path, described, **options).stats["engine"]


def test_chunks_cut_between_quoted_newlines_and_ragged_rows(write_csv, monkeypatch) -> None:
    """Cuts land between records, never inside quotes; rows keep their numbers across chunks."""
    monkeypatch.setattr(chunked, "CHUNK_BYTES", 64)
    rows = [f'{i},"one\ntwo, ""{i}"""' if i % 4 == 0 else f"{i},x{i}" for i in range(300)]
    for i in (1, 2, 99, 150, 151, 298):
        rows[i] = f"{i}" if i % 2 else f"{i},y,{i}"
    rows[200] = ""
    path = write_csv("a,b\r\n" + "\r\n".join(rows) + "\r\n")
    described = schema(("a", INT, {"constraints": {"unique": True}}), ("b", STR, {}))
    assert len(assert_same(path, described)) == 7
    assert engine_used(path, described) == "arrow-chunked"


@pytest.mark.parametrize(
    ("content", "engine"),
    [
        ('a,b\n1,x"y\n2,"q\n' + "3,z\n" * 40 + '4,"\n5,6\n', "arrow-serial-multiline"),
        ("a,b\n1," + "x" * 300 + "\n2,3\n", "arrow-serial-multiline"),
        (b"a,b\n" + b"1,2\n" * 40 + b"\xff,3\n", "python"),
        ("\ufeffa,b\n" + "1,2\n" * 50 + "3", "arrow-chunked"),
    ],
    ids=["quote-inside-a-value", "record-longer-than-a-chunk", "undecodable", "bom-no-eol"],
)
def test_chunks_give_way_when_unsure(
    write_csv, monkeypatch, content: str | bytes, engine: str
) -> None:
    """A cut that may be inside quotes, or none at all, sends the file to a slower reader."""
    monkeypatch.setattr(chunked, "CHUNK_BYTES", 64)
    path = write_csv(content)
    described = schema(("a", INT, {}), ("b", STR, {}))
    assert_same(path, described)
    assert engine_used(path, described) == engine


def test_keys_across_many_batches(write_csv, monkeypatch) -> None:
    """Duplicates and foreign keys found across batches and compacted key stores."""
    monkeypatch.setattr(reader, "BLOCK_SIZE", 128)
    monkeypatch.setattr(keys, "COMPACT_EVERY", 3)
    rows = [f"{i % 97},{(i * 7) % 13},{i % 89 if i % 5 else ''}" for i in range(600)]
    path = write_csv("a,b,c\n" + "\n".join(rows) + "\n")
    described = schema(
        ("a", INT, {"constraints": {"unique": True}}),
        ("b", STR, {}),
        ("c", INT, {}),
        primaryKey=["a", "b"],
        foreignKeys=[{"fields": ["c"], "reference": {"resource": "", "fields": ["a"]}}],
    )
    assert len(assert_same(path, described)) > 500


@pytest.mark.parametrize("encoding", ["utf-16", "cp1252", "latin-1"])
def test_other_encodings(write_csv, encoding: str) -> None:
    text = "código,monto\nñandú,1\nPeñalolén,x\n€,2\n"
    path = write_csv(text.encode(encoding, errors="replace"))
    given = schema(("código", STR, {}), ("monto", INT, {}))
    assert assert_same(path, given, encoding=encoding) == [[3, 2, "type-error"]]
    cut = "arrow-threaded" if encoding == "utf-16" else "arrow-chunked"  # no one-byte newline
    assert engine_used(path, given, encoding=encoding) == cut


def test_undecodable_bytes_mid_file(write_csv) -> None:
    content = b"a\nx\n" + b"1\n" * 20_000 + b"\xff\n" + b"1,2\n"
    assert assert_same(write_csv(content), one(INT))[-1] == [None, None, "encoding-error"]


def test_undecodable_bytes_in_sample(write_csv) -> None:
    assert assert_same(write_csv(b"a\nx\n\xff\n"), one(INT)) == [[None, None, "encoding-error"]]


# (c) Hypothesis: random tables and schemas -----------------------------------

VOCABULARY = [
    *["", "", "-", "NA", "x", "abc", "é", " 7 ", "+2", "-0", "007", "1", "2", "10", "1_0"],
    *["1.5", "1e3", ".5", "nan", "inf", "0", "true", "false", "TRUE", "yes"],
    *["2023-01-05", "2023-02-30", "2023-5-4", "2024-02-29", "05/01/2023"],
    *["2023-01-05T10:11:12", "2023-01-05 10:11:12", "2023-01-05T10:11:12Z", "10:11:12"],
    *["2023", "2023-05", "P1D", '"q"', "a,b", "line\nbreak", "٣"],
]
TYPES = ["string", "integer", "number", "boolean", "date", "datetime", "time", "year", "any"]
BOUNDED = {"integer": 1, "number": 1.5, "year": 2000, "date": "2023-01-01"}


@st.composite
def fields(draw: st.DrawFn, name: str) -> dict[str, Any]:
    kind = draw(st.sampled_from(TYPES))
    field: dict[str, Any] = {"name": name, "type": kind}
    constraints: dict[str, Any] = {}
    if draw(st.booleans()):
        constraints["required"] = True
    if draw(st.integers(0, 3)) == 0:
        constraints["unique"] = True
    if kind in BOUNDED and draw(st.booleans()):
        constraints[draw(st.sampled_from(["minimum", "maximum"]))] = BOUNDED[kind]
    if kind == "string" and draw(st.booleans()):
        constraints["maxLength"] = draw(st.integers(0, 4))
    if kind == "string" and draw(st.integers(0, 3)) == 0:
        constraints["pattern"] = draw(st.sampled_from(["[a-z]+", r"\d+", "a.c|x", "[^,]*"]))
    if kind in ("string", "integer") and draw(st.integers(0, 3)) == 0:
        constraints["enum"] = draw(st.lists(st.sampled_from(["x", "1", "abc", 2]), max_size=3))
    if constraints:
        field["constraints"] = constraints
    if draw(st.integers(0, 4)) == 0:
        field["missingValues"] = draw(st.lists(st.sampled_from(["", "-", "NA"]), max_size=2))
    return field


@st.composite
def tables(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    width = draw(st.integers(1, 4))
    names = [f"f{i}" for i in range(width)]
    described: dict[str, Any] = {"$schema": V2_SCHEMA}
    described["fields"] = [draw(fields(name)) for name in names]
    if draw(st.integers(0, 3)) == 0:
        described["primaryKey"] = draw(st.lists(st.sampled_from(names), min_size=1, unique=True))
    if width > 1 and draw(st.integers(0, 3)) == 0:
        target, source = draw(st.lists(st.sampled_from(names), min_size=2, max_size=2, unique=True))
        reference = {"resource": "", "fields": [source]}
        described["foreignKeys"] = [{"fields": [target], "reference": reference}]
    labels = list(names)
    if draw(st.integers(0, 4)) == 0:
        labels = draw(st.lists(st.sampled_from([*names, "", "zz"]), min_size=1, max_size=width + 1))
    rows = draw(
        st.lists(
            st.lists(st.sampled_from(VOCABULARY), min_size=0, max_size=width + 1),
            max_size=12,
        )
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    writer.writerow(labels)
    for row in rows:
        if row:
            writer.writerow(row)
        else:
            buffer.write("\n")
    return buffer.getvalue(), described


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=tables())
def test_random_tables(table: tuple[str, dict[str, Any]], tmp_path_factory) -> None:
    text, described = table
    path = tmp_path_factory.mktemp("random") / "table.csv"
    path.write_text(text, encoding="utf-8", newline="")
    assert_same(path, described)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=tables())
def test_random_tables_read_by_distinct_texts(
    table: tuple[str, dict[str, Any]], tmp_path_factory
) -> None:
    """Reading each distinct text once and spreading the result back changes nothing."""
    text, described = table
    path = tmp_path_factory.mktemp("distinct") / "table.csv"
    path.write_text(text, encoding="utf-8", newline="")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(columns, "MANY_CELLS", 1)
        patch.setattr(columns, "FEW_DISTINCT", 1.0)
        assert_same(path, described)


def test_long_columns_of_few_distinct_texts(write_csv) -> None:
    """Dates, rates, counts and codes repeated over many rows, errors and traps among them."""
    dates = ["2024-01-31", "2024-02-29", "2023-02-29", "2024-2-9", "", "NA", "2024/01/05"]
    rates = ["0.19", "0", "0,19", "1.5", "+0.1", "1e-1", ""]
    counts = ["1", "2", "007", "-3", "0", "x", " 4 "]
    codes = ["13101", "05101", "1310", "13101\n", "", "ABCDE"]
    flags = ["true", "false", "si", "", "1"]
    rows = [
        f'{dates[i % 7]},{rates[i // 7 % 7]},{counts[i // 3 % 7]},"{codes[i % 6]}",{flags[i % 5]}'
        for i in range(12_000)
    ]
    path = write_csv("fecha,tasa,cantidad,comuna,marco\n" + "\n".join(rows) + "\n")
    described = schema(
        ("fecha", "date", {"constraints": {"required": True}, "missingValues": ["", "NA"]}),
        ("tasa", "number", {"constraints": {"minimum": 0, "maximum": 1}}),
        ("cantidad", INT, {"constraints": {"minimum": 1}}),
        ("comuna", STR, {"constraints": {"pattern": "[0-9]{5}"}}),
        ("marco", "boolean", {}),
    )
    assert len(assert_same(path, described)) > 10_000


RAW_PIECES = ["a", "1", ",", ",", '"', '""', "\n", "\r\n", "\r", " ", "é", "x,y", "-", "\x00"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.lists(st.sampled_from(RAW_PIECES), max_size=40))
def test_random_csv_text(body: list[str], tmp_path_factory) -> None:
    """Whatever the quoting, line ends and raggedness, the file is read as csv reads it."""
    path = tmp_path_factory.mktemp("raw") / "table.csv"
    path.write_text("a,b\n" + "".join(body), encoding="utf-8", newline="")
    assert_same(path, schema(("a", STR, {"constraints": {"maxLength": 2}}), ("b", INT, {})))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.lists(st.sampled_from(RAW_PIECES), max_size=60), size=st.integers(4, 24))
def test_random_csv_text_in_small_chunks(body: list[str], size: int, tmp_path_factory) -> None:
    """Cut every few bytes, the file still reads as csv reads it."""
    path = tmp_path_factory.mktemp("raw") / "table.csv"
    path.write_text("a,b\n" + "".join(body), encoding="utf-8", newline="")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(chunked, "CHUNK_BYTES", size)
        assert_same(path, schema(("a", STR, {"constraints": {"maxLength": 2}}), ("b", INT, {})))
