"""Descriptors are checked against their table schemas when loaded (issue 15, item 1)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from datasets.descriptor import DATASETS_DIR, load_descriptor_file, parse_descriptor
from datasets.errors import DescriptorError
from datasets.ingest import read_source
from pipelines.cli import app
from quality.validate import validate_raw, validation_schema
from schemas import load_code_list
from schemas import load_descriptor as load_schema

SHIPPED = sorted(DATASETS_DIR.glob("*.dataset.yaml")) + sorted(
    (DATASETS_DIR / "examples").glob("*.dataset.yaml")
)
BUDGETS = (DATASETS_DIR / "budgets.dataset.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_descriptor_fits_its_schemas(path):
    descriptor = load_descriptor_file(path)
    # `indicators` is computed from the other datasets at publication: it reads no export
    assert descriptor.sources or descriptor.slug == "indicators"


def test_a_misspelt_field_is_refused_with_its_location_and_the_closest_name():
    text = BUDGETS.replace("amount_accrued_clp:", "amount_acrued_clp:", 1)
    assert text != BUDGETS
    with pytest.raises(DescriptorError) as error:
        parse_descriptor(text, "budgets.dataset.yaml")
    assert error.value.file == "budgets.dataset.yaml"
    assert (
        "sources[0] (balance_ejecucion_csv).tables.budget_lines.columns.amount_acrued_clp: "
        "no such field in the schema; did you mean 'amount_accrued_clp'?"
    ) in error.value.message_en
    assert "¿quiso decir «amount_accrued_clp»?" in error.value.message_es


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("          fiscal_year: Año\n", "the primary-key field 'fiscal_year' is not filled"),
        ("          account_name: Denominación\n", "the required field 'account_name' is not"),
    ],
)
def test_an_unmapped_required_or_key_field_is_refused_at_load(line, words):
    assert line in BUDGETS
    with pytest.raises(DescriptorError, match=words) as error:
        parse_descriptor(BUDGETS.replace(line, "", 1), "budgets.dataset.yaml")
    assert "no se llena" in error.value.message_es


def test_sum_of_needs_a_grouped_table_and_mapped_line_fields():
    text = (DATASETS_DIR / "examples" / "contracts_mercado_publico_api.dataset.yaml").read_text(
        encoding="utf-8"
    )
    broken = text.replace("sum_of: [quantity, unit_price_clp]", "sum_of: [quantity, price]")
    with pytest.raises(DescriptorError, match="does not map: \\['price'\\]"):
        parse_descriptor(broken, "x.dataset.yaml")


def test_sum_of_totals_the_lines_of_each_group(tmp_path):
    descriptor = load_descriptor_file(
        DATASETS_DIR / "examples" / "contracts_mercado_publico_api.dataset.yaml"
    )

    def line(number: int, quantity: float, price: float) -> dict:
        award = {"RutProveedor": "76.123.456-0", "NombreProveedor": "X SpA"}
        return {
            "Correlativo": number,
            "CodigoProducto": 1,
            "NombreProducto": "p",
            "Descripcion": "d",
            "UnidadMedida": "Unidad",
            "Adjudicacion": award | {"Cantidad": quantity, "MontoUnitario": price},
        }

    tender = {
        "CodigoExterno": "1-1-LE26",
        "Nombre": "x",
        "Descripcion": "x",
        "Tipo": "LE",
        "Comprador": {"NombreUnidad": "u"},
        "Fechas": {"FechaAdjudicacion": "2026-08-14"},
        "Items": {"Listado": [line(1, 2.5, 1000), line(2, 3, 19774068.0)]},
    }
    path = tmp_path / "mercadopublico_api_licitacion_1.json"
    path.write_text(json.dumps({"Listado": [tender]}), encoding="utf-8")
    raw = read_source(path, descriptor.sources[0], comuna_code="13122")
    assert raw.tables["purchase_orders"]["amount_total_clp"].tolist() == ["59324704"]


def test_validation_keeps_required_and_key_fields_a_file_does_not_provide():
    """Defence in depth: a raw table without a key column fails every row, it is not
    validated as if the column did not exist."""
    schema = load_schema("budget_lines")
    kept = validation_schema(schema, ["comuna_code", "account_code"])
    names = {f["name"] for f in kept["fields"]}
    assert {"fiscal_year", "month", "area", "account_name"} <= names
    assert "amount_paid_clp" not in names  # optional and absent: not validated
    assert kept["primaryKey"] == schema["primaryKey"]
    raw = pd.DataFrame(
        {
            "comuna_code": ["13122"],
            "fiscal_year": ["2026"],
            "month": ["1"],
            "area": ["municipal"],
            "account_type": ["gasto"],
            "account_code": ["22.04.001"],
            "account_name": ["Materiales"],
            "_source_file": ["13122/x.csv"],
            "_source_row": [2],
        },
        dtype=object,
    )
    references = {"comunas": load_code_list("comunas")}
    assert len(validate_raw(raw, schema, references=references).valid) == 1
    result = validate_raw(raw.drop(columns=["fiscal_year"]), schema, references=references)
    assert len(result.valid) == 0
    errors = result.quarantined["_errors"][0]
    assert {(e["fieldName"], e["type"]) for e in errors} >= {("fiscal_year", "constraint-error")}


def test_abierto_validate_refuses_a_misspelt_mapping_before_reading_the_file(tmp_path):
    descriptor = tmp_path / "budgets.dataset.yaml"
    descriptor.write_text(BUDGETS.replace("amount_accrued_clp:", "amount_acrued_clp:", 1))
    export = tmp_path / "ejecucion_presupuestaria_2026-10.csv"
    export.write_bytes(b"\xff\xfe not even text")  # never read: the mapping is refused first
    args = ["validate", str(export), "--dataset", "budgets", "--descriptor", str(descriptor)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    assert "[descriptor-error]" in result.output
    assert "did you mean 'amount_accrued_clp'?" in result.output
