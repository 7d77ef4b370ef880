"""Each dataset's chain materialised through Dagster on a tmp ABIERTO_HOME."""

from __future__ import annotations

import json

import dagster as dg
import duckdb
import frictionless
import pytest

from datasets.descriptor import SLUGS, load_descriptor
from pipelines import warehouse
from pipelines.definitions import defs
from pipelines.resources import AbiertoResource
from pipelines.runner import run_all
from publish.catalog import build_package
from tests.conftest import DEMO_CUT, RUN_DATE


def materialize(home, selection):
    resource = AbiertoResource(home_dir=str(home.root), run_date=RUN_DATE)
    result = dg.materialize(
        list(defs.assets or []),
        resources={"abierto": resource},
        selection=selection,
        partition_key=DEMO_CUT,
    )
    assert result.success
    return result


def run_everything(home, run_date=RUN_DATE):
    """Every comuna's partition run, then the catalog, as `abierto run` does."""
    resource = AbiertoResource(home_dir=str(home.root), run_date=run_date)
    outcome = run_all(defs, resource)
    assert outcome.success
    return outcome


@pytest.mark.parametrize("slug", SLUGS)
def test_dataset_chain_publishes_a_valid_package(demo_home, slug):
    result = materialize(demo_home, [f"ingest_{slug}", f"validate_{slug}", f"publish_{slug}"])
    assert result.output_for_node(f"publish_{slug}") == {"comuna_code": DEMO_CUT, "blocked": []}
    resource = AbiertoResource(home_dir=str(demo_home.root), run_date=RUN_DATE)
    combined = warehouse.combine(demo_home, slug, [DEMO_CUT])
    folder = demo_home.warehouse / "packages" / slug
    built = build_package(
        combined,
        resource.installation(),
        folder,
        release_id=RUN_DATE,
        generated_on=resource.today(),
    )
    assert not built.blocked
    report = frictionless.validate(folder / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldNumber", "type", "note"])

    ingested = result.output_for_node(f"ingest_{slug}")
    validated = result.output_for_node(f"validate_{slug}")
    descriptor = load_descriptor(slug)
    for table in descriptor.tables:
        csv_rows = duckdb.sql(
            f"select count(*) from read_csv('{folder / table}.csv', all_varchar=true)"
        ).fetchall()[0][0]
        parquet_rows = duckdb.sql(f"select count(*) from '{folder / table}.parquet'").fetchall()[0][
            0
        ]
        assert csv_rows == parquet_rows == built.summary["previews"][table]["rows_total"]
    row_table = descriptor.sources[0].row_table
    rows_read = sum(raw.rows_read for _, raw in ingested.sources)
    excluded = sum(len(raw.excluded) for _, raw in ingested.sources)
    quarantined = len(validated.quarantined[row_table])
    held = built.summary["rows_held"]
    published = duckdb.sql(f"select count(*) from '{folder / row_table}.parquet'").fetchall()[0][0]
    assert published == rows_read - excluded - quarantined - held
    assert published > 0
    # each landed file's provenance reaches the package's sources and the quarantine report
    package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    report = json.loads(
        (demo_home.quarantine / DEMO_CUT / slug / "report.json").read_text(encoding="utf-8")
    )
    for entry, source in zip(package["sources"], report["sources"], strict=True):
        assert entry["title"] == source["name"] and entry["x-sha256"] == source["sha256"]
        assert entry["x-bytes"] == source["bytes"] > 0
        assert "x-encoding" in entry or "x-sheet" in entry
        assert sum(entry["x-rows-excluded"].values()) == source["rows_excluded"]
    if slug == "access_requests":  # no pseudonym key configured: the field stays empty
        keys = duckdb.sql(f"select count(requester_key) from '{folder / row_table}.parquet'")
        assert keys.fetchall()[0][0] == 0
        [materialization] = result.asset_materializations_for_node(f"publish_{slug}")
        notes = materialization.metadata["privacy_notes"].value
        assert notes == [
            "'requester_key' is published empty: the secret key ABIERTO_PSEUDONYM_KEY is "
            "not set or shorter than 16 characters"
        ]


def test_a_run_lets_go_of_each_step_s_tables_once_the_next_step_used_them(demo_home):
    # `abierto run` keeps each step's output in memory until the run ends (Dagster's
    # in-process runs): the raw and valid tables are dropped once used
    outcome = run_everything(demo_home)
    units = [r for r in outcome.results if r.dagster_run.tags.get("abierto/dataset")]
    assert {r.dagster_run.tags["abierto/dataset"] for r in units} == set(SLUGS)
    for result in units:
        slug = result.dagster_run.tags["abierto/dataset"]
        ingested = result.output_for_node(f"ingest_{slug}")
        assert ingested.sources and all(raw.tables == {} for _, raw in ingested.sources)
        assert all(raw.rows_read > 0 for _, raw in ingested.sources)  # provenance stays
        assert result.output_for_node(f"validate_{slug}").valid == {}


def test_whole_catalog_is_published(demo_home):
    resource = AbiertoResource(home_dir=str(demo_home.root), run_date=RUN_DATE)
    with dg.DagsterInstance.ephemeral() as instance:
        outcome = run_all(defs, resource, instance)
    assert outcome.catalog_ok and not outcome.comunas_failed
    site = demo_home.site
    state = json.loads((site / "catalog.json").read_text())
    assert set(state["datasets"]) == {*SLUGS, "indicators"}
    assert (site / "index.html").exists()
    for slug in SLUGS:
        assert (site / "datasets" / slug / "index.html").exists()
        package = site / "releases" / RUN_DATE / slug / "datapackage.json"
        assert frictionless.validate(package).valid


def test_a_dataset_with_an_unreadable_export_keeps_its_previous_release(demo_home):
    run_everything(demo_home)
    broken = demo_home.landing / "99901" / "budgets" / "ejecucion_presupuestaria_2026-10.csv"
    broken.write_bytes("Año;Mes\r\n2026;10\r\n".encode("latin-1"))
    outcome = run_everything(demo_home, "2026-12-02")
    assert [r["type"] for r in outcome.blocked[(DEMO_CUT, "budgets")]] == ["rejected-file"]
    state = json.loads((demo_home.site / "catalog.json").read_text())
    assert state["release_id"] == "2026-12-02"
    assert state["datasets"]["budgets"]["release_id"] == RUN_DATE
    assert state["datasets"]["contracts"]["release_id"] == "2026-12-02"
    statuses = {r["dataset"]: r["status"] for r in state["comunas"]}
    assert statuses == {
        "budgets": "carried",
        "contracts": "published",
        "access_requests": "published",
    }
    previous = demo_home.site / "releases" / RUN_DATE / "budgets" / "budget_lines.csv"
    carried = demo_home.site / "releases" / "2026-12-02" / "budgets" / "budget_lines.csv"
    assert carried.read_bytes() == previous.read_bytes()
    report = json.loads((demo_home.quarantine / DEMO_CUT / "budgets" / "report.json").read_text())
    assert [e["type"] for e in report["rejected_files"]] == ["header-error"]
