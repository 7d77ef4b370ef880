"""Indicator cards on comuna pages and the indicator pages, from a hand-made `indicators`
table (tests/publish/indicator_fixture.py): the pages show exactly the published values,
their suppression and their denominators, and never rank comunas by value."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd
import pytest

from datasets.municipalities import load_installation
from publish.catalog import DatasetRelease, _indicators
from publish.indicators.methods import METHODS
from publish.site.indicator_charts import sparkline
from publish.site.indicators import (
    CARD_FIELDS,
    format_amount,
    format_value,
    indicator_context,
    region_median_words,
)
from tests.publish.indicator_fixture import COMUNAS, HOSTILE_NAME, indicator_table
from tests.publish.test_site import Doc, make_catalog, render


def indicator_catalog() -> dict:
    pages, cards = indicator_context(indicator_table(), COMUNAS)
    catalog = make_catalog()
    catalog["comunas"] = [
        {"code": r.comuna_code, "name": r.comuna_name, "datasets": []} for r in COMUNAS.itertuples()
    ]
    catalog["indicators"] = pages
    catalog["indicator_cards"] = cards
    return catalog


def citizen_catalog() -> dict:
    """The indicator catalog with the citizen's side filled in: one comuna with its own
    request portal, the others without, a dataset of two comunas."""
    catalog = indicator_catalog()
    catalog["publisher"]["email"] = "datos@catalogo.example"
    catalog["contacts"] = {
        r.comuna_code: {
            "request_url": "https://villaejemplo.cl/solicitudes"
            if r.comuna_code == "99901"
            else None,
            "publisher": {
                "name": f"Municipalidad de {r.comuna_name}",
                "email": "oirs@muni.example",
            },
        }
        for r in COMUNAS.itertuples()
    }
    catalog["datasets"][0]["municipalities"] = [
        {"code": "99901", "name": "Villa Ejemplo"},
        {"code": "99902", "name": HOSTILE_NAME},
    ]
    return catalog


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("indicator-site")
    render(out, indicator_catalog())
    return out


def card(doc: Doc, indicator: str) -> str:
    """The text of one card of a comuna page."""
    page = doc.path.read_text("utf-8")
    match = re.search(rf'<li class="indicator-card" id="ind-{indicator}".*?</li>\n', page, re.S)
    assert match, indicator
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", match.group(0))))


# --- the context --------------------------------------------------------------


def test_context_pages_follow_the_registry_and_show_the_best_covered_period():
    pages, cards = indicator_context(indicator_table(), COMUNAS)
    assert [p["id"] for p in pages][:4] == [
        "budget_execution_rate",
        "budget_modification",
        "budget_payment_rate",
        "income_collection_rate",
    ]
    assert {p["id"] for p in pages} == set(METHODS)
    execution = pages[0]
    assert (execution["period"], execution["comunas_with_data"], execution["median_all"]) == (
        "2026-03",
        4,
        0.81,
    )
    # by region, then name: never by value
    assert [c["code"] for c in execution["comunas"]] == ["05101", "13114", "13101", "99901"]
    assert [c["name"] for c in execution["comunas"]][:2] == ["Valparaíso", "Las Condes"]
    # a comparison for each period a card shows (every comuna's latest is March)
    assert [c["period"] for c in execution["comparisons"]] == ["2026-03"]
    assert execution["comparisons"][0]["comunas"] == execution["comunas"]
    requests = next(p for p in pages if p["id"] == "requests_on_time_share")
    assert requests["period"] == "2026" and requests["suppressed"] == 1
    assert next(p for p in pages if p["id"] == "budget_modification")["period"] is None

    assert set(cards) == {"13101", "99901", "13114", "05101", "99902"}
    santiago = {c["id"]: c for c in cards["13101"]}
    assert list(santiago) == [
        "budget_execution_rate",
        "requests_on_time_share",
        "purchases_amount_share_by_method",
    ]
    execution_card = santiago["budget_execution_rate"]
    assert execution_card["latest"]["value"] == 0.8123
    assert execution_card["latest"]["denominator"] == 1_000_000_000
    assert [p["period"] for p in execution_card["trend"]] == ["2026-01", "2026-02", "2026-03"]
    assert [b["code"] for b in execution_card["breakdowns"]] == ["22", "total"]
    # the headline of the shares by procurement method is direct award
    purchases = santiago["purchases_amount_share_by_method"]
    assert purchases["latest"]["value"] == 0.25
    assert purchases["breakdown"]["es"] == "Trato directo"
    assert "requests_on_time_share" not in {c["id"] for c in cards["05101"]}
    # a card holds its comuna's own values: nothing taken over the other comunas
    rows = [c["latest"], *c["trend"], *c["breakdowns"]] if (c := execution_card) else []
    assert all(set(r) - {"code", "label"} == {*CARD_FIELDS, "period"} for r in rows)


def test_a_card_does_not_move_when_another_comuna_changes():
    table = indicator_table()
    _, before = indicator_context(table, COMUNAS)
    other = table["comuna_code"] == "05101"
    table.loc[other, "value"] = 0.1
    table.loc[table["comuna_code"] != "13101", "percentile"] = 50.0
    table.loc[table["comuna_code"] == "13101", ["percentile", "median_all"]] = [75.0, 0.7]
    pages, after = indicator_context(table, COMUNAS)
    assert after["13101"] == before["13101"] and after["05101"] != before["05101"]
    rows = {c["code"]: c for c in pages[0]["comparisons"][0]["comunas"]}
    assert (rows["13101"]["percentile"], rows["05101"]["value"]) == (75.0, 0.1)


@pytest.mark.parametrize(
    ("value", "unit", "es", "en"),
    [
        (0.8123, "ratio", "0,81 (81 %)", "0.81 (81 %)"),
        (0.175, "ratio", "0,18 (18 %)", "0.18 (18 %)"),  # never 0,17 (18 %)
        (0.125, "ratio", "0,13 (13 %)", "0.13 (13 %)"),
        (1.2, "ratio", "1,20 (120 %)", "1.20 (120 %)"),
        (12.5, "days", "12,5", "12.5"),
        (12.0, "days", "12", "12"),
        (3.0, "count", "3", "3"),
        (2345.6, "index", "2.346", "2,346"),
        (None, "ratio", "—", "—"),
    ],
)
def test_values_are_formatted_per_unit(value, unit, es, en):
    assert (format_value(value, unit, "es"), format_value(value, unit, "en")) == (es, en)


def test_regional_median_in_words_with_its_comunas():
    row = {"median_region": 0.77, "region_comunas_with_data": 5}
    assert region_median_words(row, "ratio", "es") == "0,77 (5 comunas)"
    assert (
        region_median_words(
            row | {"median_region": None, "region_comunas_with_data": 1}, "days", "en"
        )
        == "— (1 comuna)"
    )


def test_sparkline_breaks_at_a_suppressed_period_and_starts_at_zero():
    points = [
        {"value": 0.0, "is_suppressed": False},
        {"value": 0.5, "is_suppressed": False},
        {"value": None, "is_suppressed": True},
        {"value": 1.0, "is_suppressed": False},
    ]
    g = sparkline(points, width=100, height=50, pad=5)
    assert g["paths"] == ["M5.0,45.0 L35.0,25.0"]  # the last point stands alone
    assert g["dots"] == [(5.0, 45.0), (35.0, 25.0), (95.0, 5.0)]
    assert g["baseline"] == 45.0 and (g["low"], g["high"]) == (0.0, 1.0)


# --- comuna pages -------------------------------------------------------------


def test_a_card_shows_value_numbers_trend_method_and_links_its_comparison(site):
    doc = Doc(site / "comunas/13101/index.html")
    text = card(doc, "budget_execution_rate")
    assert "Ejecución del presupuesto de gastos" in text
    assert "0,81 (81 %) mar 2026" in text
    assert "Numerador 812.300.000 Denominador 1.000.000.000 Registros 340" in text
    assert "Comparar con las demás comunas" in text
    assert "Percentil" not in text and "mediana" not in text  # on the national page
    assert "De ene 2026 a mar 2026: de 0,10 a 0,81." in text  # the trend's text
    assert "22 Bienes y servicios de consumo 0,50 50 100 40" in text  # by breakdown
    links = [a["href"] for a in doc.find("a")]
    assert "../../indicadores/budget_execution_rate/index.html" in links
    assert "../../indicadores/budget_execution_rate/2026-03/index.html#13101" in links
    target = Doc(site / "indicadores/budget_execution_rate/2026-03/index.html")
    assert "13101" in target.ids
    svg = doc.find("svg", role="img")
    assert svg and all(s["aria-labelledby"].split()[0] in doc.ids for s in svg)
    english = card(Doc(site / "en/comunas/13101/index.html"), "budget_execution_rate")
    assert "0.81 (81 %) Mar 2026" in english
    assert "Compare with other comunas" in english and "Percentile" not in english


def test_a_suppressed_value_says_so_with_its_reason_and_keeps_its_denominator(site):
    text = card(Doc(site / "comunas/99901/index.html"), "requests_on_time_share")
    assert "Suprimido 2026" in text
    assert "Suprimido: menos registros que el mínimo del método (por lo general 5)" in text
    assert "Numerador 3 Denominador 4 Registros 4" in text
    assert "Comparar con las demás comunas" in text  # its row says it is suppressed
    english = card(Doc(site / "en/comunas/99901/index.html"), "requests_on_time_share")
    assert "Suppressed: fewer records than the method's minimum (usually 5)" in english


def test_a_suppressed_month_breaks_the_trend_and_shows_in_its_table(site):
    doc = Doc(site / "comunas/13114/index.html")
    text = card(doc, "budget_execution_rate")
    assert "De ene 2026 a mar 2026: de 0,20 a 0,90; 1 período suprimido." in text
    assert "feb 2026 Suprimido 0 0 0 Suprimido: el denominador es cero" in text
    source = doc.path.read_text("utf-8")
    block = source.split('id="ind-budget_execution_rate"')[1].split("</svg>")[0]
    assert block.count('class="point"') == 2 and 'class="trend"' not in block


def test_a_comuna_without_data_for_an_indicator_is_told_so(site):
    doc = Doc(site / "comunas/05101/index.html")
    assert "Sin datos de Valparaíso para:" in doc.text
    links = [a["href"] for a in doc.find("a")]
    assert "../../indicadores/requests_on_time_share/index.html" in links
    assert 'id="ind-requests_on_time_share"' not in doc.path.read_text("utf-8")


def test_a_hostile_comuna_name_is_escaped(site):
    for rel in (
        "comunas/99902/index.html",
        "indicadores/purchases_amount_share_by_method/2026/index.html",
    ):
        source = (site / rel).read_text("utf-8")
        assert "<b>" not in source and HOSTILE_NAME in Doc(site / rel).text, rel


# --- indicator pages ------------------------------------------------------------


def table_rows(doc: Doc) -> dict[str, str]:
    """The comparison table's rows by their id (the CUT), as text."""
    rows = re.findall(
        r'<tr role="row" id="([0-9]{5})">\n<th scope="row" role="rowheader">(.*?)</tr>',
        doc.path.read_text("utf-8"),
        re.S,
    )
    return {cut: re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r)).strip() for cut, r in rows}


