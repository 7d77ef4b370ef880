"""A comuna's part of a dataset on disk, and the national tables DuckDB assembles from parts.

A part is what one comuna's run produced for one dataset (`steps.PreparedDataset`),
stored content-addressed in a folder named by its id::

    <id>/part.json                  sources, privacy notes, quality findings, asset-check
                                    results, removed personal values (private: the leak
                                    scan's needles, never published), each column's pandas
                                    dtype and value kind, the sha256 of every Parquet file
    <id>/<kind>.<table>.parquet     kind: tables (what would be published, with
                                    `_source_file`/`_source_row`), held, quarantined

`id` is the sha256 of `part.json`, which holds the sha256 of every Parquet file: a
part's bytes are checked against it when it is read (`read_part`), so a damaged part is
that comuna's failure only, found before DuckDB reads any of it.

Object columns keep their Python values: each is stored in the Arrow type of its values
(str, int, float, bool, date, datetime) or, for lists and dicts (the `_errors` of
quarantined rows), as JSON text; a column with values of several kinds is refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from datasets.hashing import sha256_file
from pipelines import digests
from pipelines.steps import PreparedDataset
from quality.rules.base import Finding, QualityReport, merge_reports

KINDS = ("tables", "held", "quarantined")
# rows of a Parquet row group: `pq.write_table`'s default, so a part is written as it would be whole
ROW_GROUP_ROWS = 1024 * 1024
META = "part.json"

# value kind of an object column → its Arrow type (json: lists and dicts, as text)
ARROW = {
    "str": pa.string(),
    "int": pa.int64(),
    "float": pa.float64(),
    "bool": pa.bool_(),
    "date": pa.date32(),
    "datetime": pa.timestamp("us"),
    "json": pa.string(),
    "null": pa.null(),
}
DUCKDB = {
    pa.string(): "VARCHAR",
    pa.large_string(): "VARCHAR",
    pa.int64(): "BIGINT",
    pa.int32(): "INTEGER",
    pa.int16(): "SMALLINT",
    pa.int8(): "TINYINT",
    pa.float64(): "DOUBLE",
    pa.float32(): "FLOAT",
    pa.bool_(): "BOOLEAN",
    pa.date32(): "DATE",
    pa.timestamp("us"): "TIMESTAMP",
    pa.timestamp("ns"): "TIMESTAMP_NS",
}


class PartError(Exception):
    """A part that cannot be stored or read as it was written."""


@dataclass(frozen=True)
class Part:
    """A stored part: its folder and its `part.json`."""

    folder: Path
    meta: dict

    @property
    def id(self) -> str:
        return self.folder.name

    @property
    def slug(self) -> str:
        return self.meta["slug"]

    @property
    def dropped_values(self) -> set[str]:
        return set(self.meta["dropped_values"])

    def path(self, kind: str, table: str) -> Path:
        return self.folder / f"{kind}.{table}.parquet"

    def prepared(self) -> PreparedDataset:
        """The part as the pipeline's steps made it."""
        return combine(self.slug, [self])


def write_part(root: Path, prepared: PreparedDataset, checks: list[dict]) -> Part:
    """Store `prepared` (a passing run's outcome) under `root/<id>/`; an identical part
    already there is reused."""
    root.mkdir(parents=True, exist_ok=True)
    staging = root / f".partial-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    files, columns = {}, {}
    for kind in KINDS:
        for table, frame in getattr(prepared, kind).items():
            name = f"{kind}.{table}.parquet"
            columns[name] = _write_table(frame, staging / name, name)
            files[name] = sha256_file(staging / name)
    meta = {
        "slug": prepared.slug,
        "tables": {kind: list(getattr(prepared, kind)) for kind in KINDS},
        "sources": prepared.sources,
        "notes": prepared.notes,
        "quality": None
        if prepared.quality is None
        else {
            "slug": prepared.quality.slug,
            "engine": prepared.quality.engine,
            "findings": [asdict(f) for f in prepared.quality.findings],
        },
        "dropped_values": sorted(prepared.dropped_values),
        "checks": checks,
        "columns": columns,
        "files": files,
    }
    text = json.dumps(meta, ensure_ascii=False, sort_keys=True, indent=1, default=str) + "\n"
    (staging / META).write_text(text, encoding="utf-8")
    target = root / hashlib.sha256(text.encode("utf-8")).hexdigest()
    try:
        existing = read_part(target)
    except PartError:  # absent, or damaged: this one takes its place
        shutil.rmtree(target, ignore_errors=True)
        os.replace(staging, target)
        return read_part(target)
    shutil.rmtree(staging)
    return existing


