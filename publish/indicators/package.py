"""Compute the indicators of a release folder and write them as a data package.

`indicators_table(release)` is the whole computation: the release's published
Parquet files (`sources`), the indicator SQL (`compute`), suppression and
comparison (`comparison`). `write_indicators(release, ...)` writes the `indicators`
package into `release/indicators/` with the writers of `publish.package`: the
values, the method registry, the UTM values the thresholds used and the comunas the
values refer to, each as CSV + Parquet (+ Excel when it fits), and returns the
package descriptor and the summary the catalog shows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from datasets.descriptor import load_descriptor
from datasets.hashing import sha256_file
from publish.indicators.comparison import finalise
from publish.indicators.compute import raw_values
from publish.indicators.methods import methods_rows
from publish.indicators.sources import INPUTS, input_files, primary_key, register
from publish.package import (
    arrow_table,
    comunas_resource,
    sort_rows,
    table_resource,
    write_descriptor,
)
from schemas import code_list_path, load_code_list, public_descriptor

SLUG = "indicators"
PREVIEW_ROWS = 10


def indicators_table(release: Path) -> pa.Table:
    """Every indicator of the release folder's published tables, sorted by primary key."""
    with duckdb.connect(config={"threads": 1}) as con:  # one thread: a fixed summation order
        register(con, release)
        raw_values(con, primary_key(release, "budgets", "budget_lines"))
        table = finalise(con)
    fields = public_descriptor(SLUG)["fields"]
    return arrow_table(table.to_pandas(), fields)


def indicators_fingerprint() -> str:
    """What the indicators depend on besides the release's data: the method registry and
    the UTM values (part of the release's content fingerprint)."""
    text = json.dumps(methods_rows(), ensure_ascii=False, sort_keys=True)
    utm = sha256_file(code_list_path("utm_values"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest() + ":" + utm


def has_inputs(release: Path) -> bool:
    """Whether the release holds any dataset the indicators are computed from."""
    return any((release / slug / "datapackage.json").exists() for slug in INPUTS)


def write_indicators(release: Path, *, version: str, generated_on: dt.date) -> tuple[dict, dict]:
    """Write `release/indicators/` from the release's other packages; return the
    datapackage descriptor and the catalog summary."""
    folder = release / SLUG
    folder.mkdir(parents=True, exist_ok=True)
    sources = [
        {
            "name": str(path.relative_to(release)),
            "sha256": sha256_file(path),
            "rows_read": pq.read_metadata(path).num_rows,
        }
        for path in input_files(release)
    ]
    values = indicators_table(release)
    comunas = _comunas(release, set(values.column("comuna_code").to_pylist()))
    frames = {
        "indicator_methods": pd.DataFrame(methods_rows()),
        "utm_values": load_code_list("utm_values"),
    }
    tables = {SLUG: values} | {
        name: arrow_table(
            sort_rows(frame, public_descriptor(name)), public_descriptor(name)["fields"]
        )
        for name, frame in frames.items()
    }
    resources = [table_resource(folder, name, table) for name, table in tables.items()]
    resources.append(comunas_resource(folder, comunas))
    package = write_descriptor(
        folder,
        load_descriptor(SLUG),
        resources,
        sources=[
            {"title": s["name"], "x-sha256": s["sha256"], "x-rows-read": s["rows_read"]}
            for s in sources
        ],
        version=version,
        is_demo=bool(comunas["is_fictional"].astype(bool).any()),
    )
    return package, _summary(tables, sources, generated_on)


def _comunas(release: Path, used: set[str]) -> pd.DataFrame:
    """The code-list rows of the comunas the values refer to, from the input packages."""
    paths = [release / slug / "comunas.parquet" for slug in INPUTS]
    frames = [pd.read_parquet(p) for p in paths if p.exists()]
    names = [f["name"] for f in public_descriptor("comunas")["fields"]]
    if not frames:
        return pd.DataFrame(columns=names)
    comunas = pd.concat(frames, ignore_index=True).drop_duplicates("comuna_code")
    return comunas[comunas["comuna_code"].isin(used)][names]


def _summary(tables: dict[str, pa.Table], sources: list[dict], generated_on: dt.date) -> dict:
    """What the catalog shows about the package (`publish.catalog.summarise`'s keys)."""
    values = tables[SLUG]
    rows = values.num_rows + tables["indicator_methods"].num_rows
    previews = {}
    for name in load_descriptor(SLUG).tables:
        head = tables[name].slice(0, PREVIEW_ROWS).to_pandas()
        previews[name] = {
            "columns": list(head.columns),
            "rows": [["" if pd.isna(v) else str(v) for v in row] for row in head.values.tolist()],
            "rows_total": tables[name].num_rows,
        }
    return {
        "generated_on": generated_on.isoformat(),
        "years": sorted({int(p[:4]) for p in values.column("period").to_pylist()}),
        "comunas": sorted(set(values.column("comuna_code").to_pylist())),
        "rows_in": rows,
        "rows_published": rows,
        "rows_quarantined": 0,
        "rows_held": 0,
        "rows_excluded": 0,
        "quarantine_reasons": [],
        "quality": None,
        "sources": sources,
        "previews": previews,
    }
