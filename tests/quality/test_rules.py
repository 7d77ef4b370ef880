"""Each quality rule on tiny real-shaped tables: a clean case that passes, a broken one
that fails with exactly the expected offending keys (and the true count)."""

from __future__ import annotations

import datetime as dt
import multiprocessing

import pandas as pd
import pytest

from datasets.descriptor import SLUGS, load_descriptor
from datasets.municipalities import load_installation
from pipelines.steps import derive
from quality.rules import RULES, context_tables, engine, run_quality
from quality.rules.base import merge_reports
from quality.rules.summary import quality_markdown, quality_summary

D = dt.date
BUDGET_FILE = "99901/ejecucion_presupuestaria_2026-{:02d}.csv"
ORDERS_FILE = "99901/ordenes_de_compra_2026-10.csv"


def budget_rows() -> list[dict]:
    """Two months of a small balance: ingreso 03 > 03.01 > two asignaciones, one gasto."""
    amounts = {
        9: {
            "03": (1000, 1000, 600, 500),
            "03.01": (1000, 1000, 600, 500),
            "03.01.001": (700, 700, 400, 300),
            "03.01.002": (300, 300, 200, 200),
            "22.04.001": (90, 90, 40, 30),
        },
        10: {
            "03": (1000, 1000, 750, 620),
            "03.01": (1000, 1000, 750, 620),
            "03.01.001": (700, 700, 500, 400),
            "03.01.002": (300, 300, 250, 220),
            "22.04.001": (90, 90, 60, 50),
        },
    }
    rows = []
    for month, accounts in amounts.items():
        for number, (code, (initial, current, accrued, paid)) in enumerate(accounts.items(), 2):
            rows.append(
                {
                    "comuna_code": "99901",
                    "fiscal_year": 2026,
                    "month": month,
                    "area": "municipal",
                    "account_type": "gasto" if code.startswith("22") else "ingreso",
                    "account_code": code,
                    "account_name": f"CUENTA {code}",
                    "amount_initial_clp": initial,
                    "amount_current_clp": current,
                    "amount_accrued_clp": accrued,
                    "amount_paid_clp": paid,
                    "_source_file": BUDGET_FILE.format(month),
                    "_source_row": number,
                }
            )
    return rows


def budget_totals() -> list[dict]:
    """The files' own totals rows, as ingestion keeps them (text, no type or code)."""
    leaves = {
        9: [(700, 700, 400, 300), (300, 300, 200, 200)],
        10: [(700, 700, 500, 400), (300, 300, 250, 220)],
    }
    gastos = {9: (90, 90, 40, 30), 10: (90, 90, 60, 50)}
    rows = []
    for month, parts in leaves.items():
        for label, values, row in (
            ("TOTAL INGRESOS", [sum(v) for v in zip(*parts, strict=True)], 7),
            ("TOTAL GASTOS", list(gastos[month]), 8),
        ):
            rows.append(
                {
                    "account_type": None,
                    "account_name": label,
                    **{
                        name: str(value)
                        for name, value in zip(
                            (
                                "amount_initial_clp",
                                "amount_current_clp",
                                "amount_accrued_clp",
                                "amount_paid_clp",
                            ),
                            values,
                            strict=True,
                        )
                    },
                    "_source_file": BUDGET_FILE.format(month),
                    "_source_row": row,
                    "_reason": "totals-row",
                }
            )
    return rows


def typed_lines(rows: list[dict]) -> pd.DataFrame:
    lines = pd.DataFrame(rows)
    for column in lines.columns:
        if column.startswith("amount_") or column in ("fiscal_year", "month"):
            lines[column] = lines[column].astype("Int64")
    return lines


def run_budgets(rows: list[dict], totals: list[dict]):
    tables = {"budget_lines": typed_lines(rows)}
    context = context_tables("budgets", tables, None, {"budget_lines": pd.DataFrame(totals)})
    return run_quality("budgets", tables, context=context)


def key(month: int, code: str) -> dict:
    return {
        "comuna_code": "99901",
        "fiscal_year": 2026,
        "month": month,
        "area": "municipal",
        "programme_code": None,  # a municipal balance has no programme, fund or department
        "fund_code": None,
        "department_code": None,
        "account_code": code,
    }


def by_rule(report) -> dict:
    return {f.rule: f for f in report.findings}


def edit(rows: list[dict], month: int, code: str, **values) -> list[dict]:
    for row in rows:
        if row["month"] == month and row["account_code"] == code:
            row.update(values)
    return rows