def read_part(folder: Path, cache: Path | None = None) -> Part:
    """The part in `folder`, after checking its bytes against its id and recorded hashes.

    With `cache` (a `digests.sqlite`), a Parquet file whose size, times and inode are
    those it was hashed with is not read again (`pipelines.digests`): any write to it
    moves its change time, so a damaged or replaced file is hashed, and refused."""
    try:
        data = (folder / META).read_bytes()
    except FileNotFoundError:
        raise PartError(f"part {folder.name}: {META} is missing") from None
    if hashlib.sha256(data).hexdigest() != folder.name:
        raise PartError(f"part {folder.name}: {META} does not match its id")
    meta = json.loads(data)
    for name, digest in meta["files"].items():
        path = folder / name
        if not path.exists() or digests.file_sha256(path, cache) != digest:
            raise PartError(f"part {folder.name}: {name} is missing or damaged")
    return Part(folder, meta)


def combine(slug: str, parts: list[Part], *, arrow: bool = False) -> PreparedDataset | None:
    """One dataset from comunas' parts, in their order: each table assembled by DuckDB
    from the parts' Parquet files, with the quality findings (counts added up), privacy
    notes, sources and removed personal values of every part.

    With `arrow`, the published tables (`tables`, the large ones) stay the Arrow tables
    DuckDB assembled (each column in the Arrow type its values were stored in), for the
    package writers; held and quarantined rows are pandas frames either way."""
    if not parts:
        return None
    frames = {
        kind: {
            table: _assemble(parts, kind, table, arrow=arrow and kind == "tables")
            for table in parts[0].meta["tables"][kind]
        }
        for kind in KINDS
    }
    reports = [_report(p.meta["quality"]) for p in parts if p.meta["quality"] is not None]
    return PreparedDataset(
        slug,
        frames["tables"],
        frames["held"],
        frames["quarantined"],
        set().union(*(p.dropped_values for p in parts)),
        [s for p in parts for s in p.meta["sources"]],
        [],
        merge_reports(reports) if reports else None,
        [note for p in parts for note in p.meta["notes"]],
    )


def _assemble(parts: list[Part], kind: str, table: str, *, arrow: bool) -> pd.DataFrame | pa.Table:
    """The parts' `kind.table` files as one frame (or, with `arrow`, as DuckDB's Arrow
    table): rows in part order, then file order.

    Each file is read with its columns cast to the combined type (a column a part lacks,
    or holds no value in, is NULL there), so every part's values keep their type. The files
    of one layout (the same columns of the same types: most parts) are read by one DuckDB
    scan, not a query per part (346 comunas: 4,000 queries of about 2 ms); a layout only
    one part has (the only comuna's, say), stored in its combined types,
    is read by Arrow as it is (no SQL copy; file by file, Arrow would take 3× DuckDB's
    time at 346 comunas)."""
    name = f"{kind}.{table}.parquet"
    # each part's columns in their order (the JSON keeps them as a list)
    layouts = [{c["name"]: c for c in p.meta["columns"][name]} for p in parts]
    order = list(dict.fromkeys(c for layout in layouts for c in layout))
    target = {c: _combined_type(name, c, [lay[c] for lay in layouts if c in lay]) for c in order}
    groups: dict[tuple, list[int]] = {}  # a layout → its parts' positions, in order
    for position, layout in enumerate(layouts):
        key = tuple((c, lay["arrow"]) for c, lay in layout.items())
        groups.setdefault(key, []).append(position)
    pieces = []
    with duckdb.connect() as con:
        con.execute("SET preserve_insertion_order = true")
        for positions in groups.values():
            layout = layouts[positions[0]]
            if len(positions) == 1 and _stored_as_combined(layout, target):
                piece = _read_stored(parts[positions[0]].path(kind, table), layout, target)
                rows = pa.array(np.arange(piece.num_rows, dtype=np.int64))
                part = pa.repeat(pa.scalar(positions[0], pa.int64()), piece.num_rows)
                pieces.append(piece.append_column("__row", rows).append_column("__part", part))
                continue
            paths = [str(parts[i].path(kind, table)) for i in positions]
            files = ", ".join("'" + path.replace("'", "''") + "'" for path in paths)
            cells = [
                f"CAST({_quote(c)} AS {sql}) AS {_quote(c)}"
                if c in layout and layout[c]["arrow"] != "null"
                else f"CAST(NULL AS {sql}) AS {_quote(c)}"
                for c, (sql, _) in target.items()
            ]
            query = (
                f"SELECT {', '.join(cells)}, filename AS __file, file_row_number AS __row "
                f"FROM read_parquet([{files}], filename=true, file_row_number=true)"
            )
            piece = con.sql(query).to_arrow_table()
            file = pc.index_in(piece.column("__file"), value_set=pa.array(paths))
            part = pc.take(pa.array(positions, pa.int64()), file)
            pieces.append(piece.drop_columns(["__file"]).append_column("__part", part))
    return _in_part_order(pa.concat_tables(pieces), target, order, arrow=arrow)


