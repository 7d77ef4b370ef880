"""The budget rules on real budget files (Peñalolén's balance, a DIPRES budget law)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from datasets.descriptor import load_descriptor, parse_descriptor
from datasets.ingest import read_source
from quality.rules import context_tables, run_quality
from quality.validate import validate_raw
from schemas import load_descriptor as load_schema_descriptor
from tests.conftest import REFERENCE_DATA

PENALOLEN = REFERENCE_DATA / "budget" / "penalolen"
COMUNAS = pd.DataFrame({"comuna_code": ["13122"]})


def ingested(path: Path, descriptor) -> tuple[pd.DataFrame, dict]:
    """Valid budget lines and the rows set aside, read as the pipeline reads them."""
    if not path.exists():
        pytest.skip("shared reference data not available")
    raw = read_source(path, descriptor.source_for(path.name), comuna_code="13122")
    schema = load_schema_descriptor("budget_lines")
    valid = validate_raw(raw.tables["budget_lines"], schema, references={"comunas": COMUNAS})
    return valid.valid, raw.excluded_tables


def test_real_balance_passes_the_error_rules_and_warns_on_income_above_budget():
    frames = [
        ingested(PENALOLEN / f"Balance_{kind}_Enero_2024.csv", load_descriptor("budgets"))[0]
        for kind in ("Ingresos", "Gastos")
    ]
    tables = {"budget_lines": pd.concat(frames, ignore_index=True)}
    assert len(tables["budget_lines"]) == 810
    report = run_quality("budgets", tables, context=context_tables("budgets", tables))
    assert report.errors == []
    failed = {f.rule: f.rows_failed for f in report.findings if not f.passed}
    # income collected above the current budget: 21 accounts in January 2024
    assert failed == {"accrued-not-above-current": 21}


def test_real_dipres_subtotals_add_up_and_a_changed_one_is_caught():
    """DIPRES budget law (05-62-01): subtítulo and ítem rows are subtotals of the rows
    under them; ingestion sets them aside and the hierarchy rule compares them."""
    path = REFERENCE_DATA / "budget" / "dipres_ley_05-62-01_articles-155017_doc_csv.csv"
    examples = Path(__file__).parents[2] / "datasets" / "examples" / "budgets_dipres.dataset.yaml"
    descriptor = parse_descriptor(examples.read_text(encoding="utf-8"), str(examples))
    valid, excluded = ingested(path, descriptor)
    tables = {"budget_lines": valid}
    subtotals = excluded["budget_lines"]
    assert (subtotals["_reason"] == "subtotal-row").sum() == 7

    def hierarchy(excluded: pd.DataFrame):
        context = context_tables("budgets", tables, None, {"budget_lines": excluded})
        found = {f.rule: f for f in run_quality("budgets", tables, context=context).findings}
        return found["children-sum-to-parent"]

    assert hierarchy(subtotals).passed
    changed = subtotals.copy()
    row = changed.index[changed["account_code"] == "24.01"][0]
    changed.loc[row, "amount_initial_clp"] = "468450001"
    assert [k["account_code"] for k in hierarchy(changed).sample] == ["24", "24.01"]
