"""National files: one file for every buyer of the country, split into comunas.

A source whose descriptor entry has `route:` (for example ChileCompra's monthly bulk
download of purchase orders) lands once in `landing/_national/<slug>/`. Its rows are
routed to comunas by the buyer columns the route names, through the code list
`schemas/codes/municipal_buyers.csv` (organisation code, then RUT, then name; exact
matches on normalised keys, `schemas/buyers.py`). Every row ends in one of:

- **routed** to a comuna's slice, read by that comuna's run like any landed export;
- **excluded** with a reason, when the buyer is not a municipality (a ministry, a
  hospital);
- **unmatched**, when the buyer looks municipal («municipal» in its name) but matches
  no municipality, when two identifiers name different comunas, or when no buyer is
  given: those rows are kept aside (`unmatched.csv`, private) and listed by buyer name
  and count in the file's routing report.

`rows_in = routed + excluded + unmatched` is checked before a split is kept. The split
is columnar (Arrow, streamed in blocks; text work once per distinct buyer) and done
once per file content: it is cached under `warehouse/national/<sha256>/<route key>/`,
so the 346 comuna runs of a release read a 2 GB file once between them.
"""

from __future__ import annotations

import argparse
import csv
import fcntl
import hashlib
import json
import os
import re
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from datasets.descriptor import DatasetDescriptor, RouteSpec, SourceFormat, load_descriptor
from datasets.errors import HeaderError, SourceError
from datasets.ingest import RawSource, read_source, sha256_file
from datasets.normalise import fold as fold_label
from schemas import code_list_path, load_code_list
from schemas.buyers import fold, name_key, rut_key

NATIONAL = "_national"
ROW_COLUMN = "_abierto_fila"
SPLIT_FILE = "split.json"
UNMATCHED_FILE = "unmatched.csv"
#: Measured peak RSS of a split: 0.55 GB with 4 MB blocks at both 1M and 3M lines; with
#: 16 MB blocks 1.1 GB at 1M and 1.6 GB at 3M (and 20 % less CPU).
BLOCK_BYTES = 4 << 20

#: Why a row is not routed (reason → Spanish, English).
REASONS = {
    "non-municipal-buyer": (
        "comprador que no es una municipalidad",
        "buyer is not a municipality",
    ),
    "unknown-municipal-buyer": (
        "comprador municipal que no está en la lista de municipalidades",
        "municipal-looking buyer not in the list of municipalities",
    ),
    "conflicting-identifiers": (
        "el código, el RUT o el nombre del comprador indican comunas distintas",
        "the buyer's code, RUT or name point to different comunas",
    ),
    "buyer-missing": ("la fila no indica comprador", "the row names no buyer"),
    "malformed-row": (
        "fila con un número de columnas distinto del encabezado",
        "row with a different number of columns than the header",
    ),
}
EXCLUDED = ("non-municipal-buyer",)
_STATUS = ("routed", *REASONS)


class RoutingError(SourceError):
    """A national file that cannot be split with every row accounted for."""

    type = "routing-error"


@dataclass(frozen=True)
class BuyerCodes:
    """The code list as lookups: organisation code, RUT key and name key → CUT."""

    by_code: dict[str, str]
    by_rut: dict[str, str]
    by_name: dict[str, str]
    sha256: str


@cache
def load_buyers(code_list: str = "municipal_buyers") -> BuyerCodes:
    table = load_code_list(code_list)
    by_code, by_rut, by_name = {}, {}, {}
    for row in table.itertuples(index=False):
        by_code |= {c: row.comuna_code for c in row.buyer_codes.split("|") if c}
        if row.buyer_rut:
            by_rut[rut_key(row.buyer_rut)] = row.comuna_code
        by_name |= {k: row.comuna_code for k in row.name_keys.split("|")}
    digest = hashlib.sha256(code_list_path(code_list).read_bytes()).hexdigest()
    return BuyerCodes(by_code, by_rut, by_name, digest)


