"""Ingest: read a landed export and map it to our canonical tables, as text.

`read_source` returns a `RawSource`: one typed-as-text DataFrame per canonical table
(columns named as in the schema, plus `_source_file` — `<cut>/<file name>` — and
`_source_row`), the non-data rows excluded with their reason, and the file's
provenance.

The mapping is columnar: each source column is dictionary-encoded once (`Rows`; a
CSV's columns come encoded from its block reader, `readers.delimited`) and each
distinct value is normalised once and taken back to its rows, so a million order
lines cost their few thousand distinct values.
"""

from __future__ import annotations

import functools
import gc
import math
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from operator import itemgetter
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from datasets.descriptor import ColumnSpec, SourceFormat, SubtotalRule, TableMapping
from datasets.errors import AmbiguousNumberError, HeaderError, SourceError
from datasets.hashing import sha256_file
from datasets.memory import release_freed
from datasets.money import derive_amounts
from datasets.normalise import (
    Encoded,
    ambiguous_numbers,
    encode,
    fold,
    normalise_value,
    normalised_values,
)
from datasets.readers import SourceColumns, SourceRecords, read_table
from datasets.readers.headers import check_short_rows, label_regex
from quality.personal_data import scrub_text
from schemas import UnknownSchemaError
from schemas import load_descriptor as load_schema_descriptor

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
    #: What the source system adds to the schema's constraints of some fields, per
    #: table (`ColumnSpec.pattern`, `required`): `{field: {"pattern": …, "required":
    #: True}}`; validation quarantines the rows of this file that break them.
    checks: dict[str, dict[str, dict]] = field(default_factory=dict)

    @property
    def rows_read(self) -> int:
        return int(self.provenance["rows_read"])


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Reading a workbook or JSON allocates a list per record, and the mapping a text per
    distinct value (millions in a national export), and no cycles: Python's cyclic
    garbage collector would rescan them all at each of its full passes (a third of the
    reading time at 400,000 records), so it waits."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def read_source(
    path: Path,
    source: SourceFormat,
    *,
    comuna_code: str,
    siblings: Sequence[Path] = (),
    sha256: str | None = None,
) -> RawSource:
    """Read one landed file with its declared source format; `siblings` are the other
    landed files of the same source (OCDS processes across files, `read_records`).
    `sha256`: the file's digest when the caller has it (a file of a gigabyte is then
    not read once more to hash it)."""
    with _collector_paused():
        return _read_source(Path(path), source, comuna_code, siblings, sha256)


def _read_source(
    path: Path,
    source: SourceFormat,
    comuna_code: str,
    siblings: Sequence[Path] = (),
    sha256: str | None = None,
) -> RawSource:
    table = read_table(path, source, siblings)
    header, details, rows = table.header, table.details, Rows.of(table)
    rows_read = len(rows)
    del table
    release_freed()  # the reader's blocks, before the mapping's columns are made
    data, excluded, ruled = _split_non_data(header, rows, source)
    del rows  # from here the cells live in `data` only, while the mapping needs them
    file = f"{comuna_code}/{path.name}"
    early = {name for name, mapping in source.tables.items() if _groups_early(source, mapping)}
    tables = {}
    for name, mapping in source.tables.items():
        checked = _integer_fields(name)
        try:
            tables[name] = _map_table(
                header, data, mapping, file, comuna_code, checked=checked, group=name in early
            )
        except _LinesDisagree:  # mapped whole, for `_group` to name the key, row and column
            early.discard(name)
            tables[name] = _map_table(header, data, mapping, file, comuna_code, checked=checked)
    check_short_rows(len(header), zip(data.numbers, data.counts().tolist(), strict=True), path.name)
    if source.exclude_subtotals is not None:
        subtotals, subtotal_rows = _drop_subtotals(
            tables, source.row_table, source.exclude_subtotals, data
        )
        excluded += subtotals
        ruled = ruled.concat(subtotal_rows)
    del data
    for name, mapping in source.tables.items():
        late = mapping.group_by is not None and name not in early
        if late:
            _sum_lines(tables[name], mapping, tables[source.row_table])
        derive_amounts(name, tables[name])
        if late:
            tables[name] = _group(tables[name], mapping.group_by, path.name)
    reasons = Counter(e.reason for e in excluded)
    provenance = {
        "name": path.name,
        "sha256": sha256 or sha256_file(path),
        "bytes": path.stat().st_size,
        "source_format": source.name,
        "rows_read": rows_read,
        "rows_excluded_by_reason": dict(sorted(reasons.items())),
        **details,
    }
    excluded.sort(key=lambda e: e.source_row)
    reason = {e.source_row: e.reason for e in excluded}
    ruled = ruled.sorted()
    frame = _map_table(header, ruled, source.tables[source.row_table], file, comuna_code)
    frame["_reason"] = [reason[n] for n in ruled.numbers]
    excluded_tables = {source.row_table: frame}
    checks = {name: source_checks(mapping) for name, mapping in source.tables.items()}
    checks = {name: fields for name, fields in checks.items() if fields}
    return RawSource(provenance, source.row_table, tables, excluded, excluded_tables, checks)


