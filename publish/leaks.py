"""Publish-time leak scan: personal data in any public file of a release.

Every file under the scanned folder is read as the fields it publishes, and only
text is looked at — numbers are not (a 9-digit amount is not a phone):

| file              | fields scanned                                              |
|-------------------|-------------------------------------------------------------|
| `.csv`            | columns typed `string` in the sibling `datapackage.json`    |
|                   | (without one: columns not made only of bare numbers)        |
| `.parquet`        | string columns                                              |
| `.duckdb`         | VARCHAR columns of its tables                               |
| `.xlsx`           | text cells, by sheet and header                             |
| `.json`           | string values by path (`resources[].schema.fields[].title`) |
| `.html`, `.xml`   | text and attribute values by element                        |
| anything else     | lines of text; a binary file it cannot read is a hit        |

In those fields it looks for (hit `kind`):

* `removed-value` — a personal value removed in this run (exact, accent- and
  case-insensitive, at least 5 characters);
* `canary` — a value planted on purpose that must never come out;
* `rut`, `email`, `phone` — the patterns of `quality.personal_data`
  (company RUTs are public and not hits);
* `unscannable` — a binary file of a kind it cannot read (fail closed);
* `private-report` — a validation report of the private quarantine folder
  (`*.report.html`, `*.report.json`, see `quality.report_page`), whatever it holds.

A hit names the file, the field and the kind — never the value. Strings made
only of a number are skipped everywhere (JSON, HTML, CSV without a schema).
"""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from html.parser import HTMLParser
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from quality.personal_data import find_emails, find_phones, find_ruts, fold, rut_kind
from quality.report_page import REPORT_SUFFIXES

MIN_VALUE_LENGTH = 5
SKIPPED_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".ico", ".woff", ".woff2", ".ttf"})
CANARIES_FILE = "canaries.txt"
_NUMBER_RE = re.compile(r"\s*[-+]?\$?\s*[0-9]+(?:[.,][0-9]+)*\s*%?\s*")
_SEPARATOR = "\n\x00\n"  # between cells: no pattern spans it


def load_canaries(home_root: Path) -> set[str]:
    """Canary values of an installation: `ABIERTO_HOME/canaries.txt`, one per line; a
    line starting with `#` or the text after ` # ` is a comment (so `Prat #456` stays).
    Private: it lives beside `landing/`, never under `site/`."""
    path = home_root / CANARIES_FILE
    if not path.exists():
        return set()
    lines = (re.split(r"\s#\s", line)[0].strip() for line in path.read_text("utf-8").splitlines())
    return {line for line in lines if line and not line.startswith("#")}


def scan_for_values(
    root: Path,
    values: Iterable[str],
    *,
    pattern: str = "*",
    canaries: Iterable[str] = (),
    exclude: Iterable[str] = (),
    public: Iterable[str] = (),
) -> list[dict]:
    """Every file and field under `root` holding personal data: `{file, field, kind, count}`.

    `values` are the personal values removed in the run; `canaries` are planted
    values; `exclude` lists folders (relative to `root`) left out; `public` lists
    institutional contacts (the publisher's e-mail, phone) that match a pattern but
    are published on purpose. See the module
    docstring for what is read and matched.
    """
    if not root.exists():
        return []
    needles = [(_needles(values), "removed-value"), (_needles(canaries), "canary")]
    needles = [(n, kind) for n, kind in needles if n is not None]
    allowed = {fold(v.strip()) for v in public}
    excluded = tuple(f"{e.strip('/')}/" for e in exclude)
    counts: Counter[tuple[str, str, str]] = Counter()
    for path in sorted(root.rglob(pattern)):
        name = path.relative_to(root).as_posix()
        if (
            not path.is_file()
            or path.suffix.lower() in SKIPPED_SUFFIXES
            or name.startswith(excluded)
        ):
            continue
        if path.name.endswith(REPORT_SUFFIXES):
            counts[(name, "(file)", "private-report")] += 1
            continue
        if _is_unscannable(path):
            counts[(name, "(binary)", "unscannable")] += 1
            continue
        for field, text in text_fields(path):
            for kind in _hits(text, needles, allowed):
                counts[(name, field, kind)] += 1
    return [
        {"file": f, "field": field, "kind": kind, "count": n}
        for (f, field, kind), n in sorted(counts.items())
    ]


def describe_hits(hits: list[dict], limit: int = 20) -> str:
    """`file › field (kind ×n)` for a report or a message; never the value."""
    shown = [f"{h['file']} › {h['field']} ({h['kind']} ×{h['count']})" for h in hits[:limit]]
    more = len(hits) - limit
    return "; ".join(shown) + (f"; … +{more}" if more > 0 else "")


def _needles(values: Iterable[str]) -> re.Pattern | None:
    folded = {fold(v.strip()) for v in values if isinstance(v, str)}
    needles = sorted((v for v in folded if len(v) >= MIN_VALUE_LENGTH), key=len, reverse=True)
    if not needles:
        return None
    return re.compile("|".join(re.escape(n) for n in needles))


def _hits(
    text: str, needles: list[tuple[re.Pattern, str]], allowed: set[str] = frozenset()
) -> Iterator[str]:
    """The kind of every hit in `text` (one per match), except allowed public contacts."""
    text = unicodedata.normalize("NFC", text)
    folded = fold(text)
    for pattern, kind in needles:
        for _ in pattern.finditer(folded):
            yield kind
    for detector in (find_ruts, find_emails, find_phones):
        for span in detector(text, folded):
            found = text[span.start : span.end]
            if fold(found) in allowed:
                continue
            if span.kind != "rut" or rut_kind(found) != "persona_juridica":
                yield span.kind


