"""The whole pipeline on a large Mercado Público order-lines export, against its floor.

    .venv/bin/python benchmarks/end_to_end.py --lines 1000000

1. Generates (once, deterministically, into `benchmarks/out/`) an order-lines export in
   the shape of the demo's `datasets/samples/99901/contracts/ordenes_de_compra_2026-10.csv`
   (its real Mercado Público header, Latin-1, `;`): the sample's lines tiled until there
   are `--lines` lines, each tile with its own order codes and item ids.
2. Seeds a fresh `ABIERTO_HOME` with the demo exports (`abierto run --demo` does) and puts
   the generated file in place of the demo's order lines, in `landing/99901/contracts/`.
3. Runs `abierto run` in a subprocess, sampling its CPU time and RSS (with its children)
   every 0.1 s, then again with unchanged inputs (no new release is expected).
4. Measures the floor in the same invocation: DuckDB `read_csv` of the same file →
   Parquet, in a subprocess sampled the same way.
5. Prints, per Dagster step (from the run's event log: step start and end) and per part
   of the catalog step (from the `ABIERTO_TIMINGS` marks of `publish`), wall, CPU and
   peak RSS; then the time outside every step (start-up, the runner's pre-pass, waits
   between runs, the end), split by the runner's marks (`pipelines.runner`); and each
   run's ratio to the floor.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "datasets/samples/99901/contracts/ordenes_de_compra_2026-10.csv"
OUT = ROOT / "benchmarks/out"
RUN_DATE = "2026-11-02"
TICK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
# Parts of the catalog step, between the marks `publish` writes (see `publish.release.mark`).
CATALOG_PARTS = [
    ("catalog-start", "packages-built", "  packages (CSV, Parquet, XLSX writers)"),
    ("packages-built", "staged-packages", "  stage packages"),
    ("staged-packages", "staged-changes", "  changes"),
    ("staged-changes", "staged-duckdb", "  DuckDB file"),
    ("staged-duckdb", "site-built", "  manifest, checksums, site"),
    ("site-built", "gate-passed", "  publish gate (leak scan)"),
    ("gate-passed", "synced", "  fsync"),
]


def generate(lines: int) -> Path:
    """The sample's lines tiled to `lines` lines (header kept); reused when present."""
    path = OUT / f"ordenes_de_compra_{lines}.csv"
    if path.exists():
        return path
    OUT.mkdir(parents=True, exist_ok=True)
    header, *body = SAMPLE.read_bytes().decode("latin-1").splitlines()
    rows = [line.split(";") for line in body]
    partial = path.with_suffix(".partial")
    with partial.open("w", encoding="latin-1", newline="") as out:
        out.write(header + "\r\n")
        written, tile = 0, 0
        while written < lines:
            chunk = []
            for cells in rows[: lines - written]:
                code = cells[0].split("-")
                cells = [f"{code[0]}-{code[1]}{tile:05d}-{code[2]}", *cells[1:]]
                chunk.append(";".join(cells))
            out.write("\r\n".join(chunk) + "\r\n")
            written += len(chunk)
            tile += 1
    partial.rename(path)
    return path


@dataclass
class Sample:
    at: float
    cpu: float  # s, user + system of the process tree
    rss: int  # bytes, process tree


@dataclass
class Measured:
    wall: float
    samples: list[Sample] = field(default_factory=list)
    start: float = 0.0
    returncode: int = 0
    output: str = ""

    def between(self, start: float, end: float) -> tuple[float, float]:
        """CPU seconds and peak RSS (MB) between two wall-clock times."""
        inside = [s for s in self.samples if start <= s.at <= end]
        before = [s for s in self.samples if s.at <= start] or self.samples[:1]
        after = [s for s in self.samples if s.at >= end] or self.samples[-1:]
        cpu = after[0].cpu - before[-1].cpu if before and after else 0.0
        peak = max((s.rss for s in inside + before[-1:] + after[:1]), default=0)
        return cpu, peak / 2**20

    @property
    def cpu(self) -> float:
        return self.samples[-1].cpu if self.samples else 0.0

    @property
    def peak_mb(self) -> float:
        return max((s.rss for s in self.samples), default=0) / 2**20


def _tree(pid: int) -> list[int]:
    pids, queue = [pid], [pid]
    while queue:
        parent = queue.pop()
        try:
            children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
        except OSError:
            continue
        pids += [int(c) for c in children]
        queue += [int(c) for c in children]
    return pids


