"""Many fictional comunas for tests and benchmarks: copies of Villa Ejemplo's exports.

Each comuna gets the demo exports with its Mercado Público buyer code changed (order ids
are unique nationwide, so two comunas cannot share them). Every comuna is fictional
(CUT codes 98901–99999 are outside the official range).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from datasets.descriptor import SLUGS

SAMPLES = Path(__file__).resolve().parent / "99901"
DEMO_BUYER = b"2431-"


def fictional_cuts(count: int) -> list[str]:
    """99901, 99902, …, 99999, then 98901, 98902, … (up to 1,098 codes; all outside the
    official range, whose region prefixes end at 16)."""
    return [f"{99901 + i if i < 99 else 98901 + i - 99:05d}" for i in range(count)]


def write_installation(path: Path, cuts: list[str]) -> Path:
    """An installation file publishing the given fictional comunas."""
    municipalities = [
        {
            "cut": cut,
            "name": "Villa Ejemplo" if cut == "99901" else f"Villa Ejemplo {cut[-2:]}",
            "region_code": "13",
            "fictional": True,
            "publisher": {
                "name": f"Municipalidad ficticia {cut}",
                "url": "https://villaejemplo.example",
                "email": "transparencia@villaejemplo.example",
            },
            "datasets": list(SLUGS),
        }
        for cut in cuts
    ]
    text = yaml.safe_dump(
        {
            "catalog": {
                "title": {"es": "Datos abiertos municipales", "en": "Municipal open data"},
                "description": {"es": "Comunas ficticias", "en": "Fictional comunas"},
            },
            "municipalities": municipalities,
        },
        allow_unicode=True,
        sort_keys=False,
    )
    path.write_text(text, encoding="utf-8")
    return path


def seed_comuna(landing: Path, cut: str, slugs: tuple[str, ...] = SLUGS) -> list[Path]:
    """Copy the demo exports to `<landing>/<cut>/`, with the comuna's own buyer code."""
    buyer = f"{int(cut) - 99901 + 2431:04d}-".encode()
    written = []
    for slug in slugs:
        for source in sorted((SAMPLES / slug).iterdir()):
            target = landing / cut / slug / source.name
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.suffix in {".csv", ".json"}:
                target.write_bytes(source.read_bytes().replace(DEMO_BUYER, buyer))
            else:
                shutil.copyfile(source, target)
            written.append(target)
    return written
