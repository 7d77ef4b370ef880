import json

import pytest
from typer.testing import CliRunner

from datasets.descriptor import DATASETS_DIR
from pipelines.cli import app
from tests.conftest import REFERENCE_DATA

EXAMPLE = DATASETS_DIR / "examples" / "access_requests_foreign.dataset.yaml"


def test_validate_with_a_descriptor_file_reports_detection_and_exclusions():
    export = REFERENCE_DATA / "request-logs" / "doj_ola_foia_log_2017_tabula_raw_TAB.csv"
    if not export.exists():
        pytest.skip(f"reference data not found at {REFERENCE_DATA}")
    args = ["validate", str(export), "--dataset", "access_requests", "--descriptor", str(EXAMPLE)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "270 filas leídas" in result.output
    assert "1 repeated-header" in result.output and "25 wrapped-text-fragment" in result.output
    assert "delimiter '\\t'" in result.output
    assert "244 válidas / valid, 0 en cuarentena" in result.output


def test_validate_refuses_a_descriptor_of_another_dataset(tmp_path):
    export = tmp_path / "x.csv"
    export.write_text("a\n1\n", encoding="utf-8")
    args = ["validate", str(export), "--dataset", "budgets", "--descriptor", str(EXAMPLE)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code != 0
    assert "access_requests" in result.output


NATIONAL_FILE = DATASETS_DIR / "samples" / "_national" / "contracts"


def national_export():
    (path,) = sorted(NATIONAL_FILE.glob("*.csv"))
    return path


def test_validate_a_national_file_reports_its_routing_then_validates_every_comuna(tmp_path):
    result = CliRunner().invoke(app, ["validate", str(national_export()), "--dataset", "contracts"])
    assert result.exit_code == 2, result.output  # unmatched rows are reported, not lost
    out = result.output
    assert (
        "89 filas / rows → 54 enrutadas a 6 comunas / routed to 6 comunas, 16 excluidas / "
        "excluded, 19 sin municipalidad / unmatched" in out
    )
    assert "excluidas / excluded (comprador que no es una municipalidad" in out
    assert "I MUNICIPALIDAD DE VILLA INEXISTENTE: 7" in out
    assert "por comuna / per comuna: 08108 (10), 08301 (7), 13101 (17)" in out
    # then the routed rows are validated as one export, with the national row numbers
    assert "(mercado_publico_oc_nacional): 54 filas leídas" in out
    assert "purchase_order_items: 54 válidas / valid, 0 en cuarentena" in out
    assert out.index("enrutadas") < out.index("filas leídas")


def test_validate_a_national_file_for_one_comuna_as_json():
    args = ["validate", str(national_export()), "--dataset", "contracts"]
    result = CliRunner().invoke(app, [*args, "--comuna", "13120", "--json"])
    assert result.exit_code == 2, result.output
    report = json.loads(result.output)
    assert report["rows"]["read"] == 11 and report["comuna_code"] == "13120"
    routing = report["routing"]
    assert (routing["rows_in"], routing["rows_routed"], routing["rows_excluded"]) == (89, 54, 16)
    assert routing["unmatched"]["unknown-municipal-buyer"] == 14
    assert "buyers" not in routing and "VILLA INEXISTENTE" not in result.output
