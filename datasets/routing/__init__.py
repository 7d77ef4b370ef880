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
import fcntl
import hashlib
import json
import os
import shutil
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from datasets.descriptor import DatasetDescriptor, SourceFormat, load_descriptor
from datasets.hashing import sha256_file
from datasets.ingest import RawSource, read_source
from datasets.readers import landed_entries
from datasets.routing.report import REASONS, RoutingError, RoutingReport
from datasets.routing.split import (
    ROW_COLUMN,
    SPLIT_FILE,
    UNMATCHED_FILE,
    load_buyers,
    split_file,
)

NATIONAL = "_national"
__all__ = [
    "NATIONAL",
    "REASONS",
    "UNMATCHED_FILE",
    "NationalSplit",
    "RoutingError",
    "RoutingReport",
    "national_files",
    "national_refused",
    "national_source",
    "prune_splits",
    "read_national",
    "read_routed",
    "split_national",
    "write_routing_report",
]


@dataclass(frozen=True)
class NationalSplit:
    """A national file split into per-comuna slices (see `split_national`)."""

    path: Path
    folder: Path
    report: RoutingReport

    def slice_path(self, cut: str) -> Path:
        return self.folder / "comunas" / cut / self.path.name


def national_files(landing: Path, slug: str) -> list[Path]:
    """The national files landed for a dataset: the regular files of
    `landing/_national/<slug>/`, never through a symbolic link (hidden files ignored)."""
    return [path for path, regular in _national_entries(landing, slug) if regular]


def national_refused(landing: Path, slug: str) -> list[Path]:
    """Entries of `landing/_national/<slug>/` that are not regular files (symbolic links,
    folders, FIFOs, devices): refused as `unsafe-file` without being opened, as in a
    comuna's landing folder."""
    return [path for path, regular in _national_entries(landing, slug) if not regular]


def _national_entries(landing: Path, slug: str) -> list[tuple[Path, bool]]:
    if (landing / NATIONAL).is_symlink():
        return []
    return landed_entries(landing / NATIONAL / slug)


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
                split_file(path, source, digest, folder)
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


def read_national(
    path: Path, source: SourceFormat, warehouse: Path, cuts: Iterable[str] | None = None
) -> tuple[RawSource | None, RoutingReport]:
    """A national file read as one export (for `abierto validate`): split as a run splits
    it, then the rows routed to every comuna (or only to `cuts`), each with its comuna
    and national row number, in one `RawSource` (None when no row was routed there).
    Excluded and unmatched rows are counted in the routing report, not read."""
    split = split_national(path, source, warehouse)
    wanted = sorted(split.report.routed) if cuts is None else sorted(set(cuts))
    parts = [raw for cut in wanted if (raw := read_routed(split, source, cut)) is not None]
    if not parts:
        return None, split.report
    provenance = dict(parts[0].provenance)
    provenance["rows_read"] = sum(p.rows_read for p in parts)
    excluded = Counter()
    for part in parts:
        excluded.update(part.provenance.get("rows_excluded_by_reason", {}))
    provenance["rows_excluded_by_reason"] = dict(excluded)
    provenance.pop("rows_excluded", None)
    provenance.pop("comuna_code", None)

    def concat(tables: list[dict[str, pd.DataFrame]]) -> dict[str, pd.DataFrame]:
        names = dict.fromkeys(name for t in tables for name in t)
        return {
            name: pd.concat([t[name] for t in tables if name in t], ignore_index=True)
            for name in names
        }

    raw = RawSource(
        provenance,
        parts[0].row_table,
        concat([p.tables for p in parts]),
        [row for p in parts for row in p.excluded],
        concat([p.excluded_tables for p in parts]),
    )
    return raw, split.report


def prune_splits(warehouse: Path, keep: Iterable[Path]) -> list[Path]:
    """Remove the cached splits (`warehouse/national/<sha256>/`) of files no longer
    landed, keeping those of `keep` (the national files of the run that just
    succeeded); returns the folders removed."""
    root = warehouse / "national"
    if not root.is_dir():
        return []
    memo = root / ".sha256"
    kept = {_cached_sha256(path, memo) for path in keep}
    removed = []
    for folder in sorted(root.iterdir()):
        if folder.name.startswith(".") or folder.name in kept or not folder.is_dir():
            continue
        shutil.rmtree(folder)
        removed.append(folder)
    if memo.is_dir():  # remembered hashes of files that are gone
        for entry in memo.iterdir():
            if entry.read_text("ascii").strip() not in kept:
                entry.unlink(missing_ok=True)
    return removed


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
