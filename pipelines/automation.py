"""When runs happen: the monthly publication, the landing-folder sensor, the catalog
update after comuna runs, the daily freshness evaluation and failure alerts."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os

import dagster as dg

from datasets.descriptor import SLUGS
from pipelines import carry, digests, limits, notify, warehouse
from pipelines.resources import SANTIAGO, AbiertoResource
from quality.deadlines import get_calendar

# Transparencia activa is updated within the first ten working days of each month. The
# schedule ticks every morning of the month's first half and publishes on the
# ABIERTO_PUBLISH_WORKING_DAY-th working day (default 3rd), leaving a week to fix exports.
PUBLISH_WORKING_DAY = int(os.environ.get("ABIERTO_PUBLISH_WORKING_DAY", "3"))
if not 1 <= PUBLISH_WORKING_DAY <= 10:
    raise ValueError(
        f"ABIERTO_PUBLISH_WORKING_DAY={PUBLISH_WORKING_DAY}: debe ser de 1 a 10 (plazo legal: "
        "primeros diez días hábiles) / must be 1 to 10 (legal deadline: first ten working days)"
    )
MONTHLY_CRON = os.environ.get("ABIERTO_MONTHLY_CRON", "0 7 1-15 * *")
SENSOR_INTERVAL = int(os.environ.get("ABIERTO_SENSOR_INTERVAL", "30"))
# One run is one comuna: its steps are small, so they run in the run's process by default
# (a subprocess per step costs seconds of imports). `multiprocess` parallelises steps on
# one server; `k8s` runs each step as a Kubernetes job (needs `dagster-k8s`).
EXECUTOR = os.environ.get("ABIERTO_EXECUTOR", "in_process")
STAGES = ("ingest", "validate", "publish")
# Run monitoring (`run_monitoring` in dagster.yaml) fails a run past `dagster/max_runtime`:
# a comuna run holds one unit per dataset, each within ABIERTO_UNIT_TIMEOUT.
MAX_RUNTIME = "dagster/max_runtime"
CATALOG_SCAN = 1000  # publish materializations read per dataset and tick
PENDING = [dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTED]


def executor(name: str = EXECUTOR) -> dg.ExecutorDefinition:
    if name == "k8s":
        from dagster_k8s import k8s_job_executor

        return k8s_job_executor
    return {"in_process": dg.in_process_executor, "multiprocess": dg.multiprocess_executor}[name]


def io_manager(name: str = EXECUTOR) -> dg.IOManagerDefinition:
    """Where a run keeps its steps' outputs until the next step reads them: in memory when
    the steps run in the run's process (`in_process`), never pickled to disk (at a
    million order lines that cost seconds per step and left a private copy of the raw
    rows under `$DAGSTER_HOME/storage`); on disk when each step is a process of its own."""
    return dg.mem_io_manager if name == "in_process" else dg.fs_io_manager


def comuna_job(partitions: dg.PartitionsDefinition) -> dg.UnresolvedAssetJobDefinition:
    return dg.define_asset_job(
        "publish_comuna",
        selection=dg.AssetSelection.groups(*SLUGS),
        partitions_def=partitions,
        executor_def=executor(),
        tags={MAX_RUNTIME: str(limits.unit_timeout() * len(SLUGS))},
        description="Ingest, validate and publish one comuna's datasets (one partition).",
    )


catalog_job = dg.define_asset_job(
    "publish_catalog",
    selection=dg.AssetSelection.assets("catalog"),
    executor_def=executor(),
    tags={MAX_RUNTIME: str(limits.catalog_timeout())},
    description="Combine every comuna's last valid data and release the catalog.",
)

freshness_job = dg.define_asset_job(
    "evaluate_freshness",
    selection=dg.AssetSelection.checks_for_assets("catalog"),
    executor_def=dg.in_process_executor,
    description="Flag every comuna × dataset older than its declared cadence.",
)


def working_day_of_month(day: dt.date) -> int | None:
    """1 for the month's first working day (national holidays), …; None on a day off."""
    calendar = get_calendar(None, [day.year - 1, day.year])
    if not calendar.is_working_day(day):
        return None
    return calendar.working_days_between(day.replace(day=1) - dt.timedelta(days=1), day)


