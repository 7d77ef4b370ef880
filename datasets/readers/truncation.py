"""Truncated files: a transfer or an export cut short is refused, never half-read.

What a cut looks like: a CSV whose last record has fewer cells than the header and no
final line break, or that ends inside a quoted cell (found by `dialect.parse`); a
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


def byte_offset(text: str, position: int, encoding: str) -> int:
    """The byte offset in the file of a character position of its decoded text."""
    try:
        return len(text[:position].encode(encoding))
    except (LookupError, UnicodeEncodeError):
        return position


def check_last_record(text: str, header: list[str], records: list[Row], file: str, encoding: str):
    """A CSV without final line break whose last record is short was cut mid-row."""
    if not records or text.endswith(("\n", "\r")):
        return
    number, cells = records[-1]
    if len(cells) >= len(header):
        return
    start = max(text.rfind("\n"), text.rfind("\r")) + 1
    offset = byte_offset(text, start, encoding)
    raise TruncatedFileError(
        f"el archivo está cortado: su último registro ({number}, desde el byte {offset}) "
        f"tiene {len(cells)} de {len(header)} celdas y no termina en salto de línea",
        f"the file is truncated: its last record ({number}, from byte {offset}) has "
        f"{len(cells)} of {len(header)} cells and no final line break",
        file=file,
        row=number,
    )


def check_footer(header: list[str], records: list[Row], source: SourceFormat, file: str):
    """The last non-blank record must be the footer the source declares, if any."""
    footers = [rule for rule in source.exclude_rows if rule.footer]
    if not footers:
        return
    last = next((r for r in reversed(records) if any(_text(c) for c in r[1])), None)
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