def test_clean_budget_passes_every_rule():
    report = run_budgets(budget_rows(), budget_totals())
    assert [(f.rule, f.rows_failed) for f in report.findings if not f.passed] == []
    assert len(report.findings) == len(RULES["budgets"])


BUDGET_CASES = [
    pytest.param(
        "account-code-in-classifier",
        lambda r, t: (edit(r, 9, "22.04.001", account_code="98.04.001"), t),
        [key(9, "98.04.001")],
        id="unknown-subtitulo",
    ),
    pytest.param(
        "account-code-in-classifier",
        lambda r, t: (edit(r, 10, "22.04.001", account_type="ingreso"), t),
        [key(10, "22.04.001")],
        id="code-of-the-other-account-type",
    ),
    pytest.param(
        "asignacion-in-classifier",
        lambda r, t: (edit(r, 9, "22.04.001", account_code="22.04.777"), t),
        [key(9, "22.04.777")],
        id="unknown-asignacion",
    ),
    pytest.param(
        "children-sum-to-parent",
        lambda r, t: (edit(r, 9, "03", amount_accrued_clp=601), t),
        [key(9, "03")],
        id="parent-differs",
    ),
    pytest.param(
        "totals-row-matches-detail",
        lambda r, t: (r, [t[0] | {"amount_paid_clp": "499"}, *t[1:]]),
        [{"source_file": BUDGET_FILE.format(9), "source_row": 7}],
        id="totals-row-off-by-one",
    ),
    pytest.param(
        "paid-not-above-accrued",
        lambda r, t: (edit(r, 10, "22.04.001", amount_paid_clp=61), t),
        [key(10, "22.04.001")],
        id="paid-above-accrued",
    ),
    pytest.param(
        "accrued-not-above-current",
        lambda r, t: (edit(r, 10, "22.04.001", amount_accrued_clp=91, amount_paid_clp=50), t),
        [key(10, "22.04.001")],
        id="accrued-above-current",
    ),
    pytest.param(
        "cumulative-never-decreases",
        lambda r, t: (edit(r, 10, "22.04.001", amount_paid_clp=29), t),
        [key(10, "22.04.001")],
        id="paid-goes-down",
    ),
]


def test_all_zero_levels_are_not_opened_levels():
    """`03.03.000` is ítem 03.03 with no asignación opened; `15.00.000` is subtítulo 15."""
    rows = budget_rows()
    edit(rows, 9, "22.04.001", account_code="22.04.000")
    extra = dict(rows[0], account_code="15.00.000", account_name="SALDO INICIAL DE CAJA")
    extra |= {"_source_file": "99901/otro_2026-09.csv"}
    found = by_rule(run_budgets([*rows, extra], budget_totals()))
    assert found["account-code-in-classifier"].passed
    assert found["asignacion-in-classifier"].passed
    edit(rows, 9, "22.04.000", account_code="22.77.000")
    found = by_rule(run_budgets(rows, budget_totals()))
    assert found["account-code-in-classifier"].sample == [key(9, "22.77.000")]


@pytest.mark.parametrize(("rule", "breaks", "keys"), BUDGET_CASES)
def test_budget_rule_fails_with_the_offending_keys(rule, breaks, keys):
    rows, totals = breaks(budget_rows(), budget_totals())
    found = by_rule(run_budgets(rows, totals))[rule]
    assert (found.rows_failed, found.sample) == (len(keys), keys)


def test_totals_row_counts_quarantined_detail_rows_too():
    """The source's total covers every detail row it listed, valid or quarantined."""
    rows = budget_rows()
    moved = next(r for r in rows if r["month"] == 9 and r["account_code"] == "03.01.002")
    rows.remove(moved)
    tables = {"budget_lines": typed_lines(rows)}
    quarantined = {"budget_lines": pd.DataFrame([{k: str(v) for k, v in moved.items()}])}
    totals = {"budget_lines": pd.DataFrame(budget_totals())}
    with_quarantine = context_tables("budgets", tables, quarantined, totals)
    found = by_rule(run_quality("budgets", tables, context=with_quarantine))
    assert found["totals-row-matches-detail"].passed
    without = context_tables("budgets", tables, None, totals)
    found = by_rule(run_quality("budgets", tables, context=without))
    assert found["totals-row-matches-detail"].rows_failed == 1


# -- contracts ---------------------------------------------------------------------------


