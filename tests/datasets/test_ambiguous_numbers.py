"""Numbers are never guessed: under `decimal: "."` the Chilean thousands `900.000` and
`1.234.567` are an `ambiguous-number` error for the file, not 900 and a type error
(and the mirror case under `decimal: ","`), unless the column proves its decimal mark.

The file is the DIPRES execution report of `fixtures/reference/budget` (amounts in
thousands of pesos), mapped with the example descriptor and a declared `decimal: "."`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from datasets.descriptor import DATASETS_DIR, ColumnSpec, load_descriptor_file
from datasets.errors import AmbiguousNumberError
from datasets.ingest import read_source
from datasets.normalise import ambiguous_numbers, encode, number_shape

HEADER = (
    "Partida;Capítulo;Programa;Subtítulo;Item;Asignación;Moneda;Denominación;"
    "Presupuesto Inicial;Presupuesto Vigente;Ejecución Acumulada al MAYO\n"
)
LINES = [
    "02;04;01;09;01;;P;Libre;{0};1094250;422818\n",
    "02;04;01;21;;;P;GASTOS EN PERSONAL;{1};1004617;341978\n",
    "02;04;01;22;;;P;BIENES Y SERVICIOS DE CONSUMO;89633;89633;18314\n",
    ";;;;;;;RESULTADO;;;783110\n",  # the report's footer (declared `footer: true`)
]


def source(decimal: str, thousands: str):
    descriptor = load_descriptor_file(DATASETS_DIR / "examples" / "budgets_dipres.dataset.yaml")
    execution = descriptor.sources[0]
    mapping = execution.tables["budget_lines"]
    columns = {
        name: spec.model_copy(update={"decimal": decimal, "thousands": thousands})
        if spec.parse == "number"
        else spec
        for name, spec in mapping.columns.items()
    }
    tables = {"budget_lines": mapping.model_copy(update={"columns": columns})}
    return execution.model_copy(update={"tables": tables})


def read(tmp_path: Path, first: str, second: str, decimal=".", thousands=""):
    path = tmp_path / "articles-1_doc_csv.csv"
    text = HEADER + "".join(LINES).format(first, second)
    path.write_bytes(text.encode("latin-1"))
    return read_source(path, source(decimal, thousands), comuna_code="13122")


@pytest.mark.parametrize(
    ("first", "second", "row"),
    [
        ("900.000", "400.000", 2),  # the case: read ×1000 too small before
        ("1094250", "1.234.567", 3),  # grouped: no decimal number at all
        ("900.000", "1.234.567", 2),
        ("(900.000)", "1004617", 2),  # negative, in parentheses
    ],
)
def test_thousands_under_a_declared_decimal_point_refuse_the_file(tmp_path, first, second, row):
    with pytest.raises(AmbiguousNumberError) as raised:
        read(tmp_path, first, second)
    error = raised.value
    assert error.type == "ambiguous-number"
    assert (error.file, error.row, error.column) == (
        "13122/articles-1_doc_csv.csv",
        row,
        "Presupuesto Inicial",
    )
    assert "sin adivinar" in error.message_es and "without guessing" in error.message_en


def test_a_column_that_proves_its_decimal_point_reads_three_decimals(tmp_path):
    raw = read(tmp_path, "900.000", "1004617.5")
    assert raw.tables["budget_lines"]["amount_initial_clp"].tolist() == [
        "900000",  # 900.000 thousands of pesos
        "1004617500",
        "89633000",
    ]


def test_declared_thousands_marks_prove_the_decimal_point(tmp_path):
    raw = read(tmp_path, "900.000", "1,004,617", thousands=",")
    assert raw.tables["budget_lines"]["amount_initial_clp"].tolist()[:2] == [
        "900000",
        "1004617000",
    ]


def test_the_mirror_case_under_a_declared_decimal_comma(tmp_path):
    with pytest.raises(AmbiguousNumberError) as raised:
        read(tmp_path, "1094250", "400,000", decimal=",", thousands="")
    assert raised.value.row == 3
    # the Chilean marks declared do not settle `400,000` alone: the column must show them
    with pytest.raises(AmbiguousNumberError):
        read(tmp_path, "1094250", "400,000", decimal=",", thousands=".")
    # … as here, where `1.094.250` proves them
    raw = read(tmp_path, "1.094.250", "400,500", decimal=",", thousands=".")
    assert raw.tables["budget_lines"]["amount_initial_clp"].tolist()[:2] == [
        "1094250000",
        "400500",
    ]


@pytest.mark.parametrize(
    ("text", "shape"),
    [
        ("900.000", "group-like"),
        ("-12.345", "group-like"),
        ("1.234.567", "grouped"),
        ("0.250", "decimal"),
        ("1234.500", "decimal"),
        ("12.5", "decimal"),
        ("1,234", "decimal"),  # thousands mark ","
        ("1234", None),
        ("abc", None),
    ],
)
def test_number_shape(text, shape):
    assert number_shape(text, ".", ",") == shape


def test_a_decimal_field_refuses_only_grouped_marks():
    """`1.500` may be a quantity of 1.5 (a `number` field): only `1.234.567`, which is
    no decimal number at all, is refused there."""
    spec = ColumnSpec(column="cantidad", parse="number", decimal=".", thousands="")
    column = encode(["2", "1.500", None, "1.234.567", "1.500"])
    assert ambiguous_numbers(column, spec, integer=False).tolist() == [3]
    assert ambiguous_numbers(column, spec, integer=True).tolist() == [1, 3, 4]
    assert ambiguous_numbers(encode(["1.500", "2.25"]), spec, integer=True).tolist() == []
