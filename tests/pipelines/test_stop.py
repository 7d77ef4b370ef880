"""Stop means stop: Ctrl-C and SIGTERM end `abierto run` within seconds wherever it is,
leave the served release whole, and the next run completes; a unit that never finishes
(a stand-in reader, `tests/pipelines/stuck.py`) is stopped at its time limit while the
other comunas publish.

The signal tests run the real command in a subprocess on a two-comuna home and send the
signal at a random point (a random progress line, then a random delay), like the
`kill -9` tests of `tests/publish/test_releases.py`.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import yaml

from datasets.samples.comunas import seed_comuna, write_installation
from pipelines.instance import ensure_dagster_home
from tests.pipelines.stuck import meet_marks, stuck_reader_env

ROOT = Path(__file__).resolve().parents[2]
CUTS = ["99901", "99902"]
# three comuna × dataset units over two comunas, then the catalog: small enough to run
# four times in a test, large enough to stop between comunas, inside one, in the catalog
DATASETS = {"99901": ["budgets", "contracts"], "99902": ["budgets"]}
UNITS = sum(len(slugs) for slugs in DATASETS.values())
STOP_WITHIN = 10  # seconds from the signal to the exit
# three units for two workers; which two start together is the runner's choice (the
# heaviest first): the tests below find out from the units' marks, never assume it
TWO_WORKERS = {"99901": ["budgets"], "99902": ["budgets", "contracts"]}
MARKS = ["99901-budgets", "99902-budgets", "99902-contracts"]

CLI = "from pipelines.cli import app; app(prog_name='abierto')"


def make_home(tmp_path: Path, datasets: dict[str, list[str]] | None = None) -> dict[str, str]:
    """Two fictional comunas with the demo exports; `datasets` limits what each publishes."""
    home = tmp_path / "abierto"
    for cut in CUTS:
        seed_comuna(home / "landing", cut)
    installation = write_installation(tmp_path / "municipalities.yaml", CUTS)
    if datasets:
        text = yaml.safe_load(installation.read_text("utf-8"))
        for municipality in text["municipalities"]:
            municipality["datasets"] = datasets[municipality["cut"]]
        installation.write_text(yaml.safe_dump(text, allow_unicode=True), encoding="utf-8")
    env = os.environ | {
        "ABIERTO_HOME": str(home),
        "ABIERTO_INSTALLATION": str(installation),
        "DAGSTER_HOME": str(ensure_dagster_home(tmp_path / "dagster")),
        "PYTHONUNBUFFERED": "1",
    }
    for key in ("ABIERTO_SMTP_HOST", "ABIERTO_WEBHOOK_URL", "ABIERTO_UNIT_TIMEOUT"):
        env.pop(key, None)
    return env


def abierto(env: dict, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", CLI, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def finish(process: subprocess.Popen, timeout: float = 300) -> tuple[int, str]:
    output, _ = process.communicate(timeout=timeout)
    return process.returncode, output


def served(env: dict) -> dict:
    return json.loads((Path(env["ABIERTO_HOME"]) / "site" / "catalog.json").read_text("utf-8"))


def runs_left_in_flight(env: dict) -> list:
    with dg.DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
        return [
            (run.run_id, run.status)
            for run in instance.get_runs()
            if run.status not in {dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE}
            and run.status != dg.DagsterRunStatus.CANCELED
        ]


def stop_at_random(env: dict, signum: int, line: int, rng: random.Random) -> tuple[int, str]:
    """Start a run, wait for its `line`-th progress line, wait a random moment more, send
    `signum`; return the exit code and output (asserting the exit took ≤ STOP_WITHIN s)."""
    process = abierto(env, "run", "--date", "2026-11-03")
    seen = []
    for text in process.stdout:
        seen.append(text)
        if text.startswith(f"[{line}/"):
            break
    time.sleep(rng.uniform(0, 1.5))
    if process.poll() is not None:  # finished before the signal: nothing to stop
        return process.returncode, "".join(seen) + process.stdout.read()
    process.send_signal(signum)
    sent = time.monotonic()
    code, rest = finish(process, timeout=STOP_WITHIN + 5)
    assert time.monotonic() - sent <= STOP_WITHIN, "".join(seen) + rest
    return code, "".join(seen) + rest


def test_sigint_and_sigterm_stop_a_run_and_the_next_run_completes(tmp_path):
    env = make_home(tmp_path, DATASETS)
    code, output = finish(abierto(env, "run", "--date", "2026-11-02"))
    assert code == 0, output
    # other data for 99902 (one month less), so an uninterrupted run makes a new release
    landing = Path(env["ABIERTO_HOME"]) / "landing" / "99902" / "budgets"
    (landing / "ejecucion_presupuestaria_2026-09.csv").unlink()

    rng = random.Random()
    seed = rng.randrange(1 << 30)
    rng.seed(seed)
    for signum, line in (
        (signal.SIGINT, rng.randint(1, UNITS)),  # during a comuna × dataset
        (signal.SIGTERM, UNITS + 1),  # during the catalog and its release switch
    ):
        code, output = stop_at_random(env, signum, line, rng)
        where = f"seed {seed}, {signum.name} after line {line}:\n{output}"
        assert code in (128 + signum, 0), where
        assert "Traceback" not in output, where
        if code:
            stop = [t for t in output.splitlines() if t.startswith(f"Detenido por {signum.name}")]
            assert len(stop) == 1 and f"of {UNITS} units done" in stop[0], where
        verify = subprocess.run(
            [sys.executable, "-c", CLI, "verify"], cwd=ROOT, env=env, capture_output=True
        )
        assert verify.returncode == 0, where + verify.stdout.decode()
        assert served(env)["release_id"] in {"2026-11-02", "2026-11-03"}, where
        assert runs_left_in_flight(env) == [], where

    code, output = finish(abierto(env, "run", "--date", "2026-11-03"))
    assert code == 0, output
    assert served(env)["release_id"] == "2026-11-03"
    home = Path(env["ABIERTO_HOME"])
    assert not list((home / "releases").glob(".staging-*"))
    statuses = {(r["comuna_code"], r["dataset"]): r["status"] for r in served(env)["comunas"]}
    assert {statuses[(cut, slug)] for cut, slugs in DATASETS.items() for slug in slugs} == {
        "published"
    }


def test_an_export_that_never_finishes_times_out_and_the_others_publish(tmp_path):
    """Two workers: whatever the order the units start in, the stuck 99902 contracts
    runs beside another unit (they meet in their readers: each unit's mark finds
    another's), and both other units publish, one in a new child if it was dealt
    behind the stuck one."""
    env = make_home(tmp_path, TWO_WORKERS)
    meet = tmp_path / "meet"
    env |= stuck_reader_env(tmp_path / "hooks", "99902", "contracts", deaf=True, meet=meet)
    env |= {"ABIERTO_UNIT_TIMEOUT": "20", "ABIERTO_WORKERS": "2"}
    code, output = finish(abierto(env, "run", "--date", "2026-11-02"))
    assert meet_marks(meet) == {m: "met" for m in MARKS}, output  # each ran beside another

    assert code == 1, output
    assert "Traceback" not in output
    problems = [t for t in output.splitlines() if t.startswith("✗")]
    assert problems == [
        "✗ contracts 99902: superó el límite de 20 s; se mantiene la versión anterior / "
        "exceeded the 20 s limit; the previous version is kept"
    ], output
    status = {(r["comuna_code"], r["dataset"]): r for r in served(env)["comunas"]}
    assert status[("99902", "contracts")]["status"] == "blocked"
    assert status[("99902", "contracts")]["reasons"] == ["timeout"]
    assert status[("99901", "budgets")]["status"] == "published"
    assert status[("99902", "budgets")]["status"] == "published"
    assert served(env)["datasets"]["budgets"]["summary"]["comunas"] == CUTS
    assert runs_left_in_flight(env) == []
    with dg.DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
        [stuck] = instance.get_runs(
            dg.RunsFilter(tags={"abierto/comuna": "99902", "abierto/dataset": "contracts"})
        )
        assert stuck.status == dg.DagsterRunStatus.FAILURE


def test_a_stop_interrupts_every_running_unit_and_starts_no_other(tmp_path):
    """Every unit reads forever once started; two workers start two of the three
    (whichever the runner picks: found from their marks), then SIGTERM."""
    env = make_home(tmp_path, TWO_WORKERS)
    meet = tmp_path / "meet"
    env |= stuck_reader_env(
        tmp_path / "hooks",
        "99902",
        "contracts",
        deaf=False,
        also=["99901/budgets", "99902/budgets"],
        meet=meet,
    )
    env["ABIERTO_WORKERS"] = "2"
    process = abierto(env, "run", "--date", "2026-11-02")
    deadline = time.monotonic() + 180
    while list(meet_marks(meet).values()) != ["met", "met"]:
        assert time.monotonic() < deadline and process.poll() is None, meet_marks(meet)
        time.sleep(0.2)
    running = {tuple(mark.split("-")) for mark in meet_marks(meet)}  # (cut, slug)
    [waiting] = {tuple(mark.split("-")) for mark in MARKS} - running
    process.send_signal(signal.SIGTERM)
    sent = time.monotonic()
    code, output = finish(process, timeout=STOP_WITHIN + 5)
    assert time.monotonic() - sent <= STOP_WITHIN, output

    assert code == 143, output
    assert "Traceback" not in output
    [stop] = [t for t in output.splitlines() if t.startswith("Detenido por SIGTERM")]
    assert "0 de 3 unidades terminadas" in stop
    interrupted = stop.split("interrumpidas: ")[1].split(";")[0]
    assert sorted(interrupted.split(", ")) == sorted(f"{s} {c}" for c, s in running), stop
    assert "1 sin empezar" in stop and "catálogo sin publicar" in stop, stop
    assert runs_left_in_flight(env) == []
    with dg.DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
        runs = {
            (run.tags["abierto/comuna"], run.tags["abierto/dataset"]): run.status
            for run in instance.get_runs()
        }
    # both running units canceled; the third never started
    assert runs == {unit: dg.DagsterRunStatus.CANCELED for unit in running}
    assert waiting not in runs
