"""The indicators in DuckDB SQL over the published tables (views of `sources.register`).

Each `*_sql` function returns one `select` with the columns of `RAW_COLUMNS`: the
comuna, indicator, period and breakdown, the unrounded value, its numerator and
denominator, the records behind it and, when the value cannot be computed honestly,
the suppression reason the data itself forces (`forced_reason`). The suppression
rules that depend only on counts, and the comparisons, are `comparison.py`'s.

The same SQL runs on anyone's copy of a release: see docs/indicators.md.
"""

from __future__ import annotations

from collections.abc import Iterator

import duckdb

from publish.indicators.methods import (
    DIRECT_PURCHASE_THRESHOLDS_UTM,
    SPLIT_WINDOW_DAYS,
)
from publish.indicators.sources import columns
from schemas import public_descriptor

RAW_COLUMNS = (
    "comuna_code",
    "indicator_id",
    "period",
    "period_grain",
    "breakdown",
    "value",
    "numerator",
    "denominator",
    "records",
    "forced_reason",
)
GRAINS = {"month": "'%Y-%m'", "year": "'%Y'"}
DIRECT_METHODS = ("trato_directo", "compra_agil")
ORDERS_VS_ACCRUED_SUBTITULOS = ("22", "29", "31")


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def prepare(con: duckdb.DuckDBPyConnection, budget_key: list[str]) -> None:
    """Intermediate tables shared by several indicators.

    `budget_top`: the budget lines of the highest level published within each
    subtítulo (a line whose ancestor account is published in the same comuna, year,
    month and other key columns is left out: the ancestor already holds its amount).
    `budget_key` is the budget lines' primary key; its columns other than the account
    (area, and programme or fund where a release has them) are matched.
    `orders`: purchase orders in CLP (when the table says its currency), not cancelled,
    with a supplier key (RUT, or the name when the RUT is not published).
    """
    keys = [c for c in budget_key if c != "account_code"] + ["account_type"]
    # an empty key part (a municipal balance has no programme) matches an empty one
    same = " and ".join(f"a.{c} is not distinct from p.{c}" for c in keys)
    kept = " and ".join(f"b.{c} is not distinct from c.{c}" for c in [*keys, "account_code"])
    con.execute(
        f"""
        create temp table budget_top as
        with prefixes as (  -- '22.04.001' has the ancestors '22' and '22.04'
            select b.*, array_to_string(string_split(b.account_code, '.')[1:r.i], '.')
                as ancestor
            from budget_lines b, range(1, 16) r(i)
            where r.i < len(string_split(b.account_code, '.'))
        ), covered as (
            select distinct {", ".join(f"p.{c}" for c in keys)}, p.account_code
            from prefixes p join budget_lines a on {same} and a.account_code = p.ancestor
        )
        select b.*, left(b.account_code, 2) as subtitulo
        from budget_lines b anti join covered c on {kept}
        """
    )
    clp = "and currency = 'CLP'" if "currency" in columns(con, "purchase_orders") else ""
    con.execute(
        f"""
        create temp table orders as
        select comuna_code, order_id, procurement_method, created_date, accepted_date,
            amount_total_clp,
            coalesce(nullif(trim(supplier_rut), ''), 'nombre:' || upper(trim(supplier_name)))
                as supplier_key
        from purchase_orders
        where status is distinct from 'cancelada' {clp}
        """
    )


def budget_sql() -> str:
    """Execution, modification, payment and income collection, by subtítulo and total."""
    ratios = [
        ("budget_execution_rate", "gasto", "amount_accrued_clp", "amount_current_clp"),
        ("budget_modification", "gasto", "amount_current_clp", "amount_initial_clp"),
        ("budget_payment_rate", "gasto", "amount_paid_clp", "amount_accrued_clp"),
        ("income_collection_rate", "ingreso", "amount_paid_clp", "amount_current_clp"),
    ]
    parts = []
    for indicator, kind, num, den in ratios:
        parts.append(
            f"""
            select comuna_code, '{indicator}' as indicator_id,
                format('{{:04d}}-{{:02d}}', fiscal_year, month) as period,
                'month' as period_grain, coalesce(subtitulo, 'total') as breakdown,
                sum({num})::double / nullif(sum({den}), 0) as value,
                sum({num})::double as numerator, sum({den})::double as denominator,
                count(*) as records,
                case when count_if({num} is null or {den} is null) > 0
                    then 'missing_amounts' end as forced_reason
            from budget_top
            where account_type = '{kind}'
            group by grouping sets ((comuna_code, fiscal_year, month, subtitulo),
                                    (comuna_code, fiscal_year, month))
            """
        )
    return " union all ".join(parts)


