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
import io
import zipfile
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.writer.excel import ExcelWriter

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


def fits_excel(frame: pd.DataFrame) -> bool:
    return len(frame) + 1 <= EXCEL_MAX_ROWS


def write_xlsx(
    frame: pd.DataFrame, fields: list[dict], path: Path, *, sheet: str, title: dict
) -> None:
    """The table on one sheet (text cells typed as text) and its columns explained on another.

    The file is deterministic: fixed document dates and zip entry times.
    """
    book = Workbook(write_only=True)
    book.properties.created = book.properties.modified = FIXED_TIME
    book.properties.title = title["es"]
    data = book.create_sheet(sheet[:31])
    data.append([f["name"] for f in fields])
    kinds = [f.get("type", "string") for f in fields]
    columns = [frame[f["name"]].tolist() for f in fields]
    for row in zip(*columns, strict=True):
        data.append([_cell(data, v, k) for v, k in zip(row, kinds, strict=True)])
    notes = book.create_sheet("columnas-columns")
    notes.append(
        ["columna / column", "título", "title", "tipo / type", "descripción", "description"]
    )
    for field in fields:
        notes.append(
            [
                field["name"],
                field.get("title", ""),
                field.get("x-title-en", ""),
                field.get("type", "string"),
                field.get("description", ""),
                field.get("x-description-en", ""),
            ]
        )
    notes.append([])
    notes.append([title["es"], title["en"]])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        book.properties.modified = FIXED_TIME
        writer = ExcelWriter(book, archive)
        writer.write_data()
    path.write_bytes(_fixed_zip(buffer.getvalue()))


def _cell(sheet, value: object, kind: str):
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return None
    if kind == "integer":
        return int(value)
    if kind != "string":
        return value
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", str(value)))
    cell.data_type = "s"
    return cell


def _fixed_zip(data: bytes) -> bytes:
    """The same archive with every entry dated `FIXED_TIME`."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, source.read(name))
    return out.getvalue()