def contract_tables() -> dict[str, pd.DataFrame]:
    orders = pd.DataFrame(
        [
            {
                "order_id": "2431-157-CM26",
                "comuna_code": "99901",
                "status_code": 6,
                "status": "aceptada",
                "created_date": D(2026, 10, 1),
                "sent_date": D(2026, 10, 1),
                "accepted_date": D(2026, 10, 3),
                "supplier_rut": "76086428-5",
                "supplier_type": "persona_juridica",
                "amount_net_clp": 1187855,
                "amount_tax_clp": 225692,
                "amount_total_clp": 1413547,
                "_source_file": ORDERS_FILE,
            },
            {
                # as read from OCDS: no status code, no net or tax, items without amounts
                "order_id": "2431-160-SE26",
                "comuna_code": "99901",
                "status_code": None,
                "status": "enviada_proveedor",
                "created_date": D(2026, 10, 31),
                "sent_date": None,
                "accepted_date": None,
                "supplier_rut": "12345678-5",
                "supplier_type": "persona_natural",
                "amount_net_clp": None,
                "amount_tax_clp": None,
                "amount_total_clp": 50000,
                "_source_file": "99901/ocds_2026-10.json",
            },
        ]
    )
    items = pd.DataFrame(
        [
            ("2431-157-CM26", 1, 547.0, 1352.5, 739818.0),
            ("2431-157-CM26", 2, 399.0, 1122.9, 448037.0),
            ("2431-160-SE26", 1, 2.0, 25000.0, None),
        ],
        columns=["order_id", "line_number", "quantity", "unit_price_clp", "amount_net_clp"],
    )
    for column in ("status_code", "amount_net_clp", "amount_tax_clp", "amount_total_clp"):
        orders[column] = orders[column].astype("Int64")
    items["line_number"] = items["line_number"].astype("Int64")
    for column in ("quantity", "unit_price_clp", "amount_net_clp"):
        items[column] = items[column].astype("Float64")
    # in pesos: the amounts in their currency equal the peso columns (datasets.money)
    for table in (orders, items):
        table["currency"] = "CLP"
        for pesos in [c for c in table.columns if c.endswith("_clp")]:
            table[pesos.removesuffix("_clp")] = table[pesos].astype("Float64")
    return {"purchase_orders": orders, "purchase_order_items": items}


def set_value(tables, table, row, **values):
    for column, value in values.items():
        tables[table].loc[row, column] = value
    return tables


def test_clean_contracts_pass_every_rule():
    report = run_quality("contracts", contract_tables())
    assert [(f.rule, f.rows_failed) for f in report.findings if not f.passed] == []


FIRST = [{"order_id": "2431-157-CM26"}]
SECOND = [{"order_id": "2431-160-SE26"}]
CONTRACT_CASES = [
    pytest.param(
        "supplier-rut-check-digit",
        lambda t: set_value(t, "purchase_orders", 1, supplier_rut="12345678-K"),
        SECOND,
        id="bad-check-digit",
    ),
    pytest.param(
        "order-net-equals-items",
        lambda t: set_value(t, "purchase_order_items", 1, amount_net=448040.0),
        FIRST,
        id="items-three-pesos-off",
    ),
    pytest.param(
        "order-total-is-net-plus-tax",
        lambda t: set_value(t, "purchase_orders", 0, amount_tax=0),
        FIRST,
        id="total-without-iva",
    ),
    pytest.param(
        "order-amount-positive",
        lambda t: set_value(t, "purchase_orders", 1, amount_total=0),
        SECOND,
        id="zero-total",
    ),
    pytest.param(
        "item-amount-positive",
        lambda t: set_value(t, "purchase_order_items", 2, quantity=-1.0),
        [{"order_id": "2431-160-SE26", "line_number": 1}],
        id="negative-quantity",
    ),
    pytest.param(
        "dates-in-order",
        lambda t: set_value(t, "purchase_orders", 0, sent_date=D(2026, 10, 4)),
        FIRST,
        id="accepted-before-sent",
    ),
    pytest.param(
        "dates-in-order",
        lambda t: set_value(t, "purchase_orders", 0, created_date=D(2026, 10, 2)),
        FIRST,
        id="sent-before-created",
    ),
    pytest.param(
        "order-in-file-period",
        lambda t: set_value(t, "purchase_orders", 1, created_date=D(2026, 9, 30)),
        SECOND,
        id="previous-month",
    ),
    pytest.param(
        "status-code-matches-label",
        lambda t: set_value(t, "purchase_orders", 0, status_code=4),
        FIRST,
        id="code-4-labelled-accepted",
    ),
]


