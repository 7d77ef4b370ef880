"""What `abierto run` costs for N fictional comunas of sample data, against one comuna.

    .venv/bin/python -m benchmarks.run_comunas 346          # or: 20 346, 20 100, …
    .venv/bin/python -m benchmarks.run_comunas 5 --profile  # where the time goes

Each comuna gets a copy of Villa Ejemplo's demo exports (`datasets.samples.comunas`,
fictional CUT codes, data marked synthetic). In one invocation, each on a fresh
ABIERTO_HOME and DAGSTER_HOME (the local SQLite instance):

1. `abierto run` for one comuna (every comuna × dataset unit, then the catalog);
2. `abierto run` for each N given;
3. for the largest N, one comuna's export changed (a budget month less), run again:
   the re-release (`--no-rerelease` leaves it out).

Each is the real command in a subprocess, its process tree (fork server and unit
children included) sampled every 0.1 s: wall s, CPU s (user + system) and peak RSS
(sum over the tree), and the load average before and after; under each run, where its
wall time (CPU time) went, from the runner's and the catalog's `ABIERTO_TIMINGS` marks (start-up
and imports, the pre-pass deciding the unchanged units, carrying them, the units'
runs, the catalog's child with its step, the end). `abierto run` runs
`ABIERTO_WORKERS` children at once (default: the CPUs; set it to compare, e.g. 1 for
one unit at a time). The targets of issue 14 are printed beside the ratios: N comunas
≤ 30× one comuna, the re-release ≤ 2× one comuna, peak RSS ≤ 1.5× from the smallest to
the largest N given (when more than one N). On a shared machine compare CPU s.

`--profile` runs the same units in this process (not isolated) under cProfile and
prints the self time by where the code lives (Dagster's event log, its orchestration,
the pipeline's own code, data libraries).
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

import dagster as dg

from benchmarks.end_to_end import Measured, measure, read_marks
from datasets.samples.comunas import fictional_cuts, seed_comuna, write_installation
from pipelines import limits
from pipelines.definitions import build_defs
from pipelines.home import Home
from pipelines.instance import ensure_dagster_home
from pipelines.resources import AbiertoResource
from pipelines.runner import run_all

RUN_DATE = "2026-11-02"
CHANGED_FILE = "budgets/ejecucion_presupuestaria_2026-09.csv"
TARGETS = {"comunas": 30.0, "re-release": 2.0, "rss": 1.5}
QUIET = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}

# Self time of every profiled function, by where the function lives (sums to the total).
CATEGORIES = [
    ("Dagster run storage: SQLite event log", ("sqlite", "sqlalchemy")),
    ("Dagster orchestration (plans, events, IO manager)", ("/dagster/", "/dagster_")),
    ("Python imports", ("<frozen importlib", "marshal", "{built-in method _imp")),
    ("abierto code", ("/datasets/", "/quality/", "/publish/", "/pipelines/", "/schemas/")),
    (
        "data libraries (pandas, pyarrow, duckdb, …)",
        (
            "/pandas/",
            "/numpy/",
            "/pyarrow/",
            "duckdb",
            "/frictionless/",
            "/jinja2/",
            "openpyxl",
            "calamine",
        ),
    ),
]


def make_home(root: Path, count: int) -> dict[str, str]:
    """A fresh ABIERTO_HOME with `count` fictional comunas; the environment to run it."""
    home = Home(root / "abierto")
    cuts = fictional_cuts(count)
    for cut in cuts:
        seed_comuna(home.landing, cut)
    installation = write_installation(root / "municipalities.yaml", cuts)
    env = dict(os.environ, ABIERTO_HOME=str(home.root), ABIERTO_INSTALLATION=str(installation))
    env["DAGSTER_HOME"] = str(ensure_dagster_home(root / "dagster"))
    for variable in ("ABIERTO_SMTP_HOST", "ABIERTO_WEBHOOK_URL"):
        env.pop(variable, None)
    return env


# (label, mark it starts at, mark it ends at): None is the process's start or end
PHASES = [
    ("start-up", None, "runner-start"),
    ("pre-pass", "runner-start", "runner-unchanged-found"),
    ("carry", "runner-unchanged-found", "runner-carried"),
    ("units", "runner-carried", "runner-units-done"),
    ("catalog child", "runner-units-done", "catalog-start"),
    ("catalog step", "catalog-start", "done"),
    ("checks, end", "done", "runner-catalog-done"),
    ("report", "runner-catalog-done", None),
]


def run(env: dict[str, str], label: str) -> Measured:
    abierto = Path(sys.executable).parent / "abierto"
    timings = Path(env["ABIERTO_HOME"]) / f"timings-{time.time_ns()}.tsv"
    env = dict(env, ABIERTO_TIMINGS=str(timings))
    measured = measure([str(abierto), "run", "--date", RUN_DATE], env)
    # the kernel's final figure leaves out the fork server's tree (never waited for): the
    # highest sample has it
    measured.samples.append(dataclasses.replace(max(measured.samples, key=lambda s: s.cpu)))
    if measured.returncode != 0:
        sys.exit(f"{label}: abierto run exited {measured.returncode}\n{measured.output}")
    print(
        f"  {label:<34} {measured.wall:8.1f} {measured.cpu:8.1f} {measured.peak_mb:8.0f}",
        flush=True,
    )
    print(f"    {phases(measured, read_marks(timings))}", flush=True)
    return measured


def phases(measured: Measured, marks: dict[str, float]) -> str:
    """Wall (and CPU) seconds between the run's marks (`PHASES`), those it wrote."""
    end = measured.start + measured.wall
    spans = []
    for name, begin, until in PHASES:
        first = measured.start if begin is None else marks.get(begin)
        last = end if until is None else marks.get(until)
        if first is not None and last is not None:
            spans.append(f"{name} {last - first:.1f} ({measured.between(first, last)[0]:.1f})")
    return " · ".join(spans)


