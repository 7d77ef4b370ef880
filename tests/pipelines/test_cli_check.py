"""`abierto check`: the quality rules from the command line, nothing published."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from pipelines.cli import app

runner = CliRunner()
BROKEN = Path(__file__).parent / "fixtures" / "ordenes_de_compra_2026-10.csv"


def test_check_has_help_with_an_example_and_is_in_the_readme():
    result = runner.invoke(app, ["check", "--help"])
    assert result.exit_code == 0
    assert "Example: abierto check" in result.output
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    assert "abierto check" in readme


def test_check_of_the_landed_samples_passes_with_the_budget_warning(demo_home):
    args = ["check", "--dataset", "budgets", "--home", str(demo_home.root), "--json"]
    result = runner.invoke(app, [*args, "--date", "2026-11-02"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert len(report["files"]) == 2
    rules = {r["rule"]: r for r in report["quality"]["rules"]}
    assert rules["accrued-not-above-current"]["rows_affected"] == 2
    assert rules["accrued-not-above-current"]["sample_keys"][0]["account_code"] == "03.02.001"
    assert report["blocked"] == []


def test_check_of_a_broken_export_names_the_rule_and_the_order(tmp_path):
    result = runner.invoke(app, ["check", "--dataset", "contracts", str(BROKEN)])
    assert result.exit_code == 2
    assert "[error] order-net-equals-items: 1/4" in result.output
    assert "2431-157-CM26" in result.output
    assert "Traceback" not in result.output


def test_run_says_which_dataset_is_blocked_and_why(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    home = tmp_path / "home"
    landed = home / "landing" / "99901" / "contracts" / BROKEN.name
    landed.parent.mkdir(parents=True)
    landed.write_bytes(BROKEN.read_bytes())
    result = runner.invoke(app, ["run", "--home", str(home), "--date", "2026-11-02"])
    assert result.exit_code == 1, result.output  # a blocked dataset is not a success
    assert "contracts 99901 bloqueado / blocked:" in result.output
    assert "order-net-equals-items" in result.output
