"""Indicator cards on the comuna pages and one page per indicator, from the published
``indicators`` table (one row per comuna × indicator × period × breakdown, see
``schemas/indicators.schema.json``) and the method registry (:mod:`publish.indicators.methods`).

:func:`indicator_context` turns the table into plain data for the templates, once per
release (never a ranking: every value travels with its numerator, denominator, records
and the number of comunas it is compared with):

- per comuna, a card per indicator with data: the headline value (the latest period of
  the headline grain and breakdown), its trend over periods and, when the indicator is
  broken down, every breakdown of the latest period. A card is made from that comuna's
  rows alone (:data:`CARD_FIELDS`: no percentile, median or count of comunas), so a
  comuna's page does not change when another comuna's data do; it links its row of the
  national comparison instead;
- per indicator, its method and every comuna's value in the period most comunas have,
  grouped by region, for a chart; and the national comparison of each period a comuna's
  card shows (:func:`comparison_path`): every comuna's value, percentile, the national
  median and its region's median, a table row per comuna whose ``id`` is its CUT.

Headline: breakdown ``total`` (``trato_directo`` for the shares by procurement method,
where no total exists); the value of the latest year when the method publishes years
(else the latest month); the trend by month when the method publishes months.

Formatting per unit (:func:`format_value`): ``ratio`` with two decimals and its
percentage (``0,81 (81 %)``), ``days`` with one decimal, ``count`` and ``index`` as
whole numbers.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd

from publish.indicators.methods import METHODS, SUPPRESSION_REASONS, Method
from publish.site.charts import SUBTITULOS_EN, enum_labels, month_label
from schemas import load_code_list

HEADLINE_BREAKDOWN = {
    "purchases_amount_share_by_method": "trato_directo",
    "purchases_orders_share_by_method": "trato_directo",
}
SOURCE_ORDER = ("budgets", "access_requests", "contracts", "budgets_contracts")
CARD_FIELDS = (  # what a comuna's card reads: its own values, never another comuna's
    "value",
    "numerator",
    "denominator",
    "records",
    "is_suppressed",
    "suppression_reason",
)
ROW_FIELDS = (  # a row of the national comparison
    *CARD_FIELDS,
    "comunas_with_data",
    "percentile",
    "median_all",
    "region_comunas_with_data",
    "median_region",
)


def indicator_path(indicator_id: str) -> str:
    """Site path of an indicator's page (language-neutral)."""
    return f"indicadores/{indicator_id}/index.html"


def comparison_path(indicator_id: str, period: str) -> str:
    """Site path of an indicator's national comparison in one period (language-neutral);
    its table's rows are anchored by CUT (``…/index.html#13101``)."""
    return f"indicadores/{indicator_id}/{period}/index.html"


def indicator_chart_path(indicator_id: str, lang: str) -> str:
    """Site path of the all-comunas chart of an indicator in one language."""
    return f"indicadores/{indicator_id}/comunas.{lang}.svg"


# --- formatting -------------------------------------------------------------


def rounded(value: float, decimals: int) -> float:
    """``value`` rounded half up at its decimal digits as written (``0.175`` → ``0.18``),
    so a ratio and its percentage never disagree."""
    step = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(value)).quantize(step, rounding=ROUND_HALF_UP))


def format_value(value: float | None, unit: str, lang: str) -> str:
    """A value in its unit: ``0,81 (81 %)``, ``12,5``, ``3``, ``2.345``; ``—`` if None."""
    from publish.site import format_number

    if value is None:
        return "—"
    if unit == "ratio":
        ratio = rounded(value, 2)
        return f"{format_number(ratio, lang, 2)} ({format_number(ratio * 100, lang, 0)} %)"
    if unit == "days":
        return format_number(rounded(value, 1), lang, 0 if float(value).is_integer() else 1)
    return format_number(rounded(value, 0), lang, 0)


def format_short(value: float | None, unit: str, lang: str) -> str:
    """A value without its percentage (medians, table cells): ``0,81``."""
    from publish.site import format_number

    if value is None:
        return "—"
    if unit == "ratio":
        return format_number(rounded(value, 2), lang, 2)
    return format_value(value, unit, lang)


