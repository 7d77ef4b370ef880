"""The Dagster code location of abierto (`dagster dev -m pipelines.definitions`).

The comunas (partitions) come from the installation file: `ABIERTO_INSTALLATION` or
`datasets/municipalities.yaml`.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from datasets.descriptor import SLUGS
from datasets.municipalities import installation_path, load_installation
from pipelines import automation
from pipelines.assets import catalog, comuna_partitions, dataset_assets, freshness_check
from pipelines.resources import AbiertoResource


def build_defs(installation_file: Path | None = None) -> dg.Definitions:
    path = installation_file or installation_path()
    municipalities = load_installation(path).municipalities
    partitions = comuna_partitions([m.cut for m in municipalities])
    comuna_job = automation.comuna_job(partitions)
    return dg.Definitions(
        assets=[a for slug in SLUGS for a in dataset_assets(slug, partitions)] + [catalog],
        asset_checks=[freshness_check(slug) for slug in SLUGS],
        jobs=[comuna_job, automation.catalog_job, automation.freshness_job],
        schedules=[
            automation.monthly_schedule(comuna_job),
            automation.freshness_schedule,
        ],
        sensors=[automation.landing_sensor, automation.catalog_sensor, automation.failure_alert],
        resources={
            "abierto": AbiertoResource(installation_file=str(path)),
            "io_manager": automation.io_manager(),
        },
    )


defs = build_defs()
