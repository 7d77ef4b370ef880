"""Schedule and sensor evaluation: the monthly publication, the landing sensor (half-copied
and duplicate files), the catalog sensor and the freshness evaluation."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os

import dagster as dg
import pytest

from datasets.samples.comunas import seed_comuna, write_installation
from pipelines import freshness
from pipelines.automation import catalog_sensor, landing_sensor
from pipelines.definitions import build_defs
from pipelines.home import Home
from pipelines.resources import SANTIAGO, AbiertoResource
from tests.pipelines.instances import persistent

CUTS = ["99901", "99902"]
BUDGETS = ("ingest_budgets", "validate_budgets", "publish_budgets")


@pytest.fixture
def setup(tmp_path):
    home = Home(tmp_path / "abierto")
    installation = write_installation(tmp_path / "municipalities.yaml", CUTS)
    resource = AbiertoResource(
        home_dir=str(home.root), installation_file=str(installation), run_date="2026-11-02"
    )
    return home, installation, resource


class Ticker:
    """Evaluates the landing sensor tick after tick, carrying the cursor like the daemon."""

    def __init__(self, resource: AbiertoResource) -> None:
        self.resource, self.cursor = resource, None

    def __call__(self) -> list[dg.RunRequest]:
        context = dg.build_sensor_context(cursor=self.cursor, resources={"abierto": self.resource})
        result = landing_sensor(context)
        self.cursor = result.cursor
        return result.run_requests


def targets(requests: list[dg.RunRequest]) -> list[tuple[str, tuple[str, ...]]]:
    return [
        (r.partition_key, tuple(k.to_user_string() for k in r.asset_selection)) for r in requests
    ]


def test_a_landed_file_runs_exactly_its_comuna_and_dataset_once(setup):
    home, _, resource = setup
    seed_comuna(home.landing, "99902", slugs=("budgets",))
    tick = Ticker(resource)
    assert tick() == []  # first sight: sizes not yet known to be stable
    requests = tick()
    assert targets(requests) == [("99902", BUDGETS)]
    assert requests[0].tags["abierto/dataset"] == "budgets"
    assert tick() == []  # the same files never start a second run


def test_files_of_several_datasets_of_a_comuna_start_one_run_for_them(setup):
    home, _, resource = setup
    seed_comuna(home.landing, "99901", slugs=("budgets", "contracts"))
    seed_comuna(home.landing, "99902", slugs=("budgets",))
    tick = Ticker(resource)
    tick()
    requests = tick()
    contracts = ("ingest_contracts", "validate_contracts", "publish_contracts")
    assert targets(requests) == [("99901", BUDGETS + contracts), ("99902", BUDGETS)]
    assert "abierto/dataset" not in requests[0].tags  # a run of two datasets
    assert requests[0].tags["dagster/max_runtime"] == str(2 * 1800)
    assert tick() == []


def test_a_half_copied_file_waits_until_its_size_is_stable(setup):
    home, _, resource = setup
    source, other = seed_comuna(home.landing, "99901", slugs=("contracts",))
    other.unlink()
    content = source.read_bytes()
    source.write_bytes(content[: len(content) // 2])  # the copy is under way
    tick = Ticker(resource)
    assert tick() == []
    with source.open("ab") as handle:  # still copying
        handle.write(content[len(content) // 2 : -100])
    assert tick() == []
    with source.open("ab") as handle:  # copy finished
        handle.write(content[-100:])
    assert tick() == []  # size changed since last tick: wait once more
    assert targets(tick()) == [
        ("99901", ("ingest_contracts", "validate_contracts", "publish_contracts"))
    ]


def test_a_duplicate_file_does_not_run_again(setup):
    home, _, resource = setup
    path = seed_comuna(home.landing, "99901", slugs=("budgets",))[0]
    tick = Ticker(resource)
    tick()
    first = tick()
    assert len(first) == 1
    # the office copies the very same export again: new mtime, same bytes
    path.write_bytes(path.read_bytes())
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    assert tick() == [] and tick() == []
    # a real change is picked up, with a different run key
    path.write_bytes(path.read_bytes() + b"\r\n")
    tick()
    second = tick()
    assert targets(second) == [("99901", BUDGETS)]
    assert second[0].run_key != first[0].run_key


def test_files_already_published_start_no_run(setup):
    home, installation, resource = setup
    seed_comuna(home.landing, "99901", slugs=("budgets",))
    defs = build_defs(installation)
    with dg.DagsterInstance.ephemeral() as instance:
        result = dg.materialize(
            list(defs.assets or []),
            selection=list(BUDGETS),
            partition_key="99901",
            resources={"abierto": resource},
            instance=instance,
        )
        assert result.success
    tick = Ticker(resource)  # a fresh cursor, as after losing the sensor's state
    assert tick() == [] and tick() == []
    # the same published export under another name is skipped too
    source = next((home.landing / "99901" / "budgets").iterdir())
    (source.parent / f"copia_{source.name}").write_bytes(source.read_bytes())
    assert tick() == [] and tick() == []


def evaluate_schedule(installation, when: dt.datetime, instance=None):
    repository = build_defs(installation).get_repository_def()
    schedule = repository.get_schedule_def("monthly_publication")
    resource = AbiertoResource(
        home_dir=str(installation.parent / "abierto"),
        installation_file=str(installation),
        run_date=when.date().isoformat(),
    )
    with contextlib.ExitStack() as stack:
        if instance is None:
            instance = stack.enter_context(dg.DagsterInstance.ephemeral())
        context = dg.build_schedule_context(
            instance=instance,
            scheduled_execution_time=when,
            repository_def=repository,
            resources={"abierto": resource},
        )
        return schedule.evaluate_tick(context)


@pytest.mark.parametrize(
    ("day", "runs"),
    [
        (dt.date(2026, 11, 4), True),  # Wednesday, 3rd working day (Nov 1 is Sunday)
        (dt.date(2026, 11, 3), False),  # 2nd working day
        (dt.date(2026, 11, 7), False),  # Saturday
        (dt.date(2027, 1, 6), True),  # Jan 1 (Friday) is a holiday: 4, 5, 6
        (dt.date(2027, 1, 5), False),
    ],
)
def test_monthly_schedule_runs_every_comuna_on_the_third_working_day(setup, day, runs):
    _, installation, _ = setup
    when = dt.datetime.combine(day, dt.time(7), tzinfo=SANTIAGO)
    data = evaluate_schedule(installation, when)
    if not runs:
        assert not data.run_requests
        assert "working day 3" in data.skip_message
        return
    assert [r.partition_key for r in data.run_requests] == CUTS
    assert [r.run_key for r in data.run_requests] == [f"{day:%Y-%m}/{c}" for c in CUTS]
    assert len(data.run_requests[0].asset_selection) == 9  # 3 datasets × 3 stages


def test_monthly_schedule_runs_only_the_datasets_a_comuna_publishes(tmp_path):
    installation = write_installation(tmp_path / "municipalities.yaml", CUTS)
    text = installation.read_text("utf-8")
    installation.write_text(
        text.replace("  - budgets\n  - contracts\n  - access_requests\n", "  - budgets\n", 1)
    )
    when = dt.datetime(2026, 11, 4, 7, tzinfo=SANTIAGO)
    first, second = evaluate_schedule(installation, when).run_requests
    assert [k.to_user_string() for k in first.asset_selection] == list(BUDGETS)
    assert len(second.asset_selection) == 9


def materialize(defs, resource, instance, cut: str) -> None:
    dg.materialize(
        list(defs.assets or []),
        selection=list(BUDGETS),
        partition_key=cut,
        resources={"abierto": resource},
        instance=instance,
    )


def test_monthly_schedule_carries_unchanged_comunas_without_a_run(tmp_path):
    """A comuna whose inputs are those of its latest passing run gets no run: it is
    carried (runless events); a changed export runs exactly its comuna."""
    installation = write_installation(tmp_path / "municipalities.yaml", CUTS)
    text = installation.read_text("utf-8")
    installation.write_text(text.replace("  - contracts\n  - access_requests\n", ""))
    home = Home(tmp_path / "abierto")
    when = dt.datetime(2026, 11, 4, 7, tzinfo=SANTIAGO)
    resource = AbiertoResource(
        home_dir=str(home.root), installation_file=str(installation), run_date="2026-11-04"
    )
    defs = build_defs(installation)
    with persistent(tmp_path / "dagster") as instance:
        for cut in CUTS:
            seed_comuna(home.landing, cut, slugs=("budgets",))
            materialize(defs, resource, instance, cut)
        runs = len(instance.get_runs())
        data = evaluate_schedule(installation, when, instance)
        assert not data.run_requests and "no comuna has new inputs" in data.skip_message
        observed = instance.fetch_observations(dg.AssetKey("publish_budgets"), limit=10)
        (record,) = observed.records
        assert sorted(record.asset_observation.metadata["comunas"].value) == CUTS
        assert len(instance.get_runs()) == runs
        # a run started by hand on unchanged inputs carries too: the catalog sensor
        # makes no release of it
        sensed = catalog_sensor(dg.build_sensor_context(instance=instance))
        materialize(defs, resource, instance, "99901")
        again = catalog_sensor(dg.build_sensor_context(instance=instance, cursor=sensed.cursor))
        assert not again.run_requests and again.cursor != sensed.cursor
        landed = next((home.landing / "99902" / "budgets").iterdir())
        landed.write_bytes(landed.read_bytes() + b"\n")
        data = evaluate_schedule(installation, when, instance)
        assert targets(data.run_requests) == [("99902", BUDGETS)]


def test_catalog_sensor_requests_one_release_after_new_publications(setup):
    home, installation, resource = setup
    seed_comuna(home.landing, "99901", slugs=("budgets",))
    defs = build_defs(installation)
    with dg.DagsterInstance.ephemeral() as instance:
        context = dg.build_sensor_context(instance=instance)
        assert isinstance(catalog_sensor(context), dg.SkipReason)
        dg.materialize(
            list(defs.assets or []),
            selection=list(BUDGETS),
            partition_key="99901",
            resources={"abierto": resource},
            instance=instance,
        )
        result = catalog_sensor(dg.build_sensor_context(instance=instance))
        assert len(result.run_requests) == 1
        again = catalog_sensor(dg.build_sensor_context(instance=instance, cursor=result.cursor))
        assert isinstance(again, dg.SkipReason)


def test_freshness_flags_comunas_older_than_their_cadence(setup):
    home, installation, resource = setup
    seed_comuna(home.landing, "99901", slugs=("budgets",))
    defs = build_defs(installation)
    with dg.DagsterInstance.ephemeral() as instance:
        dg.materialize(
            list(defs.assets or []),
            selection=list(BUDGETS),
            partition_key="99901",
            resources={"abierto": resource},
            instance=instance,
        )
    loaded = resource.installation()
    on_time = freshness.freshness(home, loaded, "budgets", dt.date(2026, 12, 17))
    assert [(r["comuna_code"], r["age_days"], r["is_stale"]) for r in on_time] == [
        ("99901", 45, False),
        ("99902", None, True),  # never published
    ]
    late = freshness.freshness(home, loaded, "budgets", dt.date(2026, 12, 18))
    assert [r["is_stale"] for r in late] == [True, True]

    # the daily evaluation job runs the checks (visible in the UI on the catalog asset)
    later = resource.model_copy(update={"run_date": "2026-11-20"})
    job = defs.resolve_job_def("evaluate_freshness")
    with dg.DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(instance=instance, resources={"abierto": later})
    assert result.get_asset_materialization_events() == []  # checks only, no new release
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert set(evaluations) == {"fresh_budgets", "fresh_contracts", "fresh_access_requests"}
    budgets = evaluations["fresh_budgets"]
    assert not budgets.passed
    assert budgets.metadata["stale"].value == ["99902 Villa Ejemplo 02"]
    assert json.dumps(budgets.metadata["max_age_days"].value) == "45"
