"""Spreadsheets (.xlsx, legacy .xls) read with python-calamine, after safety checks.

An .xlsx file is a ZIP of XML parts: before calamine opens it, the ZIP must be
whole, hold `[Content_Types].xml`, stay under the uncompressed-size cap with a sane
compression ratio (zip bomb), and no XML part may declare a DTD or entities (XML
bomb; checked with defusedxml on each part's prolog). Formulas are read as their
cached values; merged ranges are reported so the header can be filled. Without a
declared sheet the one holding the mapped labels is read; Excel's `_x000D_` escapes
left in text are decoded.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import XMLParser
from python_calamine import CalamineWorkbook

from datasets.errors import SourceError, UnsafeFileError

MAX_UNCOMPRESSED_BYTES = 1024 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200
_PROLOG_BYTES = 64 * 1024
_XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CONTROL_ESCAPE = re.compile("_x(00[01][0-9A-Fa-f])_")


def read_sheet(
    path: Path, sheet: str | None, kind: str, score: Callable[[list], int] | None = None
) -> tuple[list, list, dict]:
    """Rows (1-based numbers, cells), merged ranges and details of the chosen sheet.

    Without a declared sheet, the non-empty sheet whose first rows `score` highest
    (the mapping's labels found there) is read, the first one on a tie: a report whose
    only sheet is named after its page (`Sheet 30`) needs no declaration.
    """
    with path.open("rb") as handle:
        head = handle.read(8)
    if kind == "xlsx":
        check_xlsx(path)
    elif head != _XLS_MAGIC:
        raise SourceError(
            "el archivo no es una planilla .xls (no tiene la firma OLE2)",
            "the file is not an .xls workbook (no OLE2 signature)",
            file=path.name,
        )
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        name = sheet or _best_sheet(workbook, score)
        if name not in workbook.sheet_names:
            raise SourceError(
                f"la hoja «{name}» no existe; hojas: {', '.join(workbook.sheet_names)}",
                f"sheet '{name}' does not exist; sheets: {', '.join(workbook.sheet_names)}",
                file=path.name,
            )
        data = workbook.get_sheet_by_name(name)
        grid = data.to_python(skip_empty_area=False)
        merged = list(data.merged_cell_ranges or [])
    except SourceError:
        raise
    except Exception as exc:  # calamine raises its own, unexported error classes
        raise SourceError(
            f"no se pudo leer la planilla: {exc}",
            f"could not read the spreadsheet: {exc}",
            file=path.name,
        ) from None
    rows = [(number, [_cell(c) for c in cells]) for number, cells in enumerate(grid, start=1)]
    return rows, merged, {"sheet": name}


def _best_sheet(workbook: CalamineWorkbook, score: Callable[[list], int] | None) -> str:
    """The first non-empty sheet, or the best scored one (calamine reports the used
    range without reading it)."""
    filled = [n for n in workbook.sheet_names if workbook.get_sheet_by_name(n).height > 0]
    if len(filled) <= 1 or score is None:
        return (filled or workbook.sheet_names)[0]

    def head(name: str) -> list:
        grid = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False, nrows=30)
        return [(n, [_cell(c) for c in cells]) for n, cells in enumerate(grid, start=1)]

    scores = {name: score(head(name)) for name in filled}
    return max(filled, key=lambda n: (scores[n], -filled.index(n)))


def _cell(value: object) -> object:
    """Empty strings become None; date-times at midnight stay dates; numbers stay numbers;
    text keeps no Excel escape of a control character (see `_text`)."""
    if value == "":
        return None
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date()
    return value


def _text(value: str) -> str:
    """Excel writes a carriage return in a cell as `_x000D_`; a tool that copied the text
    without decoding it leaves the escape in the cell (`_x005F_x000D_` in the file).
    Escapes of control characters are decoded and line breaks written `\\n`."""
    if "_x" in value:
        value = _CONTROL_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), value)
    return value.replace("\r\n", "\n").replace("\r", "\n") if "\r" in value else value


def check_xlsx(path: Path) -> None:
    """Refuse what is not a whole, reasonable, entity-free XLSX package."""
    if not zipfile.is_zipfile(path):
        looks = "texto/CSV" if _looks_like_text(path) else "otro formato"
        looks_en = "text/CSV" if looks == "texto/CSV" else "another format"
        raise SourceError(
            f"el archivo no es una planilla .xlsx (parece {looks})",
            f"the file is not an .xlsx workbook (it looks like {looks_en})",
            file=path.name,
        )
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if "[Content_Types].xml" not in archive.namelist():
                raise SourceError(
                    "el ZIP no es una planilla: le falta [Content_Types].xml",
                    "the ZIP is not a workbook: [Content_Types].xml is missing",
                    file=path.name,
                )
            total = sum(m.file_size for m in members)
            packed = sum(m.compress_size for m in members) or 1
            if total > MAX_UNCOMPRESSED_BYTES or total / packed > MAX_COMPRESSION_RATIO:
                raise UnsafeFileError(
                    f"la planilla se expande a {total} bytes (razón {total // packed}:1): "
                    "posible bomba ZIP",
                    f"the workbook expands to {total} bytes (ratio {total // packed}:1): "
                    "possible zip bomb",
                    file=path.name,
                )
            for member in members:
                if member.filename.endswith((".xml", ".rels")):
                    with archive.open(member) as handle:
                        _check_prolog(handle.read(_PROLOG_BYTES), member.filename, path.name)
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise SourceError(
            f"la planilla está truncada o dañada: {exc}",
            f"the workbook is truncated or damaged: {exc}",
            file=path.name,
        ) from None


def _check_prolog(head: bytes, part: str, file: str) -> None:
    parser = XMLParser(forbid_dtd=True, forbid_entities=True, forbid_external=True)
    try:
        parser.feed(head)
    except DefusedXmlException:
        raise UnsafeFileError(
            f"la parte {part} declara un DTD o entidades XML (posible bomba XML)",
            f"part {part} declares a DTD or XML entities (possible XML bomb)",
            file=file,
        ) from None
    except Exception:  # a prolog cut mid-token is fine: only DTDs and entities matter here
        return


def _looks_like_text(path: Path) -> bool:
    with path.open("rb") as handle:
        head = handle.read(4096)
    return b"\x00" not in head
