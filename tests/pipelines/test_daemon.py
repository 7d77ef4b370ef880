"""The real thing: `dagster-daemon` on a temp DAGSTER_HOME picks up a landed export, runs
its comuna and dataset, then releases the catalog.

Takes about a minute (two runs in subprocesses); deselect with `-m "not daemon"`.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

from datasets.samples.comunas import SAMPLES, write_installation
from pipelines.instance import ensure_dagster_home

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_SECONDS = 300

pytestmark = pytest.mark.daemon


def wait_for(path: Path, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if path.exists():
            return
        assert process.poll() is None, log.read_text()[-3000:]
        time.sleep(1)
    pytest.fail(f"{path} did not appear in {TIMEOUT_SECONDS}s:\n{log.read_text()[-3000:]}")


def test_daemon_publishes_a_landed_export(tmp_path):
    dagster_home = ensure_dagster_home(tmp_path / "dagster")
    home = tmp_path / "abierto"
    installation = write_installation(tmp_path / "municipalities.yaml", ["99901"])
    env = os.environ | {
        "DAGSTER_HOME": str(dagster_home),
        "ABIERTO_HOME": str(home),
        "ABIERTO_INSTALLATION": str(installation),
        "ABIERTO_SENSOR_INTERVAL": "1",
    }
    for key in ("ABIERTO_SMTP_HOST", "ABIERTO_WEBHOOK_URL"):
        env.pop(key, None)
    log = tmp_path / "daemon.log"
    with log.open("wb") as out:
        daemon = subprocess.Popen(
            [sys.executable, "-m", "dagster._daemon", "run", "-m", "pipelines.definitions"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        landing = home / "landing" / "99901" / "budgets"
        landing.mkdir(parents=True)
        for source in (SAMPLES / "budgets").iterdir():
            shutil.copyfile(source, landing / source.name)
        wait_for(home / "site" / "catalog.json", daemon, log)
    finally:
        os.killpg(daemon.pid, signal.SIGTERM)
        try:
            daemon.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(daemon.pid, signal.SIGKILL)

    state = json.loads((home / "site" / "catalog.json").read_text("utf-8"))
    budgets = state["datasets"]["budgets"]
    assert budgets["summary"]["comunas"] == ["99901"]
    assert budgets["summary"]["rows_published"] > 0
    statuses = {r["dataset"]: r["status"] for r in state["comunas"]}
    assert statuses == {
        "budgets": "published",
        "contracts": "missing",
        "access_requests": "missing",
    }
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        runs = instance.get_runs(dg.RunsFilter(job_name="publish_comuna"))
        assert [
            (r.status, r.tags["dagster/partition"], r.tags["abierto/dataset"]) for r in runs
        ] == [(dg.DagsterRunStatus.SUCCESS, "99901", "budgets")]
