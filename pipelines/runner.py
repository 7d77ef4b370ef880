"""Run the whole pipeline through Dagster: each comuna × dataset, then the catalog.

`abierto run` uses this; the daemon does the same with the schedule and sensors. The unit
of work is one comuna × dataset, one Dagster run each (as the landing sensor's runs), so
a unit that fails, is blocked or runs out of time never stops the others, and its time
limit (`pipelines.limits`) is its own. Before any run, a unit whose inputs are unchanged
is carried without one, and when no unit ran and nothing the catalog reads changed, the
catalog is not run either (`pipelines.carry`): the served release stays, as the catalog
would have decided.

Isolated, the units start heaviest first (most landed bytes), a heavy unit in a child
of its own, so that the largest export does not wait behind small ones and the catalog
does not wait for it; the fork server that starts the children imports the pipeline
while the parent still decides which units are unchanged, from the first unit that
likely needs a run (its last attempt failed, or a landed file is new or rewritten).

Two ways to run the units. In this process (the default): the Dagster results stay at
hand (`RunAll.results`), for tests and notebooks, but Python cannot stop a step stuck in
C code. Isolated (`isolate=True`, what `abierto run` does): the units run in child
processes (`pipelines.isolation.run_batch`), up to `limits.workers()` children at once,
up to `limits.batch_units()` units one after the other in each child, which loads the
code location from the resource's installation file once (`defs` serves only
in-process runs) and builds each asset job once; the catalog runs alone in a child of
its own. A stop signal ends every running unit within seconds, a unit's time limit or
a crash ends only that unit, and the rest of its batch goes on in a new child; with a
persistent Dagster instance the stopped run is marked canceled (stop) or failed (time
limit, crash) in Dagster, and the progress of the running units (stage, rows read) is
read from their event logs.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
from dagster._core.instance.ref import InstanceRef

from datasets.descriptor import SLUGS
from datasets.municipalities import MISSING_SITE_URL
from pipelines import automation, carry, limits, warehouse
from pipelines.home import Home
from pipelines.isolation import StopRequest, run_batch, start_fork_server
from pipelines.prestart import PRELOAD
from pipelines.resources import AbiertoResource
from publish.release import mark

STAGES = ("ingest", "validate", "publish")
ATTEMPT_TAG = "abierto/attempt"
CATALOG = "catalog"
REFUSED_ENTRY = "installation-entry-refused"
FINISHED = {
    dg.DagsterRunStatus.SUCCESS,
    dg.DagsterRunStatus.FAILURE,
    dg.DagsterRunStatus.CANCELED,
}


@dataclass(frozen=True)
class Problem:
    """Why a comuna × dataset (or the whole catalog, when both are None) did not publish
    as planned, in one line per language; no values from the data."""

    comuna_code: str | None
    dataset: str | None
    type: str  # failed | timeout | interrupted | crashed | a catalog step's reason type
    es: str
    en: str

    @classmethod
    def from_dict(cls, entry: dict) -> Problem:
        return cls(
            entry.get("comuna_code"), entry.get("dataset"), entry["type"], entry["es"], entry["en"]
        )


@dataclass
class UnitReport:
    """What one unit's Dagster run says, in plain values (it crosses from the child)."""

    success: bool
    run_id: str
    blocked: list[dict] = field(default_factory=list)
    failed_step: str | None = None
    error: str | None = None  # class of the step's error, never its message
    metadata: dict = field(default_factory=dict)  # the catalog's materialization
    warnings: list[str] = field(default_factory=list)  # what the steps logged as warnings


@dataclass
class Progress:
    """Where a run stands, for a progress display (`on_progress`): units done and
    started, how many run at once, and the one of those started last with its stage
    and the rows read so far."""

    total: int
    done: int = 0
    unit: tuple[str, str] | None = None  # (cut, slug), or ("", "catalog")
    stage: str = ""
    rows_read: int | None = None
    started: int = 0
    running: int = 0


