"""What a release costs when little changed: N comunas run once, again unchanged, then
again after one comuna's export changed.

    .venv/bin/python -m benchmarks.rerelease 20

Each comuna gets a copy of Villa Ejemplo's demo exports (`datasets.samples.comunas`); the
runs are `abierto run`'s (one Dagster run per comuna × dataset, then the catalog), in
this process on an in-memory Dagster instance, so CPU seconds count everything. The
changed export is 99902's budget file, one line shorter. Prints, per run, wall and CPU
seconds of the comuna runs and of the catalog run, and the CPU ratio to the first run.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import dagster as dg

from datasets.samples.comunas import fictional_cuts, seed_comuna, write_installation
from pipelines.definitions import build_defs
from pipelines.home import Home
from pipelines.resources import AbiertoResource
from pipelines.runner import run_all

BUDGET_FILE = "ejecucion_presupuestaria_2026-10.csv"


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def bench(count: int) -> None:
    with tempfile.TemporaryDirectory(prefix=f"abierto-rerelease-{count}-") as tmp:
        root = Path(tmp)
        home = Home(root / "abierto")
        cuts = fictional_cuts(count)
        for cut in cuts:
            seed_comuna(home.landing, cut)
        installation = write_installation(root / "municipalities.yaml", cuts)
        defs = build_defs(installation)
        resource_ = AbiertoResource(
            home_dir=str(home.root), installation_file=str(installation), run_date="2026-11-02"
        )
        print(f"\n{count} comunas (in-memory Dagster instance, same run date)")
        print(f"{'run':<34}{'wall s':>9}{'CPU s':>9}{'catalog CPU s':>15}{'× first':>9}")
        first = None
        for label in ("first", "unchanged", "one comuna changed"):
            if label == "one comuna changed":
                landed = home.landing / cuts[min(1, count - 1)] / "budgets" / BUDGET_FILE
                text = landed.read_bytes().rstrip(b"\r\n")
                landed.write_bytes(text.rsplit(b"\n", 1)[0] + b"\n")
            with dg.DagsterInstance.ephemeral() as instance:
                started, used = time.perf_counter(), cpu()
                catalog = _Catalog()
                outcome = run_all(defs, resource_, instance, on_progress=catalog.observe)
                wall, spent = time.perf_counter() - started, cpu() - used
            assert outcome.catalog_ok and not outcome.comunas_failed
            first = first or spent
            print(
                f"{label:<34}{wall:9.1f}{spent:9.1f}{catalog.cpu(cpu()):15.1f}{spent / first:9.2f}"
            )


class _Catalog:
    """CPU seconds from the start of the catalog run (the runner's progress callback)."""

    def __init__(self) -> None:
        self.started: float | None = None

    def observe(self, progress) -> None:
        if self.started is None and progress.unit == ("", "catalog"):
            self.started = cpu()

    def cpu(self, now: float) -> float:
        return now - self.started if self.started is not None else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("counts", nargs="+", type=int)
    for count in parser.parse_args().counts:
        bench(count)


if __name__ == "__main__":
    main()
