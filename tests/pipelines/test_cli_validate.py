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
