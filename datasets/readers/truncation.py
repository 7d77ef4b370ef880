"""Truncated files: a transfer or an export cut short is refused, never half-read.

What a cut looks like: a CSV whose last record has fewer cells than the header and no
final line break, or that ends inside a quoted cell (`dialect.check_quotes_closed`); a
JSON document that ends before its value does (`jsondoc.load_documents`); a report
without the footer row its source always writes last (an exclusion rule declared
with `footer: true`, e.g. DIPRES's `RESULTADO`). A file that lacks only its final
line break but whose last record is whole is read as usual.
"""

from __future__ import annotations

import re

from datasets.descriptor import SourceFormat
from datasets.errors import TruncatedFileError
from datasets.normalise import fold

Row = tuple[int, list[object]]


def byte_length(text: str, encoding: str) -> int:
    """How many bytes `text` takes in the file (its characters, if it does not encode)."""
    try:
        return len(text.encode(encoding)) - bom_length(encoding)
    except (LookupError, UnicodeEncodeError):
        return len(text)


def bom_length(encoding: str) -> int:
    """The bytes of the byte-order mark the encoding writes first (`utf_16`, `utf_8_sig`)."""
    try:
        return len("".encode(encoding))
    except LookupError:
        return 0


def check_last_record(
    width: int, last: tuple[int, int] | None, ends_with_break: bool, offset: int, file: str
) -> None:
    """A CSV without final line break whose last record is short was cut mid-row.

    `last` is the last record's number and cell count, `offset` the byte offset in the
    file where its last line starts."""
    if last is None or ends_with_break:
        return
    number, cells = last
    if cells >= width:
        return
    raise TruncatedFileError(
        f"el archivo está cortado: su último registro ({number}, desde el byte {offset}) "
        f"tiene {cells} de {width} celdas y no termina en salto de línea",
        f"the file is truncated: its last record ({number}, from byte {offset}) has "
        f"{cells} of {width} cells and no final line break",
        file=file,
        row=number,
    )


def last_filled(records: list[Row]) -> Row | None:
    """The last record with a non-blank cell."""
    return next((r for r in reversed(records) if any(_text(c) for c in r[1])), None)


def check_footer(header: list[str], last: Row | None, source: SourceFormat, file: str):
    """The last non-blank record (`last`) must be the footer the source declares, if any."""
    footers = [rule for rule in source.exclude_rows if rule.footer]
    if not footers:
        return
    folded = [fold(h) for h in header]
    for rule in footers:
        cells = last[1] if last else []
        if rule.column is None:
            cell = next((t for t in map(_text, cells) if t), "")
        else:
            at = folded.index(fold(rule.column)) if fold(rule.column) in folded else None
            cell = _text(cells[at]) if at is not None and at < len(cells) else ""
        if re.search(rule.pattern, cell, re.IGNORECASE):
            continue
        where_es = f"tras el registro {last[0]}" if last else "al final"
        where_en = f"after record {last[0]}" if last else "at the end"
        raise TruncatedFileError(
            f"el archivo está cortado: falta la fila de pie «{rule.reason_es}» "
            f"(patrón {rule.pattern}) {where_es}",
            f"the file is truncated: the footer row '{rule.reason_en}' "
            f"(pattern {rule.pattern}) is missing {where_en}",
            file=file,
            row=last[0] if last else None,
        )


def _text(cell: object) -> str:
    return "" if cell is None else str(cell).strip()
