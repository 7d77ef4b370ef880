"""Build the code lists in `schemas/codes/` from the shared reference data.

Reads `comunas.csv` and `clasificador_presupuestario.csv` from the reference folder
(default `../shared/reference-data/codes` relative to the repository root) and writes
`comunas.csv` and `budget_classifier.csv` beside this file: UTF-8 without BOM, LF line
endings, minimal quoting, rows sorted by code, so the same input always gives the same
bytes.

The classifier's rows are corroborated against the committed extract of DIPRES's own
2017 files (`sources/dipres_2017_cuentas.csv`), and each says whether an official
source holds it (`is_official`).

Usage: python -m schemas.codes.build [REFERENCE_DIR] [--out OUT_DIR]
"""

from __future__ import annotations

import argparse
import csv
import difflib
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path

CODES_DIR = Path(__file__).resolve().parent
REPO_ROOT = CODES_DIR.parents[1]
DEFAULT_REFERENCE_DIR = REPO_ROOT.parent / "shared" / "reference-data" / "codes"

COMUNAS_SOURCE = "comunas.csv"
CLASSIFIER_SOURCE = "clasificador_presupuestario.csv"

COMUNAS_COLUMNS = (
    "comuna_code",
    "comuna_name",
    "provincia_code",
    "provincia_name",
    "region_code",
    "region_name",
    "is_fictional",
)
CLASSIFIER_COLUMNS = (
    "account_type",
    "code",
    "subtitulo",
    "item",
    "asignacion",
    "level",
    "name",
    "description",
    "source",
    "is_official",
)
EXPECTED_COMUNAS = 346
#: Accounts of DIPRES's own 2017 files (April execution of all programmes, the budget
#: law) whose code is in the classifier: official names to corroborate rows that only
#: a municipality's chart of accounts held (see SOURCES.md).
DIPRES_2017 = CODES_DIR / "sources" / "dipres_2017_cuentas.csv"
DIPRES_2017_SOURCE = "dipres_2017"
#: A row is corroborated when an official name for its code is this close to its own
#: (difflib ratio over upper-case names without accents or punctuation).
SAME_NAME = 0.9
#: The one source that is not official: a municipality's own chart of accounts.
MUNICIPAL_ONLY = "penalolen_bep"


class CodeListBuildError(ValueError):
    """The reference data does not have the shape the code lists need."""


def _read(path: Path, required: Sequence[str]) -> list[dict[str, str]]:
    """Read a UTF-8 CSV into dicts of NFC-normalised, stripped text; check the columns."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            raise CodeListBuildError(f"{path}: missing columns {missing}")
        return [
            {k: unicodedata.normalize("NFC", (v or "").strip()) for k, v in row.items() if k}
            for row in reader
        ]


def _check_unique(rows: Iterable[dict[str, str]], key: str, path: Path) -> None:
    seen: set[str] = set()
    for row in rows:
        if row[key] in seen:
            raise CodeListBuildError(f"{path}: duplicate {key} {row[key]!r}")
        seen.add(row[key])


def _to_csv(columns: Sequence[str], rows: Iterable[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer, fieldnames=columns, lineterminator="\n", quoting=csv.QUOTE_MINIMAL
    )
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def build_comunas(reference_dir: Path) -> bytes:
    """Return the bytes of `comunas.csv`: the 346 CUT codes plus `is_fictional=false`."""
    path = reference_dir / COMUNAS_SOURCE
    rows = _read(path, COMUNAS_COLUMNS[:-1])
    _check_unique(rows, "comuna_code", path)
    if len(rows) != EXPECTED_COMUNAS:
        raise CodeListBuildError(f"{path}: {len(rows)} comunas, expected {EXPECTED_COMUNAS}")
    for row in rows:
        if not (len(row["comuna_code"]) == 5 and row["comuna_code"].isdigit()):
            raise CodeListBuildError(f"{path}: bad comuna_code {row['comuna_code']!r}")
        row["is_fictional"] = "false"
    rows.sort(key=lambda r: r["comuna_code"])
    return _to_csv(COMUNAS_COLUMNS, ({c: r[c] for c in COMUNAS_COLUMNS} for r in rows))


def build_budget_classifier(reference_dir: Path) -> bytes:
    """Return the bytes of `budget_classifier.csv` (dotted `code` is unique)."""
    path = reference_dir / CLASSIFIER_SOURCE
    rows = _read(path, CLASSIFIER_COLUMNS[:-1])
    _check_unique(rows, "code", path)
    for row in rows:
        parts = [p for p in (row["subtitulo"], row["item"], row["asignacion"]) if p]
        if ".".join(parts) != row["code"]:
            raise CodeListBuildError(f"{path}: code {row['code']!r} does not match its parts")
    official = _official_names(DIPRES_2017)
    for row in rows:
        sources = row["source"].split(";")
        if _corroborated(row, official) and DIPRES_2017_SOURCE not in sources:
            sources.append(DIPRES_2017_SOURCE)
        row["source"] = ";".join(sources)
        row["is_official"] = "true" if set(sources) - {MUNICIPAL_ONLY} else "false"
    rows.sort(key=lambda r: r["code"])
    return _to_csv(CLASSIFIER_COLUMNS, ({c: r[c] for c in CLASSIFIER_COLUMNS} for r in rows))


def _folded_name(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().upper()
    return " ".join(re.sub(r"[^A-Z0-9 ]", " ", text).split())


def _official_names(path: Path) -> dict[str, set[str]]:
    """Folded official names per dotted code."""
    names: dict[str, set[str]] = {}
    for row in _read(path, ("code", "name", "file")):
        names.setdefault(row["code"], set()).add(_folded_name(row["name"]))
    return names


def _corroborated(row: dict[str, str], official: dict[str, set[str]]) -> bool:
    """An official file has this code under (nearly) the same name: a code alone is not
    enough, DIPRES numbers its transfer asignaciones per budget law."""
    name = _folded_name(row["name"])
    return any(
        difflib.SequenceMatcher(None, name, other).ratio() >= SAME_NAME
        for other in official.get(row["code"], ())
    )


def build(reference_dir: Path = DEFAULT_REFERENCE_DIR, out_dir: Path = CODES_DIR) -> list[Path]:
    """Write both code lists to `out_dir` and return their paths."""
    reference_dir = Path(reference_dir)
    out_dir = Path(out_dir)
    outputs = {
        "comunas.csv": build_comunas(reference_dir),
        "budget_classifier.csv": build_budget_classifier(reference_dir),
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in outputs.items():
        target = out_dir / name
        target.write_bytes(content)
        written.append(target)
    return written


def main(argv: Sequence[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "reference_dir",
        nargs="?",
        type=Path,
        default=DEFAULT_REFERENCE_DIR,
        help="folder with comunas.csv and clasificador_presupuestario.csv "
        "(default: ../shared/reference-data/codes from the repository root)",
    )
    parser.add_argument("--out", type=Path, default=CODES_DIR, help="output folder")
    args = parser.parse_args(argv)
    for path in build(args.reference_dir, args.out):
        print(path)


if __name__ == "__main__":
    main()
