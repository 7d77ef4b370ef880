"""Readers: turn a landed file into a header and records, whatever its container.

`read_records` checks the file before parsing (a regular file with a UTF-8 name,
never a link, FIFO or device; the size cap of a workbook, empty, declared format
against its signature), decodes text with a detected encoding, sniffs the CSV dialect,
finds the header and returns a `SourceRecords`: the header labels and the data records,
each with its 1-based record number in the source (for tables the physical record,
the header of a simple CSV being record 1; for JSON, records are numbered from 1),
plus the details that go to the file's provenance. A file cut short is refused
(`truncation`). Anything the parsers raise becomes a typed `SourceError` naming the
file: no partial output.

`read_table` is what ingest calls: the same, except that a CSV or TSV is read in
Arrow blocks, in bounded memory, into dictionary-encoded columns (`delimited`).
Workbooks and JSON are parsed whole (a workbook is capped in size; JSON and OCDS
documents are nested, so a record is only known once its document is parsed).
"""

from __future__ import annotations

import csv
import os
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TypeVar

from datasets.descriptor import SourceFormat
from datasets.errors import AbiertoError, SourceError, UnsafeFileError
from datasets.readers import headers, jsondoc, ocds, ocds_landing, spreadsheet, truncation
from datasets.readers.delimited import SourceColumns, read_delimited
from datasets.readers.encoding import decode, detect, file_blocks

#: The default size cap of a workbook (XLSX, a ZIP container; XLS): these are parsed
#: whole in memory, and their parts are also checked for expansion ratio (zip bombs).
#: Plain text (CSV, JSON, OCDS) has no default cap: national monthly exports are 1–2 GB.
#: A source's `max_bytes` caps any format.
MAX_SOURCE_BYTES = 512 * 1024 * 1024
CAPPED_FORMATS = ("xlsx", "xls")
csv.field_size_limit(MAX_SOURCE_BYTES)
T = TypeVar("T")


@dataclass
class SourceRecords:
    header: list[str]
    records: list[tuple[int, list[object]]]
    details: dict[str, object] = field(default_factory=dict)


def landed_entries(folder: Path) -> list[tuple[Path, bool]]:
    """The entries of a landing folder, each with whether it is a regular file (never
    through a symbolic link, the folder itself included). Hidden files and the lock
    files Excel (`~$x.xlsx`) and LibreOffice (`.~lock.x#`) leave beside an open
    workbook are not exports and are left out."""
    if not folder.is_dir() or folder.is_symlink():
        return []
    with os.scandir(folder) as entries:
        found = [
            (Path(e.path), e.is_file(follow_symlinks=False))
            for e in entries
            if not e.name.startswith((".", "~$"))
        ]
    return sorted(found)


def not_a_regular_file(path: Path) -> UnsafeFileError:
    """The typed refusal of a landed entry that is not a regular file (never opened)."""
    kind_es, kind_en = (
        ("un enlace simbólico", "a symbolic link")
        if path.is_symlink()
        else ("una carpeta", "a folder")
        if path.is_dir()
        else ("un archivo especial (FIFO o dispositivo)", "a special file (FIFO or device)")
    )
    return UnsafeFileError(
        f"no es un archivo regular sino {kind_es}: no se lee",
        f"not a regular file but {kind_en}: it is not read",
        file=path.name,
    )


def read_records(path: Path, source: SourceFormat, siblings: Sequence[Path] = ()) -> SourceRecords:
    """Read one file with its declared source format (see the module docstring).
    `siblings` are the other landed files of the same source: OCDS processes they share
    with this file are merged across files (`ocds_landing`)."""
    table = read_table(path, source, siblings)
    if isinstance(table, SourceColumns):
        return SourceRecords(table.header, table.records(), table.details)
    return table