@dataclass
class RoutingReport:
    """Where every row of a national file went (private: holds buyer names)."""

    file: str
    sha256: str
    source_format: str
    rows_in: int = 0
    routed: dict[str, int] = field(default_factory=dict)
    excluded: dict[str, int] = field(default_factory=dict)
    unmatched: dict[str, int] = field(default_factory=dict)
    #: reason → buyer name as written → rows
    buyers: dict[str, dict[str, int]] = field(default_factory=dict)
    malformed: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rows_routed(self) -> int:
        return sum(self.routed.values())

    @property
    def rows_excluded(self) -> int:
        return sum(self.excluded.values())

    @property
    def rows_unmatched(self) -> int:
        return sum(self.unmatched.values())

    @property
    def balanced(self) -> bool:
        return self.rows_in == self.rows_routed + self.rows_excluded + self.rows_unmatched

    def to_dict(self) -> dict:
        data = asdict(self)
        data["rows_routed"] = self.rows_routed
        data["rows_excluded"] = self.rows_excluded
        data["rows_unmatched"] = self.rows_unmatched
        data["balanced"] = self.balanced
        data["reasons"] = {r: {"es": es, "en": en} for r, (es, en) in REASONS.items()}
        return data

    @classmethod
    def from_dict(cls, data: dict) -> RoutingReport:
        names = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in names})

    def summary(self) -> list[str]:
        """Bilingual lines for the log and the CLI (buyer names only for unmatched)."""
        lines = [
            f"{self.file}: {self.rows_in} filas / rows → {self.rows_routed} enrutadas a "
            f"{len(self.routed)} comunas / routed to {len(self.routed)} comunas, "
            f"{self.rows_excluded} excluidas / excluded, {self.rows_unmatched} sin "
            f"municipalidad / unmatched"
        ]
        for reason, count in sorted(self.excluded.items()):
            es, en = REASONS[reason]
            lines.append(f"  excluidas / excluded ({es} / {en}): {count}")
        for reason, count in sorted(self.unmatched.items()):
            es, en = REASONS[reason]
            lines.append(f"  sin enrutar / unmatched ({es} / {en}): {count}")
            for name, n in _top(self.buyers.get(reason, {})):
                lines.append(f"    {name or '(vacío / empty)'}: {n}")
        return lines


@dataclass(frozen=True)
class NationalSplit:
    """A national file split into per-comuna slices (see `split_national`)."""

    path: Path
    folder: Path
    report: RoutingReport

    def slice_path(self, cut: str) -> Path:
        return self.folder / "comunas" / cut / self.path.name


def national_files(landing: Path, slug: str) -> list[Path]:
    """The national files landed for a dataset: `landing/_national/<slug>/*`."""
    folder = landing / NATIONAL / slug
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


def national_source(dataset: DatasetDescriptor, file_name: str) -> SourceFormat:
    """The routed source format (with `route:`) that accepts a national file's name."""
    source = next((s for s in dataset.sources if s.route and s.matches(file_name)), None)
    if source is None:
        raise RoutingError(
            "ningún formato de origen con `route:` acepta este archivo nacional: un archivo "
            "de landing/_national/ necesita decir cómo se reparte entre comunas",
            "no source format with `route:` accepts this national file: a file in "
            "landing/_national/ must say how it is divided among comunas",
            file=file_name,
        )
    return source


