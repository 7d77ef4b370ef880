"""The CLI: every command documented with an example; user mistakes are one-line errors."""

from __future__ import annotations

import json

import dagster as dg
import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from tests.pipelines.instances import persistent

runner = CliRunner()
COMMANDS = ("run", "validate", "serve", "ui")


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command):
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "Example: abierto" in result.output


def test_every_command_is_documented_in_the_readme():
    readme = (__import__("pathlib").Path(__file__).parents[2] / "README.md").read_text()
    for command in COMMANDS:
        assert f"abierto {command}" in readme


def test_validate_reports_a_clean_sample(demo_home):
    sample = demo_home.landing / "99901" / "contracts" / "ordenes_de_compra_2026-10.csv"
    result = runner.invoke(app, ["validate", str(sample), "--dataset", "contracts", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["rows"]["read"] == 100 and report["rows"]["balanced"]
    assert report["tables"]["purchase_order_items"]["rows_valid"] == 100
    assert report["tables"]["purchase_orders"]["rows_valid"] == 40
    assert report["errors"] == [] and not report["publication"]["blocked"]


def test_validate_points_at_row_and_column_of_bad_values(demo_home, tmp_path):
    sample = demo_home.landing / "99901" / "budgets" / "ejecucion_presupuestaria_2026-10.csv"
    lines = sample.read_bytes().decode("latin-1").split("\r\n")
    cells = lines[3].split(";")
    cells[6] = "mil pesos"
    lines[3] = ";".join(cells)
    broken = tmp_path / sample.name
    broken.write_bytes("\r\n".join(lines).encode("latin-1"))
    result = runner.invoke(app, ["validate", str(broken), "--dataset", "budgets", "--json"])
    assert result.exit_code == 2
    errors = json.loads(result.output)["errors"]
    assert [(e["row"], e["field"], e["type"]) for e in errors] == [
        (4, "amount_initial_clp", "type-error")
    ]
    assert "mil pesos" not in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["validate", "{file}", "--dataset", "nope"], "unknown dataset"),
        (["validate", "{file}", "--dataset", "budgets"], "no source format"),
        (["run", "--date", "2026-13-01", "--home", "{home}"], "error"),
        (["serve", "--home", "{home}"], "no published catalog"),
    ],
)
def test_user_mistakes_are_one_line_errors_without_traceback(tmp_path, args, message):
    file = tmp_path / "export.txt"
    file.write_text("a;b\n1;2\n")
    args = [a.format(file=file, home=tmp_path / "home") for a in args]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


def test_run_demo_publishes_and_says_where(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    home = tmp_path / "home"
    result = runner.invoke(app, ["run", "--demo", "--home", str(home), "--date", "2026-11-02"])
    assert result.exit_code == 0, result.output
    assert str(home / "site" / "index.html") in result.output
    assert "abierto serve" in result.output
    assert (home / "site" / "releases" / "2026-11-02" / "contracts" / "datapackage.json").exists()
    # the steps' outputs (raw rows with personal data among them) never went to disk
    assert not list((tmp_path / "dagster").glob("storage/*_*/*"))


def test_a_rerun_on_another_day_with_the_same_exports_makes_no_new_release(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    home = str(tmp_path / "home")
    assert (
        runner.invoke(app, ["run", "--demo", "--home", home, "--date", "2026-11-02"]).exit_code == 0
    )
    again = runner.invoke(app, ["run", "--home", home, "--date", "2026-11-03"])
    assert again.exit_code == 0, again.output
    assert "no new release" in again.output
    assert sorted(p.name for p in (tmp_path / "home" / "releases").iterdir()) == ["2026-11-02"]


def test_a_rerun_with_nothing_changed_starts_no_dagster_run(tmp_path, monkeypatch):
    """The same exports on the same day: every unit carried, the catalog not run, exit 0."""
    dagster_home = tmp_path / "dagster"
    monkeypatch.setenv("DAGSTER_HOME", str(dagster_home))
    home = str(tmp_path / "home")
    first = runner.invoke(app, ["run", "--demo", "--home", home, "--date", "2026-11-02"])
    assert first.exit_code == 0, first.output
    with persistent(dagster_home) as instance:
        runs = len(instance.get_runs())
    again = runner.invoke(app, ["run", "--home", home, "--date", "2026-11-02"])
    assert again.exit_code == 0, again.output
    assert "no new release" in again.output
    with persistent(dagster_home) as instance:
        assert len(instance.get_runs()) == runs
        carried = instance.fetch_observations(dg.AssetKey("publish_budgets"), limit=1)
        assert carried.records[0].asset_observation.metadata["carried"].value is True
    assert sorted(p.name for p in (tmp_path / "home" / "releases").iterdir()) == ["2026-11-02"]