def read_table(
    path: Path, source: SourceFormat, siblings: Sequence[Path] = ()
) -> SourceRecords | SourceColumns:
    """`read_records`, but a CSV or TSV comes as `SourceColumns` (read in blocks)."""
    try:
        path.name.encode("utf-8")
    except UnicodeEncodeError:
        raise SourceError(
            "el nombre del archivo no es texto UTF-8 válido; cámbielo",
            "the file name is not valid UTF-8 text; rename the file",
            file=path.name,
        ) from None
    if path.is_symlink() or not stat.S_ISREG(path.stat().st_mode):
        raise not_a_regular_file(path)
    size = path.stat().st_size
    limit = source.max_bytes or (MAX_SOURCE_BYTES if source.format in CAPPED_FORMATS else None)
    if size == 0:
        raise SourceError("el archivo está vacío", "the file is empty", file=path.name)
    if limit is not None and size > limit:
        raise UnsafeFileError(
            f"el archivo pesa {size} bytes, más que el máximo de {limit}",
            f"the file is {size} bytes, over the {limit}-byte limit",
            file=path.name,
        )
    if source.format == "csv":
        return _parsed(lambda: _read_csv(path, source), path)
    reader = {
        "xlsx": _read_spreadsheet,
        "xls": _read_spreadsheet,
        "ocds": partial(_read_ocds, siblings=siblings),
        "json": _read_json,
    }[source.format]

    def read() -> SourceRecords:
        records = reader(path, source)
        last = truncation.last_filled(records.records)
        truncation.check_footer(records.header, last, source, path.name)
        return records

    return _parsed(read, path)


def _parsed(read: Callable[[], T], path: Path) -> T:
    """What `read` returns; what the parsers raise becomes a typed `SourceError`."""
    try:
        return read()
    except AbiertoError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, OSError, RecursionError, csv.Error) as exc:
        raise SourceError(
            f"no se pudo leer el archivo ({type(exc).__name__}: {exc})",
            f"could not read the file ({type(exc).__name__}: {exc})",
            file=path.name,
        ) from None


def _not_a_container(path: Path, source: SourceFormat, head: bytes) -> None:
    if head[:4] == b"PK\x03\x04" or head[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise SourceError(
            f"el archivo es una planilla o un ZIP, no {source.format.upper()}",
            f"the file is a spreadsheet or ZIP, not {source.format.upper()}",
            file=path.name,
        )


def _text(path: Path, source: SourceFormat) -> tuple[str, str]:
    data = path.read_bytes()
    _not_a_container(path, source, data)
    return decode(data, source.encoding, source.encodings, path.name)


def _read_csv(path: Path, source: SourceFormat) -> SourceColumns:
    with path.open("rb") as handle:
        _not_a_container(path, source, handle.read(8))
    blocks = file_blocks(path)  # decoded strictly by `read_delimited`
    encoding = detect(blocks, source.encoding, source.encodings, path.name, verify=False)
    return read_delimited(path, source, encoding)


def _read_spreadsheet(path: Path, source: SourceFormat) -> SourceRecords:
    rows, merged, details = spreadsheet.read_sheet(
        path, source.sheet, source.format, lambda head: headers.label_hits(head, source)
    )
    table = headers.locate(rows, source, path.name, merged)
    header = [" ".join(str(h).split()) for h in table.header]
    return SourceRecords(header, table.records, details | table.details)


def _read_ocds(path: Path, source: SourceFormat, siblings: Sequence[Path]) -> SourceRecords:
    """Flatten OCDS releases and records into one record per contract item."""
    text, encoding = _text(path, source)
    releases, counts = ocds.releases_in(jsondoc.load_documents(text, path.name), path.name)
    if not releases and not counts["linked_releases"]:
        raise SourceError(
            "el documento OCDS no tiene entregas",
            "the OCDS document has no releases",
            file=path.name,
        )
    encodings = [source.encoding] if source.encoding else source.encodings
    releases, handed = ocds_landing.merge_across_files(path, releases, siblings, encodings)
    merged: list[dict] = []
    processes = ocds.compile_processes(releases, path.name, merged)
    rows = [row for process in processes for row in ocds.item_rows(process)]
    records = [(n, [row.get(k) for k in ocds.COLUMNS]) for n, row in enumerate(rows, start=1)]
    details = {"encoding": encoding, **counts, "processes": len(processes)}
    if merged:
        details["merged_duplicate_ids"] = merged
    if handed:
        details["processes_merged_elsewhere"] = handed
    return SourceRecords(list(ocds.COLUMNS), records, details)


def _read_json(path: Path, source: SourceFormat) -> SourceRecords:
    text, encoding = _text(path, source)
    assert source.records is not None
    rows = [
        row
        for document in jsondoc.load_documents(text, path.name)
        for row in jsondoc.flatten_records(document, source.records)
    ]
    return _from_dicts(rows, {"encoding": encoding, "records_path": source.records}, path.name)


def _from_dicts(rows: list[dict], details: dict, file: str) -> SourceRecords:
    if not rows:
        raise SourceError(
            "el documento no tiene registros que leer",
            "the document has no records to read",
            file=file,
        )
    header = sorted({key for row in rows for key in row})
    records = [(n, [row.get(k) for k in header]) for n, row in enumerate(rows, start=1)]
    return SourceRecords(header, records, details)