def source_checks(mapping: TableMapping) -> dict[str, dict]:
    """The constraints a source adds to its fields (`pattern`, `required`)."""
    checks = {}
    for name, spec in mapping.columns.items():
        found = {"pattern": spec.pattern} if spec.pattern else {}
        found |= {"required": True} if spec.required else {}
        if found:
            checks[name] = found
    return checks


class Rows:
    """Records of a source as dictionary-encoded columns (`Encoded`). A CSV's come
    encoded from its reader (`SourceColumns`); other records (spreadsheet and JSON
    cells) are encoded position by position, when a mapping first asks for it. A short
    record reads None past its end."""

    def __init__(
        self,
        numbers: list[int],
        cells: list[list[object]] | None = None,
        columns: SourceColumns | None = None,
    ) -> None:
        self.numbers = numbers
        self.cells = cells
        self.columns = columns
        self._encoded: dict[int, Encoded] | None = None
        self._normalised: dict[tuple[int, str], np.ndarray] = {}

    @classmethod
    def of(cls, table: SourceRecords | SourceColumns) -> Rows:
        if isinstance(table, SourceColumns):
            return cls(table.numbers, columns=table)
        records = table.records
        return cls(list(map(itemgetter(0), records)), list(map(itemgetter(1), records)))

    def __len__(self) -> int:
        return len(self.numbers)

    def record(self, index: int) -> list[object]:
        """The cells of one record."""
        if self.columns is not None:
            return self.columns.record(index)
        assert self.cells is not None
        return self.cells[index]

    def counts(self) -> np.ndarray:
        """How many cells each record has."""
        if self.columns is not None:
            return self.columns.counts
        return np.fromiter(map(len, self.cells or []), dtype=np.int64, count=len(self))

    def encoded(self, at: int) -> Encoded:
        if self.columns is not None:
            if at < len(self.columns.columns):
                return self.columns.columns[at]
            return Encoded(np.full(len(self), -1, dtype=np.intp), [], is_text=True)
        assert self.cells is not None
        if self._encoded is None:
            self._encoded = _encode_text_records(self.cells) or {}
        if at not in self._encoded:
            self._encoded[at] = encode([c[at] if at < len(c) else None for c in self.cells])
        return self._encoded[at]

    def texts(self, at: int) -> np.ndarray:
        """The stripped text of each cell at a position ("" for none)."""
        column = self.encoded(at)
        if column.is_text:
            return column.taken([u.strip() for u in column.uniques], "")  # type: ignore[union-attr]
        return column.apply(_text)

    def normalised(self, at: int, spec: ColumnSpec) -> tuple[np.ndarray, np.ndarray]:
        """The canonical text of a position as its distinct values' results
        (`normalised_values`) and the column's codes into them: each distinct value is
        normalised once per position and spec (two tables often map one source column
        alike: the order code), and no column of every row is kept."""
        key = (at, spec.model_dump_json())
        column = self.encoded(at)
        if key not in self._normalised:
            self._normalised[key] = normalised_values(column, spec)
        return self._normalised[key], column.codes

    def take(self, positions: np.ndarray) -> Rows:
        """The rows at increasing `positions` (their encoded columns kept)."""
        if len(positions) == len(self):
            return self
        return self._select(positions)

    def _select(self, positions: np.ndarray) -> Rows:
        if self.columns is not None:
            return Rows.of(self.columns.take(positions))
        assert self.cells is not None
        taken = Rows([self.numbers[i] for i in positions], [self.cells[i] for i in positions])
        if self._encoded is not None:
            taken._encoded = {at: e.take(positions) for at, e in self._encoded.items()}
        return taken

    def concat(self, other: Rows) -> Rows:
        """These rows, then `other`'s (rows of the same source)."""
        if self.columns is not None and other.columns is not None:
            return Rows.of(self.columns.concat(other.columns))
        assert self.cells is not None and other.cells is not None
        return Rows(self.numbers + other.numbers, self.cells + other.cells)

    def sorted(self) -> Rows:
        """The rows in source order."""
        order = np.argsort(np.asarray(self.numbers, dtype=np.int64), kind="stable")
        if self.columns is not None:
            return self._select(order)
        assert self.cells is not None
        return Rows([self.numbers[i] for i in order], [self.cells[i] for i in order])


