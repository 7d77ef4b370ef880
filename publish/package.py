"""Write a dataset as a Frictionless data package: CSV + Parquet + datapackage.json.

Files are written deterministically (sorted rows, fixed writer settings, no
timestamps), so the same inputs give byte-identical files. A table comes as a pandas
frame (small tables) or as the Arrow table the catalog assembles with DuckDB (national
tables: no round trip through Python objects); both give the same bytes
(`published_table`).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from datasets.descriptor import DatasetDescriptor
from datasets.hashing import sha256_file
from publish import copies
from publish.integrity import HashingWriter
from publish.spreadsheet import (
    FORMULA_RE,
    NOTE,
    TOO_LONG,
    ahead,
    fits_excel,
    neutralise_formula,
    per_distinct,
    string_bytes,
    write_xlsx,
)
from schemas import public_descriptor

ARROW_TYPES = {
    "string": pa.string(),
    "integer": pa.int64(),
    "number": pa.float64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
}
DEMO_NOTE = {
    "es": "DATOS SINTÉTICOS DE DEMOSTRACIÓN de una comuna ficticia. ",
    "en": "SYNTHETIC DEMO DATA of a fictional municipality. ",
}
MEDIATYPES = {
    "csv": "text/csv",
    "parquet": "application/vnd.apache.parquet",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def file_facts(path: Path, sha256: str | None = None) -> dict:
    """A file's `bytes` and `hash` (its sha256, read unless the writer gave it)."""
    return {"bytes": path.stat().st_size, "hash": f"sha256:{sha256 or sha256_file(path)}"}


def csv_text(value: object, kind: str) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return ""
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "integer":
        return str(int(value))
    if kind == "number":
        number = float(value)
        return str(int(number)) if number.is_integer() else repr(number)
    if kind == "string":
        return neutralise_formula(str(value))
    return str(value)


CSV_BATCH_ROWS = 65_536
_NEEDS_QUOTES = r'[,"\n]'  # Python's csv (QUOTE_MINIMAL, "\n" line ends) quotes these


def write_csv(frame: pd.DataFrame | pa.Table | SortedRows, fields: list[dict], path: Path) -> str:
    """The table as UTF-8 CSV, rendered column by column in Arrow and written in batches;
    return the file's sha256 (hashed as it is written).

    The bytes are those of Python's `csv.writer` (minimal quoting, `\n` line ends) over
    `csv_text` of every cell: texts neutralised against formulas, integers and whole
    numbers without a decimal part, other numbers as Python's `repr`, booleans as
    `true`/`false`, dates ISO, nulls empty.
    """
    table = frame if not isinstance(frame, pd.DataFrame) else arrow_table(frame, fields)
    header = io.StringIO(newline="")
    csv.writer(header, lineterminator="\n").writerow([f["name"] for f in fields])
    kinds = [f.get("type", "string") for f in fields]
    partial = path.with_name(f".{path.name}.partial")
    with partial.open("wb") as handle:
        out = HashingWriter(handle)
        out.write(header.getvalue().encode("utf-8"))
        batches = table.select([f["name"] for f in fields]).to_batches(CSV_BATCH_ROWS)
        for lines in ahead(_csv_lines(batch, kinds) for batch in batches):
            out.write(lines)
    partial.replace(path)
    return out.digest()


def _csv_lines(batch: pa.RecordBatch, kinds: list[str]) -> memoryview:
    """A batch's CSV lines, as bytes (cells, commas and line ends joined in one pass)."""
    parts: list[str | pa.Array] = []
    for column, kind in zip(batch.columns, kinds, strict=True):
        parts += [_csv_cells(column, kind), ","]
    parts[-1] = "\n"
    return string_bytes(pc.binary_join_element_wise(*parts, ""))


def _csv_cells(column: pa.Array, kind: str) -> pa.Array:
    """A column's CSV cells (quoted where needed), as strings with no nulls."""
    if kind == "number":
        text = _quoted(_per_distinct(column, lambda v: csv_text(v, "number")))
    elif kind == "boolean":
        text = pc.if_else(column, "true", "false")
    elif kind == "string":
        text = per_distinct(column.cast(pa.string()), _text_cells)
    else:
        text = column.cast(pa.string())
    return pc.fill_null(text, "")


def _text_cells(text: pa.Array) -> pa.Array:
    """Text as CSV cells: neutralised against formulas (`csv_text`), quoted where needed
    (a column where nothing needs either is passed as it is)."""
    formula = pc.match_substring_regex(text, FORMULA_RE)
    if pc.any(formula).as_py():
        text = pc.if_else(formula, pc.binary_join_element_wise("'", text, ""), text)
    return _quoted(text)


