"""The local Dagster instance: `DAGSTER_HOME` with SQLite storage unless configured."""

from __future__ import annotations

import shutil
from pathlib import Path

LOCAL_INSTANCE = Path(__file__).resolve().parent / "dagster.local.yaml"
STOP_MESSAGE = "abierto ui se detuvo durante la ejecución / abierto ui was stopped during the run"


def ensure_dagster_home(folder: Path) -> Path:
    """Create `folder` with the local `dagster.yaml`, keeping one that already exists."""
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "dagster.yaml"
    if not config.exists():
        shutil.copyfile(LOCAL_INSTANCE, config)
    return folder


def in_flight_runs(folder: Path, *, finish: bool = False) -> list[str]:
    """Runs of the instance in `folder` that have started and not ended: marked canceling
    (their workers, interrupted next, then end them as canceled), or with `finish`
    marked canceled (nothing is left to end them). Queued runs stay queued."""
    import dagster as dg

    in_flight = [
        dg.DagsterRunStatus.STARTING,
        dg.DagsterRunStatus.STARTED,
        dg.DagsterRunStatus.CANCELING,
    ]
    with dg.DagsterInstance.from_config(str(folder)) as instance:
        runs = instance.get_runs(dg.RunsFilter(statuses=in_flight))
        for run in runs:
            if finish:
                instance.report_run_canceled(run, STOP_MESSAGE)
            elif run.status != dg.DagsterRunStatus.CANCELING:
                instance.report_run_canceling(run, STOP_MESSAGE)
    return [run.run_id for run in runs]
