"""Real exports from ../shared/reference-data read through the descriptors' mappings.

Every file that fits one of our datasets is read with exact row counts, excluded rows
and values; the expected figures were checked by hand against the files (and, for the
DIPRES reports, against the files' own totals).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from datasets.descriptor import (
    DATASETS_DIR,
    DatasetDescriptor,
    load_descriptor,
    load_descriptor_file,
    parse_descriptor,
)
from datasets.ingest import read_source
from datasets.readers import read_records
from tests.conftest import REFERENCE_DATA

pytestmark = pytest.mark.skipif(
    not REFERENCE_DATA.is_dir(), reason=f"reference data not found at {REFERENCE_DATA}"
)
EXAMPLES = DATASETS_DIR / "examples"
BUDGET = REFERENCE_DATA / "budget"
PROCUREMENT = REFERENCE_DATA / "procurement"
REQUESTS = REFERENCE_DATA / "request-logs"


def read(descriptor, path: Path):
    source = descriptor.source_for(path.name)
    assert source is not None, f"no source format matches {path.name}"
    return read_source(path, source, comuna_code="13122")


def by_code(raw) -> dict[str, dict]:
    frame = raw.tables["budget_lines"]
    return {row["account_code"]: row for row in frame.to_dict("records")}


def total(raw, account_type: str, field: str) -> int:
    frame = raw.tables["budget_lines"]
    return int(frame.loc[frame["account_type"] == account_type, field].astype(int).sum())


def test_dipres_execution_month_from_header_footer_and_subtotals_excluded():
    raw = read(
        load_descriptor_file(EXAMPLES / "budgets_dipres.dataset.yaml"),
        BUDGET / "dipres_ejecucion_abril_05-62-01_articles-160007_doc_csv.csv",
    )
    assert raw.rows_read == 22
    assert [(e.source_row, e.reason) for e in raw.excluded] == [
        (2, "subtotal-row"),
        (6, "subtotal-row"),
        (11, "subtotal-row"),
        (13, "subtotal-row"),
        (14, "subtotal-row"),
        (17, "subtotal-row"),
        (21, "subtotal-row"),
        (23, "footer-row"),
    ]
    assert raw.provenance["rows_excluded_by_reason"] == {"footer-row": 1, "subtotal-row": 7}
    assert raw.provenance["encoding"] in {"cp1252", "iso8859_1"}
    assert raw.provenance["delimiter"] == ";"
    lines = by_code(raw)
    assert len(lines) == 14
    assert set(raw.tables["budget_lines"]["month"]) == {"4"}  # «Ejecución Acumulada al ABRIL»
    assert lines["24.01.050"]["account_name"] == "Pagos Art. 39 Ley N°19.175"  # padded to 80
    assert lines["24.01.050"]["amount_initial_clp"] == "468450000"  # thousands of pesos
    assert lines["08.01"]["account_name"] == "Recuperaciones y Reembolsos por Licencias Médicas"
    assert lines["15"]["amount_current_clp"] == "41450000"  # Vigente differs from Inicial
    # Leaf accounts only: income minus spending equals the report's RESULTADO footer.
    result = total(raw, "ingreso", "amount_accrued_clp") - total(raw, "gasto", "amount_accrued_clp")
    assert result == 188_629_000
    assert raw.excluded[-1].values[7:] == ["RESULTADO", "", "", "188629"]


def test_dipres_execution_raw_fixture_month_of_may():
    raw = read(
        load_descriptor_file(EXAMPLES / "budgets_dipres.dataset.yaml"),
        BUDGET / "dipres_execution-raw_RESULTADO_footer.csv",
    )
    assert raw.rows_read == 5
    assert [(e.source_row, e.reason) for e in raw.excluded] == [
        (2, "subtotal-row"),
        (6, "footer-row"),
    ]
    lines = by_code(raw)
    assert list(lines) == ["09.01", "21", "22"]
    assert lines["09.01"]["month"] == "5"
    income = total(raw, "ingreso", "amount_accrued_clp")
    assert income - total(raw, "gasto", "amount_accrued_clp") == 62_526_000


def test_dipres_budget_law_zero_padded_codes_and_balanced_budget():
    raw = read(
        load_descriptor_file(EXAMPLES / "budgets_dipres.dataset.yaml"),
        BUDGET / "dipres_ley_05-62-01_articles-155017_doc_csv.csv",
    )
    assert raw.rows_read == 20
    assert [e.reason for e in raw.excluded] == ["subtotal-row"] * 7
    lines = by_code(raw)
    assert len(lines) == 13
    assert "24.01.050" in lines and "24.01" not in lines and "24" not in lines
    assert lines["29.06"]["account_name"] == "Equipos Informáticos"
    # A budget law balances: income and spending leaves both add up to 3.972.505 thousand.
    assert total(raw, "ingreso", "amount_initial_clp") == 3_972_505_000
    assert total(raw, "gasto", "amount_initial_clp") == 3_972_505_000


def test_dipres_classifier_headerless_ragged_codes_normalised():
    descriptor = parse_descriptor(
        """