def _quoted(text: pa.Array) -> pa.Array:
    needs = pc.match_substring_regex(text, _NEEDS_QUOTES)
    if not pc.any(needs).as_py():
        return text
    quoted = pc.binary_join_element_wise('"', pc.replace_substring(text, '"', '""'), '"', "")
    return pc.if_else(needs, quoted, text)


def _per_distinct(column: pa.Array, render) -> pa.Array:
    """`render` of each distinct value once (Python), spread back over the column."""
    distinct = pc.unique(column)
    texts = pa.array([None if v is None else render(v) for v in distinct.to_pylist()], pa.string())
    return pc.take(texts, pc.index_in(column, distinct))


def arrow_table(frame: pd.DataFrame, fields: list[dict]) -> pa.Table:
    """The frame's published columns as Arrow, typed per the schema (Arrow converts each
    column at once; a column it refuses goes value by value)."""
    arrays = {}
    for field in fields:
        kind = field.get("type", "string")
        series = frame[field["name"]]
        try:
            arrays[field["name"]] = pa.array(series, type=ARROW_TYPES[kind], from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            values = [
                None
                if v is None or v is pd.NA or (isinstance(v, float) and pd.isna(v))
                else int(v)
                if kind == "integer"
                else v
                for v in series.tolist()
            ]
            arrays[field["name"]] = pa.array(values, type=ARROW_TYPES[kind])
    return pa.table(arrays)


PARQUET_ROW_GROUP = 1024 * 1024  # Arrow's default: fewer, larger groups compress better


def write_parquet(
    frame: pd.DataFrame | pa.Table | SortedRows, fields: list[dict], path: Path
) -> str:
    """The table as zstd Parquet in row groups of `PARQUET_ROW_GROUP` rows; return the
    file's sha256 (hashed as it is written). Sorted rows are taken one row group at a time
    (each column in one chunk), so the file is the one their whole table would give."""
    table = frame if not isinstance(frame, pd.DataFrame) else arrow_table(frame, fields)
    schema = arrow_schema(fields)
    partial = path.with_name(f".{path.name}.partial")
    with partial.open("wb") as handle:
        out = HashingWriter(handle)
        with pq.ParquetWriter(
            out, schema, compression="zstd", write_statistics=True, store_schema=False
        ) as writer:
            if not isinstance(table, SortedRows):
                writer.write_table(table.select(schema.names), PARQUET_ROW_GROUP)
            else:
                for group in table.to_batches(PARQUET_ROW_GROUP):
                    writer.write_batch(group, PARQUET_ROW_GROUP)
                if table.num_rows == 0:
                    writer.write_table(schema.empty_table())
    partial.replace(path)
    return out.digest()


def sort_keys(descriptor: dict) -> list[str]:
    """The columns rows are published in the order of: the primary key, else every field."""
    keys = descriptor.get("primaryKey") or [f["name"] for f in descriptor["fields"]]
    return [keys] if isinstance(keys, str) else list(keys)


def sort_rows(frame: pd.DataFrame, descriptor: dict) -> pd.DataFrame:
    return frame.sort_values(
        sort_keys(descriptor), kind="mergesort", na_position="first"
    ).reset_index(drop=True)


def published_table(table: pd.DataFrame | pa.Table, descriptor: dict) -> pa.Table | SortedRows:
    """A table's published columns in Arrow, typed per the schema, rows in `sort_keys`
    order (missing values first, ties in their given order).

    An Arrow table is sorted as its values are (Arrow's stable sort, by code point for
    text, as pandas sorts the same values) and typed batch by batch as the writers read
    it (`SortedRows`), so it gives the rows a frame of the same values gives through
    `sort_rows` and `arrow_table`, without a sorted copy of the whole table."""
    fields = descriptor["fields"]
    if isinstance(table, pd.DataFrame):
        return arrow_table(sort_rows(table, descriptor), fields)
    keys = sort_keys(descriptor)
    order = pc.sort_indices(
        table.select(keys), sort_keys=[(k, "ascending", "at_start") for k in keys]
    )
    return SortedRows(table, fields, order)


@dataclass(frozen=True)
class SortedRows:
    """A table's published rows, taken in `order` and typed (`typed_table`) one batch at a
    time as a writer reads them (`to_batches`, as `pa.Table` has it), so writing a table of
    millions of rows holds a batch of it, not a sorted copy."""

    table: pa.Table
    fields: list[dict]
    order: pa.Array

    @property
    def num_rows(self) -> int:
        return len(self.order)

    def select(self, names: list[str]) -> SortedRows:
        by_name = {f["name"]: f for f in self.fields}
        return SortedRows(self.table, [by_name[n] for n in names], self.order)

    def to_batches(self, rows: int) -> Iterator[pa.RecordBatch]:
        for start in range(0, self.num_rows, rows):
            part = typed_table(self.table, self.fields, self.order.slice(start, rows))
            yield part.to_batches()[0]

    def read_all(self) -> pa.Table:
        """Every row, typed, as one table (each column in one chunk)."""
        return typed_table(self.table, self.fields, self.order)


def arrow_schema(fields: list[dict]) -> pa.Schema:
    """The published Arrow types of a table's fields."""
    return pa.schema([(f["name"], ARROW_TYPES[f.get("type", "string")]) for f in fields])


def typed_table(table: pa.Table, fields: list[dict], order: pa.Array | None = None) -> pa.Table:
    """An Arrow table's published columns in the schema's types, as `arrow_table` types a
    frame of the same values: NaN is missing; a column Arrow holds in another type is
    cast where the cast is exact (integers, NULL), else converted as `arrow_table` does.
    With `order`, the rows are taken in that order. One column at a time, each in one
    chunk (so the Parquet writer pages it as it pages a frame's column)."""
    arrays = {}
    for field in fields:
        name, target = field["name"], ARROW_TYPES[field.get("type", "string")]
        column = table.column(name)
        if order is not None:
            column = column.take(order)
        column = pa.chunked_array([column.combine_chunks()], column.type)
        if pa.types.is_floating(column.type):
            column = pc.if_else(pc.is_nan(column), pa.scalar(None, column.type), column)
        if column.type != target:
            cast = _cast_exactly(column, target)
            if cast is None:
                cast = arrow_table(pd.DataFrame({name: column.to_pandas()}), [field])[name]
            column = cast
        arrays[name] = column
    return pa.table(arrays)


def _cast_exactly(column: pa.ChunkedArray, target: pa.DataType) -> pa.ChunkedArray | None:
    """`column` cast to `target` when Arrow gives what `pa.array` of its pandas values
    would (integers to integers or numbers, whole numbers to integers, NULL, large text);
    None otherwise."""
    kind = column.type
    exact = (
        pa.types.is_null(kind)
        or (pa.types.is_integer(kind) and target in (pa.int64(), pa.float64()))
        or (pa.types.is_floating(kind) and target == pa.int64())
        or (pa.types.is_large_string(kind) and target == pa.string())
    )
    if not exact:
        return None
    try:
        return column.cast(target)  # safe: a fractional number is not cast
    except pa.ArrowInvalid:
        return None


def csv_resource(
    name: str,
    path: Path,
    title: dict,
    schema: dict,
    alternates=(),
    digests: Mapping[Path, str] | None = None,
) -> dict:
    """A CSV resource with its integrity facts and its other formats (`digests`: the
    sha256 of files whose writer hashed them, not read again).

    Parquet copies are listed under `x-alternates` (with their own bytes and hash)
    rather than as resources: frictionless-py 5 cannot count a Parquet file's bytes
    and reads its integer nulls as NaN, so a Parquet resource would fail
    `frictionless validate` although the file is right.
    """
    resource = {
        "name": name,
        "path": path.name,
        "format": "csv",
        "mediatype": MEDIATYPES["csv"],
        "encoding": "utf-8",
        "title": title["es"],
        "x-title-en": title["en"],
        **file_facts(path, (digests or {}).get(path)),
        "schema": schema,
    }
    if alternates:
        resource["x-alternates"] = [
            {"format": p.suffix[1:], "mediatype": MEDIATYPES[p.suffix[1:]], "path": p.name}
            | file_facts(p, (digests or {}).get(p))
            for p in alternates
        ]
    return resource


PROVENANCE_FIELDS = ("bytes", "source_format", "encoding", "delimiter", "sheet", "header_row")


def source_entry(provenance: dict) -> dict:
    """A data package `sources` entry from a file's provenance (no cell values)."""
    entry = {
        "title": provenance["name"],
        "x-sha256": provenance["sha256"],
        "x-rows-read": provenance["rows_read"],
    }
    entry |= {
        f"x-{name.replace('_', '-')}": provenance[name]
        for name in PROVENANCE_FIELDS
        if provenance.get(name) is not None
    }
    if "rows_excluded_by_reason" in provenance:
        entry["x-rows-excluded"] = provenance["rows_excluded_by_reason"]
    return entry


def write_package(
    out_dir: Path,
    dataset: DatasetDescriptor,
    tables: dict[str, pd.DataFrame | pa.Table],
    *,
    sources: list[dict],
    comunas: pd.DataFrame,
    version: str,
) -> dict:
    """Write one dataset's package into `out_dir`; return the datapackage descriptor.

    A package holding any fictional comuna says it is synthetic demo data.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    is_demo = bool(comunas["is_fictional"].astype(bool).any())
    resources = [
        table_resource(out_dir, table, published_table(tables[table], public_descriptor(table)))
        for table in dataset.tables
    ]
    resources.append(comunas_resource(out_dir, comunas))
    return write_descriptor(
        out_dir,
        dataset,
        resources,
        sources=[source_entry(s) for s in sources],
        version=version,
        is_demo=is_demo,
    )


def table_resource(out_dir: Path, table: str, frame: pd.DataFrame | pa.Table | SortedRows) -> dict:
    """Write a table (rows already in order) as CSV, Parquet and, when it fits, Excel;
    return its resource.

    Sorted rows of a table too long for Excel are read a batch (a Parquet row group) at a
    time by the CSV and Parquet writers; a shorter one is typed once for all three (the
    Excel chain is the longest: it starts on rows ready), so the writers hold a typed copy
    of a million rows at most, whatever the table's length.

    The Excel copy is written on a second thread while the CSV and Parquet files are
    written (Arrow compute and zlib release the GIL). Each file is hashed as it is
    written, and the CSV and Excel copies are recorded as renderings of the table the
    Parquet file holds (`publish.copies`), so the publish gate scans the table once."""
    schema = public_descriptor(table)
    fields = schema["fields"]
    if isinstance(frame, pd.DataFrame):
        frame = arrow_table(frame, fields)
    elif isinstance(frame, SortedRows) and fits_excel(frame.num_rows):
        # three writers read it: typed once (a table Excel holds), not taken three times
        frame = frame.read_all()
    title = {"es": schema.get("title", table), "en": schema.get("x-title-en", table)}
    csv_path, parquet_path = out_dir / f"{table}.csv", out_dir / f"{table}.parquet"
    xlsx_path = out_dir / f"{table}.xlsx"
    with ThreadPoolExecutor(1) as pool:
        book = None
        if fits_excel(frame.num_rows):
            book = pool.submit(write_xlsx, frame, fields, xlsx_path, sheet=table, title=title)
        digests = {csv_path: write_csv(frame, fields, csv_path)}
        digests[parquet_path] = write_parquet(frame, fields, parquet_path)
        if book is not None:
            digests[xlsx_path], markup = book.result()
    parquet = digests[parquet_path]
    copies.record(digests[csv_path], copies.Copy("csv", parquet))
    alternates = [parquet_path]
    if book is not None:
        copies.record(digests[xlsx_path], copies.Copy("xlsx", parquet, table, markup))
        alternates.append(xlsx_path)
    resource = csv_resource(table, csv_path, title, schema, alternates, digests)
    if not fits_excel(frame.num_rows):
        rows = f"{frame.num_rows:,}"
        resource["x-no-spreadsheet"] = {
            "es": TOO_LONG["es"].format(rows=rows.replace(",", ".")),
            "en": TOO_LONG["en"].format(rows=rows),
        }
    return resource


def write_descriptor(
    out_dir: Path,
    dataset: DatasetDescriptor,
    resources: list[dict],
    *,
    sources: list[dict],
    version: str,
    is_demo: bool,
) -> dict:
    """Write `datapackage.json` of a dataset's resources and sources; return it."""
    package = {
        "profile": "data-package",
        "name": dataset.slug.replace("_", "-"),
        "title": dataset.title.es,
        "description": DEMO_NOTE["es"] * is_demo + dataset.description.es,
        "x-title-en": dataset.title.en,
        "x-description-en": DEMO_NOTE["en"] * is_demo + dataset.description.en,
        "x-synthetic-demo-data": is_demo,
        "version": version,
        "x-spreadsheet-safe-csv": NOTE,
        "licenses": [dataset.licence.model_dump()],
        "sources": sources,
        "resources": resources,
    }
    text = json.dumps(package, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
    (out_dir / "datapackage.json").write_text(text, encoding="utf-8")
    return package


def comunas_resource(out_dir: Path, comunas: pd.DataFrame) -> dict:
    """The comunas the package refers to (code-list rows), so foreign keys resolve."""
    schema = public_descriptor("comunas")
    path = out_dir / "comunas.csv"
    frame = sort_rows(comunas, schema)
    parquet = path.with_suffix(".parquet")
    digests = {
        path: write_csv(frame, schema["fields"], path),
        parquet: write_parquet(frame, schema["fields"], parquet),
    }
    title = {"es": "Comunas (códigos CUT)", "en": "Comunas (CUT codes)"}
    return csv_resource("comunas", path, title, schema, [parquet], digests)
