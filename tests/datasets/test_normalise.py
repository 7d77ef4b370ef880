import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from datasets.descriptor import ColumnSpec
from datasets.normalise import (
    encode,
    fold,
    normalise_value,
    normalised_values,
    parse_budget_code,
    parse_date,
    parse_month,
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
        ("1,234.56", "1,234.56"),  # not the declared format: left for validation to flag
        ("12.34", "12.34"),  # `.` groups thousands here, so this is no number
        ("1.234,560", "1234.56"),
        ("-0,00", "0"),
        ("(-5)", "5"),
        ("007", "7"),
    ],
)
def test_parse_number_chilean_format(text, expected):
    assert parse_number(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("22-04-001", "22.04.001"),
        ("22;1;1", "22.01.001"),
        ("2201001", "22.01.001"),
        ("21-01-001-001-000", "21.01.001.001"),
        ("35-00-000-000", "35"),
        ("22;;", "22"),
        ("220100", "220100"),
        ("3-1", "03.01"),
        ("22", "22"),
        ("x-1", "x-1"),
        # 31 digits fill the eleven levels; more is no code (left for validation to
        # report), not a traceback
        ("2201001" + "001" * 8, "22.01.001" + ".001" * 8),
        ("2201001" + "001" * 8 + "1", "2201001" + "001" * 8 + "1"),
        ("9" * 40, "9" * 40),
    ],
)
def test_parse_budget_code(text, expected):
    assert parse_budget_code(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12.345.678-5", "12345678-5"),
        ("123456785", "12345678-5"),
        ("12345678-4", "12345678-4"),  # wrong check digit: left for validation to flag
        ("76.123.451-K", "76123451-K"),
        ("76123451k", "76123451-K"),
        ("76123451-K", "76123451-K"),
        (" 76.123.451-k ", "76123451-K"),
    ],
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


@pytest.mark.parametrize(
    ("value", "formats", "expected"),
    [
        ("2026-10-05T10:00:00-03:00", ["iso"], "2026-10-05"),  # the local date, not UTC
        ("2026-10-05T23:30:00Z", ["iso"], "2026-10-05"),
        ("2026-10-05", ["iso"], "2026-10-05"),
        ("45292", ["excel"], "2024-01-01"),
        (45292.0, ["excel"], "2024-01-01"),
        ("03/04/2024", ["%d/%m/%Y"], "2024-04-03"),
        ("03/04/2024", ["%m/%d/%Y"], "2024-03-04"),
        ("31-12-2024", ["%d/%m/%Y", "%d-%m-%Y"], "2024-12-31"),
        ("hoy", ["iso", "excel", "%d-%m-%Y"], "hoy"),
    ],
)
def test_parse_date_follows_the_declared_formats(value, formats, expected):
    assert parse_date(value, formats) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("ABRIL", "4"), ("abr.", "4"), ("Septiembre", "9"), ("04", "4"), ("13", "13")],
)
def test_parse_month(text, expected):
    assert parse_month(text) == expected


def test_amounts_in_thousands_are_scaled_exactly():
    spec = ColumnSpec(column="x", parse="number", scale=1000)
    assert normalise_value("1.234,5", spec) == "1234500"
    assert normalise_value("(20)", spec) == "-20000"


def test_extract_keeps_the_first_group_before_parsing():
    spec = ColumnSpec(column="x", extract="([0-9][0-9.]*-?[0-9kK])$", parse="rut")
    assert normalise_value("CL-RUT-76.543.210-3", spec) == "76543210-3"
    assert normalise_value("sin rut", spec) == "sin rut"


def test_a_column_spec_needs_exactly_one_origin():
    with pytest.raises(ValueError, match="exactly one"):
        ColumnSpec(column="a", value="b")
    with pytest.raises(ValueError, match="invalid regular expression"):
        ColumnSpec(column_pattern="(")


def test_number_cells_of_spreadsheets_and_json_are_numbers_not_text():
    spec = ColumnSpec(column="x", parse="number")  # Chilean marks, for text cells
    assert normalise_value(1234.5, spec) == "1234.5"
    assert normalise_value(1000.5577, spec) == "1000.5577"
    assert normalise_value(19774068.0, spec) == "19774068"
    assert normalise_value(-3, spec) == "-3"
    assert normalise_value("1.234,5", spec) == "1234.5"
    assert normalise_value(True, spec) == "True"


CELLS = st.lists(
    st.one_of(
        st.none(),
        st.sampled_from(["", "-", " 1.234 ", "1.234,5", "Sí", "no", "abril", "22-4-1", "x"]),
        st.text(alphabet="0123456789.,- abcSíN", max_size=8),
        st.integers(-5, 5),
        st.booleans(),
        st.floats(allow_nan=False, allow_infinity=False, width=32),
        st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2030, 1, 1)),
    ),
    max_size=30,
)
SPECS = [
    ColumnSpec(column="x"),
    ColumnSpec(column="x", missing=["", "-", "x"]),
    ColumnSpec(column="x", parse="number"),
    ColumnSpec(column="x", parse="number", decimal=".", thousands="", scale=1000),
    ColumnSpec(column="x", parse="boolean"),
    ColumnSpec(column="x", parse="month"),
    ColumnSpec(column="x", parse="budget_code"),
    ColumnSpec(column="x", parse="date", formats=["%d-%m-%Y", "iso"]),
    ColumnSpec(column="x", map={"Sí": "true", "no": ""}, extract=r"(\w+)"),
]


def normalised(column, spec):
    """Each cell's canonical text, through its distinct values."""
    return normalised_values(column, spec)[column.codes]


@given(cells=CELLS, spec=st.sampled_from(SPECS))
def test_a_column_is_normalised_as_its_cells_one_by_one(cells, spec):
    """The columnar path (dictionary-encoded, each distinct value once) gives exactly the
    per-cell result, for text, mixed spreadsheet values (True, 1 and 1.0 distinct) and
    empty cells."""
    assert normalised(encode(cells), spec).tolist() == [normalise_value(c, spec) for c in cells]
    texts = [c for c in cells if c is None or isinstance(c, str)]
    assert normalised(encode(texts), spec).tolist() == [normalise_value(c, spec) for c in texts]


DATE_TEXT = st.one_of(
    st.datetimes(min_value=dt.datetime(1, 1, 1)).map(lambda d: d.strftime("%Y-%m-%d %H:%M:%S")),
    st.from_regex(r"\A[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}( [0-9]{1,2}:[0-9]{2}:[0-9]{2})?\Z"),
    st.text(alphabet="0123456789-: ", max_size=20),
)


@given(text=DATE_TEXT, fmt=st.sampled_from(["%Y-%m-%d", "%Y-%m-%d %H:%M:%S"]))
def test_padded_dates_read_as_strptime_reads_them(text, fmt):
    """The zero-padded fast path accepts exactly what `strptime` accepts."""
    text = text.strip()
    try:
        expected = dt.datetime.strptime(text, fmt).date().isoformat()
    except ValueError:
        expected = text
    assert parse_date(text, [fmt]) == expected
