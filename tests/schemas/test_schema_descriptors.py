"""Every Table Schema is valid Frictionless metadata and fully documented."""

from __future__ import annotations

import re

import frictionless
import pytest

import schemas

CANONICAL = [table for tables in schemas.TABLES.values() for table in tables]
ALL_SCHEMAS = CANONICAL + list(schemas.CODE_LISTS)
FIELD_DOCS = ("title", "description", "x-title-en", "x-description-en", "x-privacy")
SCHEMA_DOCS = ("title", "description", "x-title-en", "x-description-en")


def test_every_schema_file_is_declared():
    on_disk = {
        p.name.removesuffix(".schema.json") for p in schemas.SCHEMA_DIR.glob("*.schema.json")
    }
    assert on_disk == set(ALL_SCHEMAS)


@pytest.mark.parametrize("table", ALL_SCHEMAS)
def test_frictionless_metadata_is_valid(table):
    descriptor = schemas.load_descriptor(table)
    report = frictionless.Schema.validate_descriptor(descriptor)
    assert report.valid, report.flatten(["type", "note"])
    schema = frictionless.Schema.from_descriptor(descriptor)
    assert schema.name == table
    assert schema.missing_values == [""]


@pytest.mark.parametrize("table", ALL_SCHEMAS)
def test_schema_level_documentation(table):
    descriptor = schemas.load_descriptor(table)
    for key in SCHEMA_DOCS:
        assert descriptor.get(key, "").strip(), key
    assert descriptor["x-grain-es"].startswith("Una fila por ")
    assert descriptor["x-grain-en"].startswith("One row per ")
    assert descriptor["x-grain-es"].endswith(".") and descriptor["x-grain-en"].endswith(".")


@pytest.mark.parametrize("table", ALL_SCHEMAS)
def test_every_field_is_documented_with_a_privacy_rule(table):
    for field in schemas.load_descriptor(table)["fields"]:
        for key in FIELD_DOCS:
            value = field.get(key)
            assert isinstance(value, str) and value.strip(), (field["name"], key)
        assert field["x-privacy"] in schemas.PRIVACY_RULES, field["name"]
        assert schemas.privacy_rule(field) == field["x-privacy"]


@pytest.mark.parametrize("table", ALL_SCHEMAS)
def test_enum_labels_cover_every_value(table):
    for field in schemas.load_descriptor(table)["fields"]:
        enum = field.get("constraints", {}).get("enum")
        labels = field.get("x-enumLabels")
        if enum is None:
            assert labels is None, field["name"]
            continue
        assert list(labels) == enum, field["name"]
        for code, label in labels.items():
            assert set(label) == {"es", "en"}, (field["name"], code)
            assert label["es"].strip() and label["en"].strip(), (field["name"], code)
        assert all(re.fullmatch(r"[a-z][a-z_]*", code) for code in enum), field["name"]


@pytest.mark.parametrize("table", ALL_SCHEMAS)
def test_primary_key_fields_are_required(table):
    """Every key part is required, except the optional ones a schema declares with an
    explicit `required: false` (a budget's programme, fund and department)."""
    descriptor = schemas.load_descriptor(table)
    fields = {f["name"]: f for f in descriptor["fields"]}
    assert descriptor["primaryKey"]
    optional = {"budget_lines": {"programme_code", "fund_code", "department_code"}}
    for name in descriptor["primaryKey"]:
        expected = name not in optional.get(table, set())
        assert fields[name].get("constraints", {}).get("required") is expected, name


@pytest.mark.parametrize("table", ALL_SCHEMAS)
def test_patterns_compile(table):
    for field in schemas.load_descriptor(table)["fields"]:
        pattern = field.get("constraints", {}).get("pattern")
        if pattern is not None:
            re.compile(pattern)


@pytest.mark.parametrize("table", ALL_SCHEMAS)
def test_foreign_keys_point_at_known_resources(table):
    for fk in schemas.load_descriptor(table).get("foreignKeys", []):
        target = schemas.load_descriptor(fk["reference"]["resource"])
        target_fields = [f["name"] for f in target["fields"]]
        assert set(fk["reference"]["fields"]) <= set(target_fields)
        assert fk["reference"]["fields"] == target["primaryKey"]