def format_amount(value: float | None, lang: str) -> str:
    """A numerator or denominator: a whole number, or two decimals when it has them."""
    from publish.site import format_number

    if value is None:
        return "—"
    return format_number(value, lang, None if float(value).is_integer() else 2)


def period_label(period: str, lang: str) -> str:
    """``2026-10`` → ``oct 2026`` / ``Oct 2026``; a year as is."""
    return month_label(period, lang) if len(period) == 7 else period


# --- labels of breakdowns ---------------------------------------------------


@functools.cache
def _subtitulos(account_type: str) -> dict[str, str]:
    codes = load_code_list("budget_classifier")
    rows = codes[(codes["account_type"] == account_type) & (codes["level"] == "subtitulo")]
    return {r.code: r.name.capitalize() for r in rows.itertuples()}


def breakdown_label(method: Method, code: str) -> dict[str, str]:
    """``{es, en}`` of a breakdown code: a subtítulo, a procurement method or the total."""
    if code == "total":
        return {"es": "Total", "en": "Total"}
    if method.source == "budgets":
        kind = "ingreso" if method.indicator_id == "income_collection_rate" else "gasto"
        name = _subtitulos(kind).get(code, code)
        english = SUBTITULOS_EN.get(code, name) if kind == "gasto" else name
        return {"es": f"{code} {name}", "en": f"{code} {english}"}
    if method.source == "contracts":
        labels = enum_labels("purchase_orders", "procurement_method")
        return labels.get(code, {"es": code, "en": code})
    return {"es": code, "en": code}


# --- the context ------------------------------------------------------------


Record = dict[str, Any]


def _row(record: Mapping[str, Any], fields: Sequence[str] = ROW_FIELDS) -> dict[str, Any]:
    row = {key: record[key] for key in fields}
    row["period"] = record["period"]
    return row


def _card_row(record: Mapping[str, Any]) -> dict[str, Any]:
    return _row(record, CARD_FIELDS)


def _records(frame: pd.DataFrame) -> list[Record]:
    """The table's rows as plain dicts (None for a missing value), read once: the cards
    and pages are built from them in plain Python (a pandas filter per card costs 40 ms,
    which at 346 comunas × 15 indicators is minutes)."""
    records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    for record in records:
        record["is_suppressed"] = bool(record["is_suppressed"])
    return records


def _headline(method: Method) -> tuple[str, str, str]:
    """(breakdown, grain of the value, grain of the trend) of an indicator: from its
    method alone, so a comuna's card and the national comparison agree without either
    reading the other's rows (every comuna with data has rows of every breakdown and
    grain its method publishes)."""
    breakdown = HEADLINE_BREAKDOWN.get(method.indicator_id, "total")
    value_grain = "year" if "year" in method.grains else "month"
    trend_grain = "month" if "month" in method.grains else "year"
    return breakdown, value_grain, trend_grain


def _card(method: Method, rows: list[Record], breakdown: str, grains: tuple[str, str]) -> dict:
    value_grain, trend_grain = grains
    mine = sorted((r for r in rows if r["breakdown"] == breakdown), key=lambda r: r["period"])
    latest = [r for r in mine if r["period_grain"] == value_grain]
    card: dict[str, Any] = {
        "id": method.indicator_id,
        "version": method.version,
        "title": method.title,
        "unit": method.unit,
        "breakdown": breakdown_label(method, breakdown) if breakdown != "total" else None,
        "latest": _card_row(latest[-1]) if latest else None,
        "trend": [_card_row(r) for r in mine if r["period_grain"] == trend_grain],
        "trend_grain": trend_grain,
        "breakdowns": [],
    }
    if card["latest"] and len({r["breakdown"] for r in rows}) > 1:
        period = card["latest"]["period"]
        same = [r for r in rows if r["period"] == period and r["period_grain"] == value_grain]
        card["breakdowns"] = [
            {
                "code": r["breakdown"],
                "label": breakdown_label(method, r["breakdown"]),
                **_card_row(r),
            }
            for r in sorted(same, key=lambda r: (r["breakdown"] == "total", r["breakdown"]))
        ]
    return card