def _sample(pid: int, cpu_seen: dict[int, float]) -> Sample | None:
    """CPU of the tree, each process's own (user + system, not its reaped children's:
    they are counted themselves) with its last figure kept in `cpu_seen`, so a child
    that exited still counts; and the tree's RSS now."""
    rss = 0
    for each in _tree(pid):
        try:
            stat = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        own = (int(stat[11]) + int(stat[12])) / TICK
        cpu_seen[each] = max(cpu_seen.get(each, 0.0), own)
        rss += int(stat[21]) * PAGE
    return Sample(time.time(), sum(cpu_seen.values()), rss)


def measure(command: list[str], env: dict[str, str]) -> Measured:
    """Run `command`, sampling CPU and RSS of its process tree every 0.1 s."""
    start = time.time()
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    result = Measured(0.0, start=start)
    done = threading.Event()
    cpu_seen: dict[int, float] = {}

    def sampler() -> None:
        while not done.is_set():
            sample = _sample(process.pid, cpu_seen)
            if sample is not None:
                result.samples.append(sample)
            done.wait(0.1)

    thread = threading.Thread(target=sampler, daemon=True)
    thread.start()
    pid, status, usage = os.wait4(process.pid, 0)
    result.wall = time.time() - start
    done.set()
    thread.join()
    result.output = process.stdout.read()
    result.returncode = os.waitstatus_to_exitcode(status)
    # the last sample may predate the end: complete it with the kernel's own figures
    final_cpu = max(usage.ru_utime + usage.ru_stime, result.cpu)
    peak = usage.ru_maxrss * 1024
    result.samples.append(Sample(time.time(), final_cpu, max(peak, 0)))
    return result


def floor(path: Path) -> Measured:
    """DuckDB read_csv → Parquet of the same file: the physical floor of one pass."""
    with tempfile.TemporaryDirectory(prefix="abierto-floor-") as tmp:
        code = (
            "import duckdb, sys; duckdb.sql(f\"copy (select * from read_csv('{sys.argv[1]}', "
            "delim=';', header=true, encoding='latin-1', all_varchar=false)) to "
            "'{sys.argv[2]}' (format parquet, compression zstd)\")"
        )
        return measure(
            [sys.executable, "-c", code, str(path), str(Path(tmp) / "floor.parquet")],
            dict(os.environ),
        )


def run_abierto(home: Path) -> tuple[Measured, Path]:
    timings = home / f"timings-{time.time_ns()}.tsv"
    env = dict(os.environ, ABIERTO_HOME=str(home), DAGSTER_HOME=str(home / "dagster"))
    env["ABIERTO_TIMINGS"] = str(timings)
    abierto = Path(sys.executable).parent / "abierto"
    return measure([str(abierto), "run", "--date", RUN_DATE], env), timings


def read_marks(timings: Path) -> dict[str, float]:
    """The first time of each mark (`publish.release.mark`) the run wrote."""
    marks: dict[str, float] = {}
    if timings.exists():
        for line in timings.read_text().splitlines():
            name, at = line.split("\t")
            marks.setdefault(name, float(at))
    return marks


def step_rows(home: Path, measured: Measured, timings: Path) -> list[tuple[str, float, float]]:
    """(stage, start, end) from the Dagster event log (summed over comunas) and the marks."""
    os.environ["DAGSTER_HOME"] = str(home / "dagster")
    import dagster as dg

    spans: dict[str, list[tuple[float, float]]] = {}
    with dg.DagsterInstance.get() as instance:
        for run in instance.get_runs():
            starts: dict[str, float] = {}
            for entry in instance.all_logs(run.run_id):
                event = entry.dagster_event
                if event is None or entry.step_key is None:
                    continue
                kind = event.event_type_value
                if kind == "STEP_START":
                    starts[entry.step_key] = entry.timestamp
                elif kind in ("STEP_SUCCESS", "STEP_FAILURE") and entry.step_key in starts:
                    if starts[entry.step_key] < measured.samples[0].at - 1:
                        continue  # a step of an earlier run of this home
                    spans.setdefault(entry.step_key, []).append(
                        (starts.pop(entry.step_key), entry.timestamp)
                    )
    rows = []
    order = ["ingest", "validate", "publish", "catalog"]
    for key in sorted(spans, key=lambda k: (order.index(k.split("_")[0]), k)):
        rows.append((key, spans[key]))
        if key == "catalog" and timings.exists():
            marks = read_marks(timings)
            for begin, end, label in CATALOG_PARTS:
                if begin in marks and end in marks:
                    rows.append((label, [(marks[begin], marks[end])]))
    return rows


