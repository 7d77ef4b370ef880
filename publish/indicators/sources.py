"""The inputs of the indicators: a release's published Parquet files as DuckDB views.

A release folder holds one folder per dataset (`budgets/budget_lines.parquet`,
`contracts/purchase_orders.parquet`, `access_requests/access_requests.parquet`, each
package's `comunas.parquet`). Each table becomes a view of the same name; a table the
release does not hold becomes an empty view with its schema's columns, so every
indicator query runs (and finds no rows). `utm_values` is the code list
`schemas/codes/utm_values.csv`, published with the indicators.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from schemas import CODES_DIR, TABLES, public_descriptor

INPUTS = ("budgets", "contracts", "access_requests")
DUCKDB_TYPES = {
    "string": "varchar",
    "integer": "bigint",
    "number": "double",
    "boolean": "boolean",
    "date": "date",
}


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def input_files(release: Path) -> list[Path]:
    """The Parquet files of the release the indicators read, in a fixed order."""
    files = [
        release / slug / f"{table}.parquet"
        for slug in INPUTS
        for table in (*TABLES[slug], "comunas")
    ]
    return [p for p in files if p.exists()]


def primary_key(release: Path, slug: str, table: str) -> list[str]:
    """A published table's primary key, from its package (the schema's when absent)."""
    path = release / slug / "datapackage.json"
    if path.exists():
        for resource in json.loads(path.read_text("utf-8"))["resources"]:
            if resource["name"] == table:
                return list(resource["schema"].get("primaryKey", []))
    return list(public_descriptor(table).get("primaryKey", []))


def register(con: duckdb.DuckDBPyConnection, release: Path) -> None:
    """Create the views `budget_lines`, `purchase_orders`, `access_requests`, `comunas`
    and `utm_values` over the release folder's published files."""
    comunas = []
    for slug in INPUTS:
        for table in TABLES[slug]:
            path = release / slug / f"{table}.parquet"
            if path.exists():
                con.execute(
                    f"create view {table} as select * from read_parquet({_literal(str(path))})"
                )
            else:
                _empty_view(con, table)
        if (release / slug / "comunas.parquet").exists():
            comunas.append(str(release / slug / "comunas.parquet"))
    if comunas:
        paths = ", ".join(_literal(p) for p in comunas)
        con.execute(
            "create view comunas as select distinct comuna_code, region_code "
            f"from read_parquet([{paths}])"
        )
    else:
        con.execute(
            "create view comunas as select null::varchar comuna_code, "
            "null::varchar region_code where false"
        )
    utm = _literal(str(CODES_DIR / "utm_values.csv"))
    con.execute(
        "create view utm_values as select month, utm_clp from read_csv("
        f"{utm}, header = true, columns = {{'month': 'varchar', 'utm_clp': 'bigint', "
        "'source': 'varchar'})"
    )


def _empty_view(con: duckdb.DuckDBPyConnection, table: str) -> None:
    columns = ", ".join(
        f"null::{DUCKDB_TYPES[f.get('type', 'string')]} as {f['name']}"
        for f in public_descriptor(table)["fields"]
    )
    con.execute(f"create view {table} as select {columns} where false")


def columns(con: duckdb.DuckDBPyConnection, view: str) -> set[str]:
    """The column names of a view."""
    return {row[0] for row in con.execute(f"describe {view}").fetchall()}