@pytest.mark.parametrize(
    ("table", "primary_key", "foreign_keys"),
    [
        (
            "budget_lines",
            [
                "comuna_code",
                "fiscal_year",
                "month",
                "area",
                "programme_code",
                "fund_code",
                "department_code",
                "account_code",
            ],
            {("comuna_code",): ("comunas", ("comuna_code",))},
        ),
        ("purchase_orders", ["order_id"], {("comuna_code",): ("comunas", ("comuna_code",))}),
        (
            "purchase_order_items",
            ["order_id", "line_number"],
            {("order_id",): ("purchase_orders", ("order_id",))},
        ),
        (
            "access_requests",
            ["comuna_code", "request_id"],
            {("comuna_code",): ("comunas", ("comuna_code",))},
        ),
        ("comunas", ["comuna_code"], {}),
        ("budget_classifier", ["code"], {}),
    ],
)
def test_keys_match_fields_md(table, primary_key, foreign_keys):
    descriptor = schemas.load_descriptor(table)
    assert descriptor["primaryKey"] == primary_key
    found = {
        tuple(fk["fields"]): (fk["reference"]["resource"], tuple(fk["reference"]["fields"]))
        for fk in descriptor.get("foreignKeys", [])
    }
    assert found == foreign_keys


FIELD_ORDER = {
    "budget_lines": [
        "comuna_code", "fiscal_year", "month", "area", "programme_code", "programme_name",
        "fund_code", "fund_name", "department_code", "department_name", "account_type",
        "account_code",
        "account_name", "amount_initial_clp", "amount_current_clp", "amount_accrued_clp",
        "amount_paid_clp",
    ],
    "purchase_orders": [
        "order_id", "comuna_code", "buyer_unit", "buyer_contact_name", "buyer_contact_phone",
        "buyer_contact_email", "order_name", "description", "procurement_method", "status_code",
        "status", "created_date", "sent_date", "accepted_date", "supplier_rut", "supplier_name",
        "supplier_type", "tender_code", "amount_net_clp", "amount_tax_clp", "amount_total_clp",
        "currency", "amount_net", "amount_tax", "amount_total",
    ],
    "purchase_order_items": [
        "order_id", "line_number", "product_code", "product_name", "buyer_specification",
        "quantity", "unit", "unit_price_clp", "amount_net_clp", "currency", "unit_price",
        "amount_net",
    ],
    "access_requests": [
        "comuna_code", "request_id", "received_date", "channel", "requester_type",
        "requester_key", "requester_name", "requester_rut", "requester_email", "requester_phone",
        "requester_address", "subject", "status", "outcome", "response_date", "is_extended",
        "legal_deadline_date", "working_days_taken", "is_on_time",
    ],
    "comunas": [
        "comuna_code", "comuna_name", "provincia_code", "provincia_name", "region_code",
        "region_name", "is_fictional",
    ],
    "budget_classifier": [
        "account_type", "code", "subtitulo", "item", "asignacion", "level", "name",
        "description", "source", "is_official",
    ],
    "municipal_buyers": [
        "comuna_code", "comuna_name", "municipality_name", "buyer_rut", "buyer_codes",
        "name_keys", "rut_source", "note",
    ],
    "indicators": [
        "comuna_code", "region_code", "indicator_id", "period", "period_grain", "breakdown",
        "value", "numerator", "denominator", "unit", "records", "is_suppressed",
        "suppression_reason", "comunas_with_data", "percentile", "median_all",
        "region_comunas_with_data", "median_region", "method_id", "method_version",
    ],
    "indicator_methods": [
        "indicator_id", "method_id", "method_version", "source_dataset", "unit",
        "period_grains", "min_records", "title_es", "title_en", "description_es",
        "description_en", "formula_es", "formula_en", "caveats_es", "caveats_en",
        "breakdown_es", "breakdown_en", "thresholds_es", "thresholds_en",
    ],
    "utm_values": [
        "month", "utm_clp", "source",
    ],
}  # fmt: skip


