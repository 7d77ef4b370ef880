"""The `abierto` command line: a thin layer over the pipeline's functions."""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import functools
import gc
import http.server
import json
import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from datasets.descriptor import DATASETS_DIR, SLUGS, load_descriptor, load_descriptor_file
from datasets.errors import AbiertoError
from datasets.municipalities import load_installation
from pipelines import limits
from pipelines.home import Home
from pipelines.instance import ensure_dagster_home

if TYPE_CHECKING:
    from datasets.routing import RoutingReport
    from pipelines.isolation import StopRequest
    from pipelines.runner import RunAll

app = typer.Typer(
    help="abierto: datos abiertos municipales validados y sin datos personales / "
    "validated, privacy-safe municipal open data.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
# Text from landed files (headers, cells, file names) reaches the terminal: it is never
# interpreted as Rich markup (`escape`, or `markup=False`) nor as emoji codes (`:x:`).
console = Console(soft_wrap=True, emoji=False)


@app.callback()
def _before_any_command() -> None:
    # At exit CPython collects garbage over every object the imported libraries made
    # (0.1-0.3 s with pandas, pyarrow and dagster loaded): a finished command skips it.
    # Registered before the command runs, so the command's own exit handlers run first.
    atexit.register(gc.freeze)


PRINTED_ERRORS = 50  # rows of the row-by-row table on the terminal
PRINTED_COMUNAS = 30  # comunas listed with their routed rows by `abierto validate`
SAMPLES_DIR = DATASETS_DIR / "samples"
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

# Dagster's console log stays quiet: `abierto run` prints each warning and failure itself,
# in one line each and without tracebacks (they are in the run's log: `abierto ui`).
QUIET_RUN = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}

HomeOption = Annotated[
    str | None,
    typer.Option("--home", help="ABIERTO_HOME folder (default: $ABIERTO_HOME or ./data)."),
]


