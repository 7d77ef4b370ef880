"""Per-comuna partitions: a comuna's broken export blocks only that comuna; backfills."""

from __future__ import annotations

import json

import dagster as dg
import duckdb
import pytest

from datasets.samples.comunas import seed_comuna, write_installation
from pipelines import warehouse
from pipelines.definitions import build_defs
from pipelines.home import Home
from pipelines.resources import AbiertoResource
from pipelines.runner import run_all

CUTS = ["99901", "99902"]
BUDGET_FILE = "ejecucion_presupuestaria_2026-10.csv"


@pytest.fixture
def two_comunas(tmp_path):
    home = Home(tmp_path / "abierto")
    for cut in CUTS:
        seed_comuna(home.landing, cut)
    installation = write_installation(tmp_path / "municipalities.yaml", CUTS)
    return home, installation


def run(home, installation, run_date):
    resource = AbiertoResource(
        home_dir=str(home.root), installation_file=str(installation), run_date=run_date
    )
    with dg.DagsterInstance.ephemeral() as instance:
        outcome = run_all(build_defs(installation), resource, instance)
    assert outcome.catalog_ok and not outcome.comunas_failed
    return json.loads((home.site / "catalog.json").read_text("utf-8"))


def budget_rows(home, release, cut):
    path = home.site / "releases" / release / "budgets" / "budget_lines.parquet"
    return duckdb.sql(f"select * from '{path}' where comuna_code = '{cut}' order by all").fetchall()


def status(state, cut, slug):
    return next(r for r in state["comunas"] if (r["comuna_code"], r["dataset"]) == (cut, slug))


def test_broken_export_blocks_only_its_comuna(two_comunas):
    home, installation = two_comunas
    first = run(home, installation, "2026-11-02")
    assert {status(first, c, "budgets")["status"] for c in CUTS} == {"published"}
    before = {cut: budget_rows(home, "2026-11-02", cut) for cut in CUTS}
    assert all(before.values())

    (home.landing / "99902" / "budgets" / BUDGET_FILE).write_bytes(b"\x00\x01 not a budget")
    second = run(home, installation, "2026-11-03")

    broken = status(second, "99902", "budgets")
    assert broken["status"] == "carried"
    assert broken["reasons"] == ["rejected-file"]
    assert broken["published_on"] == "2026-11-02"
    assert status(second, "99901", "budgets")["status"] == "published"
    assert status(second, "99902", "contracts")["status"] == "published"
    # the new release holds both comunas: 99902 at its previous, valid data
    assert second["datasets"]["budgets"]["release_id"] == "2026-11-03"
    assert budget_rows(home, "2026-11-03", "99902") == before["99902"]
    assert budget_rows(home, "2026-11-03", "99901") == before["99901"]
    assert warehouse.status(home, "99902", "budgets").attempted_on == "2026-11-03"
    page = (home.site / "comunas" / "99902" / "index.html").read_text("utf-8")
    assert "Se mantiene la versión anterior" in page
    english = (home.site / "en" / "comunas" / "99902" / "index.html").read_text("utf-8")
    assert "Previous version kept" in english


def test_never_valid_comuna_is_blocked_and_absent(two_comunas):
    home, installation = two_comunas
    for path in (home.landing / "99902" / "budgets").iterdir():
        path.write_bytes(b"garbage")
    state = run(home, installation, "2026-11-02")
    assert status(state, "99902", "budgets")["status"] == "blocked"
    assert status(state, "99902", "budgets")["is_stale"]
    assert budget_rows(home, "2026-11-02", "99902") == []
    page = (home.site / "en" / "comunas" / "99902" / "index.html").read_text("utf-8")
    assert "Not published" in page and "Up to date until" in page
    # the page names no date it was never published on; the home page flags it stale
    home_page = (home.site / "en" / "index.html").read_text("utf-8")
    assert "comunas/99902/index.html" in home_page
    (row,) = [r for r in home_page.split("<tr data-k=")[1:] if '"comunas/99902/index.html"' in r]
    assert "Not published" in row and "stale" in row
    assert budget_rows(home, "2026-11-02", "99901")


def test_backfill_of_a_past_month_for_one_comuna(two_comunas):
    home, installation = two_comunas
    run(home, installation, "2026-11-02")
    before = {cut: budget_rows(home, "2026-11-02", cut) for cut in CUTS}

    # 99902 re-sends September with one account's name corrected
    september = home.landing / "99902" / "budgets" / "ejecucion_presupuestaria_2026-09.csv"
    content = september.read_bytes()
    assert content.count(b";PATENTES MUNICIPALES;") == 1
    september.write_bytes(content.replace(b";PATENTES MUNICIPALES;", b";PATENTES MUNICIPALES (*);"))

    defs = build_defs(installation)
    resource = AbiertoResource(
        home_dir=str(home.root), installation_file=str(installation), run_date="2026-11-20"
    )
    with dg.DagsterInstance.ephemeral() as instance:
        assets = list(defs.assets or [])
        comuna = dg.materialize(
            assets,
            selection=["ingest_budgets", "validate_budgets", "publish_budgets"],
            partition_key="99902",
            resources={"abierto": resource},
            instance=instance,
        )
        assert comuna.success
        assert dg.materialize(
            assets, selection=["catalog"], resources={"abierto": resource}, instance=instance
        ).success
    state = json.loads((home.site / "catalog.json").read_text("utf-8"))
    assert state["release_id"] == "2026-11-20"
    assert (home.site / "releases" / "2026-11-02" / "budgets").is_dir()  # old release kept
    after = {cut: budget_rows(home, "2026-11-20", cut) for cut in CUTS}
    assert after["99901"] == before["99901"]
    changed = set(after["99902"]) ^ set(before["99902"])
    assert len(changed) == 2  # one row revised: its old and its new version
    assert status(state, "99901", "budgets")["published_on"] == "2026-11-02"
    assert status(state, "99902", "budgets")["published_on"] == "2026-11-20"