slug: budgets
title: {es: Clasificador, en: Classifier}
description: {es: x, en: x}
cadence: yearly
licence: {name: x, title: x, path: x}
tables: [budget_classifier]
sources:
  - name: clasificador_dipres
    title: Clasificador presupuestario DIPRES (sin encabezado)
    match: ["dipres_clasificador_*.csv"]
    format: csv
    column_names: [Subtítulo, Ítem, Asignación, Nombre, Descripción]
    row_table: budget_classifier
    tables:
      budget_classifier:
        columns:
          code: {column: [Subtítulo, Ítem, Asignación], parse: budget_code}
          name: Nombre
          subtitulo: Subtítulo
          account_type: {value: gasto}
          level: {value: asignacion}
          source: {value: DIPRES}
          is_official: {value: "true"}
""",
        "inline.dataset.yaml",
    )
    path = BUDGET / "dipres_clasificador_classifiers_headerless.csv"
    raw = read(descriptor, path)
    frame = raw.tables["budget_classifier"]
    assert raw.rows_read == 132 and len(frame) == 132 and raw.excluded == []
    assert raw.provenance["header_row"] is None
    assert raw.provenance["encoding"] == "utf_8"
    codes = dict(zip(frame["code"], frame["name"], strict=True))
    assert codes["22"] == "Bienes y servicios de consumo"
    assert codes["22.01.001"] == "Para Personas"  # written `22;1;1`
    assert codes["22.04.010"] == "Materiales para Mantenimiento y Reparaciones de Inmuebles"
    assert codes["22.03.999"] == "Para Otros"
    # descriptions holding an unquoted `;` give rows with a sixth cell
    assert raw.provenance["rows_with_extra_cells"] > 0


@pytest.mark.parametrize(
    ("name", "rows", "first", "last"),
    [
        ("Balance_Gastos_Enero_2024.csv", 530,
         ("21.01.001.001", "SUELDO BASE", "1994240140", "1964240140", "160079028"),
         ("35", "SALDO FINAL DE CAJA", "0", "0", "0")),
        ("Balance_Ingresos_Enero_2024.csv", 280,
         ("03.01.001.001.001", "PATENTES MUNICIPALES FUERA DE ROL", "58710579", "58710579",
          "90819168"),
         ("15", "SALDO INICIAL DE CAJA", "100000000", "100000000", "100000000")),
    ],
)  # fmt: skip
def test_penalolen_municipal_balance(name, rows, first, last):
    raw = read(load_descriptor("budgets"), BUDGET / "penalolen" / name)
    frame = raw.tables["budget_lines"]
    assert raw.rows_read == rows and len(frame) == rows and raw.excluded == []
    assert raw.provenance["encoding"] == "utf_8_sig"
    assert raw.provenance["delimiter"] == ","
    assert set(frame["fiscal_year"]) == {"2024"} and set(frame["month"]) == {"1"}
    assert frame["account_code"].is_unique
    fields = ["account_code", "account_name", "amount_initial_clp", "amount_current_clp",
              "amount_paid_clp"]  # fmt: skip
    assert tuple(frame.iloc[0][fields]) == first
    assert tuple(frame.iloc[-1][fields]) == last


def test_penalolen_income_and_spending_budgets_balance():
    descriptor = load_descriptor("budgets")
    spending = read(descriptor, BUDGET / "penalolen" / "Balance_Gastos_Enero_2024.csv")
    income = read(descriptor, BUDGET / "penalolen" / "Balance_Ingresos_Enero_2024.csv")
    assert set(spending.tables["budget_lines"]["account_type"]) == {"gasto"}
    assert set(income.tables["budget_lines"]["account_type"]) == {"ingreso"}
    assert total(income, "ingreso", "amount_current_clp") == total(
        spending, "gasto", "amount_current_clp"
    )


def test_chilecompra_convenio_marco_bom_accents_ruts():
    """A framework-agreement price list: not one of our tables, read for its format
    (validated by the model alone: `parse_descriptor` refuses a table without schema)."""
    descriptor = DatasetDescriptor.model_validate(
        yaml.safe_load(
            """
