"""Run the whole pipeline through Dagster in this process: each comuna, then the catalog.

`abierto run` uses this; the daemon does the same with the schedule and sensors.
Each comuna is its own run (partition), so a comuna that fails does not stop the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import dagster as dg

from datasets.descriptor import SLUGS
from pipelines.resources import AbiertoResource


@dataclass
class RunAll:
    comunas_failed: list[str] = field(default_factory=list)
    blocked: dict[tuple[str, str], list[dict]] = field(default_factory=dict)  # gate reasons
    catalog_ok: bool = False


def run_all(
    defs: dg.Definitions,
    resource: AbiertoResource,
    instance: dg.DagsterInstance,
    run_config: dict | None = None,
) -> RunAll:
    assets = list(defs.assets or [])
    outcome = RunAll()
    for municipality in resource.installation().municipalities:
        selection = [
            f"{stage}_{slug}"
            for slug in SLUGS
            if slug in municipality.datasets
            for stage in ("ingest", "validate", "publish")
        ]
        result = dg.materialize(
            assets,
            selection=selection,
            partition_key=municipality.cut,
            resources={"abierto": resource},
            instance=instance,
            tags={"abierto/comuna": municipality.cut},
            run_config=run_config,
            raise_on_error=False,
        )
        if not result.success:
            outcome.comunas_failed.append(municipality.cut)
            continue
        for slug in SLUGS:
            if slug in municipality.datasets:
                reasons = result.output_for_node(f"publish_{slug}")["blocked"]
                if reasons:
                    outcome.blocked[(municipality.cut, slug)] = reasons
    result = dg.materialize(
        assets + list(defs.asset_checks or []),
        selection=["catalog"],
        resources={"abierto": resource},
        instance=instance,
        run_config=run_config,
        raise_on_error=False,
    )
    outcome.catalog_ok = result.success
    return outcome
