"""Chart data from the published tables and their SVGs (`publish.site.charts`), and search."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from publish.site.charts import (
    budget_chart,
    budget_months_chart,
    chart_table,
    dataset_charts,
    orders_chart,
    render_svg,
    requests_chart,
)
from publish.site.search import facets, fold, search_index
from tests.publish.test_site import make_catalog


def budget_lines() -> pd.DataFrame:
    rows = [
        # month 9 is older: ignored; month 10 is the latest of 2026
        (2026, 9, "municipal", "gasto", "21.01.001", 999, 999, 999),
        (2026, 10, "municipal", "gasto", "21", 1000, 800, 700),  # parent of the next two
        (2026, 10, "municipal", "gasto", "21.01.001", 600, 500, 400),
        (2026, 10, "municipal", "gasto", "21.01.002", 400, 300, 300),
        (2026, 10, "salud", "gasto", "22.04.001", 200, 100, 50),
        (2026, 10, "municipal", "ingreso", "03.01.001", 5000, 4000, 4000),
    ]
    columns = ["fiscal_year", "month", "area", "account_type", "account_code"]
    columns += ["amount_current_clp", "amount_accrued_clp", "amount_paid_clp"]
    return pd.DataFrame(rows, columns=columns)


def test_budget_chart_sums_leaf_accounts_of_the_latest_month_by_subtitulo():
    chart = budget_chart(budget_lines())
    table = {(x, s): v for x, s, v in chart["rows"]}
    assert table == {
        ("21", "amount_current_clp"): 1000,
        ("21", "amount_accrued_clp"): 800,
        ("21", "amount_paid_clp"): 700,
        ("22", "amount_current_clp"): 200,
        ("22", "amount_accrued_clp"): 100,
        ("22", "amount_paid_clp"): 50,
    }
    assert chart["x_labels"]["21"] == {"es": "21 Gastos en personal", "en": "21 Personnel expenses"}
    assert "octubre de 2026" in chart["summary"]["es"]
    assert "75 %" in chart["summary"]["en"]  # 900 paid of 1 200 current


def test_each_programme_has_its_own_leaves_in_the_charts():
    """`22` is a subtotal in programme 01 and a leaf in programme 02: only 01's is left out."""
    rows = [
        (2026, month, "municipal", programme, "gasto", code, amount, amount, amount)
        for month in (9, 10)
        for programme, code, amount in [("01", "22", 300), ("01", "22.04", 300), ("02", "22", 500)]
    ]
    columns = ["fiscal_year", "month", "area", "programme_code", "account_type", "account_code"]
    columns += ["amount_current_clp", "amount_accrued_clp", "amount_paid_clp"]
    lines = pd.DataFrame(rows, columns=columns).assign(fund_code=None, department_code=None)
    table = {(x, s): v for x, s, v in budget_chart(lines)["rows"]}
    assert table[("22", "amount_current_clp")] == 800
    months = {(x, s): v for x, s, v in budget_months_chart(lines)["rows"]}
    assert months[("2026-10", "amount_paid_clp")] == 800


def test_orders_chart_counts_orders_by_month_and_method():
    orders = pd.DataFrame(
        {
            "created_date": [dt.date(2026, 9, 30), dt.date(2026, 10, 1), dt.date(2026, 10, 2)],
            "procurement_method": ["trato_directo", "compra_agil", "compra_agil"],
        }
    )
    chart = orders_chart(orders)
    assert sorted(chart["rows"]) == [
        ["2026-09", "trato_directo", 1],
        ["2026-10", "compra_agil", 2],
    ]
    assert chart["series_labels"]["compra_agil"]["es"] == "Compra ágil"
    assert chart_table(chart, "en") == {
        "columns": ["Quick purchase (compra ágil)", "Direct award"],
        "rows": [("Sep 2026", [0, 1]), ("Oct 2026", [2, 0])],
    }
    assert "3 órdenes de compra entre sep 2026 y oct 2026" in chart["summary"]["es"]


