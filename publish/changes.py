"""What changed in a dataset since the previous release, row by row, by primary key.

`diff_table` joins the two releases' Parquet files in DuckDB and returns one row per
added, removed or changed record, with the changed fields and their values before
and after (JSON). `write_changes` writes them as the package's `changes` resource
(CSV + Parquet) and `release_notes` renders the readable summary for `CHANGES.md`.
Only columns present in both releases are compared.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq

CHANGES_SCHEMA = {
    "fields": [
        {
            "name": "resource",
            "type": "string",
            "title": "Tabla",
            "x-title-en": "Table",
            "description": "Recurso del paquete donde está la fila.",
            "x-description-en": "Package resource the row belongs to.",
            "x-privacy": "public",
        },
        {
            "name": "change",
            "type": "string",
            "title": "Cambio",
            "x-title-en": "Change",
            "description": "added (nueva), removed (eliminada) o changed (modificada).",
            "x-description-en": "added, removed or changed.",
            "constraints": {"required": True, "enum": ["added", "removed", "changed"]},
            "x-privacy": "public",
        },
        {
            "name": "key",
            "type": "string",
            "title": "Clave primaria",
            "x-title-en": "Primary key",
            "description": "Valores de la clave primaria de la fila, como objeto JSON.",
            "x-description-en": "The row's primary-key values, as a JSON object.",
            "x-privacy": "public",
        },
        {
            "name": "changed_fields",
            "type": "string",
            "title": "Columnas modificadas",
            "x-title-en": "Changed columns",
            "description": "Columnas cuyo valor cambió, separadas por «;» (solo en changed).",
            "x-description-en": "Columns whose value changed, separated by ';' (changed only).",
            "x-privacy": "public",
        },
        {
            "name": "before",
            "type": "string",
            "title": "Antes",
            "x-title-en": "Before",
            "description": "Valores anteriores de las columnas modificadas (JSON).",
            "x-description-en": "Previous values of the changed columns (JSON).",
            "x-privacy": "public",
        },
        {
            "name": "after",
            "type": "string",
            "title": "Después",
            "x-title-en": "After",
            "description": "Valores nuevos de las columnas modificadas (JSON).",
            "x-description-en": "New values of the changed columns (JSON).",
            "x-privacy": "public",
        },
    ],
    "primaryKey": ["resource", "key"],
}
CHANGE_KINDS = ("added", "removed", "changed")


def _json(values: dict) -> str:
    return json.dumps(values, ensure_ascii=False, sort_keys=False, default=str)


def _sql_name(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def diff_table(old: Path, new: Path, key: list[str], resource: str) -> pd.DataFrame:
    """Rows added, removed and changed from the Parquet file `old` to `new`, by `key`.

    A key part the old file lacks (a release made before the key gained it) is empty
    there, as a source that does not give it leaves it now."""
    old_columns = pq.read_schema(old).names
    added = "".join(f", null as {_sql_name(k)}" for k in key if k not in old_columns)
    columns = [c for c in pq.read_schema(new).names if c in old_columns and c not in key]
    on = " and ".join(f"o.{_sql_name(k)} is not distinct from n.{_sql_name(k)}" for k in key)
    keys = ", ".join(f"coalesce(n.{_sql_name(k)}, o.{_sql_name(k)}) as {_sql_name(k)}" for k in key)
    pairs = ", ".join(
        f"o.{_sql_name(c)}, n.{_sql_name(c)}, o.{_sql_name(c)} is distinct from n.{_sql_name(c)}"
        for c in columns
    )
    differs = " or ".join(f"o.{_sql_name(c)} is distinct from n.{_sql_name(c)}" for c in columns)
    query = (
        f"select {keys}, o._in is not null, n._in is not null{', ' + pairs if pairs else ''} "
        f"from (select *, true as _in{added} from read_parquet(?)) o "
        f"full outer join (select *, true as _in from read_parquet(?)) n on {on} "
        f"where o._in is null or n._in is null{' or ' + differs if differs else ''}"
    )
    with duckdb.connect() as con:
        rows = con.execute(query, [str(old), str(new)]).fetchall()
    records = []
    for row in rows:
        key_values = dict(zip(key, row[: len(key)], strict=True))
        in_old, in_new = row[len(key)], row[len(key) + 1]
        values = row[len(key) + 2 :]
        before = dict(zip(columns, values[0::3], strict=True))
        after = dict(zip(columns, values[1::3], strict=True))
        differs = dict(zip(columns, values[2::3], strict=True))
        record = {"resource": resource, "key": _json(key_values)}
        if in_old and in_new:
            changed = [c for c in columns if differs[c]]
            record |= {
                "change": "changed",
                "changed_fields": ";".join(changed),
                "before": _json({c: before[c] for c in changed}),
                "after": _json({c: after[c] for c in changed}),
            }
        else:
            record |= {"change": "added" if in_new else "removed", "changed_fields": None}
            record |= {"before": None, "after": None}
        records.append(record)
    names = [f["name"] for f in CHANGES_SCHEMA["fields"]]
    frame = pd.DataFrame(records, columns=names, dtype=object)
    order = frame["change"].map(CHANGE_KINDS.index)
    return (
        frame.assign(_o=order)
        .sort_values(["_o", "key"], kind="mergesort")
        .drop(columns="_o")
        .reset_index(drop=True)
    )


def summarise_changes(changes: pd.DataFrame) -> dict:
    """Per table: counts of rows added, removed and changed, and how often each field changed."""
    summary = {}
    for resource, part in changes.groupby("resource", sort=True):
        fields: dict[str, int] = {}
        for names in part["changed_fields"].dropna():
            for name in names.split(";"):
                fields[name] = fields.get(name, 0) + 1
        summary[str(resource)] = {
            kind: int((part["change"] == kind).sum()) for kind in CHANGE_KINDS
        }
        summary[str(resource)]["fields"] = dict(sorted(fields.items()))
    return summary


def release_notes(
    release_id: str, previous_id: str | None, datasets: dict[str, dict | None]
) -> str:
    """`CHANGES.md`: per dataset, what changed since the previous release (es + en).

    `datasets` maps a slug to its `summarise_changes` result, or None when the dataset
    was carried over unchanged from an earlier release (its publish gate failed).
    """
    lines = [f"# Publicación / Release {release_id}", ""]
    if previous_id is None:
        lines += ["Primera publicación. / First release.", ""]
        return "\n".join(lines)
    lines += [f"Cambios respecto de / changes since {previous_id}.", ""]
    for slug, summary in datasets.items():
        lines += [f"## {slug}", ""]
        if summary is None:
            lines += [
                "Sin cambios: se mantiene la publicación anterior (no pasó sus controles). / "
                "Unchanged: the previous release is kept (it did not pass its checks).",
                "",
            ]
            continue
        if not summary:
            lines += ["Sin cambios. / No changes.", ""]
            continue
        for table, counts in summary.items():
            lines.append(
                f"- {table}: {counts['added']} filas nuevas / rows added, "
                f"{counts['removed']} eliminadas / removed, "
                f"{counts['changed']} modificadas / changed"
            )
            for field, count in counts["fields"].items():
                lines.append(f"  - {field}: {count}")
        lines.append("")
    return "\n".join(lines)
