"""Write the synthetic sample exports of the demo municipality, byte for byte.

Villa Ejemplo (CUT 99901) is fictional and every value is invented. The files
imitate what Chilean municipalities really export (encodings, delimiters,
number formats, typos in headers) so the readers can be tested end to end:

    <out>/99901/budgets/ejecucion_presupuestaria_2026-09.csv
    <out>/99901/budgets/ejecucion_presupuestaria_2026-10.csv
    <out>/99901/contracts/ordenes_de_compra_2026-10.csv
    <out>/99901/contracts/ocds_2026-10.json
    <out>/99901/access_requests/solicitudes_2026.xlsx
    <out>/ground_truth/solicitudes_2026_materia_datos_personales.json

Usage: python -m datasets.samples.generate [OUT_DIR]   (default: datasets/samples)

Every run writes the same bytes: seeded random generators, no clock, XLSX
packages rebuilt with fixed dates and entry order.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from . import access_requests, budgets, ocds, purchase_orders
from .common import COMUNA_CODE

DEFAULT_OUT_DIR = Path(__file__).resolve().parent


def generate(out_dir: Path = DEFAULT_OUT_DIR) -> list[Path]:
    """Write every sample file under `out_dir`; return their paths."""
    comuna_dir = out_dir / COMUNA_CODE
    return [
        *budgets.generate(comuna_dir),
        *purchase_orders.generate(comuna_dir),
        *ocds.generate(comuna_dir),
        *access_requests.generate(comuna_dir, out_dir / "ground_truth"),
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", nargs="?", type=Path, default=DEFAULT_OUT_DIR)
    args = parser.parse_args(argv)
    for path in generate(args.out_dir):
        print(path)


if __name__ == "__main__":
    main()
