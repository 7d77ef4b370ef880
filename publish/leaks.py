"""Publish-time leak scan: look for personal values removed in this run in public files."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pyarrow.parquet as pq

MIN_VALUE_LENGTH = 5
TEXT_SUFFIXES = {".csv", ".json", ".html", ".txt", ".md", ".xml", ".ttl", ".js"}


def _needles(values: set[str]) -> re.Pattern | None:
    needles = sorted({v.strip() for v in values if len(v.strip()) >= MIN_VALUE_LENGTH}, key=len)
    if not needles:
        return None
    return re.compile("|".join(re.escape(n) for n in reversed(needles)), re.IGNORECASE)


def _file_text(path: Path) -> str:
    if path.suffix == ".xlsx":
        book = openpyxl.load_workbook(path, read_only=True)
        return "\n".join(
            str(v)
            for sheet in book
            for row in sheet.iter_rows(values_only=True)
            for v in row
            if v is not None
        )
    if path.suffix == ".parquet":
        table = pq.read_table(path)
        return "\n".join(
            str(v) for column in table.columns for v in column.to_pylist() if v is not None
        )
    return path.read_text("utf-8", errors="replace")


def scan_for_values(root: Path, values: set[str], *, pattern: str = "*") -> list[dict]:
    """Every place under `root` where one of `values` appears (case-insensitive).

    Hits name the file and the kind of match, never the value itself.
    """
    needles = _needles(values)
    if needles is None or not root.exists():
        return []
    hits = []
    for path in sorted(root.rglob(pattern)):
        if not path.is_file() or path.suffix not in TEXT_SUFFIXES | {".parquet", ".xlsx"}:
            continue
        for match in needles.finditer(_file_text(path)):
            hits.append({"file": str(path.relative_to(root)), "offset": match.start()})
    return hits
