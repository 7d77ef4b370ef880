"""Foreign keys in the validate stage: code lists and tables of the same package."""

from __future__ import annotations

import copy
from pathlib import Path

import pandas as pd
import pytest

from datasets.descriptor import load_descriptor
from datasets.ingest import read_source
from quality.validate import MissingReferenceError, validate_raw
from quality.validator import ReferenceTable
from schemas import load_code_list
from schemas import load_descriptor as load_schema_descriptor
from tests.validator.validator_compare import frictionless_flatten

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "datasets" / "samples" / "99901"
FIXTURE = ROOT / "tests" / "pipelines" / "fixtures" / "ordenes_de_compra_2026-10.csv"
# The official code list plus the demo's fictional comuna, as `comunas_table` builds it.
COMUNAS = pd.concat(
    [load_code_list("comunas"), pd.DataFrame({"comuna_code": ["99901"]})], ignore_index=True
)


def read(path: Path, slug: str) -> dict[str, pd.DataFrame]:
    return read_source(
        path, load_descriptor(slug).require_source(path.name), comuna_code="99901"
    ).tables


def validate_package(tables: dict[str, pd.DataFrame], slug: str) -> dict:
    """Validate the tables in the dataset's order, as `pipelines.steps.validate` does."""
    references: dict = {"comunas": COMUNAS}
    results = {}
    for table in load_descriptor(slug).tables:
        results[table] = validate_raw(
            tables[table], load_schema_descriptor(table), references=references
        )
        references[table] = results[table].valid
    return results


def fk_errors(result) -> list[dict]:
    return [e for e in result.errors if e["type"] == "foreign-key"]


def test_sample_orders_and_items_resolve_their_keys():
    results = validate_package(read(SAMPLES / "contracts" / FIXTURE.name, "contracts"), "contracts")
    assert [len(r.valid) for r in results.values()] == [40, 100]
    assert [len(r.quarantined) for r in results.values()] == [0, 0]


def test_unknown_comuna_and_order_are_quarantined_with_their_source_row():
    tables = read(FIXTURE, "contracts")
    orders, items = tables["purchase_orders"], tables["purchase_order_items"]
    orders.loc[1, "comuna_code"] = "99999"  # well-formed, not in the code list
    items.loc[4, "order_id"] = "2431-999-SE26"  # an order the export does not have
    results = validate_package(tables, "contracts")

    (comuna,) = results["purchase_orders"].quarantined["_errors"]
    assert comuna == [
        {
            "type": "foreign-key",
            "rowNumber": int(orders.loc[1, "_source_row"]),
            "fieldNumber": 2,  # order_id, comuna_code, … in the schema's order
            "fieldName": "comuna_code",
            "cell": "99999",
            "note": "comunas.comuna_code",
            "note_es": "valor no encontrado en su referencia en «comuna_code» "
            "(esperado: comunas.comuna_code)",
            "note_en": "value not found in its reference in 'comuna_code' "
            "(expected: comunas.comuna_code)",
        }
    ]
    # Items reference the VALID orders: the lines of the quarantined order fail too.
    bad_order = orders.loc[1, "order_id"]
    expected_rows = sorted(
        [int(items.loc[4, "_source_row"])]
        + items.loc[items["order_id"] == bad_order, "_source_row"].astype(int).tolist()
    )
    quarantined = results["purchase_order_items"].quarantined
    assert quarantined["_source_row"].tolist() == expected_rows
    errors = fk_errors(results["purchase_order_items"])
    assert [e["rowNumber"] for e in errors] == expected_rows
    assert {e["fieldName"] for e in errors} == {"order_id"}
    assert {e["fieldNumber"] for e in errors} == {1}
    assert {e["note_en"].split("expected: ")[1] for e in errors} == {"purchase_orders.order_id)"}
    assert "2431-999-SE26" in {e["cell"] for e in errors}
    assert len(results["purchase_order_items"].valid) + len(quarantined) == len(items)


