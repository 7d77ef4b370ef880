"""The local Dagster instance: `DAGSTER_HOME` with SQLite storage unless configured, and
`dagster dev` run so that a stop leaves no run "started"."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.isolation import StopRequest

LOCAL_INSTANCE = Path(__file__).resolve().parent / "dagster.local.yaml"
DEV_STOP_SECONDS = 30  # for dagster dev to stop its services and run workers
STOP_MESSAGE = "abierto ui se detuvo durante la ejecución / abierto ui was stopped during the run"


def ensure_dagster_home(folder: Path) -> Path:
    """Create `folder` with the local `dagster.yaml` (its `${DAGSTER_HOME}` written as the
    folder's absolute path), keeping one that already exists."""
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "dagster.yaml"
    if not config.exists():
        text = LOCAL_INSTANCE.read_text("utf-8")
        config.write_text(text.replace("${DAGSTER_HOME}", str(folder.resolve())), "utf-8")
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


@dataclass
class Stopped:
    """How `dagster dev` ended: by itself (`returncode`), or stopped by `signal`, with
    the runs that were in progress (`canceled`) and those nothing ended (`left`)."""

    returncode: int = 0
    signal: str | None = None
    canceled: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)


def supervise_dagster(command: list[str], env: dict, dagster_home: Path) -> Stopped:
    """Run `dagster dev` in a process group of its own; on Ctrl-C or SIGTERM, mark the
    runs in progress canceling, stop the whole group (webserver, daemon, code server, run
    workers: each worker ends its run as canceled), and cancel any run left behind."""
    stop = StopRequest()
    with stop.on_signals():
        process = subprocess.Popen(command, env=env, start_new_session=True)
        while process.poll() is None and not stop:
            time.sleep(0.2)
        if not stop:
            return Stopped(process.returncode)
        canceled = in_flight_runs(dagster_home)
        _stop_group(process, DEV_STOP_SECONDS)
        left = in_flight_runs(dagster_home, finish=True)
    return Stopped(0, stop.name, canceled, left)


def _stop_group(process: subprocess.Popen, seconds: float) -> None:
    """SIGTERM to the process group, SIGKILL to whatever is left of it after `seconds`."""
    group = process.pid
    deadline = time.monotonic() + seconds
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signal.SIGTERM)
        while time.monotonic() < deadline:
            process.poll()  # reap the leader, so an empty group reads as gone
            os.killpg(group, 0)
            time.sleep(0.2)
        os.killpg(group, signal.SIGKILL)
    process.wait()
