"""The budget rules on a real municipal balance (Peñalolén, January 2024)."""

from __future__ import annotations

import pandas as pd
import pytest

from quality.rules import context_tables, run_quality
from tests.conftest import REFERENCE_DATA

PENALOLEN = REFERENCE_DATA / "budget" / "penalolen"


def balance(kind: str, paid: str) -> pd.DataFrame:
    path = PENALOLEN / f"Balance_{kind}_Enero_2024.csv"
    if not path.exists():
        pytest.skip("shared reference data not available")
    raw = pd.read_csv(path, encoding="utf-8-sig", dtype={"CODIGO_CUENTA": str})
    parts = raw["CODIGO_CUENTA"].str.split("-")
    # 115-03-01-001-001-001 → 03.01.001.001.001 (título dropped, deeper levels kept)
    code = parts.str[1:].str.join(".")
    return pd.DataFrame(
        {
            "comuna_code": "13122",
            "fiscal_year": pd.array([2024] * len(raw), dtype="Int64"),
            "month": pd.array([1] * len(raw), dtype="Int64"),
            "area": "municipal",
            "account_type": "ingreso" if kind == "Ingresos" else "gasto",
            "account_code": code,
            "amount_initial_clp": raw["PRESUPUESTO_INICIAL"].astype("Int64"),
            "amount_current_clp": raw["PRESUPUESTO_VIGENTE"].astype("Int64"),
            "amount_accrued_clp": raw["DEVENGADO_ACUMULADO"].astype("Int64"),
            "amount_paid_clp": raw[paid].astype("Int64"),
            "_source_file": f"13122/{path.name}",
        }
    )


def test_real_balance_passes_the_error_rules_and_warns_on_income_above_budget():
    lines = pd.concat(
        [balance("Ingresos", "PERCIBIDO_ACUMULADO"), balance("Gastos", "PAGADO_ACUMULADO")],
        ignore_index=True,
    )
    tables = {"budget_lines": lines}
    report = run_quality("budgets", tables, context=context_tables("budgets", tables))
    assert report.errors == []
    failed = {f.rule: f.rows_failed for f in report.findings if not f.passed}
    # income collected above the current budget: 21 accounts in January 2024
    assert failed == {"accrued-not-above-current": 21}
