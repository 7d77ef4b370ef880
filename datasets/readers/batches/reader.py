"""Reading a CSV file as frictionless-py does, in columnar batches of text cells.

frictionless-py reads CSV with Python's ``csv`` module: the delimiter is given,
the rest of the dialect comes from ``csv.Sniffer`` on the first 100 lines (only
``skipinitialspace`` can differ from the defaults), a blank line is a row with
no cells, and row numbers count records (a quoted newline does not start a row).

Arrow's CSV reader does the reading: the chunked reader (``chunked``) for
files it can cut, else Arrow's streaming readers here. A row with the wrong
number of cells is skipped by Arrow and re-read from its text with ``csv``.
Where Arrow cannot guarantee ``csv``'s reading, ``FallbackRequired`` names the
reader to start over with (see ``engines``):

* a ragged row under the threaded reader, which cannot say where it was: the
  serial reader numbers it;
* a quoted newline across two blocks (Arrow reports it): the multiline reader,
  which finds block ends by quoting;
* bytes that do not decode, a record ``csv`` would read differently (a quote
  left open at the end, text after a closing quote), or a row of empty cells
  when some field does not treat '' as missing (Arrow cannot tell it from a
  blank line): ``csv`` itself.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv

from .masks import to_mask

SAMPLE_LINES = 100
BLOCK_SIZE = 1 << 21  # Arrow's parsing memory grows with its block size
BATCH_ROWS = 32_768  # rows analysed together (fewer, larger batches cost less Python)
PYTHON_BATCH_ROWS = 8192


class FallbackRequired(Exception):
    """The fast reader cannot guarantee frictionless-py's reading; retry with ``engine``."""

    def __init__(self, engine: str, reason: str):
        super().__init__(reason)
        self.engine = engine


@dataclass
class Batch:
    """Rows of text cells: one string array per expected field.

    An empty cell is null; so is the cell of a row that ends before the field,
    which ``cell_counts`` (None when every row has all its cells) tells apart.
    """

    columns: list[pa.Array]
    row_numbers: np.ndarray
    extra_cells: dict[int, list[str]] = field(default_factory=dict)
    cell_counts: np.ndarray | None = None
    checkpoint: bool = True  # every row up to the highest number so far has been read

    @property
    def num_rows(self) -> int:
        return len(self.row_numbers)

    def absent(self, position: int) -> np.ndarray | None:
        """Rows that end before the field at ``position`` (0-based), or None if none can."""
        if self.cell_counts is None:
            return None
        return self.cell_counts <= position


@dataclass
class Prelude:
    """What frictionless-py learns before reading rows: encoding, dialect, labels."""

    encoding: str
    dialect: type[csv.Dialect]
    labels: list[str] | None
    empty: bool
    decode_error: str | None = None


def read_prelude(path: str | Path, encoding: str, delimiter: str, header: bool) -> Prelude:
    """Sniff the dialect on the first 100 lines and read the header record."""
    codec = _codec(path, encoding)
    with open(path, "rb") as raw:
        text = io.TextIOWrapper(raw, codec, newline="")
        sample: list[str] = []
        try:
            for line in text:
                sample.append(line)
                if len(sample) >= SAMPLE_LINES:
                    break
        except UnicodeDecodeError as exception:
            return Prelude(codec, _dialect(delimiter, False), None, False, str(exception))
        try:
            sniffed = csv.Sniffer().sniff("".join(sample), delimiter)
            skip_initial_space = bool(sniffed.skipinitialspace)
        except csv.Error:
            skip_initial_space = False
        dialect = _dialect(delimiter, skip_initial_space)
        records = csv.reader(iter(sample), dialect)
        first = next(records, None)
        second = next(records, None) if first is not None else None
    labels = [str(cell).strip() for cell in first or []] if header else None
    empty = not labels and second is None if header else first is None
    return Prelude(codec, dialect, labels, empty)


def _codec(path: str | Path, encoding: str) -> str:
    """frictionless-py's codec: the normalised name, ``utf-8-sig`` when a BOM is present."""
    name = codecs.lookup(encoding).name
    if name == "utf-8":
        with open(path, "rb") as raw:
            if raw.read(3) == codecs.BOM_UTF8:
                return "utf-8-sig"
    return name


def _dialect(delimiter: str, skip_initial_space: bool) -> type[csv.Dialect]:
    class Sniffed(csv.excel):
        pass

    Sniffed.delimiter = delimiter
    Sniffed.skipinitialspace = skip_initial_space
    return Sniffed


