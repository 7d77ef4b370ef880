"""A ChileCompra-style national bulk file of purchase orders (synthetic).

ChileCompra's monthly bulk download (`oc-da/<year>-<month>.zip`) holds the purchase
order lines of every public buyer of the country, with the buyer's unit, RUT,
organisation and sector in the columns `CodigoUnidadCompra`, `RutUnidadCompra`,
`UnidadCompra`, `CodigoOrganismoPublico`, `OrganismoPublico`, `sector`,
`ActividadComprador`, `CiudadUnidadCompra`, `RegionUnidadCompra`, `PaisUnidadCompra`
(names and order as in the real file; Latin-1, `;`, CRLF). This sample takes Villa
Ejemplo's export (`99901/contracts/ordenes_de_compra_2026-10.csv`), puts those columns
in place of its `UnidadCompra`, and gives its orders to several buyers: real
municipalities (their RUT and name from `schemas/codes/municipal_buyers.csv`, written
the ways buyers write them), a ministry, a hospital, a municipal corporation, a
municipality that does not exist, a row whose RUT and name disagree and a row without
buyer. Organisation and unit codes are invented; every order is synthetic.

    <out>/_national/contracts/ordenes_de_compra_nacional_2026-10.csv

Usage: python -m datasets.samples.national [OUT_DIR]   (default: datasets/samples)
"""

from __future__ import annotations

import argparse
import csv
import io
from pathlib import Path

from .common import COMUNA_CODE

SAMPLES_DIR = Path(__file__).resolve().parent
DEMO_FILE = SAMPLES_DIR / COMUNA_CODE / "contracts" / "ordenes_de_compra_2026-10.csv"
FILE_NAME = "ordenes_de_compra_nacional_2026-10.csv"
BUYER_COLUMNS = (
    "CodigoUnidadCompra", "RutUnidadCompra", "UnidadCompra", "CodigoOrganismoPublico",
    "OrganismoPublico", "sector", "ActividadComprador", "CiudadUnidadCompra",
    "RegionUnidadCompra", "PaisUnidadCompra",
)  # fmt: skip
MUNICIPAL = "Municipalidades"
MUNICIPAL_ACTIVITY = "ADMINISTRACION PUBLICA LOCAL (MUNICIPALIDADES)"
RM = "Región Metropolitana de Santiago"
BIOBIO = "Región del Biobío"

#: (unit code, unit RUT, organisation, sector, activity, city, region, orders).
#: The comuna each buyer must be routed to is in `EXPECTED_COMUNA`.
BUYERS = (
    (
        "3101",
        "69.070.100-6",
        "I MUNICIPALIDAD DE SANTIAGO",
        MUNICIPAL,
        MUNICIPAL_ACTIVITY,
        "Santiago",
        RM,
        6,
    ),
    (
        "3102",
        "69.070.500-1",
        "ILUSTRE MUNICIPALIDAD DE ÑUÑOA",
        MUNICIPAL,
        MUNICIPAL_ACTIVITY,
        "Ñuñoa",
        RM,
        4,
    ),
    (
        "3103",
        "",
        "I. Municipalidad de San Pedro",
        MUNICIPAL,
        MUNICIPAL_ACTIVITY,
        "San Pedro",
        RM,
        3,
    ),
    (
        "3104",
        "69264800-5",
        "I MUNICIPALIDAD DE SAN PEDRO DE LA PAZ",
        MUNICIPAL,
        MUNICIPAL_ACTIVITY,
        "San Pedro de la Paz",
        BIOBIO,
        3,
    ),
    (
        "3105",
        "69.170.100-K",
        "I MUNICIPALIDAD DE LOS ANGELES",
        MUNICIPAL,
        MUNICIPAL_ACTIVITY,
        "Los Ángeles",
        BIOBIO,
        3,
    ),
    (
        "3106",
        "69.255.500-7",
        "Municipalidad de Independencia",
        MUNICIPAL,
        MUNICIPAL_ACTIVITY,
        "Independencia",
        RM,
        2,
    ),
    (
        "1019",
        "61.202.000-0",
        "MINISTERIO DE OBRAS PUBLICAS",
        "Gob. Central, Universidades",
        "GOBIERNO CENTRAL Y ADMINISTRACION PUBLICA",
        "Santiago",
        RM,
        4,
    ),
    (
        "2379",
        "61.602.242-3",
        "HOSPITAL VILCUN",
        "Salud",
        "SALUD",
        "Vilcún",
        "Región de la Araucanía",
        3,
    ),
    (
        "3107",
        "70.123.400-6",
        "CORPORACION MUNICIPAL DE PEÑALOLEN PARA EL DESARROLLO SOCIAL",
        MUNICIPAL,
        "EDUCACION",
        "Peñalolén",
        RM,
        2,
    ),
    (
        "3108",
        "69.999.999-7",
        "I MUNICIPALIDAD DE VILLA INEXISTENTE",
        MUNICIPAL,
        MUNICIPAL_ACTIVITY,
        "Villa Inexistente",
        RM,
        2,
    ),
    (
        "3109",
        "69.070.100-6",
        "I MUNICIPALIDAD DE PROVIDENCIA",
        MUNICIPAL,
        MUNICIPAL_ACTIVITY,
        "Providencia",
        RM,
        1,
    ),
    ("3110", "", "", "", "", "", "", 1),
)
EXPECTED_COMUNA = {
    "3101": "13101", "3102": "13120", "3103": "13505", "3104": "08108",
    "3105": "08301", "3106": "13108",
}  # fmt: skip
DEMO_BUYER, DEMO_PLACE = "2431-", "Villa Ejemplo (ficticia)"


def demo_orders() -> tuple[list[str], list[list[list[str]]]]:
    """The demo export's header and its orders (each a list of line rows), in file order."""
    text = DEMO_FILE.read_bytes().decode("latin-1")
    header, *rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    orders: dict[str, list[list[str]]] = {}
    for row in rows:
        orders.setdefault(row[0], []).append(row)
    return header, list(orders.values())


def national_rows() -> tuple[list[str], list[list[str]]]:
    """The national file's header and rows: the demo's orders, a few for each buyer."""
    demo_header, orders = demo_orders()
    unit = demo_header.index("UnidadCompra")
    header = [*demo_header[:unit], *BUYER_COLUMNS, *demo_header[unit + 1 :]]
    rows, next_order = [], 0
    for code, rut, organisation, sector, activity, city, region, count in BUYERS:
        for order in orders[next_order : next_order + count]:
            for line in order:
                unit_name = line[unit].replace(DEMO_PLACE, city) if organisation else ""
                organisation_code, country = (f"9{code}", "CL") if organisation else ("", "")
                buyer = [code, rut, unit_name, organisation_code, organisation, sector, activity,
                         city, region, country]  # fmt: skip
                cells = [line[0].replace(DEMO_BUYER, f"{code}-", 1), *line[1:unit]]
                rows.append([*cells, *buyer, *line[unit + 1 :]])
        next_order += count
    return header, rows


def to_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("latin-1")


def generate(out_dir: Path = SAMPLES_DIR) -> list[Path]:
    target = out_dir / "_national" / "contracts" / FILE_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(to_bytes(*national_rows()))
    return [target]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", nargs="?", type=Path, default=SAMPLES_DIR)
    for path in generate(parser.parse_args(argv).out_dir):
        print(path)


if __name__ == "__main__":
    main()