def test_an_indicator_page_has_its_method_its_chart_and_links_its_comparisons(site):
    doc = Doc(site / "indicadores/budget_execution_rate/index.html")
    method = METHODS["budget_execution_rate"]
    for part in (method.description, method.formula, method.caveats):
        assert part["es"] in doc.text
    assert "Este indicador no usa umbrales legales." in doc.text
    assert "Todas las comunas, mar 2026" in doc.text
    assert "Tabla de todas las comunas, mar 2026 (4 comunas con datos)" in doc.text
    assert "2026-03/index.html" in [a["href"] for a in doc.find("a")]
    (img,) = doc.find("img")
    assert img["src"] == "comunas.es.svg" and img["alt"]
    svg = (site / "indicadores/budget_execution_rate/comunas.es.svg").read_text("utf-8")
    assert svg.startswith("<svg") and "Valparaíso" in svg  # a row per region
    assert "4 comunas con datos en mar 2026, valores entre 0,70 y 0,95; mediana 0,81." in doc.text


def test_the_national_comparison_lists_every_comuna_with_medians_by_region(site):
    doc = Doc(site / "indicadores/budget_execution_rate/2026-03/index.html")
    assert doc.find("caption")[0]["id"] == "tabla-comparacion"
    assert len(doc.find("th", scope="col")) == 9
    # by region, then name (never by value); the row's id is the comuna's CUT
    assert table_rows(doc) == {
        "05101": "Valparaíso 05101 Región de Valparaíso 0,95 95 100 10 100 de 4 0,81 — (1 comuna)",
        "13114": "Las Condes 13114 Región Metropolitana de Santiago 0,90 9 10 10 88 de 4 0,81"
        " 0,77 (3 comunas)",
        "13101": "Santiago 13101 Región Metropolitana de Santiago 0,81 812.300.000 1.000.000.000"
        " 340 63 de 4 0,81 0,77 (3 comunas)",
        "99901": "Villa Ejemplo 99901 Región Metropolitana de Santiago 0,70 7 10 10 25 de 4 0,81"
        " 0,77 (3 comunas)",
    }
    assert list(table_rows(doc)) == ["05101", "13114", "13101", "99901"]
    # the order control is shown by sort.js only: without it, the published order
    (form,) = doc.find("form", class_="table-sort")
    assert "hidden" in form and "sort.js" in doc.path.read_text("utf-8")
    assert "Mediana nacional 0,81" in doc.text and "Comunas con datos 4 comunas" in doc.text
    links = [a["href"] for a in doc.find("a")]
    assert "../../../comunas/13101/index.html#ind-budget_execution_rate" in links
    assert "../index.html#metodo" in links
    english = Doc(site / "en/indicadores/budget_execution_rate/2026-03/index.html")
    assert "Execution of the expense budget: every comuna, Mar 2026" in english.text
    assert "National median 0.81" in english.text


