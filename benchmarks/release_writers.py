"""Throughput of the release writers on a synthetic purchase-order-like table.

Run: .venv/bin/python benchmarks/release_writers.py [ROWS]   (default 200000)
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from publish.changes import diff_table
from publish.integrity import verify_folder, write_sums
from publish.package import arrow_table, write_csv, write_parquet
from publish.spreadsheet import write_xlsx

FIELDS = [
    {"name": "order_id", "type": "string"},
    {"name": "supplier_name", "type": "string"},
    {"name": "amount_total_clp", "type": "integer"},
    {"name": "ratio", "type": "number"},
]


def timed(label: str, rows: int, action) -> None:
    start = time.perf_counter()
    action()
    seconds = time.perf_counter() - start
    print(f"{label}: {seconds:.2f} s, {rows / seconds:,.0f} rows/s")


def main(rows: int) -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "order_id": [f"{i:07d}-1-SE26" for i in range(rows)],
            "supplier_name": rng.choice(["=Comercial", "Ferretería Sur", "-Servicios"], rows),
            "amount_total_clp": rng.integers(-1000, 10_000_000, rows),
            "ratio": rng.random(rows),
        }
    )
    out = Path(tempfile.mkdtemp())
    timed("csv", rows, lambda: write_csv(frame, FIELDS, out / "t.csv"))
    timed("parquet", rows, lambda: write_parquet(frame, FIELDS, out / "a.parquet"))
    title = {"es": "t", "en": "t"}
    table = arrow_table(frame, FIELDS)
    timed("xlsx", rows, lambda: write_xlsx(table, FIELDS, out / "t.xlsx", sheet="t", title=title))
    edited = frame.copy()
    edited.loc[::10, "amount_total_clp"] += 1
    write_parquet(edited.drop(index=range(0, rows, 100)), FIELDS, out / "b.parquet")
    timed(
        "changes", rows, lambda: diff_table(out / "a.parquet", out / "b.parquet", ["order_id"], "t")
    )
    timed("SHA256SUMS + verify", rows, lambda: (write_sums(out), verify_folder(out)))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000)
