"""Public entry points: validate a CSV file or an in-memory table, or cast it to typed rows."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from .foreign import ForeignTables, TableLike
from .report import ValidationReport
from .runner import run_file, run_table
from .schema import SchemaLike


@dataclass
class CastResult:
    """Valid rows typed, their source row numbers, and the rows to quarantine."""

    table: pa.Table
    row_numbers: np.ndarray
    invalid_row_numbers: list[int]
    report: ValidationReport


def validate_file(
    path: str | os.PathLike[str],
    schema: SchemaLike,
    *,
    encoding: str = "utf-8",
    delimiter: str = ",",
    header: bool = True,
    foreign_tables: ForeignTables | None = None,
    limit_errors: int | None = None,
) -> ValidationReport:
    """Validate a CSV file against a Table Schema as ``frictionless.validate`` does, streaming.

    ``schema`` is a descriptor, a ``frictionless.Schema`` or a path to one;
    ``foreign_tables`` maps the resource names of foreign keys to a
    ``ReferenceTable`` (or a ``(source, schema)`` pair); ``limit_errors`` keeps
    the first errors only, like frictionless-py's option of the same name.
    """
    options = {"encoding": encoding, "delimiter": delimiter, "header": header}
    report, _ = run_file(
        path, schema, foreign_tables=foreign_tables, limit_errors=limit_errors, **options
    )
    return report


def validate_table(
    table: TableLike,
    schema: SchemaLike,
    *,
    row_numbers: Sequence[int] | None = None,
    foreign_tables: ForeignTables | None = None,
) -> ValidationReport:
    """Validate rows already read as text (None = empty cell); column names are the header.

    ``row_numbers`` are the rows' numbers in their source (default: 2, 3, …
    as if the header were row 1).
    """
    report, _ = run_table(table, schema, row_numbers=row_numbers, foreign_tables=foreign_tables)
    return report


def cast_table(
    source: str | os.PathLike[str] | TableLike,
    schema: SchemaLike,
    *,
    row_numbers: Sequence[int] | None = None,
    encoding: str = "utf-8",
    delimiter: str = ",",
    header: bool = True,
    foreign_tables: ForeignTables | None = None,
) -> CastResult:
    """Validate a CSV file or a table, then type its valid rows (a row with any error is left out).

    Types: integer → int64 (decimal128 beyond int64), number → float64,
    boolean → bool, date → date32, datetime → timestamp[us] (UTC when offsets
    are given), time → time64[us], year → int64, others → the cell's text.
    """
    if isinstance(source, str | os.PathLike):
        options = {"encoding": encoding, "delimiter": delimiter, "header": header}
        report, validator = run_file(
            source, schema, foreign_tables=foreign_tables, keep_values=True, **options
        )
    else:
        report, validator = run_table(
            source, schema, row_numbers=row_numbers, foreign_tables=foreign_tables, keep_values=True
        )
    table, numbers = validator.typed_table(report.invalid_row_numbers)
    return CastResult(table, numbers, sorted(report.invalid_row_numbers), report)
