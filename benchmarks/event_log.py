"""What a Dagster run costs with each SQLite event log, side by side.

    .venv/bin/python -m benchmarks.event_log [--runs 15]

Runs a three-asset job (no work of its own: what is left is Dagster's cost per run,
most of it writing about 60 events) on a persistent instance, first with Dagster's
`ConsolidatedSqliteEventLogStorage`, then with `pipelines.event_log.
LocalSqliteEventLogStorage` (no disk flush per event, no checkpoint per connection
closed), each in a fresh DAGSTER_HOME, and prints wall and CPU seconds per run.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import dagster as dg

OUT = Path(__file__).resolve().parent / "out"  # git-ignored

STORAGES = {
    "Dagster's ConsolidatedSqliteEventLogStorage": (
        "dagster.core.storage.event_log",
        "ConsolidatedSqliteEventLogStorage",
    ),
    "abierto's LocalSqliteEventLogStorage": ("pipelines.event_log", "LocalSqliteEventLogStorage"),
}


@dg.asset
def first() -> int:
    return 1


@dg.asset
def second(first: int) -> int:
    return first + 1


@dg.asset
def third(second: int) -> int:
    return second + 1


def per_run(module: str, name: str, runs: int) -> tuple[float, float]:
    job = dg.Definitions(
        assets=[first, second, third], jobs=[dg.define_asset_job("three")]
    ).resolve_job_def("three")
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=OUT) as folder:  # the project's disk, git-ignored
        (Path(folder) / "dagster.yaml").write_text(
            f"event_log_storage:\n  module: {module}\n  class: {name}\n"
            f"  config:\n    base_dir: {folder}/history\ntelemetry:\n  enabled: false\n"
        )
        instance = dg.DagsterInstance.local_temp(folder)
        try:
            job.execute_in_process(instance=instance)  # tables created, code warm
            wall, cpu = time.perf_counter(), time.process_time()
            for _ in range(runs):
                job.execute_in_process(instance=instance)
            return (time.perf_counter() - wall) / runs, (time.process_time() - cpu) / runs
        finally:
            instance.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    results = {label: per_run(*where, args.runs) for label, where in STORAGES.items()}
    print(f"{'event log':<46} {'wall s/run':>10} {'CPU s/run':>10}")
    for label, (wall, cpu) in results.items():
        print(f"{label:<46} {wall:>10.3f} {cpu:>10.3f}")
    (before, _), (after, _) = results.values()
    print(f"{'ratio (abierto / Dagster), wall':<46} {after / before:>10.2f}")


if __name__ == "__main__":
    main()
