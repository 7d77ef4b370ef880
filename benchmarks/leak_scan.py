"""How fast the publish gate's leak scan reads a release (not a test: run it by hand).

    .venv/bin/python -m benchmarks.leak_scan [ROWS]

Writes a table of ROWS requests (id, a 9-digit amount, a free-text subject) as CSV with
its datapackage.json and as Parquet in a tmp folder, then scans it for 5,000 removed
values plus the RUT/e-mail/phone patterns and prints rows per second.
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from publish.leaks import scan_for_values

WORDS = [
    "solicito",
    "copia",
    "del",
    "decreto",
    "de",
    "la",
    "patente",
    "de",
    "alcoholes",
    "y",
    "el",
    "presupuesto",
    "municipal",
    "2025",
    "monto",
    "$12.345.678",
    "folio",
]


def main(rows: int) -> None:
    rng = random.Random(1)
    frame = pd.DataFrame(
        {
            "request_id": [f"MU{i:09d}" for i in range(rows)],
            "amount_clp": [rng.randint(1, 999_999_999) for _ in range(rows)],
            "subject": [" ".join(rng.choices(WORDS, k=12)) for _ in range(rows)],
        }
    )
    fields = [
        {"name": "request_id", "type": "string"},
        {"name": "amount_clp", "type": "integer"},
        {"name": "subject", "type": "string"},
    ]
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        frame.to_csv(root / "t.csv", index=False)
        frame.to_parquet(root / "t.parquet")
        package = {"resources": [{"path": "t.csv", "schema": {"fields": fields}}]}
        (root / "datapackage.json").write_text(json.dumps(package))
        size = sum(p.stat().st_size for p in root.iterdir())
        start = time.perf_counter()
        hits = scan_for_values(root, {f"Persona Número {i}" for i in range(5000)})
        seconds = time.perf_counter() - start
    print(
        f"{2 * rows:,} rows (CSV + Parquet), {size / 1e6:.1f} MB: {seconds:.1f} s, "
        f"{2 * rows / seconds:,.0f} rows/s, {len(hits)} hits"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000)