def _in_part_order(
    assembled: pa.Table, target: dict[str, tuple[str, dict]], order: list[str], *, arrow: bool
) -> pd.DataFrame | pa.Table:
    """The rows in part order, then file order (DuckDB keeps a scan's order; checked, not
    assumed), without the part and row numbers; with `arrow` as Arrow, else decoded."""
    keys = [("__part", "ascending"), ("__row", "ascending")]
    if len(assembled) > 1:
        part, row = assembled.column("__part"), assembled.column("__row")
        before = pc.or_(
            pc.less(part[:-1], part[1:]),
            pc.and_(pc.equal(part[:-1], part[1:]), pc.less(row[:-1], row[1:])),
        )
        if not pc.all(before).as_py():
            assembled = assembled.take(pc.sort_indices(assembled, sort_keys=keys))
    assembled = assembled.drop_columns(["__part", "__row"])
    if arrow:
        return assembled
    return pd.DataFrame(
        {
            c: _decode(assembled.column(i), dtype)
            for i, (c, (_, dtype)) in enumerate(target.items())
        },
        columns=order,
    )


# Arrow types DuckDB gives back as they are: a column stored in one of them and read as
# its own SQL type comes out of the CAST unchanged (and its NULL cast as that type).
_ROUND_TRIP = {DUCKDB[t]: t for t in DUCKDB if t != pa.large_string()}


def _stored_as_combined(layout: dict, target: dict) -> bool:
    """Whether each column a part's file holds values in is stored in the Arrow type the
    DuckDB CAST would give back (then the file is read as it is)."""
    return all(
        c not in layout
        or layout[c]["arrow"] == "null"
        or _ROUND_TRIP.get(sql) == _ARROW_NAMES.get(layout[c]["arrow"])
        for c, (sql, _) in target.items()
    )


def _read_stored(path: Path, layout: dict, target: dict) -> pa.Table:
    """A part's file as DuckDB's CAST of it gives it: the combined columns in file order,
    NULL where the part has no value, no schema metadata (one read by Arrow's threads,
    no SQL copy)."""
    typed = [c for c in target if c in layout and layout[c]["arrow"] != "null"]
    stored = pq.read_table(path, columns=typed)
    return pa.table(
        {
            c: stored.column(c) if c in typed else pa.nulls(stored.num_rows, _ROUND_TRIP[sql])
            for c, (sql, _) in target.items()
        }
    )


def _combined_type(name: str, column: str, layouts: list[dict]) -> tuple[str, dict]:
    """The SQL type a column is read as and the pandas dtype and kind it becomes."""
    typed = [lay for lay in layouts if lay["arrow"] != "null"]
    arrows = {lay["arrow"] for lay in typed}
    if len(arrows) > 1:
        raise PartError(f"{name}: column {column} has different types in parts: {sorted(arrows)}")
    arrow = arrows.pop() if arrows else "null"
    sql = DUCKDB.get(_ARROW_NAMES.get(arrow), "VARCHAR") if arrow != "null" else "VARCHAR"
    dtypes = {lay["dtype"] for lay in layouts}
    kinds = {lay["kind"] for lay in typed} or {"null"}
    dtype = dtypes.pop() if len(dtypes) == 1 else "object"
    return sql, {"dtype": dtype, "kind": kinds.pop() if len(kinds) == 1 else "mixed"}