slug: contracts
title: {es: x, en: x}
description: {es: x, en: x}
cadence: monthly
licence: {name: x, title: x, path: x}
tables: [catalogue]
sources:
  - name: convenio_marco
    title: ChileCompra, convenio marco (CSV, UTF-8 con BOM)
    match: ["chilecompra_convenio_marco_*.csv"]
    format: csv
    row_table: catalogue
    tables:
      catalogue:
        columns:
          tender_code: Numero Licitacion
          supplier_rut: {column: RUT PROVEEDOR, parse: rut}
          supplier_type: {column: RUT PROVEEDOR, parse: rut_kind}
          product_code: CÓDIGO ONU
          region: REGIÓN
          brand: MARCA
          discount_clp: {column: PRECIO EN TIENDA, parse: number}
"""
        )
    )
    raw = read(
        descriptor,
        PROCUREMENT / "chilecompra_convenio_marco_MaestraProd_2239-13-LR25_COMBUSTIBLES.csv",
    )
    frame = raw.tables["catalogue"]
    assert raw.rows_read == 64 and len(frame) == 64
    assert raw.provenance["encoding"] == "utf_8_sig"
    assert raw.provenance["line_endings"] == "CRLF"
    first = frame.iloc[0]
    assert first["tender_code"] == "2239-13-LR25"
    assert first["supplier_rut"] == "79588870-5"
    assert first["supplier_type"] == "persona_juridica"
    assert first["region"] == "TARAPACÁ"
    assert first["brand"] is None  # `-` means empty
    assert first["discount_clp"] == "38"
    assert "O’HIGGINS" in set(frame["region"])
    assert set(frame["product_code"]) >= {"78180301"}


def test_mercado_publico_api_tender_detail():
    raw = read(
        load_descriptor_file(EXAMPLES / "contracts_mercado_publico_api.dataset.yaml"),
        PROCUREMENT / "mercadopublico_api_licitacion_detail_REDACTED_fixture.json",
    )
    assert raw.rows_read == 1
    order = raw.tables["purchase_orders"].iloc[0]
    assert order["order_id"] == "1079866-30-LE26"
    assert order["buyer_unit"] == "SECCIÓN COMPRAS ZONA SANTIAGO OESTE"
    assert order["created_date"] == "2026-08-14"
    assert order["procurement_method"] == "licitacion_publica"
    assert order["supplier_rut"] == "11111111-1"
    item = raw.tables["purchase_order_items"].iloc[0]
    assert item["product_code"] == "30151902"  # an integer in the JSON
    assert item["unit_price_clp"] == "19774068"
    assert item["quantity"] == "1"
    assert order["amount_total_clp"] == "19774068"  # Σ quantity × unit price (`sum_of`)


OCDS_FOREIGN = EXAMPLES / "contracts_ocds_any_publisher.dataset.yaml"


@pytest.mark.parametrize(
    ("name", "counts", "orders", "values"),
    [
        ("fictional_1.1_releasepackage_ocds-213czf-000-00001.json",
         {"packages": 1, "releases": 6, "records": 0, "linked_releases": 0}, 1,
         {"buyer_unit": "London Borough of Barnet", "buyer_contact_email":
          "procurement-team@example.com", "created_date": "2010-06-10", "currency": "GBP",
          "amount_total": "11000000", "amount_total_clp": None,
          "supplier_name": "AnyCorp Cycle Provision"}),
        ("fictional_1.1_recordpackage_ocds-213czf-000-00001.json",
         {"packages": 1, "releases": 0, "records": 1, "linked_releases": 6}, 1,
         {"buyer_unit": "London Borough of Barnet", "created_date": "2010-06-10",
          "amount_total": "11000000", "amount_total_clp": None, "status": "aceptada"}),
        ("montreal_release_ocds-a1234567-mt-063635891f.json",
         {"packages": 0, "releases": 1, "records": 0, "linked_releases": 0}, 1,
         {"order_id": "ocds-a1234567-mt-063635891f001755a1637786dd047485f3dcfaf6;1108514",
          "buyer_unit": "Infrastructures, voirie et transports", "created_date": "2017-05-27",
          "currency": "CAD", "amount_total": "8923.94", "amount_total_clp": None}),
        ("ocdskit_realdata_release-package_split.json",
         {"packages": 2, "releases": 4, "records": 0, "linked_releases": 0}, 2,
         {"buyer_unit": "SECRETARÍA DE FINANZAS", "buyer_contact_name": "MIGUEL ÁNGEL VIDAL FRANCO",
          "created_date": "2015-12-30", "currency": "MXN", "amount_total": "1311264",
          "amount_total_clp": None,
          "procurement_method": "licitacion_privada"}),
        ("paraguay_release_284444-contract.json",
         {"packages": 0, "releases": 1, "records": 0, "linked_releases": 0}, 1,
         {"buyer_unit": None, "created_date": "2016-02-26", "currency": "PYG",
          "amount_total": "1135850368", "amount_total_clp": None}),
        ("paraguay_release_284444-municipal-empedrado-tender.json",
         {"packages": 0, "releases": 1, "records": 0, "linked_releases": 0}, 0, {}),
    ],
)  # fmt: skip
def test_ocds_reference_files(name, counts, orders, values):
    raw = read(load_descriptor_file(OCDS_FOREIGN), PROCUREMENT / "ocds" / name)
    assert {k: raw.provenance[k] for k in counts} == counts
    frame = raw.tables["purchase_orders"]
    assert len(frame) == orders
    if values:
        assert {k: frame.iloc[0][k] for k in values} == values


def test_ocds_montreal_award_without_contract_and_tag_as_string():
    raw = read(
        load_descriptor_file(OCDS_FOREIGN),
        PROCUREMENT / "ocds" / "montreal_release_ocds-a1234567-mt-063635891f.json",
    )
    item = raw.tables["purchase_order_items"].iloc[0]
    assert item["product_name"].startswith("Évaluation d'un panneau lumineux")
    assert item["quantity"] == "1"


def test_ocds_releases_of_one_process_from_two_files_merge(tmp_path):
    """Paraguay's tender and contract releases of ocid 284444, delivered together."""
    releases = [
        json.loads((PROCUREMENT / "ocds" / name).read_text(encoding="utf-8"))
        for name in ("paraguay_release_284444-municipal-empedrado-tender.json",
                     "paraguay_release_284444-contract.json")
    ]  # fmt: skip
    path = tmp_path / "paraguay_284444.json"
    path.write_text("\n".join(json.dumps(r) for r in releases), encoding="utf-8")
    raw = read(load_descriptor_file(OCDS_FOREIGN), path)
    assert raw.provenance["processes"] == 1 and raw.provenance["releases"] == 2
    order = raw.tables["purchase_orders"].iloc[0]
    assert order["tender_code"] == releases[0]["tender"]["id"]
    assert (order["currency"], order["amount_total"]) == ("PYG", "1135850368")


