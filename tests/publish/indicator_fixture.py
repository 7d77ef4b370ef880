"""A small `indicators` table in the shape of `schemas/indicators.schema.json`, four comunas
in two regions, for the indicator pages' tests (and the browser tests' indicator site).

The values are set by hand, as the indicators package would publish them: the pages
must render exactly these, never recompute them.
"""

from __future__ import annotations

import pandas as pd

from publish.indicators.methods import METHODS
from schemas import load_descriptor

HOSTILE_NAME = 'Villa <b>"Ñuñoa"</b> & Co? #1 %20'
COMUNAS = pd.DataFrame(
    [
        ("99901", "Villa Ejemplo", "13", "Región Metropolitana de Santiago"),
        ("13101", "Santiago", "13", "Región Metropolitana de Santiago"),
        ("13114", "Las Condes", "13", "Región Metropolitana de Santiago"),
        ("05101", "Valparaíso", "05", "Región de Valparaíso"),
        ("99902", HOSTILE_NAME, "05", "Región de Valparaíso"),
    ],
    columns=["comuna_code", "comuna_name", "region_code", "region_name"],
)
REGION = dict(zip(COMUNAS["comuna_code"], COMUNAS["region_code"], strict=True))


def row(comuna: str, indicator: str, period: str, value: float | None, **extra) -> dict:
    method = METHODS[indicator]
    base = {
        "comuna_code": comuna,
        "region_code": REGION[comuna],
        "indicator_id": indicator,
        "period": period,
        "period_grain": "month" if len(period) == 7 else "year",
        "breakdown": "total",
        "value": value,
        "numerator": None,
        "denominator": None,
        "unit": method.unit,
        "records": 10,
        "is_suppressed": value is None,
        "suppression_reason": None,
        "comunas_with_data": 1,
        "percentile": None,
        "median_all": None,
        "region_comunas_with_data": 1,
        "median_region": None,
        "method_id": method.method_id,
        "method_version": method.version,
    }
    return base | extra


def indicator_table() -> pd.DataFrame:
    """Budget execution for 4 comunas over three months (plus subtítulo 22 for Santiago,
    one suppressed month for Las Condes); requests on time (months and a year; Villa
    Ejemplo's year suppressed for too few records); direct-award share of purchases for
    two comunas (no comparison: fewer than 3); Valparaíso has no request data at all."""
    compared = {"comunas_with_data": 4, "median_all": 0.81}
    rows = [
        row("13101", "budget_execution_rate", "2026-01", 0.1, numerator=100, denominator=1000),
        row("13101", "budget_execution_rate", "2026-02", 0.45, numerator=450, denominator=1000),
        row(
            "13101",
            "budget_execution_rate",
            "2026-03",
            0.8123,
            numerator=812_300_000,
            denominator=1_000_000_000,
            records=340,
            percentile=62.5,
            region_comunas_with_data=3,
            median_region=0.77,
            **compared,
        ),
        row(
            "13101",
            "budget_execution_rate",
            "2026-03",
            0.5,
            breakdown="22",
            numerator=50,
            denominator=100,
            records=40,
        ),
        row(
            "99901",
            "budget_execution_rate",
            "2026-03",
            0.7,
            numerator=7,
            denominator=10,
            percentile=25.0,
            region_comunas_with_data=3,
            median_region=0.77,
            **compared,
        ),
        row("13114", "budget_execution_rate", "2026-01", 0.2, numerator=2, denominator=10),
        row(
            "13114",
            "budget_execution_rate",
            "2026-02",
            None,
            numerator=0,
            denominator=0,
            records=0,
            suppression_reason="no_denominator",
        ),
        row(
            "13114",
            "budget_execution_rate",
            "2026-03",
            0.9,
            numerator=9,
            denominator=10,
            percentile=87.5,
            region_comunas_with_data=3,
            median_region=0.77,
            **compared,
        ),
        row(
            "05101",
            "budget_execution_rate",
            "2026-03",
            0.95,
            numerator=95,
            denominator=100,
            percentile=100.0,
            region_comunas_with_data=1,
            **compared,
        ),
        row(
            "99901", "requests_on_time_share", "2026-01", 0.5, numerator=2, denominator=4, records=4
        ),
        row(
            "99901",
            "requests_on_time_share",
            "2026",
            None,
            numerator=3,
            denominator=4,
            records=4,
            suppression_reason="too_few_records",
        ),
        row(
            "13101",
            "requests_on_time_share",
            "2026",
            0.9,
            numerator=90,
            denominator=100,
            records=100,
        ),
        row(
            "13101",
            "purchases_amount_share_by_method",
            "2026",
            0.25,
            breakdown="trato_directo",
            numerator=25,
            denominator=100,
            comunas_with_data=2,
        ),
        row(
            "13101",
            "purchases_amount_share_by_method",
            "2026",
            0.75,
            breakdown="licitacion_publica",
            numerator=75,
            denominator=100,
            comunas_with_data=2,
        ),
        row(
            "99902",
            "purchases_amount_share_by_method",
            "2026",
            0.6,
            breakdown="trato_directo",
            numerator=6,
            denominator=10,
            comunas_with_data=2,
        ),
    ]
    names = [f["name"] for f in load_descriptor("indicators")["fields"]]
    return pd.DataFrame(rows, columns=names)
