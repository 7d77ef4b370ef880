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
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xlsxwriter

from datasets.hashing import sha256_file

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
FORMULA_RE = r"^ *[=+\-@\t\r\n]"  # `neutralise_formula`'s test, for Arrow compute
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
    "es": "Sin descarga Excel: la tabla tiene más filas ({rows}) de las que caben en una "
    "hoja de Excel (1.048.575); use el CSV o el Parquet.",
    "en": "No Excel download: the table has more rows ({rows}) than an Excel sheet holds "
    "(1,048,575); use the CSV or the Parquet file.",
}
BATCH_ROWS = 65_536
SHEET = "xl/worksheets/sheet1.xml"
# zlib's fastest level: 3× faster than its default on sheet XML for a file 1.2× larger
COMPRESS_LEVEL = 1
ILLEGAL_XML = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"  # control characters XML 1.0 does not allow
EDGE_SPACE = r"^[\s\pZ\x{85}]|[\s\pZ\x{85}]$"  # a text whose white space needs `xml:space`
_MARCH_1900 = -25508  # 1900-03-01 in days since 1970: Excel counts a 29 Feb 1900 before it
_JANUARY_1900 = -25567  # 1900-01-01, Excel's day 1


def write_xlsx(
    table: pa.Table, fields: list[dict], path: Path, *, sheet: str, title: dict
) -> tuple[str, str]:
    """The table on one sheet (text cells typed as text) and its columns explained on another;
    return the file's sha256 and the workbook's XML but its data rows (`publish.copies`).

    xlsxwriter writes the workbook around the data (header, styles, the columns sheet,
    document properties); the data rows are rendered column by column in Arrow as the
    sheet's XML (inline strings, numbers, booleans, dates as serial numbers styled as
    dates) and streamed into the archive in batches, so time and memory stay those of a
    CSV write. Deterministic: fixed document dates and xlsxwriter's fixed entry times.
    """
    fields = _typed(fields)
    frame = io.BytesIO()
    book = xlsxwriter.Workbook(frame, {"in_memory": True})
    book.set_properties({"title": title["es"], "created": FIXED_TIME})
    data = book.add_worksheet(sheet[:31])
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    data.write_row(0, 0, [f["name"] for f in fields])
    for col, field in enumerate(fields):
        if field["type"] == "date":
            data.set_column(col, col, 11, dates)
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
                field["type"],
                field.get("description", ""),
                field.get("x-description-en", ""),
            ],
        )
    notes.write_row(len(fields) + 2, 0, [title["es"], title["en"]])
    book.close()
    markup = _fill_sheet(frame.getvalue(), table.select([f["name"] for f in fields]), fields, path)
    # zipfile rewrites each entry's header once its data is written, so the bytes are
    # hashed once complete (from the page cache), not as they are streamed
    return sha256_file(path), markup