ARROW_ENGINES = (
    "arrow-threaded",
    "arrow-serial",
    "arrow-threaded-multiline",
    "arrow-serial-multiline",
)


def arrow_batches(
    path: str | Path,
    prelude: Prelude,
    n_fields: int,
    *,
    header: bool,
    engine: str,
    blank_ambiguous: bool,
) -> Iterator[Batch]:
    """Batches from Arrow's streaming reader; ragged rows are re-read with ``csv``.

    ``engine`` is one of ``ARROW_ENGINES``: threaded readers are faster but
    cannot number a skipped row, so a ragged row sends them to the serial
    reader; the default chunker assumes no quoted newline and Arrow reports
    when one straddles two blocks, which sends the file to the multiline reader.
    """
    threaded, multiline = "threaded" in engine, engine.endswith("multiline")
    ragged: list[tuple[int, str]] = []

    def on_invalid_row(row: pcsv.InvalidRow) -> str:
        ragged.append((row.number, row.text))
        return "skip"

    try:
        reader = pcsv.open_csv(
            path,
            **arrow_options(
                prelude,
                n_fields,
                on_invalid_row,
                threaded=threaded,
                multiline=multiline,
                block_size=BLOCK_SIZE,
            ),
        )
        numbering = Numbering(first_data_row=2 if header else 1)
        parts: list[Batch] = []
        while True:
            try:
                record_batch = reader.read_next_batch()
            except StopIteration:
                break
            if threaded and ragged:
                raise FallbackRequired(engine.replace("threaded", "serial"), "a ragged row")
            skipped, batch = number_rows(
                record_batch, ragged, numbering, prelude, n_fields, blank_ambiguous
            )
            ragged.clear()
            if skipped.num_rows:
                yield skipped
            parts.append(batch)
            if sum(part.num_rows for part in parts) >= BATCH_ROWS:
                yield _concat_batches(parts)
                parts = []
        if threaded and ragged:
            raise FallbackRequired(engine.replace("threaded", "serial"), "a ragged row")
        tail = _ragged_rows(ragged, prelude.dialect, n_fields, numbering)
        if tail.num_rows:
            yield tail
        if parts:
            yield _concat_batches(parts)
    except (pa.ArrowInvalid, UnicodeDecodeError) as exception:
        multiline_next = "out of sync with chunker" in str(exception) and not multiline
        next_engine = engine + "-multiline" if multiline_next else "python"
        raise FallbackRequired(next_engine, str(exception)) from exception


def arrow_options(
    prelude: Prelude,
    n_fields: int,
    on_invalid_row: Callable[[pcsv.InvalidRow], str],
    *,
    threaded: bool,
    multiline: bool,
    block_size: int,
    check_utf8: bool = True,
) -> dict[str, Any]:
    """Arrow's CSV options for reading ``n_fields`` columns of text cells as ``csv`` does.

    ``check_utf8=False`` when the caller has checked the bytes already.
    """
    names = [f"c{i}" for i in range(n_fields)]
    arrow_encoding = "utf8" if prelude.encoding in ("utf-8", "utf-8-sig") else prelude.encoding
    return {
        "read_options": pcsv.ReadOptions(
            column_names=names,
            use_threads=threaded,
            block_size=block_size,
            encoding=arrow_encoding,
        ),
        "parse_options": pcsv.ParseOptions(
            delimiter=prelude.dialect.delimiter,
            quote_char='"',
            double_quote=True,
            escape_char=False,
            newlines_in_values=multiline,
            ignore_empty_lines=False,
            invalid_row_handler=on_invalid_row,
        ),
        "convert_options": pcsv.ConvertOptions(
            column_types={name: pa.string() for name in names},
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
            check_utf8=check_utf8,
        ),
    }


def number_rows(
    record_batch: pa.RecordBatch,
    ragged: list[tuple[int, str]],
    numbering: Numbering,
    prelude: Prelude,
    n_fields: int,
    blank_ambiguous: bool,
) -> tuple[Batch, Batch]:
    """Arrow's rows numbered (header dropped) and the rows it skipped, re-read with ``csv``."""
    numbers = numbering.assign(record_batch.num_rows, [n for n, _ in ragged])
    batch = _drop_header(record_batch, numbers, numbering.first_data_row)
    if blank_ambiguous and _has_all_empty_row(batch):
        raise FallbackRequired("python", "a row of empty cells may be a blank line")
    skipped = _ragged_rows(ragged, prelude.dialect, n_fields, numbering)
    skipped.checkpoint = False
    return skipped, batch


