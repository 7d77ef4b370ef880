"""Foreign keys in the validate stage: the columnar validator against the old per-row loop.

    .venv/bin/python -m benchmarks.validate_stage [--orders 250000] [--items 1000000]

Builds raw (text) tables as ingest gives them by tiling the demo sample export
(`datasets/samples/99901/contracts/ordenes_de_compra_2026-10.csv`, 40 orders and
100 lines) with fresh order codes: ORDERS orders and ITEMS lines referencing
them; 0.01 % of the orders name an unknown comuna (their lines then reference an
invalid order) and 0.01 % of the lines an unknown order. Then validates both
tables as `pipelines.steps.validate` does (orders → the `comunas` code list,
lines → the VALID orders), twice:

- new: `quality.validate.validate_raw`, foreign keys checked by the validator;
- old: the validator without foreign keys, then the per-row Python loop that
  `validate_raw` used before (`old_foreign_key_errors` below, a copy kept here for
  this comparison only).

Checks that both quarantine the same rows with the same foreign-key errors and
prints the times side by side (wall seconds; CPU seconds of all threads).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd

from datasets.descriptor import load_descriptor
from datasets.ingest import read_source
from quality.messages import describe_error
from quality.validate import ValidationResult, validate_raw, validation_schema
from schemas import load_code_list
from schemas import load_descriptor as load_schema_descriptor

SAMPLE = (
    Path(__file__).resolve().parents[1]
    / "datasets/samples/99901/contracts/ordenes_de_compra_2026-10.csv"
)
FAULT_EVERY = 10_000  # 0.01 %


def raw_tables(orders: int, items: int) -> dict[str, pd.DataFrame]:
    """Text tables shaped like the sample's, tiled with fresh order codes."""
    source = load_descriptor("contracts").require_source(SAMPLE.name)
    sample = read_source(SAMPLE, source, comuna_code="99901").tables
    base_orders, base_items = sample["purchase_orders"], sample["purchase_order_items"]
    copies = -(-orders // len(base_orders))
    big_orders = pd.concat([base_orders] * copies, ignore_index=True).head(orders)
    order_copy = (big_orders.index // len(base_orders)).astype(str)
    big_orders["order_id"] = big_orders["order_id"] + "X" + order_copy
    big_orders.loc[big_orders.index[7::FAULT_EVERY], "comuna_code"] = "99999"

    item_copies = -(-items // len(base_items))
    big_items = pd.concat([base_items] * item_copies, ignore_index=True).head(items)
    copy = big_items.index // len(base_items)
    big_items["order_id"] = big_items["order_id"] + "X" + (copy % copies).astype(str)
    offset = (copy // copies) * 1000  # lines of one order stay unique across copies
    big_items["line_number"] = (big_items["line_number"].astype(int) + offset).astype(str)
    big_items.loc[big_items.index[3::FAULT_EVERY], "order_id"] = "2431-1-NOEXISTE"
    for frame in (big_orders, big_items):
        frame["_source_row"] = range(2, len(frame) + 2)
    return {"purchase_orders": big_orders, "purchase_order_items": big_items}


# --- The old check, copied from quality/validate.py before this change (comparison only).
def old_foreign_key_errors(
    raw: pd.DataFrame, descriptor: dict, references: dict[str, pd.DataFrame], names: list[str]
) -> Iterator[tuple[int, dict]]:
    for fk in descriptor.get("foreignKeys", []):
        fields = fk["fields"] if isinstance(fk["fields"], list) else [fk["fields"]]
        ref = fk["reference"]
        ref_fields = ref["fields"] if isinstance(ref["fields"], list) else [ref["fields"]]
        if not set(fields) <= set(raw.columns) or ref["resource"] not in references:
            continue
        target = references[ref["resource"]]
        allowed = set(target[ref_fields].astype(str).itertuples(index=False, name=None))
        for position, (index, key) in enumerate(
            zip(raw.index, raw[fields].itertuples(index=False, name=None), strict=True)
        ):
            if any(v is None for v in key) or key in allowed:
                continue
            yield (
                position,
                describe_error(
                    "foreign-key",
                    fields[0],
                    names.index(fields[0]) + 1 if fields[0] in names else None,
                    int(raw.at[index, "_source_row"]),
                    ", ".join(str(v) for v in key),
                    f"{ref['resource']}.{', '.join(ref_fields)}",
                ),
            )


def old_validate_raw(
    raw: pd.DataFrame, descriptor: dict, references: dict[str, pd.DataFrame]
) -> tuple[ValidationResult, float]:
    """The old stage: the validator without foreign keys, then the loop (and its seconds)."""
    result = unchecked_validate_raw(raw, descriptor, references)
    names = [f["name"] for f in validation_schema(descriptor, list(raw.columns))["fields"]]
    start = time.perf_counter()
    found = dict(old_foreign_key_errors(raw, descriptor, references, names))
    loop = time.perf_counter() - start
    rows = {int(raw["_source_row"].iat[p]): e for p, e in found.items()}
    errors = dict(
        zip(result.quarantined["_source_row"], result.quarantined["_errors"], strict=True)
    )
    for row, error in rows.items():
        errors[row] = [*errors.get(row, []), error]
    failed = result.valid["_source_row"].isin(rows)
    quarantined = raw[raw["_source_row"].isin(errors)].copy()
    quarantined["_errors"] = [errors[r] for r in quarantined["_source_row"]]
    valid = result.valid[~failed].reset_index(drop=True)
    return ValidationResult(valid, quarantined.reset_index(drop=True)), loop


# --- End of the old code.


def unchecked_validate_raw(
    raw: pd.DataFrame, descriptor: dict, references: dict[str, pd.DataFrame]
) -> ValidationResult:
    """The baseline: every check but the foreign keys."""
    return validate_raw(raw, {k: v for k, v in descriptor.items() if k != "foreignKeys"})


def new_validate_raw(
    raw: pd.DataFrame, descriptor: dict, references: dict[str, pd.DataFrame]
) -> ValidationResult:
    return validate_raw(raw, descriptor, references=references)


def stage(tables: dict, validate: Callable) -> tuple[dict, dict]:
    """Validate the tables in the dataset's order; results and wall seconds per table."""
    comunas = pd.concat(
        [load_code_list("comunas"), pd.DataFrame({"comuna_code": ["99901"]})], ignore_index=True
    )
    references: dict = {"comunas": comunas}
    results, wall = {}, {}
    for table in ("purchase_orders", "purchase_order_items"):
        start = time.perf_counter()
        results[table] = validate(tables[table], load_schema_descriptor(table), references)
        wall[table] = time.perf_counter() - start
        outcome = results[table]
        references[table] = (outcome[0] if isinstance(outcome, tuple) else outcome).valid
    return results, wall


def fk_errors(result: ValidationResult) -> list[tuple]:
    return sorted(
        (e["rowNumber"], e["fieldName"], e["cell"], e["note_en"])
        for e in result.errors
        if e["type"] == "foreign-key"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=250_000)
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the best is shown")
    args = parser.parse_args()
    tables = raw_tables(args.orders, args.items)
    stage({t: f.head(200) for t, f in tables.items()}, new_validate_raw)  # warm imports

    best: dict[tuple[str, str], float] = {}
    for _ in range(args.repeat):  # interleaved, so that all see the same machine load
        new, new_wall = stage(tables, new_validate_raw)
        old, old_wall = stage(tables, old_validate_raw)
        _, base_wall = stage(tables, unchecked_validate_raw)
        for table in tables:
            times = {
                "old": old_wall[table],
                "new": new_wall[table],
                "base": base_wall[table],
                "old fk": old[table][1],
            }
            for kind, seconds in times.items():
                best[table, kind] = min(best.get((table, kind), seconds), seconds)
    print(f"{args.orders:,} orders → comunas, {args.items:,} lines → the valid orders")
    print(f"best of {args.repeat} interleaved runs, wall seconds (validate_raw of one table)")
    header = f"{'table':<22}{'rows':>11}{'quarantined':>13}"
    print(
        header + f"{'old stage':>11}{'new stage':>11}{'no FK':>7}{'old FK loop':>13}{'new FK':>8}"
    )
    for table, result in new.items():
        old_result = old[table][0]
        same = old_result.quarantined["_source_row"].tolist() == (
            result.quarantined["_source_row"].tolist()
        ) and fk_errors(old_result) == fk_errors(result)
        if not same:
            raise SystemExit(f"{table}: old and new quarantine different rows or errors")
        print(
            f"{table:<22}{len(tables[table]):>11,}{len(result.quarantined):>13,}"
            f"{best[table, 'old']:>11.2f}{best[table, 'new']:>11.2f}{best[table, 'base']:>7.2f}"
            f"{best[table, 'old fk']:>13.2f}{best[table, 'new'] - best[table, 'base']:>8.2f}"
        )
    print("same quarantined rows and foreign-key errors: yes")
    print("no FK: validate_raw without foreign keys; new FK = new stage - no FK")


if __name__ == "__main__":
    main()