def shown(comunas: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The comunas whose value is shown (and charted, and compared): not suppressed, not
    missing."""
    return [c for c in comunas if not c["is_suppressed"] and c["value"] is not None]


def _comparison(
    rows: list[Record], names: Mapping[str, Mapping[str, str]], everyone: set[str]
) -> dict[str, Any]:
    """One period's national comparison: every comuna with a row in it, by region and
    name, and the comunas of the indicator (``everyone``) without one."""
    comunas = []
    for record in rows:
        place = names.get(record["comuna_code"], {})
        comunas.append(
            {
                "code": record["comuna_code"],
                "name": place.get("name", record["comuna_code"]),
                "region_code": record["region_code"],
                "region_name": place.get("region_name", record["region_code"]),
                **_row(record),
            }
        )
    comunas.sort(key=lambda c: (c["region_code"], c["name"], c["code"]))
    with_data = shown(comunas)
    medians = [r["median_all"] for r in rows if r["median_all"] is not None]
    return {
        "period": rows[0]["period"],
        "comunas": comunas,
        "comunas_with_data": len(with_data),
        "suppressed": len(comunas) - len(with_data),
        "median_all": medians[0] if medians else None,
        "without_period": [
            {"code": code, "name": names.get(code, {}).get("name", code)}
            for code in sorted(everyone - {c["code"] for c in comunas})
        ],
    }


def _page(
    method: Method, by_comuna: Mapping[str, list[Record]], names: Mapping[str, Mapping[str, str]]
) -> dict:
    """An indicator's page: its method, every comuna in the period most comunas have (its
    chart), and the national comparison of each period that is a comuna's latest value
    (the period its card shows and links) or the chart's."""
    page: dict[str, Any] = {
        "id": method.indicator_id,
        "version": method.version,
        "source": method.source,
        "unit": method.unit,
        "min_records": method.min_records,
        "grains": list(method.grains),
        **{
            part: getattr(method, part) or None
            for part in ("title", "description", "formula", "caveats", "breakdown", "thresholds")
        },
        "period": None,
        "comunas": [],
        "comparisons": [],
    }
    breakdown, value_grain, _ = _headline(method)
    by_period: dict[str, list[Record]] = {}
    latest: set[str] = set()
    for comuna_rows in by_comuna.values():
        shown = [
            r
            for r in comuna_rows
            if r["breakdown"] == breakdown and r["period_grain"] == value_grain
        ]
        for record in shown:
            by_period.setdefault(record["period"], []).append(record)
        if shown:
            latest.add(max(r["period"] for r in shown))
    if not by_period:
        return page
    coverage = {p: sum(not r["is_suppressed"] for r in rows) for p, rows in by_period.items()}
    period = max(coverage, key=lambda p: (coverage[p], p))
    everyone = set(by_comuna)
    comparisons = {p: _comparison(by_period[p], names, everyone) for p in latest | {period}}
    main = comparisons[period]
    page.update(
        period=period,
        period_grain=value_grain,
        shown_breakdown=breakdown_label(method, breakdown) if breakdown != "total" else None,
        comunas=main["comunas"],
        comunas_with_data=main["comunas_with_data"],
        suppressed=main["suppressed"],
        median_all=main["median_all"],
        comparisons=[comparisons[p] for p in sorted(comparisons, reverse=True)],
    )
    return page


def indicator_context(
    frame: pd.DataFrame, comunas: pd.DataFrame
) -> tuple[list[dict], dict[str, list[dict]]]:
    """``(pages, cards)`` of a release's ``indicators`` table.

    ``comunas`` is the comunas code list (``comuna_code``, ``comuna_name``,
    ``region_name``). ``pages`` holds one entry per method of the registry, in the
    order of its source (budgets, requests, purchases, across sources); ``cards`` maps
    each comuna code with rows to its cards, in the same order.
    """
    names = {
        r.comuna_code: {"name": r.comuna_name, "region_name": r.region_name}
        for r in comunas.itertuples()
    }
    by_indicator: dict[str, dict[str, list[Record]]] = {}
    for record in _records(frame):
        by_comuna = by_indicator.setdefault(record["indicator_id"], {})
        by_comuna.setdefault(record["comuna_code"], []).append(record)
    methods = sorted(METHODS.values(), key=lambda m: SOURCE_ORDER.index(m.source))
    pages, cards = [], {}
    for method in methods:
        by_comuna = by_indicator.get(method.indicator_id, {})
        pages.append(_page(method, by_comuna, names))
        breakdown, value_grain, trend_grain = _headline(method)
        for code in sorted(by_comuna):
            cards.setdefault(code, []).append(
                _card(method, by_comuna[code], breakdown, (value_grain, trend_grain))
            )
    return pages, cards


