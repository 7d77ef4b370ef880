"""CSV dialect: delimiter, quoting and escaping, sniffed from the text when not declared.

`csv.Sniffer` guesses from character frequencies and fails on quoted line breaks;
here each candidate delimiter parses a sample with the csv module itself and the one
giving the most consistent number of cells (more than one) wins. Quotes are RFC 4180
(a quote inside a quoted cell is doubled: `"Monitor 24"" LED"`) unless the sample
proves backslash escaping: it has `\\"`, parses cleanly with `\\` as escape character,
and RFC 4180 reads it worse (a quoting error, or rows of less consistent width) or
finds `\\"` in an unquoted cell (where RFC 4180 would have quoted it). A `\\"` that
RFC 4180 reads as well (`"C:\\"`) proves nothing. Any line ending (LF, CRLF, CR,
mixed) is accepted. A text that ends inside a quoted cell is refused as truncated.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from datasets.errors import SourceError, StructureError, TruncatedFileError
from datasets.readers.truncation import bom_length, byte_length

DELIMITERS = (";", ",", "\t", "|")
SAMPLE_CHARS = 256 * 1024
_SAMPLE_RECORDS = 200


@dataclass(frozen=True)
class Dialect:
    delimiter: str
    escapechar: str | None = None
    skipinitialspace: bool = False

    def describe(self) -> dict[str, object]:
        return {
            "delimiter": self.delimiter,
            "escapechar": self.escapechar,
            "skipinitialspace": self.skipinitialspace,
        }


def sniff(text: str, declared: str | None) -> Dialect:
    """The dialect of a CSV text; a declared delimiter is used as is."""
    sample = text[:SAMPLE_CHARS]
    escapes = [None, "\\"] if '\\"' in sample else [None]
    if declared is not None:
        delimiter = declared
    else:
        scores = {d: max(_consistency(sample, d, e) for e in escapes) for d in DELIMITERS}
        delimiter = max(DELIMITERS, key=lambda d: scores[d])
        if scores[delimiter] == (0.0, 1):
            delimiter = ","
    skip = bool(re.search(re.escape(delimiter) + r' +"', sample))
    dialect = Dialect(delimiter, None, skip)
    return Dialect(delimiter, _escapechar(sample, dialect, cut=len(text) > len(sample)), skip)


def _escapechar(sample: str, dialect: Dialect, *, cut: bool) -> str | None:
    """`\\` only when the sample proves it (see the module docstring)."""
    if '\\"' not in sample:
        return None
    delimiter = re.escape(dialect.delimiter)
    bare = re.compile(rf'(?:^|{delimiter})(?!["\s])[^"\r\n{delimiter}]*\\"', re.MULTILINE)
    rfc = _strict_consistency(sample, dialect, None, cut=cut)
    backslash = _strict_consistency(sample, dialect, "\\", cut=cut)
    if backslash is None:
        return None
    if rfc is None or backslash > rfc or (backslash == rfc and bare.search(sample)):
        return "\\"
    return None


def _strict_consistency(
    sample: str, dialect: Dialect, escapechar: str | None, *, cut: bool
) -> float | None:
    """The share of sampled records of the most common width, or None when the sample
    does not parse strictly (a quoting error before its cut-off end)."""
    lines = io.StringIO(sample, newline="")
    reader = csv.reader(
        lines,
        delimiter=dialect.delimiter,
        escapechar=escapechar,
        skipinitialspace=dialect.skipinitialspace,
        strict=True,
    )
    widths: Counter[int] = Counter()
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                widths[len(row)] += 1
    except csv.Error:
        if not (cut and lines.tell() >= len(sample)):
            return None
    return max(widths.values()) / sum(widths.values()) if widths else None


def _consistency(sample: str, delimiter: str, escapechar: str | None) -> tuple[float, int]:
    """(share of sampled records with the most common cell count above one, that count)."""
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter, escapechar=escapechar)
    counts: Counter[int] = Counter()
    try:
        for number, row in enumerate(reader):
            if number >= _SAMPLE_RECORDS:
                break
            if any(cell.strip() for cell in row):
                counts[len(row)] += 1
    except csv.Error:
        pass
    wide = Counter({width: n for width, n in counts.items() if width > 1})
    if not wide:
        return (0.0, 1)
    width, hits = wide.most_common(1)[0]  # title rows above the header have one cell
    return (hits / sum(counts.values()), width)


_END = "\ue000abierto-end-of-text\ue000"  # a last "line": read whole unless inside quotes


def csv_dialect(dialect: Dialect) -> type[csv.Dialect]:
    """The `csv` module's dialect of a sniffed one (RFC 4180 unless it escapes)."""
    return type(
        "Sniffed",
        (csv.excel,),
        {
            "delimiter": dialect.delimiter,
            "escapechar": dialect.escapechar,
            "skipinitialspace": dialect.skipinitialspace,
        },
    )


