"""The Great Expectations suites and the DuckDB rules find the same offending keys."""

from __future__ import annotations

import datetime as dt

import pytest

from datasets.descriptor import SLUGS
from datasets.municipalities import load_installation
from pipelines import steps
from quality.rules import RULES, run_quality
from quality.suites import SUITES, run_suites
from tests.quality import test_rules as cases

ALL = 10_000


def assert_same_findings(slug, tables, context=None):
    sql = {f.rule: f for f in run_quality(slug, tables, context=context, sample_size=ALL).findings}
    gx = run_suites(slug, tables, sample_size=ALL).findings
    assert [f.rule for f in gx] == list(SUITES[slug])
    for finding in gx:
        assert finding == sql[finding.rule], finding.rule
    return gx


def test_every_suite_expresses_a_rule_of_its_dataset():
    for slug, suite in SUITES.items():
        assert set(suite) <= {r.name for r in RULES[slug]}


@pytest.mark.parametrize("slug", SLUGS)
def test_same_findings_on_the_sample_exports(demo_home, slug):
    installation = load_installation()
    ingested = steps.ingest(demo_home, installation, slug)
    validated = steps.validate(ingested, installation, demo_home.quarantine)
    derived = {
        t: steps.derive(t, f, installation, dt.date(2026, 11, 2))
        for t, f in validated.valid.items()
    }
    gx = assert_same_findings(slug, derived)
    if slug == "budgets":  # the sample has a realistic warning: accrued above current
        assert {f.rule: f.rows_failed for f in gx}["accrued-not-above-current"] == 2


def _broken(params, slug):
    return [
        pytest.param(p.values, id=f"{slug}-{p.id}") for p in params if p.values[0] in SUITES[slug]
    ]


@pytest.mark.parametrize("case", _broken(cases.CONTRACT_CASES, "contracts"))
def test_same_findings_on_broken_contracts(case):
    rule, breaks, _ = case
    gx = assert_same_findings("contracts", breaks(cases.contract_tables()))
    assert not {f.rule: f for f in gx}[rule].passed


@pytest.mark.parametrize("case", _broken(cases.BUDGET_CASES, "budgets"))
def test_same_findings_on_broken_budgets(case):
    rule, breaks, _ = case
    rows, _totals = breaks(cases.budget_rows(), cases.budget_totals())
    gx = assert_same_findings("budgets", {"budget_lines": cases.typed_lines(rows)})
    assert not {f.rule: f for f in gx}[rule].passed


@pytest.mark.parametrize("case", _broken(cases.REQUEST_CASES, "access_requests"))
def test_same_findings_on_broken_requests(case):
    rule, rows, _ = case
    gx = assert_same_findings("access_requests", cases.request_table(rows))
    assert not {f.rule: f for f in gx}[rule].passed