def requests_sql() -> Iterator[str]:
    """On time, median working days, extended, denied: by month and year received."""
    for grain, fmt in GRAINS.items():
        period = f"strftime(received_date, {fmt})"
        common = (
            f"select comuna_code, {{id}}, {period} as period, '{grain}' as period_grain, "
            "'total' as breakdown"
        )
        tail = "from access_requests group by comuna_code, period"
        yield f"""
            {common.format(id="'requests_on_time_share' as indicator_id")},
                count_if(is_on_time)::double / nullif(count(is_on_time), 0),
                count_if(is_on_time)::double, count(is_on_time)::double,
                count(is_on_time), null {tail}
            union all
            {common.format(id="'requests_median_working_days' as indicator_id")},
                median(working_days_taken)::double, null, count(working_days_taken)::double,
                count(working_days_taken), null {tail}
            union all
            {common.format(id="'requests_extended_share' as indicator_id")},
                count_if(is_extended)::double / nullif(count(*), 0),
                count_if(is_extended)::double, count(*)::double, count(*), null {tail}
            union all
            {common.format(id="'requests_denied_share' as indicator_id")},
                count_if(outcome in ('denegada', 'entregada_parcialmente'))::double
                    / nullif(count_if(outcome in ('entregada', 'entregada_parcialmente',
                                                  'denegada', 'inexistente')), 0),
                count_if(outcome in ('denegada', 'entregada_parcialmente'))::double,
                count_if(outcome in ('entregada', 'entregada_parcialmente', 'denegada',
                                     'inexistente'))::double,
                count_if(outcome in ('entregada', 'entregada_parcialmente', 'denegada',
                                     'inexistente')),
                null {tail}
            """


def overdue_sql() -> str:
    """Open requests past their deadline at the end of each month, from each comuna's
    first to its last month of receipt. Open at a date: received by then, and either
    answered after it or still in process without an answer."""
    return """
        with spans as (
            select comuna_code, date_trunc('month', min(received_date)) as first,
                date_trunc('month', max(received_date)) as last
            from access_requests group by comuna_code
        ), months as (
            select comuna_code, unnest(generate_series(first, last, interval 1 month))::date
                as month_start
            from spans
        ), state as (
            select m.comuna_code, m.month_start, last_day(m.month_start) as month_end, r.*
            from months m join access_requests r
              on r.comuna_code = m.comuna_code and r.received_date <= last_day(m.month_start)
        )
        select comuna_code, 'requests_overdue_open' as indicator_id,
            strftime(month_start, '%Y-%m') as period, 'month' as period_grain,
            'total' as breakdown,
            count_if(is_open and legal_deadline_date < month_end)::double as value,
            count_if(is_open and legal_deadline_date < month_end)::double as numerator,
            count_if(is_open)::double as denominator,
            count(*) as records,
            case when count_if(is_open and legal_deadline_date is null) > 0
                then 'missing_amounts' end as forced_reason
        from (
            select *, coalesce(response_date > month_end,
                               response_date is null and status = 'en_tramite') as is_open
            from state
        )
        group by comuna_code, month_start
    """


