"""Records of the copies a package writer renders: a table's CSV and Excel files are
renderings of the table its Parquet file holds.

`publish.package.table_resource` writes a table's CSV, Parquet and Excel files from one
Arrow table and records, for each CSV or Excel copy, the sha256 of its bytes (taken as
they were written) and the sha256 of the Parquet file written from the same table, plus
(Excel) the workbook's XML other than its data rows. The publish gate's leak scan
(`publish.leaks.LeakScan`) then reads the table once, from its Parquet file, and accepts
a copy whose bytes still have the recorded sha256 without reading it: what the copy
adds to the table's texts (the CSV's formula apostrophe, the characters XML drops, the
workbook's markup) is derived from the record and scanned. A file without a record, or
whose bytes changed by one bit, is read in full (fail closed).

A record is private: it lives in this process's memory (`RECORDED`) and, once a gate
passed, in a file under `ABIERTO_HOME` beside the leak-scan cache (`save`, `load`),
never in a public folder. It is content-addressed (by the copy's sha256), so a stale
record proves nothing: no file has its bytes.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

FILE = "copies.json"


@dataclass(frozen=True)
class Copy:
    """A CSV or Excel file rendered from the table whose Parquet file has sha256 `parquet`."""

    kind: str  # "csv" | "xlsx"
    parquet: str
    sheet: str = ""  # xlsx: the data sheet's name in hits (`<sheet>!<column>`)
    markup: str = ""  # xlsx: the workbook's XML but its data rows (header, notes, properties)


RECORDED: dict[str, Copy] = {}  # sha256 of a copy's bytes → what it copies


def record(digest: str, copy: Copy) -> None:
    RECORDED[digest] = copy


def load(path: Path) -> dict[str, Copy]:
    """The records of this process and those saved at `path` (none when unreadable)."""
    saved: dict[str, Copy] = {}
    with contextlib.suppress(OSError, ValueError, TypeError, AttributeError):
        saved = {d: Copy(**c) for d, c in json.loads(path.read_text("utf-8")).items()}
    return saved | RECORDED


def save(path: Path, records: Mapping[str, Copy], digests: Iterable[str]) -> None:
    """Keep at `path` the records of the files (by sha256) of the release just published."""
    kept = {d: asdict(records[d]) for d in sorted(set(digests)) if d in records}
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(json.dumps(kept, ensure_ascii=False), "utf-8")
    os.replace(partial, path)
