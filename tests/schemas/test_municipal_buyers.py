"""The municipal buyers code list: reproducible, complete, and unambiguous by name."""

from __future__ import annotations

import pytest
from stdnum.cl import rut as stdnum_rut

import schemas
from schemas.buyers import format_rut, name_key, rut_key
from schemas.codes import build_municipal_buyers


def test_build_reproduces_the_committed_file(tmp_path):
    built = build_municipal_buyers.build(tmp_path)
    assert built.read_bytes() == schemas.code_list_path("municipal_buyers").read_bytes()


def test_one_row_per_municipality_with_a_valid_rut():
    buyers = schemas.load_code_list("municipal_buyers")
    comunas = set(schemas.load_code_list("comunas")["comuna_code"])
    assert len(buyers) == 345
    assert set(buyers["comuna_code"]) == comunas - {"12202"}  # Antártica: Cabo de Hornos
    assert buyers["buyer_rut"].map(stdnum_rut.is_valid).all()
    assert buyers["buyer_rut"].map(rut_key).is_unique


def test_every_name_form_names_one_comuna():
    keys = schemas.load_code_list("municipal_buyers")["name_keys"].str.split("|").explode()
    assert keys.is_unique
    assert {"SAN PEDRO", "SAN PEDRO DE LA PAZ", "SAN PEDRO DE ATACAMA", "LLAY LLAY"} <= set(keys)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("I MUNICIPALIDAD DE ÑUÑOA", "NUNOA"),
        ("Ilustre Municipalidad de Ñuñoa", "NUNOA"),
        ("I. Municipalidad de Los Ángeles", "LOS ANGELES"),
        ("MUNICIPALIDAD DE SAN PEDRO", "SAN PEDRO"),
        ("Municipalidad de San Pedro de la Paz", "SAN PEDRO DE LA PAZ"),
        ("Corporación Municipal de Peñalolén", None),
        ("Servicio de Salud Ñuble", None),
        ("Hospital de Independencia", None),
    ],
)
def test_name_key(text, key):
    assert name_key(text) == key


def test_rut_forms():
    assert format_rut(69070100) == "69.070.100-6"
    assert rut_key("69.070.100-6") == rut_key("069070100-6") == "690701006"
    assert rut_key("69.251.100-k") == "69251100K"
