"""OCDS packaging variants, on small inline documents shaped like ChileCompra's."""

from __future__ import annotations

import json

import pytest

from datasets.descriptor import load_descriptor
from datasets.errors import SourceError
from datasets.ingest import read_source
from datasets.municipalities import comunas_table, load_installation
from quality.validate import validate_raw
from schemas import load_descriptor as load_schema_descriptor

OCID = "ocds-70d2nz-2345-120-SE26"
BUYER = {
    "id": "CL-RUT-69000000-1",
    "name": "Municipalidad de Ejemplo",
    "roles": ["buyer", "procuringEntity"],
    "contactPoint": {"name": "Unidad de Compras", "email": "compras@example.cl"},
}
SUPPLIER = {
    "id": "CL-RUT-76123456-0",
    "name": "Ferretería Ñuble SpA",
    "roles": ["supplier"],
    "identifier": {"scheme": "CL-RUT", "id": "76123456-0"},
}


def tender(**extra) -> dict:
    return {
        "ocid": OCID, "id": f"{OCID}-01", "date": "2026-09-01T09:00:00-03:00", "tag": ["tender"],
        "parties": [BUYER], "tender": {"id": "2345-77-LE26", "procurementMethod": "open"}, **extra,
    }  # fmt: skip


def contract(status: str = "active", quantity: int = 2, **extra) -> dict:
    return {
        "ocid": OCID, "id": f"{OCID}-02", "date": "2026-10-05T10:00:00-03:00", "tag": "contract",
        "parties": [SUPPLIER],
        "awards": [{"id": "A1", "suppliers": [{"id": SUPPLIER["id"], "name": SUPPLIER["name"]}]}],
        "contracts": [{
            "id": "2345-120-SE26", "awardID": "A1", "title": "Materiales de oficina",
            "status": status, "dateSigned": "2026-10-05T10:00:00-03:00",
            "value": {"amount": 119000, "currency": "CLP"},
            "items": [{"id": "1", "description": "Resmas de papel", "quantity": quantity,
                       "classification": {"id": "44121612"},
                       "unit": {"name": "Unidad", "value": {"amount": 50000}}}],
        }],
        **extra,
    }  # fmt: skip


def read(tmp_path, content: str | bytes, name: str = "ocds_x.json"):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    source = load_descriptor("contracts").source_for(name)
    return read_source(path, source, comuna_code="99901")


def order(raw) -> dict:
    frame = raw.tables["purchase_orders"]
    assert len(frame) == 1
    return frame.iloc[0].to_dict()


PACKAGINGS = {
    "release package": lambda: json.dumps({"releases": [tender(), contract()]}),
    "releases in reverse order": lambda: json.dumps({"releases": [contract(), tender()]}),
    "two packages on two lines": lambda: "\n".join(
        json.dumps({"uri": "x", "releases": [r]}) for r in (tender(), contract())
    ),
    "bare releases concatenated": lambda: json.dumps(tender()) + json.dumps(contract()),
    "array of releases": lambda: json.dumps([tender(), contract()]),
    "record package, embedded releases": lambda: json.dumps(
        {"records": [{"ocid": OCID, "releases": [tender(), contract()]}]}
    ),
    "record with compiled release": lambda: json.dumps(
        {
            "ocid": OCID,
            "releases": [{"url": "x#1", "date": "2026-09-01", "tag": ["tender"]}],
            "compiledRelease": {**tender(), **contract(), "parties": [BUYER, SUPPLIER]},
        }
    ),  # fmt: skip
}


