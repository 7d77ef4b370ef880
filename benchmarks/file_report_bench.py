"""Benchmark of the per-file validation report (not part of the tests: timing is not a test).

    .venv/bin/python -m benchmarks.file_report_bench [--errors 200000]

Builds the report model (`quality.file_report.build_file_report`) of a purchase-order
file whose N quarantined lines each carry one error, then renders its page and JSON
(capped at `MAX_ERRORS` rows). Prints one JSON object: seconds for the model and for
the page + JSON, and their sizes.
"""

from __future__ import annotations

import argparse
import json
import time

import pandas as pd

from datasets.descriptor import load_descriptor
from publish.file_report_page import render_file_report, report_json
from quality.file_report import build_file_report
from quality.messages import describe_error


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", type=int, default=200_000)
    n = parser.parse_args().errors
    errors = [
        [
            describe_error(
                "constraint-error", "quantity", 6, row, "-3", 'constraint "minimum" is "0"'
            )
        ]
        for row in range(2, n + 2)
    ]
    lines = pd.DataFrame({"_source_row": range(2, n + 2), "_errors": errors})
    dataset = load_descriptor("contracts")
    source = dataset.require_source("ordenes_de_compra_2026-10.csv")
    provenance = {
        "name": "ordenes_de_compra_2026-10.csv",
        "sha256": "0" * 64,
        "bytes": 0,
        "source_format": source.name,
        "rows_read": n,
        "rows_excluded_by_reason": {},
    }
    start = time.perf_counter()
    report = build_file_report(
        dataset="contracts",
        comuna_code="99901",
        provenance=provenance,
        source=source,
        quarantined={"purchase_orders": lines.iloc[:0], "purchase_order_items": lines},
        valid={},
        held=None,
        blocked=[],
        shares=[],
        run_date="2026-11-02",
    )
    built = time.perf_counter()
    page, machine = render_file_report(report), report_json(report)
    rendered = time.perf_counter()
    print(
        json.dumps(
            {
                "errors": n,
                "model_s": round(built - start, 2),
                "page_and_json_s": round(rendered - built, 2),
                "page_bytes": len(page.encode()),
                "json_bytes": len(machine.encode()),
            }
        )
    )


if __name__ == "__main__":
    main()
