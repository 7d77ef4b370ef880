"""Through Dagster: every landed file gets its private validation report beside the
quarantine, and none of it reaches the public site."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from datasets.descriptor import SLUGS
from pipelines.cli import app, seed_demo
from pipelines.home import Home
from publish.leaks import scan_for_values
from tests.conftest import DEMO_CUT
from tests.pipelines.test_canaries import public_texts, run_all
from tests.quality.test_file_report import SCRIPT, break_cells


def test_each_file_gets_a_private_report_and_none_reaches_the_site(demo_home):
    landed = demo_home.landing / DEMO_CUT / "contracts" / "ordenes_de_compra_2026-10.csv"
    break_cells(landed, landed, {(3, "cantidad"): "-3", (5, "codigoProductoONU"): SCRIPT})
    outcome = run_all(demo_home)
    assert outcome.success

    folder = demo_home.quarantine / DEMO_CUT / "contracts"
    report = json.loads((folder / "ordenes_de_compra_2026-10.report.json").read_text("utf-8"))
    assert [(e["row"], e["column"], e["type"], e["value"]) for e in report["errors"]] == [
        (3, "cantidad", "constraint-error", "-3"),
        (5, "codigoProductoONU", "constraint-error", SCRIPT),
    ]
    rows = report["rows"]
    assert (rows["read"], rows["quarantined"], rows["excluded"]) == (100, 2, 0)
    assert rows["valid"] + rows["held"] == 98 and rows["balanced"]
    # The publish gate's reasons: without the two lines, the orders no longer add up.
    reasons = report["publication"]["reasons"]
    assert reasons == outcome.blocked[(DEMO_CUT, "contracts")]
    assert [r["type"] for r in reasons] == ["quality"] and report["publication"]["blocked"]
    assert json.loads((folder / "ocds_2026-10.report.json").read_text("utf-8"))["errors"] == []
    index = (folder / "index.html").read_text("utf-8")
    assert 'href="ocds_2026-10.report.html"' in index
    assert 'href="ordenes_de_compra_2026-10.report.html"' in index
    page = (folder / "ordenes_de_compra_2026-10.report.html").read_text("utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script" not in page
    budgets = demo_home.quarantine / DEMO_CUT / "budgets"
    saved = json.loads((budgets / "ejecucion_presupuestaria_2026-10.report.json").read_text())
    assert saved["rows"]["excluded_by_reason"] == {"totals-row": 2} and saved["rows"]["balanced"]
    assert saved["rows"]["excluded_reasons"]["totals-row"]["es"].startswith("fila de totales")
    page = (budgets / "ejecucion_presupuestaria_2026-10.report.html").read_text("utf-8")
    assert "fila de totales del informe" in page and "totals row of the report" in page
    for slug in SLUGS:
        assert (demo_home.quarantine / DEMO_CUT / slug / "index.html").is_file()
    materialized = [
        m
        for result in outcome.results
        for m in result.asset_materializations_for_node("publish_contracts")
    ]
    link = materialized[-1].metadata["validation_report"].value  # on the run's page
    assert link == str(folder / "index.html")

    public = [p for p in demo_home.site.resolve().rglob("*") if p.is_file()]
    assert public and not [p for p in public if ".report." in p.name or p.name == "review.md"]
    assert not [name for name, text in public_texts(demo_home.site).items() if "alert(1)" in text]


def test_the_leak_scan_refuses_a_private_report_in_a_public_folder(tmp_path):
    (tmp_path / "contracts").mkdir()
    (tmp_path / "contracts" / "ordenes.report.html").write_text("<p>ok</p>", encoding="utf-8")
    (tmp_path / "contracts" / "ordenes.report.json").write_text("{}", encoding="utf-8")
    hits = scan_for_values(tmp_path, set())
    assert sorted((h["file"], h["kind"]) for h in hits) == [
        ("contracts/ordenes.report.html", "private-report"),
        ("contracts/ordenes.report.json", "private-report"),
    ]


def test_abierto_run_says_where_the_report_of_a_blocked_dataset_is(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    home = tmp_path / "home"
    seed_demo(Home(home))
    landed = home / "landing" / DEMO_CUT / "contracts" / "ordenes_de_compra_2026-10.csv"
    break_cells(landed, landed, {(row, "Estado"): "Rechazada" for row in range(2, 13)})
    result = CliRunner().invoke(app, ["run", "--home", str(home), "--date", "2026-11-02"])
    assert result.exit_code == 1, result.output  # a blocked dataset is not a success
    assert "contracts 99901 bloqueado / blocked" in result.output
    report = home / "quarantine" / DEMO_CUT / "contracts" / "index.html"
    assert f"private report: {report}" in result.output
    assert "budgets 99901 bloqueado" not in result.output