def test_rows_are_numbered_in_their_own_source_when_sources_are_concatenated():
    months = [
        read(path, "budgets")["budget_lines"]
        for path in sorted((SAMPLES / "budgets").glob("*.csv"))
    ]
    months[1].loc[[3, 10], "comuna_code"] = "13199"
    raw = pd.concat(months, ignore_index=True)
    result = validate_raw(
        raw, load_schema_descriptor("budget_lines"), references={"comunas": COMUNAS}
    )
    quarantined = result.quarantined
    assert quarantined["_source_file"].tolist() == [months[1].loc[3, "_source_file"]] * 2
    assert [e["rowNumber"] for e in fk_errors(result)] == months[1].loc[
        [3, 10], "_source_row"
    ].astype(int).tolist()
    assert len(result.valid) == len(raw) - 2


def test_cut_codes_keep_their_leading_zero():
    raw = read(SAMPLES / "budgets" / "ejecucion_presupuestaria_2026-10.csv", "budgets")[
        "budget_lines"
    ].head(3)
    raw["comuna_code"] = ["05101", "5101", "13101"]  # Valparaíso, Valparaíso without its 0
    result = validate_raw(
        raw,
        load_schema_descriptor("budget_lines"),
        references={"comunas": load_code_list("comunas")},
    )
    assert result.valid["comuna_code"].tolist() == ["05101", "13101"]
    (errors,) = result.quarantined["_errors"]
    assert [(e["type"], e["cell"]) for e in errors] == [
        ("constraint-error", "5101"),
        ("foreign-key", "5101"),
    ]


def test_a_key_whose_columns_the_source_lacks_is_not_checked():
    raw = read(FIXTURE, "contracts")["purchase_order_items"].drop(columns="order_id")
    descriptor = load_schema_descriptor("purchase_order_items")
    descriptor["primaryKey"] = ["line_number"]  # keeps its own rule checkable
    descriptor["fields"][1]["constraints"] = {"minimum": 1}
    descriptor["fields"][0]["constraints"] = {}  # a required field is validated even if absent
    result = validate_raw(raw, descriptor, references={})
    assert fk_errors(result) == []


def test_a_reference_not_given_is_a_typed_error():
    raw = read(FIXTURE, "contracts")["purchase_order_items"]
    with pytest.raises(MissingReferenceError) as caught:
        validate_raw(raw, load_schema_descriptor("purchase_order_items"), references={})
    assert caught.value.column == "order_id"
    assert "purchase_orders" in caught.value.message_es
    assert "purchase_orders" in caught.value.message_en
    orders_without_key = pd.DataFrame({"comuna_code": ["99901"]})
    with pytest.raises(MissingReferenceError, match="order_id"):
        validate_raw(
            raw,
            load_schema_descriptor("purchase_order_items"),
            references={"purchase_orders": orders_without_key},
        )


COMPOSITE_REFERENCE = "comuna_code,request_id\n13101,1\n13101,\n,7\n"
COMPOSITE_TABLE = (
    "comuna_code,request_id,subject\n"
    "13101,1,found\n"
    "13101,2,not found\n"
    ",,all null: not checked\n"
    "13101,,partly null and in the reference\n"
    ",7,partly null and in the reference\n"
    "05101,,partly null and not in the reference\n"
    ",1,partly null and not in the reference\n"
)