def _fill_sheet(template: bytes, table: pa.Table, fields: list[dict], path: Path) -> str:
    """Copy the workbook `template`, with the table's rows added to its first sheet; return
    the workbook's XML but those rows."""
    last = f"{_letters(len(fields) - 1)}{table.num_rows + 1}"
    partial = path.with_name(f".{path.name}.partial")
    markup = []
    with (
        zipfile.ZipFile(io.BytesIO(template)) as source,
        zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            info._compresslevel = COMPRESS_LEVEL  # `compress_level` from Python 3.13
            if info.filename != SHEET:
                data = source.read(info.filename)
                markup.append(data.decode("utf-8", errors="replace"))
                target.writestr(info, data)
                continue
            xml = source.read(SHEET).decode("utf-8")
            head, tail = xml.split("</sheetData>")
            head = re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="A1:{last}"/>', head)
            markup += [head, "</sheetData>" + tail]
            with target.open(info, "w", force_zip64=True) as out:
                out.write(head.encode("utf-8"))
                rows = sheet_rows(table.to_batches(BATCH_ROWS), fields, _date_style(head))
                for block in ahead(rows):
                    out.write(block)
                out.write(("</sheetData>" + tail).encode("utf-8"))
    partial.replace(path)
    return "".join(markup)


T = TypeVar("T")


def ahead(items: Iterator[T]) -> Iterator[T]:
    """`items`, the next one made on a second thread while the caller uses this one: a
    writer renders a batch (Arrow compute) while the previous one is compressed or hashed
    and written (zlib and hashlib), all of which release the GIL."""
    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(next, items, None)
        while (item := pending.result()) is not None:
            pending = pool.submit(next, items, None)
            yield item


def sheet_rows(
    batches: Iterable[pa.RecordBatch], fields: list[dict], date_style: str | None
) -> Iterator[memoryview]:
    """The data sheet's `<row>` elements after the header, batch by batch."""
    row = 2
    for batch in batches:
        yield _rows_xml(batch, fields, row, date_style)
        row += batch.num_rows


def data_sheet_parts(
    path: Path, batches: Iterable[pa.RecordBatch], fields: list[dict]
) -> tuple[bytes, bytes] | None:
    """The data sheet's XML around its rows (head with the header row, tail), when its
    rows are exactly those `write_xlsx` renders from `batches`; None when they differ.

    The sheet is decompressed as a stream and compared with the rendering batch by
    batch, so a workbook of a million rows is checked in bounded memory."""
    fields = _typed(fields)
    with zipfile.ZipFile(path) as book, book.open(SHEET) as sheet:
        head = b""
        while (end := head.find(b"</row>")) < 0:
            chunk = sheet.read(1 << 16)
            if not chunk:
                return None
            head += chunk
        head, pending = head[: end + len(b"</row>")], head[end + len(b"</row>") :]
        style = _date_style(head.decode("utf-8", errors="replace"))
        for rows in sheet_rows(batches, fields, style):
            size = len(rows)
            if len(pending) >= size:
                found, pending = pending[:size], pending[size:]
            else:
                found, pending = pending + sheet.read(size - len(pending)), b""
            if found != rows.tobytes():  # bytes against bytes: memcmp, 3× a memoryview's
                return None
        tail = pending + sheet.read()
        if not tail.startswith(b"</sheetData>"):
            return None
        return head, tail


def _typed(fields: list[dict]) -> list[dict]:
    """The fields with their Table Schema type made explicit (`string` by default)."""
    return [f | {"type": f.get("type", "string")} for f in fields]


def _date_style(head: str) -> str | None:
    """The cell style xlsxwriter gave the date columns (from the sheet's `<col>`)."""
    style = re.search(r'<col [^>]*style="(\d+)"', head)
    return style.group(1) if style else None


def _rows_xml(batch: pa.RecordBatch, fields: list[dict], first: int, date_style) -> memoryview:
    """`<row>` elements of a batch, every cell rendered by Arrow compute, column by column,
    joined into the rows in one pass.

    A cell has no `r` reference: ECMA-376 makes it optional (Part 1, §18.3.1.4), a cell
    without one being the column after the previous cell of its row, so every cell is
    written, a missing value as an empty `<c/>` (the reference was a fifth of the XML)."""
    numbers = pc.cast(pa.array(range(first, first + batch.num_rows), pa.int64()), pa.string())
    parts: list[str | pa.Array] = ['<row r="', numbers, '">']
    for column, field in zip(batch.columns, fields, strict=True):
        kind = field["type"]
        if kind == "string":
            cell = per_distinct(column.cast(pa.string()), _inline_cell)
        elif kind == "boolean":
            cell = pc.if_else(column, '<c t="b"><v>1</v></c>', '<c t="b"><v>0</v></c>')
        elif kind == "date":
            days = pc.cast(column, pa.int32()).cast(pa.int64())
            serial = pc.add(days, pc.if_else(pc.less(days, _MARCH_1900), 25568, 25569))
            style = f' s="{date_style}"' if date_style else ""
            cell = pc.if_else(
                pc.less(days, _JANUARY_1900),  # before Excel's calendar: the date as text
                _joined('<c t="inlineStr"><is><t>', column.cast(pa.string()), "</t></is></c>"),
                _joined(f"<c{style}><v>", serial.cast(pa.string()), "</v></c>"),
            )
        else:
            text = _number_texts(column) if kind == "number" else column.cast(pa.string())
            cell = _joined("<c><v>", text, "</v></c>")
        parts.append(pc.fill_null(cell, "<c/>") if cell.null_count else cell)
    return string_bytes(_joined(*parts, "</row>"))


def _joined(*parts: str | pa.Array) -> pa.Array:
    """The parts concatenated row by row (null where any part is)."""
    return pc.binary_join_element_wise(*parts, "")


def _inline_cell(text: pa.Array) -> pa.Array:
    """Text as an inline string cell (`<c t="inlineStr"><is><t>…</t></is></c>`)."""
    return _joined('<c t="inlineStr"><is>', _inline_text(text), "</is></c>")


def _inline_text(text: pa.Array) -> pa.Array:
    """Text as an inline string's `<t>` element: characters XML 1.0 forbids dropped, `&<>`
    escaped, `xml:space="preserve"` only on a text that starts or ends with white space
    (as xlsxwriter writes it: elsewhere the attribute was a fifth of the sheet's bytes)."""
    text = pc.replace_substring_regex(text, ILLEGAL_XML, "")
    for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
        text = pc.replace_substring(text, char, entity)
    return pc.if_else(
        pc.match_substring_regex(text, EDGE_SPACE),
        _joined('<t xml:space="preserve">', text, "</t>"),
        _joined("<t>", text, "</t>"),
    )


def per_distinct(column: pa.Array, transform: Callable[[pa.Array], pa.Array]) -> pa.Array:
    """`transform` (Arrow compute, value by value) of a column, computed once per distinct
    value when values repeat (codes, names, statuses) and spread back over the rows."""
    encoded = pc.dictionary_encode(column)
    if 2 * len(encoded.dictionary) > len(column):
        return transform(column)
    return pc.take(transform(encoded.dictionary), encoded.indices)


def _number_texts(column: pa.Array) -> pa.Array:
    """Floats as Python's shortest `repr`, once per distinct value (Excel reads 1e-05)."""
    distinct = pc.unique(column)
    texts = pa.array(
        [None if v is None else repr(float(v)) for v in distinct.to_pylist()], pa.string()
    )
    return pc.take(texts, pc.index_in(column, distinct))


def _letters(col: int) -> str:
    """Excel's column name of a 0-based column index (0 → A, 26 → AA)."""
    name = ""
    col += 1
    while col:
        col, rest = divmod(col - 1, 26)
        name = chr(65 + rest) + name
    return name


def string_bytes(array: pa.Array) -> memoryview:
    """The concatenated UTF-8 bytes of a string array without nulls (no copy per value)."""
    if len(array) == 0:
        return memoryview(b"")
    array = array.cast(pa.large_string())
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int64)[
        array.offset : array.offset + len(array) + 1
    ]
    return memoryview(array.buffers()[2]).cast("B")[offsets[0] : offsets[-1]]
