"""Reading a CSV file on several threads: cut at record ends, parse each chunk alone.

Arrow's streaming reader parses on one thread, and its threaded reader cannot
number the rows it skips. This reader cuts the file itself into chunks of
about ``CHUNK_BYTES`` that end at a record's end, parses each on a worker
thread with Arrow's serial reader (which numbers skipped rows within the
chunk), and numbers the rows in file order on the calling thread.

A newline ends a record when it is outside quotes, so a chunk is cut after the
last newline preceded by an even number of quotes. That count is exact when
every quote opens, closes or doubles; it is checked after parsing: a chunk
whose reading ends inside quotes leaves its final newline in its last cell (or
an unclosed quote in a skipped row, which ``csv`` refuses), and the file is
then read again by the streaming serial reader. Only encodings where a newline
and a quote are bytes no other character contains can be cut this way.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa
import pyarrow.csv as pcsv

from .reader import Batch, FallbackRequired, Numbering, Prelude, arrow_options, number_rows

CHUNK_BYTES = 8 << 20  # about 30,000 rows of a typical export; also the longest record
PARSE_AHEAD = 2
WORKERS = 2
CUTTABLE_ENCODINGS = ("utf-8", "utf-8-sig", "ascii", "latin-1", "iso8859-15", "cp1252")
Parsed = tuple[pa.RecordBatch, list[tuple[int, str]]]


def can_cut(prelude: Prelude) -> bool:
    """Whether the file's encoding and dialect allow cutting it at newline bytes."""
    return prelude.encoding in CUTTABLE_ENCODINGS and prelude.dialect.delimiter not in '"\r\n'


def chunked_batches(
    path: str | Path, prelude: Prelude, n_fields: int, *, header: bool, blank_ambiguous: bool
) -> Iterator[Batch]:
    """Batches in file order, each chunk parsed on a worker thread while earlier ones are used."""
    numbering = Numbering(first_data_row=2 if header else 1)
    records = 0
    buffers = [bytearray(CHUNK_BYTES) for _ in range(PARSE_AHEAD + 2)]
    with ThreadPoolExecutor(max_workers=WORKERS) as pool, open(path, "rb") as raw:
        pending: deque[tuple[Future, bytearray]] = deque()
        try:
            for chunk, buffer, last in _chunks(raw, buffers):
                pending.append((pool.submit(_parse, chunk, prelude, n_fields, last), buffer))
                if len(pending) <= PARSE_AHEAD:
                    continue
                future, buffer = pending.popleft()
                parsed = future.result()
                buffers.append(buffer)
                records = yield from _numbered(
                    parsed, records, numbering, prelude, n_fields, blank_ambiguous
                )
            while pending:
                records = yield from _numbered(
                    pending.popleft()[0].result(),
                    records,
                    numbering,
                    prelude,
                    n_fields,
                    blank_ambiguous,
                )
        finally:
            for future, _ in pending:
                future.cancel()


def _chunks(
    raw: BinaryIO, buffers: list[bytearray]
) -> Iterator[tuple[memoryview, bytearray, bool]]:
    """(chunk, its buffer, whether it is the last) ending at record ends, in reused buffers.

    A buffer is in use until the caller puts it back in ``buffers``.
    """
    rest = b""
    while True:
        buffer = buffers.pop()
        buffer[: len(rest)] = rest
        filled = len(rest) + raw.readinto(memoryview(buffer)[len(rest) :])
        if filled < len(buffer):
            if filled:
                yield memoryview(buffer)[:filled], buffer, True
            return
        cut = _record_end(buffer)
        if cut is None:
            raise FallbackRequired("arrow-serial-multiline", "a record longer than a chunk")
        rest = bytes(buffer[cut:])
        yield memoryview(buffer)[:cut], buffer, False


def _record_end(data: bytearray) -> int | None:
    """The end of the last line of ``data`` preceded by an even number of quotes."""
    parity = data.count(b'"') % 2
    end = len(data)
    while True:
        newline = data.rfind(b"\n", 0, end)
        if newline < 0:
            return None
        parity ^= data.count(b'"', newline + 1, end) % 2
        if parity == 0:
            return newline + 1
        end = newline


def _parse(chunk: memoryview, prelude: Prelude, n_fields: int, last: bool) -> Parsed:
    """A chunk parsed by Arrow alone: its rows and the (number in chunk, text) it skipped."""
    ragged: list[tuple[int, str]] = []

    def on_invalid_row(row: pcsv.InvalidRow) -> str:
        ragged.append((row.number, row.text))
        return "skip"

    options = arrow_options(
        prelude,
        n_fields,
        on_invalid_row,
        threaded=False,
        multiline=True,
        block_size=len(chunk) + 1,
    )
    try:
        table = pcsv.read_csv(pa.py_buffer(chunk), **options)
    except (pa.ArrowInvalid, UnicodeDecodeError) as exception:
        raise FallbackRequired("python", str(exception)) from exception
    batch = table.combine_chunks().to_batches()
    record_batch = batch[0] if batch else pa.RecordBatch.from_pylist([], table.schema)
    if not last and _ends_in_quotes(record_batch, ragged):
        raise FallbackRequired("arrow-serial-multiline", "a chunk cut inside quotes")
    return record_batch, ragged


def _ends_in_quotes(record_batch: pa.RecordBatch, ragged: list[tuple[int, str]]) -> bool:
    """Whether the chunk's last record ran to its end inside quotes (or may have).

    A skipped last record is checked when ``csv`` re-reads it, strictly.
    """
    total = record_batch.num_rows + len(ragged)
    if (
        not record_batch.num_rows
        or not record_batch.num_columns
        or (ragged and ragged[-1][0] == total)
    ):
        return False
    cell = record_batch.column(record_batch.num_columns - 1)[-1].as_py()
    return cell is not None and cell.endswith(("\n", "\r"))


def _numbered(
    parsed: Parsed,
    records: int,
    numbering: Numbering,
    prelude: Prelude,
    n_fields: int,
    blank_ambiguous: bool,
) -> Iterator[Batch]:
    """A parsed chunk's batches, numbered in the file; returns the records read so far."""
    record_batch, ragged = parsed
    in_file = [(records + number, text) for number, text in ragged]
    skipped, batch = number_rows(
        record_batch, in_file, numbering, prelude, n_fields, blank_ambiguous
    )
    if skipped.num_rows:
        yield skipped
    if batch.num_rows:
        yield batch
    return records + record_batch.num_rows + len(ragged)
