"""CSV dialect: delimiter, quoting and escaping, sniffed from the text when not declared.

`csv.Sniffer` guesses from character frequencies and fails on quoted line breaks;
here each candidate delimiter parses a sample with the csv module itself and the one
giving the most consistent number of cells (more than one) wins. Both quote-escaping
styles are read: doubled quotes always, backslash-escaped quotes when the text has
them. Any line ending (LF, CRLF, CR, mixed) is accepted.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass

from datasets.errors import SourceError

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
    escapechar = "\\" if re.search(r'\\"', sample) else None
    if declared is not None:
        delimiter = declared
    else:
        scores = {d: _consistency(sample, d, escapechar) for d in DELIMITERS}
        delimiter = max(DELIMITERS, key=lambda d: scores[d])
        if scores[delimiter] == (0.0, 1):
            delimiter = ","
    skip = bool(re.search(re.escape(delimiter) + r' +"', sample))
    return Dialect(delimiter, escapechar, skip)


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


def parse(text: str, dialect: Dialect, file: str) -> list[list[str]]:
    """All records of the text, as lists of cells."""
    reader = csv.reader(
        io.StringIO(text, newline=""),
        delimiter=dialect.delimiter,
        escapechar=dialect.escapechar,
        skipinitialspace=dialect.skipinitialspace,
        strict=False,
    )
    try:
        return list(reader)
    except csv.Error as exc:
        raise SourceError(
            f"CSV mal formado en el registro {reader.line_num}: {exc}",
            f"malformed CSV at record {reader.line_num}: {exc}",
            file=file,
            row=reader.line_num,
        ) from None


def line_endings(text: str) -> str:
    """`LF`, `CRLF`, `CR`, `mixed` or `none`, for the provenance record."""
    crlf = text.count("\r\n")
    lf, cr = text.count("\n") - crlf, text.count("\r") - crlf
    kinds = [k for k, n in (("CRLF", crlf), ("LF", lf), ("CR", cr)) if n]
    return kinds[0] if len(kinds) == 1 else ("mixed" if kinds else "none")
