"""Legal deadlines only where Chilean law applies: a foreign publisher's request log
publishes with empty deadline columns and the dataset page says why."""

from __future__ import annotations

import datetime as dt
import json

import dagster as dg
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml
from pydantic import ValidationError

from datasets.municipalities import Installation
from datasets.samples.comunas import seed_comuna, write_installation
from pipelines.definitions import build_defs
from pipelines.home import Home
from pipelines.resources import AbiertoResource
from pipelines.runner import run_all
from pipelines.steps import derive

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


def _installation(**entry):
    municipality = {
        "cut": "99901",
        "name": "Villa Ejemplo",
        "region_code": "13",
        "fictional": True,
        "publisher": {"name": "M", "url": "https://m.example", "email": "t@m.example"},
        **entry,
    }
    title = {"es": "t", "en": "t"}
    return Installation.model_validate(
        {"catalog": {"title": title, "description": title}, "municipalities": [municipality]}
    )


def _requests():
    return pd.DataFrame(
        {
            "comuna_code": ["99901"],
            "request_id": ["MU1"],
            "received_date": [dt.date(2025, 3, 1)],  # a Saturday
            "response_date": [dt.date(2025, 3, 31)],
            "is_extended": [False],
        }
    )


@pytest.mark.parametrize(
    ("entry", "deadline", "on_time"),
    [
        ({}, dt.date(2025, 3, 31), True),  # default: deemed received Mon 3 Mar
        ({"receipt_rule": "receipt_date"}, dt.date(2025, 3, 28), False),
        ({"jurisdiction": "MX-CMX"}, None, None),
    ],
)
def test_derive_follows_the_installation_setting(entry, deadline, on_time):
    row = derive("access_requests", _requests(), _installation(**entry), dt.date(2025, 4, 30))
    got = row.iloc[0]
    assert (None if pd.isna(got["legal_deadline_date"]) else got["legal_deadline_date"]) == deadline
    assert (None if pd.isna(got["is_on_time"]) else bool(got["is_on_time"])) is on_time


def test_unknown_receipt_rule_or_jurisdiction_is_refused():
    with pytest.raises(ValidationError):
        _installation(receipt_rule="calendar")
    with pytest.raises(ValidationError):
        _installation(jurisdiction="chile")
