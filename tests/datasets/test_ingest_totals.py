"""Totals rows are excluded from the data but kept, mapped, for the quality rules."""

from datasets.ingest import read_source
from tests.datasets.test_ingest import BUDGET_WITH_TOTALS, budget_source, write


def test_totals_row_is_kept_mapped_to_the_canonical_columns(tmp_path):
    path = write(
        tmp_path,
        BUDGET_WITH_TOTALS,
    )
    raw = read_source(path, budget_source(), comuna_code="99901")
    totals = raw.excluded_tables["budget_lines"]
    assert totals.to_dict("records") == [
        {
            "fiscal_year": None,
            "month": None,
            "area": None,
            "account_type": None,
            "account_code": None,
            "account_name": "TOTAL GASTOS",
            "amount_initial_clp": "1234567",
            "amount_current_clp": "1300000",
            "amount_accrued_clp": "900000",
            "amount_paid_clp": "850500",
            "comuna_code": "99901",
            "_source_file": f"99901/{path.name}",
            "_source_row": 4,
            "_reason": "totals-row",
        }
    ]
