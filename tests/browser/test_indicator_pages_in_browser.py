"""The indicator pages, the comuna cards and the citizen links in a real browser:
accessible (axe, every impact), no sideways scroll on a phone, nothing run or fetched
from outside, and the report link a mail client gets is the one the page meant."""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urljoin, urlsplit

import pytest

from tests.browser.conftest import SCREENSHOTS, SIZES, assert_accessible_and_fits
from tests.publish.indicator_fixture import HOSTILE_NAME

PAGES = [
    "indicadores/",
    "en/indicadores/",
    "indicadores/budget_execution_rate/",
    "en/indicadores/budget_execution_rate/",
    "indicadores/budget_execution_rate/2026-03/",
    "en/indicadores/budget_execution_rate/2026-03/",
    "indicadores/requests_on_time_share/2026/",
    "indicadores/purchases_amount_share_by_method/2026/",
    "indicadores/requests_on_time_share/",
    "indicadores/purchases_split_direct/",
    "comunas/13101/",
    "en/comunas/13101/",
    "comunas/13114/",
    "comunas/99901/",
    "comunas/99902/",
    "datasets/budgets/",
    "",
]


@pytest.mark.parametrize("width, height", SIZES)
@pytest.mark.parametrize("path", PAGES)
def test_no_accessibility_violations_and_nothing_scrolls_sideways(
    indicator_site, browser, path, width, height
):
    assert_accessible_and_fits(browser, urljoin(indicator_site.url, path), width, height)


@pytest.mark.parametrize("path", PAGES)
def test_every_page_loads_clean(indicator_site, watched, path):
    watched.page.goto(urljoin(indicator_site.url, path), wait_until="networkidle")
    assert all(url.startswith(indicator_site.url) for url in watched.requests), watched.requests
    assert watched.errors == [] and watched.dialogs == []


def test_from_home_to_an_indicator_to_a_comuna_card(indicator_site, watched):
    page = watched.page
    page.goto(indicator_site.url)
    page.click(".site-nav a")
    page.wait_for_url("**/indicadores/index.html")
    page.click("text=Ejecución del presupuesto de gastos")
    page.wait_for_url("**/indicadores/budget_execution_rate/index.html")
    assert page.is_visible("img[src='comunas.es.svg']")
    assert page.evaluate("() => document.querySelector('.chart img').naturalWidth") > 0
    page.click("text=Tabla de todas las comunas, mar 2026")
    page.wait_for_url("**/indicadores/budget_execution_rate/2026-03/index.html")
    with page.expect_navigation():
        page.click("table.indicator-table a:text-is('Santiago')")
    assert page.url.endswith("/comunas/13101/index.html#ind-budget_execution_rate")
    card = page.text_content("#ind-budget_execution_rate")
    assert "0,81 (81 %)" in card and "Percentil" not in card
    assert page.get_attribute("#ind-budget_execution_rate svg", "role") == "img"
    # the card's comparison is its own row of the national table
    with page.expect_navigation():
        page.click("#ind-budget_execution_rate .compare-link a")
    assert page.url.endswith("/indicadores/budget_execution_rate/2026-03/index.html#13101")
    row = page.locator("tr:target")
    assert row.get_attribute("id") == "13101" and row.is_visible()
    assert "63 de 4" in row.text_content() and "0,77 (3 comunas)" in row.text_content()
    assert watched.errors == []


def test_the_comparison_table_reorders_by_a_column_and_back(indicator_site, watched):
    page = watched.page
    page.goto(urljoin(indicator_site.url, "indicadores/budget_execution_rate/2026-03/"))

    def order() -> list[str]:
        return page.eval_on_selector_all("#comparacion tbody tr", "rows => rows.map(r => r.id)")

    published = ["05101", "13114", "13101", "99901"]  # region, then name
    assert order() == published
    page.select_option("#orden-comparacion", label="Valor, de mayor a menor")
    assert order() == ["05101", "13114", "13101", "99901"]  # 0,95 0,90 0,81 0,70
    assert page.get_attribute("#comparacion th:nth-child(3)", "aria-sort") == "descending"
    page.select_option("#orden-comparacion", label="Valor, de menor a mayor")
    assert order() == ["99901", "13101", "13114", "05101"]
    # no regional median for Valparaíso (one comuna in its region): last either way
    page.select_option("#orden-comparacion", label="Mediana regional, de mayor a menor")
    assert order()[-1] == "05101"
    page.select_option("#orden-comparacion", label="Región y comuna (como se publica)")
    assert order() == published
    assert page.eval_on_selector_all("#comparacion th[aria-sort]", "h => h.length") == 0
    assert watched.errors == []


def test_the_report_link_reaches_only_the_publisher(indicator_site, watched):
    page = watched.page
    page.goto(urljoin(indicator_site.url, "comunas/99902/"))
    assert HOSTILE_NAME in page.text_content("h1")
    href = page.get_attribute(".citizen .report a", "href")
    parts = urlsplit(href)
    assert (parts.scheme, unquote(parts.path)) == ("mailto", "oirs@muni.example")
    fields = parse_qs(parts.query, strict_parsing=True)
    assert set(fields) == {"subject", "body"}
    assert f"Comuna: {HOSTILE_NAME} (CUT 99902)" in fields["body"][0]
    assert page.get_attribute(".citizen .portal a", "href") == "https://www.portaltransparencia.cl"


@pytest.mark.parametrize("width, height", SIZES)
def test_screenshots(indicator_site, browser, width, height):
    """Phone and desktop screenshots of the new pages (git-ignored folder)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    for name, path in (
        ("indicators", "indicadores/"),
        ("indicator", "indicadores/budget_execution_rate/"),
        ("comparison", "indicadores/budget_execution_rate/2026-03/#13101"),
        ("comuna-cards", "comunas/13101/"),
    ):
        page.goto(urljoin(indicator_site.url, path))
        target = SCREENSHOTS / f"{name}-{width}x{height}-full.png"
        page.screenshot(path=str(target), full_page=True)
        assert target.stat().st_size > 10_000
    context.close()
