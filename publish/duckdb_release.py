"""The release's DuckDB file for analysts: one view per resource over its Parquet files.

`abierto.duckdb` holds no data, only views (with table and column comments taken
from the schemas) over the Parquet files of the same release, plus a table
`example_queries`. A view reads `coalesce(getvariable('abierto_base'), BASE) ||
'/<slug>/<table>.parquet'`, where BASE is the release's own folder on the site
(`<site_url>releases/<id>`, immutable) when the installation has a `site_url`, else
`.`. DuckDB cannot resolve a view's path from the database file's own location
(relative paths are read from the working directory, and a table function's
arguments cannot query `duckdb_databases()`), so the file points at the published
copy: opened from any folder, or attached over HTTP, it reads the release from the
site (DuckDB's httpfs extension). Offline, point `abierto_base` at a downloaded
release folder::

    duckdb -readonly latest/abierto.duckdb -c "from purchase_orders limit 5"

    import duckdb
    db = duckdb.connect("latest/abierto.duckdb", read_only=True)
    db.sql("set variable abierto_base = 'latest'; from purchase_orders limit 5").show()

Writing the data into the file instead was measured and left aside: for a
1,000,000-row purchase-order table it is 2.5× the size of the zstd Parquet file it
copies (18.9 MB against 7.7 MB) and 8 s more per release, for every release.

Storage version v1.2.0 with 16 kB blocks: readable by DuckDB 1.2 and later (the last
two minor releases, 1.5 and 2.0, and the 1.4 LTS; tested with 1.4.4), and small
(about 90 kB; the v1.1.0 format that DuckDB 1.1 reads needs 256 kB blocks, about
800 kB). The file has come out byte-identical for identical packages (tested), but
DuckDB does not promise it, so it is left out of the release's content fingerprint.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

FILE_NAME = "abierto.duckdb"
# Readable by DuckDB 1.2 and later (header storage version 65); 16 kB blocks keep a
# views-only file small (~90 kB instead of ~800 kB with the default 256 kB blocks).
STORAGE = {"storage_compatibility_version": "v1.2.0", "default_block_size": "16384"}
STORAGE_VERSION_NUMBER = 65


def release_url(site_url: str | None, release_id: str) -> str | None:
    """The public address of a release's folder, or None without a `site_url`."""
    return f"{site_url.rstrip('/')}/releases/{release_id}" if site_url else None


def base_expression(base_url: str | None) -> str:
    """The SQL a view reads its folder from: `abierto_base` if set, else the default."""
    return f"coalesce(getvariable('abierto_base'), {_literal(base_url or '.')})"


EXAMPLES = [
    (
        "top_suppliers",
        "Los 10 proveedores con más monto en órdenes de compra",
        "The 10 suppliers with the largest purchase-order amounts",
        "select supplier_name, count(*) as orders, sum(amount_total_clp) as total_clp\n"
        "from purchase_orders group by supplier_name order by total_clp desc limit 10",
        "purchase_orders",
    ),
    (
        "budget_execution",
        "Presupuesto vigente y pagado acumulado por subtítulo, mes a mes",
        "Current budget and cumulative amount paid by subtítulo, month by month",
        "select fiscal_year, month, area, account_type, account_code, account_name,\n"
        "  amount_current_clp, amount_paid_clp\n"
        "from budget_lines where length(account_code) = 2 order by all",
        "budget_lines",
    ),
    (
        "requests_on_time",
        "Solicitudes de acceso respondidas dentro del plazo legal, por año",
        "Access requests answered within the legal deadline, by year",
        "select year(received_date) as year, count(*) as requests,\n"
        "  avg(is_on_time::int) as share_on_time\nfrom access_requests group by all order by all",
        "access_requests",
    ),
    (
        "what_changed",
        "Qué cambió en las órdenes de compra desde la publicación anterior",
        "What changed in purchase orders since the previous release",
        "select change, count(*) from changes_contracts group by all order by all",
        "changes_contracts",
    ),
]


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _name(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _comment(es: str | None, en: str | None) -> str:
    return " / ".join(t for t in (es, en) if t)


def views(packages: dict[str, dict]) -> dict[str, tuple[list[str], dict]]:
    """View name → (Parquet paths relative to the release, Table Schema) for a release.

    Data tables keep their name, each dataset's `changes` becomes `changes_<slug>`, and
    the `comunas` of every package are merged into one `comunas` view.
    """
    result: dict[str, tuple[list[str], dict]] = {}
    for slug, package in sorted(packages.items()):
        for resource in package["resources"]:
            parquet = next(
                (a["path"] for a in resource.get("x-alternates", []) if a["format"] == "parquet"),
                None,
            )
            if parquet is None:
                continue
            name = resource["name"]
            view = f"changes_{slug}" if name == "changes" else name
            paths, _ = result.get(view, ([], None))
            result[view] = ([*paths, f"{slug}/{parquet}"], resource | {"_dataset": slug})
    return result


def write_duckdb(release_dir: Path, packages: dict[str, dict], base_url: str | None = None) -> Path:
    """Write `abierto.duckdb` into `release_dir` for the packages it holds (slug → package);
    its views read from `base_url` (the release's public folder, see :func:`release_url`)
    unless `abierto_base` is set."""
    path = release_dir / FILE_NAME
    base = base_expression(base_url)
    path.unlink(missing_ok=True)
    with duckdb.connect(str(path), config=STORAGE) as con:
        con.execute("set variable abierto_base = ?", [str(release_dir)])  # not stored in the file
        for view, (paths, resource) in views(packages).items():
            selects = " union ".join(
                f"select * from read_parquet({base} || {_literal('/' + p)})" for p in paths
            )
            con.execute(f"create view {_name(view)} as {selects}")
            title = _comment(resource.get("title"), resource.get("x-title-en"))
            con.execute(f"comment on view {_name(view)} is {_literal(title)}")
            for field in resource["schema"]["fields"]:
                text = _comment(
                    _comment(field.get("title"), field.get("description")),
                    _comment(field.get("x-title-en"), field.get("x-description-en")),
                )
                con.execute(
                    f"comment on column {_name(view)}.{_name(field['name'])} is {_literal(text)}"
                )
        con.execute(
            "create table example_queries (name varchar primary key, title_es varchar, "
            "title_en varchar, sql varchar)"
        )
        present = set(views(packages))
        for name, es, en, sql, needs in EXAMPLES:
            if needs in present:
                con.execute("insert into example_queries values (?, ?, ?, ?)", [name, es, en, sql])
        con.execute(
            "comment on table example_queries is "
            + _literal("Consultas de ejemplo: select sql from example_queries / example queries")
        )
        con.execute("checkpoint")
    return path
