"""Delimited text (CSV, TSV) read in Arrow blocks, never whole: a national monthly
export is 1–2 GB, and neither its bytes, nor its text, nor a list per record is held.

The file is read in passes, each in blocks:

1. its encoding (`encoding.detect`);
2. its text, decoded strictly: line endings, whether it has content, how it ends; its first
   256 K characters sniff the dialect, and its first records, parsed by `csv`, give
   the header (`headers.find_header`);
3. its records, parsed by the validator's readers (`datasets.readers.batches.engines`: Arrow
   on worker threads over chunks cut at record ends, ragged rows re-read by `csv`, and
   `csv` itself where Arrow cannot read as it does, e.g. backslash escapes) into
   blocks of text cells. Each block's columns are dictionary-encoded as they come and
   the dictionaries unified at the end: one `Encoded` column per header position.

Checks that need the whole table (a quote left open at the end, swallowed records,
trailing empty columns, the footer; in ingest, ambiguous numbers and short rows) run on
the encoded columns, once per distinct value. Records are numbered as `csv` numbers
them (the first record of the file is 1; a quoted line break does not count).
"""

from __future__ import annotations

import codecs
import itertools
from collections import Counter
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa

from datasets.descriptor import SourceFormat
from datasets.errors import EncodingError, SourceError
from datasets.normalise import Encoded
from datasets.readers import dialect as dialects
from datasets.readers import headers, truncation
from datasets.readers.batches.engines import file_batches, first_engine
from datasets.readers.batches.reader import Batch, FallbackRequired, Prelude
from datasets.readers.encoding import decoded, file_blocks

HEAD_CHARS = dialects.SAMPLE_CHARS + 1  # the sniffer's sample, and whether there is more
TAIL_CHARS = 1 << 20  # the end of the text kept, to tell a quote left open at the end
_DICTIONARY = pa.dictionary(pa.int32(), pa.string())


@dataclass
class SourceColumns:
    """A table read as columns: its records' numbers, one `Encoded` text column per
    header position (an empty cell is "", a cell past the end of a short record None),
    each record's cell count, and the cells past the header (by record index)."""

    header: list[str]
    numbers: list[int]
    columns: list[Encoded]
    counts: np.ndarray
    extra: dict[int, list[str]]
    details: dict[str, object] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.numbers)

    def record(self, index: int) -> list[object]:
        """The cells of one record, as `csv` reads them."""
        width = min(int(self.counts[index]), len(self.columns))
        cells = [self.columns[at].uniques[self.columns[at].codes[index]] for at in range(width)]
        return cells + self.extra.get(index, [])

    def records(self) -> list[tuple[int, list[object]]]:
        return [(n, self.record(i)) for i, n in enumerate(self.numbers)]

    def take(self, positions: np.ndarray) -> SourceColumns:
        """The records at `positions`, in that order."""
        extra = {}
        if self.extra:
            position = np.full(len(self), -1)
            position[positions] = np.arange(len(positions))
            extra = {int(position[i]): c for i, c in self.extra.items() if position[i] >= 0}
        return SourceColumns(
            self.header,
            [self.numbers[i] for i in positions],
            [column.take(positions) for column in self.columns],
            self.counts[positions],
            extra,
            self.details,
        )

    def concat(self, other: SourceColumns) -> SourceColumns:
        """These records, then `other`'s (records of the same table: same dictionaries)."""
        columns = []
        for mine, theirs in zip(self.columns, other.columns, strict=True):
            assert mine.uniques is theirs.uniques
            codes = np.concatenate([mine.codes, theirs.codes])
            columns.append(Encoded(codes, mine.uniques, is_text=True))
        extra = self.extra | {len(self) + i: c for i, c in other.extra.items()}
        counts = np.concatenate([self.counts, other.counts])
        return SourceColumns(
            self.header, self.numbers + other.numbers, columns, counts, extra, self.details
        )


@dataclass
class _Text:
    """The decoded text, as a whole (pass 2)."""

    head: str  # its first HEAD_CHARS characters
    tail: str  # its last TAIL_CHARS characters
    endings: Counter[str]
    has_content: bool
    last_line_offset: int  # the byte offset in the file where its last line starts

    @property
    def whole(self) -> bool:
        return len(self.head) < HEAD_CHARS


