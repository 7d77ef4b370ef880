from pathlib import Path

import pytest

from datasets.descriptor import load_descriptor, parse_descriptor
from datasets.errors import DescriptorError, EncodingError, HeaderError, SourceError
from datasets.ingest import read_source

BUDGET_HEADER = (
    "Año;Mes;Área;Tipo;Código;Denominación;Presupuesto Inicial;Presupuesto Vigente;"
    "Devengado Acumulado;Pagado Acumulado"
)

# One account line, a blank line and the report's totals row.
BUDGET_WITH_TOTALS = (
    f"{BUDGET_HEADER}\r\n"
    "2026;10;Educación;Gastos;22-04-001;MATERIALES DE OFICINA;"
    "1.234.567;1.300.000;900.000;850.500\r\n"
    ";;;;;;;;;\r\n"
    ";;;;;TOTAL GASTOS;1.234.567;1.300.000;900.000;850.500\r\n"
)


def budget_source():
    return load_descriptor("budgets").sources[0]


def write(tmp_path: Path, text: str, encoding="latin-1", name="ejecucion_presupuestaria_x.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_budget_csv_is_mapped_and_totals_excluded(tmp_path):
    path = write(
        tmp_path,
        BUDGET_WITH_TOTALS,
    )
    raw = read_source(path, budget_source(), comuna_code="99901")
    frame = raw.tables["budget_lines"]
    assert raw.rows_read == 3
    assert [e.reason for e in raw.excluded] == ["blank-row", "totals-row"]
    assert [e.source_row for e in raw.excluded] == [3, 4]
    row = frame.iloc[0].to_dict()
    assert row["area"] == "educacion"
    assert row["account_type"] == "gasto"
    assert row["account_code"] == "22.04.001"
    assert row["amount_paid_clp"] == "850500"
    assert row["comuna_code"] == "99901"
    assert row["_source_row"] == 2


def test_missing_column_is_a_typed_error_naming_file_and_column(tmp_path):
    path = write(
        tmp_path, BUDGET_HEADER.replace("Pagado Acumulado", "Pagado") + "\n1;2;3;4;5;6;7;8;9;10\n"
    )
    with pytest.raises(HeaderError) as error:
        read_source(path, budget_source(), comuna_code="99901")
    assert error.value.file == f"99901/{path.name}"
    assert error.value.column == "Pagado Acumulado"
    assert "Pagado Acumulado" in error.value.message_es


def test_a_header_error_does_not_echo_personal_data(tmp_path):
    """A file without its header row has a data row there; the message is scrubbed."""
    path = write(
        tmp_path,
        "MU1;05-01-2026;Portal;Héctor Espinoza Torres;12.345.678-5;hector@correo.example;"
        "+56 9 8765 4321;Calle Ñuble 4441\n"
        "MU2;06-01-2026;Portal;Ana Soto;;;;\n",
        name="solicitudes_2026.csv",
    )
    source = load_descriptor("access_requests").sources[0].model_copy(update={"format": "csv"})
    with pytest.raises(HeaderError) as error:
        read_source(path, source, comuna_code="99901")
    message = error.value.message
    assert "headers: MU1, 05-01-2026, Portal" in message
    for value in ("Héctor", "12.345.678", "hector@", "8765", "Ñuble 4441"):
        assert value not in message


def test_wrong_encoding_is_reported_not_mangled(tmp_path):
    row = "2026;10;Educación;Gastos;22-04-001;AÑO;1;2;3;4"
    path = write(tmp_path, f"{BUDGET_HEADER}\n{row}\n", encoding="utf-8")
    with pytest.raises(EncodingError) as error:
        read_source(path, budget_source(), comuna_code="99901")  # declared latin-1
    assert "UTF-8" in error.value.message_en
    path = write(tmp_path, f"{BUDGET_HEADER}\n{row}\n", encoding="utf-16")
    raw = read_source(path, budget_source(), comuna_code="99901")  # a BOM is proof
    assert raw.tables["budget_lines"]["account_name"].tolist() == ["AÑO"]
    assert raw.provenance["encoding"] == "utf_16"


def test_empty_file_is_a_source_error(tmp_path):
    path = write(tmp_path, "")
    with pytest.raises(SourceError):
        read_source(path, budget_source(), comuna_code="99901")


def test_order_lines_collapse_to_one_order_and_conflicts_are_errors(tmp_path):
    source = load_descriptor("contracts").sources[0]
    header = [c.column for t in source.tables.values() for c in t.columns.values() if c.column]
    header = list(dict.fromkeys(header))

    def line(**values):
        return ";".join(values.get(h, "x") for h in header)

    good = [
        line(Codigo="1-1-SE26", RutProveedor="76.543.210-3"),
        line(Codigo="1-1-SE26", RutProveedor="76.543.210-3"),
    ]
    path = write(
        tmp_path, "\n".join([";".join(header), *good]) + "\n", name="ordenes_de_compra_x.csv"
    )
    raw = read_source(path, source, comuna_code="99901")
    assert len(raw.tables["purchase_orders"]) == 1
    assert raw.tables["purchase_order_items"]["line_number"].tolist() == ["1", "2"]
    bad = [*good, line(Codigo="1-1-SE26", RutProveedor="12.345.678-5")]
    path.write_bytes(("\n".join([";".join(header), *bad]) + "\n").encode("latin-1"))
    with pytest.raises(SourceError) as error:
        read_source(path, source, comuna_code="99901")
    assert error.value.row == 4


def test_invalid_descriptor_has_a_clear_message():
    with pytest.raises(DescriptorError) as error:
        parse_descriptor("slug: x\ncadence: weekly\n", "x.dataset.yaml")
    assert "x.dataset.yaml" in error.value.message


def test_every_descriptor_loads():
    for slug in ("budgets", "contracts", "access_requests"):
        assert load_descriptor(slug).slug == slug


def test_readme_worked_example_is_the_descriptor_source():
    """The onboarding example in the README is the real entry of budgets.dataset.yaml."""
    import yaml

    from datasets.descriptor import SourceFormat

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## How to onboard a new export format", 1)[1]
    block = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    example = SourceFormat.model_validate(yaml.safe_load(block)[0])
    assert example == load_descriptor("budgets").source_for("Balance_Ingresos_Enero_2024.csv")


def test_descriptor_errors_list_every_problem_with_its_location():
    text = (Path(__file__).resolve().parents[2] / "datasets" / "budgets.dataset.yaml").read_text(
        encoding="utf-8"
    )
    text = text.replace("month: Mes", "month: {column: Mes, value: '1'}")
    text = text.replace('delimiter: ";"', 'delimiter: ";;"', 1)
    with pytest.raises(DescriptorError) as error:
        parse_descriptor(text, "budgets.dataset.yaml")
    message = error.value.message_en
    assert "2 problems" in message
    assert "sources.0.delimiter" in message and "one character" in message
    assert "sources.0.tables.budget_lines.columns.month" in message and "exactly one" in message
    with pytest.raises(DescriptorError, match="not valid YAML/JSON"):
        parse_descriptor("{", "x.dataset.json")


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (("exclude_rows:", "exclude_subtotals: {field: code}\n    exclude_rows:"), "unmapped"),
        (("        columns:", "        group_by: x\n        columns:"), "unmapped"),
        (("    row_table: budget_lines", "    row_table: other"), "row_table 'other'"),
        (('pattern: "^\\\\s*TOTAL"', 'pattern: "(TOTAL"'), "invalid regular expression"),
    ],
)  # fmt: skip
def test_descriptor_references_are_checked(edit, words):
    text = (Path(__file__).resolve().parents[2] / "datasets" / "budgets.dataset.yaml").read_text(
        encoding="utf-8"
    )
    assert edit[0] in text
    with pytest.raises(DescriptorError, match=words):
        parse_descriptor(text.replace(edit[0], edit[1], 1), "budgets.dataset.yaml")
