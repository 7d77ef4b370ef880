"""How long a full run takes for N fictional comunas of sample data, and where the time goes.

    .venv/bin/python -m benchmarks.run_comunas 1 50 [--profile] [--in-memory]

Each comuna gets a copy of Villa Ejemplo's demo exports (`datasets.samples.comunas`);
the run is the one `abierto run` does (one Dagster run per comuna × dataset, then the
catalog; here in this process, where `abierto run` isolates each in a child), on a fresh
ABIERTO_HOME and a DAGSTER_HOME with the local SQLite instance. Reports the
wall time of the comuna runs and of the catalog run, and with `--profile` the share of
time spent in Dagster's own bookkeeping (event log) versus the pipeline's steps.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import tempfile
import time
from pathlib import Path

import dagster as dg

from datasets.samples.comunas import fictional_cuts, seed_comuna, write_installation
from pipelines.definitions import build_defs
from pipelines.home import Home
from pipelines.instance import ensure_dagster_home
from pipelines.resources import AbiertoResource
from pipelines.runner import run_all

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


def bench(count: int, profile: bool, in_memory: bool) -> None:
    with tempfile.TemporaryDirectory(prefix=f"abierto-bench-{count}-") as tmp:
        root = Path(tmp)
        home = Home(root / "abierto")
        cuts = fictional_cuts(count)
        for cut in cuts:
            seed_comuna(home.landing, cut)
        installation = write_installation(root / "municipalities.yaml", cuts)
        os.environ["DAGSTER_HOME"] = str(ensure_dagster_home(root / "dagster"))
        defs = build_defs(installation)
        resource = AbiertoResource(
            home_dir=str(home.root), installation_file=str(installation), run_date="2026-11-02"
        )
        profiler = cProfile.Profile() if profile else None
        instance_context = dg.DagsterInstance.ephemeral() if in_memory else dg.DagsterInstance.get()
        with instance_context as instance:
            started = time.perf_counter()
            if profiler:
                profiler.enable()
            outcome = run_all(defs, resource, instance)
            if profiler:
                profiler.disable()
            total = time.perf_counter() - started
            assert outcome.catalog_ok and not outcome.comunas_failed
            runs = instance.get_runs()
            comuna = [_seconds(instance, r) for r in reversed(runs) if "abierto/comuna" in r.tags]
            catalog = sum(_seconds(instance, r) for r in runs if "abierto/comuna" not in r.tags)
        print(
            f"\n{count} comunas ({'in-memory' if in_memory else 'SQLite'} Dagster instance): "
            f"{total:.1f} s in all; {len(comuna)} comuna runs "
            f"(mean {sum(comuna) / len(comuna):.2f} s, {sum(comuna):.1f} s), "
            f"catalog run {catalog:.1f} s, between runs {total - sum(comuna) - catalog:.1f} s; "
            f"first/last comuna run {comuna[0]:.2f} s / {comuna[-1]:.2f} s"
        )
        if profiler:
            for label, seconds in where_the_time_goes(pstats.Stats(profiler)).items():
                print(f"  {label:<52} {seconds:7.1f} s  ({seconds / total:5.1%})")


def _seconds(instance: dg.DagsterInstance, run: dg.DagsterRun) -> float:
    stats = instance.get_run_stats(run.run_id)
    return stats.end_time - stats.start_time


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
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--in-memory", action="store_true", help="Ephemeral Dagster instance (no SQLite)."
    )
    args = parser.parse_args()
    for count in args.counts:
        bench(count, args.profile, args.in_memory)


if __name__ == "__main__":
    main()
