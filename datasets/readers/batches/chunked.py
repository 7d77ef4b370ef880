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

import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv

from .reader import Batch, FallbackRequired, Numbering, Prelude, arrow_options, number_rows

CHUNK_BYTES = 8 << 20  # about 30,000 rows of a typical export; also the longest record
PARSE_AHEAD = 4  # chunks parsed ahead (while the caller starts up, too)
WORKERS = 2
# Codec names (as codecs.lookup gives them) whose newline and quote bytes are never part
# of another character.
CUTTABLE_ENCODINGS = ("utf-8", "utf-8-sig", "ascii", "iso8859-1", "iso8859-15", "cp1252")
Parsed = tuple[pa.RecordBatch, list[tuple[int, str]]]


def can_cut(prelude: Prelude) -> bool:
    """Whether the file's encoding and dialect allow cutting it at newline bytes."""
    return prelude.encoding in CUTTABLE_ENCODINGS and prelude.dialect.delimiter not in '"\r\n'


class ChunkedBatches(Iterator[Batch]):
    """Batches in file order; chunks are parsed on worker threads from creation on.

    Parsing starts at once, so that it overlaps whatever the caller does before
    reading the first batch (``blank_ambiguous`` may be decided meanwhile: it is
    only used once batches are read); ``close`` stops it.
    """

    def __init__(
        self,
        path: str | Path,
        prelude: Prelude,
        n_fields: int,
        *,
        header: bool,
        blank_ambiguous: bool = True,
    ):
        self.prelude, self.n_fields, self.blank_ambiguous = prelude, n_fields, blank_ambiguous
        self.numbering = Numbering(first_data_row=2 if header else 1)
        self.buffers: list[bytearray] = []
        self.pending: deque[tuple[Future, bytearray]] = deque()
        self.raw = open(path, "rb")  # noqa: SIM115 (closed by close())
        self.pool = ThreadPoolExecutor(max_workers=WORKERS)
        size = min(CHUNK_BYTES, os.fstat(self.raw.fileno()).st_size + 1)
        self.chunks = _chunks(self.raw, self.buffers, size)
        self.batches = self._batches()
        try:
            self._submit()
        except BaseException:
            self.close()
            raise

    def __next__(self) -> Batch:
        return next(self.batches)

    def close(self) -> None:
        """Stop parsing and release the file."""
        for future, _ in self.pending:
            future.cancel()
        self.pool.shutdown(wait=True)
        self.batches.close()
        self.raw.close()

    def _submit(self) -> None:
        """Keep ``PARSE_AHEAD`` chunks submitted beyond the one being used."""
        while len(self.pending) <= PARSE_AHEAD:
            chunk = next(self.chunks, None)
            if chunk is None:
                return
            data, buffer, last = chunk
            future = self.pool.submit(_parse, data, self.prelude, self.n_fields, last)
            self.pending.append((future, buffer))

    def _batches(self) -> Iterator[Batch]:
        records = 0
        while self.pending:
            future, buffer = self.pending.popleft()
            record_batch, ragged = future.result()
            self.buffers.append(buffer)
            self._submit()
            in_file = [(records + number, text) for number, text in ragged]
            skipped, batch = number_rows(
                record_batch,
                in_file,
                self.numbering,
                self.prelude,
                self.n_fields,
                self.blank_ambiguous,
            )
            records += record_batch.num_rows + len(ragged)
            if skipped.num_rows:
                yield skipped
            if batch.num_rows:
                yield batch


def _chunks(
    raw: BinaryIO, buffers: list[bytearray], size: int
) -> Iterator[tuple[memoryview, bytearray, bool]]:
    """(chunk, its buffer, whether it is the last) ending at record ends.

    Buffers of ``size`` bytes are reused: one is in use until the caller puts
    it back in ``buffers``.
    """
    rest = b""
    while True:
        buffer = buffers.pop() if buffers else bytearray(size)
        buffer[: len(rest)] = rest
        filled = len(rest) + raw.readinto(memoryview(buffer)[len(rest) :])
        if filled < len(buffer):
            if filled:
                yield memoryview(buffer)[:filled], buffer, True
            return
        cut = _record_end(buffer)
        if cut is None:
            raise FallbackRequired("arrow-serial-multiline", "a record longer than a chunk")
        rest = buffer[cut:]  # a copy: the buffer itself goes to the parser
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

    # Arrow checks UTF-8 cell by cell when it builds text columns; the whole
    # chunk at once is several times faster.
    utf8 = prelude.encoding in ("utf-8", "utf-8-sig")
    if utf8 and not _is_utf8(chunk):
        raise FallbackRequired("python", "bytes that are not UTF-8")
    options = arrow_options(
        prelude,
        n_fields,
        on_invalid_row,
        threaded=False,
        multiline=True,
        block_size=len(chunk) + 1,
        check_utf8=not utf8,
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


def _is_utf8(chunk: memoryview) -> bool:
    offsets = pa.py_buffer(np.array([0, len(chunk)], np.int32))
    whole = pa.Array.from_buffers(pa.string(), 1, [None, offsets, pa.py_buffer(chunk)])
    try:
        whole.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


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
