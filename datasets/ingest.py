"""Ingest: read a landed export and map it to our canonical tables, as text.

`read_source` returns a `RawSource`: one typed-as-text DataFrame per canonical table
(columns named as in the schema, plus `_source_file` — `<cut>/<file name>` — and
`_source_row`), the non-data
rows excluded with their reason, and the file's provenance.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pandas as pd

from datasets.descriptor import ColumnSpec, SourceFormat, SubtotalRule, TableMapping
from datasets.errors import HeaderError, SourceError
from datasets.normalise import fold, normalise_value
from datasets.readers import SourceRecords, read_records
from datasets.readers.headers import check_short_rows, label_regex
from quality.personal_data import scrub_text

META_COLUMNS = ("_source_file", "_source_row")


@dataclass
class ExcludedRow:
    source_row: int
    reason: str
    reason_es: str
    reason_en: str
    values: list[str]


@dataclass
class RawSource:
    provenance: dict
    row_table: str
    tables: dict[str, pd.DataFrame]
    excluded: list[ExcludedRow] = field(default_factory=list)
    #: Rows excluded by a descriptor rule (totals, subtotals), mapped like data rows:
    #: quality rules compare them with the detail rows they add up.
    excluded_tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def rows_read(self) -> int:
        return int(self.provenance["rows_read"])


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_source(path: Path, source: SourceFormat, *, comuna_code: str) -> RawSource:
    """Read one landed file with its declared source format."""
    path = Path(path)
    records = read_records(path, source)
    data, excluded = _split_non_data(records, source)
    file = f"{comuna_code}/{path.name}"
    tables = {
        name: _map_table(records.header, data, mapping, file, comuna_code)
        for name, mapping in source.tables.items()
    }
    check_short_rows(records.header, data, path.name)
    if source.exclude_subtotals is not None:
        excluded += _drop_subtotals(tables, source.row_table, source.exclude_subtotals, records)
    for name, mapping in source.tables.items():
        if mapping.group_by:
            _sum_lines(tables[name], mapping, tables[source.row_table])
            tables[name] = _group(tables[name], mapping.group_by, path.name)
    reasons = Counter(e.reason for e in excluded)
    provenance = {
        "name": path.name,
        "sha256": sha256_file(path),
        "bytes": path.stat().st_size,
        "source_format": source.name,
        "rows_read": len(records.records),
        "rows_excluded_by_reason": dict(sorted(reasons.items())),
        **records.details,
    }
    excluded.sort(key=lambda e: e.source_row)
    cells = dict(records.records)
    ruled = [(e.source_row, cells[e.source_row]) for e in excluded if e.reason != "blank-row"]
    mapping = source.tables[source.row_table]
    frame = _map_table(records.header, ruled, mapping, file, comuna_code)
    frame["_reason"] = [e.reason for e in excluded if e.reason != "blank-row"]
    excluded_tables = {source.row_table: frame}
    return RawSource(provenance, source.row_table, tables, excluded, excluded_tables)


def _split_non_data(
    records: SourceRecords, source: SourceFormat
) -> tuple[list[tuple[int, list[object]]], list[ExcludedRow]]:
    rules = []
    for rule in source.exclude_rows:
        position = None if rule.column is None else _find_column(records.header, rule.column, None)
        rules.append((position, re.compile(rule.pattern, re.IGNORECASE), rule))
    data, excluded = [], []
    for number, cells in records.records:
        first = next((t for t in map(_text, cells) if t), None)
        if first is None:
            texts = _texts(cells)
            excluded.append(ExcludedRow(number, "blank-row", "fila en blanco", "blank row", texts))
            continue
        hit = next(
            (
                r
                for pos, rx, r in rules
                if rx.search(
                    first if pos is None else _text(cells[pos]) if pos < len(cells) else ""
                )
            ),
            None,
        )
        if hit:
            texts = _texts(cells)
            excluded.append(ExcludedRow(number, hit.reason, hit.reason_es, hit.reason_en, texts))
        else:
            data.append((number, cells))
    return data, excluded


def _find_column(
    header: list[str], label: str, file: str | None, *, pattern: str | None = None
) -> int:
    folded = [fold(h) for h in header]
    if pattern is not None:
        regex = label_regex(pattern)
        matches = [i for i, h in enumerate(folded) if regex.search(h)]
        label = pattern
    else:
        matches = [i for i, h in enumerate(folded) if h == fold(label)]
    if len(matches) != 1:
        problem_es = "no existe" if not matches else "aparece más de una vez"
        problem_en = "is missing" if not matches else "appears more than once"
        raise HeaderError(
            f"la columna esperada «{label}» {problem_es}; encabezados: {_shown(header)}",
            f"expected column '{label}' {problem_en}; headers: {_shown(header)}",
            file=file,
            row=1,
            column=label,
        )
    return matches[0]


def _shown(header: list[str]) -> str:
    """Headers for an error message, scrubbed: a file without a header row has a data
    row there, and messages reach logs and Dagster metadata."""
    return ", ".join(scrub_text(str(h)).text for h in header)


def _map_table(
    header: list[str],
    data: list[tuple[int, list[object]]],
    mapping: TableMapping,
    file: str,
    comuna_code: str,
) -> pd.DataFrame:
    columns: dict[str, list[str | None]] = {}
    for name, spec in mapping.columns.items():
        if spec.sequence_within is not None or spec.sum_of is not None:
            continue
        if spec.value is not None:
            columns[name] = [spec.value] * len(data)
        elif spec.from_header is not None:
            position = _find_column(header, "", file, pattern=spec.from_header)
            found = label_regex(spec.from_header).search(fold(header[position]))
            assert found is not None
            text = found.group(1) if found.groups() else found.group(0)
            columns[name] = [normalise_value(text, spec)] * len(data)
        else:
            labels = spec.column if isinstance(spec.column, list) else [spec.column]
            positions = [
                _find_column(header, label or "", file, pattern=spec.column_pattern)
                for label in labels
            ]
            if len(positions) == 1:
                at = positions[0]
                cells = [c[at] if at < len(c) else None for _, c in data]
            else:
                cells = [_joined(c, positions) for _, c in data]
            columns[name] = _normalise_column(cells, spec)
    if "comuna_code" not in columns:
        columns["comuna_code"] = [comuna_code] * len(data)
    frame = pd.DataFrame(columns, dtype=object)
    for name, spec in mapping.columns.items():
        if spec.sequence_within is not None:
            sequence = frame.groupby(spec.sequence_within, sort=False, dropna=False).cumcount()
            frame[name] = (sequence + 1).astype(str)
    frame["_source_file"] = file
    frame["_source_row"] = [number for number, _ in data]
    return frame


def _joined(cells: list[object], positions: list[int]) -> str:
    """The cells at several positions joined with `;` (`22;1;1`)."""
    return ";".join(_text(cells[p]) if p < len(cells) else "" for p in positions)


def _normalise_column(cells: list[object], spec: ColumnSpec) -> list[str | None]:
    """Canonical text of a column's cells, parsing each distinct value once."""
    cache: dict[tuple[type, object], str | None] = {}
    values = []
    for value in cells:
        key = (type(value), value)  # True and 1 would be the same key otherwise
        if key not in cache:
            cache[key] = normalise_value(value, spec)
        values.append(cache[key])
    return values


