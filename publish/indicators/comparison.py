"""Suppression and fair comparison of the raw indicator values (DuckDB SQL).

A value is suppressed when the data forces it (`forced_reason` of `compute`), when
fewer records than the method's `min_records` stand behind it, or when the
denominator of a ratio or index is zero, negative or missing. A suppressed value is
published empty, with its numerator, denominator and records.

Each unsuppressed value is placed among the unsuppressed values of the same
indicator, period and breakdown: `percentile` is the share of those comunas with a
lower value, counting half of those with an equal one (itself included), × 100;
`median_all` their median; `median_region` the median among the comunas of the same
region. All three are published only when at least `MIN_COMUNAS` comunas (of the
region, for the regional median) have a value: with fewer, a "comparison" would be a
ranking of two.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from publish.indicators.methods import MIN_COMUNAS, methods_rows

DECIMALS = 10  # values rounded so that the published text does not carry float noise


def finalise(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """The published `indicators` table from `raw_values`, sorted by its primary key."""
    con.execute(
        "create temp table methods as select * from (values "
        + ", ".join(
            f"('{m['indicator_id']}', '{m['method_id']}', {m['method_version']}, "
            f"'{m['unit']}', {m['min_records']})"
            for m in methods_rows()
        )
        + ") t(indicator_id, method_id, method_version, unit, min_records)"
    )
    return con.sql(
        f"""
        with judged as (
            select r.*, m.method_id, m.method_version, m.unit, c.region_code,
                coalesce(r.forced_reason,
                    case when r.records < m.min_records then 'too_few_records'
                         when m.unit in ('ratio', 'index')
                              and (r.denominator is null or r.denominator <= 0)
                              then 'no_denominator'
                         when r.value is null then 'missing_amounts'
                    end) as suppression_reason
            from raw_values r
            join methods m using (indicator_id)
            left join comunas c using (comuna_code)
        ), kept as (
            select *, round(value, {DECIMALS}) as shown from judged
            where suppression_reason is null
        ), groups as (
            select indicator_id, period, breakdown, count(*) as n, median(shown) as median
            from kept group by all
        ), regions as (
            select indicator_id, period, breakdown, region_code, count(*) as n,
                median(shown) as median
            from kept group by all
        ), placed as (
            select comuna_code, indicator_id, period, breakdown,
                100.0 * ((rank() over ranked - 1)
                         + 0.5 * count(*) over (partition by indicator_id, period,
                                                breakdown, shown))
                    / count(*) over (partition by indicator_id, period, breakdown)
                    as percentile
            from kept
            window ranked as (partition by indicator_id, period, breakdown order by shown)
        )
        select j.comuna_code, j.region_code, j.indicator_id, j.period, j.period_grain,
            j.breakdown,
            case when j.suppression_reason is null then round(j.value, {DECIMALS}) end
                as value,
            j.numerator, j.denominator, j.unit, j.records,
            j.suppression_reason is not null as is_suppressed, j.suppression_reason,
            coalesce(g.n, 0) as comunas_with_data,
            case when g.n >= {MIN_COMUNAS} then round(p.percentile, {DECIMALS}) end
                as percentile,
            case when g.n >= {MIN_COMUNAS} then round(g.median, {DECIMALS}) end as median_all,
            coalesce(r.n, 0) as region_comunas_with_data,
            case when r.n >= {MIN_COMUNAS} then round(r.median, {DECIMALS}) end
                as median_region,
            j.method_id, j.method_version
        from judged j
        left join placed p using (comuna_code, indicator_id, period, breakdown)
        left join groups g using (indicator_id, period, breakdown)
        left join regions r using (indicator_id, period, breakdown, region_code)
        order by j.comuna_code, j.indicator_id, j.period, j.breakdown
        """
    ).to_arrow_table()
