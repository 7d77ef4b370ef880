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
* a package's CSV and Excel copies whose bytes have the sha256 their writer recorded
  (`publish.copies`) are not read: their table is scanned from its Parquet file, and
  what a copy adds to it (the CSV's formula apostrophe, the characters XML drops, the
  workbook's markup) is scanned from the record;
* a package's Excel copy without a record is not parsed cell by cell either: its data
  sheet is checked to hold byte for byte the rows `write_xlsx` renders from the sibling
  Parquet, whose text columns then stand for the sheet's (a workbook that differs is
  read cell by cell);
* the removed values are matched by one RE2 call per file, and a text found free of
  canaries and patterns by any scan of the process under the same canaries and public
  contacts (a comuna's part before assembly) is matched only against the removed values;
* within a scan (`LeakScan`), a text already found clean in one file (the Parquet copy
  of a table) is not matched again in another (its CSV and Excel copies): every copy
  without a record is read whole, so one holding anything its table does not is still
  scanned there;
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
from collections.abc import Iterable, Iterator, Mapping
from html.parser import HTMLParser
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

import quality.personal_data
from datasets.hashing import sha256_file
from publish.copies import Copy
from publish.file_report_page import REPORT_SUFFIXES
from publish.spreadsheet import BATCH_ROWS, FORMULA_RE, ILLEGAL_XML, SHEET, data_sheet_parts
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
        patterns = json.dumps([sorted(canaries), sorted(self.allowed), SCANNER])
        self.patterns = _patterns_clean(hashlib.sha256(patterns.encode()).hexdigest())

    def scan_table(self, name: str, table: pa.Table) -> list[dict]:
        """Hits in a table's text columns, before it is written (`{file: name, …}`)."""
        fields = [
            (field.name, [v for v in pc.unique(table.column(field.name)).to_pylist() if v])
            for field in table.schema
            if pa.types.is_string(field.type) or pa.types.is_large_string(field.type)
        ]
        counts = Counter((name, field, kind) for field, kind in self._kinds(fields))
        return [
            {"file": f, "field": field, "kind": kind, "count": n}
            for (f, field, kind), n in sorted(counts.items())
        ]

    def scan(
        self,
        root: Path,
        *,
        pattern: str = "*",
        exclude: Iterable[str] = (),
        digests: Mapping[str, str] | None = None,
        records: Mapping[str, Copy] | None = None,
    ) -> list[dict]:
        """Hits in every file under `root` (see the module docstring).

        With `records` (sha256 → `publish.copies.Copy`), a CSV or Excel file whose bytes
        have a record and whose table's Parquet file was scanned clean here is not read:
        what it adds to that table (the CSV's formula apostrophe, characters XML drops,
        the workbook's markup) is scanned from the record. `digests` are the files'
        sha256 by path relative to `root` when the caller has them (else computed)."""
        if not root.exists():
            return []
        excluded = tuple(f"{e.strip('/')}/" for e in exclude)
        files = [
            (path.relative_to(root).as_posix(), path)
            for path in sorted(root.rglob(pattern))
            if path.is_file()
            and path.suffix.lower() not in SKIPPED_SUFFIXES
            and not path.relative_to(root).as_posix().startswith(excluded)
        ]
        digests = dict(digests or {})

        def digest(name: str, path: Path) -> str:
            if name not in digests:
                digests[name] = sha256_file(path)
            return digests[name]

        proven = {}
        if records:
            for name, path in files:
                kind = path.suffix.lower()[1:]
                if kind in ("csv", "xlsx") and not path.name.endswith(REPORT_SUFFIXES):
                    copy = records.get(digest(name, path))
                    if copy is not None and copy.kind == kind:
                        proven[name] = copy
        tables = {copy.parquet for copy in proven.values()}
        clean: dict[str, list[tuple[str, pa.Array]]] = {}  # Parquet sha256 → its text
        counts: Counter[tuple[str, str, str]] = Counter()
        for name, path in files:
            if name in proven:
                continue
            columns = None
            if path.suffix.lower() == ".parquet" and tables and digest(name, path) in tables:
                columns = list(_parquet_columns(path))
            found = self._file(name, path, columns, digests.get(name))
            counts += found
            if not found and columns is not None:
                clean[digests[name]] = columns
        for name, copy in proven.items():
            if copy.parquet in clean:
                kinds = self._kinds(_copy_texts(copy, clean[copy.parquet]))
                found = Counter((name, field, kind) for field, kind in kinds)
            else:  # its table was not scanned clean here: the copy is read whole
                found = self._file(name, root / name, sha256=digests[name])
            counts += found
        return [
            {"file": f, "field": field, "kind": kind, "count": n}
            for (f, field, kind), n in sorted(counts.items())
        ]

    def _file(
        self,
        name: str,
        path: Path,
        columns: list[tuple[str, pa.Array]] | None = None,
        sha256: str | None = None,
    ) -> Counter[tuple[str, str, str]]:
        """Hits in one file, read whole (or known clean from the cache); `columns` are a
        Parquet file's text columns and `sha256` its digest when the caller has them."""
        found: Counter[tuple[str, str, str]] = Counter()
        if path.name.endswith(REPORT_SUFFIXES):
            found[(name, "(file)", "private-report")] += 1
            return found
        if _is_unscannable(path):
            found[(name, "(binary)", "unscannable")] += 1
            return found
        key = self.cache.key(path, sha256) if self.cache else None
        if key is not None and self.cache.holds(key):
            return found
        fields = distinct_texts(path) if columns is None else _column_texts(columns)
        found.update((name, field, kind) for field, kind in self._kinds(fields))
        if not found and key is not None:
            self.cache.add(key)
        return found

    def save(self) -> None:
        if self.cache is not None:
            self.cache.save()

    def _kinds(self, fields: Iterable[tuple[str, list[str]]]) -> list[tuple[str, str]]:
        """(field, kind) of every hit in the fields' distinct texts, all matched at once
        (one RE2 call for a file's fields); a field without any makes its texts known
        clean (they are not matched again in this scan)."""
        pending = []
        for field, texts in fields:
            fresh = [t for t in texts if t not in self.clean]
            if fresh:
                known = [t for t in fresh if t in self.patterns]
                new = [t for t in fresh if t not in self.patterns] if known else fresh
                pending.append((field, fresh, known, new))
        values = [(n, k) for n, k in self.needles if k == "removed-value"]
        known = _hits([_SEPARATOR.join(p[2]) for p in pending], values, detectors=False)
        new = _hits([_SEPARATOR.join(p[3]) for p in pending], self.needles, self.allowed)
        found = []
        for (field, fresh, _, texts), old_kinds, new_kinds in zip(pending, known, new, strict=True):
            if not set(new_kinds) - {"removed-value"} and len(self.patterns) < _PATTERNS_MAX:
                self.patterns.update(texts)
            if not old_kinds and not new_kinds:
                self.clean.update(fresh)
            found += [(field, kind) for kind in old_kinds + new_kinds]
        return found


class ScanCache:
    """sha256 of files scanned clean under one needle set, kept in `folder/<key>.txt`
    (one line per file; a CSV's line adds the types its `datapackage.json` declares,
    which decide what is read). Only the newest `KEEP` needle sets are kept."""

    KEEP = 4

    def __init__(self, folder: Path, needles: str) -> None:
        self.path = folder / f"{needles}.txt"
        self.known = set(self.path.read_text("utf-8").split()) if self.path.exists() else set()
        self.added: set[str] = set()

    def key(self, path: Path, sha256: str | None = None) -> str:
        """The file's sha256 (`sha256` when the caller has just taken it: not read again)."""
        digest = sha256 or sha256_file(path)
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
    `MIN_RE2_CHARS` in all: the few short fields of a page are counted by `re`."""

    MIN_RE2_CHARS = 2_000
    MAX_RE2_CHARS = 1 << 30

    def __init__(self, folded: set[str]) -> None:
        values = sorted((v for v in folded if len(v) >= MIN_VALUE_LENGTH), key=len, reverse=True)
        self.values = values
        self.pattern = re.compile("|".join(re.escape(v) for v in values))
        self.re2 = "|".join(_re2_literal(v) for v in values)

    def count(self, folded: str) -> int:
        return self.counts([folded])[0]

    def counts(self, folded: list[str]) -> list[int]:
        """The matches in each text, counted by one RE2 call (compiling the pattern of
        hundreds of values costs a millisecond: once per file, not per field), or by
        Python's `re` when the texts hold fewer than `MIN_RE2_CHARS` characters."""
        total = sum(len(text) for text in folded)
        if total >= self.MIN_RE2_CHARS and all(len(t) <= self.MAX_RE2_CHARS for t in folded):
            texts = pa.array(folded, pa.large_string())
            try:
                return pc.count_substring_regex(texts, self.re2).to_pylist()
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                pass
        return [sum(1 for _ in self.pattern.finditer(text)) for text in folded]


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


_PATTERNS: dict[str, set[str]] = {}
_PATTERNS_MAX = 8_000_000  # texts remembered (about 0.5 GB at most)


def _patterns_clean(key: str) -> set[str]:
    """Texts found free of canaries and personal patterns (RUT, e-mail, phone) under the
    same canaries, public contacts and scanner code (`key`), by any scan of this process:
    a comuna's part scanned before assembly is not matched against them again in the
    release (only against the removed values, which differ from scan to scan). One key
    is kept (a new one replaces it)."""
    if key not in _PATTERNS:
        _PATTERNS.clear()
        _PATTERNS[key] = set()
    return _PATTERNS[key]


def _hits(
    texts: list[str],
    needles: list[tuple[Needles, str]],
    allowed: set[str] = frozenset(),
    *,
    detectors: bool = True,
) -> list[list[str]]:
    """The kind of every hit in each text (one per match), except allowed public contacts;
    without `detectors`, the needles' hits only (no RUT, e-mail, phone patterns)."""
    texts = [unicodedata.normalize("NFC", text) for text in texts]
    folded = [fold(text) for text in texts]
    found: list[list[str]] = [[] for _ in texts]
    for values, kind in needles:
        for kinds, count in zip(found, values.counts(folded), strict=True):
            kinds += [kind] * count
    if not detectors:
        return found
    for kinds, text, text_folded in zip(found, texts, folded, strict=True):
        for detector in (find_ruts, find_emails, find_phones):
            for span in detector(text, text_folded):
                hit = text[span.start : span.end]
                if fold(hit) in allowed:
                    continue
                if span.kind != "rut" or rut_kind(hit) != "persona_juridica":
                    kinds.append(span.kind)
    return found


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
    yield from _column_texts(_parquet_columns(path))


def _parquet_columns(path: Path) -> Iterator[tuple[str, pa.Array]]:
    """A Parquet file's text columns, each as its distinct values."""
    parquet = pq.ParquetFile(path)
    for field in parquet.schema_arrow:
        if pa.types.is_string(field.type) or pa.types.is_large_string(field.type):
            yield field.name, pc.unique(parquet.read(columns=[field.name]).column(0))


def _column_texts(columns: Iterable[tuple[str, pa.Array]]) -> Iterator[tuple[str, list[str]]]:
    for name, values in columns:
        texts = [v for v in values.to_pylist() if v]
        if texts:
            yield name, texts


def _copy_texts(copy: Copy, columns: list[tuple[str, pa.Array]]) -> Iterator[tuple[str, list[str]]]:
    """What a recorded copy publishes beyond its table's distinct texts (`columns`): the
    CSV's texts with the formula apostrophe (`write_csv`), the Excel texts without the
    characters XML forbids and the workbook's markup (`write_xlsx`)."""
    for name, values in columns:
        if copy.kind == "csv":
            changed = values.filter(pc.match_substring_regex(values, FORMULA_RE))
            texts = ["'" + text for text in changed.to_pylist()]
        else:
            changed = values.filter(pc.match_substring_regex(values, ILLEGAL_XML))
            texts = [
                t for t in pc.replace_substring_regex(changed, ILLEGAL_XML, "").to_pylist() if t
            ]
            name = f"{copy.sheet}!{name}"
        if texts:
            yield name, texts
    if copy.kind == "xlsx":
        yield from _markup_texts(copy.markup)


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
            columns = list(_parquet_columns(parquet))
            yield from ((f"{sheet}!{name}", texts) for name, texts in _column_texts(columns))
            with zipfile.ZipFile(path) as book:
                markup = [*parts, *(book.read(n) for n in book.namelist() if n != SHEET)]
            text = b"".join(markup).decode("utf-8", errors="replace")
            yield from _copy_texts(Copy("xlsx", "", sheet, text), columns)
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
