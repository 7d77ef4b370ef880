"""The comuna stages ingest → validate → prepare, in-process, against the physical floor.

    .venv/bin/python -m benchmarks.comuna_stages [--lines 200000] [--profile STAGE]

Generates a Mercado Público order-lines export of LINES lines (the demo sample
`datasets/samples/99901/contracts/ordenes_de_compra_2026-10.csv` tiled, Latin-1,
`;`, ≈ 550 bytes a line; every copy's orders get codes of their own), lands it for
the fictional comuna 99901 in a fresh home, and times
`pipelines.steps.ingest`, `validate` and `prepare`, then `pipelines.warehouse.record`
(the comuna's part in Parquet; `publish_<slug>` in a Dagster run is prepare + record),
in this process: wall and CPU seconds, and the resident set size before, at the peak
of (sampled from `/proc` every 20 ms) and after each stage. Unlike a Dagster run, the
raw tables stay in memory after `validate` here. Beside them, the floor
measured in the same run: DuckDB `read_csv` of the same file into Parquet. Ratios are
stage wall / floor wall.

`--profile ingest|validate|prepare|record` runs that stage under cProfile and prints its
costliest functions (own time, then cumulative). `--source FILE` lands an existing
export (hard-linked) instead of generating one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from datasets.municipalities import load_installation
from pipelines import steps, warehouse
from pipelines.home import Home

COMUNA = "99901"
SAMPLE = Path(__file__).resolve().parents[1] / "datasets/samples/99901/contracts"
SAMPLE_FILE = SAMPLE / "ordenes_de_compra_2026-10.csv"


def build(path: Path, lines: int) -> None:
    """The sample's lines repeated; copy N's order `2431-157-CM26` becomes `2431-157N-CM26`."""
    header, *sample = SAMPLE_FILE.read_bytes().split(b"\r\n")
    sample = [line for line in sample if line]
    with path.open("wb") as out:
        out.write(header + b"\r\n")
        copy = 0
        while lines > 0:
            copy += 1
            suffix = b"%d-" % copy
            block = [re.sub(rb"^(\d+-\d+)-", rb"\g<1>" + suffix, line) for line in sample]
            out.write(b"\r\n".join(block[:lines]) + b"\r\n")
            lines -= len(block)


def floor(path: Path, out: Path) -> float:
    """DuckDB reading the CSV (its declared dialect, all text) into a Parquet file."""
    import duckdb

    start = time.perf_counter()
    with duckdb.connect() as con:
        con.execute(
            "COPY (SELECT * FROM read_csv(?, delim=';', header=true, all_varchar=true, "
            "encoding='latin-1')) TO ? (FORMAT parquet)",
            [str(path), str(out)],
        )
    return time.perf_counter() - start


class Peak:
    """The highest resident set size of this process while a stage runs, sampled from
    `/proc/self/statm` every 20 ms (`ru_maxrss` only says the peak so far)."""

    def __init__(self) -> None:
        self.page = os.sysconf("SC_PAGE_SIZE")
        self.peak = 0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)

    def rss(self) -> int:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * self.page

    def _sample(self) -> None:
        while not self.done.wait(0.02):
            self.peak = max(self.peak, self.rss())

    def __enter__(self) -> Peak:
        self.start = self.peak = self.rss()
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.done.set()
        self.thread.join()
        self.end = self.rss()
        self.peak = max(self.peak, self.end)


def timed(name: str, call: Callable[[], object], profile: str | None) -> tuple[object, dict]:
    cpu = time.process_time()
    start = time.perf_counter()
    sampler = Peak().__enter__()
    if profile == name:
        import cProfile
        import pstats

        with cProfile.Profile() as profiler:
            result = call()
        stats = pstats.Stats(profiler).strip_dirs()
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumulative").print_stats(40)
    else:
        result = call()
    wall = time.perf_counter() - start
    sampler.__exit__()
    return result, {
        "stage": name,
        "wall": wall,
        "cpu": time.process_time() - cpu,
        "before": sampler.start / 1e6,
        "peak": sampler.peak / 1e6,
        "after": sampler.end / 1e6,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--profile", choices=["ingest", "validate", "prepare", "record"])
    parser.add_argument(
        "--source", type=Path, help="an export to land instead of generating one (hard-linked)"
    )
    args = parser.parse_args()
    installation = load_installation()
    with tempfile.TemporaryDirectory() as folder:
        home = Home(Path(folder) / "home")
        landing = home.landing / COMUNA / "contracts"
        landing.mkdir(parents=True)
        path = landing / "ordenes_de_compra_2026-10.csv"
        if args.source:
            os.link(args.source.resolve(), path)
        else:
            build(path, args.lines)
        size = path.stat().st_size
        floor_wall = floor(path, Path(folder) / "floor.parquet")
        rows = []
        ingested, row = timed(
            "ingest",
            lambda: steps.ingest(home, installation, "contracts", comuna=COMUNA),
            args.profile,
        )
        rows.append(row)
        assert not ingested.rejected, ingested.rejected
        validated, row = timed(
            "validate",
            lambda: steps.validate(ingested, installation, home.quarantine / COMUNA),
            args.profile,
        )
        rows.append(row)
        prepared, row = timed(
            "prepare",
            lambda: steps.prepare(
                validated,
                installation,
                as_of=dt.date(2026, 11, 15),
                pseudonym_key="bench",
                home=home,
                quarantine_dir=home.quarantine / COMUNA,
            ),
            args.profile,
        )
        rows.append(row)
        _, row = timed(
            "record",
            lambda: warehouse.record(home, COMUNA, prepared, dt.date(2026, 11, 15)),
            args.profile,
        )
        rows.append(row)
        shutil.rmtree(home.root)
    published = {t: len(f) for t, f in prepared.tables.items()}
    print(f"file: {args.lines:,} lines, {size / 1e6:.0f} MB; published {published}")
    print(f"blocked: {[r['type'] for r in prepared.blocked]}")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        f"{'stage':<10} {'wall s':>8} {'CPU s':>8} {'RSS before':>11} {'peak MB':>8} "
        f"{'after':>8} {'× floor':>8}"
    )
    for row in rows:
        print(
            f"{row['stage']:<10} {row['wall']:>8.2f} {row['cpu']:>8.2f} {row['before']:>11.0f} "
            f"{row['peak']:>8.0f} {row['after']:>8.0f} {row['wall'] / floor_wall:>8.1f}"
        )
    total = sum(r["wall"] for r in rows)
    print(f"{'total':<10} {total:>8.2f} {'':>8} {'':>12} {total / floor_wall:>8.1f}")
    print(f"{'floor':<10} {floor_wall:>8.2f}   (DuckDB read_csv → Parquet, same file)")


if __name__ == "__main__":
    main()
