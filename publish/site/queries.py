"""Example SQL for a dataset's query box (DuckDB-Wasm in the reader's browser).

Every table of a dataset is a view of its Parquet file named like the table
(``purchase_orders``), so the examples read like the DuckDB snippets on the page:
first the rows of each table, then the questions a reader asks of that kind of
data (month by month, who gets the most). Each example has a title in both
languages; the SQL is the same in both (column names are the published ones).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from publish.site.assets import engine_path
from publish.site.national import comuna_examples

# Budget lines may hold an account and its sub-accounts: sums keep only the leaves.
_BUDGET_LEAVES = """NOT EXISTS (
    SELECT 1 FROM budget_lines AS c
    WHERE c.comuna_code = b.comuna_code AND c.fiscal_year = b.fiscal_year
      AND c.month = b.month AND c.area = b.area
      AND c.programme_code IS NOT DISTINCT FROM b.programme_code
      AND c.fund_code IS NOT DISTINCT FROM b.fund_code
      AND c.department_code IS NOT DISTINCT FROM b.department_code
      AND c.account_code LIKE b.account_code || '.%'
  )"""

EXAMPLES: dict[str, list[tuple[dict[str, str], str]]] = {
    "budget_lines": [
        (
            {
                "es": "Gasto por mes: vigente, devengado y pagado (sin contar dos veces)",
                "en": "Expenses by month: current, accrued and paid (nothing counted twice)",
            },
            "SELECT fiscal_year, month,\n"
            "  sum(amount_current_clp) AS current_clp,\n"
            "  sum(amount_accrued_clp) AS accrued_clp,\n"
            "  sum(amount_paid_clp) AS paid_clp\n"
            "FROM budget_lines AS b\n"
            f"WHERE account_type = 'gasto' AND {_BUDGET_LEAVES}\n"
            "GROUP BY fiscal_year, month\n"
            "ORDER BY fiscal_year, month;",
        ),
    ],
    "purchase_orders": [
        (
            {"es": "Órdenes y monto total por mes", "en": "Orders and total amount by month"},
            "SELECT strftime(created_date, '%Y-%m') AS month,\n"
            "  count(*) AS orders,\n"
            "  sum(amount_total_clp) AS total_clp\n"
            "FROM purchase_orders\n"
            "GROUP BY month\n"
            "ORDER BY month;",
        ),
        (
            {
                "es": "Los 10 proveedores con más monto comprado",
                "en": "The 10 suppliers with the largest amounts",
            },
            "SELECT supplier_rut, supplier_name,\n"
            "  count(*) AS orders,\n"
            "  sum(amount_total_clp) AS total_clp\n"
            "FROM purchase_orders\n"
            "GROUP BY supplier_rut, supplier_name\n"
            "ORDER BY total_clp DESC, supplier_rut\n"
            "LIMIT 10;",
        ),
    ],
    "access_requests": [
        (
            {
                "es": "Solicitudes por mes de ingreso: respondidas en plazo y fuera de plazo",
                "en": "Requests by month received: answered on time and late",
            },
            "SELECT strftime(received_date, '%Y-%m') AS month,\n"
            "  count(*) AS requests,\n"
            "  count(*) FILTER (WHERE is_on_time) AS on_time,\n"
            "  count(*) FILTER (WHERE NOT is_on_time) AS late\n"
            "FROM access_requests\n"
            "GROUP BY month\n"
            "ORDER BY month;",
        ),
    ],
}


def example_queries(dataset: Mapping[str, Any]) -> list[dict[str, Any]]:
    """``[{title {es, en}, sql}]``: the first rows of each table, then the examples
    of the dataset's tables that have a Parquet file."""
    names = {t["name"] for t in query_tables(dataset)}
    tables = [r for r in dataset["resources"] if r["name"] in names]
    first = [
        {
            "title": {
                "es": f"Primeras 10 filas de «{r['title']['es']}»",
                "en": f"First 10 rows of “{r['title']['en']}”",
            },
            "sql": f"SELECT *\nFROM {r['name']}\nLIMIT 10;",
        }
        for r in tables
    ]
    more = [
        {"title": title, "sql": sql}
        for table, examples in EXAMPLES.items()
        if table in names
        for title, sql in examples
    ]
    return first + more


def query_tables(dataset: Mapping[str, Any]) -> list[dict[str, str]]:
    """``[{name, path}]``: the view name and the site path of each table's Parquet file."""
    tables = []
    for resource in dataset["resources"]:
        parquet = next((f for f in resource["files"] if f["format"] == "parquet"), None)
        if parquet:
            tables.append({"name": resource["name"], "path": parquet["path"]})
    return tables


def query_config(dataset: Mapping[str, Any], page: Any) -> dict[str, Any]:
    """What ``assets/query.js`` reads from the page: the engine's folder, each table's
    Parquet file and the examples, with links relative to ``page``; with
    ``?comuna=<cut>`` in the page's address the script opens the box on that comuna's
    rows (``comuna_examples``, see :mod:`publish.site.national`)."""
    link: Callable[[str], str | None] = page.href
    tables = [
        {"name": t["name"], "path": link(t["path"])}
        for t in query_tables(dataset)
        if link(t["path"])
    ]
    return {
        "engine": page.to(engine_path()) + "/",
        "tables": tables,
        "examples": example_queries(dataset),
        "comuna_examples": comuna_examples(dataset),  # for ?comuna=<cut>
    }
