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
    """What happened: comunas whose run failed, each comuna × dataset's publish-gate
    reasons (`{(cut, slug): [{type, es, en}]}`, only blocked ones) and the catalog run."""

    comunas_failed: list[str] = field(default_factory=list)
    blocked: dict[tuple[str, str], list[dict]] = field(default_factory=dict)
    catalog_ok: bool = False
    results: list[dg.ExecuteInProcessResult] = field(default_factory=list)

    @property
    def success(self) -> bool:
        return self.catalog_ok and not self.comunas_failed

    @property
    def all_events(self) -> list[dg.DagsterEvent]:
        return [event for result in self.results for event in result.all_events]


def run_all(
    defs: dg.Definitions,
    resource: AbiertoResource,
    instance: dg.DagsterInstance | None = None,
    *,
    run_config: dict | None = None,
) -> RunAll:
    """Materialise each comuna's partition of its datasets, then the catalog (with its
    checks). Without `instance`, each run gets an ephemeral one."""
    assets = list(defs.assets or [])
    outcome = RunAll()
    for municipality in resource.installation().municipalities:
        slugs = [slug for slug in SLUGS if slug in municipality.datasets]
        result = dg.materialize(
            assets,
            selection=[
                f"{stage}_{s}" for s in slugs for stage in ("ingest", "validate", "publish")
            ],
            partition_key=municipality.cut,
            resources={"abierto": resource},
            instance=instance,
            tags={"abierto/comuna": municipality.cut},
            run_config=run_config,
            raise_on_error=False,
        )
        outcome.results.append(result)
        if not result.success:
            outcome.comunas_failed.append(municipality.cut)
            continue
        for slug in slugs:
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
    outcome.results.append(result)
    outcome.catalog_ok = result.success
    return outcome
