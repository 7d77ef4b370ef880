"""The validation report per source file: model, page and `abierto validate`, on a broken
copy of the purchase-order fixture (the officer's view: row, column, problem, expectation)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from datasets.descriptor import load_descriptor
from datasets.ingest import read_source
from datasets.municipalities import comunas_table, load_installation
from pipelines.cli import app
from publish.file_report_page import render_file_report, report_stems, write_file_reports
from quality.file_report import build_file_report, expected
from quality.validate import source_checks, validate_raw
from schemas import load_descriptor as load_schema_descriptor

FIXTURE = Path(__file__).parents[1] / "pipelines" / "fixtures" / "ordenes_de_compra_2026-10.csv"
SCRIPT = "<script>alert(1)</script>"
# (file row, header label) → value written; order 2431-162-AG26 is row 7, 2431-164-CM26 rows 8-12.
BREAKS = {
    (3, "cantidad"): "-3",
    (5, "codigoProductoONU"): SCRIPT,
    (7, "FechaCreacion"): "31/10/2026",
    **{(row, "Estado"): "Rechazada" for row in range(8, 13)},
}
runner = CliRunner()


def break_cells(source: Path, target: Path, changes: dict[tuple[int, str], str]) -> Path:
    """A copy of a Latin-1, `;`-separated export with some cells rewritten."""
    lines = source.read_bytes().decode("latin-1").split("\r\n")
    header = lines[0].split(";")
    for (row, label), value in changes.items():
        cells = lines[row - 1].split(";")
        cells[header.index(label)] = value
        lines[row - 1] = ";".join(cells)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes("\r\n".join(lines).encode("latin-1"))
    return target


@pytest.fixture
def broken(tmp_path) -> Path:
    return break_cells(FIXTURE, tmp_path / "in" / FIXTURE.name, BREAKS)


def validate_json(path: Path) -> dict:
    args = ["validate", str(path), "--dataset", "contracts", "--date", "2026-11-02", "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert SCRIPT not in result.output and "Rechazada" not in result.output  # no values
    return json.loads(result.output)


def test_errors_point_at_the_row_and_column_of_the_file_with_what_was_expected(broken):
    report = validate_json(broken)
    found = [(e["row"], e["column"], e["type"], e["constraint"]) for e in report["errors"]]
    assert found == [
        (3, "cantidad", "constraint-error", "minimum"),
        (5, "codigoProductoONU", "constraint-error", "pattern"),
        (7, "FechaCreacion", "type-error", None),
        (7, "Codigo", "foreign-key", None),  # the line of an order that has errors
        (8, "Estado", "constraint-error", "enum"),
        *[(row, "Codigo", "foreign-key", None) for row in range(8, 13)],
    ]
    expected = {(e["row"], e["column"]): e["expected"] for e in report["errors"]}
    assert expected[(3, "cantidad")] == {"es": "un número ≥ 0", "en": "a number ≥ 0"}
    assert expected[(5, "codigoProductoONU")]["es"] == "exactamente 8 dígitos"
    assert expected[(7, "FechaCreacion")] == {
        "es": "una fecha AAAA-MM-DD hh:mm:ss o AAAA-MM-DD",
        "en": "a date YYYY-MM-DD hh:mm:ss or YYYY-MM-DD",
    }
    # The allowed states as the export writes them (the descriptor's map), not our codes.
    assert expected[(8, "Estado")]["es"].startswith("uno de: Enviada a proveedor, En proceso,")
    assert "enviada_proveedor" not in expected[(8, "Estado")]["es"]
    what = {(e["row"], e["column"]): e["what"] for e in report["errors"]}
    repeated = {(e["row"], e["column"]): e["repeated"] for e in report["errors"]}
    assert repeated[(8, "Estado")] == {  # an order's state is on each of its lines
        "es": "se repite en cada fila con el mismo Codigo: corríjalo en todas",
        "en": "repeated on every row with the same Codigo: fix it on all of them",
    }
    assert repeated[(3, "cantidad")] is None
    assert what[(3, "cantidad")] == {"es": "valor demasiado bajo", "en": "value too low"}
    assert what[(8, "Estado")]["es"] == "valor no permitido"

    groups = [
        (g["column"], g["type"], g["count"], g["first_rows"]) for g in report["errors_by_column"]
    ]
    assert groups[0] == ("Codigo", "foreign-key", 6, [7, 8, 9, 10, 11])
    assert sorted(groups[1:]) == [
        ("Estado", "constraint-error", 1, [8]),
        ("FechaCreacion", "type-error", 1, [7]),
        ("cantidad", "constraint-error", 1, [3]),
        ("codigoProductoONU", "constraint-error", 1, [5]),
    ]
    assert report["errors_total"] == report["errors_shown"] == 10


def test_rows_reconcile_and_the_invalid_share_says_why_it_would_block(broken):
    report = validate_json(broken)
    rows = report["rows"]
    assert (rows["table"], rows["read"], rows["valid"], rows["quarantined"]) == (
        "purchase_order_items",
        11,
        3,
        8,
    )
    assert rows["held"] is None and rows["excluded"] == 0 and rows["balanced"]
    assert report["tables"]["purchase_orders"] == {"rows_valid": 2, "rows_quarantined": 2}
    assert report["file"]["encoding"] == "iso8859_1" and report["file"]["delimiter"] == ";"
    assert report["file"]["header_row"] == 1 and len(report["file"]["sha256"]) == 64
    shares = {s["table"]: s for s in report["publication"]["invalid_share"]}
    assert shares["purchase_orders"] | {"share": None} == {
        "file": "99901/ordenes_de_compra_2026-10.csv",
        "table": "purchase_orders",
        "rows_invalid": 2,
        "rows_total": 4,
        "share": None,
        "maximum": 0.05,
        "exceeded": True,
    }
    assert report["publication"]["blocked"]
    assert report["publication"]["reasons"][0]["es"] == (
        "99901/ordenes_de_compra_2026-10.csv, purchase_orders: 2 de 4 filas inválidas, "
        "sobre el máximo de 5%"
    )


def test_the_page_escapes_what_the_file_holds_and_is_the_same_bytes_each_run(broken, tmp_path):
    pages = []
    for name in ("a.html", "b.html"):
        page = tmp_path / name
        args = ["validate", str(broken), "--dataset", "contracts", "--date", "2026-11-02"]
        result = runner.invoke(app, [*args, "--html", str(page)])
        assert result.exit_code == 2, result.output
        assert SCRIPT not in result.output and "31/10/2026" not in result.output
        # The terminal shows the same report: the file's column, what was expected.
        words = set(re.findall(r"\w+", result.output))
        assert {"cantidad", "quantity", "exactamente", "dígitos", "AAAA", "YYYY"} <= words
        assert f"PRIVADO / PRIVATE): {page}" in result.output
        pages.append(page.read_bytes())
    assert pages[0] == pages[1]
    html = pages[0].decode("utf-8")
    assert html.startswith('<!DOCTYPE html>\n<html lang="es">')
    assert "<script" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Rechazada" in html and "31/10/2026" in html  # private: the values written
    assert not re.search(r'(src|href)="(https?:)?//', html)  # self-contained
    assert '<th scope="row" class="n">7</th>' in html
    assert "FechaCreacion" in html and "una fecha AAAA-MM-DD hh:mm:ss o AAAA-MM-DD" in html
    assert "Publicación detenida" in html and "Publication blocked" in html
    assert "2 de 4 filas inválidas" in html and "2026-11-02" in html


def _model(path: Path, **options) -> dict:
    dataset = load_descriptor("contracts")
    source = dataset.require_source(path.name)
    raw = read_source(path, source, comuna_code="99901")
    references, valid, quarantined = {"comunas": comunas_table(load_installation())}, {}, {}
    for table in dataset.tables:
        result = validate_raw(
            raw.tables[table],
            load_schema_descriptor(table),
            references=references,
            checks=source_checks([raw], table),
        )
        references[table] = result.valid
        valid[table], quarantined[table] = len(result.valid), result.quarantined
    return build_file_report(
        dataset="contracts",
        comuna_code="99901",
        provenance=raw.provenance,
        source=source,
        quarantined=quarantined,
        valid=valid,
        held={t: 0 for t in dataset.tables},
        blocked=[],
        shares=[],
        run_date="2026-11-02",
        **options,
    )


def test_a_long_error_list_is_cut_and_says_how_many_more(broken):
    report = _model(broken, max_errors=4)
    assert (report["errors_total"], report["errors_shown"]) == (10, 4)
    assert [e["row"] for e in report["errors"]] == [3, 5, 7, 7]
    assert sum(g["count"] for g in report["errors_by_column"]) == 10  # groups count them all
    html = render_file_report(report)
    assert "Se muestran los primeros 4 de 10 errores; faltan 6." in html
    assert "Showing the first 4 of 10 errors; 6 more are not shown." in html
    assert html.count('<th scope="row" class="n">') == 4


def test_the_folder_gets_one_report_per_file_and_an_index_replacing_older_ones(broken, tmp_path):
    folder = tmp_path / "quarantine" / "99901" / "contracts"
    folder.mkdir(parents=True)
    (folder / "ordenes_de_compra_2026-08.report.html").write_text("from an earlier run")
    clean = tmp_path / "in" / "ordenes_de_compra_2026-09.csv"
    clean.write_bytes(FIXTURE.read_bytes())
    write_file_reports(
        folder,
        [_model(broken), _model(clean)],
        dataset="contracts",
        comuna_code="99901",
        run_date="2026-11-02",
        rejected=[{"file": "oc.pdf", "message_es": "formato no aceptado", "message_en": "no"}],
    )
    assert sorted(p.name for p in folder.iterdir()) == [
        "index.html",
        "ordenes_de_compra_2026-09.report.html",
        "ordenes_de_compra_2026-09.report.json",
        "ordenes_de_compra_2026-10.report.html",
        "ordenes_de_compra_2026-10.report.json",
    ]
    index = (folder / "index.html").read_text("utf-8")
    assert '<a href="ordenes_de_compra_2026-10.report.html">ordenes_de_compra_2026-10.csv</a>' in (
        index
    )
    assert "oc.pdf" in index and "formato no aceptado" in index
    saved = json.loads((folder / "ordenes_de_compra_2026-09.report.json").read_text("utf-8"))
    assert saved["errors"] == [] and saved["rows"]["balanced"] and saved["rows"]["valid"] == 11


def test_files_sharing_a_stem_keep_their_whole_names():
    assert report_stems(["a.csv", "a.json", "b.csv"]) == {
        "a.csv": "a.csv",
        "a.json": "a.json",
        "b.csv": "b",
    }


def test_what_is_expected_is_said_in_the_terms_of_the_files_descriptor():
    source = load_descriptor("budgets").sources[0]  # the municipal balance CSV
    columns = source.tables["budget_lines"].columns
    schema = load_schema_descriptor("budget_lines")
    fields = {f["name"]: f for f in schema["fields"]}

    def words(kind, name, constraint=None):
        return expected(kind, fields[name], columns[name], constraint, schema)

    # Amounts are read with Chilean marks: a sample the office would write.
    assert words("type-error", "amount_paid_clp") == (
        "un número entero, p. ej. 1.234",
        "a whole number, e.g. 1.234",
    )
    assert words("type-error", "month")[0] == "un número entero, p. ej. 1234"  # «Mes»: 10
    penalolen = load_descriptor("budgets").sources[1].tables["budget_lines"].columns
    assert expected("type-error", fields["month"], penalolen["month"], None, schema)[0] == (
        "un mes: número de 1 a 12 o su nombre"
    )
    assert words("constraint-error", "month", "maximum") == (
        "un número entero ≤ 12",
        "a whole number ≤ 12",
    )
    assert words("constraint-error", "area", "enum") == (
        "uno de: Municipal, Educación, Salud, Cementerio",
        "one of: Municipal, Educación, Salud, Cementerio",
    )
    assert words("constraint-error", "account_name", "required")[0] == (
        "un valor: la celda no puede quedar vacía"
    )
    assert expected("foreign-key", fields["comuna_code"], None, None, schema) == (
        "el código CUT de una comuna configurada",
        "the CUT code of a configured comuna",
    )
    # Without a mapping, the schema's labels of the codes.
    status = load_schema_descriptor("purchase_orders")
    field = next(f for f in status["fields"] if f["name"] == "status")
    es, en = expected("constraint-error", field, None, "enum", status)
    assert es.startswith("uno de: Enviada a proveedor, En proceso, Aceptada")
    assert en.startswith("one of: Sent to supplier, In process, Accepted")