def purchases_sql() -> Iterator[str]:
    """Shares by procurement method (every method of the schema, zeros included)."""
    methods = public_descriptor("purchase_orders")
    enum = next(
        f["constraints"]["enum"] for f in methods["fields"] if f["name"] == "procurement_method"
    )
    values = ", ".join(f"('{m}')" for m in enum)
    for grain, fmt in GRAINS.items():
        yield f"""
            with periods as (
                select comuna_code, strftime(created_date, {fmt}) as period,
                    count(*) as orders, sum(amount_total_clp) as amount
                from orders group by all
            ), by_method as (
                select comuna_code, strftime(created_date, {fmt}) as period,
                    procurement_method, count(*) as orders, sum(amount_total_clp) as amount
                from orders group by all
            ), grid as (
                select p.*, m.method from periods p, (values {values}) m(method)
            )
            select g.comuna_code, 'purchases_amount_share_by_method', g.period, '{grain}',
                g.method, coalesce(b.amount, 0)::double / nullif(g.amount, 0),
                coalesce(b.amount, 0)::double, g.amount::double, g.orders, null
            from grid g left join by_method b
              on b.comuna_code = g.comuna_code and b.period = g.period
             and b.procurement_method = g.method
            union all
            select g.comuna_code, 'purchases_orders_share_by_method', g.period, '{grain}',
                g.method, coalesce(b.orders, 0)::double / g.orders,
                coalesce(b.orders, 0)::double, g.orders::double, g.orders, null
            from grid g left join by_method b
              on b.comuna_code = g.comuna_code and b.period = g.period
             and b.procurement_method = g.method
            """


def concentration_sql() -> str:
    """Top-5 suppliers' share and HHI of each comuna's year."""
    return """
        with suppliers as (
            select comuna_code, strftime(created_date, '%Y') as period, supplier_key,
                sum(amount_total_clp) as amount, count(*) as orders
            from orders group by all
        ), ranked as (
            select *, row_number() over (partition by comuna_code, period
                                         order by amount desc, supplier_key) as position,
                sum(amount) over (partition by comuna_code, period) as total
            from suppliers
        ), years as (
            select comuna_code, period, any_value(total) as total, sum(orders) as orders,
                sum(amount) filter (where position <= 5) as top5,
                sum((amount::double / nullif(total, 0)) ^ 2) * 10000 as hhi
            from ranked group by comuna_code, period
        )
        select comuna_code, 'purchases_top5_supplier_share', period, 'year', 'total',
            top5::double / nullif(total, 0), top5::double, total::double, orders, null
        from years
        union all
        select comuna_code, 'purchases_supplier_hhi', period, 'year', 'total',
            hhi, null, total::double, orders, null
        from years
    """


def split_direct_sql() -> Iterator[str]:
    """Repeated direct purchases from one supplier that together pass the threshold."""
    thresholds = " ".join(
        f"when created_date >= date '{since}' then {utm}"
        for since, utm in reversed(DIRECT_PURCHASE_THRESHOLDS_UTM)
    )
    base = f"""
        direct as (
            select o.*, case {thresholds} end as threshold_utm, u.utm_clp
            from orders o left join utm_values u on u.month = strftime(o.created_date, '%Y-%m')
            where o.procurement_method in {_in(DIRECT_METHODS)}
        ), priced as (
            select *, threshold_utm * utm_clp as threshold_clp from direct
        ), flagged as (
            select o.comuna_code, o.order_id, o.supplier_key, o.created_date,
                count(*) >= 2 and sum(w.amount_total_clp) > any_value(o.threshold_clp)
                    as is_flagged
            from priced o join priced w
              on w.comuna_code = o.comuna_code and w.supplier_key = o.supplier_key
             and w.created_date between o.created_date - {SPLIT_WINDOW_DAYS - 1}
                                    and o.created_date
             and w.amount_total_clp <= o.threshold_clp
            where o.amount_total_clp <= o.threshold_clp
            group by o.comuna_code, o.order_id, o.supplier_key, o.created_date
        )
    """
    for grain, fmt in GRAINS.items():
        yield f"""
            with {base}, periods as (
                select comuna_code, strftime(created_date, {fmt}) as period,
                    count(*) as orders
                from orders group by all
            ), direct_periods as (
                select comuna_code, strftime(created_date, {fmt}) as period,
                    count(distinct supplier_key) as suppliers,
                    count_if(threshold_utm is null) as without_threshold,
                    count_if(utm_clp is null) as without_utm
                from priced group by all
            ), flagged_periods as (
                select comuna_code, strftime(created_date, {fmt}) as period,
                    count(distinct supplier_key) filter (where is_flagged) as suppliers
                from flagged group by all
            )
            select comuna_code, 'purchases_split_direct', period, '{grain}', 'total',
                case when reason is null then flagged end,
                case when reason is null then flagged end, suppliers, orders, reason
            from (
                select p.comuna_code, p.period, p.orders,
                    coalesce(f.suppliers, 0)::double as flagged,
                    coalesce(d.suppliers, 0)::double as suppliers,
                    case when d.without_threshold > 0 then 'no_threshold'
                         when d.without_utm > 0 then 'utm_unknown' end as reason
                from periods p
                left join direct_periods d
                  on d.comuna_code = p.comuna_code and d.period = p.period
                left join flagged_periods f
                  on f.comuna_code = p.comuna_code and f.period = p.period
            )
            """