def test_orders_of_one_month_are_counted_by_method():
    orders = pd.DataFrame(
        {
            "created_date": [dt.date(2026, 10, d) for d in (1, 2, 3)],
            "procurement_method": ["compra_agil", "trato_directo", "compra_agil"],
        }
    )
    chart = orders_chart(orders)
    assert chart["id"] == "ordenes-por-modalidad" and chart["horizontal"]
    assert chart["rows"] == [["compra_agil", "2026-10", 2], ["trato_directo", "2026-10", 1]]
    assert chart["title"]["es"] == "Órdenes de compra por modalidad, oct 2026"
    assert "3 órdenes de compra en oct 2026" in chart["summary"]["es"]
    assert render_svg(chart, "en").startswith("<svg")


def test_budget_months_chart_follows_the_leaf_accounts_month_by_month():
    lines = budget_lines()
    chart = budget_months_chart(lines)
    table = {(x, s): v for x, s, v in chart["rows"]}
    # September: one leaf. October: the leaves of 21 (not 21 itself) and 22.
    assert table[("2026-09", "amount_current_clp")] == 999
    assert table[("2026-10", "amount_current_clp")] == 1200
    assert table[("2026-10", "amount_paid_clp")] == 750
    assert chart["mark"] == "line" and list(chart["x_labels"]) == ["2026-09", "2026-10"]
    assert "entre sep 2026 y oct 2026" in chart["summary"]["es"]
    assert "62 %" in chart["summary"]["es"]  # 750 paid of 1 200 (62.5, rounded to even)
    svg = render_svg(chart, "es")
    assert svg.startswith("<svg") and "Presupuesto vigente" in svg and "<script" not in svg
    # One month is no series: no chart (the by-subtítulo chart says it all).
    assert budget_months_chart(lines[lines["month"] == 10]) is None
    assert [c["id"] for c in dataset_charts({"budget_lines": lines})] == [
        "presupuesto-por-mes",
        "presupuesto-por-subtitulo",
    ]


def test_requests_chart_splits_answered_requests_and_leaves_pending_ones_out():
    requests = pd.DataFrame(
        {
            "received_date": ["2026-01-05", "2026-01-20", "2026-02-03", "2026-02-10"],
            "is_on_time": [True, False, True, None],
        }
    )
    chart = requests_chart(requests)
    assert sorted(chart["rows"]) == [
        ["2026-01", "late", 1],
        ["2026-01", "on_time", 1],
        ["2026-02", "on_time", 1],
    ]
    assert "2 se respondieron en plazo y 1 fuera de plazo; 1 siguen" in chart["summary"]["es"]


def test_no_chart_for_empty_tables():
    empty = budget_lines().iloc[0:0]
    assert dataset_charts({"budget_lines": empty}) == []


def test_svg_is_static_labelled_in_the_page_language_and_deterministic():
    chart = budget_chart(budget_lines())
    es, en = render_svg(chart, "es"), render_svg(chart, "en")
    assert es.startswith("<svg") and "Gastos en personal" in es and "Personnel expenses" in en
    assert "Millones de pesos" in es and "Million pesos" in en
    assert "<script" not in es and not re.search(r'href="(https?:)?//', es)
    assert render_svg(chart, "es") == es


def test_search_index_holds_titles_descriptions_and_column_names_without_accents():
    catalog = make_catalog()
    index = search_index(catalog, "es")
    assert [e["slug"] for e in index] == ["budgets", "contracts", "access_requests"]
    budgets = index[0]
    assert "amount paid clp" in budgets["text"] and "ano fiscal" in budgets["text"]
    # a column name typed as written folds to the same words
    assert all(word in budgets["text"] for word in fold("amount_paid_clp").split())
    assert budgets["text"] == fold(budgets["text"])
    assert budgets["municipalities"] == ["99901"] and budgets["years"]
    options = facets(catalog, "en")
    assert [v for v, _ in options["kind"]] == ["access_requests", "budgets", "contracts"]
    assert options["municipality"] == [("99901", "Villa Ejemplo")]
    assert fold("Órdenes de COMPRA") == "ordenes de compra"
