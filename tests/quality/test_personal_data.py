"""Tests for quality.personal_data: detectors, scrubber, review flags, leak scan.

Every detector gets true positives and near misses. RUT check digits used here
(computed with stdnum): 12345678-5, 15678432-K, 7654321-6, 1234567-4,
10000013-K, 49999999-2 (persons); 76543210-3, 50000000-7, 96790240-3 (companies).
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum.cl import rut as stdnum_rut

from quality.personal_data import (
    PLACEHOLDERS,
    REVIEW_REASONS,
    Span,
    find_addresses,
    find_cued_names,
    find_emails,
    find_name_guesses,
    find_personal_data,
    find_phones,
    find_requester_name,
    find_ruts,
    normalise_rut,
    review_reasons,
    rut_kind,
    scrub_series,
    scrub_text,
)
from quality.personal_data._text import fold
from quality.personal_data._words import COMMON_WORDS, GIVEN_NAMES, PLACE_WORDS


def found(detector, text: str, *args) -> list[str]:
    """The substrings a detector flags, in order."""
    return [text[s:e] for s, e, _ in detector(text, *args)]


# --------------------------------------------------------------------------- RUTs

RUT_HITS = [
    ("RUT 12.345.678-5", "12.345.678-5"),
    ("el 12345678-5 firmó", "12345678-5"),
    ("formato 15.678.432-K", "15.678.432-K"),
    ("minúscula 15678432-k.", "15678432-k"),
    ("con espacios 12.345.678 - 5", "12.345.678 - 5"),
    ("guion largo 12.345.678–5", "12.345.678–5"),
    ("siete dígitos 7.654.321-6", "7.654.321-6"),
    ("rut 123456785", "123456785"),
    ("RUT: 123456785", "123456785"),
    ("R.U.T. 15678432k", "15678432k"),
    ("RUN N° 76543216", "76543216"),
    ("R.U.N.: 12.345.6785", "12.345.6785"),
    ("C.I. 123456785", "123456785"),
    ("CI 123456785", "123456785"),
    ("cédula 123456785", "123456785"),
    ("Cedula de Identidad N° 12345678 5", "12345678 5"),
    ("carnet 12345678-5", "12345678-5"),
    ("mi rut es 10000013K", "10000013K"),
    ("RUT 76543216 9 1234 5678", "76543216"),  # the next number is not its check digit
    ("rol único tributario 123456785", "123456785"),
    ("(12.345.678-5)", "12.345.678-5"),
]


@pytest.mark.parametrize(("text", "expected"), RUT_HITS)
def test_rut_detected(text, expected):
    assert found(find_ruts, text) == [expected]
    assert all(kind == "rut" for *_, kind in find_ruts(text))


RUT_MISSES = [
    "12.345.678-9",  # wrong check digit
    "12345678-9",
    "rut 123456789",  # wrong check digit after context
    "123456785",  # valid check digit but bare, no context
    "$12.345.678",
    "$123.456.789",
    "123456789",
    "Decreto N° 1234",
    "Decreto Alcaldicio N° 12345678",
    "año 2026",
    "Ley 20.285",
    "folio MU999T0000123",
    "MU999T12345678-5",  # inside a token
    "orden 1234567-4-SE26",  # part of a Mercado Público code
    "ruta 123456785",  # "ruta" is not "rut"
    "monto 12.345.678,5",
    "entre 2024-2025",
]


@pytest.mark.parametrize("text", RUT_MISSES)
def test_rut_not_detected(text):
    assert find_ruts(text) == []


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("12.345.678-5", "12345678-5"),
        ("12345678-5", "12345678-5"),
        ("123456785", "12345678-5"),
        ("15.678.432-k", "15678432-K"),
        ("  CL 15678432K ", "15678432-K"),
        ("012345678-5", "12345678-5"),
        ("7.654.321-6", "7654321-6"),
        ("12.345.678-9", None),
        ("12.345.678", None),
        ("abc", None),
        ("", None),
    ],
)
def test_normalise_rut(text, canonical):
    assert normalise_rut(text) == canonical


@pytest.mark.parametrize(
    ("rut", "kind"),
    [
        ("12.345.678-5", "persona_natural"),
        ("49.999.999-2", "persona_natural"),
        ("50.000.000-7", "persona_juridica"),
        ("76.543.210-3", "persona_juridica"),
        ("96790240-3", "persona_juridica"),
    ],
)
def test_rut_kind(rut, kind):
    assert rut_kind(rut) == kind


def test_company_rut_is_detected_but_kind_is_juridica():
    text = "Proveedor 76.543.210-3 adjudicado"
    assert found(find_ruts, text) == ["76.543.210-3"]
    assert rut_kind(found(find_ruts, text)[0]) == "persona_juridica"


def test_rut_kind_error_does_not_repeat_the_value():
    with pytest.raises(ValueError) as error:
        rut_kind("12.345.678-9")
    assert "12.345.678" not in str(error.value) and "345" not in str(error.value)


# ------------------------------------------------------------------------- e-mails


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("escribir a maria.perez@gmail.com.", "maria.perez@gmail.com"),
        ("contacto@muni-ejemplo.gob.cl, gracias", "contacto@muni-ejemplo.gob.cl"),
        ("Maria.Perez @ Municipalidad.CL", "Maria.Perez @ Municipalidad.CL"),
        ("jose_n+transparencia@correo.uchile.cl", "jose_n+transparencia@correo.uchile.cl"),
        ("núñez.jóse@correo.cl", "núñez.jóse@correo.cl"),
        ("mperez arroba gmail punto com hoy", "mperez arroba gmail punto com"),
        ("mperez arroba gmail.com", "mperez arroba gmail.com"),
        ("juan(at)correo.cl", "juan(at)correo.cl"),
        ("jp [arroba] gmail [punto] com", "jp [arroba] gmail [punto] com"),
    ],
)
def test_email_detected(text, expected):
    assert found(find_emails, text) == [expected]


@pytest.mark.parametrize(
    "text",
    ["@usuario en twitter", "saludos arroba municipal", "a@b", "nombre at dominio", "x @ y"],
)
def test_email_not_detected(text):
    assert find_emails(text) == []


# --------------------------------------------------------------------------- phones

PHONE_HITS = [
    "+56 9 8765 4321",
    "+56987654321",
    "+56 9-8765-4321",
    "(+56) 9 8765 4321",
    "56 9 8765 4321",
    "56987654321",
    "9 8765 4321",
    "987654321",
    "98765 4321",
    "09-87654321",
    "(09) 8765 4321",
    "+56 2 2345 6789",
    "(2) 2345 6789",
    "(02) 2345 6789",
    "22 345 6789",
    "2 2345 6789",
    "(32) 234 5678",
    "032 234 5678",
]


@pytest.mark.parametrize("phone", PHONE_HITS)
def test_phone_detected(phone):
    assert found(find_phones, f"llamar al {phone}.") == [phone]
    assert found(find_phones, f"Solicito respuesta, {phone}, gracias") == [phone]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fono 223456789", "223456789"),  # ungrouped landline: needs context
        ("Teléfono: 2345 6789", "2345 6789"),  # old 8-digit number: needs context
        ("cel. 9-8765-4321", "9-8765-4321"),
        ("WhatsApp +56 9 1234 5678", "+56 9 1234 5678"),
    ],
)
def test_phone_with_context(text, expected):
    assert found(find_phones, text) == [expected]


PHONE_MISSES = [
    "123456789",
    "223456789",  # landline-looking but no shape or context
    "$987654321",
    "$ 987654321",
    "$987.654.321",
    "987.654.321",
    "monto 987654321",
    "987654321 pesos",
    "N° 912345678",
    "folio 912345678",
    "12.345.678-5",
    "12345678-5",
    "rut 98765432-5",
    "Decreto N° 1234",
    "año 2026",
    "Ley 20.285",
    "folio MU999T0000123",
    "2024-2025",
    "15-03-2024",
    "1234567",
    "223 456 789",
]


@pytest.mark.parametrize("text", PHONE_MISSES)
def test_phone_not_detected(text):
    assert find_phones(text) == []


@pytest.mark.parametrize("number", ["2345 6789", "223456789"])
def test_phone_context_ends_at_a_nul(number):
    """The leak scan joins a column's distinct values with a NUL between them (in an
    order that varies): a context word in one value does not make a number in the next a
    phone, while the same number after the word in one text is one."""
    from publish.leaks import _SEPARATOR

    assert found(find_phones, f"Teléfono: {number}") == [number]
    assert find_phones(_SEPARATOR.join(["Teléfono de la oficina:", number])) == []
    assert find_phones(f"Teléfono:\n{number}") != []  # a line break within one text


# ------------------------------------------------------------------------ addresses


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("vivo en Av. Los Aromos 1234, depto 56 desde", "Av. Los Aromos 1234, depto 56"),
        ("en calle Prat #456", "calle Prat #456"),
        ("Pasaje 3 N° 1520", "Pasaje 3 N° 1520"),
        ("Psje. Las Rosas 12 casa B", "Psje. Las Rosas 12 casa B"),
        (
            "Avenida Libertador Bernardo O'Higgins 1449",
            "Avenida Libertador Bernardo O'Higgins 1449",
        ),
        ("Calle 21 de Mayo 560", "Calle 21 de Mayo 560"),
        ("av los aromos 1234", "av los aromos 1234"),
        ("camino a Melipilla 12500", "camino a Melipilla 12500"),
        ("Villa Los Aromos N° 12", "Villa Los Aromos N° 12"),
        ("Población La Victoria casa 4", "Población La Victoria casa 4"),
        ("block 5 depto 302", "block 5 depto 302"),
        ("mi domicilio es Los Aromos 1234", "Los Aromos 1234"),
        ("mi dirección: Los Aromos 1234 depto 5", "Los Aromos 1234 depto 5"),
        ("en contra de mi propiedad de Los Quillayes 1481.", "Los Quillayes 1481"),
        ("propiedad ubicada en Pasaje Ñuble 441", "Pasaje Ñuble 441"),
    ],
)
def test_address_detected(text, expected):
    assert found(find_addresses, text) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "Villa Alemana 2026",  # a comuna and a year
        "Municipalidad de Villa Ejemplo 12 concejales",
        "la calle está cortada desde 2024",
        "presupuesto 2026 de la avenida principal",
        "el pasaje es oscuro y hay 3 luminarias",
        "vivo en Santiago hace 2 años",
        "Decreto N° 1234",
        "calle Prat",  # no number
    ],
)
def test_address_not_detected(text):
    assert find_addresses(text) == []


# -------------------------------------------------------------------- requester name

REQUESTER = "María José Pérez Soto"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Solicito, María José, información", ["María José"]),
        ("maria jose pide", ["maria jose"]),
        ("MARIA JOSE PEREZ SOTO", ["MARIA JOSE PEREZ SOTO"]),
        ("firma: Pérez Soto", ["Pérez Soto"]),
        ("PEREZ solicita", ["PEREZ"]),
        ("la señora Pérez pide", ["Pérez"]),
        ("perez", ["perez"]),
        ("soto y perez", ["soto y perez"]),  # particle inside a run
        ("Pérez, María", ["Pérez, María"]),
        ("María-José", ["María-José"]),
        ("José pide", ["José"]),
        ("Pe\u0301rez", []),  # NFD input: scrub_text normalises, the raw detector does not
    ],
)
def test_requester_name_detected(text, expected):
    assert found(find_requester_name, text, REQUESTER) == expected


@pytest.mark.parametrize(
    "text",
    [
        "en San José de Maipo",  # a single part after a place word stays: it is a place
        "Liceo Pérez",
        "Villa Soto",
        "Josefina Pérezs",  # word boundaries
        "sotomayor",
        "de la",  # particles alone
        "mariajose",
    ],
)
def test_requester_name_kept(text):
    assert find_requester_name(text, REQUESTER) == []


def test_requester_name_common_words_only_in_sequences():
    name = "María de la Luz Rosa Flores"
    assert find_requester_name("la rosa del jardín y las flores", name) == []
    assert find_requester_name("Luz", name) == []
    assert found(find_requester_name, "Rosa Flores pide", name) == ["Rosa Flores"]
    assert found(find_requester_name, "María de la Luz Flores", name) == ["María de la Luz Flores"]
    assert found(find_requester_name, "Hola María", name) == ["María"]


def test_requester_name_short_parts_only_in_sequences():
    assert find_requester_name("Li pide", "Ana Li") == []
    assert found(find_requester_name, "Ana Li pide", "Ana Li") == ["Ana Li"]


def test_organisation_requester_only_in_sequences():
    name = "Fundación Ciudadanía Inteligente"
    assert find_requester_name("una ciudadanía inteligente y activa", name) != []
    assert find_requester_name("la fundación pide", name) == []
    assert find_requester_name("ciudadanía", name) == []


# ----------------------------------------------------------------------- cued names


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Reclamo contra el Sr. Juan Pérez por...", ["Juan Pérez"]),
        ("atendido por funcionaria Carla Rojas.", ["Carla Rojas"]),
        ("la Señora María de los Ángeles Soto", ["María de los Ángeles Soto"]),
        ("doña MARÍA PÉREZ", ["MARÍA PÉREZ"]),
        ("Sr. J. Pérez.", ["J. Pérez"]),
        ("Sr. Pérez. Además solicito", ["Pérez"]),
        ("Mi nombre es Juan Soto y pido", ["Juan Soto"]),
        ("Yo, Ana Díaz, solicito", ["Ana Díaz"]),
        ("Soy Juan Pérez", ["Juan Pérez"]),
        ("Atentamente, Pedro Muñoz Castro", ["Pedro Muñoz Castro"]),
    ],
)
def test_cued_name_detected(text, expected):
    assert found(find_cued_names, text) == expected
    assert all(kind == "person_name_cue" for *_, kind in find_cued_names(text))


@pytest.mark.parametrize(
    "text",
    [
        "la Sra. Directora de Obras",
        "Sr. Alcalde",
        "al Sr. Alcalde Juan Pérez",  # no cue name; find_name_guesses still takes Juan Pérez
        "Yo, como vecina",
        "Soy Presidenta de la Junta",
        "Saludos, Municipalidad de Villa Ejemplo",
        "Atentamente, Juan",  # a signature needs two words
        "el señor que atiende",
        "SOLICITO AL SR. ALCALDE INFORMACION",
    ],
)
def test_cued_name_not_detected(text):
    assert find_cued_names(text) == []


# ---------------------------------------------------------------------- name guesses


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "sumario instruido contra José Miguel Painequeo, del Departamento",
            ["José Miguel Painequeo"],
        ),
        ("reclamos presentados por Tomás Silva en contra", ["Tomás Silva"]),
        ("solicito a Carolina Muñoz la respuesta", ["Carolina Muñoz"]),
        ("remuneración de Ana María de la Fuente Soto", ["Ana María de la Fuente Soto"]),
        ("INFORME DE JUAN PEREZ", ["JUAN PEREZ"]),
        ("Remuneración de Pedro Soto Director de Obras", ["Pedro Soto"]),
    ],
)
def test_name_guess_detected(text, expected):
    assert found(find_name_guesses, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Escuela Gabriela Mistral",
        "Plaza Arturo Prat",
        "Liceo Juan Pablo II",
        "comuna de Pedro Aguirre Cerda",
        "oficina en San Pedro de la Paz",
        "Juan Director",
        "Carlos solicita",  # a lone given name
        "tomás la decisión",
        "Villa Ejemplo",
    ],
)
def test_name_guess_not_detected(text):
    assert find_name_guesses(text) == []


# ------------------------------------------------------------------------- scrubbing

FULL_SUBJECT = (
    "Mi nombre es María José Pérez Soto, RUT 12.345.678-5, correo maria.perez@gmail.com, "
    "fono +56 9 8765 4321, vivo en Av. Los Aromos 1234, depto 56. Solicito el presupuesto "
    "2026 de $12.345.678 según Decreto N° 1234 y Ley 20.285, folio MU999T0000123, "
    "y la orden al proveedor 76.543.210-3."
)


def test_scrub_full_subject():
    result = scrub_text(FULL_SUBJECT, requester_name=REQUESTER)
    assert result.text == (
        "Mi nombre es [nombre eliminado], RUT [RUT eliminado], correo [correo eliminado], "
        "fono [teléfono eliminado], vivo en [dirección eliminada]. Solicito el presupuesto "
        "2026 de $12.345.678 según Decreto N° 1234 y Ley 20.285, folio MU999T0000123, "
        "y la orden al proveedor 76.543.210-3."
    )
    assert [kind for kind, *_ in result.replacements] == [
        "person_name",
        "rut",
        "email",
        "phone",
        "address",
    ]
    assert [FULL_SUBJECT[start:end] for _, start, end in result.replacements] == [
        "María José Pérez Soto",
        "12.345.678-5",
        "maria.perez@gmail.com",
        "+56 9 8765 4321",
        "Av. Los Aromos 1234, depto 56",
    ]
    assert result.needs_review is False
    assert result.reasons == []


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [
        ("PEREZ pide info de San José", "[nombre eliminado] pide info de San José"),
        ("maría josé consulta", "[nombre eliminado] consulta"),
        ("Pérez consulta", "[nombre eliminado] consulta"),
        ("Pe\u0301rez consulta", "[nombre eliminado] consulta"),  # NFD input
    ],
)
def test_scrub_requester_name(text, cleaned):
    assert scrub_text(text, requester_name=REQUESTER).text == cleaned


def test_scrub_without_requester_keeps_lone_names():
    assert scrub_text("PEREZ pide info").text == "PEREZ pide info"


@pytest.mark.parametrize(
    "text",
    [
        "Presupuesto 2026: $12.345.678 y $123.456.789",
        "Decreto N° 1234 de 2025, Ley 20.285",
        "folio MU999T0000123 del año 2026",
        "orden de compra 2345-120-SE26 al proveedor 76.543.210-3",
        "partida 123456789 del clasificador",
        "",
    ],
)
def test_scrub_leaves_non_personal_text_alone(text):
    result = scrub_text(text)
    assert result.text == text
    assert result.replacements == []
    assert result.needs_review is False


def test_scrub_extra_values_found_however_written():
    result = scrub_text(
        "Mi carnet es 12345678, escribir a Maria.Perez@Gmail.com o al 9 8765 4321 "
        "en los aromos 1234; depto 56",
        extra_values=[
            "12.345.678-5",
            "maria.perez@gmail.com",
            "+56987654321",
            "Av. Los Aromos 1234, depto 56",
            None,
            "",
        ],
    )
    assert result.text == (
        "Mi carnet es [RUT eliminado], escribir a [correo eliminado] o al [teléfono eliminado] "
        "en [dirección eliminada]"
    )


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("mi rut es 12345678-9 y necesito", "possible-rut"),  # typo in the check digit
        ("RUT 12.345.678", "possible-rut"),  # no check digit
        ("el número 123456785 del expediente", "possible-rut"),  # bare, valid check digit
        ("me llamo pedro gonzalez", "possible-name"),
        ("mi nombre es pedro", "possible-name"),
        ("reclamo contra don pedro", "possible-name"),
        ("contactar a @usuario", "possible-email"),
        ("escribir a pedro arroba gmail", "possible-email"),
        ("mi domicilio está en la esquina 1234", "possible-address"),
        ("teléfono 12 34 56 78", "possible-phone"),
    ],
)
def test_needs_review(text, reason):
    result = scrub_text(text)
    assert result.needs_review is True
    assert reason in result.reasons
    assert set(result.reasons) <= set(REVIEW_REASONS)


@pytest.mark.parametrize(
    "text",
    [
        "el Sr. Alcalde",
        "proveedor 76.543.210-3",
        "RUT 76.543.210-3",
        "Dirección de Obras Municipales, año 2024",
        "presupuesto de $123.456.785",
    ],
)
def test_no_review_for_public_text(text):
    assert review_reasons(scrub_text(text).text) == []


def test_reasons_never_hold_values():
    text = "mi rut es 12345678-9, me llamo pedro gonzalez, @pgonzalez, fono 12 34 56 78"
    result = scrub_text(text)
    assert result.needs_review
    for reason in result.reasons:
        assert reason in REVIEW_REASONS
        assert not re.search(r"[0-9]|pedro|gonzalez", reason)


def test_placeholders_are_spanish_and_typed():
    assert PLACEHOLDERS["rut"] == "[RUT eliminado]"
    assert PLACEHOLDERS["email"] == "[correo eliminado]"
    assert PLACEHOLDERS["phone"] == "[teléfono eliminado]"
    assert PLACEHOLDERS["address"] == "[dirección eliminada]"
    assert PLACEHOLDERS["person_name"] == PLACEHOLDERS["person_name_cue"] == "[nombre eliminado]"


# ---------------------------------------------------------------------- leak scan


def test_find_personal_data_spans():
    text = "Sr. Juan Pérez, 12.345.678-5, jp@correo.cl, proveedor 76.543.210-3"
    spans = find_personal_data(text)
    assert [(text[s:e], k) for s, e, k in spans] == [
        ("Juan Pérez", "person_name_cue"),
        ("12.345.678-5", "rut"),
        ("jp@correo.cl", "email"),
    ]
    assert all(isinstance(span, Span) for span in spans)
    with_companies = find_personal_data(text, include_company_ruts=True)
    assert [k for *_, k in with_companies][-1] == "rut"
    assert len(with_companies) == 4


def test_find_personal_data_leaves_name_guesses_out_by_default():
    supplier = "Proveedor: Pedro Soto"
    assert find_personal_data(supplier) == []
    assert find_personal_data(supplier, include_name_guesses=True) == [
        Span(11, 21, "person_name_guess")
    ]
    # A company named after a person is an institution, not a person's name.
    assert find_personal_data("Constructora Pedro Soto Ltda.", include_name_guesses=True) == []
    assert scrub_text(supplier).text == "Proveedor: [nombre eliminado]"


def test_find_personal_data_merges_overlaps():
    text = "escribir a juan.perez@calle.cl"
    assert find_personal_data(text) == [Span(11, 30, "email")]


@pytest.mark.parametrize("value", [None, "", 123, float("nan")])
def test_non_text_is_empty(value):
    assert find_personal_data(value) == []


# ------------------------------------------------------------------- scrub_series


def test_scrub_series_aligns_on_index_and_keeps_missing():
    texts = pd.Series(
        ["PEREZ pide", None, "mi rut es 12345678-9", "RUT 12.345.678-5"], index=[10, 11, 12, 13]
    )
    names = pd.Series({13: None, 10: "Juan Pérez", 11: "Ana"})
    cleaned, review = scrub_series(texts, names)
    assert cleaned.isna().tolist() == [False, True, False, False]
    assert cleaned.dropna().tolist() == [
        "[nombre eliminado] pide",
        "mi rut es 12345678-9",
        "RUT [RUT eliminado]",
    ]
    assert cleaned.dtype == texts.dtype
    assert review.tolist() == [False, False, True, False]
    assert list(cleaned.index) == list(review.index) == [10, 11, 12, 13]
    assert review.dtype == bool


def test_scrub_series_without_names_and_with_extra_values():
    texts = pd.Series(["escribir a jp@correo.cl", "mi carnet 12345678"])
    extras = pd.DataFrame({"requester_rut": [None, "12.345.678-5"]})
    cleaned, review = scrub_series(texts, None, extra_values=extras)
    assert cleaned.tolist() == ["escribir a [correo eliminado]", "mi carnet [RUT eliminado]"]
    assert not review.any()


def test_scrub_series_accepts_a_repeated_index_shared_with_the_names():
    frame = pd.DataFrame(
        {"subject": ["Pérez pide", "Pérez pide"], "requester_name": ["Ana Pérez", None]},
        index=[0, 0],
    )
    cleaned, review = scrub_series(frame["subject"], frame["requester_name"])
    assert cleaned.tolist() == ["[nombre eliminado] pide", "Pérez pide"]
    assert review.tolist() == [False, False]


def test_scrub_series_scrubs_each_distinct_value_once(monkeypatch):
    """The column is dictionary-encoded: repeated (text, requester) pairs cost one scrub.
    Its speed is measured in benchmarks/scrub_column.py, not here."""
    from quality.personal_data import scrub as scrub_module

    calls = []
    real = scrub_module.scrub_text
    monkeypatch.setattr(
        scrub_module, "scrub_text", lambda *a, **k: calls.append(a) or real(*a, **k)
    )
    texts = pd.Series(["Fono +56 9 8765 4321", "Pérez pide", None] * 1000)
    names = pd.Series(["Ana Pérez", "Ana Pérez", None] * 1000)
    cleaned, review = scrub_series(texts, names)
    assert len(calls) == 2
    assert cleaned.tolist()[:2] == ["Fono [teléfono eliminado]", "[nombre eliminado] pide"]
    assert pd.isna(cleaned.iloc[2]) and cleaned.dtype == texts.dtype
    assert not review.any()


# ------------------------------------------- the bundled sample export's ground truth

SAMPLES = Path(__file__).resolve().parents[2] / "datasets" / "samples"
SAMPLE_REQUESTS = SAMPLES / "99901" / "access_requests" / "solicitudes_2026.xlsx"
SAMPLE_TRUTH = SAMPLES / "ground_truth" / "solicitudes_2026_materia_datos_personales.json"


@pytest.mark.skipif(not SAMPLE_TRUTH.exists(), reason="sample export not generated")
@pytest.mark.parametrize("with_requester", [True, False])
def test_sample_subjects_ground_truth(with_requester):
    """Every personal value the generator planted is gone; other subjects are untouched."""
    openpyxl = pytest.importorskip("openpyxl")
    rows = list(openpyxl.load_workbook(SAMPLE_REQUESTS)["Solicitudes"].iter_rows(values_only=True))
    requests = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    truth = json.loads(SAMPLE_TRUTH.read_text(encoding="utf-8"))["requests"]
    planted = {entry["folio"]: [item["text"] for item in entry["personal_data"]] for entry in truth}
    for request in requests:
        subject = request["Materia"]
        name = request["Nombre solicitante"] if with_requester else None
        result = scrub_text(subject, requester_name=name)
        values = planted.get(request["Folio"], [])
        assert [v for v in values if fold(v) in fold(result.text)] == [], result.text
        if not values:
            assert result.text == subject
            assert result.needs_review is False


# --------------------------------------------------------- property: nothing leaks

FILLER = [
    "solicito copia del contrato de aseo",
    "requiero información sobre el presupuesto municipal",
    "favor enviar la nómina de funcionarios a honorarios",
    "quisiera saber el estado de la licitación",
    "pido los permisos de edificación otorgados",
    "necesito el detalle de gastos en salud",
    "gracias de antemano",
    "la respuesta puede ser por correo",
]
SURNAMES = [
    "Pérez", "González", "Muñoz", "Díaz", "Sepúlveda", "Contreras", "Martínez", "Hernández",
    "Fuenzalida", "Valenzuela", "Ñancupil", "Quispe", "Huenchumilla", "Gutiérrez", "Espinoza",
]  # fmt: skip
GIVEN = sorted(GIVEN_NAMES - COMMON_WORDS - PLACE_WORDS)
SEPARATORS = [", ", ". ", "; ", " y ", " - ", " "]


def _valid_rut(body: int) -> tuple[str, str]:
    check = stdnum_rut.calc_check_digit(str(body))
    return str(body), check


@st.composite
def rut_texts(draw, low=1_000_000, high=49_999_999):
    body, check = _valid_rut(draw(st.integers(low, high)))
    check = draw(st.sampled_from([check, check.lower()]))
    dotted = f"{int(body):,}".replace(",", ".")
    forms = [f"{dotted}-{check}", f"{body}-{check}", f"RUT {body}{check}", f"C.I. {dotted}-{check}"]
    return draw(st.sampled_from(forms))


@st.composite
def phone_texts(draw):
    a, b = draw(st.integers(0, 9999)), draw(st.integers(0, 9999))
    r = draw(st.integers(200, 999))
    forms = [
        f"+56 9 {a:04d} {b:04d}",
        f"+569{a:04d}{b:04d}",
        f"9 {a:04d} {b:04d}",
        f"9{a:04d}{b:04d}",
        f"09-{a:04d}{b:04d}",
        f"(09) {a:04d} {b:04d}",
        f"+56 2 2{r:03d} {b:04d}",
        f"(2) 2{r:03d} {b:04d}",
        f"22 {r:03d} {b:04d}",
        f"(32) {r:03d} {b:04d}",
    ]
    return draw(st.sampled_from(forms))


@st.composite
def amounts(draw):
    n = draw(st.integers(1000, 999_999_999))
    forms = [
        "$" + f"{n:,}".replace(",", "."),
        f"Decreto N° {draw(st.integers(1, 9999))}",
        f"año {draw(st.integers(2000, 2030))}",
        "Ley 20.285",
        f"folio MU999T{draw(st.integers(0, 9_999_999)):07d}",
    ]
    company, check = _valid_rut(draw(st.integers(50_000_000, 99_999_999)))
    forms.append(f"{int(company):,}".replace(",", ".") + f"-{check}")
    return draw(st.sampled_from(forms))


def _still_there(value: str, cleaned: str) -> bool:
    """Whether `value` survives in `cleaned` as a whole word (accent/case-insensitive)."""
    return re.search(r"(?<!\w)" + re.escape(fold(value)) + r"(?!\w)", fold(cleaned)) is not None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    given_names=st.lists(st.sampled_from(GIVEN), min_size=1, max_size=2, unique=True),
    surnames=st.lists(st.sampled_from(SURNAMES), min_size=2, max_size=2, unique=True),
    name_form=st.sampled_from(["full", "upper", "plain", "surname", "first_last", "cue"]),
    rut=rut_texts(),
    email_user=st.from_regex(r"[a-z][a-z0-9._]{1,12}[a-z0-9]", fullmatch=True),
    email_domain=st.sampled_from(["gmail.com", "correo.cl", "municipio-ejemplo.gob.cl"]),
    phone=phone_texts(),
    public=st.lists(amounts(), min_size=1, max_size=4),
    filler=st.lists(st.sampled_from(FILLER), min_size=1, max_size=4),
    order=st.randoms(use_true_random=False),
    separator=st.sampled_from(SEPARATORS),
)
def test_property_planted_values_never_survive(
    given_names, surnames, name_form, rut, email_user, email_domain, phone, public, filler,
    order, separator,
):  # fmt: skip
    full_name = " ".join(given_names + surnames)
    first = given_names[0].capitalize()
    planted_name = {
        "full": " ".join(w.capitalize() for w in given_names + surnames),
        "upper": full_name.upper(),
        "plain": unicodedata.normalize("NFKD", full_name).encode("ascii", "ignore").decode(),
        "surname": surnames[0].upper(),
        "first_last": f"{first} {surnames[1]}",
        "cue": f"Sr. {first} {surnames[0]}",
    }[name_form]
    email = f"{email_user}@{email_domain}"
    personal = [planted_name, rut, email, phone]
    fragments = personal + public + filler
    order.shuffle(fragments)
    text = separator.join(fragments)

    requester = (
        None if name_form == "cue" else " ".join(w.capitalize() for w in given_names + surnames)
    )
    result = scrub_text(text, requester_name=requester)

    leaked = [
        v
        for v in personal
        if _still_there(
            v.removeprefix("Sr. ").removeprefix("RUT ").removeprefix("C.I. "), result.text
        )
    ]
    assert leaked == [], (text, result.text)
    for value in public:
        assert value in result.text, (text, result.text)
    for reason in result.reasons:
        assert reason in REVIEW_REASONS


# ------------------------------------------------------- the worked examples


@pytest.mark.parametrize(
    "text",
    [
        "123456785",  # a valid check digit, but a bare 9-digit number
        "123.456.785",
        "$123.456.785",
        "Presupuesto vigente 123456785",
        "monto total 912345678 pesos",
        "Subtítulo 22, ítem 04: 987.654.321",
    ],
)
def test_a_nine_digit_budget_amount_is_not_personal_data(text):
    assert stdnum_rut.is_valid("123456785")
    assert find_ruts(text) == []
    assert find_personal_data(text) == []
    # Left as written (a bare run with a valid check digit is still held for review,
    # see test_needs_review: the reviewer decides).
    assert scrub_text(text).text == text


@pytest.mark.parametrize(
    "subject",
    [
        "Solicito, en nombre de María José, copia del decreto",
        "solicito en nombre de maria jose copia del decreto",
        "Solicito en nombre de MARÍA JOSÉ copia del decreto",
    ],
)
def test_the_requesters_first_names_are_removed_from_the_subject(subject):
    result = scrub_text(subject, requester_name="María José Pérez")
    assert "[nombre eliminado]" in result.text
    assert "jose" not in fold(result.text) and "maria" not in fold(result.text)
    assert fold(result.text).endswith("copia del decreto")
