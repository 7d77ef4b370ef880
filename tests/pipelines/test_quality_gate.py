"""Quality results reach Dagster as asset checks, and an error blocks only its dataset
in its comuna (the comuna keeps its previous data in the catalog)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import dagster as dg

from datasets.municipalities import load_installation
from pipelines import steps, warehouse
from pipelines.definitions import defs
from pipelines.resources import AbiertoResource
from pipelines.runner import run_all
from quality.rules import RULES
from tests.conftest import DEMO_CUT, RUN_DATE

BROKEN = Path(__file__).parent / "fixtures" / "ordenes_de_compra_2026-10.csv"
NEXT_RUN = "2026-12-02"


def run(home, date):
    """The demo comuna's run, then the catalog's, as `abierto run` does."""
    resource = AbiertoResource(home_dir=str(home.root), run_date=date)
    outcome = run_all(defs, resource)
    assert outcome.success
    checks = {
        (e.asset_key.to_user_string(), e.check_name): e
        for result in outcome.results
        for e in result.get_asset_check_evaluations()
    }
    return outcome, checks


def test_every_rule_family_is_an_asset_check_and_the_samples_pass_their_errors(demo_home):
    _, checks = run(demo_home, RUN_DATE)
    removed = set().union(
        *(warehouse.combine(demo_home, slug, [DEMO_CUT]).dropped_values for slug in RULES)
    )
    metadata = json.dumps(
        [{k: str(v.value) for k, v in e.metadata.items()} for e in checks.values()]
    )
    leaked = {v for v in removed if len(v) > 3 and v in metadata}
    assert removed and not leaked  # no personal value in any check's metadata
    for slug, rules in RULES.items():
        for family in {r.family for r in rules}:
            evaluation = checks[(f"publish_{slug}", f"quality_{family}")]
            assert evaluation.passed or evaluation.severity == dg.AssetCheckSeverity.WARN
    phases = checks[("publish_budgets", "quality_phases")]
    assert not phases.passed and phases.severity == dg.AssetCheckSeverity.WARN
    warning = phases.metadata["accrued-not-above-current"].value
    assert (warning["severity"], warning["rows_failed"]) == ("warning", 2)
    spanish = (demo_home.site / "datasets" / "budgets" / "index.html").read_text()
    english = (demo_home.site / "en" / "datasets" / "budgets" / "index.html").read_text()
    assert "7 reglas revisadas: 6 se cumplen, 0 errores, 1 avisos." in spanish
    assert "(accrued-not-above-current): warning: 2 of 128 rows" in english


def test_a_broken_export_blocks_its_dataset_while_the_others_publish(demo_home):
    run(demo_home, RUN_DATE)
    landed = demo_home.landing / "99901" / "contracts" / BROKEN.name
    shutil.copyfile(BROKEN, landed)
    outcome, checks = run(demo_home, NEXT_RUN)

    amounts = checks[("publish_contracts", "quality_amounts")]
    assert not amounts.passed and amounts.severity == dg.AssetCheckSeverity.ERROR
    found = amounts.metadata["order-net-equals-items"].value
    assert found == {
        "severity": "error",
        "rows_checked": found["rows_checked"],
        "rows_failed": 1,
        "sample_keys": [{"order_id": "2431-157-CM26"}],
    }
    assert not checks[("publish_contracts", "publish_gate")].passed
    blocked = outcome.blocked[(DEMO_CUT, "contracts")]
    assert [r["type"] for r in blocked] == ["quality"]
    assert "order-net-equals-items" in blocked[0]["es"] and "1 of" in blocked[0]["en"]

    state = json.loads((demo_home.site / "catalog.json").read_text())
    releases = {slug: entry["release_id"] for slug, entry in state["datasets"].items()}
    assert releases == {
        "budgets": NEXT_RUN,
        "contracts": RUN_DATE,
        "access_requests": NEXT_RUN,
        "indicators": NEXT_RUN,  # computed from the three as published, contracts carried
    }
    statuses = {r["dataset"]: r["status"] for r in state["comunas"]}
    assert statuses == {
        "budgets": "published",
        "contracts": "carried",
        "access_requests": "published",
    }
    previous = demo_home.site / "releases" / RUN_DATE / "contracts" / "purchase_orders.csv"
    carried = demo_home.site / "releases" / NEXT_RUN / "contracts" / "purchase_orders.csv"
    assert carried.read_bytes() == previous.read_bytes()  # the broken export is not published
    quality = state["datasets"]["budgets"]["summary"]["quality"]
    assert (quality["rules_run"], quality["errors"], quality["warnings"]) == (7, 0, 1)


def test_a_totals_row_that_does_not_add_up_blocks_the_budgets(demo_home):
    landed = demo_home.landing / "99901" / "budgets" / "ejecucion_presupuestaria_2026-10.csv"
    text = landed.read_bytes().decode("latin-1")
    assert ";TOTAL GASTOS;42.859.779.000;" in text
    landed.write_bytes(
        text.replace(";TOTAL GASTOS;42.859.779.000;", ";TOTAL GASTOS;42.859.779.001;").encode(
            "latin-1"
        )
    )
    installation = load_installation()
    ingested = steps.ingest(demo_home, installation, "budgets")
    validated = steps.validate(ingested, installation, demo_home.quarantine)
    prepared = steps.prepare(validated, installation, as_of=dt.date(2026, 11, 2))
    totals = {f.rule: f for f in prepared.quality.findings}["totals-row-matches-detail"]
    assert totals.sample == [
        {"source_file": "99901/ejecucion_presupuestaria_2026-10.csv", "source_row": 67}
    ]
    assert [r["type"] for r in prepared.blocked] == ["quality"]