def catalog_failures(home, installation, run_date):
    resource = AbiertoResource(
        home_dir=str(home.root), installation_file=str(installation), run_date=run_date
    )
    with dg.DagsterInstance.ephemeral() as instance:
        outcome = run_all(build_defs(installation), resource, instance)
    assert outcome.catalog_ok
    [materialization] = outcome.results[-1].asset_materializations_for_node("catalog")
    state = json.loads((home.site / "catalog.json").read_text("utf-8"))
    return materialization.metadata["failures"].value, state


def test_an_unreadable_part_carries_only_that_comuna(two_comunas, monkeypatch):
    home, installation = two_comunas
    run(home, installation, "2026-11-02")
    before = {cut: budget_rows(home, "2026-11-02", cut) for cut in CUTS}
    # 99902 lands a new export; its new part is damaged between its run and the catalog
    landed = home.landing / "99902" / "budgets" / BUDGET_FILE
    landed.write_bytes(landed.read_bytes().rstrip(b"\r\n").rsplit(b"\n", 1)[0] + b"\n")
    real = warehouse.record

    def record(home_, cut, prepared, run_date, **kwargs):
        real(home_, cut, prepared, run_date, **kwargs)
        if cut == "99902" and prepared.slug == "budgets":
            part = warehouse.load_part(home_, cut, "budgets")
            part.path("tables", "budget_lines").write_bytes(b"broken")

    monkeypatch.setattr(warehouse, "record", record)
    failures, state = catalog_failures(home, installation, "2026-11-03")
    assert [(f["comuna_code"], f["dataset"], f["type"]) for f in failures] == [
        ("99902", "budgets", "part-unreadable")
    ]
    assert "PartError" in failures[0]["en"] and "damaged" in failures[0]["en"]
    broken = status(state, "99902", "budgets")
    assert (broken["status"], broken["reasons"]) == ("carried", ["part-unreadable"])
    assert broken["published_on"] == "2026-11-02"
    assert status(state, "99901", "budgets")["status"] == "published"
    assert state["release_id"] == "2026-11-03"
    assert budget_rows(home, "2026-11-03", "99902") == before["99902"]
    assert budget_rows(home, "2026-11-03", "99901") == before["99901"]


def test_a_package_that_cannot_be_built_carries_only_its_dataset(two_comunas, monkeypatch):
    import pipelines.assets

    home, installation = two_comunas
    run(home, installation, "2026-11-02")
    real = pipelines.assets.build_package

    def build_package(dataset, *args, **kwargs):
        if dataset.slug == "contracts":
            raise KeyError("fiscal_year")
        return real(dataset, *args, **kwargs)

    monkeypatch.setattr(pipelines.assets, "build_package", build_package)
    # unchanged parts would reuse the package built before: build it again
    monkeypatch.setattr(pipelines.assets, "reused_package", lambda *args, **kwargs: None)
    (home.landing / "99901" / "budgets" / BUDGET_FILE).unlink()  # a change to publish
    failures, state = catalog_failures(home, installation, "2026-11-03")
    assert [(f["comuna_code"], f["dataset"], f["type"]) for f in failures] == [
        (None, "contracts", "catalog-error")
    ]
    assert "KeyError" in failures[0]["es"] and "KeyError" in failures[0]["en"]
    assert state["release_id"] == "2026-11-03"
    assert state["datasets"]["contracts"]["release_id"] == "2026-11-02"
    assert state["datasets"]["access_requests"]["release_id"] == "2026-11-03"
    assert {status(state, c, "contracts")["status"] for c in CUTS} == {"carried"}


def test_a_refused_installation_entry_carries_only_its_comuna(two_comunas):
    home, installation = two_comunas
    run(home, installation, "2026-11-02")
    before = budget_rows(home, "2026-11-02", "99902")
    text = installation.read_text("utf-8")
    bad = text.replace("transparencia@villaejemplo.example", "transp arencia@x.cl", 2)
    installation.write_text(
        bad.replace("transp arencia@x.cl", "transparencia@villaejemplo.example", 1)
    )
    (home.landing / "99901" / "budgets" / BUDGET_FILE).write_bytes(
        (home.landing / "99901" / "budgets" / BUDGET_FILE).read_bytes().replace(b"\n", b"\r\n")
    )
    resource = AbiertoResource(
        home_dir=str(home.root), installation_file=str(installation), run_date="2026-11-03"
    )
    with dg.DagsterInstance.ephemeral() as instance:
        outcome = run_all(build_defs(installation), resource, instance)

    assert outcome.catalog_ok
    assert [(p.comuna_code, p.type) for p in outcome.problems] == [
        ("99902", "installation-entry-refused")
    ]
    assert "publisher.email" in outcome.problems[0].en
    state = json.loads((home.site / "catalog.json").read_text("utf-8"))
    carried = status(state, "99902", "budgets")
    assert (carried["status"], carried["reasons"]) == ("carried", ["installation-entry-refused"])
    assert status(state, "99901", "budgets")["status"] == "published"
    assert budget_rows(home, state["datasets"]["budgets"]["release_id"], "99902") == before
