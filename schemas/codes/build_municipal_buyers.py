"""Build `municipal_buyers.csv`: how national files name each municipality as a buyer.

Reads the committed extract `sources/registros19862_municipal.txt` (the municipalities
of the Registro de Receptores de Fondos Públicos, Ley 19.862, with their RUT) and the
official `comunas.csv`, and writes one row per municipality (345: the comuna of
Antártica is administered by the Municipalidad de Cabo de Hornos) with its CUT, RUT
and the normalised name forms that identify it. The output is deterministic: UTF-8
without BOM, LF, rows sorted by CUT. Any registry name that cannot be tied to exactly
one comuna stops the build; aliases are declared below, each a spelling the registry
itself uses.

Usage: python -m schemas.codes.build_municipal_buyers [--out OUT_DIR]
"""

from __future__ import annotations

import argparse
import csv
import html
import io
import re
from collections.abc import Sequence
from pathlib import Path

from schemas.buyers import format_rut, name_key
from schemas.codes.build import CodeListBuildError

CODES_DIR = Path(__file__).resolve().parent
REGISTRY_EXTRACT = CODES_DIR / "sources" / "registros19862_municipal.txt"
COLUMNS = (
    "comuna_code",
    "comuna_name",
    "municipality_name",
    "buyer_rut",
    "buyer_codes",
    "name_keys",
    "rut_source",
    "note",
)
#: The Municipalidad de Cabo de Hornos administers the comuna of Antártica (12202).
ADMINISTERED_BY = {"12202": "12201"}
#: Registry spellings of comuna names that differ from the official list's.
ALIASES = {
    "AISEN": "AYSEN",
    "COIHAIQUE": "COYHAIQUE",
    "LLAY LLAY": "LLAILLAY",
    "MARCHIGUE": "MARCHIHUE",
    "PAIHUANO": "PAIGUANO",
    "TREHUACO": "TREGUACO",
}
#: The registry marks the region an entry was filed under before the 2007 division
#: (`I` for Arica y Parinacota, `X` for Los Ríos) and some entries as `antigua` (old).
_REGISTRY_SUFFIX = re.compile(r"^(?P<name>.+?)(?: (?P<mark>I|X|ANTIGUA))?$")
_ENTRY = re.compile(
    r"^(?P<line>\d+)\t\s*<td>(?P<name>[^<]+)</td>"
    r"<td>http://www\.registros19862\.cl/institucion/(?P<rut>\d+)</td>\s*$"
)


def registry_entries(path: Path = REGISTRY_EXTRACT) -> list[dict]:
    """The «Municipalidad de X» entries of the registry extract (departments, DAEMs and
    corporations, which are other legal persons or units, are left out)."""
    entries = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        if raw.startswith("#"):
            continue
        match = _ENTRY.match(raw)
        if match is None:
            raise CodeListBuildError(f"{path}: unexpected line {raw!r}")
        name = html.unescape(match["name"]).strip()
        key = name_key(name)
        if key is None or " - " in name:
            continue
        suffix = _REGISTRY_SUFFIX.match(key)
        entries.append(
            {
                "line": int(match["line"]),
                "name": name,
                "key": ALIASES.get(suffix["name"], suffix["name"]),
                "spelling": suffix["name"],
                "mark": (suffix["mark"] or "").lower(),
                "rut": int(match["rut"]),
            }
        )
    return entries


def build_rows(comunas: list[dict], entries: list[dict]) -> list[dict]:
    """One row per municipality; every registry entry must name exactly one comuna."""
    by_key: dict[str, dict] = {}
    for comuna in comunas:
        key = name_key(f"Municipalidad de {comuna['comuna_name']}")
        if key in by_key:
            raise CodeListBuildError(f"two comunas share the name key {key!r}")
        by_key[key] = comuna
    found: dict[str, dict] = {}
    for entry in entries:
        comuna = by_key.get(entry["key"])
        if comuna is None:
            raise CodeListBuildError(f"registry line {entry['line']}: no comuna {entry['name']!r}")
        if comuna["comuna_code"] in found:
            raise CodeListBuildError(f"registry line {entry['line']}: second entry for {comuna}")
        found[comuna["comuna_code"]] = entry
    rows = []
    for comuna in sorted(comunas, key=lambda c: c["comuna_code"]):
        code = comuna["comuna_code"]
        if code in ADMINISTERED_BY:
            continue
        entry = found.get(code)
        official = name_key(f"Municipalidad de {comuna['comuna_name']}")
        keys = {official} | ({entry["spelling"]} if entry else set())
        rows.append(
            {
                "comuna_code": code,
                "comuna_name": comuna["comuna_name"],
                "municipality_name": f"Municipalidad de {comuna['comuna_name']}",
                "buyer_rut": format_rut(entry["rut"]) if entry else "",
                "buyer_codes": "",
                "name_keys": "|".join(sorted(keys)),
                "rut_source": f"registros19862:{entry['line']}" if entry else "",
                "note": _note(entry),
            }
        )
    return rows


def _note(entry: dict | None) -> str:
    if entry is None:
        return "sin RUT en el registro / no RUT in the registry"
    if entry["mark"] == "antigua":
        return "registro marcado «antigua» / registry entry marked 'antigua' (old)"
    return ""


def build(out_dir: Path = CODES_DIR) -> Path:
    """Write `municipal_buyers.csv` to `out_dir` and return its path."""
    with (CODES_DIR / "comunas.csv").open(encoding="utf-8", newline="") as handle:
        comunas = list(csv.DictReader(handle))
    rows = build_rows(comunas, registry_entries())
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    target = Path(out_dir) / "municipal_buyers.csv"
    target.write_bytes(buffer.getvalue().encode("utf-8"))
    return target


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=CODES_DIR, help="output folder")
    print(build(parser.parse_args(argv).out))


if __name__ == "__main__":
    main()