@pytest.mark.parametrize(("rule", "breaks", "keys"), CONTRACT_CASES)
def test_contract_rule_fails_with_the_offending_keys(rule, breaks, keys):
    found = by_rule(run_quality("contracts", breaks(contract_tables())))[rule]
    assert (found.rows_failed, found.sample) == (len(keys), keys)


def test_rounding_within_one_peso_per_line_passes():
    tables = set_value(contract_tables(), "purchase_order_items", 1, amount_net_clp=448038.6)
    assert by_rule(run_quality("contracts", tables))["order-net-equals-items"].passed


# -- access requests ---------------------------------------------------------------------


def request_table(rows: list[tuple]) -> dict[str, pd.DataFrame]:
    frame = pd.DataFrame(
        rows, columns=["request_id", "received_date", "response_date", "is_extended"]
    ).assign(comuna_code="99901")
    frame["is_extended"] = frame["is_extended"].astype("boolean")
    installation = load_installation()
    return {"access_requests": derive("access_requests", frame, installation, D(2026, 11, 2))}


CLEAN_REQUESTS = [
    ("MU999T0000001", D(2026, 9, 1), D(2026, 9, 29), False),
    ("MU999T0000002", D(2026, 10, 20), None, True),
]


def test_clean_requests_pass_every_rule():
    report = run_quality("access_requests", request_table(CLEAN_REQUESTS))
    assert [(f.rule, f.rows_failed) for f in report.findings if not f.passed] == []


def test_open_request_has_no_on_time_flag_whatever_the_run_date():
    """Published values do not depend on the run date (byte-identical re-runs)."""
    frame = pd.DataFrame(
        [("MU999T0000003", D(2026, 1, 5), None, False)],
        columns=["request_id", "received_date", "response_date", "is_extended"],
    ).assign(comuna_code="99901")
    installation = load_installation()
    early = derive("access_requests", frame, installation, D(2026, 1, 6))
    late = derive("access_requests", frame, installation, D(2026, 12, 31))
    columns = ["legal_deadline_date", "working_days_taken", "is_on_time"]
    pd.testing.assert_frame_equal(early[columns], late[columns])
    assert early["is_on_time"].isna().all()


REQUEST_CASES = [
    pytest.param(
        "response-not-before-receipt",
        [*CLEAN_REQUESTS, ("MU999T0000009", D(2026, 10, 5), D(2026, 10, 2), False)],
        [{"comuna_code": "99901", "request_id": "MU999T0000009"}],
        id="answered-before-received",
    ),
    pytest.param(
        "folio-unique",
        [*CLEAN_REQUESTS, ("MU999T0000001", D(2026, 9, 3), None, False)],
        [{"comuna_code": "99901", "request_id": "MU999T0000001"}],
        id="repeated-folio",
    ),
]


@pytest.mark.parametrize(("rule", "rows", "keys"), REQUEST_CASES)
def test_request_rule_fails_with_the_offending_keys(rule, rows, keys):
    found = by_rule(run_quality("access_requests", request_table(rows)))[rule]
    assert (found.rows_failed, found.sample) == (len(keys), keys)


def test_deadline_rule_fails_when_a_computed_column_is_missing_or_wrong():
    tables = request_table(CLEAN_REQUESTS)
    tables["access_requests"].loc[0, "is_on_time"] = False  # answered within 20 days
    tables["access_requests"].loc[1, "legal_deadline_date"] = None
    found = by_rule(run_quality("access_requests", tables))["deadline-computed"]
    assert found.rows_failed == 2
    assert found.severity == "error"


# -- policy, counts, summary -------------------------------------------------------------


@pytest.mark.parametrize("slug", SLUGS)
def test_each_descriptor_sets_the_severity_of_exactly_its_rules(slug):
    assert set(load_descriptor(slug).quality) == {r.name for r in RULES[slug]}


def test_sample_is_capped_but_the_count_is_true():
    rows = [(f"MU999T{n:07d}", D(2026, 10, 5), D(2026, 10, 2), False) for n in range(30)]
    found = by_rule(run_quality("access_requests", request_table(rows), sample_size=5))
    bad = found["response-not-before-receipt"]
    assert bad.rows_failed == 30
    assert [k["request_id"] for k in bad.sample] == [f"MU999T{n:07d}" for n in range(5)]


def test_an_empty_sample_still_has_the_true_count():
    rows = [(f"MU999T{n:07d}", D(2026, 10, 5), D(2026, 10, 2), False) for n in range(3)]
    found = by_rule(run_quality("access_requests", request_table(rows), sample_size=0))
    bad = found["response-not-before-receipt"]
    assert (bad.rows_failed, bad.sample) == (3, [])