def test_composite_keys_and_null_components_match_frictionless(tmp_path):
    """A row whose key is all null is skipped; a partly null key must be in the
    reference with the same nulls (frictionless-py compares tuples)."""
    reference_schema = {
        "fields": [
            {"name": "comuna_code", "type": "string"},
            {"name": "request_id", "type": "string"},
        ]
    }
    schema = {
        "name": "requests",
        "fields": [*reference_schema["fields"], {"name": "subject", "type": "string"}],
        "foreignKeys": [
            {
                "fields": ["comuna_code", "request_id"],
                "reference": {"resource": "known", "fields": ["comuna_code", "request_id"]},
            }
        ],
    }
    (tmp_path / "known.csv").write_text(COMPOSITE_REFERENCE, encoding="utf-8")
    (tmp_path / "table.csv").write_text(COMPOSITE_TABLE, encoding="utf-8")
    expected = frictionless_flatten(
        tmp_path / "table.csv",
        copy.deepcopy(schema),  # frictionless-py changes the descriptors it reads
        foreign={"known": (tmp_path / "known.csv", copy.deepcopy(reference_schema))},
    )
    assert expected == [
        [3, None, "foreign-key"],
        [7, None, "foreign-key"],
        [8, None, "foreign-key"],
    ]

    raw = pd.read_csv(tmp_path / "table.csv", dtype=str, keep_default_na=False).replace("", None)
    raw["_source_file"], raw["_source_row"] = "table.csv", range(2, len(raw) + 2)
    known = pd.read_csv(tmp_path / "known.csv", dtype=str, keep_default_na=False)
    references = {"known": ReferenceTable(known, reference_schema)}
    result = validate_raw(raw, schema, references=references)
    assert [[e["rowNumber"], e["type"]] for e in result.errors] == [
        [row, kind] for row, _, kind in expected
    ]
    assert [e["cell"] for e in result.errors] == ["13101, 2", "05101, ", ", 1"]
    assert {e["fieldNumber"] for e in result.errors} == {1}


def test_a_typed_reference_is_read_with_its_schema():
    """Valid rows come back typed (Int64, dates); a key to them compares typed values as
    frictionless-py does: `+2026` is 2026, and a string code never equals a number."""
    budget = validate_raw(
        read(SAMPLES / "budgets" / "ejecucion_presupuestaria_2026-10.csv", "budgets")[
            "budget_lines"
        ],
        load_schema_descriptor("budget_lines"),
        references={"comunas": COMUNAS},
    ).valid
    assert str(budget["fiscal_year"].dtype) == "Int64"
    schema = {
        "name": "notes",
        "fields": [
            {"name": "fiscal_year", "type": "integer"},
            {"name": "month", "type": "integer"},
            {"name": "account_code", "type": "string"},
        ],
        "foreignKeys": [
            {
                "fields": ["fiscal_year", "month", "account_code"],
                "reference": {
                    "resource": "budget_lines",
                    "fields": ["fiscal_year", "month", "account_code"],
                },
            }
        ],
    }
    account = budget["account_code"].iloc[0]
    raw = pd.DataFrame(
        {
            "fiscal_year": ["2026", "+2026", "2025", "2026"],
            "month": ["10", "10", "10", "10"],
            "account_code": [account, account, account, "99.99"],
        }
    )
    raw["_source_file"], raw["_source_row"] = "notes.csv", [2, 3, 4, 5]
    result = validate_raw(raw, schema, references={"budget_lines": budget})
    assert result.quarantined["_source_row"].tolist() == [4, 5]
    assert {e["type"] for e in result.errors} == {"foreign-key"}


def test_a_key_to_the_table_itself_needs_no_reference():
    raw = read(FIXTURE, "contracts")["purchase_orders"]
    raw["tender_code"] = raw["order_id"].shift(1)  # each order names the one before it
    raw.loc[2, "tender_code"] = "2431-1-NOEXISTE"
    descriptor = load_schema_descriptor("purchase_orders")
    descriptor["foreignKeys"].append(
        {"fields": ["tender_code"], "reference": {"resource": "", "fields": ["order_id"]}}
    )
    result = validate_raw(raw, descriptor, references={"comunas": COMUNAS})
    (error,) = result.errors
    assert (error["rowNumber"], error["fieldName"], error["cell"]) == (
        int(raw.loc[2, "_source_row"]),
        "tender_code",
        "2431-1-NOEXISTE",
    )
    assert error["note_en"].endswith("(expected: purchase_orders.order_id)")
