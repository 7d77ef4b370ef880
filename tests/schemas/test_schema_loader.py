"""The loader API in `schemas/__init__.py`."""

from __future__ import annotations

import frictionless
import pandas as pd
import pytest

import schemas


def test_tables_by_dataset():
    assert schemas.TABLES == {
        "budgets": ("budget_lines",),
        "contracts": ("purchase_orders", "purchase_order_items"),
        "access_requests": ("access_requests",),
        "indicators": ("indicators", "indicator_methods"),
    }


def test_load_schema_is_cached_frictionless_schema():
    schema = schemas.load_schema("purchase_orders")
    assert isinstance(schema, frictionless.Schema)
    assert schema is schemas.load_schema("purchase_orders")
    assert schema.primary_key == ["order_id"]
    assert schema.get_field("supplier_rut").custom["x-privacy"] == "redact_natural_person"


def test_load_descriptor_returns_a_private_copy():
    first = schemas.load_descriptor("budget_lines")
    first["fields"][0]["name"] = "changed"
    first["x-grain-en"] = "changed"
    second = schemas.load_descriptor("budget_lines")
    assert second["fields"][0]["name"] == "comuna_code"
    assert second["x-grain-en"] != "changed"


@pytest.mark.parametrize("name", ["nope", "../budget_lines", ""])
def test_unknown_schema_is_a_clear_error(name):
    with pytest.raises(schemas.UnknownSchemaError, match="unknown schema"):
        schemas.load_descriptor(name)


def test_privacy_rule_reads_dicts_and_fields():
    assert schemas.privacy_rule({"name": "a", "x-privacy": "scrub"}) == "scrub"
    field = schemas.load_schema("access_requests").get_field("requester_name")
    assert schemas.privacy_rule(field) == "drop"


@pytest.mark.parametrize(
    ("descriptor", "message"),
    [
        ({"name": "a", "type": "string"}, "has no 'x-privacy' rule"),
        ({"name": "a", "x-privacy": "secret"}, "unknown 'x-privacy' rule 'secret'"),
    ],
)
def test_privacy_rule_errors(descriptor, message):
    with pytest.raises(schemas.PrivacyRuleError, match=message):
        schemas.privacy_rule(descriptor)


@pytest.mark.parametrize("table", [t for ts in schemas.TABLES.values() for t in ts])
def test_public_descriptor_has_no_drop_field(table):
    public = schemas.public_descriptor(table)
    rules = [schemas.privacy_rule(f) for f in public["fields"]]
    assert "drop" not in rules
    names = {f["name"] for f in public["fields"]}
    assert set(public["primaryKey"]) <= names
    for fk in public.get("foreignKeys", []):
        assert set(fk["fields"]) <= names
    assert frictionless.Schema.validate_descriptor(public).valid
    # everything else is kept, custom properties included
    full = schemas.load_descriptor(table)
    kept = [f for f in full["fields"] if f["x-privacy"] != "drop"]
    assert public["fields"] == kept
    assert {k: v for k, v in public.items() if k != "fields"} == {
        k: v for k, v in full.items() if k != "fields"
    }


def test_public_descriptor_drops_expected_fields():
    public = {f["name"] for f in schemas.public_descriptor("access_requests")["fields"]}
    assert not public & {
        "requester_name",
        "requester_rut",
        "requester_email",
        "requester_phone",
        "requester_address",
    }
    assert {"requester_type", "subject"} <= public


def test_public_descriptor_removes_dropped_key_fields(monkeypatch):
    descriptor = {
        "fields": [
            {"name": "a", "type": "string", "x-privacy": "drop"},
            {"name": "b", "type": "string", "x-privacy": "public"},
            {"name": "c", "type": "string", "x-privacy": "drop"},
        ],
        "primaryKey": ["a", "b"],
        "foreignKeys": [
            {"fields": ["a"], "reference": {"resource": "x", "fields": ["id"]}},
            {"fields": ["b"], "reference": {"resource": "y", "fields": ["id"]}},
            {"fields": "c", "reference": {"resource": "z", "fields": "id"}},
        ],
    }
    monkeypatch.setattr(schemas, "load_descriptor", lambda table: descriptor)
    public = schemas.public_descriptor("anything")
    assert [f["name"] for f in public["fields"]] == ["b"]
    assert public["primaryKey"] == ["b"]
    assert [fk["reference"]["resource"] for fk in public["foreignKeys"]] == ["y"]


def test_public_descriptor_does_not_touch_the_cache():
    schemas.public_descriptor("purchase_orders")
    names = [f["name"] for f in schemas.load_descriptor("purchase_orders")["fields"]]
    assert "buyer_contact_email" in names


@pytest.mark.parametrize(("name", "rows"), [("comunas", 346), ("budget_classifier", 431)])
def test_load_code_list(name, rows):
    frame = schemas.load_code_list(name)
    assert len(frame) == rows
    assert all(isinstance(dtype, pd.StringDtype) for dtype in frame.dtypes)
    assert not frame.isna().any().any()
    frame.iloc[0, 0] = "changed"
    assert schemas.load_code_list(name).iloc[0, 0] != "changed"


def test_code_lists_keep_text_codes():
    comunas = schemas.load_code_list("comunas").set_index("comuna_code")
    assert comunas.loc["01101", "comuna_name"] == "Iquique"
    assert comunas.loc["01101", "region_code"] == "01"
    assert set(comunas["is_fictional"]) == {"false"}
    classifier = schemas.load_code_list("budget_classifier").set_index("code")
    assert classifier.loc["22.04.001", "asignacion"] == "001"
    assert classifier.loc["22", "item"] == ""


def test_unknown_code_list():
    with pytest.raises(schemas.UnknownSchemaError, match="unknown code list"):
        schemas.load_code_list("regiones")
