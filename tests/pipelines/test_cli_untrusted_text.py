"""Text from a landed file is never read as Rich markup or emoji codes (issue 15, item 7)."""

from __future__ import annotations

from typer.testing import CliRunner

from datasets.descriptor import DATASETS_DIR
from pipelines.cli import app

SAMPLE = DATASETS_DIR / "samples" / "99901" / "budgets" / "ejecucion_presupuestaria_2026-10.csv"


def test_markup_and_emoji_codes_in_a_header_are_printed_as_written(tmp_path):
    text = SAMPLE.read_bytes().decode("latin-1")
    text = text.replace("Denominación", ":x: Nombre[/x] [bold]", 1)
    export = tmp_path / SAMPLE.name
    export.write_bytes(text.encode("latin-1"))
    result = CliRunner().invoke(app, ["validate", str(export), "--dataset", "budgets"])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)  # typed error, not a MarkupError
    assert "[header-error]" in result.output
    assert ":x: Nombre[/x] [bold]" in result.output
    assert "❌" not in result.output


def test_a_file_name_with_markup_is_printed_as_written(tmp_path):
    export = tmp_path / "ejecucion_presupuestaria_[red]x[bold].csv"
    export.write_bytes(SAMPLE.read_bytes())
    result = CliRunner().invoke(app, ["validate", str(export), "--dataset", "budgets"])
    assert result.exit_code == 0, result.output
    assert "ejecucion_presupuestaria_[red]x[bold].csv (balance_ejecucion_csv)" in result.output