def test_doj_foia_log_tab_separated_with_trailing_tab_and_page_breaks():
    raw = read(
        load_descriptor_file(EXAMPLES / "access_requests_foreign.dataset.yaml"),
        REQUESTS / "doj_ola_foia_log_2017_tabula_raw_TAB.csv",
    )
    frame = raw.tables["access_requests"]
    assert raw.provenance["delimiter"] == "\t"
    assert raw.provenance["blank_headers"] == [7]  # the trailing tab
    assert raw.rows_read == 270
    assert raw.provenance["rows_excluded_by_reason"] == {
        "repeated-header": 1, "wrapped-text-fragment": 25
    }  # fmt: skip
    assert len(frame) == 244 and frame["request_id"].is_unique
    first = frame.iloc[0]
    assert first["request_id"] == "DOJ-2017-005712"
    assert first["received_date"] == "2017-07-03"
    assert first["response_date"] == "2017-08-01"
    assert first["subject"] == (
        "Copies of memoranda, guidance, and policies issued related to the Freedom of\n"
        "Information Act since January 1, 2017."
    )
    assert (first["status"], first["outcome"]) == ("respondida", "entregada")
    assert frame["status"].value_counts().to_dict() == {
        "respondida": 187, "derivada": 49, "desistida": 7, "anulada": 1
    }  # fmt: skip


