"""Free-text scrubbing at column speed: per row (before) against once per distinct value.

    .venv/bin/python -m benchmarks.scrub_column [--rows 1000000] [--sample 20000]

Two columns of ROWS values each:

* `buyer_specification` and `description` of Mercado Público order lines, tiled from
  the demo export `datasets/samples/99901/contracts/ordenes_de_compra_2026-10.csv`
  (as issue 13's 1M-line run does);
* request `subject`s: the labelled corpus subjects with a folio number, 5 % distinct
  (`--distinct-share`), the share a municipal log with recurring requests has.

"before" scrubs row by row (`scrub_text` on every row, as `scrub_series` did), timed
on the first `--sample` rows and scaled to ROWS; "after" is `scrub_series` on all ROWS
rows (the column dictionary-encoded, each distinct value scrubbed once). Both use the
same detectors, and the outputs are checked to be equal on the sample.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import pandas as pd

from quality.personal_data import scrub_series, scrub_text

ROOT = Path(__file__).resolve().parents[1]
ORDERS = ROOT / "datasets" / "samples" / "99901" / "contracts" / "ordenes_de_compra_2026-10.csv"
CORPUS = ROOT / "tests" / "quality" / "fixtures" / "subjects_corpus.jsonl"


def order_lines(rows: int) -> dict[str, pd.Series]:
    sample = pd.read_csv(ORDERS, sep=";", encoding="latin-1", dtype=str)
    columns = {
        "buyer_specification": "EspecificacionComprador",
        "description": "Descripcion/Obervaciones",
    }
    reps = rows // len(sample) + 1
    return {
        name: pd.Series(sample[source].tolist() * reps)[:rows].reset_index(drop=True)
        for name, source in columns.items()
    }


def subjects(rows: int, distinct_share: float) -> pd.Series:
    texts = [json.loads(line)["text"] for line in CORPUS.read_text("utf-8").splitlines()]
    distinct = max(len(texts), int(rows * distinct_share))
    pool = [f"{texts[i % len(texts)]} (folio MU{i:07d})" for i in range(distinct)]
    return pd.Series([pool[(i * 7919) % distinct] for i in range(rows)])


def per_row(texts: pd.Series) -> tuple[float, list]:
    start = time.perf_counter()
    out = [scrub_text(t).text if isinstance(t, str) else t for t in texts]
    return time.perf_counter() - start, out


def column(texts: pd.Series) -> tuple[float, pd.Series]:
    start = time.perf_counter()
    cleaned, _ = scrub_series(texts)
    return time.perf_counter() - start, cleaned


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=20_000)
    parser.add_argument("--distinct-share", type=float, default=0.05)
    args = parser.parse_args()

    scrub_text("calentamiento / warm-up: Sr. Juan Pérez, +56 9 8765 4321")
    columns = {**order_lines(args.rows), "subject": subjects(args.rows, args.distinct_share)}
    print(f"{args.rows:,} rows per column; 'before' timed on {args.sample:,} rows and scaled")
    print(f"{'column':<22}{'distinct':>10}{'before s':>11}{'after s':>10}{'ratio':>8}")
    for name, texts in columns.items():
        sample = texts[: args.sample]
        before_sample, expected = per_row(sample)
        before = before_sample * len(texts) / len(sample)
        after, cleaned = column(texts)
        assert cleaned[: args.sample].tolist() == expected, name
        distinct = texts.nunique(dropna=True)
        print(f"{name:<22}{distinct:>10,}{before:>11.1f}{after:>10.1f}{before / after:>7.0f}×")


if __name__ == "__main__":
    main()
