"""`abierto ui` stops cleanly on SIGTERM: the webserver, the daemon, the code server and
the run worker end, and the run that was in progress is marked canceled in Dagster, not
left "started".

Starts `dagster dev` for real (about a minute); deselect with `-m "not daemon"`.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

from datasets.samples.comunas import SAMPLES, write_installation
from pipelines.instance import ensure_dagster_home
from tests.pipelines.stuck import stuck_reader_env

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.daemon


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def runs(dagster_home: Path) -> list[dg.DagsterRun]:
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        return list(instance.get_runs())


def test_sigterm_stops_the_ui_and_cancels_the_run_in_progress(tmp_path):
    dagster_home = ensure_dagster_home(tmp_path / "dagster")
    home = tmp_path / "abierto"
    env = os.environ | {
        "DAGSTER_HOME": str(dagster_home),
        "ABIERTO_HOME": str(home),
        "ABIERTO_INSTALLATION": str(write_installation(tmp_path / "m.yaml", ["99901"])),
        "ABIERTO_SENSOR_INTERVAL": "1",
    }
    # the run worker's reader of 99901's budgets never returns: the run is still in
    # progress when the UI stops
    env |= stuck_reader_env(tmp_path / "hooks", "99901", "budgets", deaf=False)
    log = tmp_path / "ui.log"
    with log.open("wb") as out:
        ui = subprocess.Popen(
            [sys.executable, "-c", "from pipelines.cli import app; app(prog_name='abierto')"]
            + ["ui", "--port", str(free_port())],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        landing = home / "landing" / "99901" / "budgets"
        landing.mkdir(parents=True)
        for source in (SAMPLES / "budgets").iterdir():
            shutil.copyfile(source, landing / source.name)
        deadline = time.monotonic() + 240
        while not any(r.status == dg.DagsterRunStatus.STARTED for r in runs(dagster_home)):
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            assert ui.poll() is None, log.read_text()[-3000:]
            time.sleep(1)
        time.sleep(2)  # the worker is now inside the stuck reader
        ui.send_signal(signal.SIGTERM)
        code = ui.wait(timeout=60)
    finally:
        if ui.poll() is None:
            ui.kill()
    output = log.read_text()
    assert code == 0, output[-3000:]
    assert "stopped by SIGTERM, 1 runs canceled" in output, output[-3000:]
    [run] = runs(dagster_home)
    assert run.status == dg.DagsterRunStatus.CANCELED, output[-3000:]
    # nothing of dagster dev is left (its processes carry the instance's folder)
    leftover = subprocess.run(["pgrep", "-f", str(dagster_home)], capture_output=True)
    assert leftover.stdout == b"", leftover.stdout