_ARROW_NAMES = {str(t): t for t in DUCKDB}


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _write_table(frame: pd.DataFrame, path: Path, name: str) -> list[dict]:
    """Write `frame` as Parquet one row group at a time (each column's kind found over
    the whole column first), so its Arrow copy is never whole (≈ 600 MB of orders at 4M
    lines); the file is the one `pq.write_table` of the whole table writes. Returns
    each column's layout."""
    kinds, empty, layout = [], [], []
    for column in frame.columns:
        series = frame[column]
        if series.dtype == object:
            kind = _object_kind(series, f"{name}: {column}")
            empty.append(_object_array([], kind))
        else:
            kind = "native"
            empty.append(pa.array(series.iloc[:0], from_pandas=True))
        kinds.append(kind)
        layout.append(
            {
                "name": str(column),
                "dtype": str(series.dtype),
                "kind": kind,
                "arrow": str(empty[-1].type),
            }
        )
    names = [str(c) for c in frame.columns]
    schema = pa.Table.from_arrays(empty, names=names).schema
    with pq.ParquetWriter(path, schema, compression="zstd", store_schema=True) as writer:
        for start in range(0, max(len(frame), 1), ROW_GROUP_ROWS):
            rows = frame.iloc[start : start + ROW_GROUP_ROWS]
            arrays = [
                _object_array(rows[column].tolist(), kind)
                if kind != "native"
                else pa.array(rows[column], from_pandas=True)
                for column, kind in zip(frame.columns, kinds, strict=True)
            ]
            writer.write_table(pa.Table.from_arrays(arrays, names=names))
    return layout


def _object_kind(series: pd.Series, where: str) -> str:
    """The one kind of an object column's values (kinds found once per Python type)."""
    values = series.tolist()
    kinds = {_kind(t) for t in {type(v) for v in values}} - {"null"}
    if "float" in kinds and len(kinds) > 1 and all(_missing(v) for v in values if _is_float(v)):
        kinds.discard("float")  # NaN as the missing value beside other values
    if not kinds:
        return "null"
    if "unknown" in kinds:
        types = sorted({type(v).__name__ for v in values if _kind(type(v)) == "unknown"})
        raise PartError(f"{where}: values of type {types} cannot be stored")
    if len(kinds) > 1:
        raise PartError(f"{where}: values of several kinds {sorted(kinds)} cannot be stored")
    return kinds.pop()


def _object_array(values: list, kind: str) -> pa.Array:
    """The Arrow array of values of one kind (`_object_kind`)."""
    if kind == "null":
        return pa.nulls(len(values))
    if kind == "json":
        values = [None if _missing(v) else json.dumps(v, ensure_ascii=False) for v in values]
    try:
        return pa.array(values, type=ARROW[kind], from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # a missing value Arrow does not know
        return pa.array([None if _missing(v) else v for v in values], type=ARROW[kind])


def _kind(kind: type) -> str:
    """The kind of the values of a Python type."""
    if kind is type(None) or kind is type(pd.NA) or kind is type(pd.NaT):
        return "null"
    for types, name in (
        ((bool, np.bool_), "bool"),
        ((int, np.integer), "int"),
        ((float, np.floating), "float"),
        ((str,), "str"),
        ((dt.datetime,), "datetime"),
        ((dt.date,), "date"),
        ((list, dict), "json"),
    ):
        if issubclass(kind, types):
            return name
    return "unknown"  # e.g. Decimal: refused rather than stored as something else


def _is_float(value: object) -> bool:
    return isinstance(value, float | np.floating)


def _missing(value: object) -> bool:
    return (
        value is None
        or value is pd.NA
        or value is pd.NaT
        or (_is_float(value) and math.isnan(value))
    )


def _decode(column: pa.ChunkedArray, layout: dict) -> pd.Series:
    dtype, kind = layout["dtype"], layout["kind"]
    if dtype != "object":
        series = column.to_pandas()
        try:
            return series.astype(dtype)
        except (TypeError, ValueError):  # e.g. integers beside a part without the column
            return series
    if kind in {"date", "datetime"}:  # Arrow makes these objects fastest (None if missing)
        values = column.to_pandas(date_as_object=True, timestamp_as_object=True)
        return values.astype(object)
    values = column.to_pylist()
    if kind == "json":
        values = [None if v is None else json.loads(v) for v in values]
    return pd.Series(values, dtype=object)


def _report(data: dict) -> QualityReport:
    findings = [Finding(**f) for f in data["findings"]]
    return QualityReport(data["slug"], data["engine"], findings)