def test_rules_share_one_connection_and_leave_no_table_in_it():
    """The process's DuckDB is made once and holds a dataset's tables only while its
    rules run, so a run of many comunas neither reconnects nor keeps their tables."""
    rows = [(f"MU999T{n:07d}", D(2026, 10, 5), D(2026, 10, 2), False) for n in range(3)]
    run_quality("access_requests", request_table(rows))
    con = engine._connection()
    second = by_rule(run_quality("access_requests", request_table(rows[:1])))
    assert engine._connection() is con
    assert second["response-not-before-receipt"].rows_failed == 1  # not the first run's 3
    left = con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    assert left == []


def _rules_in_child(rows, send) -> None:
    found = by_rule(run_quality("access_requests", request_table(rows)))
    send.send(found["response-not-before-receipt"].rows_failed)


def test_a_forked_child_runs_rules_after_its_parent_did():
    """The parent's connection is closed before a fork (a DuckDB inherited with none of
    its worker threads hangs when used or freed): the child opens its own, and so does
    the parent after."""
    rows = [(f"MU999T{n:07d}", D(2026, 10, 5), D(2026, 10, 2), False) for n in range(3)]
    run_quality("access_requests", request_table(rows))
    context = multiprocessing.get_context("fork")
    parent, child = context.Pipe(duplex=False)
    process = context.Process(target=_rules_in_child, args=(rows[:2], child))
    process.start()
    ready = parent.poll(30)
    if not ready:
        process.kill()
    process.join()
    assert ready, "the forked child hung running quality rules"
    assert parent.recv() == 2
    again = by_rule(run_quality("access_requests", request_table(rows)))
    assert again["response-not-before-receipt"].rows_failed == 3


def test_summary_counts_rules_and_reads_in_both_languages():
    rows, totals = budget_rows(), budget_totals()
    edit(rows, 9, "22.04.001", account_code="22.04.777")
    edit(rows, 10, "22.04.001", account_code="22.04.777")
    summary = quality_summary(run_budgets(rows, totals))
    assert (summary["rules_run"], summary["rules_passed"]) == (len(RULES["budgets"]), 6)
    assert (summary["errors"], summary["warnings"]) == (0, 1)
    es, en = quality_markdown(summary, "es"), quality_markdown(summary, "en")
    assert "aviso: 2 de 10 filas" in es
    assert "warning: 2 of 10 rows" in en


def test_every_rule_has_a_failing_case_here():
    cases = [*BUDGET_CASES, *CONTRACT_CASES, *REQUEST_CASES]
    covered = {case.values[0] for case in cases} | {"deadline-computed"}
    assert covered == {r.name for rules in RULES.values() for r in rules}


def test_comunas_reports_merge_into_the_report_over_all_comunas():
    """The catalog merges each comuna's findings (`merge_reports`): the same counts and
    sorted sample as one run over every comuna's rows."""

    def as_comuna(rows: list[dict], cut: str) -> list[dict]:
        return [
            r | {"comuna_code": cut, "_source_file": r["_source_file"].replace("99901", cut)}
            for r in rows
        ]

    first = edit(budget_rows(), 10, "22.04.001", account_code="22.77.000")
    second = as_comuna(edit(budget_rows(), 9, "22.04.001", account_code="22.66.000"), "99900")
    totals = budget_totals()
    merged = merge_reports(
        [run_budgets(first, totals), run_budgets(second, as_comuna(totals, "99900"))]
    )
    whole = run_budgets(first + second, totals + as_comuna(totals, "99900"))
    assert [f.to_dict() for f in merged.findings] == [f.to_dict() for f in whole.findings]
    assert by_rule(merged)["account-code-in-classifier"].rows_failed == 2


@pytest.mark.parametrize("slug", ["budgets", "contracts", "access_requests"])
def test_no_rule_crashes_on_tables_of_zero_rows(slug):
    """An empty table (its only file refused) is not an error: every rule runs, checks 0
    rows and finds nothing (a column with no value gets its schema type: `year(date)`)."""
    from schemas import TABLES
    from schemas import load_descriptor as schema

    tables = {
        t: pd.DataFrame(
            columns=[f["name"] for f in schema(t)["fields"]] + ["_source_file", "_source_row"],
            dtype=object,
        )
        for t in TABLES[slug]
    }
    report = run_quality(slug, tables)
    assert report.findings and all(f.rows_checked == 0 and f.passed for f in report.findings)
