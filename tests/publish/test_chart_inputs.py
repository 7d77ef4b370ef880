"""Chart data from a package folder's Parquet files read columnar (`chart_tables`): only the
charted tables and columns, orders and requests grouped with a row count, budget leaves
by a join. The charts are those of the whole tables, row for row; every kind of chart
is a valid Vega-Lite spec (the draw itself does not validate)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from publish.site.charts import chart_spec, chart_tables, dataset_charts
from publish.site.indicator_charts import comunas_chart, comunas_spec
from tests.publish.test_indicator_pages import indicator_catalog


def write(folder, table: str, frame: pd.DataFrame) -> None:
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), folder / f"{table}.parquet")


def orders() -> pd.DataFrame:
    """Many orders over three months and three methods, some without a date or method, and
    columns the chart does not read (a wide table)."""
    days = [dt.date(2026, m, d) for m in (8, 9, 10) for d in (1, 15, 28)]
    methods = ["trato_directo", "compra_agil", "licitacion_publica", None]
    rows = [
        {
            "order_id": f"OC-{i}",
            "created_date": None if i % 17 == 0 else days[i % len(days)],
            "procurement_method": methods[(i // 3) % len(methods)],
            "description": f"descripción {i}",
            "amount_total_clp": i * 1000,
        }
        for i in range(2_000)
    ]
    return pd.DataFrame(rows)


def requests() -> pd.DataFrame:
    rows = [
        {
            "request_id": f"S-{i}",
            "received_date": dt.date(2026, 1 + i % 3, 1 + i % 27),
            "is_on_time": [True, False, None][i % 3] if i % 5 else True,
            "subject": f"asunto {i}",
        }
        for i in range(600)
    ]
    return pd.DataFrame(rows)


def budget_lines() -> pd.DataFrame:
    """Two comunas, two months, programmes with and without a code (a municipal balance has
    none): `22` is a subtotal where `22.04` sits beside it in the same group only."""
    rows = []
    for comuna in ("99901", "99902"):
        for month in (9, 10):
            for programme, code, amount in [
                (None, "21", 900),
                (None, "21.01", 500),
                (None, "21.01.001", 500),
                (None, "21.02", 400),
                ("01", "22", 300),
                ("01", "22.04", 300),
                ("02", "22", 500),
                (None, "22.04.001", 70),
                ("01", "31.02.004", 1000),
            ]:
                rows.append(
                    {
                        "comuna_code": comuna,
                        "fiscal_year": 2026,
                        "month": month,
                        "area": "municipal",
                        "programme_code": programme,
                        "account_type": "gasto",
                        "account_code": code,
                        "account_name": f"cuenta {code}",
                        "amount_initial_clp": amount,
                        "amount_current_clp": amount * month,
                        "amount_accrued_clp": amount * (month - 1),
                        "amount_paid_clp": amount * (month - 2),
                    }
                )
    return pd.DataFrame(rows)


def test_charts_from_the_folder_equal_the_charts_of_the_whole_tables(tmp_path):
    tables = {
        "purchase_orders": orders(),
        "access_requests": requests(),
        "budget_lines": budget_lines(),
    }
    for table, frame in tables.items():
        write(tmp_path, table, frame)
    write(tmp_path, "purchase_order_items", pd.DataFrame({"order_id": ["OC-1"]}))
    read = chart_tables(tmp_path, [*tables, "purchase_order_items"])
    # the items are not charted: never read
    assert set(read) == set(tables)
    # a (date, method) pair per row, each with how many orders it stands for
    assert len(read["purchase_orders"]) < 50
    assert read["purchase_orders"]["_rows"].sum() == 2_000
    assert "description" not in read["purchase_orders"]
    whole = {t: pq.read_table(tmp_path / f"{t}.parquet").to_pandas() for t in tables}
    for table in tables:
        charts = dataset_charts({table: whole[table]})
        assert charts, table
        assert dataset_charts({table: read[table]}) == charts, table


def test_each_programme_and_comuna_has_its_own_leaves(tmp_path):
    """`22` is left out where `22.04` is in its group (programme 01), kept in programme 02;
    a line without a programme is its own group, not everyone's parent."""
    write(tmp_path, "budget_lines", budget_lines())
    charts = dataset_charts(chart_tables(tmp_path, ["budget_lines"]))
    by_subtitulo = next(c for c in charts if c["id"] == "presupuesto-por-subtitulo")
    rows = {(x, s): v for x, s, v in by_subtitulo["rows"]}
    # October, two comunas: 21 -> 21.01.001 (500) + 21.02 (400); 21 and 21.01 are parents
    assert rows[("21", "amount_current_clp")] == 2 * 900 * 10
    # 22: programme 01's 22.04 (300), programme 02's 22 (500), no programme's 22.04.001 (70)
    assert rows[("22", "amount_current_clp")] == 2 * (300 + 500 + 70) * 10
    assert rows[("31", "amount_current_clp")] == 2 * 1000 * 10


def test_every_kind_of_chart_is_a_valid_vega_lite_spec(tmp_path):
    tables = {
        "purchase_orders": orders(),
        "access_requests": requests(),
        "budget_lines": budget_lines(),
    }
    one_month = orders()
    one_month = one_month[one_month["created_date"].map(lambda d: d is not None and d.month == 9)]
    charts = dataset_charts(tables) + dataset_charts({"purchase_orders": one_month})
    kinds = {c["id"] for c in charts}
    assert kinds == {
        "presupuesto-por-mes",
        "presupuesto-por-subtitulo",
        "ordenes-por-mes",
        "ordenes-por-modalidad",
        "solicitudes-en-plazo",
    }
    for chart in charts:
        for lang in ("es", "en"):
            chart_spec(chart, lang).to_dict(validate=True)  # raises on an invalid spec
    pages = [p for p in indicator_catalog()["indicators"] if p["comunas"]]
    assert pages
    for page in pages:
        comunas_spec(comunas_chart(page), "es").to_dict(validate=True)
