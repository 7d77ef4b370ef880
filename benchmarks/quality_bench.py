"""Benchmarks of the quality stage (not part of the test suite: timing is not a test).

    taskset -c 0,1 .venv/bin/python -m benchmarks.quality_bench [--orders N] [--lines N] [--gx]

- `contracts`: every purchase-order rule (quality/rules/contracts.py, SQL over DuckDB with
  2 threads) on a synthetic table of N orders and M lines shaped like the validated
  tables (dates as `datetime.date` objects, nullable integers), with a few faults
  planted; budget: ≤ 5 s for 1M orders on 2 cores.
- `contracts_gx` (with `--gx`): the Great Expectations suites of the same tables (the
  row-level rules only), for comparison.
- `deadlines`: `quality.deadlines.compute_deadlines` on 1M access requests (the
  measurement that used to be a timed unit test).

Prints one JSON object per measurement: wall seconds and CPU seconds (all threads).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time

import numpy as np
import pandas as pd
from stdnum.cl import rut

from quality.deadlines import compute_deadlines
from quality.rules import run_quality
from quality.rules.contracts import STATUS_CODES

FAULT_SHARE = 0.0001


def purchase_orders(orders: int, lines: int, seed: int = 1) -> dict[str, pd.DataFrame]:
    """Synthetic validated tables: `orders` orders, `lines` lines spread over them."""
    rng = np.random.default_rng(seed)
    ids = np.array([f"2431-{n}-SE26" for n in range(orders)], dtype=object)
    owner = np.sort(np.concatenate([np.arange(orders), rng.integers(0, orders, lines - orders)]))
    line_number = pd.Series(owner).groupby(owner).cumcount().to_numpy() + 1
    quantity = rng.integers(1, 500, lines).astype(float)
    price = rng.integers(100, 200_000, lines).astype(float)
    net = np.round(quantity * price)
    order_net = np.bincount(owner, weights=net, minlength=orders).astype(np.int64)
    tax = np.round(order_net * 0.19).astype(np.int64)

    bodies = rng.choice(np.arange(5_000_000, 99_999_999), 50_000, replace=False)
    pool = np.array([f"{b}-{rut.calc_check_digit(str(b))}" for b in bodies], dtype=object)
    supplier = pool[rng.integers(0, len(pool), orders)]
    codes = np.array(list(STATUS_CODES))
    status_code = codes[rng.integers(0, len(codes), orders)]
    status = np.array([STATUS_CODES[c] for c in codes], dtype=object)[
        np.searchsorted(codes, status_code)
    ]
    day0 = dt.date(2026, 10, 1)
    days = [day0 + dt.timedelta(days=int(d)) for d in range(40)]
    created_days = rng.integers(0, 31, orders)
    sent_days = created_days + rng.integers(0, 3, orders)
    accepted_days = sent_days + rng.integers(0, 6, orders)
    pick = np.array(days, dtype=object)
    accepted = pick[accepted_days]
    accepted[rng.random(orders) < 0.3] = None

    faults = rng.random(orders) < FAULT_SHARE
    supplier[faults] = "12345678-K"
    status[np.roll(faults, 1)] = "cancelada"
    orders_frame = pd.DataFrame(
        {
            "order_id": ids,
            "comuna_code": "99901",
            "status_code": pd.array(status_code, dtype="Int64"),
            "status": status,
            "created_date": pick[created_days],
            "sent_date": pick[sent_days],
            "accepted_date": accepted,
            "supplier_rut": supplier,
            "supplier_type": "persona_juridica",
            "amount_net_clp": pd.array(order_net + np.roll(faults, 2) * 1000, dtype="Int64"),
            "amount_tax_clp": pd.array(tax, dtype="Int64"),
            "amount_total_clp": pd.array(order_net + tax, dtype="Int64"),
            "_source_file": "99901/ordenes_de_compra_2026-10.csv",
            "_source_row": np.arange(orders) + 2,
        }
    )
    items = pd.DataFrame(
        {
            "order_id": ids[owner],
            "line_number": pd.array(line_number, dtype="Int64"),
            "quantity": pd.array(quantity, dtype="Float64"),
            "unit_price_clp": pd.array(price, dtype="Float64"),
            "amount_net_clp": pd.array(net, dtype="Float64"),
            "_source_file": "99901/ordenes_de_compra_2026-10.csv",
            "_source_row": np.arange(lines) + 2,
        }
    )
    return {"purchase_orders": orders_frame, "purchase_order_items": items}


def timed(name: str, function, **facts) -> object:
    """Wall time, and CPU time of the process (all threads): on a shared machine the
    wall time grows with other jobs' load, CPU time much less."""
    start, cpu = time.perf_counter(), time.process_time()
    result = function()
    wall, used = time.perf_counter() - start, time.process_time() - cpu
    print(
        json.dumps(
            {"benchmark": name, "seconds": round(wall, 3), "cpu_seconds": round(used, 3), **facts}
        )
    )
    return result


def failures(report) -> dict[str, int]:
    return {f.rule: f.rows_failed for f in report.findings if not f.passed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--lines", type=int, default=2_500_000)
    parser.add_argument("--gx", action="store_true", help="also time the GX suites")
    args = parser.parse_args()

    tables = purchase_orders(args.orders, args.lines)
    sizes = {"orders": args.orders, "lines": args.lines}
    run_quality("contracts", {k: v.head(100) for k, v in tables.items()})  # warm imports
    report = timed("contracts", lambda: run_quality("contracts", tables), **sizes)
    print(json.dumps({"contracts_failures": failures(report)}))
    if args.gx:
        from quality.suites import run_suites

        run_suites("contracts", {k: v.head(100) for k, v in tables.items()})
        gx = timed("contracts_gx", lambda: run_suites("contracts", tables), **sizes)
        print(json.dumps({"contracts_gx_failures": failures(gx)}))

    rng = np.random.default_rng(1)
    n = 1_000_000
    received = np.datetime64("2023-01-01") + rng.integers(0, 3 * 365, n).astype("timedelta64[D]")
    response = received + rng.integers(-2, 70, n).astype("timedelta64[D]")
    response[rng.random(n) < 0.2] = np.datetime64("NaT")
    requests = pd.DataFrame(
        {
            "received_date": received.astype("datetime64[ns]"),
            "response_date": response.astype("datetime64[ns]"),
            "is_extended": pd.array(rng.random(n) < 0.2, dtype="boolean"),
        }
    )
    compute_deadlines(requests.head(10), region_code="15", as_of=dt.date(2025, 12, 31))
    timed(
        "deadlines",
        lambda: compute_deadlines(requests, region_code="15", as_of=dt.date(2025, 12, 31)),
        requests=n,
    )


if __name__ == "__main__":
    main()
