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


def table_batches(
    table: pa.Table, row_numbers: Sequence[int] | None, n_fields: int
) -> Iterator[Batch]:
    """Batches of a text table; rows are numbered from 2 (the header being 1) unless given."""
    numbers = (
        np.asarray(row_numbers, np.int64)
        if row_numbers is not None
        else np.arange(2, table.num_rows + 2, dtype=np.int64)
    )
    if len(numbers) != table.num_rows:
        raise ValueError("row_numbers must have one number per row")
    for start in range(0, table.num_rows, TABLE_BATCH_ROWS):
        part = table.slice(start, TABLE_BATCH_ROWS)
        columns = [part.column(j).combine_chunks() for j in range(min(n_fields, part.num_columns))]
        columns += [pa.nulls(part.num_rows, pa.string())] * (n_fields - len(columns))
        yield Batch(columns=columns, row_numbers=numbers[start : start + part.num_rows])