def _encode_text_records(cells: list[list[object]]) -> dict[int, Encoded] | None:
    """Every column of records that are all text and all of one width, encoded in one
    pass by Arrow; None for other records (spreadsheet or JSON values, ragged rows)."""
    if not cells:
        return None
    try:
        lists = pa.array(cells, type=pa.list_(pa.string()))
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeEncodeError):
        return None
    lengths = pc.min_max(pc.list_value_length(lists)).as_py()
    width = lengths["min"]
    if lists.null_count or width != lengths["max"] or not width:
        return None
    values = lists.flatten()
    encoded = {}
    for at in range(width):
        column = values.take(pa.array(np.arange(at, len(values), width))).dictionary_encode()
        codes = pc.fill_null(column.indices, -1).to_numpy().astype(np.intp)
        encoded[at] = Encoded(codes, column.dictionary.to_pylist(), is_text=True)
    return encoded


def _split_non_data(
    header: list[str], rows: Rows, source: SourceFormat
) -> tuple[Rows, list[ExcludedRow], Rows]:
    """Data rows; blank and rule-excluded rows with their reason; the rule-excluded ones."""
    first = rows.texts(0).copy() if len(rows) else np.empty(0, dtype=object)
    blank = np.zeros(len(rows), dtype=bool)
    for index in np.flatnonzero(first == ""):  # the first non-empty cell is further on
        first[index] = next((t for t in map(_text, rows.record(index)) if t), None)
        blank[index] = first[index] is None
    hit = np.full(len(rows), -1)
    for number, rule in enumerate(source.exclude_rows):
        if rule.column is None:
            tested = np.where(blank, "", first)
        else:
            tested = rows.texts(_find_column(header, rule.column, None))
        regex = re.compile(rule.pattern, re.IGNORECASE)
        matches = encode(tested).apply(lambda text, rx=regex: bool(rx.search(text or "")))
        hit[(hit == -1) & ~blank & matches.astype(bool)] = number
    excluded = []
    for index in np.flatnonzero(blank | (hit >= 0)):
        texts = _texts(rows.record(index))
        if blank[index]:
            excluded.append(
                ExcludedRow(rows.numbers[index], "blank-row", "fila en blanco", "blank row", texts)
            )
        else:
            rule = source.exclude_rows[hit[index]]
            excluded.append(
                ExcludedRow(rows.numbers[index], rule.reason, rule.reason_es, rule.reason_en, texts)
            )
    return (
        rows.take(np.flatnonzero(~blank & (hit == -1))),
        excluded,
        rows.take(np.flatnonzero(hit >= 0)),
    )