@pytest.mark.parametrize("table", ALL_SCHEMAS)
def test_field_names_and_order(table):
    assert [f["name"] for f in schemas.load_descriptor(table)["fields"]] == FIELD_ORDER[table]


def test_amounts_and_dates_are_typed():
    for table in CANONICAL:
        for field in schemas.load_descriptor(table)["fields"]:
            if field["name"].endswith("_clp"):
                assert field["type"] in {"integer", "number"}, (table, field["name"])
            if field["name"].endswith("_date"):
                assert field["type"] == "date" and "format" not in field, (table, field["name"])
            if field["name"].startswith("is_"):
                assert field["type"] == "boolean", (table, field["name"])


PRIVACY = {
    ("purchase_orders", "buyer_contact_name"): "drop",
    ("purchase_orders", "buyer_contact_phone"): "drop",
    ("purchase_orders", "buyer_contact_email"): "drop",
    ("purchase_orders", "description"): "scrub",
    ("purchase_orders", "supplier_rut"): "redact_natural_person",
    ("purchase_order_items", "buyer_specification"): "scrub",
    ("access_requests", "requester_type"): "generalise",
    ("access_requests", "requester_key"): "pseudonymise",
    ("access_requests", "requester_name"): "drop",
    ("access_requests", "requester_rut"): "drop",
    ("access_requests", "requester_email"): "drop",
    ("access_requests", "requester_phone"): "drop",
    ("access_requests", "requester_address"): "drop",
    ("access_requests", "subject"): "scrub",
}


@pytest.mark.parametrize("table", ALL_SCHEMAS)
def test_privacy_rules_match_fields_md(table):
    for field in schemas.load_descriptor(table)["fields"]:
        expected = PRIVACY.get((table, field["name"]), "public")
        assert field["x-privacy"] == expected, field["name"]


@pytest.mark.parametrize(
    ("table", "field", "value", "valid"),
    [
        ("budget_lines", "account_code", "22", True),
        ("budget_lines", "account_code", "22.04", True),
        ("budget_lines", "account_code", "22.04.001", True),
        ("budget_lines", "account_code", "22.04.001.002", True),
        ("budget_lines", "account_code", "22.4.1", False),
        ("budget_lines", "account_code", "215-22-04-001", False),
        ("budget_lines", "comuna_code", "01101", True),
        ("budget_lines", "comuna_code", "1101", False),
        ("purchase_orders", "order_id", "2345-120-SE26", True),
        # the format of an order id or a product code is its source system's (declared
        # by the source, tests/datasets/test_contracts_general.py): any text here
        ("purchase_orders", "order_id", "ocds-213czf-000-00001;ocds-213czf-000-00001-01", True),
        ("purchase_orders", "supplier_rut", "76123456-K", True),
        ("purchase_orders", "supplier_rut", "76.123.456-k", False),
        ("purchase_order_items", "product_code", "44121701", True),
        ("purchase_order_items", "product_code", "45233130-9", True),  # a CPV code
    ],
)
def test_patterns_accept_and_reject(table, field, value, valid):
    schema = schemas.load_schema(table)
    cell, notes = schema.get_field(field).read_cell(value)
    assert (not notes) is valid, notes


def test_docs_privacy_lists_every_rule_that_is_not_public():
    """docs/privacy.md's table of rules stays true to the schemas."""
    text = (schemas.SCHEMA_DIR.parent / "docs" / "privacy.md").read_text(encoding="utf-8")
    rows = set()
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 4 and cells[0] in CANONICAL:
            rows.add(tuple(cells[:3]))
    declared = {
        (table, field["name"], field["x-privacy"])
        for table in CANONICAL
        for field in schemas.load_descriptor(table)["fields"]
        if field["x-privacy"] != "public"
    }
    assert rows == declared
