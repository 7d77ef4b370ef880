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
from dataclasses import dataclass

from datasets.errors import SourceError, StructureError, TruncatedFileError
from datasets.readers.truncation import byte_offset

DELIMITERS = (";", ",", "\t", "|")
_SAMPLE_CHARS = 256 * 1024
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
    sample = text[:_SAMPLE_CHARS]
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


def parse(text: str, dialect: Dialect, file: str, encoding: str = "utf_8") -> list[list[str]]:
    """All records of the text, as lists of cells; a text ending inside quotes is refused."""
    reader = csv.reader(
        itertools.chain(io.StringIO(text, newline=""), [_END]),
        delimiter=dialect.delimiter,
        escapechar=dialect.escapechar,
        skipinitialspace=dialect.skipinitialspace,
        strict=False,
    )
    rows: list[list[str]] = []
    start = line = 0
    try:
        for row in reader:
            rows.append(row)
            start, line = line + 1, reader.line_num
    except csv.Error as exc:
        raise SourceError(
            f"CSV mal formado en el registro {reader.line_num}: {exc}",
            f"malformed CSV at record {reader.line_num}: {exc}",
            file=file,
            row=reader.line_num,
        ) from None
    if rows and rows[-1] == [_END]:
        return rows[:-1]
    opened = _line_start(text, start)
    offset = byte_offset(text, opened, encoding)
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


def _line_start(text: str, line: int) -> int:
    """The character position where a 1-based physical line begins."""
    if line <= 1:
        return 0
    breaks = re.finditer(r"\r\n|\n|\r", text)
    found = next(itertools.islice(breaks, line - 2, None), None)
    return found.end() if found else len(text)


def line_endings(text: str) -> str:
    """`LF`, `CRLF`, `CR`, `mixed` or `none`, for the provenance record."""
    crlf = text.count("\r\n")
    lf, cr = text.count("\n") - crlf, text.count("\r") - crlf
    kinds = [k for k, n in (("CRLF", crlf), ("LF", lf), ("CR", cr)) if n]
    return kinds[0] if len(kinds) == 1 else ("mixed" if kinds else "none")