def split_national(path: Path, source: SourceFormat, warehouse: Path) -> NationalSplit:
    """Split a national file once per content; later calls (other comunas' runs, other
    processes) reuse the cached split."""
    digest = _cached_sha256(path, warehouse / "national" / ".sha256")
    folder = warehouse / "national" / digest / _route_key(source)
    if not (folder / SPLIT_FILE).exists():
        folder.parent.mkdir(parents=True, exist_ok=True)
        with (folder.parent / ".lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not (folder / SPLIT_FILE).exists():
                _split_into(path, source, digest, folder)
    report = RoutingReport.from_dict(json.loads((folder / SPLIT_FILE).read_text("utf-8")))
    return NationalSplit(Path(path), folder, report)


def read_routed(split: NationalSplit, source: SourceFormat, cut: str) -> RawSource | None:
    """The comuna's rows of a national file, read like one of its own exports (None when
    the file has no rows of that comuna). Row numbers are those of the national file."""
    path = split.slice_path(cut)
    if not path.exists():
        return None
    local = source.model_copy(
        update={"encoding": "utf_8", "delimiter": ",", "header_row": 1, "route": None}
    )
    raw = read_source(path, local, comuna_code=cut)
    national_rows = pacsv.read_csv(
        path,
        convert_options=pacsv.ConvertOptions(
            include_columns=[ROW_COLUMN], column_types={ROW_COLUMN: pa.int64()}
        ),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
    )[ROW_COLUMN].to_pylist()
    _renumber(raw, lambda row: national_rows[row - 2])
    report = split.report
    raw.provenance |= {
        "sha256": report.sha256,
        "bytes": split.path.stat().st_size,
        "encoding": source.encoding,
        "delimiter": source.delimiter,
        "national": {
            "file": report.file,
            "sha256": report.sha256,
            "rows_in": report.rows_in,
            "rows_routed_here": report.routed.get(cut, 0),
            "rows_routed": report.rows_routed,
            "rows_excluded": report.rows_excluded,
            "rows_unmatched": report.rows_unmatched,
        },
    }
    return raw


def write_routing_report(folder: Path, report: RoutingReport) -> Path:
    """The private routing report of a national file: JSON and a bilingual summary."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{report.file}.routing.json"
    target.write_text(
        json.dumps(report.to_dict(), ensure_ascii=False, indent=2, sort_keys=True) + "\n",
        encoding="utf-8",
    )
    (folder / f"{report.file}.routing.txt").write_text(
        "\n".join(report.summary()) + "\n", encoding="utf-8"
    )
    return target


# --- the split --------------------------------------------------------------------------


def _split_into(path: Path, source: SourceFormat, digest: str, folder: Path) -> None:
    """Route every row of `path` and write the slices to `folder` (atomically)."""
    started = time.perf_counter()
    route = source.route
    header = _header(path, source)
    positions = _route_columns(header, route, path.name)
    names = [f"c{i}" for i in range(len(header))]
    tmp = folder.parent / f".tmp-{folder.name}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "comunas").mkdir(parents=True)
    report = RoutingReport(path.name, digest, source.name)
    router = _Router(load_buyers(route.code_list), route)
    writers: dict[str, pacsv.CSVWriter] = {}
    out_schema = pa.schema([(h, pa.string()) for h in header] + [(ROW_COLUMN, pa.int64())])
    counts: Counter = Counter()
    buyers: dict[str, Counter] = {}
    next_row = 2  # record 1 is the header
    try:
        for batch in _batches(path, source, names, report.malformed):
            rows = pa.array(range(next_row, next_row + batch.num_rows), pa.int64())
            next_row += batch.num_rows
            columns = {key: batch.column(i) for key, i in positions.items()}
            cut, status = router.route(columns, batch.num_rows)
            table = pa.Table.from_arrays([*batch.columns, rows], schema=out_schema)
            _count(counts, buyers, status, columns.get("buyer_name"))
            for value, n in _write_routed(table, cut, status, tmp, path.name, writers):
                report.routed[value] = report.routed.get(value, 0) + n
            _write_unmatched(table, status, tmp, writers)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        for writer in writers.values():
            writer.close()
    report.rows_in = next_row - 2 + len(report.malformed)
    for reason, n in counts.items():
        if reason == "routed":
            continue
        (report.excluded if reason in EXCLUDED else report.unmatched)[reason] = n
    if report.malformed:
        report.unmatched["malformed-row"] = len(report.malformed)
    report.routed = dict(sorted(report.routed.items()))
    report.buyers = {r: dict(sorted(c.items())) for r, c in sorted(buyers.items())}
    report.seconds = round(time.perf_counter() - started, 3)
    if not report.balanced:
        shutil.rmtree(tmp, ignore_errors=True)
        raise RoutingError(
            f"las filas no cuadran: {report.rows_in} leídas, {report.rows_routed} enrutadas, "
            f"{report.rows_excluded} excluidas, {report.rows_unmatched} sin enrutar",
            f"rows do not reconcile: {report.rows_in} read, {report.rows_routed} routed, "
            f"{report.rows_excluded} excluded, {report.rows_unmatched} unmatched",
            file=path.name,
        )
    (tmp / SPLIT_FILE).write_text(
        json.dumps(report.to_dict(), ensure_ascii=False, indent=2, sort_keys=True) + "\n",
        encoding="utf-8",
    )
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(tmp, folder)


class _Router:
    """Per-row comuna and status, resolving each distinct buyer value once."""

    def __init__(self, buyers: BuyerCodes, route: RouteSpec) -> None:
        municipal = re.compile(route.municipal_pattern, re.IGNORECASE)
        self.lookups: dict[str, Callable[[str], str | None]] = {
            "buyer_code": lambda v: buyers.by_code.get(v.strip()),
            "buyer_rut": lambda v: buyers.by_rut.get(rut_key(v)),
            "buyer_name": lambda v: buyers.by_name.get(name_key(v) or ""),
        }
        self.looks_municipal = lambda v: municipal.search(fold(v)) is not None
        self.cache: dict[tuple[str, str], object] = {}

    def _map(self, key: str, column: pa.ChunkedArray | pa.Array, fn: Callable, kind) -> pa.Array:
        encoded = pc.dictionary_encode(column)
        if isinstance(encoded, pa.ChunkedArray):
            encoded = encoded.combine_chunks()
        values = []
        for value in encoded.dictionary.to_pylist():
            if (key, value) not in self.cache:
                self.cache[key, value] = fn(value)
            values.append(self.cache[key, value])
        return pa.array(values, kind).take(encoded.indices)

    def route(self, columns: dict, n: int) -> tuple[pa.Array, pa.Array]:
        found = [
            self._map(key, columns[key], self.lookups[key], pa.string())
            for key in ("buyer_code", "buyer_rut", "buyer_name")
            if key in columns
        ]
        cut = pc.coalesce(*found)
        conflict = pa.repeat(False, n)
        for candidate in found:
            differs = pc.and_(pc.is_valid(candidate), pc.not_equal(candidate, cut))
            conflict = pc.or_(conflict, pc.fill_null(differs, False))
        given = pa.repeat(False, n)
        for column in columns.values():
            given = pc.or_(given, pc.not_equal(pc.utf8_trim_whitespace(column), ""))
        municipal = (
            self._map("municipal", columns["buyer_name"], self.looks_municipal, pa.bool_())
            if "buyer_name" in columns
            else pa.repeat(False, n)
        )
        status = pc.case_when(
            pc.make_struct(
                conflict,
                pc.is_valid(cut),
                pc.invert(given),
                municipal,
                field_names=["conflict", "found", "missing", "municipal"],
            ),
            _STATUS.index("conflicting-identifiers"),
            _STATUS.index("routed"),
            _STATUS.index("buyer-missing"),
            _STATUS.index("unknown-municipal-buyer"),
            _STATUS.index("non-municipal-buyer"),
        )
        return cut, status.cast(pa.int8())


def _count(counts: Counter, buyers: dict, status: pa.Array, names) -> None:
    """Rows by status, and by buyer name for the rows not routed."""
    for code, n in zip(*_value_counts(status), strict=True):
        counts[_STATUS[code]] += n
        if code and names is not None:
            picked = pc.filter(names, pc.equal(status, code))
            for name, k in zip(*_value_counts(picked), strict=True):
                buyers.setdefault(_STATUS[code], Counter())[name] += k


def _value_counts(array) -> tuple[list, list]:
    counted = pc.value_counts(array)
    return counted.field("values").to_pylist(), counted.field("counts").to_pylist()


def _write_routed(
    table: pa.Table, cut, status, tmp: Path, name: str, writers: dict
) -> list[tuple[str, int]]:
    """Append the routed rows to their comunas' slices; return (comuna, rows) written."""
    routed = pc.equal(status, 0)
    part = table.filter(routed)
    if not part.num_rows:
        return []
    cuts = pc.filter(cut, routed)
    order = pc.sort_indices(cuts)  # stable: rows keep the file's order within a comuna
    part, cuts = part.take(order), cuts.take(order)
    runs = sorted(zip(*_value_counts(cuts), strict=True))
    start = 0
    for value, length in runs:
        if value not in writers:
            target = tmp / "comunas" / value / name
            target.parent.mkdir(parents=True, exist_ok=True)
            writers[value] = _csv_writer(target, table.schema)
        writers[value].write_table(part.slice(start, length))
        start += length
    return runs


def _write_unmatched(table: pa.Table, status, tmp: Path, writers: dict) -> None:
    unmatched = pc.greater(status, _STATUS.index("non-municipal-buyer"))
    part = table.filter(unmatched)
    if not part.num_rows:
        return
    reasons = pa.array(_STATUS, pa.string()).take(pc.filter(status, unmatched))
    part = part.append_column("_abierto_motivo", reasons)
    if UNMATCHED_FILE not in writers:
        writers[UNMATCHED_FILE] = _csv_writer(tmp / UNMATCHED_FILE, part.schema)
    writers[UNMATCHED_FILE].write_table(part)


def _csv_writer(path: Path, schema: pa.Schema) -> pacsv.CSVWriter:
    return pacsv.CSVWriter(path, schema, write_options=pacsv.WriteOptions(quoting_style="needed"))


# --- reading the national file ----------------------------------------------------------


def _header(path: Path, source: SourceFormat) -> list[str]:
    with path.open("r", encoding=source.encoding, newline="") as handle:
        try:
            first = next(csv.reader(handle, delimiter=source.delimiter), None)
        except (UnicodeDecodeError, csv.Error) as exc:
            raise SourceError(
                f"no se pudo leer el encabezado ({exc})",
                f"could not read the header ({exc})",
                file=path.name,
            ) from None
    if not first:
        raise SourceError(
            "el archivo no tiene contenido", "the file has no content", file=path.name
        )
    return [h.lstrip("\ufeff").strip() for h in first]


def _route_columns(header: list[str], route: RouteSpec, file: str) -> dict[str, int]:
    folded = [fold_label(h) for h in header]
    positions = {}
    for key, label in route.by.items():
        if fold_label(label) not in folded:
            raise HeaderError(
                f"falta la columna del comprador para enrutar ({key})",
                f"the buyer column for routing is missing ({key})",
                file=file,
                column=label,
            )
        positions[key] = folded.index(fold_label(label))
    return positions


def _batches(
    path: Path, source: SourceFormat, names: list[str], malformed: list[str]
) -> Iterator[pa.RecordBatch]:
    def bad_row(row) -> str:
        malformed.append(row.text[:500])
        return "skip"

    reader = pacsv.open_csv(
        path,
        read_options=pacsv.ReadOptions(
            encoding=source.encoding, column_names=names, skip_rows=1, block_size=BLOCK_BYTES
        ),
        parse_options=pacsv.ParseOptions(
            delimiter=source.delimiter, newlines_in_values=True, invalid_row_handler=bad_row
        ),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    try:
        yield from reader
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise SourceError(
            f"no se pudo leer el archivo nacional ({exc})",
            f"could not read the national file ({exc})",
            file=path.name,
        ) from None


def _cached_sha256(path: Path, folder: Path) -> str:
    """The file's sha256, remembered by path, size and modification time (a landed
    file is never modified in place), so that each comuna run need not hash 2 GB."""
    stat = path.stat()
    key = hashlib.sha256(f"{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    memo = folder / key.hexdigest()
    if memo.exists():
        return memo.read_text("ascii").strip()
    digest = sha256_file(path)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = memo.with_suffix(f".{os.getpid()}")
    tmp.write_text(digest + "\n", encoding="ascii")
    os.replace(tmp, memo)
    return digest


def _route_key(source: SourceFormat) -> str:
    """Changes when the code list or the route changes, so the split is made again."""
    buyers = load_buyers(source.route.code_list)
    spec = json.dumps(
        [source.model_dump(include={"route", "encoding", "delimiter"}), buyers.sha256],
        sort_keys=True,
    )
    return hashlib.sha256(spec.encode()).hexdigest()[:12]


def _renumber(raw: RawSource, national: Callable[[int], int]) -> None:
    """Give the rows of a slice the record numbers of the national file."""
    for frame in [*raw.tables.values(), *raw.excluded_tables.values()]:
        if len(frame):
            frame["_source_row"] = [national(int(r)) for r in frame["_source_row"]]
    for row in raw.excluded:
        row.source_row = national(row.source_row)


def _top(counts: dict[str, int], n: int = 20) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]


# --- command line -----------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> None:
    """Split a national file and print where its rows went (an operator's dry run)."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("file", type=Path)
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--warehouse", type=Path, default=Path("data/warehouse"))
    args = parser.parse_args(argv)
    source = national_source(load_descriptor(args.dataset), args.file.name)
    split = split_national(args.file, source, args.warehouse)
    print("\n".join(split.report.summary()))
    print(f"  {split.folder}")


if __name__ == "__main__":
    main()
