"""The Dagster code location of abierto (`dagster dev` from the repository root)."""

from __future__ import annotations

import dagster as dg

from datasets.descriptor import SLUGS
from pipelines.assets import catalog, dataset_assets
from pipelines.automation import landing_sensor, monthly_schedule, publish_job
from pipelines.resources import AbiertoResource

defs = dg.Definitions(
    assets=[asset for slug in SLUGS for asset in dataset_assets(slug)] + [catalog],
    jobs=[publish_job],
    schedules=[monthly_schedule],
    sensors=[landing_sensor],
    resources={"abierto": AbiertoResource()},
)