def fail(error: Exception) -> None:
    console.print(f"[red]error:[/red] {escape(str(error))}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)


def user_errors(command):
    """Turn user mistakes into a one-line message and exit code 1, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (AbiertoError, FileNotFoundError, ValueError) as error:
            fail(error)

    return wrapper


def seed_demo(home: Home) -> int:
    """Copy the bundled synthetic sample exports into the landing folder."""
    copied = 0
    for path in sorted(SAMPLES_DIR.glob("[0-9]*/*/*")):
        cut, slug = path.parent.parent.name, path.parent.name
        target = home.landing / cut / slug / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        copied += 1
    return copied


@app.command()
@user_errors
def run(
    home: HomeOption = None,
    demo: Annotated[
        bool,
        typer.Option("--demo", help="First copy the bundled synthetic sample exports to landing/."),
    ] = False,
    date: Annotated[
        str | None,
        typer.Option(help="Run date YYYY-MM-DD (release id); default: today in Santiago."),
    ] = None,
) -> None:
    """Ingest, validate and publish every dataset of the configured municipalities.

    Each comuna × dataset runs on its own, within ABIERTO_UNIT_TIMEOUT seconds (default
    1800). Exit code 0 when everything was published (or nothing landed), 1 when a
    comuna or dataset failed, timed out or was blocked, 130/143 when stopped by Ctrl-C
    or SIGTERM (what was done is kept; the next run redoes the rest).
    Example: abierto run --demo
    """
    from pipelines.isolation import StopRequest

    stop = StopRequest()
    with stop.on_signals():  # from here a signal stops the run cleanly, start-up included
        from pipelines import run_report

        paths = Home.from_env(home)
        if date:
            dt.date.fromisoformat(date)
        limits.unit_timeout(), limits.catalog_timeout(), limits.batch_units(), limits.workers()
        if demo:
            console.print(
                f"Copiando {seed_demo(paths)} exportaciones de ejemplo (sintéticas) a "
                f"{paths.landing}"
            )
        outcome = _run_pipeline(paths, date, stop)
        code = run_report.report(console, paths, outcome)
    raise typer.Exit(code)


def _run_pipeline(paths: Home, date: str | None, stop: StopRequest) -> RunAll:
    import dagster as dg

    from pipelines import run_report
    from pipelines.resources import AbiertoResource
    from pipelines.runner import run_all

    ensure_dagster_home(Path(os.environ.setdefault("DAGSTER_HOME", str(paths.root / "dagster"))))
    resource = AbiertoResource(home_dir=str(paths.root), run_date=date or "")
    with dg.DagsterInstance.get() as instance, run_report.RunDisplay(console) as display:
        return run_all(
            None,  # each unit's child process loads the code location
            resource,
            instance,
            run_config=QUIET_RUN,
            isolate=True,
            stop=stop,
            on_progress=display.update,
        )


@app.command()
@user_errors
def validate(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="The export to check.")],
    dataset: Annotated[str, typer.Option("--dataset", help=f"One of: {', '.join(SLUGS)}.")],
    comuna: Annotated[
        str | None, typer.Option(help="CUT code (default: the first configured).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    descriptor_file: Annotated[
        Path | None,
        typer.Option(
            "--descriptor",
            exists=True,
            dir_okay=False,
            help="A descriptor file to read the export with instead of the dataset's "
            "(to try a mapping before adding it), e.g. datasets/examples/*.dataset.yaml.",
        ),
    ] = None,
    html: Annotated[
        Path | None,
        typer.Option(
            "--html",
            dir_okay=False,
            help="Also write the file's validation page here (private: shows the values).",
        ),
    ] = None,
    date: Annotated[
        str | None,
        typer.Option(help="Date shown in the report, YYYY-MM-DD (default: today in Santiago)."),
    ] = None,
) -> None:
    """Check one export against its dataset's schemas without publishing anything.

    Exit code 2 when rows would be quarantined. `--html` writes the file's validation
    page (private: it shows the values written in the file). A national file (a source
    with `route:`) is split among comunas as a run splits it: the routing (rows per
    comuna, excluded with reason, unmatched buyers by name and count) is printed, then
    the routed rows are validated (all comunas, or `--comuna`); unmatched rows also
    exit 2.
    Example: abierto validate ordenes_de_compra_2026-10.csv --dataset contracts
    """
    from datasets.ingest import read_source
    from datasets.municipalities import comunas_table
    from datasets.routing import NATIONAL, read_national
    from pipelines.resources import AbiertoResource
    from publish.file_report_page import render_file_report
    from quality.file_report import (
        build_file_report,
        invalid_share,
        invalid_share_reason,
        without_values,
    )
    from quality.validate import source_checks, validate_raw
    from schemas import load_descriptor as load_schema_descriptor

    descriptor = (
        load_descriptor_file(descriptor_file) if descriptor_file else load_descriptor(dataset)
    )
    if descriptor.slug != dataset:
        raise AbiertoError(
            f"el descriptor es del dataset «{descriptor.slug}», no «{dataset}»",
            f"the descriptor is for dataset '{descriptor.slug}', not '{dataset}'",
            file=str(descriptor_file),
        )
    # a name a routed (national) source accepts is read as a national file, as in
    # landing/_national/
    routed = [s for s in descriptor.sources if s.route is not None and s.matches(file.name)]
    source = routed[0] if routed else descriptor.require_source(file.name)
    installation = load_installation()
    routing = None
    if source.route is not None:  # a national file: split as a run would, every comuna
        cut = comuna or NATIONAL
        with tempfile.TemporaryDirectory(prefix="abierto-validate-") as warehouse:
            raw, routing = read_national(
                file, source, Path(warehouse), [comuna] if comuna else None
            )
        if not as_json:
            print_routing(routing, comuna)
        if raw is None:
            if as_json:
                typer.echo(json.dumps({"routing": routing_counts(routing)}, ensure_ascii=False))
            raise typer.Exit(2 if routing.rows_unmatched else 0)
    else:
        cut = comuna or installation.municipalities[0].cut
        raw = read_source(file, source, comuna_code=cut)
    references = {"comunas": comunas_table(installation)}
    valid, quarantined, shares = {}, {}, []
    for table in descriptor.tables:
        result = validate_raw(
            raw.tables[table],
            load_schema_descriptor(table),
            references=references,
            checks=source_checks([raw], table),
        )
        references[table] = result.valid
        valid[table], quarantined[table] = len(result.valid), result.quarantined
        bad = len(result.quarantined)
        shares.append(
            invalid_share(
                table,
                bad,
                bad + len(result.valid),
                descriptor.max_invalid_share,
                f"{cut}/{file.name}",
            )
        )
    report = build_file_report(
        dataset=descriptor.slug,
        comuna_code=cut,
        provenance=raw.provenance,
        source=source,
        quarantined=quarantined,
        valid=valid,
        held=None,
        blocked=[invalid_share_reason(c) for c in shares if c["exceeded"]],
        shares=shares,
        run_date=(dt.date.fromisoformat(date) if date else AbiertoResource().today()).isoformat(),
    )
    if html is not None:
        html.write_text(render_file_report(report), encoding="utf-8")
    if as_json:
        public = without_values(report)
        if routing is not None:
            public["routing"] = routing_counts(routing)
        typer.echo(json.dumps(public, ensure_ascii=False, indent=2))
    else:
        print_validation(report)
        if html is not None:
            console.print(f"Informe / report (PRIVADO / PRIVATE): {html}", markup=False)
    if report["errors_total"] or (routing is not None and routing.rows_unmatched):
        raise typer.Exit(2)


def print_routing(report: RoutingReport, comuna: str | None) -> None:
    """Where a national file's rows go (buyer names only for unmatched rows)."""
    for line in report.summary():
        console.print(line, markup=False)
    routed = sorted(report.routed.items())
    shown = ", ".join(f"{cut} ({n})" for cut, n in routed[:PRINTED_COMUNAS])
    more = len(routed) - PRINTED_COMUNAS
    console.print(
        f"  por comuna / per comuna: {shown}" + (f", … +{more}" if more > 0 else ""),
        markup=False,
    )
    if comuna is not None:
        console.print(
            f"  se valida solo / validating only {comuna}: {report.routed.get(comuna, 0)} "
            "filas / rows",
            markup=False,
        )


def routing_counts(report: RoutingReport) -> dict:
    """The routing report without buyer names or malformed rows' text (for --json)."""
    return {k: v for k, v in report.to_dict().items() if k not in {"buyers", "malformed"}}


def print_validation(report: dict) -> None:
    """The file report of `quality.file_report` on the terminal, without cell values."""
    from quality.file_report import DETECTED

    rows, file = report["rows"], report["file"]
    console.print(
        f"{file['name']} ({file['source_format']}): "
        f"{rows['read']} filas leídas / rows read, "
        f"{rows['excluded']} excluidas / excluded"
        + "".join(f", {n} {reason}" for reason, n in rows["excluded_by_reason"].items()),
        markup=False,
    )
    detected = ", ".join(f"{k} {file[k]!r}" for k in DETECTED if k in file)
    console.print(f"  detectado / detected: {detected}", markup=False)
    for table, counts in report["tables"].items():
        console.print(
            f"  {table}: {counts['rows_valid']} válidas / valid, "
            f"{counts['rows_quarantined']} en cuarentena / quarantined"
        )
    for reason in report["publication"]["reasons"]:
        console.print(
            f"  [red]bloquearía / would block:[/red] {escape(reason['es'])} / "
            f"{escape(reason['en'])}"
        )
    if report["errors_by_column"]:
        groups = _table("columna/column", "qué pasa / what is wrong", "esperado / expected")
        groups.add_column("n", justify="right")
        groups.add_column("filas/rows")
        for group in report["errors_by_column"]:
            groups.add_row(
                *map(
                    escape,
                    (
                        _column(group),
                        _problem(group),
                        f"{group['expected']['es']}\n{group['expected']['en']}",
                        str(group["count"]),
                        ", ".join(map(str, group["first_rows"])),
                    ),
                )
            )
        console.print(groups)
    if report["errors"]:
        errors = _table("fila/row", "columna/column", "qué pasa / what is wrong")
        errors.add_column("esperado / expected", overflow="fold")
        for error in report["errors"][:PRINTED_ERRORS]:
            errors.add_row(
                *map(
                    escape,
                    (
                        str(error["row"]),
                        _column(error),
                        _problem(error),
                        f"{error['expected']['es']}\n{error['expected']['en']}",
                    ),
                )
            )
        console.print(errors)
        if report["errors_total"] > PRINTED_ERRORS:
            console.print(
                f"  … {report['errors_total'] - PRINTED_ERRORS} errores más / more errors "
                "(--html PAGINA.html / PAGE.html)"
            )


def _table(*headers: str) -> Table:
    """A terminal table whose long words (column labels) wrap instead of being cut."""
    table = Table()
    for header in headers:
        table.add_column(header, overflow="fold")
    return table


def _problem(error: dict) -> str:
    """What was wrong, Spanish then English, and whether the value repeats on other rows."""
    lines = [error["what"]["es"], error["what"]["en"]]
    if error["repeated"]:
        lines += [error["repeated"]["es"], error["repeated"]["en"]]
    return "\n".join(lines)


def _column(error: dict) -> str:
    """The column as the file names it, with the canonical field."""
    if error["field"] is None:
        return "(fila / row)"
    return f"{error['column']} ({error['field']})" if error["column"] else error["field"]


@app.command()
@user_errors
def check(
    dataset: Annotated[str, typer.Option("--dataset", help=f"One of: {', '.join(SLUGS)}.")],
    files: Annotated[
        list[Path] | None,
        typer.Argument(
            exists=True, dir_okay=False, help="Exports to check (default: the landed ones)."
        ),
    ] = None,
    home: HomeOption = None,
    comuna: Annotated[
        str | None, typer.Option(help="CUT code of the files (default: the first configured).")
    ] = None,
    date: Annotated[
        str | None, typer.Option(help="Run date YYYY-MM-DD (default: today in Santiago).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Run the dataset's quality rules (and its publish gate) without publishing anything.

    Exit code 2 when a rule of severity error fails, the gate would block the dataset or
    the installation file has a problem (a refused entry, no catalog.site_url).
    Example: abierto check --dataset budgets ejecucion_presupuestaria_2026-10.csv
    """
    from pipelines.quality_check import check_dataset
    from pipelines.resources import AbiertoResource

    load_descriptor(dataset)
    report = check_dataset(
        dataset,
        load_installation(),
        as_of=dt.date.fromisoformat(date) if date else AbiertoResource().today(),
        files=files,
        comuna_code=comuna,
        home=Home.from_env(home),
    )
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print_check(report)
        for problem in report["installation"]:
            console.print(
                f"instalación / installation: {problem['es']} / {problem['en']}",
                markup=False,
                highlight=False,
            )
    if report["blocked"] or report["installation"]:
        raise typer.Exit(2)


def print_check(report: dict) -> None:
    quality = report["quality"]
    console.print(
        f"{report['dataset']}: {quality['rules_run']} reglas / rules, "
        f"{quality['rules_passed']} se cumplen / pass, {quality['errors']} errores / errors, "
        f"{quality['warnings']} avisos / warnings"
    )
    for rule in quality["rules"]:
        state = "ok" if rule["passed"] else rule["severity"]
        sample = "; ".join(
            ",".join(str(v) for v in keys.values()) for keys in rule["sample_keys"][:3]
        )
        console.print(
            f"  [{state}] {rule['rule']}: {rule['rows_affected']}/{rule['rows_checked']}"
            f" — {rule['title_es']} / {rule['title_en']}"
            + (f" — p. ej. / e.g. {sample}" if sample else ""),
            highlight=False,
            soft_wrap=True,
            markup=False,
        )
    for reason in report["blocked"]:
        console.print(
            f"[red]bloqueado / blocked:[/red] {escape(reason['es'])} / {escape(reason['en'])}"
        )


class CatalogHandler(http.server.SimpleHTTPRequestHandler):
    """Static files with the catalog's security headers and media types (the query box's
    DuckDB-Wasm needs `.wasm` as application/wasm and `.mjs` as JavaScript, whatever the
    system's mime.types says)."""

    extensions_map = http.server.SimpleHTTPRequestHandler.extensions_map | {
        ".wasm": "application/wasm",
        ".mjs": "text/javascript",
        ".js": "text/javascript",
        ".parquet": "application/vnd.apache.parquet",
        ".ttl": "text/turtle",
        ".jsonld": "application/ld+json",
    }

    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        super().end_headers()


@app.command()
@user_errors
def serve(
    home: HomeOption = None,
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8000,
) -> None:
    """Serve the published catalog on localhost; Ctrl-C or SIGTERM stops it cleanly.

    Example: abierto serve --port 8000
    """
    site = Home.from_env(home).site
    if not (site / "index.html").exists():
        raise AbiertoError(
            f"no hay catálogo publicado en {site}; ejecute `abierto run` primero",
            f"no published catalog in {site}; run `abierto run` first",
        )
    handler = functools.partial(CatalogHandler, directory=str(site))
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)  # as Ctrl-C
    try:
        with (
            http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server,
            contextlib.suppress(KeyboardInterrupt),
        ):
            console.print(
                f"Catálogo en / catalog at http://127.0.0.1:{server.server_address[1]}/ "
                "(Ctrl+C para salir / to stop)"
            )
            server.serve_forever()
    finally:
        signal.signal(signal.SIGTERM, previous)
    console.print("Servidor detenido / server stopped")


@app.command()
@user_errors
def ui(
    home: HomeOption = None,
    port: Annotated[int, typer.Option(help="Port of the Dagster UI.")] = 3000,
) -> None:
    """Start the Dagster UI (and its daemon, so schedules and sensors tick).

    Ctrl-C or SIGTERM stops the webserver, the daemon and any run in progress; those runs
    are marked canceled in Dagster (queued runs wait for the next start).
    Example: abierto ui --port 3000
    """
    paths = Home.from_env(home)
    env = os.environ | {"ABIERTO_HOME": str(paths.root)}
    env.setdefault("DAGSTER_HOME", str(paths.root / "dagster"))
    ensure_dagster_home(Path(env["DAGSTER_HOME"]))
    command = [
        sys.executable,
        "-m",
        "dagster",
        "dev",
        "-m",
        "pipelines.definitions",
        "-p",
        str(port),
    ]
    raise typer.Exit(_supervise(command, env, Path(env["DAGSTER_HOME"])))


def _supervise(command: list[str], env: dict, dagster_home: Path) -> int:
    from pipelines.instance import supervise_dagster

    stopped = supervise_dagster(command, env, dagster_home)
    if stopped.signal is None:
        return stopped.returncode
    left = f" ({len(stopped.left)} sin terminar / left unfinished)" if stopped.left else ""
    console.print(
        f"Dagster detenido por {stopped.signal}, {len(stopped.canceled)} ejecuciones "
        f"canceladas / stopped by {stopped.signal}, {len(stopped.canceled)} runs canceled" + left,
        highlight=False,
    )
    return 0


@app.command()
@user_errors
def releases(home: HomeOption = None) -> None:
    """List the releases, oldest first; the served one is marked with *.

    Example: abierto releases
    """
    from publish.publication import list_releases

    table = Table("", "publicación/release", "fecha/date", "anterior/previous", "datasets", "bytes")
    for row in list_releases(Home.from_env(home).site):
        carried = [
            f"{s} ({r})" if r != row["release_id"] else s for s, r in row["datasets"].items()
        ]
        table.add_row(
            "*" if row["is_current"] else "",
            row["release_id"],
            row["generated_on"],
            row["previous_release"] or "",
            ", ".join(carried),
            str(row["bytes"]),
        )
    console.print(table)


@app.command()
@user_errors
def verify(
    release: Annotated[
        str | None,
        typer.Argument(help="Release id, or the folder of a downloaded release or package."),
    ] = None,
    home: HomeOption = None,
) -> None:
    """Check every file of a release (default: the served one) against SHA256SUMS and the
    bytes and hashes in each datapackage.json; exit code 1 on any difference.

    Example: abierto verify 2026-11-23
    """
    from publish.integrity import verify_folder
    from publish.publication import release_folder

    folder = release_folder(Home.from_env(home).site, release)
    problems = verify_folder(folder)
    for problem in problems:
        console.print(f"[red]✗[/red] {escape(str(problem))}", highlight=False, soft_wrap=True)
    if problems:
        raise typer.Exit(1)
    console.print(f"✓ {folder}: todos los archivos coinciden / every file matches", markup=False)


@app.command()
@user_errors
def rollback(
    release: Annotated[
        str | None, typer.Argument(help="Release id to serve (default: the one before).")
    ] = None,
    home: HomeOption = None,
) -> None:
    """Serve an earlier release again, atomically; runs with unchanged inputs keep it.

    Example: abierto rollback 2026-11-23
    """
    from publish.catalog import renderer
    from publish.publication import rollback as roll_back

    paths = Home.from_env(home)
    served = roll_back(paths.site, release, renderer(load_installation()))
    console.print(f"Publicación servida / release served: {served}")