def test_the_split_purchases_page_names_its_thresholds_and_sources(site):
    doc = Doc(site / "en/indicadores/purchases_split_direct/index.html")
    assert METHODS["purchases_split_direct"].thresholds["en"] in doc.text
    assert "30 UTM" in doc.text and "Servicio de Impuestos Internos" in doc.text
    assert "No comuna has data for this indicator in this release." in doc.text
    assert not (site / "indicadores/purchases_split_direct/comunas.en.svg").exists()


def test_a_period_with_suppressed_values_lists_them_without_drawing_them(site):
    doc = Doc(site / "indicadores/requests_on_time_share/index.html")
    assert "1 comuna con datos en 2026" in doc.text and "1 suprimidas" in doc.text
    doc = Doc(site / "indicadores/requests_on_time_share/2026/index.html")
    assert table_rows(doc)["99901"] == (
        "Villa Ejemplo 99901 Región Metropolitana de Santiago Suprimido menos registros que el"
        " mínimo del método (por lo general 5) 3 4 4 — — — (1 comuna)"
    )


def test_index_of_indicators_is_linked_from_home_and_every_header(site):
    index = Doc(site / "indicadores/index.html")
    links = [a["href"] for a in index.find("a")]
    assert all(f"{m}/index.html" in links for m in METHODS)
    assert "4 comunas" in index.text  # comunas with data behind each entry
    home = Doc(site / "index.html")
    assert "indicadores/index.html" in [a["href"] for a in home.find("a")]
    for rel in ("datasets/budgets/index.html", "en/comunas/13101/index.html"):
        nav = Doc(site / rel).find("nav", class_="site-nav")
        assert nav, rel


