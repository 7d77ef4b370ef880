"""Throughput of `read_source` on a large Mercado Público order-lines export.

Builds a Latin-1, `;`-separated file by repeating the demo sample's lines (with
fresh order codes) and times detection, parsing in blocks, mapping and grouping (wall
and CPU seconds; peak RSS of the process, which the file's size must not set).

    .venv/bin/python benchmarks/read_source.py [ROWS]
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

from datasets.descriptor import load_descriptor
from datasets.ingest import read_source
from datasets.samples.generate import DEFAULT_OUT_DIR

SAMPLE = DEFAULT_OUT_DIR / "99901" / "contracts" / "ordenes_de_compra_2026-10.csv"


def build(path: Path, rows: int) -> None:
    header, *lines = SAMPLE.read_bytes().decode("latin-1").splitlines()
    out = [header]
    copy = 0
    while len(out) <= rows:
        copy += 1
        out += [line.replace("-SE26", f"-C{copy}") for line in lines]
    path.write_bytes(("\r\n".join(out[: rows + 1]) + "\r\n").encode("latin-1"))


def main(rows: int) -> None:
    source = load_descriptor("contracts").source_for(SAMPLE.name)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ordenes_de_compra_bench.csv"
        build(path, rows)
        start, cpu = time.perf_counter(), time.process_time()
        raw = read_source(path, source, comuna_code="99901")
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        size = path.stat().st_size
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{raw.rows_read} rows ({size / 1e6:.1f} MB), {len(raw.tables['purchase_orders'])} "
        f"orders in {seconds:.2f} s ({cpu:.2f} s CPU) = {raw.rows_read / seconds:,.0f} rows/s; "
        f"peak RSS {rss:.0f} MB"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