def bench(counts: list[int], rerelease: bool = True) -> None:
    load = os.getloadavg()[0]
    print(
        f"abierto run, fictional comunas of sample data; load {load:.1f} on {os.cpu_count()} "
        f"CPUs; {limits.workers()} workers (ABIERTO_WORKERS)"
    )
    print(f"  {'':<34} {'wall s':>8} {'CPU s':>8} {'peak MB':>8}")
    with tempfile.TemporaryDirectory(prefix="abierto-bench-comunas-") as tmp:
        one = run(make_home(Path(tmp) / "1", 1), "1 comuna")
        measured = {}
        for count in counts:
            env = make_home(Path(tmp) / str(count), count)
            measured[count] = run(env, f"{count} comunas")
        largest = max(counts)
        again = None
        if rerelease:
            changed = Path(tmp) / str(largest) / "abierto" / "landing"
            (changed / fictional_cuts(largest)[-1] / CHANGED_FILE).unlink()
            again = run(env, f"{largest} comunas, 1 changed: re-release")
    print("\nratios (wall / CPU) against one comuna, and the targets:")
    for count, each in measured.items():
        target = f"target ≤ {TARGETS['comunas']:.0f}×" if count == largest else ""
        print(f"  {count} comunas: {_ratio(each, one)}   {target}")
    if again is not None:
        target = TARGETS["re-release"]
        print(f"  re-release after 1 changed: {_ratio(again, one)}   target ≤ {target:.0f}×")
    if len(counts) > 1:
        smallest = min(counts)
        ratio = measured[largest].peak_mb / measured[smallest].peak_mb
        print(
            f"  peak RSS {largest} / {smallest} comunas: {ratio:.2f}×   target ≤ {TARGETS['rss']}×"
        )
    print(f"load {os.getloadavg()[0]:.1f} at the end")


def _ratio(measured: Measured, one: Measured) -> str:
    return f"{measured.wall / one.wall:6.1f}× / {measured.cpu / one.cpu:6.1f}×"


def profile(count: int) -> None:
    """The units and the catalog in this process under cProfile: self time by category."""
    with tempfile.TemporaryDirectory(prefix=f"abierto-profile-{count}-") as tmp:
        env = make_home(Path(tmp), count)
        os.environ["DAGSTER_HOME"] = env["DAGSTER_HOME"]
        installation = Path(env["ABIERTO_INSTALLATION"])
        resource = AbiertoResource(
            home_dir=env["ABIERTO_HOME"], installation_file=str(installation), run_date=RUN_DATE
        )
        profiler = cProfile.Profile()
        with dg.DagsterInstance.get() as instance:
            started, cpu = time.perf_counter(), time.process_time()
            profiler.enable()
            outcome = run_all(build_defs(installation), resource, instance, run_config=QUIET)
            profiler.disable()
            total, cpu = time.perf_counter() - started, time.process_time() - cpu
            assert outcome.catalog_ok and not outcome.comunas_failed
            runs = len(instance.get_runs())
    print(f"{count} comunas in this process: {total:.1f} s wall, {cpu:.1f} s CPU, {runs} runs")
    for label, seconds in where_the_time_goes(pstats.Stats(profiler)).items():
        print(f"  {label:<52} {seconds:7.1f} s  ({seconds / total:5.1%})")


def where_the_time_goes(stats: pstats.Stats) -> dict[str, float]:
    totals = {label: 0.0 for label, _ in CATEGORIES} | {"other (file I/O, stdlib, …)": 0.0}
    for (file, _, name), (_, _, self_time, _, _) in stats.stats.items():
        where = f"{file} {name}"
        label = next((lb for lb, keys in CATEGORIES if any(k in where for k in keys)), None)
        totals[label or "other (file I/O, stdlib, …)"] += self_time
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("counts", nargs="+", type=int)
    parser.add_argument("--profile", action="store_true", help="Profile in this process.")
    parser.add_argument(
        "--no-rerelease", action="store_true", help="Leave out step 3 (the re-release)."
    )
    args = parser.parse_args()
    if args.profile:
        for count in args.counts:
            profile(count)
    else:
        bench(sorted(args.counts), rerelease=not args.no_rerelease)


if __name__ == "__main__":
    main()
