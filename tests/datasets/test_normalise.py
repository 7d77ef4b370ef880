import datetime as dt

import pytest

from datasets.descriptor import ColumnSpec
from datasets.normalise import (
    fold,
    normalise_value,
    parse_budget_code,
    parse_number,
    parse_rut,
    parse_rut_kind,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.234.567", "1234567"),
        ("1.234,56", "1234.56"),
        ("454\u00a0000,00", "454000"),
        ("(1.234)", "-1234"),
        ("-1.234", "-1234"),
        ("0", "0"),
        ("12,50", "12.5"),
        ("abc", "abc"),
        ("1.2.3,4,5", "1.2.3,4,5"),
    ],
)
def test_parse_number_chilean_format(text, expected):
    assert parse_number(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("22-04-001", "22.04.001"),
        ("22;1;1", "22.01.001"),
        ("3-1", "03.01"),
        ("22", "22"),
        ("x-1", "x-1"),
    ],
)
def test_parse_budget_code(text, expected):
    assert parse_budget_code(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("12.345.678-5", "12345678-5"), ("123456785", "12345678-5"), ("12345678-4", "12345678-4")],
)
def test_parse_rut_verifies_check_digit(text, expected):
    assert parse_rut(text) == expected


def test_rut_kind_by_range_convention():
    assert parse_rut_kind("12.345.678-5") == "persona_natural"
    assert parse_rut_kind("76.543.210-3") == "persona_juridica"
    assert parse_rut_kind("12.345.678-4") == "desconocido"


def test_fold_ignores_accents_case_and_spaces():
    assert fold("  Educación  Municipal ") == "educacion municipal"


def test_normalise_value_maps_and_parses():
    spec = ColumnSpec(column="Tipo", map={"Ingresos": "ingreso"})
    assert normalise_value("INGRESOS", spec) == "ingreso"
    assert normalise_value("-", ColumnSpec(column="x", parse="number")) is None
    assert normalise_value(None, spec) is None
    date_spec = ColumnSpec(column="d", parse="date", formats=["%d-%m-%Y"])
    assert normalise_value(dt.datetime(2026, 3, 4, 10, 0), date_spec) == "2026-03-04"
    assert normalise_value("03-04-2026", date_spec) == "2026-04-03"
    assert normalise_value("2026/04/03", date_spec) == "2026/04/03"
