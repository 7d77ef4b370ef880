"""A repeated primary key names the key and where it first appears (issue 15, item 4)."""

from __future__ import annotations

import pandas as pd

from quality.validate import validate_raw
from schemas import load_code_list, load_descriptor

ROW = {
    "comuna_code": "13122",
    "fiscal_year": "2026",
    "month": "1",
    "area": "municipal",
    "account_type": "gasto",
    "account_code": "22.04.001",
    "account_name": "Materiales de oficina",
}


def test_a_repeated_key_names_its_fields_and_the_first_file_and_row():
    raw = pd.DataFrame([ROW, ROW], dtype=object).assign(
        _source_file=["13122/Balance_Gastos_Enero_2026.csv", "13122/otro.csv"],
        _source_row=[12, 7],
    )
    result = validate_raw(
        raw, load_descriptor("budget_lines"), references={"comunas": load_code_list("comunas")}
    )
    [error] = result.quarantined["_errors"][0]
    assert error["type"] == "primary-key" and error["rowNumber"] == 7
    assert error["note_en"] == (
        "duplicate primary key (comuna_code, fiscal_year, month, area, programme_code, "
        "fund_code, department_code, account_code): "
        "already in 13122/Balance_Gastos_Enero_2026.csv, row 12"
    )
    assert "None" not in error["note_es"] and "fila 12" in error["note_es"]
