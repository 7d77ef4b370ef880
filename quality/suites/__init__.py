"""Great Expectations 1.x suites of the row-level quality rules, kept as code.

Each dataset maps a rule name of `quality.rules` to the expectations that together
express it (a row breaks the rule when it breaks any of them). `run_suites` validates
the whole tables with GX on pandas and returns findings in the shape of the DuckDB
engine, so tests can show both engines find the same offending keys. Rules that need
joins, aggregates or code lists (hierarchy sums, totals row, months, classifier, RUT
check digit, order vs items, fiscal period, computed deadlines) exist only as SQL.

The pipeline runs the SQL engine: on a 1M-row purchase-order table GX on pandas is
several times slower than the 5 s budget (see `benchmarks/quality_bench.py`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from functools import cache

import pandas as pd

from quality.rules import RULES, QualityReport, severities, with_every_field
from quality.rules.base import SAMPLE_SIZE
from quality.rules.contracts import STATUS_CODES
from quality.rules.engine import finding

Factory = Callable[[], list]


def _pair(a: str, b: str):
    import great_expectations.expectations as gxe

    return gxe.ExpectColumnPairValuesAToBeGreaterThanB(
        column_A=a, column_B=b, or_equal=True, ignore_row_if="either_value_is_missing"
    )


def _positive(column: str):
    import great_expectations.expectations as gxe

    return gxe.ExpectColumnValuesToBeBetween(column=column, min_value=0, strict_min=True)


def _status_pairs():
    import great_expectations.expectations as gxe

    return gxe.ExpectColumnPairValuesToBeInSet(
        column_A="status_code",
        column_B="status",
        value_pairs_set=list(STATUS_CODES.items()),
        ignore_row_if="either_value_is_missing",
    )


def _unique_folio():
    import great_expectations.expectations as gxe

    return gxe.ExpectCompoundColumnsToBeUnique(column_list=["comuna_code", "request_id"])


SUITES: dict[str, dict[str, Factory]] = {
    "budgets": {
        "paid-not-above-accrued": lambda: [_pair("amount_accrued_clp", "amount_paid_clp")],
        "accrued-not-above-current": lambda: [_pair("amount_current_clp", "amount_accrued_clp")],
    },
    "contracts": {
        "order-amount-positive": lambda: [_positive("amount_total")],
        "item-amount-positive": lambda: [_positive("amount_net"), _positive("quantity")],
        "dates-in-order": lambda: [
            _pair("sent_date", "created_date"),
            _pair("accepted_date", "sent_date"),
            _pair("accepted_date", "created_date"),
        ],
        "status-code-matches-label": lambda: [_status_pairs()],
    },
    "access_requests": {
        "response-not-before-receipt": lambda: [_pair("response_date", "received_date")],
        "folio-unique": lambda: [_unique_folio()],
    },
}


@cache
def _batch_definition():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    asset = context.data_sources.add_pandas("abierto").add_dataframe_asset("table")
    return asset.add_batch_definition_whole_dataframe("whole")


def run_suites(
    slug: str, tables: Mapping[str, pd.DataFrame], *, sample_size: int = SAMPLE_SIZE
) -> QualityReport:
    """Validate the whole tables with the dataset's GX suites; findings as the SQL engine's."""
    import great_expectations as gx

    rules = {r.name: r for r in RULES[slug]}
    policy = severities(slug)
    report = QualityReport(slug, "great_expectations")
    for name, factory in SUITES[slug].items():
        rule = rules[name]
        frame = with_every_field(rule.table, tables[rule.table])
        suite = gx.ExpectationSuite(name=name, expectations=factory())
        batch = _batch_definition().get_batch(batch_parameters={"dataframe": frame})
        result = batch.validate(
            suite,
            result_format={
                "result_format": "COMPLETE",
                "unexpected_index_column_names": list(rule.keys),
            },
        )
        keys = sorted(
            {
                tuple(row[k] for k in rule.keys)
                for outcome in result.results
                for row in outcome.result.get("unexpected_index_list") or []
            }
        )
        sample = [dict(zip(rule.keys, key, strict=True)) for key in keys[:sample_size]]
        report.findings.append(finding(rule, policy[name], len(frame), len(keys), sample))
    return report
