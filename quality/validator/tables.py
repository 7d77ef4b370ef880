"""In-memory tables (pyarrow or pandas) as batches of text cells."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from datasets.readers.batches.reader import Batch

TABLE_BATCH_ROWS = 65_536


def as_text_table(table: Any) -> pa.Table:
    """A pyarrow table of strings; None (an empty cell) and '' both become null."""
    if not isinstance(table, pa.Table):
        arrays = [pa.array(table[name], from_pandas=True) for name in table.columns]
        table = pa.Table.from_arrays(arrays, names=[str(name) for name in table.columns])
    columns = []
    for column in table.columns:
        text = column.cast(pa.string())
        columns.append(pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text))
    return pa.Table.from_arrays(columns, names=table.column_names)


def column_names(table: Any) -> list[str]:
    """The header of an in-memory table (pyarrow or pandas)."""
    return (
        list(table.column_names) if isinstance(table, pa.Table) else list(map(str, table.columns))
    )


def table_batches(table: Any, row_numbers: Sequence[int] | None, n_fields: int) -> Iterator[Batch]:
    """Batches of a table as text (`as_text_table`, one batch at a time: a whole text copy
    of a million-row table is never held); rows are numbered from 2 (the header being 1)
    unless given."""
    num_rows = table.num_rows if isinstance(table, pa.Table) else len(table)
    numbers = (
        np.asarray(row_numbers, np.int64)
        if row_numbers is not None
        else np.arange(2, num_rows + 2, dtype=np.int64)
    )
    if len(numbers) != num_rows:
        raise ValueError("row_numbers must have one number per row")
    for start in range(0, num_rows, TABLE_BATCH_ROWS):
        if isinstance(table, pa.Table):
            part = as_text_table(table.slice(start, TABLE_BATCH_ROWS))
        else:
            part = as_text_table(table.iloc[start : start + TABLE_BATCH_ROWS])
        columns = [part.column(j).combine_chunks() for j in range(min(n_fields, part.num_columns))]
        columns += [pa.nulls(part.num_rows, pa.string())] * (n_fields - len(columns))
        yield Batch(columns=columns, row_numbers=numbers[start : start + part.num_rows])
