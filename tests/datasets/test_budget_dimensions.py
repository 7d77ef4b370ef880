"""Budgets with programmes, funds and departments (issue 15, item 4).

Real files (tests/datasets/fixtures/reference/budget/, sources in its SOURCES.md):
DIPRES's execution of all 338 programme reports of April 2017 in one file, and two
Oklahoma City budgets kept by fund, operating unit and programme. Before the key had
these parts, the DIPRES file kept 6,212 rows, most with a repeated key, and subtotal
detection across programmes dropped 1,286 leaf rows; the US files repeated their
account codes on 4,223 and 4,070 rows.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from datasets.descriptor import DATASETS_DIR, load_descriptor_file, parse_descriptor
from datasets.ingest import read_source
from quality.rules import context_tables, run_quality
from quality.validate import validate_raw
from schemas import load_code_list, load_descriptor

BUDGET = Path(__file__).parent / "fixtures" / "reference" / "budget"
DIPRES = BUDGET / "dipres_programas_ejecucion_abril_2017.csv"
RESULTADO = BUDGET / "dipres_programas_resultado_abril_2017.csv"
OLD_KEY = ["comuna_code", "fiscal_year", "month", "area", "account_code"]


def validate(frame, schema=None):
    schema = schema or load_descriptor("budget_lines")
    return validate_raw(frame, schema, references={"comunas": load_code_list("comunas")})


def source_rows() -> list[dict]:
    """The DIPRES file read independently of the pipeline: rows in pesos, with their
    programme and dotted code."""
    names = ["partida", "capitulo", "programa", "subtitulo", "item", "asignacion", "moneda"]
    names += ["name", "initial", "current", "accrued"]
    with DIPRES.open(encoding="utf-8", newline="") as handle:
        rows = [dict(zip(names, r, strict=True)) for r in csv.reader(handle, delimiter=";")]
    for row in rows:
        row["programme"] = f"{row['partida']}.{row['capitulo']}.{row['programa']}"
        row["code"] = ".".join(p for p in (row["subtitulo"], row["item"], row["asignacion"]) if p)
    return [r for r in rows if r["moneda"] == "P"]


def parents(rows: list[dict], scope) -> set:
    return {
        (scope(r), ".".join(r["code"].split(".")[:depth]))
        for r in rows
        for depth in range(1, r["code"].count(".") + 1)
    }


@pytest.fixture(scope="module")
def dipres():
    descriptor = load_descriptor_file(DATASETS_DIR / "examples" / "budgets_dipres.dataset.yaml")
    raw = read_source(DIPRES, descriptor.source_for(DIPRES.name), comuna_code="13122")
    return raw, validate(raw.tables["budget_lines"])


def test_dipres_all_programmes_publish_with_no_repeated_key(dipres):
    raw, result = dipres
    assert raw.rows_read == 11_118
    assert raw.provenance["rows_excluded_by_reason"] == {
        "foreign-currency": 300,  # programmes budgeted in thousands of US dollars
        "subtotal-row": 3_320,
    }
    assert len(result.valid) == 7_498 and len(result.quarantined) == 0
    assert raw.rows_read == len(result.valid) + 300 + 3_320
    assert result.valid["programme_code"].nunique() == 323
    # The key as it was (no programme) repeats on most of the rows.
    old = validate(
        raw.tables["budget_lines"], dict(load_descriptor("budget_lines"), primaryKey=OLD_KEY)
    )
    assert Counter(e["type"] for e in old.errors)["primary-key"] == 5_928


def test_dipres_subtotals_are_found_within_each_programme(dipres):
    raw, result = dipres
    rows = source_rows()
    own = parents(rows, lambda r: r["programme"])
    subtotals = {n for n, r in enumerate(rows) if (r["programme"], r["code"]) in own}
    assert len(rows) == 10_818 and len(subtotals) == 3_320
    # Looked for across programmes, a `22` leaf of one programme was taken for the
    # parent of another's `22.04`: 1,286 leaf rows were dropped, all of them published now.
    across = parents(rows, lambda r: "")
    wrongly = [r for n, r in enumerate(rows) if n not in subtotals and ("", r["code"]) in across]
    assert len(wrongly) == 1_286
    published = set(zip(result.valid["programme_code"], result.valid["account_code"], strict=True))
    assert all((r["programme"], r["code"]) in published for r in wrongly)


def test_dipres_leaves_add_up_to_each_programme_result(dipres):
    """Each programme's report ends with RESULTADO, income minus spending executed
    (thousands of pesos): the published leaves give it for 322 of 323 programmes. The
    one left is the source's own gap: in 50.01.05 the asignaciones of ítem 27.10 add up
    to 765,128 thousand less than the ítem, which the hierarchy rule reports."""
    _, result = dipres
    with RESULTADO.open(encoding="utf-8", newline="") as handle:
        own = {
            r["programme_code"]: int(r["resultado_miles"]) * 1000
            for r in csv.DictReader(handle)
            if r["moneda"] == "P"
        }
    valid = result.valid
    signed = valid["amount_accrued_clp"].where(
        valid["account_type"] == "ingreso", -valid["amount_accrued_clp"]
    )
    leaves = signed.groupby(valid["programme_code"]).sum().astype(int).to_dict()
    assert set(leaves) == set(own)
    differ = {p: leaves[p] - own[p] for p in own if leaves[p] != own[p]}
    assert differ == {"50.01.05": 765_128_000}
    assert sum(leaves.values()) - sum(own.values()) == 765_128_000


def test_dipres_hierarchy_rule_compares_within_each_programme(dipres):
    raw, result = dipres
    tables = {"budget_lines": result.valid}
    context = context_tables(
        "budgets", tables, {"budget_lines": result.quarantined}, raw.excluded_tables
    )
    found = {f.rule: f for f in run_quality("budgets", tables, context=context).findings}
    assert found["children-sum-to-parent"].rows_failed == 1
    [key] = found["children-sum-to-parent"].sample
    assert (key["programme_code"], key["account_code"]) == ("50.01.05", "27.10")


@pytest.mark.parametrize(
    ("name", "rows", "old_repeats"),
    [("fy2014-okc-expense-budget.csv", 4_500, 4_223), ("c4okc_fy2017.csv", 4_326, 4_070)],
)
def test_us_city_budgets_have_no_repeated_key(name, rows, old_repeats):
    """Fund, operating unit and programme make each line's key unique. The lines are
    still not published: their amounts are US dollars and their accounts the city's
    own 8-digit chart, so each row is quarantined on `account_code` alone."""
    descriptor = load_descriptor_file(DATASETS_DIR / "examples" / "budgets_us_city.dataset.yaml")
    path = BUDGET / "us" / name
    raw = read_source(path, descriptor.source_for(name), comuna_code="13122")
    frame = raw.tables["budget_lines"]
    assert raw.rows_read == len(frame) == rows
    assert frame["fund_code"].ne("").all() and frame["department_name"].ne("").all()
    result = validate(frame)
    assert len(result.valid) == 0 and len(result.quarantined) == rows
    assert Counter((e["type"], e["fieldName"]) for e in result.errors) == {
        ("constraint-error", "account_code"): rows
    }
    old = validate(frame, dict(load_descriptor("budget_lines"), primaryKey=OLD_KEY))
    assert Counter(e["type"] for e in old.errors)["primary-key"] == old_repeats


SCOPED = """
slug: budgets
title: {es: t, en: t}
description: {es: d, en: d}
cadence: monthly
licence: {name: CC-BY-4.0, title: CC BY 4.0, path: https://creativecommons.org/licenses/by/4.0/}
tables: [budget_lines]
sources:
  - name: programas
    title: t
    match: ["*.csv"]
    format: csv
    row_table: budget_lines
    exclude_subtotals: {field: account_code}
    tables:
      budget_lines:
        columns:
          fiscal_year: {value: "2026"}
          month: {value: "3"}
          area: {value: municipal}
          programme_code: Programa
          account_type: {value: gasto}
          account_code: {column: Cuenta, parse: budget_code}
          account_name: Nombre
          amount_initial_clp: {column: Monto, parse: number}
"""


def test_a_leaf_of_one_programme_is_not_the_parent_of_another(tmp_path):
    path = tmp_path / "programas.csv"
    path.write_text(
        "Programa,Cuenta,Nombre,Monto\n"
        "01,22,Bienes y servicios,300\n"
        "01,22.04,Materiales,300\n"
        "02,22,Bienes y servicios,500\n"
        ",22.04,Materiales,70\n",
        encoding="utf-8",
    )
    descriptor = parse_descriptor(SCOPED, "scoped.yaml")
    raw = read_source(path, descriptor.sources[0], comuna_code="13122")
    assert [(e.source_row, e.reason) for e in raw.excluded] == [(2, "subtotal-row")]
    kept = raw.tables["budget_lines"][["programme_code", "account_code"]]
    assert kept.values.tolist() == [["01", "22.04"], ["02", "22"], [None, "22.04"]]
    result = validate(raw.tables["budget_lines"])
    assert len(result.valid) == 3 and len(result.quarantined) == 0