@pytest.mark.parametrize("packaging", PACKAGINGS)
def test_every_packaging_gives_the_same_order(tmp_path, packaging):
    raw = read(tmp_path, PACKAGINGS[packaging]())
    assert order(raw) | {"_source_file": None} == {
        "order_id": "2345-120-SE26",
        "buyer_unit": "Municipalidad de Ejemplo",  # from the party with role buyer
        "buyer_contact_name": "Unidad de Compras",
        "buyer_contact_phone": None,
        "buyer_contact_email": "compras@example.cl",
        "order_name": "Materiales de oficina",
        "description": None,
        "procurement_method": "licitacion_publica",
        "status": "aceptada",
        "created_date": "2026-10-05",  # local date of an ISO date-time with offset
        "supplier_rut": "76123456-0",
        "supplier_type": "persona_juridica",
        "supplier_name": "Ferretería Ñuble SpA",
        "tender_code": "2345-77-LE26",
        "currency": "CLP",
        "amount_total": "119000",
        "amount_total_clp": "119000",  # derived: the currency is CLP
        "comuna_code": "99901",
        "_source_file": None,
        "_source_row": 1,
    }
    item = raw.tables["purchase_order_items"].iloc[0]
    assert (item["product_code"], item["quantity"], item["unit_price_clp"]) == (
        "44121612", "2", "50000"
    )  # fmt: skip


def test_a_later_release_updates_the_earlier_one(tmp_path):
    releases = [tender(), contract(), contract(status="terminated", quantity=3)]
    releases[2]["id"], releases[2]["date"] = f"{OCID}-03", "2026-11-01T00:00:00-03:00"
    raw = read(tmp_path, json.dumps({"releases": releases}))
    assert order(raw)["status"] == "recepcion_conforme"
    assert raw.tables["purchase_order_items"]["quantity"].tolist() == ["3"]


def test_supplier_party_id_without_identifier(tmp_path):
    party = {k: v for k, v in SUPPLIER.items() if k != "identifier"}  # id CL-RUT-76123456-0
    raw = read(tmp_path, json.dumps({"releases": [tender(), contract(parties=[party])]}))
    assert order(raw)["supplier_rut"] == "76123456-0"


def test_non_utf8_json_is_decoded(tmp_path):
    text = json.dumps({"releases": [tender(), contract()]}, ensure_ascii=False)
    raw = read(tmp_path, text.encode("cp1252"))
    assert order(raw)["supplier_name"] == "Ferretería Ñuble SpA"
    assert raw.provenance["encoding"] == "cp1252"


def test_linked_releases_only_give_no_rows_and_are_counted(tmp_path):
    record = {"ocid": OCID, "releases": [{"url": "x#1", "date": "2026-09-01", "tag": ["tender"]}]}
    raw = read(tmp_path, json.dumps({"records": [record]}))
    assert raw.rows_read == 0 and raw.provenance["linked_releases"] == 1
    assert raw.tables["purchase_orders"].empty


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ('{"uri": "x", "publisher": {}}', "not OCDS"),
        ('{"releases": []}', "no releases"),
        ('{"releases": [{"ocid": "a"}, ', "the JSON is truncated"),
        ('{"releases": [{"ocid": "a"}}, 1]}', "invalid JSON"),
        ('"just text"', "not OCDS"),
    ],
)
def test_what_is_not_ocds_is_a_typed_error(tmp_path, content, words):
    with pytest.raises(SourceError, match=words) as error:
        read(tmp_path, content)
    assert error.value.file == "ocds_x.json"


def test_contracts_without_id_are_kept_apart_and_quarantined(tmp_path):
    """Two contracts whose `id` is null are neither merged nor a traceback: each order
    and line stays on its own row, and validation quarantines them (the id is required)."""
    release = contract()
    other = json.loads(json.dumps(release["contracts"][0]))
    other["title"], other["items"][0]["id"] = "Otra compra", "2"
    release["contracts"] = [release["contracts"][0] | {"id": None}, other | {"id": None}]
    raw = read(tmp_path, json.dumps({"uri": "x", "releases": [release]}))
    orders = raw.tables["purchase_orders"]
    assert orders["order_name"].tolist() == ["Materiales de oficina", "Otra compra"]
    assert orders["order_id"].isna().all()
    comunas = {"comunas": comunas_table(load_installation())}
    result = validate_raw(orders, load_schema_descriptor("purchase_orders"), references=comunas)
    assert result.valid.empty
    assert {(e["rowNumber"], e["fieldName"]) for e in result.errors} >= {
        (1, "order_id"),
        (2, "order_id"),
    }
