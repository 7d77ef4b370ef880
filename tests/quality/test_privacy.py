"""Privacy rules per field, pseudonyms and the review queue, on tiny real-shaped tables."""

from __future__ import annotations

import hashlib
import json

import pandas as pd
import pytest

from quality.privacy import apply_privacy, pseudonym, requester_identity
from quality.review import (
    DecisionError,
    load_decisions,
    release_reviewed,
    row_keys,
    write_review_queue,
)
from schemas import load_descriptor, public_descriptor

KEY = "a-secret-key-of-32-characters-00"


def requests_frame() -> pd.DataFrame:
    rows = [
        # folio, name, rut, email, subject
        ("MU1", "María José Pérez Soto", "12.345.678-5", None, "Copia del decreto. María José"),
        ("MU2", "Juan Soto", None, "juan@correo.example", "Mi RUT es 12.345.678-9, urgente"),
        ("MU3", "MARIA JOSE PEREZ SOTO", "123456785", None, "Presupuesto de $123.456.789"),
        ("MU4", None, None, None, "Actas del concejo 2025"),
    ]
    frame = pd.DataFrame(
        rows,
        columns=["request_id", "requester_name", "requester_rut", "requester_email", "subject"],
    )
    frame["comuna_code"] = "99901"
    frame["requester_type"] = "persona_natural"
    frame["requester_phone"] = "+56 9 8765 4321"
    frame["requester_address"] = "Calle Prat 456"
    frame["_source_file"] = "99901/solicitudes_2026.xlsx"
    frame["_source_row"] = range(2, 6)
    frame["requester_key"] = requester_identity(frame)
    return frame


def test_access_request_rules_per_field():
    result = apply_privacy(requests_frame(), load_descriptor("access_requests"), pseudonym_key=KEY)
    public = result.public.set_index("request_id")
    published = {f["name"] for f in public_descriptor("access_requests")["fields"]}
    assert set(public.columns) - {"_source_file", "_source_row"} <= published
    for dropped in ("requester_name", "requester_rut", "requester_email", "requester_phone"):
        assert dropped not in public.columns
    assert public.at["MU1", "subject"] == "Copia del decreto. [nombre eliminado]"
    assert public.at["MU3", "subject"] == "Presupuesto de $123.456.789"  # an amount, not a RUT
    assert public.at["MU4", "subject"] == "Actas del concejo 2025"
    assert public.at["MU1", "requester_type"] == "persona_natural"
    # the same person in two RUT formats and two spellings: one key
    assert public.at["MU1", "requester_key"] == public.at["MU3", "requester_key"]
    assert public.at["MU1", "requester_key"] != public.at["MU4", "requester_key"]
    assert pd.isna(public.at["MU4", "requester_key"])
    assert {"María José Pérez Soto", "12.345.678-5", "Calle Prat 456"} <= result.dropped_values
    assert "12345678-5" in result.dropped_values  # the pseudonym's input
    assert result.notes == []


def test_a_text_that_cannot_be_cleaned_is_held_with_its_field_and_reasons():
    result = apply_privacy(requests_frame(), load_descriptor("access_requests"), pseudonym_key=KEY)
    assert list(result.held_for_review["request_id"]) == ["MU2"]
    [error] = result.held_for_review.iloc[0]["_errors"]
    assert (error["type"], error["fieldName"], error["reasons"]) == (
        "privacy-review",
        "subject",
        ["possible-rut"],
    )
    assert error["cell"] is None and "12.345" not in json.dumps(error)
    assert result.held_public.index.equals(result.held_for_review.index)
    assert "requester_name" not in result.held_public


def test_without_a_key_the_pseudonym_is_published_empty_with_a_note():
    for key in (None, "", "short-key"):
        result = apply_privacy(
            requests_frame(), load_descriptor("access_requests"), pseudonym_key=key
        )
        assert result.public["requester_key"].isna().all()
        assert [n["type"] for n in result.notes] == ["pseudonym-key-missing"]
        assert "ABIERTO_PSEUDONYM_KEY" in result.notes[0]["es"]


def test_pseudonym_is_a_keyed_hmac_not_a_hash():
    value = "12345678-5"
    assert pseudonym(value, KEY) == pseudonym(value, KEY)
    assert len(pseudonym(value, KEY)) == 16
    assert pseudonym(value, KEY) != pseudonym(value, KEY + "x")
    assert pseudonym(value, KEY) != hashlib.sha256(value.encode()).hexdigest()[:16]
    assert pseudonym(value, None) is None


def test_requester_identity_falls_back_to_email_then_name():
    frame = pd.DataFrame(
        {
            "requester_rut": ["15.678.432-k", None, None, "12.345.678-9"],
            "requester_email": [None, "Ana@Correo.example", None, None],
            "requester_name": [None, "Ana", "  José   PÉREZ ", None],
        }
    )
    assert requester_identity(frame).tolist() == [
        "15678432-K",
        "email:ana@correo.example",
        "name:jose perez",
        None,  # an invalid RUT identifies no one
    ]