def test_the_sitemap_lists_the_indicator_pages_in_both_languages(site):
    sitemap = (site / "sitemap.xml").read_text("utf-8")
    for path in (
        "indicadores/",
        "indicadores/budget_execution_rate/",
        "indicadores/budget_execution_rate/2026-03/",
    ):
        for lang in ("", "en/"):
            assert f"<loc>https://datos.villaejemplo.cl/{lang}{path}</loc>" in sitemap


def test_every_relative_link_of_the_new_pages_resolves(site):
    pages = [*site.glob("indicadores/**/*.html"), *site.glob("en/indicadores/**/*.html")]
    pages += [*site.glob("comunas/*/index.html")]
    assert len(pages) > 30
    for path in pages:
        for tag in Doc(path).elements:
            href = tag[1].get("href") or tag[1].get("src")
            if not href or re.match(r"^[a-z]+:", href) or href.startswith("#"):
                continue
            target = (path.parent / href.split("#")[0]).resolve()
            assert target.exists(), f"{path.relative_to(site)} → {href}"


def test_no_indicators_no_pages_and_no_links(tmp_path):
    render(tmp_path, make_catalog())
    assert not (tmp_path / "indicadores").exists()
    assert "indicadores" not in (tmp_path / "index.html").read_text("utf-8")


