"""Legal deadlines only where Chilean law applies: a foreign publisher's request log
publishes with empty deadline columns and the dataset page says why."""

from __future__ import annotations

import json

import dagster as dg
import pyarrow.parquet as pq
import yaml

from datasets.samples.comunas import seed_comuna, write_installation
from pipelines.definitions import build_defs
from pipelines.home import Home
from pipelines.resources import AbiertoResource
from pipelines.runner import run_all

CHILEAN, FOREIGN = "99901", "99902"
DEADLINE_COLUMNS = ("legal_deadline_date", "working_days_taken", "is_on_time")


def test_foreign_log_publishes_without_deadlines_and_says_why(tmp_path):
    home = Home(tmp_path / "abierto")
    for cut in (CHILEAN, FOREIGN):
        seed_comuna(home.landing, cut)
    path = write_installation(tmp_path / "municipalities.yaml", [CHILEAN, FOREIGN])
    installation = yaml.safe_load(path.read_text("utf-8"))
    foreign = installation["municipalities"][1]
    foreign.update(name="Delaware County (fictional)", jurisdiction="US-DE")
    path.write_text(yaml.safe_dump(installation, allow_unicode=True), encoding="utf-8")

    resource = AbiertoResource(
        home_dir=str(home.root), installation_file=str(path), run_date="2026-11-02"
    )
    with dg.DagsterInstance.ephemeral() as instance:
        outcome = run_all(build_defs(path), resource, instance)
    assert outcome.catalog_ok and not outcome.comunas_failed

    catalog = json.loads((home.site / "catalog.json").read_text("utf-8"))
    release = catalog["release_id"]
    table = pq.read_table(
        home.site / "releases" / release / "access_requests" / "access_requests.parquet"
    ).to_pandas()
    foreign_rows = table[table["comuna_code"] == FOREIGN]
    chilean_rows = table[table["comuna_code"] == CHILEAN]
    assert len(foreign_rows) > 0 and len(chilean_rows) > 0
    for column in DEADLINE_COLUMNS:
        assert foreign_rows[column].isna().all(), column
    assert chilean_rows["legal_deadline_date"].notna().all()

    page_es = (home.site / "datasets" / "access_requests" / "index.html").read_text("utf-8")
    page_en = (home.site / "en" / "datasets" / "access_requests" / "index.html").read_text("utf-8")
    assert "deadlines-note" in page_es and "Delaware County (fictional)" in page_es
    assert "Ley 20.285 de Chile" in page_es
    assert "Chile&#39;s Ley 20.285" in page_en and "Delaware County (fictional)" in page_en
    # Other datasets carry no note.
    budgets_page = (home.site / "datasets" / "budgets" / "index.html").read_text("utf-8")
    assert "deadlines-note" not in budgets_page