def parse_head(text: str, dialect: Dialect, file: str, *, whole: bool) -> list[list[str]]:
    """The records of the first part of a file (all of it if `whole`); a record that
    may run past the part's end is left out."""
    reader = csv.reader(io.StringIO(text, newline=""), csv_dialect(dialect))
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise _malformed(exc, reader.line_num, file) from None
    return rows if whole else rows[:-1]


def check_quotes_closed(lines: Iterable[str], dialect: Dialect, file: str, encoding: str):
    """Refuse a text (its lines, as `open(newline="")` gives them) that ends inside a
    quoted cell: its last record, read with one more line after the end, swallows it."""
    consumed = [bom_length(encoding)]  # bytes of the lines the reader has taken

    def counted() -> Iterator[str]:
        for line in lines:
            consumed[0] += byte_length(line, encoding)
            yield line

    reader = csv.reader(itertools.chain(counted(), [_END]), csv_dialect(dialect))
    row, start, line = None, 0, 0
    offset = following = consumed[0]
    try:
        for row in reader:  # noqa: B007 (the last row is the one checked)
            start, line = line + 1, reader.line_num
            offset, following = following, consumed[0]
    except csv.Error as exc:
        raise _malformed(exc, reader.line_num, file) from None
    if row is None or row == [_END]:
        return
    lines = line - start
    raise TruncatedFileError(
        f"el archivo termina dentro de una celda entre comillas abierta en la línea {start} "
        f"(desde el byte {offset}; sus últimas {lines} líneas): está cortado o esa comilla "
        "no se cierra",
        f"the file ends inside a quoted cell opened on line {start} (from byte {offset}; "
        f"its last {lines} lines): it was cut, or that quote is never closed",
        file=file,
        row=start,
    )


def _malformed(exc: csv.Error, record: int, file: str) -> SourceError:
    return SourceError(
        f"CSV mal formado en el registro {record}: {exc}",
        f"malformed CSV at record {record}: {exc}",
        file=file,
        row=record,
    )


def check_swallowed_records(
    records: list[tuple[int, list[str]]], width: int, dialect: Dialect, file: str
) -> None:
    """Refuse a quoted cell that holds records: a stray quote that a later quote happens
    to close reads the lines between them as one cell (a month of budget lines collapsed
    into one row, and the cells after it shifted). Evidence: a line inside the cell
    with exactly the table's number of cells, or a line that starts as the record
    itself does (its first cell and a delimiter: `2026;` in a budget export)."""
    if width < 3:
        return
    for number, cells in records:
        start = f"{cells[0]}{dialect.delimiter}" if cells and cells[0].strip() else None
        for cell in cells[1:]:
            if "\n" not in cell and "\r" not in cell:
                continue
            lines = re.split(r"\r\n|\n|\r", cell)[1:]
            whole = sum(len(line.split(dialect.delimiter)) == width for line in lines[:-1])
            restart = sum(start is not None and line.startswith(start) for line in lines)
            if whole or restart:
                swallowed = max(whole, restart)
                raise StructureError(
                    f"una comilla sin cerrar en el registro {number} hace que las "
                    f"{swallowed} filas siguientes se lean como parte de una celda",
                    f"an unclosed quote in record {number} makes the next {swallowed} "
                    "rows read as part of one cell",
                    file=file,
                    row=number,
                )


def count_line_endings(text: str) -> Counter[str]:
    """How many line breaks of each kind (`CRLF`, `LF`, `CR`) the text has.

    Text of one byte a character (Latin-1 range, the usual CSV) is counted by numpy on
    its bytes, three times faster than `str.count` of each kind."""
    try:
        codes = np.frombuffer(text.encode("latin-1"), dtype=np.uint8)
    except UnicodeEncodeError:
        crlf = text.count("\r\n")
        cr, lf = text.count("\r"), text.count("\n")
    else:
        returns, feeds = codes == 13, codes == 10
        crlf = int(np.count_nonzero(returns[:-1] & feeds[1:]))
        cr, lf = int(np.count_nonzero(returns)), int(np.count_nonzero(feeds))
    return Counter({"CRLF": crlf, "LF": lf - crlf, "CR": cr - crlf})


def line_endings(counts: Counter[str]) -> str:
    """`LF`, `CRLF`, `CR`, `mixed` or `none`, for the provenance record."""
    kinds = [k for k in ("CRLF", "LF", "CR") if counts[k]]
    return kinds[0] if len(kinds) == 1 else ("mixed" if kinds else "none")