def read_delimited(path: Path, source: SourceFormat, encoding: str) -> SourceColumns:
    """Read a CSV or TSV file in `encoding` (found by `encoding.detect`) with its source
    format; the text is decoded strictly here."""
    text = _scan(path, encoding)
    if not text.has_content:
        raise SourceError(
            "el archivo no tiene contenido", "the file has no content", file=path.name
        )
    dialect = dialects.sniff(text.head, source.delimiter)
    header, header_row, header_end = _header(path, encoding, text, dialect, source)
    table = _read_columns(path, encoding, dialect, len(header), header_end)
    table.header = [h.strip() for h in header]
    _check_quotes_closed(table, path, encoding, dialect, text)
    wide = np.flatnonzero(table.counts > headers.MAX_COLUMNS)
    if len(wide):
        headers.check_width([(table.numbers[wide[0]], table.record(int(wide[0])))], path.name)
    if not _any_filled(table):
        raise headers.no_data_rows(path.name)
    details: dict[str, object] = {
        "encoding": encoding,
        **dialect.describe(),
        "line_endings": dialects.line_endings(text.endings),
        "header_row": header_row,
    }
    width = headers.kept_width(header, lambda at: bool(_filled(table.columns[at]).any()))
    if width < len(header):
        details["trailing_empty_columns"] = len(header) - width
        table.header, table.columns = table.header[:width], table.columns[:width]
        table.counts = np.minimum(table.counts, width)
        table.extra = {}
    details |= headers.header_details(header[:width])
    extra = sorted(i for i, cells in table.extra.items() if any(map(headers.filled, cells)))
    details |= headers.extra_cells_details(len(extra), [table.numbers[i] for i in extra[:10]])
    table.details = details
    last = (table.numbers[-1], int(table.counts[-1]))
    ends_with_break = text.tail.endswith(("\n", "\r"))
    truncation.check_last_record(width, last, ends_with_break, text.last_line_offset, path.name)
    dialects.check_swallowed_records(_multiline(table), width, dialect, path.name)
    if any(rule.footer for rule in source.exclude_rows):
        filled = np.flatnonzero(_filled_rows(table))
        last_filled = (table.numbers[filled[-1]], table.record(int(filled[-1])))
        truncation.check_footer(table.header, last_filled, source, path.name)
    return table


def _scan(path: Path, encoding: str) -> _Text:
    """Pass 2: the text's head and tail, line endings and content, decoded block by block."""
    head = tail = carry = last_line = ""
    endings: Counter[str] = Counter()
    has_content = False
    for text in itertools.chain(decoded(file_blocks(path), encoding, path.name), [None]):
        part = carry + (text or "")
        carry = "\r" if text is not None and part.endswith("\r") else ""  # before a "\n"?
        part = part[: len(part) - len(carry)] if carry else part
        if len(head) < HEAD_CHARS:
            head += part[: HEAD_CHARS - len(head)]
        tail = (tail + part[-TAIL_CHARS:])[-TAIL_CHARS:]
        endings += dialects.count_line_endings(part)
        has_content = has_content or (part != "" and not part.isspace())
        breaks = max(part.rfind("\n"), part.rfind("\r"))
        last_line = part[breaks + 1 :] if breaks >= 0 else last_line + part
    offset = path.stat().st_size - truncation.byte_length(last_line, encoding)
    return _Text(head.removeprefix("\ufeff"), tail, endings, has_content, offset)


def _header(
    path: Path, encoding: str, text: _Text, dialect: dialects.Dialect, source: SourceFormat
) -> tuple[list[str], int | None, int]:
    """The header labels, the record number of its first row (None when declared) and of
    its last (0 when declared): from the first records, parsed by `csv`."""
    needed = max(headers.SEARCH_ROWS, source.header_row or 0) + source.header_rows
    head, whole = text.head, text.whole
    while True:
        rows = dialects.parse_head(head, dialect, path.name, whole=whole)
        if whole or len(rows) > needed:
            break
        head, whole = _first_chars(path, encoding, 4 * len(head))
    numbered = list(enumerate(rows, start=1))
    headers.check_width(numbered, path.name)
    header, header_row, start = headers.find_header(numbered, source, path.name)
    last = numbered[min(start, len(numbered)) - 1][0] if start else 0  # a header cut short
    return header, header_row, last


def _first_chars(path: Path, encoding: str, count: int) -> tuple[str, bool]:
    """The first `count` characters of the text, and whether they are all of it."""
    with path.open(encoding=encoding, newline="") as handle:
        text = handle.read(count + 1)
    return text[:count].removeprefix("\ufeff"), len(text) <= count


def _read_columns(
    path: Path, encoding: str, dialect: dialects.Dialect, n_fields: int, header_end: int
) -> SourceColumns:
    """Pass 3: the records after the header, as encoded columns (see the module docstring).

    A reader that cannot read as `csv` does names the next one to try, from the start."""
    name = codecs.lookup(encoding).name
    prelude = Prelude(
        "utf-8" if name == "ascii" else name, dialects.csv_dialect(dialect), None, False
    )
    engine = "python" if dialect.escapechar else first_engine(prelude)
    while True:
        columns = _Columns(n_fields, header_end)
        try:
            batches = file_batches(
                path, prelude, n_fields, header=False, engine=engine, blank_ambiguous=n_fields == 1
            )
            with closing(batches):
                for batch in batches:
                    if isinstance(batch, UnicodeDecodeError):
                        raise EncodingError(
                            f"el archivo no se lee en {encoding}: {batch}",
                            f"the file does not read as {encoding}: {batch}",
                            file=path.name,
                        )
                    columns.add(batch)
        except FallbackRequired as fallback:
            engine = fallback.engine
            continue
        return columns.table()


