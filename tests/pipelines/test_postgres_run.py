"""A comuna run through PostgreSQL run and event storage (`dagster-postgres`), for real.

A throwaway cluster is started for the test (`initdb` and `pg_ctl` of Debian's PostgreSQL,
installed by `tests/postgres/setup.sh`, which `make test` runs) in a temporary folder on
a free port, and the production instance file `deploy/dagster.yaml` is pointed at it.
`abierto run` then publishes one comuna, each unit isolated in its child process, and
the runs, their events and the asset materializations are read back from PostgreSQL.
As root (CI), PostgreSQL refuses to run; the cluster then belongs to the `postgres`
system user that Debian's package creates. Never skipped: without PostgreSQL it fails.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import dagster as dg
import pytest
import yaml

from datasets.samples.comunas import seed_comuna, write_installation

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
CUT = "99901"
DATABASE = "dagster"


def postgres_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    initdb = found[-1] if found else shutil.which("initdb")
    assert initdb, "PostgreSQL missing: run `bash tests/postgres/setup.sh` (make test does)"
    return Path(initdb).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def postgres():
    """A running cluster: (port, user); stopped and removed afterwards. Its folder is in
    the system's temporary folder, which the `postgres` user can reach (pytest's is
    private to the user running the tests)."""
    folder = Path(tempfile.mkdtemp(prefix="abierto-postgres-"))
    data, sockets = folder / "data", folder / "sockets"
    sockets.mkdir()
    as_user: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL will not run as root
        owner = pwd.getpwnam("postgres")
        for path in (folder, sockets):
            os.chown(path, owner.pw_uid, owner.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    user, port, bin_dir = "abierto", free_port(), postgres_bin()

    def pg(*command: str) -> None:
        done = subprocess.run(as_user + list(command), capture_output=True, text=True, cwd=folder)
        assert done.returncode == 0, f"{command}: {done.stdout}{done.stderr}"

    pg(str(bin_dir / "initdb"), "-D", str(data), "-U", user, "-A", "trust", "-E", "UTF8")
    options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off"
    pg(
        str(bin_dir / "pg_ctl"),
        "-D",
        str(data),
        "-o",
        options,
        "-w",
        "-l",
        str(folder / "log"),
        "start",
    )
    try:
        pg(str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", user, DATABASE)
        yield port, user
    finally:
        with contextlib.suppress(AssertionError):
            pg(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(folder, ignore_errors=True)


def instance_folder(folder: Path, port: int, user: str) -> Path:
    """deploy/dagster.yaml, the production instance, with the test cluster's port (its
    other settings read DAGSTER_PG_* from the environment) and a local compute-log folder."""
    config = yaml.safe_load((ROOT / "deploy" / "dagster.yaml").read_text("utf-8"))
    config["storage"]["postgres"]["postgres_db"]["port"] = port
    config["compute_logs"]["config"]["base_dir"] = str(folder / "compute_logs")
    folder.mkdir()
    (folder / "dagster.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return folder


def test_a_comuna_runs_with_postgresql_run_and_event_storage(postgres, tmp_path, monkeypatch):
    port, user = postgres
    home = tmp_path / "abierto"
    seed_comuna(home / "landing", CUT)
    installation = write_installation(tmp_path / "municipalities.yaml", [CUT])
    dagster_home = instance_folder(tmp_path / "dagster", port, user)
    env = os.environ | {
        "ABIERTO_HOME": str(home),
        "ABIERTO_INSTALLATION": str(installation),
        "DAGSTER_HOME": str(dagster_home),
        "DAGSTER_PG_HOST": "127.0.0.1",
        "DAGSTER_PG_DB": DATABASE,
        "DAGSTER_PG_USER": user,
        "DAGSTER_PG_PASSWORD": "",
        # the run queue's limit (deploy/dagster.yaml), and two units at once in PostgreSQL
        "ABIERTO_WORKERS": "2",
    }
    command = "from pipelines.cli import app; app(prog_name='abierto')"
    done = subprocess.run(
        [sys.executable, "-c", command, "run", "--date", "2026-11-02"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    catalog = json.loads((home / "site" / "catalog.json").read_text("utf-8"))
    assert {r["status"] for r in catalog["comunas"] if r["comuna_code"] == CUT} == {"published"}

    for key, value in env.items():  # what deploy/dagster.yaml reads from the environment
        if key.startswith("DAGSTER_PG_") or key == "ABIERTO_WORKERS":
            monkeypatch.setenv(key, value)
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        storage = type(instance.run_storage).__name__, type(instance.event_log_storage).__name__
        assert storage == ("PostgresRunStorage", "PostgresEventLogStorage")
        runs = instance.get_runs()
        assert runs and {run.status for run in runs} == {dg.DagsterRunStatus.SUCCESS}
        comunas = {run.tags.get("abierto/comuna") for run in runs} - {None}
        assert comunas == {CUT}
        for slug in ("budgets", "contracts", "access_requests"):
            record = instance.get_latest_materialization_event(dg.AssetKey(f"publish_{slug}"))
            assert record is not None and record.dagster_event.partition == CUT
        catalog_event = instance.get_latest_materialization_event(dg.AssetKey("catalog"))
        assert catalog_event is not None