def test_infocdmx_xlsx_multiline_labels_leading_zeros_mixed_dates():
    raw = read(
        load_descriptor_file(EXAMPLES / "access_requests_foreign.dataset.yaml"),
        REQUESTS / "infocdmx_solicitudes_Delegacion_Cuauhtemoc-2018.xlsx",
    )
    frame = raw.tables["access_requests"]
    assert raw.provenance["sheet"] == "Sheet 30"
    assert raw.rows_read == 190 and len(frame) == 190 and raw.excluded == []
    first = frame.iloc[0]
    assert first["request_id"] == "0405000000218"  # leading zero kept
    assert first["received_date"] == "2018-01-03"  # an Excel date cell
    assert first["response_date"] == "2018-01-29"  # a text cell
    assert first["is_extended"] == "true"  # «Si Por volumen y complejidad…»
    assert first["channel"] == "portal"
    assert "colonia Tránsito, Delegación Cuauhtémoc" in first["subject"]
    assert frame["is_extended"].value_counts(dropna=False).to_dict() == {
        "false": 125, "true": 63, None: 2
    }  # fmt: skip
    assert frame["status"].value_counts().to_dict() == {
        "respondida": 188, "en_tramite": 1, "anulada": 1
    }  # fmt: skip


def test_every_example_descriptor_is_valid():
    for path in sorted(EXAMPLES.glob("*.dataset.yaml")):
        assert load_descriptor_file(path).sources


def test_multiline_labels_in_one_cell_are_joined_on_one_line():
    source = load_descriptor_file(EXAMPLES / "access_requests_foreign.dataset.yaml").sources[1]
    records = read_records(
        REQUESTS / "infocdmx_solicitudes_Delegacion_Cuauhtemoc-2018.xlsx", source
    )
    assert records.header[6] == "( A ) Folio"
    assert records.header[7] == "( B ) Fecha de presentación de la solicitud dd/mm/aaaa"