def orders_vs_accrued_sql() -> str:
    """Orders accepted in a month ÷ the month's accrued spending in subtítulos 22, 29, 31.

    Computed for the months of a comuna's budget lines that lie between its first and
    last purchase order (by creation or acceptance), so a comuna without published
    orders for a month gets no value rather than a zero."""
    return f"""
        with months as (
            select comuna_code, fiscal_year, month,
                sum(amount_accrued_clp) filter (where account_type = 'gasto'
                    and subtitulo in {_in(ORDERS_VS_ACCRUED_SUBTITULOS)}) as accrued,
                count(*) filter (where account_type = 'gasto'
                    and subtitulo in {_in(ORDERS_VS_ACCRUED_SUBTITULOS)}) as lines,
                count_if(account_type = 'gasto'
                    and subtitulo in {_in(ORDERS_VS_ACCRUED_SUBTITULOS)}
                    and amount_accrued_clp is null) as missing
            from budget_top group by all
        ), flows as (
            select m.comuna_code, format('{{:04d}}-{{:02d}}', m.fiscal_year, m.month) as period,
                m.month, coalesce(m.accrued, 0) - case when m.month = 1 then 0
                    else coalesce(p.accrued, 0) end as accrued_in_month,
                m.lines, m.missing + coalesce(p.missing, 0) as missing,
                m.month > 1 and p.comuna_code is null as is_incomplete
            from months m left join months p
              on p.comuna_code = m.comuna_code and p.fiscal_year = m.fiscal_year
             and p.month = m.month - 1
        ), spans as (
            select comuna_code,
                strftime(least(min(created_date), min(accepted_date)), '%Y-%m') as first,
                strftime(greatest(max(created_date), max(accepted_date)), '%Y-%m') as last
            from orders group by comuna_code
        ), accepted as (
            select comuna_code, strftime(accepted_date, '%Y-%m') as period,
                sum(amount_total_clp) as amount, count(*) as orders
            from orders where accepted_date is not null group by all
        )
        select f.comuna_code, 'orders_vs_accrued_spending', f.period, 'month', 'total',
            coalesce(a.amount, 0)::double / nullif(f.accrued_in_month, 0),
            coalesce(a.amount, 0)::double, f.accrued_in_month::double,
            f.lines + coalesce(a.orders, 0),
            case when f.is_incomplete then 'incomplete_period'
                 when f.missing > 0 then 'missing_amounts' end
        from flows f
        join spans s on s.comuna_code = f.comuna_code and f.period between s.first and s.last
        left join accepted a on a.comuna_code = f.comuna_code and a.period = f.period
    """


def raw_values(con: duckdb.DuckDBPyConnection, budget_key: list[str]) -> None:
    """Create the temp table `raw_values` (columns `RAW_COLUMNS`) of every indicator."""
    prepare(con, budget_key)
    selects = [
        budget_sql(),
        *requests_sql(),
        overdue_sql(),
        *purchases_sql(),
        concentration_sql(),
        *split_direct_sql(),
        orders_vs_accrued_sql(),
    ]
    names = ", ".join(RAW_COLUMNS)
    con.execute(
        "create temp table raw_values as select * from ("
        + " union all ".join(f"select * from ({s})" for s in selects)
        + f") t({names})"
    )
