"""Imported once by the fork server of `abierto run` (`pipelines.prestart.PRELOAD`): it does
what every unit's child would otherwise do again on its own — Dagster's lazy imports of
its run machinery — by materialising one empty asset on an ephemeral instance (in
memory: nothing is written)."""

import dagster as dg


@dg.asset
def _warm_up() -> None:
    """Nothing: importing the run machinery is the point."""


with dg.DagsterInstance.ephemeral() as _instance:
    dg.materialize(
        [_warm_up],
        instance=_instance,
        run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
    )