# --- words for the templates --------------------------------------------------


def half_up(value: float) -> int:
    """A percentile as a whole number, halves up (``62.5`` → 63, as people round)."""
    return math.floor(value + 0.5)


def comunas_count(n: int, lang: str) -> str:
    """``1 comuna``, ``14 comunas`` (the same word in both languages)."""
    from publish.site import format_number

    return f"{format_number(n, lang)} {'comuna' if n == 1 else 'comunas'}"


def percentile_words(row: Mapping[str, Any], lang: str) -> str:
    """``62 de 14`` / ``62 of 14``: a percentile with the comunas it is taken over."""
    from publish.site import format_number

    pct, n = format_number(half_up(row["percentile"]), lang), row["comunas_with_data"]
    return f"{pct} {'de' if lang == 'es' else 'of'} {format_number(n, lang)}"


def region_median_words(row: Mapping[str, Any], unit: str, lang: str) -> str:
    """``0,77 (5 comunas)``: a regional median with the comunas it is taken over (``—``
    before them when there is none: fewer than the minimum have data)."""
    median = format_short(row["median_region"], unit, lang)
    return f"{median} ({comunas_count(row['region_comunas_with_data'] or 0, lang)})"


def sort_key(value: float | None) -> str:
    """A number as a table cell's sort key (``data-sort``, read by ``sort.js``); empty
    for none."""
    return "" if value is None else repr(value)


def indicator_groups(pages: Sequence[Mapping[str, Any]]) -> list[tuple[str, list]]:
    """The indicator pages grouped by source dataset, in the registry's source order."""
    groups: dict[str, list] = {}
    for page in pages:
        groups.setdefault(page["source"], []).append(page)
    return sorted(groups.items(), key=lambda item: SOURCE_ORDER.index(item[0]))


def suppression_reason(code: str | None, lang: str) -> str:
    """Why a value was suppressed, in words (the code itself when unknown)."""
    if not code:
        return ""
    return SUPPRESSION_REASONS.get(code, {}).get(lang, code)


def trend_summary(card: Mapping[str, Any], lang: str) -> str:
    """The text alternative of a card's trend: first and last values, suppressed ones."""
    points = card["trend"]
    shown = [p for p in points if not p["is_suppressed"] and p["value"] is not None]
    hidden = len(points) - len(shown)
    es = lang == "es"
    if not shown:
        return (
            f"Todos los {len(points)} períodos están suprimidos."
            if es
            else f"All {len(points)} periods are suppressed."
        )
    first, last = shown[0], shown[-1]
    value = functools.partial(format_short, unit=card["unit"], lang=lang)
    text = (
        f"De {period_label(first['period'], lang)} a {period_label(last['period'], lang)}:"
        f" de {value(first['value'])} a {value(last['value'])}"
        if es
        else f"From {period_label(first['period'], lang)} to {period_label(last['period'], lang)}:"
        f" from {value(first['value'])} to {value(last['value'])}"
    )
    if len(shown) == 1:
        text = (
            f"Un solo período con valor ({period_label(first['period'], lang)}):"
            f" {value(first['value'])}"
            if es
            else f"One period with a value ({period_label(first['period'], lang)}):"
            f" {value(first['value'])}"
        )
    if hidden:
        text += (
            f"; {hidden} período{'s' if hidden > 1 else ''} suprimido{'s' if hidden > 1 else ''}"
            if es
            else f"; {hidden} period{'s' if hidden > 1 else ''} suppressed"
        )
    return text + "."