def outside_rows(measured: Measured, rows: list, timings: Path) -> list[tuple[str, list]]:
    """The run's time outside every Dagster step: before the first, between the units'
    and the catalog's, after the last, and all of it; split by the runner's marks."""
    steps = [(name, spans) for name, spans in rows if not name.startswith(" ")]
    spans = sorted(span for _name, each in steps for span in each)
    end = measured.start + measured.wall
    if not spans:
        return [("outside every step (no Dagster step ran)", [(measured.start, end)])]
    gaps, reached = [], measured.start
    for first, last in spans:
        if first > reached:
            gaps.append((reached, first))
        reached = max(reached, last)
    gaps.append((reached, end))
    marks = read_marks(timings)
    first_step = spans[0][0]
    units = [span for name, each in steps if not name.startswith("catalog") for span in each]
    catalog = dict(steps).get("catalog", [])
    out = [("outside every step (all of it)", gaps)]
    before = [
        ("process start, imports", measured.start, marks.get("runner-start")),
        ("pre-pass: which units are unchanged", "runner-start", "runner-unchanged-found"),
        ("carrying the unchanged", "runner-unchanged-found", "runner-carried"),
        ("to the first step (worker start, run start)", "runner-carried", first_step),
    ]
    out.append(("  before the first step", [(measured.start, first_step)]))
    for label, begin, until in before:
        begin = marks.get(begin) if isinstance(begin, str) else begin
        until = marks.get(until) if isinstance(until, str) else until
        if begin is not None and until is not None and until >= begin:
            out.append((f"    {label}", [(begin, until)]))
    if units and catalog:
        last_unit = max(last for _first, last in units)
        out.append(("  last unit step → catalog step", [(last_unit, catalog[0][0])]))
    out.append(("  after the last step (run end, report)", [(reached, end)]))
    return out


def report(title: str, measured: Measured, rows: list, base: Measured) -> None:
    print(f"\n{title}: exit {measured.returncode}")
    print(f"{'stage':44} {'wall s':>8} {'CPU s':>8} {'peak RSS MB':>12}")
    for name, spans in rows:
        wall = sum(end - start for start, end in spans)
        cpu = sum(measured.between(start, end)[0] for start, end in spans)
        peak = max(measured.between(start, end)[1] for start, end in spans)
        print(f"{name:44} {wall:8.2f} {cpu:8.2f} {peak:12.0f}")
    print(
        f"{'whole run (process)':44} {measured.wall:8.2f} {measured.cpu:8.2f} "
        f"{measured.peak_mb:12.0f}"
    )
    print(
        f"{'floor: DuckDB read_csv → Parquet':44} {base.wall:8.2f} {base.cpu:8.2f} "
        f"{base.peak_mb:12.0f}"
    )
    print(f"ratio to the floor: {measured.wall / base.wall:.1f}× wall")
    if measured.returncode:
        print(measured.output[-3000:])
    for line in measured.output.splitlines():
        if "blocked" in line or "refused" in line or "failed" in line:
            print(f"  abierto run: {line.strip()}")  # a refused file is not processed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the ABIERTO_HOME")
    args = parser.parse_args()
    path = generate(args.lines)
    size = path.stat().st_size / 1e6
    print(f"file: {path.relative_to(ROOT)}  {args.lines:,} lines, {size:,.0f} MB")
    home = Path(tempfile.mkdtemp(prefix=f"abierto-e2e-{args.lines}-"))
    try:
        sys.path.insert(0, str(ROOT))
        from pipelines.cli import seed_demo
        from pipelines.home import Home

        seed_demo(Home(home))
        target = home / "landing/99901/contracts" / SAMPLE.name
        target.unlink()
        shutil.copyfile(path, target)
        base = floor(path)
        first, first_timings = run_abierto(home)
        rows = step_rows(home, first, first_timings)
        report("first run", first, rows + outside_rows(first, rows, first_timings), base)
        second, second_timings = run_abierto(home)
        rows = step_rows(home, second, second_timings)
        report(
            "second run, unchanged inputs",
            second,
            rows + outside_rows(second, rows, second_timings),
            base,
        )
        unchanged = "no new release" in second.output or "unchanged data" in second.output
        print(f"second run made no new release: {'yes' if unchanged else 'no'}")
        print(
            f"machine load (1-minute average) at the end: {os.getloadavg()[0]:.1f} "
            f"on {os.cpu_count()} CPUs"
        )
        print(json.dumps({"home": str(home)}) if args.keep else "")
    finally:
        if not args.keep:
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
