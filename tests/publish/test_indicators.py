"""Each indicator against a value computed by hand on a small release of four comunas.

Comunas (all region 13 except D): A 13101 has everything; B 13102 has too few
requests and orders (suppressed) and a budget line without its accrued amount; C 13103
has budgets and a few orders; D 05101 has no data at all. Budget amounts are in units
of 10,000 pesos below (scaled when written), so the ratios read as in the comments.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from publish.indicators.methods import METHODS, methods_rows, threshold_utm
from publish.indicators.package import indicators_table, write_indicators
from publish.package import arrow_table, write_parquet
from schemas import load_code_list, public_descriptor

A, B, C, D = "13101", "13102", "13103", "05101"
SCALE = 10_000


def _budget_rows():
    rows = []

    def add(comuna, month, area, kind, code, initial, current, accrued, paid):
        scaled = [None if v is None else v * SCALE for v in (initial, current, accrued, paid)]
        amounts = ("initial", "current", "accrued", "paid")
        rows.append(
            {"comuna_code": comuna, "fiscal_year": 2024, "month": month, "area": area}
            | {"account_type": kind, "account_code": code, "account_name": f"cuenta {code}"}
            | {f"amount_{a}_clp": v for a, v in zip(amounts, scaled, strict=True)}
        )

    # A: subtítulo 22 published with its items (the items must not count twice)
    for month, accrued22, paid22, acc29, paid29, acc31, paid31, collected in (
        (1, 600, 300, 100, 100, 200, 0, 500),
        (2, 900, 600, 300, 200, 500, 100, 1000),
    ):
        add(A, month, "municipal", "gasto", "22", 1000, 1200, accrued22, paid22)
        add(A, month, "municipal", "gasto", "22.01", 400, 500, accrued22 // 2, paid22 // 2)
        add(A, month, "municipal", "gasto", "22.02", 600, 700, accrued22 // 2, paid22 // 2)
        add(A, month, "salud", "gasto", "22.03", 100, 100, 50, 50)
        add(A, month, "municipal", "gasto", "29.01", 500, 500, acc29, paid29)
        add(A, month, "municipal", "gasto", "31.02.004", 1000, 800, acc31, paid31)
        add(A, month, "municipal", "ingreso", "03.01", 2000, 2000, collected, collected)
    add(B, 1, "municipal", "gasto", "22", 1000, 1000, 400, 400)
    add(B, 1, "municipal", "gasto", "29", 200, 200, 0, 0)
    add(B, 1, "municipal", "gasto", "31.01", 100, 100, None, None)  # accrued not reported
    add(B, 1, "municipal", "ingreso", "13.01", 0, 0, 0, 0)  # nothing budgeted
    add(C, 1, "municipal", "gasto", "22", 500, 1000, 800, 400)
    names = [f["name"] for f in public_descriptor("budget_lines")["fields"]]
    return pd.DataFrame(rows, columns=names)


def _order_rows():
    names = [f["name"] for f in public_descriptor("purchase_orders")["fields"]]
    rows = []

    def add(comuna, n, method, supplier, created, accepted, total, status="aceptada"):
        rut, name = supplier
        row = dict.fromkeys(names)
        row |= {
            "order_id": f"{n}-1-SE24",
            "comuna_code": comuna,
            "order_name": f"orden {n}",
            "procurement_method": method,
            "status": status,
            "created_date": dt.date.fromisoformat(created),
            "accepted_date": dt.date.fromisoformat(accepted) if accepted else None,
            "supplier_rut": rut,
            "supplier_name": name,
            "supplier_type": "persona_juridica" if rut else "persona_natural",
            "amount_total_clp": total,
            "currency": "CLP",
            "amount_total": total,
        }
        rows.append(row)

    s1, s2, s3 = ("76000001-1", "Uno SpA"), ("76000002-2", "Dos SpA"), ("76000003-3", "Tres")
    s4, s6 = ("76000004-4", "Cuatro Ltda."), ("76000006-6", "Seis SpA")
    s5 = (None, "Juan Pérez Soto")  # a natural person: RUT not published
    add(A, 1, "licitacion_publica", s1, "2024-01-05", "2024-01-06", 5_000_000)
    add(A, 2, "trato_directo", s2, "2024-01-10", "2024-01-10", 1_000_000)
    add(A, 3, "trato_directo", s2, "2024-01-25", "2024-01-26", 1_200_000)
    add(A, 4, "compra_agil", s3, "2024-01-15", "2024-01-16", 500_000)
    add(A, 5, "convenio_marco", s4, "2024-01-20", None, 2_000_000, status="cancelada")
    add(A, 6, "convenio_marco", s4, "2024-02-03", "2024-02-05", 300_000)
    add(A, 7, "trato_directo", s5, "2024-02-10", "2024-02-12", 100_000)
    add(A, 8, "trato_directo", s2, "2024-02-20", "2024-02-21", 800_000)
    add(A, 9, "licitacion_publica", s6, "2024-02-25", None, 3_000_000, status="en_proceso")
    s7, s8, s9 = ("76000007-7", "Siete"), ("76000008-8", "Ocho"), ("76000009-9", "Nueve")
    add(B, 10, "licitacion_publica", s7, "2024-01-12", "2024-01-15", 1_000_000)
    add(B, 11, "trato_directo", s7, "2024-01-18", "2024-01-20", 500_000)
    add(C, 12, "licitacion_publica", s8, "2024-01-08", "2024-01-09", 1_000_000)
    for n in range(13, 17):
        add(C, n, "convenio_marco", s9, "2024-01-10", "2024-01-11", 250_000)
    return pd.DataFrame(rows, columns=names)


def _request_rows():
    names = [f["name"] for f in public_descriptor("access_requests")["fields"]]
    rows = []

    def add(comuna, n, received, status, outcome, response, extended, deadline, days, on_time):
        row = dict.fromkeys(names)
        row |= {
            "comuna_code": comuna,
            "request_id": f"MU{n:03d}",
            "received_date": dt.date.fromisoformat(received),
            "subject": "x",
            "status": status,
            "outcome": outcome,
            "response_date": dt.date.fromisoformat(response) if response else None,
            "is_extended": extended,
            "legal_deadline_date": dt.date.fromisoformat(deadline),
            "working_days_taken": days,
            "is_on_time": on_time,
        }
        rows.append(row)

    add(A, 1, "2024-03-01", "respondida", "entregada", "2024-03-10", False, "2024-03-29", 6, True)
    add(A, 2, "2024-03-04", "respondida", "denegada", "2024-04-15", True, "2024-04-16", 29, True)
    add(A, 3, "2024-03-05", "respondida", "entregada_parcialmente", "2024-04-10", False,
        "2024-04-02", 25, False)  # fmt: skip
    add(A, 4, "2024-03-11", "respondida", "entregada", "2024-03-20", False, "2024-04-08", 7, True)
    add(A, 5, "2024-03-12", "en_tramite", None, None, False, "2024-04-09", None, False)
    add(A, 6, "2024-03-20", "derivada", "derivada", None, None, "2024-04-17", None, None)
    add(A, 7, "2024-03-25", "respondida", "inexistente", "2024-03-27", False, "2024-04-22", 2,
        True)  # fmt: skip
    add(A, 8, "2024-04-02", "respondida", "entregada", "2024-04-05", False, "2024-04-30", 3, True)
    add(B, 1, "2024-03-01", "respondida", "entregada", "2024-03-05", False, "2024-03-29", 3, True)
    add(B, 2, "2024-03-02", "respondida", "denegada", "2024-03-06", False, "2024-03-29", 3, True)
    return pd.DataFrame(rows, columns=names)


def _comunas():
    rows = [
        (A, "Santiago", "131", "Santiago", "13", "Metropolitana", False),
        (B, "Cerrillos", "131", "Santiago", "13", "Metropolitana", False),
        (C, "Cerro Navia", "131", "Santiago", "13", "Metropolitana", False),
        (D, "Valparaíso", "051", "Valparaíso", "05", "Valparaíso", False),
    ]
    return pd.DataFrame(rows, columns=[f["name"] for f in public_descriptor("comunas")["fields"]])


def write_release(folder: Path) -> Path:
    """A release folder shaped like a published one (Parquet files as published)."""
    for slug, table, frame in (
        ("budgets", "budget_lines", _budget_rows()),
        ("contracts", "purchase_orders", _order_rows()),
        ("access_requests", "access_requests", _request_rows()),
    ):
        (folder / slug).mkdir(parents=True, exist_ok=True)
        for name, data in ((table, frame), ("comunas", _comunas())):
            fields = public_descriptor(name)["fields"]
            write_parquet(arrow_table(data, fields), fields, folder / slug / f"{name}.parquet")
        package = {"resources": [{"name": table, "schema": public_descriptor(table)}]}
        (folder / slug / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def values(tmp_path_factory) -> pd.DataFrame:
    release = write_release(tmp_path_factory.mktemp("release"))
    return indicators_table(release).to_pandas()


def row(values: pd.DataFrame, comuna: str, indicator: str, period: str, breakdown="total"):
    found = values[
        (values.comuna_code == comuna)
        & (values.indicator_id == indicator)
        & (values.period == period)
        & (values.breakdown == breakdown)
    ]
    assert len(found) == 1, (comuna, indicator, period, breakdown)
    return found.iloc[0]


def check(found, value, numerator=None, denominator=None, records=None, reason=None):
    if reason is None:
        assert not found.is_suppressed and pd.isna(found.suppression_reason)
        assert found.value == pytest.approx(value, abs=1e-9)
    else:
        assert found.is_suppressed and found.suppression_reason == reason
        assert pd.isna(found.value)
    for name, expected in (("numerator", numerator), ("denominator", denominator)):
        if expected is not None:
            assert getattr(found, name) == pytest.approx(expected), name
    if records is not None:
        assert found.records == records


# --- budgets ------------------------------------------------------------------------


def test_budget_execution_rate_counts_the_highest_level_published_once(values):
    # 22: municipal "22" (600 of 1200; its items 22.01/22.02 left out) + salud 22.03 (50/100)
    check(row(values, A, "budget_execution_rate", "2024-01", "22"), 650 / 1300, 6_500_000,
          13_000_000, records=2)  # fmt: skip
    check(row(values, A, "budget_execution_rate", "2024-01", "29"), 100 / 500)
    check(row(values, A, "budget_execution_rate", "2024-01", "31"), 200 / 800)
    check(row(values, A, "budget_execution_rate", "2024-01"), 950 / 2600, records=4)
    check(row(values, A, "budget_execution_rate", "2024-02"), (900 + 50 + 300 + 500) / 2600)


def test_budget_modification_payment_and_income(values):
    check(row(values, A, "budget_modification", "2024-01", "22"), 1300 / 1100)
    check(row(values, A, "budget_modification", "2024-01"), 2600 / 2600)
    check(row(values, A, "budget_payment_rate", "2024-01", "22"), 350 / 650)
    check(row(values, A, "budget_payment_rate", "2024-01", "31"), 0 / 200)
    check(row(values, A, "budget_payment_rate", "2024-01"), 450 / 950)
    check(row(values, A, "income_collection_rate", "2024-01", "03"), 500 / 2000)
    check(row(values, A, "income_collection_rate", "2024-02"), 1000 / 2000)
    assert not (values.indicator_id.eq("income_collection_rate") & values.breakdown.eq("22")).any()


def test_budget_suppression_missing_amount_and_zero_denominator(values):
    check(row(values, B, "budget_execution_rate", "2024-01", "22"), 400 / 1000)
    check(row(values, B, "budget_execution_rate", "2024-01", "29"), 0.0)
    missing = row(values, B, "budget_execution_rate", "2024-01", "31")
    check(missing, None, records=1, reason="missing_amounts")
    check(row(values, B, "budget_execution_rate", "2024-01"), None, reason="missing_amounts")
    check(row(values, B, "income_collection_rate", "2024-01", "13"), None, 0, 0, 1,
          reason="no_denominator")  # fmt: skip


# --- access requests ----------------------------------------------------------------


def test_requests_on_time_median_extended_denied(values):
    # on time known: 1 T, 2 T, 3 F, 4 T, 5 F (open, past deadline), 7 T; 6 (referred) unknown
    check(row(values, A, "requests_on_time_share", "2024-03"), 4 / 6, 4, 6, 6)
    check(row(values, A, "requests_on_time_share", "2024"), 5 / 7, 5, 7, 7)
    check(row(values, A, "requests_median_working_days", "2024-03"), 7, None, 5, 5)  # 2 6 7 25 29
    check(row(values, A, "requests_extended_share", "2024-03"), 1 / 7, 1, 7, 7)
    # merits: 1 entregada, 2 denegada, 3 parcial, 4 entregada, 7 inexistente
    check(row(values, A, "requests_denied_share", "2024-03"), 2 / 5, 2, 5, 5)


def test_requests_suppressed_below_five_records(values):
    check(row(values, A, "requests_on_time_share", "2024-04"), None, 1, 1, 1,
          reason="too_few_records")  # fmt: skip
    check(row(values, B, "requests_denied_share", "2024-03"), None, 1, 2, 2,
          reason="too_few_records")  # fmt: skip


def test_open_requests_past_deadline_at_month_end(values):
    # 31 March: open 2 (answered 15 Apr), 3 (answered 10 Apr), 5 (in process); none late yet
    check(row(values, A, "requests_overdue_open", "2024-03"), 0, 0, 3, 7)
    # 30 April: only 5 is open, and its deadline (9 April) has passed
    check(row(values, A, "requests_overdue_open", "2024-04"), 1, 1, 1, 8)


# --- purchases ----------------------------------------------------------------------

TOTAL_A = 11_900_000  # the 8 orders of A in 2024 that were not cancelled


def test_shares_by_procurement_method_leave_out_cancelled_orders(values):
    amount = "purchases_amount_share_by_method"
    check(row(values, A, amount, "2024", "licitacion_publica"), 8_000_000 / TOTAL_A, 8_000_000,
          TOTAL_A, 8)  # fmt: skip
    check(row(values, A, amount, "2024", "trato_directo"), 3_100_000 / TOTAL_A)
    check(row(values, A, amount, "2024", "convenio_marco"), 300_000 / TOTAL_A)
    check(row(values, A, amount, "2024", "licitacion_privada"), 0.0)
    orders = "purchases_orders_share_by_method"
    check(row(values, A, orders, "2024", "trato_directo"), 4 / 8, 4, 8, 8)
    check(row(values, A, orders, "2024", "compra_agil"), 1 / 8)
    check(row(values, A, orders, "2024-01", "trato_directo"), None, 2, 4, 4,
          reason="too_few_records")  # fmt: skip


def test_top5_share_and_hhi(values):
    # suppliers: S1 5.0M, S2 3.0M, S6 3.0M, S3 0.5M, S4 0.3M, S5 0.1M (a natural person)
    check(row(values, A, "purchases_top5_supplier_share", "2024"), 11_800_000 / TOTAL_A)
    shares = [a / TOTAL_A for a in (5e6, 3e6, 3e6, 5e5, 3e5, 1e5)]
    check(row(values, A, "purchases_supplier_hhi", "2024"), 10_000 * sum(s * s for s in shares))
    check(row(values, B, "purchases_supplier_hhi", "2024"), None, reason="too_few_records")


def test_repeated_direct_purchases_above_the_threshold():
    # S2: 1.0M on 10 Jan + 1.2M on 25 Jan = 2.2M > 30 UTM × 64,666 (January 2024) = 1,939,980
    assert threshold_utm("2024-01-25") == 30 and threshold_utm("2024-12-12") == 100
    utm = load_code_list("utm_values").set_index("month")["utm_clp"]
    assert int(utm["2024-01"]) * 30 == 1_939_980


def test_repeated_direct_purchases_values(values):
    split = "purchases_split_direct"
    check(row(values, A, split, "2024-01"), 1, 1, 2, 4)  # S2 flagged of S2, S3
    # February: S2's 0.8M on 20 Feb + its 1.2M of 25 Jan (within 30 days) > 30 × 64,343
    check(row(values, A, split, "2024-02"), 1, 1, 2, 4)  # S2 flagged of S2, S5
    check(row(values, A, split, "2024"), 1, 1, 3, 8)
    check(row(values, B, split, "2024"), 0, 0, 1, 2)


def test_split_direct_is_suppressed_without_the_months_utm(tmp_path):
    release = write_release(tmp_path)
    orders = pd.read_parquet(release / "contracts/purchase_orders.parquet")
    orders["created_date"] = orders["created_date"].map(lambda d: d.replace(year=2031))
    orders["accepted_date"] = orders["accepted_date"].map(
        lambda d: None if d is None else d.replace(year=2031)
    )
    fields = public_descriptor("purchase_orders")["fields"]
    write_parquet(
        arrow_table(orders, fields), fields, release / "contracts/purchase_orders.parquet"
    )
    values = indicators_table(release).to_pandas()
    check(row(values, A, "purchases_split_direct", "2031"), None, None, 3, 8, reason="utm_unknown")
    assert pd.isna(row(values, A, "purchases_split_direct", "2031").numerator)


def test_orders_against_accrued_spending(values):
    # January: accepted 5.0 + 1.0 + 1.2 + 0.5 M; accrued in 22/29/31 = 600 + 50 + 100 + 200
    check(row(values, A, "orders_vs_accrued_spending", "2024-01"), 7_700_000 / 9_500_000,
          7_700_000, 9_500_000)  # fmt: skip
    # February: accepted 0.3 + 0.1 + 0.8 M; accrued in the month = 1750 − 950
    check(row(values, A, "orders_vs_accrued_spending", "2024-02"), 1_200_000 / 8_000_000)
    check(row(values, B, "orders_vs_accrued_spending", "2024-01"), None, reason="missing_amounts")


def test_orders_against_accrued_needs_the_previous_month(tmp_path):
    release = write_release(tmp_path)
    lines = pd.read_parquet(release / "budgets/budget_lines.parquet")
    lines = lines[~((lines.comuna_code == A) & (lines.month == 1))]
    fields = public_descriptor("budget_lines")["fields"]
    write_parquet(arrow_table(lines, fields), fields, release / "budgets/budget_lines.parquet")
    values = indicators_table(release).to_pandas()
    check(row(values, A, "orders_vs_accrued_spending", "2024-02"), None,
          reason="incomplete_period")  # fmt: skip


# --- comparison, coverage, determinism ------------------------------------------------


def test_comparison_with_three_comunas(values):
    # execution of subtítulo 22 in January: B 0.4, A 0.5, C 0.8 (all in region 13)
    for comuna, percentile in ((B, 100 * 0.5 / 3), (A, 100 * 1.5 / 3), (C, 100 * 2.5 / 3)):
        found = row(values, comuna, "budget_execution_rate", "2024-01", "22")
        assert found.comunas_with_data == 3 and found.region_comunas_with_data == 3
        assert found.percentile == pytest.approx(percentile)
        assert found.median_all == pytest.approx(0.5)
        assert found.median_region == pytest.approx(0.5)


def test_no_comparison_with_fewer_than_three_comunas_and_suppressed_ones_left_out(values):
    # shares of 2024: A and C have data; B is suppressed and does not count
    found = row(values, A, "purchases_amount_share_by_method", "2024", "licitacion_publica")
    assert found.comunas_with_data == 2
    assert pd.isna(found.percentile) and pd.isna(found.median_all)
    suppressed = row(values, B, "purchases_amount_share_by_method", "2024", "licitacion_publica")
    assert pd.isna(suppressed.percentile) and suppressed.comunas_with_data == 2
    # the total execution of January: B suppressed, A and C... C has only subtítulo 22
    total = row(values, C, "budget_execution_rate", "2024-01")
    assert total.comunas_with_data == 2 and pd.isna(total.median_all)


def test_a_comuna_without_data_has_no_rows_and_every_row_names_its_method(values):
    assert D not in set(values.comuna_code)
    assert set(values.region_code) == {"13"}
    assert set(values.indicator_id) == set(METHODS)
    assert (values.method_id == values.indicator_id).all()
    versions = {r["indicator_id"]: r["method_version"] for r in methods_rows()}
    assert (values.method_version == values.indicator_id.map(versions)).all()
    assert set(values.unit) <= {"ratio", "days", "count", "index"}


def test_package_is_valid_and_byte_identical_when_written_twice(tmp_path):
    from publish.publication import invalid_package

    digests = []
    for name in ("one", "two"):
        release = write_release(tmp_path / name)
        package, summary = write_indicators(
            release, version="2024-05-01", generated_on=dt.date(2024, 5, 1)
        )
        assert invalid_package(release / "indicators", "indicators") == []
        assert [r["name"] for r in package["resources"]] == [
            "indicators", "indicator_methods", "utm_values", "comunas"
        ]  # fmt: skip
        assert summary["rows_published"] == summary["previews"]["indicators"]["rows_total"] + len(
            METHODS
        )
        folder = release / "indicators"
        digests.append({p.name: p.read_bytes() for p in sorted(folder.iterdir())})
    assert digests[0] == digests[1]