class _Columns:
    """Blocks of records gathered as dictionary-encoded columns."""

    def __init__(self, n_fields: int, header_end: int) -> None:
        self.n_fields, self.header_end = n_fields, header_end
        self.chunks: list[list[pa.DictionaryArray]] = [[] for _ in range(n_fields)]
        self.numbers: list[np.ndarray] = []
        self.counts: list[np.ndarray] = []
        self.extra: dict[int, list[str]] = {}
        self.rows = 0

    def add(self, batch: Batch) -> None:
        keep = batch.row_numbers > self.header_end
        columns, extra = batch.columns, batch.extra_cells
        counts = batch.cell_counts
        if counts is None:
            counts = np.full(batch.num_rows, self.n_fields, dtype=np.int64)
        if not keep.all():
            mask = pa.array(keep)
            columns = [column.filter(mask) for column in columns]
            index = np.cumsum(keep) - 1
            extra = {int(index[i]): cells for i, cells in extra.items() if keep[i]}
            counts = counts[keep]
        for at, column in enumerate(columns):
            self.chunks[at].append(column.fill_null("").dictionary_encode())
        self.numbers.append(batch.row_numbers[keep])
        self.counts.append(counts)
        self.extra |= {self.rows + i: cells for i, cells in extra.items()}
        self.rows += int(keep.sum())

    def table(self) -> SourceColumns:
        numbers = np.concatenate([np.empty(0, np.int64), *self.numbers])
        counts = np.concatenate([np.empty(0, np.int64), *self.counts])
        order = np.argsort(numbers, kind="stable")  # a chunk's ragged rows come first
        ordered = bool((order == np.arange(len(order))).all())
        numbers, counts = numbers[order], counts[order]
        columns = []
        for at, chunks in enumerate(self.chunks):
            unified = pa.chunked_array(chunks, type=_DICTIONARY).unify_dictionaries()
            codes = np.concatenate(
                [np.empty(0, np.int32), *(c.indices.to_numpy() for c in unified.chunks)]
            )
            codes = codes if ordered else codes[order]
            codes[counts <= at] = -1  # past the end of a short record
            uniques = unified.chunk(0).dictionary.to_pylist() if unified.num_chunks else []
            columns.append(Encoded(_narrowed(codes, len(uniques)), uniques, is_text=True))
            chunks.clear()
        extra = self.extra
        if not ordered:
            position = np.empty_like(order)
            position[order] = np.arange(len(order))
            extra = {int(position[i]): cells for i, cells in extra.items()}
        return SourceColumns([], numbers.tolist(), columns, counts, extra)


def _narrowed(codes: np.ndarray, distinct: int) -> np.ndarray:
    """Codes in the narrowest signed integers that hold them (and -1): most columns of
    an export have a few hundred distinct texts, a byte or two a row instead of four."""
    for dtype in (np.int8, np.int16):
        if distinct <= np.iinfo(dtype).max:
            return codes.astype(dtype)
    return codes


def _filled(column: Encoded) -> np.ndarray:
    """Which cells of a text column have more than spaces."""
    filled = np.array([u.strip() != "" for u in column.uniques] + [False], dtype=bool)
    return filled[column.codes]


def _filled_rows(table: SourceColumns) -> np.ndarray:
    rows = np.zeros(len(table), dtype=bool)
    for column in table.columns:
        rows |= _filled(column)
    for index, cells in table.extra.items():
        rows[index] |= any(map(headers.filled, cells))
    return rows


def _any_filled(table: SourceColumns) -> bool:
    return any(_filled(c).any() for c in table.columns) or any(
        any(map(headers.filled, cells)) for cells in table.extra.values()
    )


def _multiline(table: SourceColumns) -> Iterator[tuple[int, list[object]]]:
    """The records with a line break in a cell after the first (in file order)."""
    rows = np.zeros(len(table), dtype=bool)
    for column in table.columns[1:]:
        broken = [("\n" in u or "\r" in u) for u in column.uniques]
        if any(broken):
            rows |= np.array(broken + [False], dtype=bool)[column.codes]
    for index, cells in table.extra.items():
        rows[index] |= any("\n" in c or "\r" in c for c in cells)
    for index in np.flatnonzero(rows):
        yield table.numbers[index], table.record(int(index))


def _check_quotes_closed(
    table: SourceColumns, path: Path, encoding: str, dialect: dialects.Dialect, text: _Text
) -> None:
    """Refuse a file that ends inside a quoted cell. Arrow and `csv` read such a cell to
    the end of the file, so its text, quotes doubled, ends the file after a quote: only
    then (or with backslash escapes, which this test does not invert) is the file read
    again by `csv`, with one more line after its end (`dialect.check_quotes_closed`)."""
    if len(table) and not dialect.escapechar:
        cells = table.record(len(table) - 1)
        if not cells:
            return
        quoted = '"' + str(cells[-1]).replace('"', '""')
        if len(quoted) < len(text.tail) and not text.tail.endswith(quoted):
            return
    with path.open(encoding=encoding, newline="") as handle:
        dialects.check_quotes_closed(handle, dialect, path.name, encoding)
