"""When runs happen: a monthly schedule and a sensor on the landing folder."""

import hashlib
import json

import dagster as dg

from datasets.descriptor import SLUGS
from pipelines.resources import AbiertoResource

publish_job = dg.define_asset_job(
    "publish_catalog",
    selection=dg.AssetSelection.all(),
    description="Ingest, validate and publish every dataset, then release the catalog.",
)

# Transparencia activa must be updated within the first ten working days of each
# month: run early on the 2nd, leaving time to fix exports before the deadline.
monthly_schedule = dg.ScheduleDefinition(
    name="monthly_publication",
    job=publish_job,
    cron_schedule="0 6 2 * *",
    execution_timezone="America/Santiago",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)


def landed_files(abierto: AbiertoResource) -> dict[str, int]:
    """Every landed export as `<cut>/<slug>/<name>` → size in bytes."""
    home = abierto.home()
    files = {}
    for municipality in abierto.installation().municipalities:
        for slug in SLUGS:
            for path in home.landing_files(municipality.cut, slug):
                files[f"{municipality.cut}/{slug}/{path.name}"] = path.stat().st_size
    return files


@dg.sensor(
    job=publish_job, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING
)
def landing_sensor(context: dg.SensorEvaluationContext, abierto: AbiertoResource):
    """Start a run when an export lands or changes, once its size has stopped changing.

    The cursor keeps each file's size from the previous tick (a file still being
    copied is seen to grow and waits) and the fingerprint of what was already run.
    """
    state = json.loads(context.cursor) if context.cursor else {"sizes": {}, "done": {}}
    current = landed_files(abierto)
    home = abierto.home()
    ready = {}
    for key, size in current.items():
        if state["sizes"].get(key) != size:
            continue
        digest = hashlib.sha256((home.landing / key).read_bytes()).hexdigest()
        if state["done"].get(key) != digest:
            ready[key] = digest
    if ready:
        run_key = hashlib.sha256(json.dumps(sorted(ready.items())).encode()).hexdigest()[:16]
        yield dg.RunRequest(run_key=run_key, tags={"abierto/files": ",".join(sorted(ready))})
    state = {"sizes": current, "done": state["done"] | ready}
    context.update_cursor(json.dumps(state, sort_keys=True))