def orders_frame() -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "order_id": ["1-1-SE26", "1-2-SE26", "1-3-SE26"],
            "supplier_rut": ["76543210-3", "12345678-5", "7654321-6"],
            "supplier_type": ["persona_juridica", "persona_natural", "desconocido"],
            "supplier_name": ["Constructora Sur SpA", "Rosa Díaz Muñoz", "Pedro Rojas"],
            "buyer_contact_name": ["Óscar Herrera Zúñiga"] * 3,
            "buyer_contact_phone": ["+56 2 2788 7443"] * 3,
            "buyer_contact_email": ["oscar.herrera@villaejemplo.cl"] * 3,
            "description": ["Entregar a doña Rosa Díaz, fono 9 8765 4321", "Compra", None],
            "amount_total_clp": [1413547, 987654321, 5000],
        }
    )
    frame["_source_file"], frame["_source_row"] = "99901/oc.csv", [2, 3, 4]
    return frame


def test_contract_rules_natural_person_suppliers_and_buyer_contacts():
    result = apply_privacy(orders_frame(), load_descriptor("purchase_orders"))
    public = result.public.set_index("order_id")
    assert public["supplier_rut"].fillna("").tolist() == ["76543210-3", "", ""]
    assert public["supplier_name"].tolist() == [
        "Constructora Sur SpA",
        "Rosa Díaz Muñoz",
        "Pedro Rojas",
    ]
    assert public["amount_total_clp"].tolist() == [1413547, 987654321, 5000]
    assert not {"buyer_contact_name", "buyer_contact_phone", "buyer_contact_email"} & set(public)
    assert public.at["1-1-SE26", "description"] == (
        "Entregar a doña [nombre eliminado], fono [teléfono eliminado]"
    )
    assert {"12345678-5", "7654321-6", "Óscar Herrera Zúñiga"} <= result.dropped_values
    assert "76543210-3" not in result.dropped_values


# -- review queue --


def held_requests():
    result = apply_privacy(requests_frame(), load_descriptor("access_requests"), pseudonym_key=KEY)
    return result.held_for_review, result.held_public


def test_row_keys_are_the_primary_key_joined():
    assert row_keys(requests_frame(), "access_requests").tolist()[:2] == ["99901/MU1", "99901/MU2"]


def test_decisions_release_with_the_reviewers_text_or_keep_held(tmp_path):
    path = tmp_path / "decisions.yaml"
    path.write_text(
        "access_requests:\n"
        "  99901/MU2: {decision: release, text: Solicita antecedentes con urgencia}\n"
    )
    held, held_public = held_requests()
    released, still, keys = release_reviewed(
        "access_requests", held, held_public, load_decisions(path)["access_requests"]
    )
    assert keys == ["99901/MU2"] and still.empty
    assert released.at[0, "subject"] == "Solicita antecedentes con urgencia"
    assert "requester_name" not in released
    path.write_text("access_requests:\n  99901/MU2: keep-held\n")
    released, still, keys = release_reviewed(
        "access_requests", held, held_public, load_decisions(path)["access_requests"]
    )
    assert released.empty and keys == [] and list(still["request_id"]) == ["MU2"]


def test_release_without_text_publishes_the_cleaned_text(tmp_path):
    held, held_public = held_requests()
    decisions = {"99901/MU2": load_decisions_from(tmp_path, "99901/MU2: release")}
    released, _, _ = release_reviewed("access_requests", held, held_public, decisions)
    assert released.at[0, "subject"] == held_public.iloc[0]["subject"]


def load_decisions_from(tmp_path, entry: str):
    path = tmp_path / "d.yaml"
    path.write_text(f"access_requests:\n  {entry}\n")
    return next(iter(load_decisions(path)["access_requests"].values()))


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("access_requests:\n  99901/MU2: publish\n", "invalid decision for '99901/MU2'"),
        ("access_requests: [\n", "not valid YAML"),
        ("- a\n", "expected 'table"),
    ],
)
def test_bad_decision_files_are_typed_errors(tmp_path, text, match):
    path = tmp_path / "decisions.yaml"
    path.write_text(text)
    with pytest.raises(DecisionError, match=match):
        load_decisions(path)


def test_a_correction_for_a_field_that_was_not_held_is_refused(tmp_path):
    held, held_public = held_requests()
    path = tmp_path / "decisions.yaml"
    path.write_text(
        "access_requests:\n  99901/MU2: {decision: release, fields: {status: respondida}}\n"
    )
    with pytest.raises(DecisionError, match="field 'status' was not held"):
        release_reviewed(
            "access_requests", held, held_public, load_decisions(path)["access_requests"]
        )


def test_review_queue_lists_held_rows_privately(tmp_path):
    held, held_public = held_requests()
    # rows moved in after a parent was held come with a fresh index
    moved = held.assign(_errors=[[{"type": "parent-held", "fieldName": "request_id"}]])
    moved = moved.drop(columns="_cleaned").assign(request_id="MU9")
    both = pd.concat([held, moved], ignore_index=True)
    report = write_review_queue(tmp_path, {"access_requests": both}, [])
    item, orphan = report["held"]
    assert item["key"] == "99901/MU2" and item["source_row"] == 3
    assert item["fields"] == [
        {
            "field": "subject",
            "reasons": ["possible-rut"],
            "original": "Mi RUT es 12.345.678-9, urgente",
            "cleaned": held_public.iloc[0]["subject"],
        }
    ]
    assert (orphan["key"], orphan["held_because"], orphan["fields"]) == (
        "99901/MU9",
        ["parent-held"],
        [],
    )
    assert json.loads((tmp_path / "review.json").read_text()) == report
    markdown = (tmp_path / "review.md").read_text()
    assert "PRIVADO" in markdown and "posible RUT / possible RUT" in markdown
    assert "99901/MU2" in markdown
