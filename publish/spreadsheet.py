"""Spreadsheet-safe output: CSV formula-injection neutralisation and the Excel download.

A text cell that starts with `=`, `+`, `-`, `@`, tab, CR or LF (also after leading
spaces) is run as a formula by Excel, LibreOffice and Google Sheets when a CSV is
opened. Following OWASP's "CSV Injection" guidance such a value is written to the
CSV with a leading apostrophe (`'=1+1`), which spreadsheets show as text. Only text
fields are touched, never numbers (a negative amount stays `-1500`); the Parquet
and Excel files keep the exact value (Excel cells are typed as text, so nothing runs).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import xlsxwriter

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
EXCEL_MAX_ROWS = 1_048_576
FIXED_TIME = dt.datetime(2000, 1, 1)
NOTE = {
    "es": "En los CSV, un texto que empieza con =, +, -, @, tabulación o salto de línea "
    "(también tras espacios) lleva un apóstrofo inicial (') para que las planillas no lo "
    "ejecuten como fórmula (guía OWASP «CSV Injection»). Los números no se modifican; los "
    "archivos Parquet y Excel guardan el valor exacto.",
    "en": "In the CSV files, a text value starting with =, +, -, @, tab or a line break "
    "(also after spaces) gets a leading apostrophe (') so spreadsheets do not run it as a "
    "formula (OWASP 'CSV Injection' guidance). Numbers are never changed; the Parquet and "
    "Excel files keep the exact value.",
}


def neutralise_formula(text: str) -> str:
    """`text` as a spreadsheet shows it literally: prefixed with `'` when it could run."""
    return "'" + text if text.lstrip(" ").startswith(FORMULA_STARTS) else text


def fits_excel(rows: int) -> bool:
    """Whether a table of `rows` rows (plus its header) fits on one Excel sheet."""
    return rows + 1 <= EXCEL_MAX_ROWS


TOO_LONG = {
    "es": "Sin descarga Excel: la tabla tiene más filas ({rows:,}) de las que caben en una "
    "hoja de Excel (1.048.575); use el CSV o el Parquet.",
    "en": "No Excel download: the table has more rows ({rows:,}) than an Excel sheet holds "
    "(1,048,575); use the CSV or the Parquet file.",
}
BATCH_ROWS = 65_536
_ILLEGAL = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"  # control characters XML 1.0 does not allow


def write_xlsx(table: pa.Table, fields: list[dict], path: Path, *, sheet: str, title: dict) -> None:
    """The table on one sheet (text cells typed as text) and its columns explained on another.

    Written row by row with xlsxwriter's `constant_memory` mode (memory does not grow with
    the table); deterministic: fixed document dates, xlsxwriter's fixed zip entry times.
    """
    book = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    book.set_properties({"title": title["es"], "created": FIXED_TIME})
    data = book.add_worksheet(sheet[:31])
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    data.write_row(0, 0, [f["name"] for f in fields])
    row = 1
    for batch in table.select([f["name"] for f in fields]).to_batches(BATCH_ROWS):
        columns = [
            _cell_values(column, f.get("type", "string"))
            for column, f in zip(batch.columns, fields, strict=True)
        ]
        writers = [_writer(data, f.get("type", "string"), dates) for f in fields]
        for values in zip(*columns, strict=True):
            for col, (value, write) in enumerate(zip(values, writers, strict=True)):
                if value is not None:
                    write(row, col, value)
            row += 1
    notes = book.add_worksheet("columnas-columns")
    notes.write_row(
        0, 0, ["columna / column", "título", "title", "tipo / type", "descripción", "description"]
    )
    for i, field in enumerate(fields, 1):
        notes.write_row(
            i,
            0,
            [
                field["name"],
                field.get("title", ""),
                field.get("x-title-en", ""),
                field.get("type", "string"),
                field.get("description", ""),
                field.get("x-description-en", ""),
            ],
        )
    notes.write_row(len(fields) + 2, 0, [title["es"], title["en"]])
    book.close()


def _cell_values(column: pa.Array, kind: str) -> list:
    if kind == "string":
        column = pc.replace_substring_regex(column.cast(pa.string()), _ILLEGAL, "")
    return column.to_pylist()


def _writer(sheet, kind: str, dates):
    if kind == "string":
        return sheet.write_string
    if kind in ("integer", "number"):
        return sheet.write_number
    if kind == "boolean":
        return sheet.write_boolean
    if kind == "date":
        return lambda row, col, value: sheet.write_datetime(row, col, value, dates)
    return lambda row, col, value: sheet.write_string(row, col, str(value))