def _drop_subtotals(
    tables: dict[str, pd.DataFrame], row_table: str, rule: SubtotalRule, records: SourceRecords
) -> list[ExcludedRow]:
    """Exclude rows whose code has other rows of the file under it (`22` above `22.04`)."""
    frame = tables[row_table].fillna("").astype(str)
    scopes = (
        zip(*(frame[c] for c in rule.within), strict=True) if rule.within else [()] * len(frame)
    )
    keys = list(zip(scopes, frame[rule.field], strict=True))
    parents = {
        (scope, ".".join(code.split(".")[:depth]))
        for scope, code in keys
        for depth in range(1, code.count(".") + 1)
    }
    numbers = tables[row_table]["_source_row"]
    rows = {n for n, key in zip(numbers, keys, strict=True) if key[1] and key in parents}
    for name, table in tables.items():
        tables[name] = table[~table["_source_row"].isin(rows)].reset_index(drop=True)
    cells = dict(records.records)
    return [
        ExcludedRow(n, rule.reason, rule.reason_es, rule.reason_en, _texts(cells[n]))
        for n in sorted(rows)
    ]


def _text(cell: object) -> str:
    return "" if cell is None else str(cell).strip()


def _texts(cells: list[object]) -> list[str]:
    return [_text(c) for c in cells]


def _sum_lines(frame: pd.DataFrame, mapping: TableMapping, lines: pd.DataFrame) -> None:
    """Fill `sum_of` fields: the product of the line fields, summed within the group key.

    Both frames hold one row per source record here (before grouping); a line with an
    empty or non-numeric factor leaves its group's total empty, for validation to report.
    """
    for name, spec in mapping.columns.items():
        if spec.sum_of is None:
            continue
        products = [
            _product(values) for values in zip(*(lines[f] for f in spec.sum_of), strict=True)
        ]
        totals: dict[object, Decimal | None] = {}
        for key, value in zip(frame[mapping.group_by], products, strict=True):
            before = totals.get(key, Decimal(0))
            totals[key] = None if before is None or value is None else before + value
        frame[name] = [
            None if totals[k] is None else format(totals[k].normalize(), "f")
            for k in frame[mapping.group_by]
        ]


def _product(values: tuple) -> Decimal | None:
    try:
        product = math.prod((Decimal(str(v)) for v in values), start=Decimal(1))
    except (InvalidOperation, TypeError):
        return None
    return product if product.is_finite() else None


def _group(frame: pd.DataFrame, key: str, file: str) -> pd.DataFrame:
    """Collapse repeated header-level rows (an order repeated on each line) to one row.

    Lines of one key that disagree on a header-level value are a source error: the
    order cannot be published as the export is ambiguous.
    """
    values = [c for c in frame.columns if c not in META_COLUMNS]
    conflicts = frame.fillna("").groupby(key, sort=False)[values].nunique()
    conflicting = conflicts[(conflicts > 1).any(axis=1)]
    if not conflicting.empty:
        first_key = conflicting.index[0]
        column = conflicting.columns[(conflicting.iloc[0] > 1).to_numpy()][0]
        lines = frame.loc[frame[key] == first_key].fillna("")
        differs = lines[column] != lines[column].iloc[0]
        row = int(lines.loc[differs, "_source_row"].iloc[0])
        raise SourceError(
            f"las líneas de {key}={first_key} no coinciden en «{column}»",
            f"the lines of {key}={first_key} disagree on '{column}'",
            file=file,
            row=row,
            column=column,
        )
    return frame.drop_duplicates(subset=[key], keep="first").reset_index(drop=True)