@dataclass
class RunAll:
    """What happened: each unit's end, the publish-gate reasons of blocked units
    (`{(cut, slug): [{type, es, en}]}`), problems (failed, timed out, scoped failures the
    catalog reports), the warnings the steps logged (isolated runs), the catalog's
    materialization metadata and, when a signal stopped the run, which signal and the units
    it interrupted."""

    units: list[tuple[str, str]] = field(default_factory=list)
    # published | carried (unchanged inputs, no run) | blocked | failed | timeout | crashed
    ended: dict[tuple[str, str], str] = field(default_factory=dict)
    blocked: dict[tuple[str, str], list[dict]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    warnings: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # → units
    catalog_ok: bool = False
    catalog: dict = field(default_factory=dict)
    stopped_by: int | None = None
    interrupted: list[tuple[str, str]] = field(default_factory=list)
    results: list[dg.ExecuteInProcessResult] = field(default_factory=list)

    @property
    def comunas_failed(self) -> list[str]:
        return sorted({p.comuna_code for p in self.problems if p.comuna_code})

    @property
    def success(self) -> bool:
        return self.catalog_ok and not self.problems and self.stopped_by is None

    @property
    def all_events(self) -> list[dg.DagsterEvent]:
        return [event for result in self.results for event in result.all_events]

    def add_catalog(self, report: UnitReport) -> None:
        self.catalog_ok = report.success
        self.catalog = report.metadata
        # scoped failures the catalog step reports (a leak hit, one package that failed)
        self.problems += [Problem.from_dict(f) for f in report.metadata.get("failures", [])]
        if not report.success:
            self.problems.append(_failed(None, CATALOG, report))


# A unit's work beyond reading its files (its Dagster run, about a second), counted as
# landed bytes (about what ingest reads in a second) when units are weighed.
UNIT_COST_BYTES = 32 << 20


def run_all(
    defs: dg.Definitions | None,
    resource: AbiertoResource,
    instance: dg.DagsterInstance | None = None,
    *,
    run_config: dict | None = None,
    isolate: bool = False,
    stop: StopRequest | None = None,
    on_progress: Callable[[Progress], None] | None = None,
) -> RunAll:
    """Materialise each comuna × dataset (one run each), then the catalog with its checks.

    Without `instance`, each run gets an ephemeral one. `defs` may be None for isolated
    runs (each child loads the code location itself). `stop` (see
    `StopRequest.on_signals`) ends the run early: the running unit is interrupted and
    nothing new starts, the catalog included.
    """
    mark("runner-start")
    stop = stop if stop is not None else StopRequest()
    outcome = RunAll()
    installation = resource.installation()
    for municipality in installation.municipalities:
        outcome.units += [(municipality.cut, s) for s in SLUGS if s in municipality.datasets]
    # a refused installation entry: its comuna keeps its previous release (the catalog
    # carries it) and the run says why and fails
    outcome.problems += [
        Problem(entry.cut, None, REFUSED_ENTRY, entry.es, entry.en)
        for entry in installation.refused
    ]
    if not installation.catalog.site_url:
        warning = f"{MISSING_SITE_URL['es']} / {MISSING_SITE_URL['en']}"
        outcome.warnings[warning] = [("", CATALOG)]
    progress = Progress(total=len(outcome.units) + 1)
    home, today = resource.home(), resource.today()
    warm = functools.cache(lambda: start_fork_server(PRELOAD)) if isolate else None
    carried = carry.unchanged_units(resource, installation, outcome.units, on_run=warm)
    to_run = [unit for unit in outcome.units if unit not in carried]
    mark("runner-unchanged-found")
    inputs = None if to_run or outcome.problems else _catalog_inputs(home, installation, today)
    served = carry.served_release(home, inputs) if inputs else None
    if isolate and (to_run or served is None):
        warm()  # it imports the pipeline while the carried are recorded
    runner = _Runner(defs, resource, instance, run_config, isolate, stop, progress, on_progress)
    done = []
    for (cut, slug), part in carried.items():
        if stop:
            break
        done.append(carry.carry(home, cut, slug, part, today))
        for warning in done[-1].notes:
            outcome.warnings.setdefault(warning, []).append((cut, slug))
        outcome.ended[(cut, slug)] = "carried"
        progress.done += 1
    if done and instance is not None:
        carry.report(instance, done, today)
    mark("runner-carried")
    runner.observe(progress)
    weights = [UNIT_COST_BYTES + landed_bytes(home, cut, slug) for cut, slug in to_run]
    for (cut, slug), report, ending in runner.units(to_run, weights):
        for warning in report.warnings if report is not None else []:
            outcome.warnings.setdefault(warning, []).append((cut, slug))
        if report is not None and report.success:
            outcome.blocked |= {(cut, slug): report.blocked} if report.blocked else {}
            outcome.ended[(cut, slug)] = "blocked" if report.blocked else "published"
        elif ending == "stopped":
            outcome.interrupted.append((cut, slug))
        else:
            outcome.ended[(cut, slug)] = "failed" if ending == "done" else ending
            outcome.problems.append(_unit_problem(cut, slug, ending, report))
            if ending == "timeout":
                warehouse.record_failure(resource.home(), cut, slug, "timeout", resource.today())
    mark("runner-units-done")
    if not stop and served is not None:  # nothing changed: the catalog would make no release
        outcome.catalog_ok = True
        outcome.catalog = {"release_id": served, "new_release": False}
        progress.done += 1
        runner.observe(progress)
    elif not stop:
        report, ending = runner.catalog()
        if ending == "stopped":
            outcome.interrupted.append(("", CATALOG))
        elif report is not None:
            outcome.add_catalog(report)
            _remember_catalog(home, installation, today, outcome)
        else:
            outcome.problems.append(_unit_problem(None, CATALOG, ending, None))
        mark("runner-catalog-done")
    outcome.results = runner.results
    outcome.stopped_by = stop.signum
    return outcome


def landed_bytes(home: Home, cut: str, slug: str) -> int:
    """Bytes of the unit's own landed files (what its ingest reads; 0 if unreadable)."""
    total = 0
    for path in home.landing_files(cut, slug):
        with contextlib.suppress(OSError):
            total += os.stat(path).st_size
    return total


def _catalog_inputs(home, installation, today) -> str | None:
    try:
        return carry.catalog_inputs(home, installation, today)
    except Exception:  # never skip the catalog in doubt
        return None


def _remember_catalog(home, installation, today, outcome: RunAll) -> None:
    """A clean catalog run: what its release was made from, so an unchanged next run
    skips it; anything scoped (a failure, a refused entry) and the next run runs it."""
    inputs = None
    if outcome.catalog_ok and not outcome.problems:
        inputs = _catalog_inputs(home, installation, today)
    if inputs is None:
        carry.forget_catalog(home)
    else:
        carry.remember_catalog(home, inputs, outcome.catalog["release_id"])


@dataclass(frozen=True)
class _Unit:
    """One Dagster run to make, in plain values (it crosses to the child process)."""

    name: str  # a dataset slug, or "catalog"
    selection: tuple[str, ...]
    partition: str | None
    tags: dict
    run_config: dict | None


class _Jobs:
    """The code location's asset jobs, each built once per selection and reused for every
    run of it (`dg.materialize` builds and resolves a new job for each run)."""

    def __init__(self, defs: dg.Definitions, resource: dict) -> None:
        self.defs, self.resource = defs, AbiertoResource(**resource)
        self.jobs: dict[tuple[str, ...], dg.JobDefinition] = {}

    def materialize(
        self, unit: _Unit, instance: dg.DagsterInstance | None
    ) -> tuple[UnitReport, dg.ExecuteInProcessResult]:
        job = self.jobs.get(unit.selection)
        if job is None:
            assets = list(self.defs.assets or [])
            if unit.name == CATALOG:
                assets += list(self.defs.asset_checks or [])
            name = "__ephemeral_asset_job__"  # as `dg.materialize` names its runs' job
            job = dg.Definitions(
                jobs=[dg.define_asset_job(name, selection=list(unit.selection))],
                assets=assets,
                resources={
                    "abierto": self.resource,
                    "io_manager": automation.io_manager("in_process"),
                },
            ).resolve_job_def(name)
            self.jobs[unit.selection] = job
        result = job.execute_in_process(
            run_config=unit.run_config,
            instance=instance,
            partition_key=unit.partition,
            raise_on_error=False,
            tags=unit.tags,
        )
        return _report(result, unit.name), result


def materialize_in_child(
    units: list[_Unit], resource: dict, ref: InstanceRef | None, send: Callable[[tuple], None]
) -> None:
    """The child's side of a batch (`isolation.run_batch`): the code location loaded once
    from the installation file, its own Dagster instance (never the parent's
    connections), then one Dagster run per unit, each reported with the warnings its
    steps logged, for the parent to show (the console log is quiet)."""
    from pipelines.definitions import build_defs

    installation = resource.get("installation_file")
    jobs = _Jobs(build_defs(Path(installation) if installation else None), resource)
    with _instance(ref) as instance:
        for index, unit in enumerate(units):
            send(("start", index))
            report, _result = jobs.materialize(unit, instance)
            report.warnings = [
                record.user_message
                for record in instance.all_logs(report.run_id)
                if record.dagster_event is None and record.level >= logging.WARNING
            ]
            send(("done", index, report))


class _Runner:
    """Runs the units (then the catalog) in this process or in children, and reports
    progress."""

    def __init__(self, defs, resource, instance, run_config, isolate, stop, progress, observe):
        self.instance, self.run_config = instance, run_config
        self.resource = {name: getattr(resource, name) for name in type(resource).model_fields}
        self.jobs = _Jobs(defs, self.resource) if defs is not None else None
        self.isolate, self.stop, self.progress = isolate, stop, progress
        self.observe = observe or (lambda _progress: None)
        self.shared = instance is not None and not instance.is_ephemeral
        self.results: list[dg.ExecuteInProcessResult] = []
        # the units running, in the order they started: stage and rows read so far
        self.in_flight: dict[tuple[str, str], tuple[str, int | None]] = {}

    def units(
        self, where: list[tuple[str, str]], weights: list[float]
    ) -> Iterator[tuple[tuple[str, str], UnitReport | None, str]]:
        """Each comuna × dataset's run: `(where, report, ending)` as each ends (none
        after a stop); isolated, heaviest first (`weights`, the units' expected work),
        up to `limits.batch_units()` units sharing a child."""
        units = [self._unit(cut, slug) for cut, slug in where]
        if self.isolate:
            order = sorted(range(len(where)), key=lambda index: -weights[index])  # stable
            yield from self._isolated(
                [where[index] for index in order],
                [units[index] for index in order],
                limits.unit_timeout(),
                [weights[index] for index in order],
            )
            return
        for place, unit in zip(where, units, strict=True):
            if self.stop:
                return
            yield place, *self._in_process(place, unit)

    def catalog(self) -> tuple[UnitReport | None, str]:
        timeout = limits.catalog_timeout()
        unit = _Unit(CATALOG, (CATALOG,), None, self._tags({}, timeout), self.run_config)
        if not self.isolate:
            return self._in_process(("", CATALOG), unit)
        ended = list(self._isolated([("", CATALOG)], [unit], timeout))
        return ended[0][1:] if ended else (None, "stopped")

    def _in_process(self, where: tuple[str, str], unit: _Unit) -> tuple[UnitReport, str]:
        self._starting(where)
        report, result = self.jobs.materialize(unit, self.instance)
        self.results.append(result)
        return self._done(where, report, "done")

    def _isolated(
        self,
        where: list[tuple[str, str]],
        units: list[_Unit],
        timeout: int,
        weights: list[float] | None = None,
    ):
        """The units in children of the fork server, up to `limits.workers()` at once,
        batch after batch (`run_batch`, dealt by `weights`), each unit's Dagster run
        watched through the instance (progress, and its end when its child could not
        record it)."""
        ref, watches = self._ref(), {}

        def start(index: int) -> None:
            self._starting(where[index])
            if self.shared:
                watches[index] = _Watch(self.instance, units[index].tags[ATTEMPT_TAG])

        def tick() -> None:
            seen = {where[index]: watch.update() for index, watch in watches.items()}
            if any(seen.values()):
                self.in_flight |= {place: stage for place, stage in seen.items() if stage}
                self._show()

        batch = run_batch(
            lambda first, end: functools.partial(
                materialize_in_child, units[first:end], self.resource, ref
            ),
            len(units),
            timeout=timeout,
            stop=self.stop,
            per_child=limits.batch_units(),
            workers=limits.workers(),
            weights=weights,
            on_start=start,
            on_tick=tick,
            on_interrupt=lambda index, ending: (
                watches[index].interrupting(ending) if index in watches else None
            ),
        )
        for index, finished in batch:
            watch = watches.pop(index, None)
            if watch is not None and finished.ending != "done":
                watch.close(finished.ending, timeout)
            yield where[index], *self._done(where[index], finished.value, finished.ending)

    def _unit(self, cut: str, slug: str) -> _Unit:
        selection = tuple(f"{stage}_{slug}" for stage in STAGES)
        tags = self._tags({"abierto/comuna": cut, "abierto/dataset": slug}, limits.unit_timeout())
        return _Unit(slug, selection, cut, tags, self.run_config)

    @staticmethod
    def _tags(tags: dict, timeout: int) -> dict:
        return tags | {ATTEMPT_TAG: uuid.uuid4().hex, "dagster/max_runtime": str(timeout)}

    def _ref(self) -> InstanceRef | None:
        return self.instance.get_ref() if self.shared else None

    def _starting(self, where: tuple[str, str]) -> None:
        self.in_flight[where] = ("", None)
        self.progress.started += 1
        self._show()

    def _done(
        self, where: tuple[str, str], report: UnitReport | None, ending: str
    ) -> tuple[UnitReport | None, str]:
        self.in_flight.pop(where, None)
        if ending != "stopped":
            self.progress.done += 1
            self._show()
        return report, ending

    def _show(self) -> None:
        """The progress, with the running unit started last (or the last that ran)."""
        self.progress.running = len(self.in_flight)
        if self.in_flight:
            self.progress.unit = next(reversed(self.in_flight))
            self.progress.stage, self.progress.rows_read = self.in_flight[self.progress.unit]
        self.observe(self.progress)


@contextlib.contextmanager
def _instance(ref: InstanceRef | None) -> Iterator[dg.DagsterInstance]:
    if ref is None:
        with dg.DagsterInstance.ephemeral() as instance:
            yield instance
    else:
        with dg.DagsterInstance.from_ref(ref) as instance:
            yield instance


class _Watch:
    """A running unit's Dagster run, seen from the parent through the instance."""

    POLL_SECONDS = 0.5  # then twice as long after each poll that saw nothing new
    MAX_POLL_SECONDS = 4.0

    def __init__(self, instance: dg.DagsterInstance, attempt: str) -> None:
        self.instance, self.attempt = instance, attempt
        self.run: dg.DagsterRun | None = None
        # first read after POLL_SECONDS: a small unit ends before then, unread (two
        # queries in the parent per unit, ≈ 10 ms of CPU, for a stage never shown)
        self.next_poll = time.monotonic() + self.POLL_SECONDS
        self.interval = self.POLL_SECONDS
        self.seen: tuple[str, int | None] | None = None

    def find(self) -> dg.DagsterRun | None:
        if self.run is None:
            runs = self.instance.get_runs(dg.RunsFilter(tags={ATTEMPT_TAG: self.attempt}), limit=1)
            self.run = runs[0] if runs else None
        return self.run

    def update(self) -> tuple[str, int | None] | None:
        """Stage and rows read so far, from the run's event log (as the UI shows them);
        None between two polls or when nothing can be read yet. A long step (the
        catalog's) is polled less and less often: each poll reads the run's events,
        in the parent, on the cores the step runs on."""
        if time.monotonic() < self.next_poll:
            return None
        self.next_poll = time.monotonic() + self.POLL_SECONDS
        stage, rows_read = "", None
        with contextlib.suppress(Exception):  # progress is best effort; never stop a run
            if self.find() is None:
                return None
            events = self.instance.all_logs(
                self.run.run_id,
                of_type={dg.DagsterEventType.STEP_START, dg.DagsterEventType.ASSET_MATERIALIZATION},
            )
            for record in events:
                event = record.dagster_event
                if event.event_type == dg.DagsterEventType.STEP_START:
                    stage = event.step_key.split("_", 1)[0]
                elif "rows_read" in (meta := event.materialization.metadata):
                    rows_read = int(meta["rows_read"].value)
            changed, self.seen = (stage, rows_read) != self.seen, (stage, rows_read)
            slower = min(2 * self.interval, self.MAX_POLL_SECONDS)
            self.interval = self.POLL_SECONDS if changed else slower
            self.next_poll = time.monotonic() + self.interval
            return stage, rows_read
        return None

    def interrupting(self, ending: str) -> None:
        """Before SIGINT on a stop: the run is canceling, so Dagster ends it as canceled."""
        run = self.find()
        if ending == "stopped" and run is not None:
            self.instance.report_run_canceling(run, message=_STOP_MESSAGE)

    def close(self, ending: str, timeout: int) -> None:
        """A run its child could not end (killed, crashed) is not left started."""
        if self.find() is None:
            return
        run = self.instance.get_run_by_id(self.run.run_id)
        if ending == "timeout":
            self.instance.report_engine_event(_timeout_message(timeout), run)
        if run.status in FINISHED:
            return
        if ending == "stopped":
            self.instance.report_run_canceled(run, _STOP_MESSAGE)
        else:
            message = _timeout_message(timeout) if ending == "timeout" else _CRASH_MESSAGE
            self.instance.report_run_failed(run, message)


_STOP_MESSAGE = "abierto run: detenido por una señal / stopped by a signal"
_CRASH_MESSAGE = "abierto run: el proceso terminó sin responder / the process died"


def _timeout_message(seconds: int) -> str:
    return (
        f"abierto run: superó su límite de {seconds} s / exceeded its time limit of "
        f"{seconds} s (ABIERTO_UNIT_TIMEOUT, ABIERTO_CATALOG_TIMEOUT)"
    )


def _report(result: dg.ExecuteInProcessResult, node: str) -> UnitReport:
    report = UnitReport(result.success, result.run_id)
    failures = [e for e in result.all_events if e.is_step_failure]
    if failures:
        error = failures[0].event_specific_data.error
        report.failed_step = failures[0].step_key
        report.error = (error.cause or error).cls_name if error else None
    if not result.success:
        return report
    if node == CATALOG:
        materializations = result.asset_materializations_for_node(CATALOG)
        if materializations:
            report.metadata = {k: v.value for k, v in materializations[-1].metadata.items()}
    else:
        report.blocked = result.output_for_node(f"publish_{node}")["blocked"]
    return report


def _unit_problem(cut: str | None, slug: str, ending: str, report: UnitReport | None) -> Problem:
    limit = limits.catalog_timeout() if slug == CATALOG else limits.unit_timeout()
    if ending == "timeout":
        return Problem(
            cut,
            slug,
            "timeout",
            f"superó el límite de {limit} s; se mantiene la versión anterior",
            f"exceeded the {limit} s limit; the previous version is kept",
        )
    if ending == "crashed":
        return Problem(
            cut,
            slug,
            "crashed",
            "el proceso terminó sin responder (¿falta de memoria?)",
            "the process died without answering (out of memory?)",
        )
    return _failed(cut, slug, report)


def _failed(cut: str | None, slug: str, report: UnitReport) -> Problem:
    step = report.failed_step or "?"
    error = report.error or "error"
    run = report.run_id[:8]
    return Problem(
        cut,
        slug,
        "failed",
        f"falló en {step} ({error}); detalle en abierto ui, ejecución {run}",
        f"failed at {step} ({error}); details in abierto ui, run {run}",
    )
