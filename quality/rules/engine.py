"""Run a dataset's rules as SQL over DuckDB, on the whole tables.

The columns the rules use are handed to DuckDB once as Arrow (dates as `date32`), so no
rule re-reads Python objects. Each rule is one query: its offending keys in sorted
order, the first `sample_size` of them, each with the true count. The DuckDB connection
is made once per process and thread (≈ 15 ms, more than a small dataset's rules take)
and holds the tables only while their rules run.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import threading
from collections.abc import Iterator, Mapping

import duckdb
import pandas as pd
import pyarrow as pa
from stdnum.cl import rut

from quality.rules.base import SAMPLE_SIZE, Finding, QualityReport, Rule, Severity
from schemas import UnknownSchemaError, load_descriptor

THREADS = 2
COUNT = "_offending_rows"  # the column of the true count beside the sample


def rut_is_valid(value: str) -> bool:
    """RUT check digit (módulo 11) per python-stdnum."""
    return rut.is_valid(value)


EMPTY_TYPES = {
    "integer": pa.int64(),
    "number": pa.float64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
    "datetime": pa.timestamp("us"),
}


def to_arrow(
    frame: pd.DataFrame, columns: list[str], types: Mapping[str, str] | None = None
) -> pa.Table:
    """The given columns as Arrow: `datetime.date` objects as date32, empty ones as null.

    A column with no value (a table of zero rows, a field no source gives) gets the Arrow
    type of its Table Schema `types` (text when unknown), so DuckDB binds the rules'
    functions (`year(date)`) as on a full table."""
    arrays = {}
    for name in columns:
        series = frame[name]
        if series.dtype != object:
            arrays[name] = pa.Array.from_pandas(series)
            continue
        present = series.dropna()
        if present.empty:
            kind = (types or {}).get(name, "string")
            arrays[name] = pa.nulls(len(series), EMPTY_TYPES.get(kind, pa.string()))
        elif isinstance(present.iloc[0], dt.date):
            arrays[name] = pa.array(series, type=pa.date32(), from_pandas=True)
        else:
            try:
                arrays[name] = pa.array(series, from_pandas=True)
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                arrays[name] = pa.array(series.map(str).where(series.notna()), from_pandas=True)
    return pa.table(arrays)


_LOCAL = threading.local()  # this thread's connection, and the process that made it


def _connection() -> duckdb.DuckDBPyConnection:
    """This thread's in-memory DuckDB with the RUT check (a forked child makes its own)."""
    if getattr(_LOCAL, "pid", None) != os.getpid():
        _LOCAL.con = duckdb.connect(config={"threads": THREADS})
        _LOCAL.con.create_function("rut_is_valid", rut_is_valid, ["VARCHAR"], "BOOLEAN")
        _LOCAL.pid = os.getpid()
    return _LOCAL.con


def _close_before_fork() -> None:
    """Close this thread's connection before the process forks: a child must not inherit
    a DuckDB whose worker threads it does not have (using it there, or even freeing it,
    hangs). The next use, in the parent or the child, opens a new one."""
    con = getattr(_LOCAL, "con", None)
    if con is not None:
        _LOCAL.con = _LOCAL.pid = None
        con.close()


os.register_at_fork(before=_close_before_fork)


@contextlib.contextmanager
def connect(
    tables: Mapping[str, pd.DataFrame], sql: str = ""
) -> Iterator[duckdb.DuckDBPyConnection]:
    """This thread's DuckDB with every frame registered under its name (only the columns
    `sql` mentions, when it mentions any), unregistered at the end."""
    con = _connection()
    try:
        for name, frame in tables.items():
            used = [c for c in frame.columns if re.search(rf"\b{re.escape(str(c))}\b", sql)]
            con.register(name, to_arrow(frame, used or list(frame.columns), _field_types(name)))
        yield con
    finally:
        for name in tables:
            con.unregister(name)


def _field_types(table: str) -> dict[str, str]:
    """Table Schema field types of a canonical table or code list ({} for other tables)."""
    try:
        return {f["name"]: f.get("type", "string") for f in load_descriptor(table)["fields"]}
    except UnknownSchemaError:
        return {}


def run_sql_rules(
    slug: str,
    rules: tuple[Rule, ...],
    tables: Mapping[str, pd.DataFrame],
    severities: Mapping[str, Severity],
    *,
    sample_size: int = SAMPLE_SIZE,
) -> QualityReport:
    """Every rule of the dataset on the whole tables; `tables` includes the context tables."""
    report = QualityReport(slug, "duckdb")
    with connect(tables, "\n".join(rule.sql for rule in rules)) as con:
        for rule in rules:
            found = con.execute(
                f"SELECT *, count(*) OVER () AS {COUNT} FROM ({rule.sql}) "
                f"ORDER BY ALL LIMIT {max(1, int(sample_size))}"  # one row: the count
            )
            names = [column[0] for column in found.description]
            rows = [dict(zip(names, row, strict=True)) for row in found.fetchall()]
            count = rows[0][COUNT] if rows else 0
            report.findings.append(
                finding(
                    rule,
                    severities[rule.name],
                    len(tables[rule.table]),
                    count,
                    rows[:sample_size],
                )
            )
    return report


def finding(
    rule: Rule, severity: Severity, checked: int, failed: int, sample: list[Mapping]
) -> Finding:
    """A finding with the sample's keys (rows by column name) as plain Python values
    (JSON-safe)."""
    keys = [{k: _plain(row[k]) for k in rule.keys} for row in sample]
    return Finding(
        rule.name,
        rule.family,
        rule.table,
        severity,
        int(checked),
        int(failed),
        keys,
        rule.title_es,
        rule.title_en,
    )


def _plain(value: object) -> object:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value
