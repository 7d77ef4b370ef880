"""Driving a validation: read batches (falling back to exact readers), analyse, merge.

Batches are analysed on worker threads while the next ones are read (Arrow
releases the GIL while parsing and computing) and merged as they complete.
When the fast reader cannot guarantee frictionless-py's reading, the whole
table is validated again with the reader it names.
"""

from __future__ import annotations

import functools
import gc
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, closing
from typing import ParamSpec, TypeVar

from datasets.readers.batches.chunked import ChunkedBatches
from datasets.readers.batches.engines import file_batches, first_engine
from datasets.readers.batches.reader import Batch, FallbackRequired, Prelude, read_prelude

from . import errors
from .engine import END, TableValidator
from .foreign import ForeignTables, TableLike, foreign_keys
from .report import ValidationReport
from .schema import SchemaLike, blank_ambiguous, load_schema
from .structure import Layout, resolve_layout, stringify_labels
from .tables import column_names, table_batches

WORKERS = 2
P = ParamSpec("P")
R = TypeVar("R")
IN_FLIGHT = 2


def without_cyclic_gc(function: Callable[P, R]) -> Callable[P, R]:
    """Run ``function`` with Python's cyclic garbage collector paused.

    A validation allocates many short-lived objects and almost no cycles, so
    the collector would only re-scan every live object (a tenth of a second
    on a million rows, holding the GIL). Reference counting still frees
    everything; cycles, if any, are collected once the collector is back on.
    """

    @functools.wraps(function)
    def paused(*args: P.args, **kwargs: P.kwargs) -> R:
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            if was_enabled:
                gc.enable()

    return paused


@without_cyclic_gc
def run_file(
    path: str | os.PathLike[str],
    schema_like: SchemaLike,
    *,
    encoding: str,
    delimiter: str,
    header: bool,
    foreign_tables: ForeignTables | None,
    limit_errors: int | None = None,
    keep_values: bool = False,
) -> tuple[ValidationReport, TableValidator]:
    """Validate a CSV file; the validator is returned too, for its typed values.

    Parsing starts as soon as the header is read, so that the first chunks are
    parsed while the schema and the foreign keys' tables are read.
    """
    started = time.perf_counter()
    prelude = read_prelude(path, encoding, delimiter, header)
    ahead, engine = _read_ahead(path, prelude, header)
    with ExitStack() as stack:
        if ahead is not None:
            stack.callback(ahead.close)
        schema = load_schema(schema_like)
        layout = resolve_layout(schema, prelude.labels)
        if prelude.decode_error:
            # frictionless-py stops while sniffing: one error, no header errors, no rows.
            foreign = foreign_keys(schema, layout, foreign_tables)
            validator = TableValidator(Layout(layout.fields, []), schema, foreign, limit_errors)
            error = errors.encoding_error(prelude.decode_error, encoding)
            validator.add_error(error, (-1, 0, 0, 0))
            validator.partial = True
            return validator.report(time.perf_counter() - started, "python"), validator
        options = {"header": header, "blank_ambiguous": blank_ambiguous(layout.fields)}
        foreign = None
        while True:
            if ahead is not None and ahead.n_fields == len(layout.fields):
                batches, ahead = ahead, None
                batches.blank_ambiguous = options["blank_ambiguous"]
            else:
                if ahead is not None:  # the schema expects another number of columns
                    ahead.close()
                    ahead = None
                batches = file_batches(path, prelude, len(layout.fields), engine=engine, **options)
            try:
                with closing(batches):
                    if foreign is None:
                        foreign = foreign_keys(schema, layout, foreign_tables)
                    validator = TableValidator(layout, schema, foreign, limit_errors, keep_values)
                    if prelude.empty:
                        validator.add_error(errors.source_empty(), (-2, 0, 0, 0))
                    consume(validator, batches, encoding)
            except FallbackRequired as fallback:
                engine = fallback.engine
                continue
            return validator.report(time.perf_counter() - started, engine), validator


def _read_ahead(
    path: str | os.PathLike[str], prelude: Prelude, header: bool
) -> tuple[ChunkedBatches | None, str]:
    """The chunked reader, started before the schema is known (one field per label), if the
    file suits it; and the engine to read with."""
    engine = first_engine(prelude)
    if engine != "arrow-chunked" or not prelude.labels or prelude.decode_error:
        return None, engine
    try:
        return ChunkedBatches(path, prelude, len(prelude.labels), header=header), engine
    except FallbackRequired as fallback:
        return None, fallback.engine


@without_cyclic_gc
def run_table(
    table: TableLike,
    schema_like: SchemaLike,
    *,
    row_numbers: Sequence[int] | None,
    foreign_tables: ForeignTables | None,
    keep_values: bool = False,
) -> tuple[ValidationReport, TableValidator]:
    """Validate an in-memory table of text cells; its column names are the header."""
    started = time.perf_counter()
    schema = load_schema(schema_like)
    layout = resolve_layout(schema, stringify_labels(column_names(table)))
    foreign = foreign_keys(schema, layout, foreign_tables)
    validator = TableValidator(layout, schema, foreign, None, keep_values)
    consume(validator, table_batches(table, row_numbers, len(validator.plans)), "utf-8")
    return validator.report(time.perf_counter() - started, "arrow-table"), validator


def consume(
    validator: TableValidator, batches: Iterable[Batch | UnicodeDecodeError], encoding: str
) -> None:
    """Feed batches to the validator; a decoding failure ends the table.

    With ``limit_errors`` batches are validated one by one, so that reading can
    stop as soon as the first errors are known; otherwise they are analysed on
    worker threads.
    """
    if validator.limit_errors is not None:
        for batch in batches:
            if isinstance(batch, UnicodeDecodeError):
                validator.add_error(errors.encoding_error(str(batch), encoding), (END, 0, 0, 0))
                return
            validator.add(batch)
            if batch.checkpoint and validator.saturated:
                validator.partial = True
                return
        return
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        pending: deque[Future] = deque()
        try:
            for batch in batches:
                if isinstance(batch, UnicodeDecodeError):
                    validator.add_error(errors.encoding_error(str(batch), encoding), (END, 0, 0, 0))
                    break
                pending.append(pool.submit(validator.analyze, batch))
                while pending and (len(pending) > IN_FLIGHT or pending[0].done()):
                    validator.merge(pending.popleft().result())
            while pending:
                validator.merge(pending.popleft().result())
        finally:
            for future in pending:
                future.cancel()
