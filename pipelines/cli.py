"""The `abierto` command line: a thin layer over the pipeline's functions."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from datasets.descriptor import DATASETS_DIR, SLUGS, load_descriptor
from datasets.errors import AbiertoError
from datasets.ingest import read_source
from datasets.municipalities import comunas_table, load_installation
from pipelines.home import Home

app = typer.Typer(
    help="abierto: datos abiertos municipales validados y sin datos personales / "
    "validated, privacy-safe municipal open data.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
console = Console()
SAMPLES_DIR = DATASETS_DIR / "samples"
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

HomeOption = Annotated[
    str | None,
    typer.Option("--home", help="ABIERTO_HOME folder (default: $ABIERTO_HOME or ./data)."),
]


def fail(error: Exception) -> None:
    console.print(f"[red]error:[/red] {error}", highlight=False, soft_wrap=True)
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

    Example: abierto run --demo
    """
    import dagster as dg

    from pipelines.definitions import defs
    from pipelines.resources import AbiertoResource

    paths = Home.from_env(home)
    if date:
        dt.date.fromisoformat(date)
    if demo:
        console.print(
            f"Copiando {seed_demo(paths)} exportaciones de ejemplo (sintéticas) a {paths.landing}"
        )
    dagster_home = Path(os.environ.setdefault("DAGSTER_HOME", str(paths.root / "dagster")))
    dagster_home.mkdir(parents=True, exist_ok=True)
    resource = AbiertoResource(home_dir=str(paths.root), run_date=date or "")
    with dg.DagsterInstance.get() as instance:
        result = dg.materialize(
            list(defs.assets or []),
            resources={"abierto": resource},
            instance=instance,
            raise_on_error=False,
        )
    if not result.success:
        fail(
            AbiertoError("la ejecución falló; vea `abierto ui`", "the run failed; see `abierto ui`")
        )
    state = json.loads((paths.site / "catalog.json").read_text("utf-8"))
    report_release(paths, state)
    catalog = result.asset_materializations_for_node("catalog")
    if catalog and not catalog[-1].metadata["new_release"].value:
        console.print(
            "Sin cambios en los datos: no se creó una publicación nueva / "
            "unchanged data: no new release"
        )


def report_release(paths: Home, state: dict) -> None:
    table = Table(title=f"Publicación / release {state['release_id']}")
    for column in (
        "dataset",
        "release",
        "publicadas/published",
        "cuarentena/quarantined",
        "excluidas/excluded",
    ):
        table.add_column(column)
    for slug, entry in state["datasets"].items():
        s = entry["summary"]
        table.add_row(
            slug,
            entry["release_id"],
            str(s["rows_published"]),
            str(s["rows_quarantined"]),
            str(s["rows_excluded"]),
        )
    console.print(table)
    console.print(f"Catálogo / catalog: {paths.site / 'index.html'}")
    console.print(
        f"Para verlo / to view it: abierto serve --home {paths.root}  →  http://127.0.0.1:8000/"
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
) -> None:
    """Check one export against its dataset's schemas without publishing anything.

    Example: abierto validate ordenes_de_compra_2026-10.csv --dataset contracts
    """
    from quality.validate import validate_raw
    from schemas import load_descriptor as load_schema_descriptor

    descriptor = load_descriptor(dataset)
    source = descriptor.source_for(file.name)
    if source is None:
        raise AbiertoError(
            "ningún formato de origen del dataset acepta este nombre de archivo",
            "no source format of the dataset accepts this file name",
            file=file.name,
        )
    installation = load_installation()
    cut = comuna or installation.municipalities[0].cut
    raw = read_source(file, source, comuna_code=cut)
    references = {"comunas": comunas_table(installation)}
    report = {
        "file": file.name,
        "source_format": source.name,
        "rows_read": raw.rows_read,
        "rows_excluded": len(raw.excluded),
        "tables": {},
    }
    for table in descriptor.tables:
        result = validate_raw(
            raw.tables[table], load_schema_descriptor(table), references=references
        )
        references[table] = result.valid
        report["tables"][table] = {
            "rows_valid": len(result.valid),
            "rows_quarantined": len(result.quarantined),
            "errors": [
                {k: e[k] for k in ("rowNumber", "fieldName", "type", "note_es", "note_en")}
                for e in result.errors
            ],
        }
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print_validation(report)
    if any(t["rows_quarantined"] for t in report["tables"].values()):
        raise typer.Exit(2)


def print_validation(report: dict) -> None:
    console.print(
        f"{report['file']} ({report['source_format']}): "
        f"{report['rows_read']} filas leídas / rows read, "
        f"{report['rows_excluded']} excluidas / excluded (totales, filas en blanco)"
    )
    for table, result in report["tables"].items():
        console.print(
            f"  {table}: {result['rows_valid']} válidas / valid, "
            f"{result['rows_quarantined']} en cuarentena / quarantined"
        )
        if result["errors"]:
            errors = Table("fila/row", "columna/column", "tipo/type", "qué pasa / what is wrong")
            for error in result["errors"][:50]:
                errors.add_row(
                    str(error["rowNumber"]),
                    str(error["fieldName"]),
                    error["type"],
                    f"{error['note_es']}\n{error['note_en']}",
                )
            console.print(errors)


class CatalogHandler(http.server.SimpleHTTPRequestHandler):
    """Static files with the catalog's security headers."""

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
    """Serve the published catalog on localhost.

    Example: abierto serve --port 8000
    """
    site = Home.from_env(home).site
    if not (site / "index.html").exists():
        raise AbiertoError(
            f"no hay catálogo publicado en {site}; ejecute `abierto run` primero",
            f"no published catalog in {site}; run `abierto run` first",
        )
    handler = functools.partial(CatalogHandler, directory=str(site))
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
        console.print(
            f"Catálogo en / catalog at http://127.0.0.1:{port}/ (Ctrl+C para salir / to stop)"
        )
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()


@app.command()
@user_errors
def ui(
    home: HomeOption = None,
    port: Annotated[int, typer.Option(help="Port of the Dagster UI.")] = 3000,
) -> None:
    """Start the Dagster UI (and its daemon, so schedules and sensors tick).

    Example: abierto ui --port 3000
    """
    paths = Home.from_env(home)
    env = os.environ | {"ABIERTO_HOME": str(paths.root)}
    env.setdefault("DAGSTER_HOME", str(paths.root / "dagster"))
    Path(env["DAGSTER_HOME"]).mkdir(parents=True, exist_ok=True)
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
    raise typer.Exit(subprocess.call(command, env=env))


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
        console.print(f"[red]✗[/red] {problem}", highlight=False, soft_wrap=True)
    if problems:
        raise typer.Exit(1)
    console.print(f"✓ {folder}: todos los archivos coinciden / every file matches")


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
