"""Find the header of a table: under title rows, over several rows, or declared.

The header row is the row, among the first ones, where most of the labels the
mapping needs are found (labels compare folded: case, accents and repeated spaces
ignored). Merged header cells are spread over the columns they cover before a
multi-row header is joined. Trailing columns with neither label nor values (a
delimiter at the end of every line) are dropped.

A table wider than `MAX_COLUMNS` is refused before its header is searched (a
hostile or broken file must not stall the run), and a data row with fewer cells
than the header is refused (`check_short_rows`), never padded with empty cells.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from datasets.descriptor import SourceFormat
from datasets.errors import SourceError, StructureError
from datasets.normalise import fold, strip_accents

SEARCH_ROWS = 30
# Excel's own limit (XFD): no office export is wider; a wider "table" is hostile or broken.
MAX_COLUMNS = 16_384
Row = tuple[int, list[object]]


@dataclass
class Table:
    header: list[str]
    records: list[Row]
    details: dict[str, object] = field(default_factory=dict)


def matchers(source: SourceFormat) -> list[str]:
    """Regular expressions for the labels the mapping needs, against folded labels."""
    found: list[str] = []
    for mapping in source.tables.values():
        for spec in mapping.columns.values():
            labels = spec.column if isinstance(spec.column, list) else [spec.column]
            found += [f"^{re.escape(fold(label))}$" for label in labels if label]
            found += [p for p in (spec.column_pattern, spec.from_header) if p]
    found += [f"^{re.escape(fold(r.column))}$" for r in source.exclude_rows if r.column]
    return list(dict.fromkeys(found))


def label_hits(rows: list[Row], source: SourceFormat) -> int:
    """How many of the labels the mapping needs appear in the first rows (a sheet's score)."""
    labels = {fold(_label(c)) for _, cells in rows[:SEARCH_ROWS] for c in cells if filled(c)}
    return sum(any(r.search(label) for label in labels) for r in map(label_regex, matchers(source)))


def label_regex(pattern: str) -> re.Pattern[str]:
    """A header pattern, matched case-insensitively against the folded label."""
    return re.compile(strip_accents(pattern), re.IGNORECASE)


def locate(
    rows: list[Row],
    source: SourceFormat,
    file: str,
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = (),
) -> Table:
    """Split physical rows into a header and data records."""
    check_width(rows, file)
    rows = _fill_merged(rows, merged)
    header, header_row, start = find_header(rows, source, file)
    table = Table(header, rows[start:], {"header_row": header_row})
    records = table.records
    width = kept_width(header, lambda at: any(len(c) > at and filled(c[at]) for _, c in records))
    if width < len(header):
        table.details["trailing_empty_columns"] = len(header) - width
        table.header = header[:width]
        table.records = [(n, cells[:width]) for n, cells in records]
    table.details |= header_details(table.header)
    extra = [n for n, cells in table.records if any(map(filled, cells[len(table.header) :]))]
    table.details |= extra_cells_details(len(extra), extra[:10])
    if not any(any(filled(c) for c in cells) for _, cells in table.records):
        raise no_data_rows(file)
    return table


def find_header(
    rows: list[Row], source: SourceFormat, file: str
) -> tuple[list[str], int | None, int]:
    """The header labels, the record number of its (first) row (None when the source
    declares `column_names`) and the index in `rows` of the first data record."""
    if source.column_names is not None:
        return list(source.column_names), None, 0
    start = _header_start(rows, source)
    if start is None:
        raise SourceError("el archivo no tiene filas", "the file has no rows", file=file)
    span = rows[start : start + source.header_rows]
    return _join(span), span[0][0], start + source.header_rows


def kept_width(header: list[str], has_value: Callable[[int], bool]) -> int:
    """The header's width without its trailing columns that have neither label nor a
    value (`has_value` of the column's position): a delimiter at the end of every line."""
    width = len(header)
    while width and not header[width - 1].strip() and not has_value(width - 1):
        width -= 1
    return width


def header_details(header: list[str]) -> dict[str, object]:
    """Blank and repeated labels, for the file's provenance."""
    folded = [fold(h) for h in header]
    counts = Counter(folded)
    return {
        "blank_headers": [i + 1 for i, h in enumerate(folded) if not h],
        "duplicate_headers": sorted(h for h, n in counts.items() if h and n > 1),
    }


def extra_cells_details(count: int, first: list[int]) -> dict[str, object]:
    """Rows with filled cells past the header, for the file's provenance."""
    return {"rows_with_extra_cells": count, "rows_with_extra_cells_first": first}


def no_data_rows(file: str) -> SourceError:
    return SourceError(
        "el archivo tiene encabezado pero ninguna fila de datos",
        "the file has a header but no data rows",
        file=file,
    )


def check_short_rows(width: int, counts: Iterable[tuple[int, int]], file: str) -> None:
    """Refuse data rows with fewer cells than the header's `width` (`counts`: each row's
    number and cell count): a cell is never invented."""
    short = [(n, count) for n, count in counts if count < width]
    if not short:
        return
    number, cells = short[0]
    more_es = f" (y {len(short) - 1} filas más)" if len(short) > 1 else ""
    more_en = f" (and {len(short) - 1} more rows)" if len(short) > 1 else ""
    raise StructureError(
        f"la fila {number} tiene {cells} celdas y el encabezado {width}{more_es}: "
        "faltan separadores o la fila está cortada; no se rellena",
        f"row {number} has {cells} cells and the header {width}{more_en}: "
        "separators are missing or the row was cut; it is not padded",
        file=file,
        row=number,
    )


def check_width(rows: Iterable[Row], file: str) -> None:
    """Refuse a row wider than `MAX_COLUMNS`."""
    wide = next(((n, len(cells)) for n, cells in rows if len(cells) > MAX_COLUMNS), None)
    if wide is not None:
        raise StructureError(
            f"la fila {wide[0]} tiene {wide[1]} columnas, más que el máximo de {MAX_COLUMNS}",
            f"row {wide[0]} has {wide[1]} columns, over the limit of {MAX_COLUMNS}",
            file=file,
            row=wide[0],
        )


def _label(cell: object) -> str:
    """A header cell as text: spreadsheet numbers such as 2024.0 read `2024`."""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return cell.isoformat() if isinstance(cell, dt.date) else str(cell).strip()


def filled(cell: object) -> bool:
    return cell is not None and str(cell).strip() != ""


def _header_start(rows: list[Row], source: SourceFormat) -> int | None:
    candidates = [i for i, (_, cells) in enumerate(rows[:SEARCH_ROWS]) if any(map(filled, cells))]
    if not candidates:
        return None
    if source.header_row is not None:
        return next((i for i, (n, _) in enumerate(rows) if n >= source.header_row), None)
    regexes = [label_regex(m) for m in matchers(source)]

    def score(index: int) -> int:
        labels = [fold(label) for label in _join(rows[index : index + source.header_rows])]
        return sum(any(r.search(label) for label in labels) for r in regexes)

    best = max(candidates, key=lambda i: (score(i), -i))
    return best if score(best) > 0 else candidates[0]


def _join(span: list[Row]) -> list[str]:
    """Header labels of one or more rows; a label repeated down a merged range counts once."""
    width = max(len(cells) for _, cells in span)
    header = []
    for i in range(width):
        parts: list[str] = []
        for _, cells in span:
            text = _label(cells[i]) if i < len(cells) and filled(cells[i]) else ""
            if text and (not parts or parts[-1] != text):
                parts.append(text)
        header.append(" ".join(parts))
    return header


def _fill_merged(rows: list[Row], merged) -> list[Row]:
    """Copy the value of a merged range's top-left cell into every cell of the range."""
    if not merged:
        return rows
    grid = [list(cells) for _, cells in rows]
    numbers = [number for number, _ in rows]
    for (top, left), (bottom, right) in merged:
        if top >= len(grid) or left >= len(grid[top]):
            continue
        while len(grid) <= bottom:
            grid.append([])
            numbers.append(numbers[-1] + 1)
        value = grid[top][left]
        for r in range(top, bottom + 1):
            grid[r].extend([None] * (right + 1 - len(grid[r])))
            for c in range(left, right + 1):
                grid[r][c] = value
    return list(zip(numbers, grid, strict=True))
