"""Where the catalog step's CPU goes at N comunas, on a first release and on a re-release
after one comuna's budget export changed, against one comuna's.

    .venv/bin/python -m benchmarks.catalog_scale 346        # or: 100; 1 is always measured
    .venv/bin/python -m benchmarks.catalog_scale 100 --profile   # + cProfile's top functions

For each N (and for 1 comuna): a home of N fictional comunas of sample data
(`datasets.samples.comunas`, with a `site_url` so the DCAT/CKAN metadata is written) whose
comuna × dataset units have run once; it is kept in `benchmarks/out/catalog-scale/` keyed
by N and the units' code, since 346 comunas' units take a quarter of an hour. Then, on a
copy, in this process, with no release yet:

1. the catalog step (Dagster's `catalog` asset): the first release, every page rendered;
2. one comuna's budget export loses a line, its budget units run again;
3. the catalog step again: the re-release. Measured, not the units of step 2.

Each catalog step is timed by part, in CPU seconds of this process (DuckDB's threads
included): each named function is wrapped and its time counted exclusive of the other
named parts it calls, so the parts add up to the step. The ratio column divides by one
comuna's figure for the same step. Prints the load average (2 shared cores: compare CPU).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import functools
import hashlib
import importlib
import inspect
import os
import pstats
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import yaml

from datasets.samples.comunas import fictional_cuts, seed_comuna, write_installation
from pipelines.definitions import build_defs
from pipelines.home import Home
from pipelines.resources import AbiertoResource
from pipelines.runner import run_all

RUN_DATE = "2026-11-02"
SITE_URL = "https://datos.example.cl/"
CHANGED = "budgets/ejecucion_presupuestaria_2026-10.csv"
STAGES = ("ingest", "validate", "publish")
REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / "benchmarks" / "out" / "catalog-scale"
QUIET = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}

# (module, attribute, part): each function timed as that part, where the catalog looks it up
PARTS = [
    ("pipelines.assets", "_parts", "read comunas' parts"),
    ("pipelines.assets", "_part_failure", "leak scan of parts"),
    ("pipelines.parts", "combine", "national tables (DuckDB from parts)"),
    ("publish.catalog", "write_package", "writers (CSV, Parquet, xlsx, JSON)"),
    ("publish.catalog", "summarise", "dataset summaries"),
    ("pipelines.freshness", "freshness", "comuna × dataset status"),
    ("publish.publication", "_copy_or_link", "stage packages (copy or link)"),
    ("publish.publication", "write_indicators", "indicators"),
    ("publish.publication", "dataset_changes", "changes"),
    ("publish.publication", "_write_changes", "changes"),
    ("publish.publication", "write_duckdb", "DuckDB file"),
    ("publish.publication", "write_sums", "SHA256SUMS"),
    ("publish.publication", "invalid_package", "gate: package validation"),
    ("publish.publication", "verify_folder", "gate: hashes"),
    ("publish.leaks", "LeakScan.scan", "gate: leak scan of files and pages"),
    ("publish.publication", "fsync_tree", "fsync"),
    ("publish.catalog", "catalog_context", "site: context"),
    ("publish.catalog", "dataset_charts", "site: chart data"),
    ("publish.catalog", "indicator_context", "site: indicator context"),
    ("publish.catalog", "comuna_pages", "site: context"),
    ("publish.catalog", "build_site", "site: writing pages"),
    ("publish.site", "_render:index.html", "site: home page"),
    ("publish.site", "_render:dataset.html", "site: dataset pages"),
    ("publish.site", "_render:comuna.html", "site: comuna pages"),
    ("publish.site", "_render:indicators.html", "site: indicator pages"),
    ("publish.site", "_render:indicator.html", "site: indicator pages"),
    ("publish.site", "render_svg", "site: dataset charts (SVG)"),
    ("publish.site", "render_comunas_svg", "site: indicator charts (SVG)"),
    ("publish.site", "metadata_files", "site: DCAT/CKAN metadata"),
]


class Clock:
    """CPU seconds per part, each exclusive of the named parts it calls."""

    def __init__(self) -> None:
        self.seconds: Counter[str] = Counter()
        self.stack: list[list] = []  # [part, started, seconds of named callees]

    @contextlib.contextmanager
    def part(self, name: str) -> Iterator[None]:
        self.stack.append([name, time.process_time(), 0.0])
        try:
            yield
        finally:
            name, started, inner = self.stack.pop()
            spent = time.process_time() - started
            self.seconds[name] += spent - inner
            if self.stack:
                self.stack[-1][2] += spent

    def wrap(self, function, name: str):
        if inspect.isgeneratorfunction(function):

            @functools.wraps(function)
            def generator(*args, **kwargs):
                items = function(*args, **kwargs)
                while True:
                    with self.part(name):
                        try:
                            item = next(items)
                        except StopIteration:
                            return
                    yield item

            return generator

        @functools.wraps(function)
        def timed(*args, **kwargs):
            with self.part(name):
                return function(*args, **kwargs)

        return timed

    def render(self, function, names: dict[str, str]):
        @functools.wraps(function)
        def timed(env, template, *args, **kwargs):
            with self.part(names.get(template, "site: other pages")):
                return function(env, template, *args, **kwargs)

        return timed


@contextlib.contextmanager
def instrumented(clock: Clock) -> Iterator[None]:
    """Wrap every function of `PARTS` where the catalog step looks it up; unwrap after."""
    saved = []
    renders = {}
    for module_name, attribute, name in PARTS:
        module = importlib.import_module(module_name)
        if attribute.startswith("_render:"):
            renders[attribute.split(":", 1)[1]] = name
            continue
        owner, _, attr = attribute.rpartition(".")
        target = getattr(module, owner) if owner else module
        original = getattr(target, attr)
        saved.append((target, attr, original))
        setattr(target, attr, clock.wrap(original, name))
    site = importlib.import_module("publish.site")
    saved.append((site, "_render", site._render))
    site._render = clock.render(site._render, renders)
    try:
        yield
    finally:
        for target, attr, original in reversed(saved):
            setattr(target, attr, original)


def units_digest() -> str:
    """The code the units run (everything but the catalog's own modules) and the samples."""
    digest = hashlib.sha256()
    for top in ("datasets", "quality", "schemas", "pipelines"):
        for path in sorted((REPO / top).rglob("*")):
            if path.is_file() and path.suffix in {".py", ".yaml", ".json", ".csv", ".xlsx"}:
                digest.update(str(path.relative_to(REPO)).encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def base_home(count: int) -> Path:
    """A folder with `abierto/` (the home) and `municipalities.yaml`, every unit run once
    (kept in `CACHE`); the release made then is dropped by `measure`."""
    base = CACHE / f"{count}-{units_digest()}"
    if (base / "done").exists():
        return base
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    home = Home(base / "abierto")
    cuts = fictional_cuts(count)
    for cut in cuts:
        seed_comuna(home.landing, cut)
    installation = write_installation(base / "municipalities.yaml", cuts)
    data = yaml.safe_load(installation.read_text("utf-8"))
    data["catalog"]["site_url"] = SITE_URL
    installation.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    started = time.perf_counter()
    print(f"  running {count} comunas' units once (kept in {base}) …", flush=True)
    with dg.DagsterInstance.ephemeral() as instance:
        outcome = run_all(build_defs(installation), resource(base), instance, run_config=QUIET)
    assert outcome.catalog_ok and not outcome.comunas_failed, outcome.problems
    print(f"  … {time.perf_counter() - started:.0f} s", flush=True)
    (base / "done").write_text("ok\n")
    return base


def resource(root: Path) -> AbiertoResource:
    return AbiertoResource(
        home_dir=str(root / "abierto"),
        installation_file=str(root / "municipalities.yaml"),
        run_date=RUN_DATE,
    )


def catalog_step(root: Path, clock: Clock, profiler: cProfile.Profile | None) -> float:
    """Run the `catalog` asset once in this process; its CPU seconds."""
    defs = build_defs(root / "municipalities.yaml")
    with dg.DagsterInstance.ephemeral() as instance, instrumented(clock):
        started = time.process_time()
        if profiler:
            profiler.enable()
        with clock.part("other (Dagster, manifest, links, …)"):
            result = dg.materialize(
                list(defs.assets),
                selection=["catalog"],
                resources={"abierto": resource(root)},
                instance=instance,
                run_config=QUIET,
            )
        if profiler:
            profiler.disable()
        spent = time.process_time() - started
    assert result.success
    return spent


def rerun_units(root: Path, cut: str, slug: str) -> None:
    defs = build_defs(root / "municipalities.yaml")
    with dg.DagsterInstance.ephemeral() as instance:
        result = dg.materialize(
            list(defs.assets),
            selection=[f"{stage}_{slug}" for stage in STAGES],
            partition_key=cut,
            resources={"abierto": resource(root)},
            instance=instance,
            run_config=QUIET,
        )
    assert result.success


def measure(count: int, profile: bool) -> dict[str, tuple[float, Clock]]:
    """The first release's and the re-release's catalog step at `count` comunas."""
    base = base_home(count)
    measured = {}
    with tempfile.TemporaryDirectory(prefix=f"abierto-catalog-{count}-") as tmp:
        root = Path(tmp) / "home"
        shutil.copytree(base, root, symlinks=True)
        home = root / "abierto"
        for name in (
            "releases",
            "site",
            ".site-builds",
            ".leak-scan",
            ".page-cache",
            ".release-pin",
        ):
            path = home / name
            if path.is_symlink() or path.is_file():
                path.unlink()
            elif path.exists():
                shutil.rmtree(path)
        clock = Clock()
        measured["first release"] = (catalog_step(root, clock, None), clock)
        cut = fictional_cuts(count)[-1]
        landed = home / "landing" / cut / CHANGED
        text = landed.read_bytes().rstrip(b"\r\n")
        landed.write_bytes(text.rsplit(b"\n", 1)[0] + b"\n")
        rerun_units(root, cut, "budgets")
        clock = Clock()
        profiler = cProfile.Profile(time.process_time) if profile else None
        measured["re-release, 1 changed"] = (catalog_step(root, clock, profiler), clock)
        if profiler:
            print(f"\ncProfile of the re-release at {count} comunas (CPU, top 25 by self time):")
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    return measured


def report(count: int, measured: dict, one: dict) -> None:
    for step, (total, clock) in measured.items():
        base_total, base_clock = one[step]
        print(f"\n{count} comunas, {step}: catalog step {total:.2f} CPU s", end="")
        print(f" = {total / base_total:.1f}× one comuna's ({base_total:.2f} s)")
        print(f"  {'part':<42}{'CPU s':>8}{'1 comuna':>10}{'ratio':>8}")
        for name, seconds in sorted(clock.seconds.items(), key=lambda kv: -kv[1]):
            alone = base_clock.seconds.get(name, 0.0)
            ratio = f"{seconds / alone:7.1f}×" if alone > 0.005 else f"{'':>8}"
            print(f"  {name:<42}{seconds:8.2f}{alone:10.2f}{ratio}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("counts", nargs="+", type=int)
    parser.add_argument("--profile", action="store_true", help="cProfile the re-release too")
    args = parser.parse_args()
    print(
        f"catalog step, fictional comunas; load {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    one = measure(1, profile=False)
    for count in sorted(set(args.counts) - {1}):
        report(count, measure(count, args.profile), one)
    print(f"\nload {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
