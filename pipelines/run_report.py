"""What `abierto run` shows: progress while it runs, then the release, one line per
problem and the exit code.

Exit codes: 0 when every configured comuna × dataset was published, carried (unchanged
inputs), or kept its previous data because nothing landed (`no-data`); 1 when any unit
failed, timed out or was blocked by its publish gate, or the catalog failed; 128 + the
signal when stopped (130 Ctrl-C, 143 SIGTERM). Everything fits an 80-column terminal.
"""

from __future__ import annotations

import json
import signal

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from pipelines.home import Home
from pipelines.runner import CATALOG, RunAll
from pipelines.runner import Progress as RunProgress

NOT_A_FAILURE = {"no-data"}  # nothing landed: the previous data stays, on purpose
COUNTS = ("rows_in", "rows_published", "rows_quarantined", "rows_held", "rows_excluded")
HEADERS = (
    "entran\nin",
    "publicadas\npublished",
    "cuarentena\nquarantined",
    "retenidas\nheld",
    "excluidas\nexcluded",
)


class RunDisplay:
    """A progress bar of units done (comuna × dataset, then the catalog) with the unit
    started last, its stage, the rows read so far and how many other units run at the
    same time; without a terminal, one line per unit as it starts."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.bar: Progress | None = None
        self.task = None
        self.started = 0

    def __enter__(self) -> RunDisplay:
        if self.console.is_terminal:
            self.bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(bar_width=20),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=self.console,
                transient=True,
            )
            self.bar.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)

    def update(self, progress: RunProgress) -> None:
        where = describe(progress.unit) if progress.unit else ""
        if progress.stage and progress.stage != CATALOG:
            where += f" · {progress.stage}"
        if progress.rows_read is not None:
            where += f" · {progress.rows_read:,} filas/rows".replace(",", ".")
        if self.bar is None:
            if progress.started > self.started:
                self.console.print(f"[{progress.started}/{progress.total}] {where}", markup=False)
        else:
            if progress.running > 1:
                where += f" (+{progress.running - 1} más/more)"
            if self.task is None:
                self.task = self.bar.add_task(where, total=progress.total)
            self.bar.update(self.task, description=where, completed=progress.done)
        self.started = progress.started


def describe(unit: tuple[str | None, str | None]) -> str:
    """`contracts 13122` (dataset, then comuna, as the alerts say it), or the catalog."""
    cut, slug = unit
    if slug == CATALOG:
        return "catálogo/catalog"
    return " ".join(part for part in (slug, cut) if part)


def report(console: Console, paths: Home, outcome: RunAll) -> int:
    """Print the release (when one was made), each problem and, if stopped, what was done
    and what was not. Returns the exit code."""
    state = _served(paths)
    if outcome.catalog_ok and state:
        console.print(release_table(state))
        console.print(f"Catálogo / catalog: {paths.site / 'index.html'}", markup=False)
        console.print(
            f"Para verlo / to view it: abierto serve --home {paths.root}  →  "
            "http://127.0.0.1:8000/",
            markup=False,
        )
    for warning, units in outcome.warnings.items():
        console.print(f"[yellow]aviso / warning ({_units(units)}):[/yellow] {escape(warning)}")
    for problem in outcome.problems:
        where = describe((problem.comuna_code, problem.dataset))
        console.print(
            f"[red]✗ {escape(where)}:[/red] {escape(problem.es)} / {escape(problem.en)}",
            highlight=False,
        )
    for (cut, slug), reasons in sorted(outcome.blocked.items()):
        for reason in reasons:
            quiet = reason["type"] in NOT_A_FAILURE
            label = "sin datos / no data" if quiet else "bloqueado / blocked"
            color = "yellow" if quiet else "red"
            console.print(
                f"[{color}]{slug} {cut} {label}:[/{color}] "
                f"{escape(reason['es'])} / {escape(reason['en'])}",
                highlight=False,
            )
        private = paths.quarantine / cut / slug / "index.html"
        if private.exists() and not all(r["type"] in NOT_A_FAILURE for r in reasons):
            console.print(f"  informe (privado) / private report: {private}", markup=False)
    if outcome.catalog_ok and not outcome.catalog.get("new_release", True):
        console.print(
            "Sin cambios en los datos: no se creó una publicación nueva / "
            "unchanged data: no new release"
        )
    if outcome.stopped_by is not None:
        console.print(stop_line(outcome, state), highlight=False, markup=False)
    return exit_code(outcome)


def exit_code(outcome: RunAll) -> int:
    if outcome.stopped_by is not None:
        return 128 + outcome.stopped_by
    blocked = any(
        r["type"] not in NOT_A_FAILURE for reasons in outcome.blocked.values() for r in reasons
    )
    return 1 if outcome.problems or blocked or not outcome.catalog_ok else 0


def stop_line(outcome: RunAll, state: dict | None) -> str:
    """One line: which signal, how many units ended, which were interrupted, how many did
    not start, the catalog, and the release still served."""
    name = signal.Signals(outcome.stopped_by).name
    done, total = len(outcome.ended), len(outcome.units)
    cut_short = [unit for unit in outcome.interrupted if unit != ("", CATALOG)]
    waiting = total - done - len(cut_short)
    es = [f"Detenido por {name}: {done} de {total} unidades terminadas"]
    en = [f"stopped by {name}: {done} of {total} units done"]
    if cut_short:
        units = ", ".join(describe(unit) for unit in cut_short)
        es.append(f"interrumpida{'s' if len(cut_short) > 1 else ''}: {units}")
        en.append(f"interrupted: {units}")
    if waiting:
        es.append(f"{waiting} sin empezar")
        en.append(f"{waiting} not started")
    if outcome.catalog_ok:
        es.append("catálogo publicado")
        en.append("catalog released")
    elif ("", CATALOG) in outcome.interrupted:
        es.append("catálogo interrumpido")
        en.append("catalog interrupted")
    else:
        es.append("catálogo sin publicar")
        en.append("catalog not released")
    served = state["release_id"] if state else None
    es.append(f"se sirve la publicación {served}" if served else "no hay publicación servida")
    en.append(f"serving release {served}" if served else "no release served")
    return "; ".join(es) + " / " + "; ".join(en)


def release_table(state: dict) -> Table:
    """Rows per dataset: read, published, quarantined, held for review, excluded; headers
    stacked Spanish over English, so the table fits 80 columns."""
    table = Table(
        title=f"Publicación / release {state['release_id']}",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        collapse_padding=True,
    )
    table.add_column("dataset\n(release)", no_wrap=True)
    for header in HEADERS:
        table.add_column(header, justify="right", no_wrap=True)
    for slug, entry in state["datasets"].items():
        summary = entry["summary"]
        table.add_row(f"{slug}\n{entry['release_id']}", *(str(summary[c]) for c in COUNTS))
    return table


def _units(units: list[tuple[str, str]], shown: int = 3) -> str:
    """`budgets 99901, budgets 99902 y 5 más / and 5 more`: a warning shared by many."""
    names = [describe(unit) for unit in units]
    more = len(names) - shown
    return ", ".join(names[:shown]) + (f" y {more} más / and {more} more" if more > 0 else "")


def _served(paths: Home) -> dict | None:
    path = paths.site / "catalog.json"
    return json.loads(path.read_text("utf-8")) if path.exists() else None