class Numbering:
    """Record numbers of Arrow's valid rows, given the numbers of the rows it skipped."""

    def __init__(self, first_data_row: int):
        self.first_data_row = first_data_row
        self.next = 1
        self.skipped: set[int] = set()

    def assign(self, count: int, skipped: list[int]) -> np.ndarray:
        self.skipped.update(skipped)
        if not self.skipped:
            numbers = np.arange(self.next, self.next + count, dtype=np.int64)
        else:
            window = np.arange(self.next, self.next + count + len(self.skipped), dtype=np.int64)
            numbers = window[~np.isin(window, np.fromiter(self.skipped, np.int64))][:count]
        if count:
            self.next = int(numbers[-1]) + 1
            self.skipped = {n for n in self.skipped if n > self.next - 1}
        return numbers


def _concat_batches(parts: list[Batch]) -> Batch:
    """One batch of the rows of full-width Arrow batches."""
    if len(parts) == 1:
        return parts[0]
    columns = [pa.concat_arrays(list(c)) for c in zip(*(p.columns for p in parts), strict=True)]
    numbers = np.concatenate([part.row_numbers for part in parts])
    return Batch(columns=columns, row_numbers=numbers)


def _drop_header(record_batch: pa.RecordBatch, numbers: np.ndarray, first: int) -> Batch:
    columns = list(record_batch.columns)
    if numbers.size and numbers[0] < first:
        keep = int(np.searchsorted(numbers, first))
        columns = [column.slice(keep) for column in columns]
        numbers = numbers[keep:]
    return Batch(columns=columns, row_numbers=numbers)


def _has_all_empty_row(batch: Batch) -> bool:
    if not batch.columns or not batch.num_rows:
        return False
    empty = np.ones(batch.num_rows, bool)
    for column in batch.columns:
        if not column.null_count:
            return False
        empty &= ~to_mask(column.is_valid())
    return bool(empty.any())


def _ragged_rows(
    ragged: list[tuple[int, str]], dialect: type[csv.Dialect], n_fields: int, numbering: Numbering
) -> Batch:
    """The rows Arrow skipped, re-read with ``csv`` from their text."""
    rows = []
    for number, text in ragged:
        if number < numbering.first_data_row:
            continue
        try:
            records = list(csv.reader(io.StringIO(text, newline=""), dialect, strict=True))
        except csv.Error as exception:
            raise FallbackRequired("python", f"row {number}: {exception}") from exception
        if len(records) > 1:
            raise FallbackRequired("python", f"row {number} reads as several records")
        rows.append((number, records[0] if records else []))
    return rows_to_batch(rows, n_fields)


def rows_to_batch(rows: list[tuple[int, list[str]]], n_fields: int) -> Batch:
    """A batch from (row number, cells) pairs of any length."""
    columns = [
        pa.array([cells[j] or None if j < len(cells) else None for _, cells in rows], pa.string())
        for j in range(n_fields)
    ]
    extra = {i: cells[n_fields:] for i, (_, cells) in enumerate(rows) if len(cells) > n_fields}
    numbers = np.fromiter((number for number, _ in rows), np.int64, len(rows))
    counts = np.fromiter((len(cells) for _, cells in rows), np.int64, len(rows))
    return Batch(columns=columns, row_numbers=numbers, extra_cells=extra, cell_counts=counts)


def python_batches(
    path: str | Path, prelude: Prelude, n_fields: int, *, header: bool
) -> Iterator[Batch | UnicodeDecodeError]:
    """Batches read by ``csv`` exactly as frictionless-py reads them.

    A decoding failure is yielded (not raised) after the rows read before it,
    where frictionless-py stops too.
    """
    with open(path, "rb") as raw:
        text = io.TextIOWrapper(raw, prelude.encoding, newline="")
        sample = [line for _, line in zip(range(SAMPLE_LINES), text, strict=False)]
        records = enumerate(csv.reader(chain(sample, text), prelude.dialect), start=1)
        rows: list[tuple[int, list[str]]] = []
        try:
            for number, cells in records:
                if header and number == 1:
                    continue
                rows.append((number, cells))
                if len(rows) >= PYTHON_BATCH_ROWS:
                    yield rows_to_batch(rows, n_fields)
                    rows = []
        except UnicodeDecodeError as exception:
            if rows:
                yield rows_to_batch(rows, n_fields)
            yield exception
            return
    if rows:
        yield rows_to_batch(rows, n_fields)
