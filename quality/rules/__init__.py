"""Domain quality rules per dataset (budgets, procurement, the transparency law).

`run_quality(slug, tables, context=...)` runs every rule of a dataset on the whole
tables, with each rule's severity taken from the dataset descriptor's `quality` policy.
The rules are SQL over DuckDB (`engine.py`); `quality.suites` holds the Great
Expectations suites of the row-level rules, shown to give the same findings.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path

import pandas as pd

from datasets.descriptor import load_descriptor
from quality.rules import access_requests, budgets, contracts
from quality.rules.base import SAMPLE_SIZE, Finding, QualityReport, Rule, Severity
from quality.rules.engine import run_sql_rules
from schemas import load_descriptor as load_schema_descriptor

__all__ = [
    "RULES",
    "Finding",
    "QualityReport",
    "Rule",
    "Severity",
    "budget_classifier",
    "context_tables",
    "run_quality",
    "severities",
]

RULES: dict[str, tuple[Rule, ...]] = {
    "budgets": budgets.RULES,
    "contracts": contracts.RULES,
    "access_requests": access_requests.RULES,
}
CLASSIFIER = Path(__file__).resolve().parents[2] / "schemas" / "codes" / "budget_classifier.csv"


@cache
def budget_classifier() -> pd.DataFrame:
    """The budget classifier's accounts as `account_type:code` keys (column `key`)."""
    codes = pd.read_csv(CLASSIFIER, dtype=str, usecols=["account_type", "code"])
    return pd.DataFrame({"key": codes["account_type"] + ":" + codes["code"]})


def severities(slug: str) -> dict[str, Severity]:
    """Each rule's severity from the descriptor's policy; a rule without one is an error."""
    policy = load_descriptor(slug).quality
    missing = [r.name for r in RULES[slug] if r.name not in policy]
    if missing:
        raise KeyError(
            f"datasets/{slug}.dataset.yaml: quality policy lacks rule(s) {', '.join(missing)}"
        )
    return {r.name: policy[r.name] for r in RULES[slug]}


def context_tables(
    slug: str,
    valid: Mapping[str, pd.DataFrame],
    quarantined: Mapping[str, pd.DataFrame] | None = None,
    excluded: Mapping[str, pd.DataFrame] | None = None,
    deadline_exempt: Iterable[str] = (),
) -> dict[str, pd.DataFrame]:
    """Tables the rules read besides the dataset's own: code lists, the rows ingestion
    set aside (totals, subtotals), every detail row read (valid or quarantined) and
    the comunas whose publisher is not under Chilean law (`deadline_exempt`: no legal
    deadline is computed for them)."""
    if slug == "access_requests":
        return {
            "deadline_exempt": pd.DataFrame({"comuna_code": list(deadline_exempt)}, dtype=object)
        }
    if slug != "budgets":
        return {}
    lines = valid["budget_lines"]
    bad = (quarantined or {}).get("budget_lines", lines.iloc[:0])
    columns = ["_source_file", "area", *budgets.DIMENSIONS, "account_type", "account_code"]
    columns += budgets.AMOUNTS
    detail = pd.concat([lines.reindex(columns=columns), bad.reindex(columns=columns)])
    for amount in budgets.AMOUNTS:
        detail[amount] = pd.to_numeric(detail[amount], errors="coerce").astype("Float64")
    set_aside = (excluded or {}).get("budget_lines")
    columns = ["_source_file", "_source_row", "_reason", *budgets.KEYS, "account_type"]
    columns += ["account_name", *budgets.AMOUNTS]
    if set_aside is None:
        set_aside = pd.DataFrame(columns=columns, dtype=object)
    return {
        "classifier": budget_classifier(),
        "budget_detail": _empty_dimensions(detail.reset_index(drop=True)),
        "budget_excluded": _empty_dimensions(set_aside.reindex(columns=columns).astype(object)),
    }


def _empty_dimensions(frame: pd.DataFrame) -> pd.DataFrame:
    """Budget dimensions a source leaves empty (or does not map) as None, the way the
    validated table holds them, so that the rules' `IS NOT DISTINCT FROM` pairs them."""
    for name in budgets.DIMENSIONS:
        values = frame[name].astype(object)
        frame[name] = values.where(values.notna() & (values != ""), None)
    return frame


DTYPES = {"integer": "Int64", "number": "Float64", "boolean": "boolean"}


def with_every_field(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every field of its schema (missing ones all empty, typed)."""
    missing = [f for f in load_schema_descriptor(table)["fields"] if f["name"] not in frame]
    if not missing:
        return frame
    return frame.assign(
        **{f["name"]: _empty(frame.index, DTYPES.get(f["type"], object)) for f in missing}
    )


def _empty(index: pd.Index, dtype) -> pd.Series:
    """An all-empty column: `None` in an object column (as read values are), NA otherwise."""
    if dtype is object:
        return pd.Series([None] * len(index), index=index, dtype=object)
    return pd.Series(None, index=index, dtype=dtype)


def run_quality(
    slug: str,
    tables: Mapping[str, pd.DataFrame],
    *,
    context: Mapping[str, pd.DataFrame] | None = None,
    sample_size: int = SAMPLE_SIZE,
) -> QualityReport:
    """Run every rule of the dataset on the whole tables (SQL over DuckDB).

    A schema field the source does not give (e.g. no current budget in a budget law)
    is read as empty, so the rules that need it find nothing to compare.
    """
    tables = {name: with_every_field(name, frame) for name, frame in tables.items()}
    everything = {**(context or context_tables(slug, tables)), **tables}
    return run_sql_rules(slug, RULES[slug], everything, severities(slug), sample_size=sample_size)