def _find_column(
    header: list[str], label: str, file: str | None, *, pattern: str | None = None
) -> int:
    folded = _folded(tuple(header))
    if pattern is not None:
        regex = label_regex(pattern)
        matches = [i for i, h in enumerate(folded) if regex.search(h)]
        label = pattern
    else:
        wanted = fold(label)
        matches = [i for i, h in enumerate(folded) if h == wanted]
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


@functools.lru_cache(maxsize=64)
def _folded(header: tuple[str, ...]) -> tuple[str, ...]:
    """The header's labels folded, once per header (a table's every column is looked
    up in it, and the files of a source share their header)."""
    return tuple(fold(h) for h in header)


def _shown(header: list[str]) -> str:
    """Headers for an error message, scrubbed: a file without a header row has a data
    row there, and messages reach logs and Dagster metadata."""
    return ", ".join(scrub_text(str(h)).text for h in header)


def _map_table(
    header: list[str],
    data: Rows,
    mapping: TableMapping,
    file: str,
    comuna_code: str,
    *,
    checked: set[str] | None = None,
    group: bool = False,
) -> pd.DataFrame:
    """The canonical table of the rows. With `checked` (the integer fields of the
    table), number columns are checked for ambiguous marks (`ambiguous_numbers`).

    With `group` (`_groups_early`), the lines of a key are collapsed to its first as
    each column is mapped (`_Grouping`): a column is held for every line only while
    its lines are compared. Lines that disagree raise `_LinesDisagree`."""
    mapped = [
        (name, spec)
        for name, spec in mapping.columns.items()
        if spec.sequence_within is None and spec.sum_of is None
    ]
    grouping = None
    if group:
        assert mapping.group_by is not None
        key = _mapped_column(header, data, mapping.group_by, mapping.columns[mapping.group_by])
        results, codes = key(file, checked)  # type: ignore[misc]
        grouping = _Grouping.of(_value_codes(results)[codes])
    rows = len(data) if grouping is None else len(grouping.keep)
    columns: dict[str, object] = {}
    for name, spec in mapped:
        values = _mapped_column(header, data, name, spec)(file, checked)
        if isinstance(values, str | None):
            columns[name] = [values] * rows
            continue
        results, codes = values
        if grouping is None:
            columns[name] = results[codes]
        elif grouping.disagree(_value_codes(results)[codes]):
            raise _LinesDisagree
        else:
            columns[name] = results[codes[grouping.keep]]
    if "comuna_code" not in columns:
        columns["comuna_code"] = [comuna_code] * rows
    # the columns are the frame's own (`Rows.normalised`): not copied a second time
    frame = pd.DataFrame(columns, dtype=object, copy=False)
    for name, spec in mapping.columns.items():
        if spec.sequence_within is not None:
            sequence = frame.groupby(spec.sequence_within, sort=False, dropna=False).cumcount()
            frame[name] = (sequence + 1).astype(str)
    # one text object for every row, 8 bytes a row (pandas would make a scalar Arrow
    # text, and `np.full` a text object per row)
    files = np.empty(rows, dtype=object)
    files[:] = file
    frame["_source_file"] = pd.Series(files, dtype=object, copy=False)
    numbers = data.numbers if grouping is None else np.asarray(data.numbers)[grouping.keep]
    frame["_source_row"] = numbers
    return frame


