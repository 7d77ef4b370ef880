"""Splitting a national purchase-order file into comunas, against the physical floor.

Builds a ChileCompra-style national file (Latin-1, `;`, CRLF, the columns of
`datasets/samples/national.py`) of ROWS order lines whose buyers are the 345
municipalities of `schemas/codes/municipal_buyers.csv` (as RUT + name, or name only, in
the spellings offices use), 500 non-municipal buyers and a few unknown municipal ones;
then, in the same invocation, times

- **floor**: DuckDB reading the same CSV (all columns as text) into one Parquet file;
- **split**: `datasets.routing.split_national` (route every row, write 345 slices and
  the unmatched rows, check rows_in = routed + excluded + unmatched);
- **one comuna**: `read_routed` of the largest slice (what each comuna's run reads).

*RSS MB* is this process' peak after the split (the floor runs in a child process),
so the split's own peak for the sizes so far.

    .venv/bin/python -m benchmarks.national_split [ROWS ...]   (default 1000000 3000000)
"""

from __future__ import annotations

import csv
import io
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from datasets.descriptor import load_descriptor
from datasets.routing import national_source, read_routed, split_national
from datasets.samples import national
from schemas import load_code_list

BLOCK = 20_000


def buyers() -> list[tuple[str, str]]:
    """(RUT, organisation) of 345 municipalities, 500 other buyers, 5 unknown municipal."""
    rows = []
    for i, m in enumerate(load_code_list("municipal_buyers").itertuples(index=False)):
        name = m.municipality_name.upper() if i % 2 else f"I {m.municipality_name.upper()}"
        rows.append((m.buyer_rut if i % 3 else "", name))
    rows += [(f"61.{600 + i:03d}.000-{i % 10}", f"SERVICIO PUBLICO {i}") for i in range(500)]
    rows += [("", f"I MUNICIPALIDAD DE VILLA INEXISTENTE {i}") for i in range(5)]
    return rows


def build(path: Path, rows: int) -> None:
    header, sample = national.national_rows()
    rut, organisation = header.index("RutUnidadCompra"), header.index("OrganismoPublico")
    names = buyers()
    block = []
    for i in range(BLOCK):
        row = list(sample[i % len(sample)])
        row[rut], row[organisation] = names[i % len(names)]
        block.append(row)
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerows(block)
    body = buffer.getvalue().encode("latin-1")
    with path.open("wb") as out:
        out.write(national.to_bytes(header, []))
        for _ in range(rows // BLOCK):
            out.write(body)


def floor(path: Path, folder: Path) -> tuple[float, float]:
    """DuckDB reading the CSV into Parquet in a child process (its memory is not ours):
    wall and CPU seconds."""
    query = (
        f"copy (select * from read_csv('{path}', delim=';', header=true, all_varchar=true, "
        f"encoding='latin-1', quote='\"', strict_mode=false)) to '{folder / 'floor.parquet'}'"
    )
    code = f"import duckdb; duckdb.sql('set enable_progress_bar=false'); duckdb.sql({query!r})"
    start, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-c", code], check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return time.perf_counter() - start, cpu


def main(sizes: list[int]) -> None:
    source = national_source(load_descriptor("contracts"), national.FILE_NAME)
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")
    print(f"{'rows':>10} {'MB':>6} {'floor s':>8} {'split s':>8} {'ratio':>6} "
          f"{'floor CPU':>9} {'split CPU':>9} {'ratio':>6} {'comuna s':>9} {'routed':>9} "
          f"{'excl.':>9} {'unmatch.':>9} {'RSS MB':>8}")  # fmt: skip
    for rows in sizes:
        with tempfile.TemporaryDirectory(dir=os.environ.get("TMPDIR")) as tmp:
            folder = Path(tmp)
            path = folder / national.FILE_NAME
            build(path, rows)
            mb = path.stat().st_size / 1e6
            start, cpu = time.perf_counter(), time.process_time()
            split = split_national(path, source, folder / "warehouse")
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            report = split.report
            assert report.balanced and report.rows_in == rows
            biggest = max(report.routed, key=report.routed.get)
            start = time.perf_counter()
            read_routed(split, source, biggest)
            one = time.perf_counter() - start
            low, low_cpu = floor(path, folder)
            print(f"{rows:>10,} {mb:>6.0f} {low:>8.1f} {seconds:>8.1f} {seconds / low:>6.1f} "
                  f"{low_cpu:>9.1f} {cpu:>9.1f} {cpu / low_cpu:>6.1f} {one:>9.2f} "
                  f"{report.rows_routed:>9,} {report.rows_excluded:>9,} "
                  f"{report.rows_unmatched:>9,} {rss:>8,.0f}")  # fmt: skip
    print(f"load average {os.getloadavg()[0]:.1f} at end")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1_000_000, 3_000_000])
