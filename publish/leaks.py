"""Publish-time leak scan: personal data in any public file of a release.

Every file under the scanned folder is read as the fields it publishes, and only
text is looked at — numbers are not (a 9-digit amount is not a phone):

| file              | fields scanned                                              |
|-------------------|-------------------------------------------------------------|
| `.csv`            | columns typed `string` in the sibling `datapackage.json`    |
|                   | (without one: columns not made only of bare numbers)        |
| `.parquet`        | string columns                                              |
| `.duckdb`         | VARCHAR columns of its tables                               |
| `.xlsx`           | text cells, by sheet and header (a package's workbook: its  |
|                   | table's text columns, once its rows are proven identical)   |
| `.json`           | string values by path (`resources[].schema.fields[].title`) |
| `.html`, `.xml`   | text and attribute values by element                        |
| anything else     | lines of text; a binary file it cannot read is a hit        |

In those fields it looks for (hit `kind`):

* `removed-value` — a personal value removed in this run (exact, accent- and
  case-insensitive, at least 5 characters; all of them matched in one RE2 pass, see
  `Needles`);
* `canary` — a value planted on purpose that must never come out;
* `rut`, `email`, `phone` — the patterns of `quality.personal_data`
  (company RUTs are public and not hits);
* `unscannable` — a binary file of a kind it cannot read (fail closed);
* `private-report` — a validation report of the private quarantine folder
  (`*.report.html`, `*.report.json`, see `publish.file_report_page`), whatever it holds.

A hit names the file, the field and the kind — never the value, and counts the
distinct values it was found in. Strings made only of a number are skipped everywhere
(JSON, HTML, CSV without a schema).

It never reads the same thing twice:

* tables are read columnar (Arrow for CSV and Parquet, DuckDB, calamine for Excel) and
  each column is looked at once per *distinct* value;
* a package's Excel copy is not parsed cell by cell: its data sheet is checked to hold
  byte for byte the rows `write_xlsx` renders from the sibling Parquet, whose text
  columns then stand for the sheet's (a workbook that differs is read cell by cell);
* within a scan (`LeakScan`), a text already found clean in one file (the Parquet copy
  of a table) is not matched again in another (its CSV and Excel copies): every copy is
  read whole, so a copy that holds anything its table does not is still scanned there;
* with a cache folder, a file whose bytes (sha256) were scanned clean under the same
  needles (removed values, canaries, allowed contacts, and this scanner's code) is not
  read again (`ScanCache`; private, it lives under `ABIERTO_HOME`, never the site).
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator
from html.parser import HTMLParser
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

import quality.personal_data
from publish.file_report_page import REPORT_SUFFIXES
from publish.spreadsheet import BATCH_ROWS, SHEET, data_sheet_parts
from quality.personal_data import find_emails, find_phones, find_ruts, fold, rut_kind

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
    cache: Path | None = None,
) -> list[dict]:
    """Every file and field under `root` holding personal data: `{file, field, kind, count}`.

    `values` are the personal values removed in the run; `canaries` are planted
    values; `exclude` lists folders (relative to `root`) left out; `public` lists
    institutional contacts (the publisher's e-mail, phone) that match a pattern but
    are published on purpose; `cache` is a private folder of files already scanned
    clean (see `ScanCache`). See the module docstring for what is read and matched.
    """
    scan = LeakScan(values, canaries=canaries, public=public, cache=cache)
    hits = scan.scan(root, pattern=pattern, exclude=exclude)
    scan.save()
    return hits


class LeakScan:
    """One scan's needles, the texts it found clean so far and its cache of clean files."""

    def __init__(
        self,
        values: Iterable[str],
        *,
        canaries: Iterable[str] = (),
        public: Iterable[str] = (),
        cache: Path | None = None,
    ) -> None:
        values, canaries = _folded(values), _folded(canaries)
        needles = [(_needles(values), "removed-value"), (_needles(canaries), "canary")]
        self.needles = [(n, kind) for n, kind in needles if n is not None]
        self.allowed = {fold(v.strip()) for v in public}
        key = json.dumps([sorted(values), sorted(canaries), sorted(self.allowed), SCANNER])
        self.key = hashlib.sha256(key.encode()).hexdigest()
        self.cache = ScanCache(cache, self.key) if cache is not None else None
        self.clean: set[str] = set()

    def scan_table(self, name: str, table: pa.Table) -> list[dict]:
        """Hits in a table's text columns, before it is written (`{file: name, …}`)."""
        counts: Counter[tuple[str, str, str]] = Counter()
        for field in table.schema:
            if pa.types.is_string(field.type) or pa.types.is_large_string(field.type):
                texts = [v for v in pc.unique(table.column(field.name)).to_pylist() if v]
                for kind in self._hits(texts):
                    counts[(name, field.name, kind)] += 1
        return [
            {"file": f, "field": field, "kind": kind, "count": n}
            for (f, field, kind), n in sorted(counts.items())
        ]

    def scan(self, root: Path, *, pattern: str = "*", exclude: Iterable[str] = ()) -> list[dict]:
        if not root.exists():
            return []
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
            key = self.cache.key(path) if self.cache else None
            if key is not None and self.cache.holds(key):
                continue
            found = Counter()
            for field, texts in distinct_texts(path):
                for kind in self._hits(texts):
                    found[(name, field, kind)] += 1
            if not found and key is not None:
                self.cache.add(key)
            counts += found
        return [
            {"file": f, "field": field, "kind": kind, "count": n}
            for (f, field, kind), n in sorted(counts.items())
        ]

    def save(self) -> None:
        if self.cache is not None:
            self.cache.save()

    def _hits(self, texts: Iterable[str]) -> Iterator[str]:
        """The kind of every hit in a field's distinct texts; a field without any makes
        its texts known clean (they are not matched again in this scan)."""
        fresh = [t for t in texts if t not in self.clean]
        if not fresh:
            return
        kinds = list(_hits(_SEPARATOR.join(fresh), self.needles, self.allowed))
        if not kinds:
            self.clean.update(fresh)
        yield from kinds


class ScanCache:
    """sha256 of files scanned clean under one needle set, kept in `folder/<key>.txt`
    (one line per file; a CSV's line adds the types its `datapackage.json` declares,
    which decide what is read). Only the newest `KEEP` needle sets are kept."""

    KEEP = 4

    def __init__(self, folder: Path, needles: str) -> None:
        self.path = folder / f"{needles}.txt"
        self.known = set(self.path.read_text("utf-8").split()) if self.path.exists() else set()
        self.added: set[str] = set()

    def key(self, path: Path) -> str:
        with path.open("rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
        if path.suffix.lower() == ".csv":
            types = json.dumps(_declared_types(path), sort_keys=True).encode()
            digest += ":" + hashlib.sha256(types).hexdigest()[:16]
        return digest

    def holds(self, key: str) -> bool:
        return key in self.known

    def add(self, key: str) -> None:
        self.added.add(key)

    def save(self) -> None:
        if not self.added:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(f".{self.path.name}.partial")
        partial.write_text("".join(f"{k}\n" for k in sorted(self.known | self.added)), "utf-8")
        os.replace(partial, self.path)
        for old in sorted(self.path.parent.glob("*.txt"), key=os.path.getmtime)[: -self.KEEP]:
            old.unlink()


def _scanner_version() -> str:
    """sha256 of the code that decides what a hit is: a change re-scans every file."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    for source in sorted(Path(quality.personal_data.__file__).parent.glob("*.py")):
        digest.update(source.read_bytes())
    return digest.hexdigest()


SCANNER = _scanner_version()


def describe_hits(hits: list[dict], limit: int = 20) -> str:
    """`file › field (kind ×n)` for a report or a message; never the value."""
    shown = [f"{h['file']} › {h['field']} ({h['kind']} ×{h['count']})" for h in hits[:limit]]
    more = len(hits) - limit
    return "; ".join(shown) + (f"; … +{more}" if more > 0 else "")


def _folded(values: Iterable[str]) -> set[str]:
    return {fold(v.strip()) for v in values if isinstance(v, str)}


class Needles:
    """Folded values (at least `MIN_VALUE_LENGTH` characters) to find in folded text.

    They are counted by RE2 (Arrow's `count_substring_regex`), whose time is linear in
    the text whatever the number of values (Python's `re` tries every value at every
    position: 17 s against 0.07 s for 326 values over a million order ids). Both count
    leftmost-first matches that do not overlap, longest value first, so the counts are
    the same; Python's `re` counts when RE2 cannot (a pattern it refuses, a text too
    long for it). RE2 compiles the values at every call (about 4 µs per value), which
    costs more than Python's `re` (about 2 ns per value and character) below
    `MIN_RE2_CHARS`: a short text, such as most fields of a page, is counted by `re`."""

    MIN_RE2_CHARS = 2_000
    MAX_RE2_CHARS = 1 << 30

    def __init__(self, folded: set[str]) -> None:
        values = sorted((v for v in folded if len(v) >= MIN_VALUE_LENGTH), key=len, reverse=True)
        self.values = values
        self.pattern = re.compile("|".join(re.escape(v) for v in values))
        self.re2 = "|".join(_re2_literal(v) for v in values)

    def count(self, folded: str) -> int:
        if self.MIN_RE2_CHARS <= len(folded) <= self.MAX_RE2_CHARS:
            text = pa.array([folded], pa.large_string())
            try:
                return pc.count_substring_regex(text, self.re2)[0].as_py()
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                pass
        return sum(1 for _ in self.pattern.finditer(folded))


def _re2_literal(text: str) -> str:
    """`text` as an RE2 pattern matching it literally (control characters as `\\x{..}`)."""
    return "".join(
        f"\\x{{{ord(c):x}}}"
        if ord(c) < 0x20 or ord(c) == 0x7F
        else "\\" + c
        if c in _RE2_SPECIAL
        else c
        for c in text
    )


_RE2_SPECIAL = frozenset("\\.+*?()|[]{}^$")


def _needles(folded: set[str]) -> Needles | None:
    needles = Needles(folded)
    return needles if needles.values else None


def _hits(
    text: str, needles: list[tuple[Needles, str]], allowed: set[str] = frozenset()
) -> Iterator[str]:
    """The kind of every hit in `text` (one per match), except allowed public contacts."""
    text = unicodedata.normalize("NFC", text)
    folded = fold(text)
    for values, kind in needles:
        yield from [kind] * values.count(folded)
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


def _texts(values: Iterable[object]) -> list[str]:
    """The distinct texts worth matching: non-empty strings not made only of a number."""
    return [v for v in set(values) if isinstance(v, str) and v and not _is_number(v)]


# -- reading each kind of file as (field, distinct texts) pairs --


def distinct_texts(path: Path) -> Iterator[tuple[str, list[str]]]:
    """The text a public file publishes, as (field, its distinct texts) pairs."""
    suffix = path.suffix.lower()
    reader = _READERS.get(suffix)
    if reader is not None:
        yield from reader(path)
        return
    text = path.read_text("utf-8", errors="replace")
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip() and not _is_number(line):
            yield f"line {number}", [line]


def _csv_fields(path: Path) -> Iterator[tuple[str, list[str]]]:
    """Columns read by Arrow as text; a file Arrow cannot parse (ragged rows, bad UTF-8)
    is read by Python's csv module instead, with invalid bytes replaced."""
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        header = next(csv.reader(handle), None)
    if header is None:
        return
    types = _declared_types(path)
    names = [f"c{i}" for i in range(len(header))]
    try:
        table = pa_csv.read_csv(
            path,
            read_options=pa_csv.ReadOptions(column_names=names, skip_rows=1),
            parse_options=pa_csv.ParseOptions(newlines_in_values=True),
            convert_options=pa_csv.ConvertOptions(column_types=dict.fromkeys(names, pa.string())),
        )
        columns = {i: lambda i=i: pc.unique(table.column(i)).to_pylist() for i in range(len(names))}
    except (pa.ArrowInvalid, UnicodeDecodeError):
        with path.open(encoding="utf-8", errors="replace", newline="") as handle:
            rows = list(csv.reader(handle))[1:]
        columns = {
            i: lambda i=i: {row[i] for row in rows if i < len(row)} for i in range(len(header))
        }
    for i, name in enumerate(header):
        kind = types.get(name)
        if kind is not None and kind != "string":
            continue
        values = columns[i]()
        # A declared string column is read whole: "987654321" there may be a phone.
        texts = [v for v in values if v] if kind == "string" else _texts(values)
        if texts:
            yield name, texts


def _declared_types(path: Path) -> dict[str, str]:
    """Field types of a CSV from the `datapackage.json` beside it ({} when none)."""
    for resource in _package_resources(path):
        if resource.get("path") == path.name:
            fields = resource.get("schema", {}).get("fields", [])
            return {f["name"]: f.get("type", "string") for f in fields}
    return {}


def _package_resources(path: Path) -> list[dict]:
    """The resources of the `datapackage.json` beside `path` ([] when none or unreadable)."""
    package = path.parent / "datapackage.json"
    if not package.exists():
        return []
    try:
        resources = json.loads(package.read_text("utf-8")).get("resources", [])
    except (ValueError, AttributeError):
        return []
    return [r for r in resources if isinstance(r, dict)] if isinstance(resources, list) else []


def _parquet_fields(path: Path) -> Iterator[tuple[str, list[str]]]:
    parquet = pq.ParquetFile(path)
    for field in parquet.schema_arrow:
        if pa.types.is_string(field.type) or pa.types.is_large_string(field.type):
            column = parquet.read(columns=[field.name]).column(0)
            texts = [v for v in pc.unique(column).to_pylist() if v]
            if texts:
                yield field.name, texts


def _duckdb_fields(path: Path) -> Iterator[tuple[str, list[str]]]:
    import duckdb

    with duckdb.connect(str(path), read_only=True) as connection:
        columns = connection.execute(
            "select c.table_name, c.column_name from information_schema.columns c "
            "join information_schema.tables t using (table_catalog, table_schema, table_name) "
            "where t.table_type = 'BASE TABLE' and c.data_type = 'VARCHAR' "
            "order by c.table_name, c.ordinal_position"
        ).fetchall()
        for table, column in columns:
            values = connection.execute(f'select distinct "{column}" from "{table}"').fetchall()
            texts = [v for (v,) in values if v]
            if texts:
                yield f"{table}.{column}", texts


def _xlsx_fields(path: Path) -> Iterator[tuple[str, list[str]]]:
    """A workbook of a data package is read through the table it was made from: when its
    data sheet's rows are exactly those `write_xlsx` renders from the sibling Parquet
    (checked byte for byte), that table's text columns stand for the sheet's, and the
    rest of the workbook (header, column notes, properties) is read as markup. Any other
    workbook, or one that differs from its table by a byte, is read cell by cell."""
    source = _workbook_source(path)
    if source is not None:
        sheet, parquet, fields = source
        batches = pq.ParquetFile(parquet).iter_batches(
            BATCH_ROWS, columns=[f["name"] for f in fields]
        )
        parts = data_sheet_parts(path, batches, fields)
        if parts is not None:
            yield from ((f"{sheet}!{name}", texts) for name, texts in _parquet_fields(parquet))
            with zipfile.ZipFile(path) as book:
                markup = [*parts, *(book.read(n) for n in book.namelist() if n != SHEET)]
            yield from _markup_texts(b"".join(markup).decode("utf-8", errors="replace"))
            return
    yield from _workbook_cells(path)


def _workbook_source(path: Path) -> tuple[str, Path, list[dict]] | None:
    """The sheet name, Parquet file and fields of the package resource that lists `path`
    as its Excel copy, from the `datapackage.json` beside it."""
    for resource in _package_resources(path):
        paths = [a.get("path") for a in resource.get("x-alternates", [])]
        parquet = next((p for p in paths if str(p).endswith(".parquet")), None)
        if path.name in paths and parquet and (path.parent / parquet).is_file():
            fields = resource.get("schema", {}).get("fields", [])
            return resource.get("name", path.stem), path.parent / parquet, fields
    return None


def _workbook_cells(path: Path) -> Iterator[tuple[str, list[str]]]:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    try:
        for title in book.sheet_names:
            rows = book.get_sheet_by_name(title).to_python(skip_empty_area=False)
            rows = [row for row in rows if any(v not in ("", None) for v in row)]
            if not rows:
                continue
            header = [
                str(h) if h not in ("", None) else f"column {i + 1}" for i, h in enumerate(rows[0])
            ]
            texts = _texts(header)
            if texts:
                yield f"{title}!header", texts
            for i, name in enumerate(header):
                texts = _texts(row[i] for row in rows[1:] if i < len(row))
                if texts:
                    yield f"{title}!{name}", texts
    finally:
        book.close()


def _json_fields(path: Path) -> Iterator[tuple[str, list[str]]]:
    try:
        document = json.loads(path.read_text("utf-8", errors="replace"))
    except ValueError:
        lines = path.read_text("utf-8", errors="replace").splitlines()
        yield from ((f"line {n}", [line]) for n, line in enumerate(lines, 1))
        return
    grouped: dict[str, list[str]] = {}
    for field, value in _json_strings(document, ""):
        grouped.setdefault(field, []).append(value)
    for field, values in grouped.items():
        texts = _texts(values)
        if texts:
            yield field or "$", texts


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


def _markup_fields(path: Path) -> Iterator[tuple[str, list[str]]]:
    yield from _markup_texts(path.read_text("utf-8", errors="replace"))


def _markup_texts(markup: str) -> Iterator[tuple[str, list[str]]]:
    parser = _MarkupText()
    parser.feed(markup)
    parser.close()
    for field, values in sorted(parser.found.items()):
        texts = _texts(values)
        if texts:
            yield field, texts


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