def monthly_schedule(job: dg.UnresolvedAssetJobDefinition) -> dg.ScheduleDefinition:
    @dg.schedule(
        name="monthly_publication",
        job=job,
        cron_schedule=MONTHLY_CRON,
        execution_timezone="America/Santiago",
        default_status=dg.DefaultScheduleStatus.RUNNING,
    )
    def schedule(context: dg.ScheduleEvaluationContext, abierto: AbiertoResource):
        """Every comuna's run on the configured working day of the month (one run each,
        for the datasets it publishes whose inputs changed): a comuna × dataset whose
        inputs are those of its latest passing run is carried without a run, as
        `abierto run` does (`pipelines.carry`)."""
        day = context.scheduled_execution_time.astimezone(SANTIAGO).date()
        if working_day_of_month(day) != PUBLISH_WORKING_DAY:
            return dg.SkipReason(
                f"{day} no es el día hábil n.º {PUBLISH_WORKING_DAY} del mes / "
                f"{day} is not working day {PUBLISH_WORKING_DAY} of the month"
            )
        # a test's context may have no persistent instance: then nothing is reported
        instance = context.instance if context.instance_ref is not None else None
        changed = _changed_units(instance, abierto)
        if not changed:
            return dg.SkipReason(
                "ninguna comuna tiene datos nuevos: se mantiene lo publicado / "
                "no comuna has new inputs: what is published is carried"
            )
        return [
            dg.RunRequest(
                run_key=f"{day:%Y-%m}/{cut}",
                partition_key=cut,
                asset_selection=_stages(*slugs),
                tags=_tags(cut, *slugs),
            )
            for cut, slugs in sorted(changed.items())
        ]

    return schedule


def _changed_units(
    instance: dg.DagsterInstance | None, abierto: AbiertoResource
) -> dict[str, list]:
    """Per comuna, the datasets it publishes whose inputs changed; the unchanged ones
    are carried here (recorded, and reported to Dagster without a run)."""
    installation, home, today = abierto.installation(), abierto.home(), abierto.today()
    units = [
        (m.cut, slug) for m in installation.municipalities for slug in SLUGS if slug in m.datasets
    ]
    unchanged = carry.unchanged_units(abierto, installation, units)
    changed: dict[str, list[str]] = {}
    for cut, slug in units:
        if (cut, slug) not in unchanged:
            changed.setdefault(cut, []).append(slug)
    carried = [carry.carry(home, cut, slug, part, today) for (cut, slug), part in unchanged.items()]
    if carried and instance is not None:
        carry.report(instance, carried, today)
    return changed


freshness_schedule = dg.ScheduleDefinition(
    name="daily_freshness",
    job=freshness_job,
    cron_schedule="0 8 * * *",
    execution_timezone="America/Santiago",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)


def _stages(*slugs: str) -> list[dg.AssetKey]:
    return [dg.AssetKey(f"{stage}_{slug}") for slug in slugs for stage in STAGES]


def _tags(cut: str, *slugs: str) -> dict[str, str]:
    """The comuna (and the dataset, for a one-dataset run) and the run's time limit: one
    ABIERTO_UNIT_TIMEOUT per dataset it runs."""
    tags = {"abierto/comuna": cut, MAX_RUNTIME: str(limits.unit_timeout() * len(slugs))}
    return tags | ({"abierto/dataset": slugs[0]} if len(slugs) == 1 else {})


def _arrived(state: dict, seen: dict, key: str, path, cache) -> str | None:
    """The sha256 of a landed file that is new and stable since the last tick, else None
    (still being copied, handled on an earlier tick, or the same content again)."""
    stat = path.stat()
    seen[key] = [stat.st_size, stat.st_mtime_ns]
    if state["seen"].get(key) != seen[key]:
        return None  # new or still changing: look again next tick
    done = state["done"].get(key)
    if done and done[:2] == seen[key]:
        return None  # handled on an earlier tick
    digest = digests.file_sha256(path, cache)  # hashed once: `unit_fingerprint` reuses it
    state["done"][key] = [*seen[key], digest]
    return None if done and done[2] == digest else digest