def _mapped_column(header: list[str], data: Rows, name: str, spec: ColumnSpec):
    """A function of (file, integer fields) giving a field's values: the canonical text
    of each distinct source value and each row's code into them (`Rows.normalised`), or
    the one value of every row (a constant)."""

    def values(file: str, checked: set[str] | None) -> tuple[np.ndarray, np.ndarray] | str | None:
        if spec.value is not None:
            return spec.value
        if spec.from_header is not None:
            position = _find_column(header, "", file, pattern=spec.from_header)
            found = label_regex(spec.from_header).search(fold(header[position]))
            assert found is not None
            text = found.group(1) if found.groups() else found.group(0)
            return normalise_value(text, spec)
        labels = spec.column if isinstance(spec.column, list) else [spec.column]
        positions = [
            _find_column(header, label or "", file, pattern=spec.column_pattern) for label in labels
        ]
        if len(positions) == 1:
            column = data.encoded(positions[0])
            result = data.normalised(positions[0], spec)
        else:  # joined: `22;1;1`
            texts = [data.texts(p) for p in positions]
            column = encode([spec.join.join(t) for t in zip(*texts, strict=True)])
            result = normalised_values(column, spec), column.codes
        if spec.parse == "number" and checked is not None:
            ambiguous = ambiguous_numbers(column, spec, integer=name in checked)
            if len(ambiguous):
                label = header[positions[0]] if len(positions) == 1 else name
                raise _ambiguous(spec, len(ambiguous), file, data.numbers[ambiguous[0]], label)
        return result

    return values


def _key_parts(table: str) -> list[str]:
    """The table schema's primary-key fields (none for a table without a schema)."""
    try:
        key = load_schema_descriptor(table).get("primaryKey", [])
    except UnknownSchemaError:
        return []
    return [key] if isinstance(key, str) else list(key)


def _integer_fields(table: str) -> set[str]:
    """The table schema's integer fields (none for a table without a schema)."""
    try:
        fields = load_schema_descriptor(table)["fields"]
    except UnknownSchemaError:
        return set()
    return {f["name"] for f in fields if f.get("type") == "integer"}


def _ambiguous(spec: ColumnSpec, count: int, file: str, row: int, column: str) -> SourceError:
    grouped = "1.234.567" if spec.decimal == "." else "1,234,567"
    return AmbiguousNumberError(
        f"{count} valor(es) como «{grouped[:5]}» o «{grouped}» no se pueden leer sin "
        f"adivinar: la fuente declara «{spec.decimal}» como separador decimal, pero parecen "
        "miles; corrija `decimal`/`thousands` en el descriptor o el archivo",
        f"{count} value(s) shaped like '{grouped[:5]}' or '{grouped}' cannot be read without "
        f"guessing: the source declares '{spec.decimal}' as the decimal mark, but they look "
        "like thousands; fix `decimal`/`thousands` in the descriptor or the file",
        file=file,
        row=row,
        column=column,
    )


def _drop_subtotals(
    tables: dict[str, pd.DataFrame], row_table: str, rule: SubtotalRule, data: Rows
) -> tuple[list[ExcludedRow], Rows]:
    """Exclude rows whose code has other rows of the file under it (`22` above `22.04`)
    in the same scope: the rule's `within` fields and the other parts of the table's
    primary key the source maps (month, area, programme, fund, department…). Each
    programme of a budget has its own tree: `22` of one programme is not the parent
    of `22.04` of another."""
    frame = tables[row_table].fillna("").astype(str)
    within = [*rule.within, *(k for k in _key_parts(row_table) if k != rule.field)]
    within = [c for c in dict.fromkeys(within) if c in frame]
    scopes = zip(*(frame[c] for c in within), strict=True) if within else [()] * len(frame)
    keys = list(zip(scopes, frame[rule.field], strict=True))
    parents = {
        (scope, ".".join(code.split(".")[:depth]))
        for scope, code in keys
        for depth in range(1, code.count(".") + 1)
    }
    subtotal = np.array([bool(key[1]) and key in parents for key in keys], dtype=bool)
    for name, table in tables.items():
        tables[name] = table[~subtotal].reset_index(drop=True)
    rows = data.take(np.flatnonzero(subtotal))
    excluded = [
        ExcludedRow(number, rule.reason, rule.reason_es, rule.reason_en, _texts(rows.record(i)))
        for i, number in enumerate(rows.numbers)
    ]
    return excluded, rows


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