def test_deterministic(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    render(first, indicator_catalog())
    render(second, indicator_catalog())
    for path in first.rglob("*"):
        if path.is_file() and ("indicadores" in path.parts or "comunas" in path.parts):
            assert path.read_bytes() == (second / path.relative_to(first)).read_bytes(), path


# --- the release's table into the context ---------------------------------------


def test_the_catalog_reads_the_release_indicators_table(tmp_path):
    folder = tmp_path / "releases/2026-11-25/indicators"
    folder.mkdir(parents=True)
    indicator_table().to_parquet(folder / "indicators.parquet")
    release = DatasetRelease("indicators", "2026-11-25", {}, {})
    pages, cards = _indicators(load_installation(), [release], tmp_path)
    execution = pages[0]
    assert {c["name"] for c in execution["comunas"]} == {
        "Valparaíso",
        "Las Condes",
        "Santiago",
        "Villa Ejemplo",
    }
    assert cards["99901"][0]["latest"]["value"] == 0.7
    assert _indicators(load_installation(), [], tmp_path) == ([], {})


def test_the_demo_release_shows_its_published_values(demo_site: Path):
    """The demo's indicator pages read the release's own `indicators.parquet`: each
    indicator's comparison of its latest period shows Villa Ejemplo's published value,
    numerator and denominator."""
    (parquet,) = demo_site.glob("releases/*/indicators/indicators.parquet")
    table = pd.read_parquet(parquet)
    shown = 0
    for indicator_id, rows in table.groupby("indicator_id"):
        method = METHODS[indicator_id]
        grain = "year" if "year" in method.grains else "month"
        rows = rows[(rows["period_grain"] == grain)]
        headline = "trato_directo" if "by_method" in indicator_id else "total"
        rows = rows[rows["breakdown"] == headline].sort_values("period")
        if rows.empty:
            continue
        last = rows.iloc[-1]
        doc = Doc(demo_site / f"indicadores/{indicator_id}/{last['period']}/index.html")
        value = (
            "Suprimido"
            if last["is_suppressed"]
            else format_value(float(last["value"]), method.unit, "es").split(" (")[0]
        )
        denominator = (
            "—" if pd.isna(last["denominator"]) else format_amount(last["denominator"], "es")
        )
        assert f"Villa Ejemplo 99901 Metropolitana de Santiago {value}" in doc.text, indicator_id
        assert f" {denominator} {last['records']} " in doc.text, indicator_id
        shown += 1
    assert shown >= 10