def _is_unscannable(path: Path) -> bool:
    """A binary file of a kind the scan cannot read (it fails closed: that is a hit)."""
    if path.suffix.lower() in _READERS:
        return False
    with path.open("rb") as handle:
        return b"\x00" in handle.read(8192)


def _is_number(value: str) -> bool:
    return _NUMBER_RE.fullmatch(value) is not None


def _joined(values: Iterable[object]) -> str:
    return _SEPARATOR.join(v for v in values if isinstance(v, str) and v and not _is_number(v))


# -- reading each kind of file as (field, text) pairs --


def text_fields(path: Path) -> Iterator[tuple[str, str]]:
    """The text a public file publishes, as (field, text) pairs."""
    suffix = path.suffix.lower()
    reader = _READERS.get(suffix)
    if reader is not None:
        yield from reader(path)
        return
    text = path.read_text("utf-8", errors="replace")
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip() and not _is_number(line):
            yield f"line {number}", line


def _csv_fields(path: Path) -> Iterator[tuple[str, str]]:
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        rows = list(csv.reader(handle))
    if not rows:
        return
    header, body = rows[0], rows[1:]
    types = _declared_types(path)
    for i, name in enumerate(header):
        kind = types.get(name)
        if kind is not None and kind != "string":
            continue
        column = [row[i] for row in body if i < len(row)]
        # A declared string column is read whole: "987654321" there may be a phone.
        text = _SEPARATOR.join(v for v in column if v) if kind == "string" else _joined(column)
        if text:
            yield name, text


def _declared_types(path: Path) -> dict[str, str]:
    """Field types of a CSV from the `datapackage.json` beside it ({} when none)."""
    package = path.parent / "datapackage.json"
    if not package.exists():
        return {}
    try:
        descriptor = json.loads(package.read_text("utf-8"))
    except ValueError:
        return {}
    for resource in descriptor.get("resources", []):
        if resource.get("path") == path.name:
            fields = resource.get("schema", {}).get("fields", [])
            return {f["name"]: f.get("type", "string") for f in fields}
    return {}


def _parquet_fields(path: Path) -> Iterator[tuple[str, str]]:
    table = pq.read_table(path)
    for name, column in zip(table.column_names, table.columns, strict=True):
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            text = _SEPARATOR.join(v for v in column.to_pylist() if v)
            if text:
                yield name, text


def _duckdb_fields(path: Path) -> Iterator[tuple[str, str]]:
    import duckdb

    with duckdb.connect(str(path), read_only=True) as connection:
        columns = connection.execute(
            "select c.table_name, c.column_name from information_schema.columns c "
            "join information_schema.tables t using (table_catalog, table_schema, table_name) "
            "where t.table_type = 'BASE TABLE' and c.data_type = 'VARCHAR' "
            "order by c.table_name, c.ordinal_position"
        ).fetchall()
        for table, column in columns:
            values = connection.execute(f'select "{column}" from "{table}"').fetchall()
            text = _SEPARATOR.join(v for (v,) in values if v)
            if text:
                yield f"{table}.{column}", text


def _xlsx_fields(path: Path) -> Iterator[tuple[str, str]]:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        for sheet in book.worksheets:
            rows = list(sheet.iter_rows(values_only=True))
            if not rows:
                continue
            header = [str(h) if h is not None else f"column {i + 1}" for i, h in enumerate(rows[0])]
            yield f"{sheet.title}!header", _joined(header)
            for i, name in enumerate(header):
                text = _joined(row[i] for row in rows[1:] if i < len(row))
                if text:
                    yield f"{sheet.title}!{name}", text
    finally:
        book.close()


def _json_fields(path: Path) -> Iterator[tuple[str, str]]:
    try:
        document = json.loads(path.read_text("utf-8", errors="replace"))
    except ValueError:
        yield from ((f"line {n}", line) for n, line in enumerate(path.read_text().splitlines(), 1))
        return
    grouped: dict[str, list[str]] = {}
    for field, value in _json_strings(document, ""):
        grouped.setdefault(field, []).append(value)
    for field, values in grouped.items():
        text = _joined(values)
        if text:
            yield field or "$", text


def _json_strings(node: object, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, str):
        yield path, node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield path, str(key)
            yield from _json_strings(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for value in node:
            yield from _json_strings(value, f"{path}[]")


class _MarkupText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.found: dict[str, list[str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value:
                self.found.setdefault(f"<{tag} {name}>", []).append(value)
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.stack:
            del self.stack[len(self.stack) - 1 - self.stack[::-1].index(tag) :]

    def handle_data(self, data: str) -> None:
        if data.strip():
            tag = self.stack[-1] if self.stack else "document"
            self.found.setdefault(f"<{tag}>", []).append(data)


def _markup_fields(path: Path) -> Iterator[tuple[str, str]]:
    parser = _MarkupText()
    parser.feed(path.read_text("utf-8", errors="replace"))
    parser.close()
    for field, values in sorted(parser.found.items()):
        text = _joined(values)
        if text:
            yield field, text


_READERS = {
    ".csv": _csv_fields,
    ".parquet": _parquet_fields,
    ".duckdb": _duckdb_fields,
    ".xlsx": _xlsx_fields,
    ".json": _json_fields,
    ".html": _markup_fields,
    ".htm": _markup_fields,
    ".xml": _markup_fields,
}