def _groups_early(source: SourceFormat, mapping: TableMapping) -> bool:
    """Whether a table's lines can be collapsed as it is mapped (`_map_table`): a
    `group_by` table without `sum_of` or `sequence_within` fields (they need every
    line), in a source without subtotals (dropped from every table, line by line)."""
    return (
        mapping.group_by is not None
        and source.exclude_subtotals is None
        and all(s.sum_of is None and s.sequence_within is None for s in mapping.columns.values())
    )


class _LinesDisagree(Exception):
    """Lines of one key disagree on a value (`_group` then says which)."""


@dataclass
class _Grouping:
    """The lines of a table that repeat a key: which rows are kept (each key's first
    line, and every row without a key) and, for each keyed row, its key's first line."""

    keyed: np.ndarray
    first_line: np.ndarray
    keep: np.ndarray

    @classmethod
    def of(cls, key: np.ndarray) -> _Grouping:
        """The grouping of the key's `_value_codes`."""
        keyed = key >= 0
        codes = pd.factorize(key[keyed])[0]
        # Codes number keys in order of first appearance: a row is its key's first line
        # when its code is above every code before it.
        first = codes > np.maximum.accumulate(np.concatenate([[-1], codes[:-1]]))
        keep = ~keyed
        keep[np.flatnonzero(keyed)[first]] = True
        return cls(keyed, np.flatnonzero(first)[codes], np.flatnonzero(keep))

    def disagree(self, values: np.ndarray) -> bool:
        """Whether a keyed row's value (`_value_codes`) differs from its key's first line's."""
        cells = values[self.keyed]
        return bool((cells != cells[self.first_line]).any())


def _value_codes(cells: np.ndarray) -> np.ndarray:
    """One code per value of object cells (equal values, equal codes), -1 for a missing
    or empty one: lines are compared by these (a missing cell equals an empty one)."""
    blank = pd.isna(cells) | (cells == "")
    return pd.factorize(np.where(blank, None, cells))[0]


def _group(frame: pd.DataFrame, key: str, file: str) -> pd.DataFrame:
    """Collapse repeated header-level rows (an order repeated on each line) to one row.

    Lines of one key that disagree on a header-level value are a source error: the
    order cannot be published as the export is ambiguous. Rows without a key are not
    grouped: each stays, for validation to quarantine with its own row number.
    """
    values = [c for c in frame.columns if c not in META_COLUMNS]
    grouping = _Grouping.of(_value_codes(_cells(frame[key])))
    for column in values:
        if grouping.disagree(_value_codes(_cells(frame[column]))):
            _raise_conflict(frame[grouping.keyed].fillna(""), key, values, file)
    return frame.iloc[grouping.keep].reset_index(drop=True)


def _cells(series: pd.Series) -> np.ndarray:
    """A column's cells as Python objects (never pd.NA)."""
    missing = {} if series.dtype == object else {"na_value": None}
    return series.to_numpy(dtype=object, **missing)


def _raise_conflict(lines: pd.DataFrame, key: str, values: list[str], file: str) -> None:
    """The source error naming the first key whose lines disagree, the column and row."""
    conflicts = lines.groupby(key, sort=False)[values].nunique()
    conflicting = conflicts[(conflicts > 1).any(axis=1)]
    first_key = conflicting.index[0]
    column = conflicting.columns[(conflicting.iloc[0] > 1).to_numpy()][0]
    lines = lines.loc[lines[key] == first_key]
    differs = lines[column] != lines[column].iloc[0]
    row = int(lines.loc[differs, "_source_row"].iloc[0])
    raise SourceError(
        f"las líneas de {key}={first_key} no coinciden en «{column}»",
        f"the lines of {key}={first_key} disagree on '{column}'",
        file=file,
        row=row,
        column=column,
    )
