"""Ingest: read a landed export and map it to our canonical tables, as text.

`read_source` returns a `RawSource`: one typed-as-text DataFrame per canonical table
(columns named as in the schema, plus `_source_file` — `<cut>/<file name>` — and
`_source_row`), the non-data
rows excluded with their reason, and the file's provenance.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from datasets.descriptor import ColumnSpec, SourceFormat, TableMapping
from datasets.errors import HeaderError, SourceError
from datasets.normalise import fold, normalise_value
from datasets.readers import SourceRecords, read_records

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
    #: Rows excluded by a descriptor rule (totals), mapped like data rows: quality
    #: checks compare the source's own totals with its detail rows.
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
    tables = {
        name: _map_table(records.header, data, mapping, f"{comuna_code}/{path.name}", comuna_code)
        for name, mapping in source.tables.items()
    }
    for name, mapping in source.tables.items():
        if mapping.group_by:
            tables[name] = _group(tables[name], mapping.group_by, path.name)
    ruled = [(e.source_row, e.values) for e in excluded if e.reason != "blank-row"]
    excluded_tables = {
        source.row_table: _map_table(
            records.header,
            ruled,
            source.tables[source.row_table],
            f"{comuna_code}/{path.name}",
            comuna_code,
        )
    }
    provenance = {
        "name": path.name,
        "sha256": sha256_file(path),
        "bytes": path.stat().st_size,
        "source_format": source.name,
        "rows_read": len(records.records),
        **records.details,
    }
    return RawSource(provenance, source.row_table, tables, excluded, excluded_tables)


def _split_non_data(
    records: SourceRecords, source: SourceFormat
) -> tuple[list[tuple[int, list[object]]], list[ExcludedRow]]:
    rules = []
    for rule in source.exclude_rows:
        position = _find_column(records.header, rule.column, None)
        rules.append((position, re.compile(rule.pattern, re.IGNORECASE), rule))
    data, excluded = [], []
    for number, cells in records.records:
        texts = ["" if c is None else str(c).strip() for c in cells]
        if not any(texts):
            excluded.append(ExcludedRow(number, "blank-row", "fila en blanco", "blank row", texts))
            continue
        hit = next((r for pos, rx, r in rules if pos < len(texts) and rx.search(texts[pos])), None)
        if hit:
            excluded.append(ExcludedRow(number, hit.reason, hit.reason_es, hit.reason_en, texts))
        else:
            data.append((number, cells))
    return data, excluded


def _find_column(header: list[str], label: str, file: str | None) -> int:
    folded = [fold(h) for h in header]
    matches = [i for i, h in enumerate(folded) if h == fold(label)]
    if len(matches) != 1:
        problem_es = "no existe" if not matches else "aparece más de una vez"
        problem_en = "is missing" if not matches else "appears more than once"
        raise HeaderError(
            f"la columna esperada «{label}» {problem_es}; encabezados: {', '.join(header)}",
            f"expected column '{label}' {problem_en}; headers: {', '.join(header)}",
            file=file,
            row=1,
            column=label,
        )
    return matches[0]


def _map_table(
    header: list[str],
    data: list[tuple[int, list[object]]],
    mapping: TableMapping,
    file: str,
    comuna_code: str,
) -> pd.DataFrame:
    columns: dict[str, list[str | None]] = {}
    for name, spec in mapping.columns.items():
        assert isinstance(spec, ColumnSpec)
        if spec.sequence_within is not None:
            continue
        if spec.column is None:
            columns[name] = [spec.value] * len(data)
            continue
        position = _find_column(header, spec.column, file)
        columns[name] = [
            normalise_value(cells[position] if position < len(cells) else None, spec)
            for _, cells in data
        ]
    if "comuna_code" not in columns:
        columns["comuna_code"] = [comuna_code] * len(data)
    frame = pd.DataFrame(columns, dtype=object)
    for name, spec in mapping.columns.items():
        if isinstance(spec, ColumnSpec) and spec.sequence_within is not None:
            sequence = frame.groupby(spec.sequence_within, sort=False, dropna=False).cumcount()
            frame[name] = (sequence + 1).astype(str)
    frame["_source_file"] = file
    frame["_source_row"] = [number for number, _ in data]
    return frame


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
