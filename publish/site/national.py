"""The national view of a catalog: each dataset's national tables and one comuna's rows.

A dataset's package holds one file per table over every comuna, each row with its
``comuna_code`` (CUT): that is the national download, listed on the dataset page with
its size and row count. A comuna's rows are not copied into files of their own: 346
comunas × tables × formats would multiply a release's files, its disk and its leak
scan for bytes that are already published. As Datasette's filtered table views and
CKAN's DataStore filters do, a comuna's page links a filtered query of the national
table instead: the dataset's SQL box opened on the comuna's rows (``?comuna=<cut>``,
whose result the reader downloads as CSV), and the same SQL for DuckDB over the
published Parquet file (sorted by comuna where the key starts with it, so DuckDB reads
only the row groups it needs).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from publish.reasons import reason_words

COMUNA_CODE = re.compile(r"[0-9]{5}")
PLACEHOLDER = "{comuna}"  # replaced by a checked CUT code (5 digits), here or in query.js

WORDS = {
    "es": {
        "comunas_title": "Comunas",
        "comunas_intro": (
            "Dónde está cada comuna en esta versión, por conjunto de datos: publicado, "
            "versión anterior mantenida (con el motivo) o sin publicar."
        ),
        "comunas_caption": "Estado de cada comuna por conjunto de datos",
        "comunas_search": "Buscar una comuna",
        "comunas_label": "Nombre, código CUT o región",
        "comunas_hint": "Con o sin tildes: «nunoa» encuentra Ñuñoa.",
        "comunas_one": "{n} comuna",
        "comunas_many": "{n} comunas",
        "col_comuna": "Comuna",
        "col_region": "Región",
        "short_published": "Publicado",
        "short_carried": "Versión anterior",
        "short_blocked": "Sin publicar",
        "short_missing": "Sin entregas",
        "short_stale": "desactualizado",
        "reason": "Motivo",
        "in_n_comunas": "{n} comunas (ver la lista)",
        "national_intro": (
            "Cada tabla reúne todas las comunas del conjunto en un solo archivo; la columna "
            "comuna_code (código CUT) dice de qué comuna es cada fila."
        ),
        "national_rows": "{rows} de {comunas}",
        "comuna_rows": "Sus filas",
        "comuna_rows_intro": (
            "Las filas de {comuna} están en las tablas nacionales de cada conjunto (columna "
            "comuna_code = {code}). Puede consultarlas en el navegador y descargar el "
            "resultado en CSV, o leerlas con DuckDB."
        ),
        "comuna_rows_box": "Consultar las filas de {comuna} en «{dataset}»",
        "comuna_rows_sql": "SQL (DuckDB) para sus filas de «{table}»",
        "national_files": "Tablas nacionales de «{dataset}»:",
        "sql_comuna": "Filas de la comuna {code} en «{table}»",
    },
    "en": {
        "comunas_title": "Comunas",
        "comunas_intro": (
            "Where each comuna stands in this release, per dataset: published, previous "
            "version kept (with the reason) or not published."
        ),
        "comunas_caption": "Status of each comuna per dataset",
        "comunas_search": "Find a comuna",
        "comunas_label": "Name, CUT code or region",
        "comunas_hint": "With or without accents: “nunoa” finds Ñuñoa.",
        "comunas_one": "{n} comuna",
        "comunas_many": "{n} comunas",
        "col_comuna": "Comuna",
        "col_region": "Region",
        "short_published": "Published",
        "short_carried": "Previous version",
        "short_blocked": "Not published",
        "short_missing": "Nothing delivered",
        "short_stale": "stale",
        "reason": "Reason",
        "in_n_comunas": "{n} comunas (see the list)",
        "national_intro": (
            "Each table holds every comuna of the dataset in one file; the comuna_code "
            "column (CUT code) says which comuna each row belongs to."
        ),
        "national_rows": "{rows} from {comunas}",
        "comuna_rows": "Its rows",
        "comuna_rows_intro": (
            "The rows of {comuna} are in each dataset's national tables (column "
            "comuna_code = {code}). You can query them in the browser and download the "
            "result as CSV, or read them with DuckDB."
        ),
        "comuna_rows_box": "Query the rows of {comuna} in “{dataset}”",
        "comuna_rows_sql": "SQL (DuckDB) for its rows of “{table}”",
        "national_files": "National tables of “{dataset}”:",
        "sql_comuna": "Rows of comuna {code} in “{table}”",
    },
}


def reasons_text(reasons: Sequence[str], lang: str) -> str:
    """Reason types in plain words, joined (codes only: never a value or a message)."""
    index = 0 if lang == "es" else 1
    return "; ".join(reason_words(r)[index] for r in reasons)


def comuna_sql(
    resource: Mapping[str, Any],
    resources: Sequence[Mapping[str, Any]],
    source: Callable[[Mapping[str, Any]], str],
    code: str = PLACEHOLDER,
) -> str | None:
    """SQL for one comuna's rows of a table, or None when nothing ties it to a comuna.

    A table with ``comuna_code`` is filtered on it; a table without it joins the table
    its foreign key points to when that one has it (order lines → their orders).
    ``source(resource)`` names a table in the query (a view, or ``read_parquet(…)``).
    """
    if code != PLACEHOLDER and not COMUNA_CODE.fullmatch(code):
        raise ValueError(f"not a CUT code: {code!r}")
    names = {f["name"] for f in resource["fields"]}
    order = ", ".join(_as_list(resource.get("primaryKey")) or [])
    order_by = f"\nORDER BY {order}" if order else ""
    if "comuna_code" in names:
        return f"SELECT *\nFROM {source(resource)}\nWHERE comuna_code = '{code}'{order_by};"
    by_name = {r["name"]: r for r in resources}
    for key in resource.get("foreignKeys") or []:
        parent = by_name.get(key["reference"]["resource"])
        if parent is None or "comuna_code" not in {f["name"] for f in parent["fields"]}:
            continue
        fields, targets = _as_list(key["fields"]), _as_list(key["reference"]["fields"])
        join = " AND ".join(f"t.{a} = p.{b}" for a, b in zip(fields, targets, strict=True))
        order = ", ".join(f"t.{k}" for k in _as_list(resource.get("primaryKey")) or [])
        order_by = f"\nORDER BY {order}" if order else ""
        return (
            f"SELECT t.*\nFROM {source(resource)} AS t\n"
            f"JOIN {source(parent)} AS p ON {join}\n"
            f"WHERE p.comuna_code = '{code}'{order_by};"
        )
    return None


def comuna_examples(dataset: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The SQL box's queries for one comuna's rows (``{comuna}`` left for the script to
    fill with the CUT code of ``?comuna=``), one per table it can filter."""
    examples = []
    for resource in dataset["resources"]:
        sql = comuna_sql(resource, dataset["resources"], lambda r: r["name"])
        if sql is not None:
            examples.append(
                {
                    "title": {
                        lang: WORDS[lang]["sql_comuna"].format(
                            code=PLACEHOLDER, table=resource["title"][lang]
                        )
                        for lang in WORDS
                    },
                    "sql": sql,
                }
            )
    return examples


def national_files(resource: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """A table's national downloads (CSV and Parquet), in that order."""
    return [f for kind in ("csv", "parquet") for f in resource["files"] if f["format"] == kind]


def _as_list(value: Any) -> list[str]:
    if not value:
        return []
    return [value] if isinstance(value, str) else list(value)


def comuna_duckdb(
    dataset: Mapping[str, Any],
    resource: Mapping[str, Any],
    code: str,
    file_ref: Callable[[str], str],
) -> str | None:
    """DuckDB SQL reading one comuna's rows of a table from the published Parquet files
    (``file_ref(path)``: the file's URL, or its name without the site's address)."""

    def source(table: Mapping[str, Any]) -> str:
        parquet = next(f for f in table["files"] if f["format"] == "parquet")
        return "read_parquet('" + file_ref(parquet["path"]).replace("'", "''") + "')"

    if not all(any(f["format"] == "parquet" for f in r["files"]) for r in dataset["resources"]):
        return None
    return comuna_sql(resource, dataset["resources"], source, code)
