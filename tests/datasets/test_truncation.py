"""Files cut short are refused as `truncated-file`; whole files are read (issue 15, item 2).

A real DIPRES report and the municipal budget export are cut at several points: in the
middle of a row, inside a quoted cell, before the footer. Whole files without a final
line break are read as usual.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from datasets.descriptor import DATASETS_DIR, load_descriptor, load_descriptor_file
from datasets.errors import SourceError, TruncatedFileError
from datasets.ingest import read_source

FIXTURES = Path(__file__).parent / "fixtures"
DIPRES = FIXTURES / "dipres_ejecucion_abril_05-62-01_articles-160007_doc_csv.csv"
DIPRES_SOURCE = load_descriptor_file(
    DATASETS_DIR / "examples" / "budgets_dipres.dataset.yaml"
).sources[0]
BUDGET = (
    "Año;Mes;Área;Tipo;Código;Denominación;Presupuesto Inicial;Presupuesto Vigente;"
    "Devengado Acumulado;Pagado Acumulado\r\n"
    "2026;10;Educación;Gastos;22-04-001;MATERIALES DE OFICINA;1.234.567;1.300.000;900;850\r\n"
    '2026;10;Educación;Gastos;22-04-002;"TEXTOS ""ESCOLARES""";50.000.000;50.000.000;0;0\r\n'
)


def read_bytes(tmp_path: Path, data: bytes, name: str, source):
    path = tmp_path / name
    path.write_bytes(data)
    return read_source(path, source, comuna_code="13122")


def test_the_whole_dipres_report_is_read_with_or_without_its_final_line_break(tmp_path):
    data = DIPRES.read_bytes()
    whole = read_bytes(tmp_path, data, DIPRES.name, DIPRES_SOURCE)
    assert whole.rows_read == 22
    stripped = read_bytes(tmp_path, data.rstrip(b"\n"), DIPRES.name, DIPRES_SOURCE)
    assert stripped.rows_read == 22
    assert stripped.tables["budget_lines"].equals(whole.tables["budget_lines"])


@pytest.mark.parametrize(
    ("cut", "words"),
    [
        (-8, r"last record \(23, from byte 2724\) has 10 of 11 cells"),  # in the footer
        (-26, "the footer row 'result row at the foot of the report'"),  # footer lost whole
        (-60, r"last record \(22, from byte"),  # mid-row, no line break
        (0.5, "last record"),  # half the file
    ],
)
def test_a_dipres_report_cut_short_is_refused_as_truncated(tmp_path, cut, words):
    data = DIPRES.read_bytes()
    end = int(len(data) * cut) if isinstance(cut, float) else len(data) + cut
    with pytest.raises(TruncatedFileError, match=words) as error:
        read_bytes(tmp_path, data[:end], DIPRES.name, DIPRES_SOURCE)
    assert error.value.type == "truncated-file"
    assert error.value.file == DIPRES.name
    assert "está cortado" in error.value.message_es


def test_a_budget_export_cut_mid_row_is_refused_but_a_whole_one_without_final_break_is_read(
    tmp_path,
):
    source = load_descriptor("budgets").source_for("ejecucion_presupuestaria_2026-10.csv")
    whole = read_bytes(
        tmp_path, BUDGET.encode("latin-1"), "ejecucion_presupuestaria_2026-10.csv", source
    )
    assert whole.tables["budget_lines"]["account_name"].tolist() == [
        "MATERIALES DE OFICINA",
        'TEXTOS "ESCOLARES"',
    ]
    no_break = BUDGET.removesuffix("\r\n").encode("latin-1")
    assert (
        read_bytes(tmp_path, no_break, "ejecucion_presupuestaria_2026-10.csv", source)
        .tables["budget_lines"]
        .equals(whole.tables["budget_lines"])
    )
    cut_mid_row = BUDGET[: BUDGET.index("50.000.000") + 2].encode("latin-1")
    with pytest.raises(TruncatedFileError, match="has 7 of 10 cells"):
        read_bytes(tmp_path, cut_mid_row, "ejecucion_presupuestaria_2026-10.csv", source)
    cut_in_quotes = BUDGET[: BUDGET.index("ESCOLARES")].encode("latin-1")
    with pytest.raises(TruncatedFileError, match="ends inside a quoted cell opened on line 3"):
        read_bytes(tmp_path, cut_in_quotes, "ejecucion_presupuestaria_2026-10.csv", source)


def test_an_unbalanced_quote_that_would_swallow_the_rest_is_refused(tmp_path):
    source = load_descriptor("budgets").source_for("ejecucion_presupuestaria_2026-10.csv")
    lines = BUDGET.split("\r\n")
    plain = lines[2].replace('"TEXTOS ""ESCOLARES"""', "TEXTOS")
    broken = "\r\n".join([lines[0], lines[1].replace("MATERIALES", '"MATERIALES'), plain, ""])
    with pytest.raises(
        TruncatedFileError, match=r"opened on line 2 \(from byte 116; its last 2 lines\)"
    ):
        read_bytes(
            tmp_path, broken.encode("latin-1"), "ejecucion_presupuestaria_2026-10.csv", source
        )


OCDS = {
    "uri": "x",
    "releases": [
        {"ocid": "ocds-70d2nz-1-1-SE26", "id": "1", "date": "2026-01-01T00:00:00Z",
         "tag": ["contract"], "contracts": [{"id": "1-1-SE26", "value": {"amount": 10}}]},
    ],
}  # fmt: skip


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.95, -1])
def test_a_json_document_cut_short_is_refused_as_truncated(tmp_path, keep):
    text = json.dumps(OCDS)
    end = int(len(text) * keep) if keep > 0 else keep
    source = load_descriptor("contracts").source_for("ocds_2026-01.json")
    assert source is not None and source.format == "ocds"
    with pytest.raises(TruncatedFileError, match="the JSON is truncated"):
        read_bytes(tmp_path, text[:end].encode(), "ocds_2026-01.json", source)


def test_json_with_an_error_in_the_middle_is_invalid_not_truncated(tmp_path):
    source = load_descriptor("contracts").source_for("ocds_2026-01.json")
    text = json.dumps(OCDS).replace('"uri": "x",', '"uri": "x",,')
    with pytest.raises(SourceError, match="invalid JSON") as error:
        read_bytes(tmp_path, text.encode(), "ocds_2026-01.json", source)
    assert error.value.type == "source-error"
