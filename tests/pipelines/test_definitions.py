"""The Dagster code location loads, and its schedule and sensor behave."""

from __future__ import annotations

import json

import dagster as dg

from pipelines.automation import landing_sensor, monthly_schedule
from pipelines.definitions import defs
from pipelines.resources import AbiertoResource


def test_definitions_load_with_every_dataset_chain_and_the_catalog():
    keys = {key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()}
    for slug in ("budgets", "contracts", "access_requests"):
        assert {f"ingest_{slug}", f"validate_{slug}", f"publish_{slug}"} <= keys
    assert "catalog" in keys
    assert defs.resolve_job_def("publish_catalog") is not None


def test_monthly_schedule_runs_early_in_the_month_in_santiago():
    assert monthly_schedule.execution_timezone == "America/Santiago"
    assert monthly_schedule.cron_schedule == "0 6 2 * *"


def _tick(resource, cursor=None):
    context = dg.build_sensor_context(cursor=cursor, resources={"abierto": resource})
    requests = list(landing_sensor(context))
    return requests, context.cursor


def test_sensor_waits_for_stable_size_then_runs_once_per_file_version(demo_home):
    resource = AbiertoResource(home_dir=str(demo_home.root))
    requests, cursor = _tick(resource)
    assert requests == []  # first sight: sizes unknown, a copy may be in progress
    requests, cursor = _tick(resource, cursor)
    assert len(requests) == 1
    assert len(requests[0].tags["abierto/files"].split(",")) == 5
    requests, cursor = _tick(resource, cursor)
    assert requests == []  # nothing new
    landed = demo_home.landing / "99901" / "budgets" / "ejecucion_presupuestaria_2026-10.csv"
    landed.write_bytes(landed.read_bytes() + b"\r\n")
    requests, cursor = _tick(resource, cursor)
    assert requests == []  # size changed since the last tick: still being written
    requests, cursor = _tick(resource, cursor)
    assert [r.tags["abierto/files"] for r in requests] == [
        "99901/budgets/ejecucion_presupuestaria_2026-10.csv"
    ]
    assert "99901/budgets/ejecucion_presupuestaria_2026-10.csv" in json.loads(cursor)["done"]