@dg.sensor(
    job_name="publish_comuna",
    minimum_interval_seconds=SENSOR_INTERVAL,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def landing_sensor(context: dg.SensorEvaluationContext, abierto: AbiertoResource):
    """Run exactly the comuna and dataset whose export arrived in `landing/<cut>/<slug>/`
    (a national file in `landing/_national/<slug>/`: every comuna publishing the dataset),
    one run per comuna for all its datasets that changed on the same tick (a run costs
    seconds of Dagster bookkeeping whatever it holds; see docs/operations.md).

    A file is read only once its size and modification time are the same on two
    ticks (a file still being copied waits). The cursor remembers every file handled
    (size, mtime, sha256), so the same file never starts two runs; a file whose
    sha256 is already published for that comuna and dataset starts none.
    """
    state = json.loads(context.cursor) if context.cursor else {"seen": {}, "done": {}}
    home = abierto.home()
    cache = home.warehouse / digests.FILE
    municipalities = abierto.installation().municipalities
    seen, ready = {}, {}
    for municipality in municipalities:
        for slug in municipality.datasets:
            published = warehouse.published_hashes(home, municipality.cut, slug)
            for path in home.landing_files(municipality.cut, slug):
                key = f"{municipality.cut}/{slug}/{path.name}"
                digest = _arrived(state, seen, key, path, cache)
                if digest and digest not in published:  # else: already published
                    ready.setdefault((municipality.cut, slug), []).append(digest)
    for slug in SLUGS:  # a national file runs every comuna that publishes the dataset
        for path in home.national_files(slug):
            digest = _arrived(state, seen, f"_national/{slug}/{path.name}", path, cache)
            for cut in [m.cut for m in municipalities if digest and slug in m.datasets]:
                if digest not in warehouse.published_hashes(home, cut, slug):
                    ready.setdefault((cut, slug), []).append(digest)
    by_comuna: dict[str, dict[str, list[str]]] = {}
    for (cut, slug), hashes in sorted(ready.items()):
        by_comuna.setdefault(cut, {})[slug] = sorted(hashes)
    requests = [  # one run per comuna, for every dataset of it that changed
        dg.RunRequest(
            run_key=f"{cut}/{'+'.join(slugs)}/"
            + hashlib.sha256(json.dumps(slugs, sort_keys=True).encode()).hexdigest()[:16],
            partition_key=cut,
            asset_selection=_stages(*slugs),
            tags=_tags(cut, *slugs),
        )
        for cut, slugs in by_comuna.items()
    ]
    state["seen"] = seen
    return dg.SensorResult(run_requests=requests, cursor=json.dumps(state, sort_keys=True))


@dg.sensor(
    job=catalog_job,
    minimum_interval_seconds=SENSOR_INTERVAL,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def catalog_sensor(context: dg.SensorEvaluationContext):
    """Release the catalog once comuna runs have published, one release for many runs.

    Waits while any comuna or catalog run is still queued or running, so a monthly
    batch of comunas produces one release when the batch is done. A carried unit's
    materialization (`carried`, unchanged inputs) makes no release.
    """
    after = int(context.cursor or 0)
    newest, fresh = after, False
    for slug in SLUGS:
        records = context.instance.fetch_materializations(
            dg.AssetRecordsFilter(dg.AssetKey(f"publish_{slug}"), after_storage_id=after),
            limit=CATALOG_SCAN,
            ascending=True,
        ).records
        newest = max([newest, *(r.storage_id for r in records)])
        fresh |= any(not carry.is_carried(r) for r in records)
    if not fresh:  # none, or only carried units' (nothing new to release)
        skip = "no hay publicaciones nuevas / no new comuna publications"
        if newest == after:
            return dg.SkipReason(skip)
        return dg.SensorResult(skip_reason=skip, cursor=str(newest))
    pending = context.instance.get_runs(
        dg.RunsFilter(job_name="publish_comuna", statuses=PENDING), limit=1
    ) or context.instance.get_runs(
        dg.RunsFilter(job_name="publish_catalog", statuses=PENDING), limit=1
    )
    if pending:
        return dg.SkipReason("esperando ejecuciones en curso / waiting for runs in progress")
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=f"catalog-{newest}")], cursor=str(newest)
    )


@dg.run_failure_sensor(
    default_status=dg.DefaultSensorStatus.RUNNING, monitor_all_code_locations=False
)
def failure_alert(context: dg.RunFailureSensorContext):
    """Alert the office that a run failed: where, which kind of error, and the link."""
    errors = [e.event_specific_data.error for e in context.get_step_failure_events()]
    # the class of the original error (a `Failure` raised by `transient_only` wraps it)
    reasons = [(e.cause or e).cls_name for e in errors if e is not None] or ["run-failure"]
    run = context.dagster_run
    alert = notify.Alert(
        "failed",
        run.tags.get("abierto/comuna") or run.tags.get("dagster/partition"),
        run.tags.get("abierto/dataset") or run.job_name,
        dict(sorted((r, reasons.count(r)) for r in set(reasons))),
        notify.run_link(run.run_id),
    )
    notify.send(alert, notify.channels_from_env())
