"""The catalog in a real browser: the journalist's journey, languages, accessibility, safety."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest

from tests.browser.conftest import HOSTILE_TITLE, SCREENSHOTS, axe_audit

SLUGS = ("budgets", "contracts", "access_requests")
PAGES = ["", "en/", *(f"{p}datasets/{s}/" for s in SLUGS for p in ("", "en/"))]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def visible_cards(page) -> list[str]:
    return page.eval_on_selector_all(
        ".card", "cards => cards.filter(c => !c.hidden).map(c => c.id.replace('conjunto-', ''))"
    )


def test_search_then_dataset_page_then_every_download(demo_site, watched, tmp_path):
    page = watched.page
    page.goto(demo_site.url)
    assert page.is_visible("#buscar")
    assert visible_cards(page) == list(SLUGS)
    # A column name finds the dataset that has it, accents or not.
    page.fill("#q", "modalidad de compra")
    assert visible_cards(page) == ["contracts"]
    assert "1" in page.text_content("#resultados")
    page.fill("#q", "amount_paid_clp")
    assert visible_cards(page) == ["budgets"]
    page.fill("#q", "")
    page.select_option("#f-kind", "access_requests")
    assert visible_cards(page) == ["access_requests"]
    page.select_option("#f-kind", "")
    page.select_option("#f-year", index=1)
    assert visible_cards(page)
    page.click("button[type=reset]")
    page.fill("#q", "proveedor")
    page.click("#conjunto-contracts h3 a")
    page.wait_for_url("**/datasets/contracts/index.html")
    assert page.title().startswith("Órdenes de compra") or "compra" in page.title().lower()

    links = page.eval_on_selector_all(".downloads a[download]", "as => as.map(a => a.href)")
    formats = {Path(urlparse(h).path).suffix for h in links}
    assert {".csv", ".parquet", ".xlsx", ".json", ".duckdb"} <= formats
    for href in links:
        with page.expect_download() as info:
            page.click(f'.downloads a[href$="{Path(urlparse(href).path).name}"] >> nth=0')
        target = tmp_path / info.value.suggested_filename
        info.value.save_as(target)
        published = demo_site.site / urlparse(href).path.lstrip("/")
        assert sha256(target) == sha256(published), href
    assert watched.errors == []


def test_language_switch_keeps_the_page(demo_site, watched):
    page = watched.page
    page.goto(demo_site.url)
    assert page.get_attribute("html", "lang") == "es"
    page.click(".lang-switch a")
    assert page.get_attribute("html", "lang") == "en"
    assert urlparse(page.url).path in ("/en/", "/en/index.html")
    assert page.text_content("h1") == "Municipal open data"
    page.click("#conjunto-budgets h3 a")
    assert page.get_attribute("html", "lang") == "en"
    page.click(".lang-switch a")
    assert page.get_attribute("html", "lang") == "es"
    assert urlparse(page.url).path == "/datasets/budgets/index.html"
    assert page.text_content("h1") == "Ejecución presupuestaria municipal"
    assert watched.errors == []


@pytest.mark.parametrize("path", PAGES)
def test_no_serious_accessibility_violations(demo_site, watched_for_axe, path):
    page = watched_for_axe.page
    page.goto(urljoin(demo_site.url, path))
    serious, passes = axe_audit(page)
    assert serious == [], json.dumps(serious, indent=1)
    assert passes, "axe ran no rule"


@pytest.mark.parametrize("path", PAGES)
def test_every_page_loads_clean(demo_site, watched, path):
    """Under the CSP: nothing requested but this server, no console or page errors."""
    response = watched.page.goto(urljoin(demo_site.url, path), wait_until="networkidle")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert all(url.startswith(demo_site.url) for url in watched.requests), watched.requests
    assert watched.errors == []


def test_index_weighs_under_200_kb(demo_site, watched):
    page = watched.page
    sizes = {}
    page.on("response", lambda r: sizes.__setitem__(r.url, len(r.body())))
    page.goto(demo_site.url, wait_until="networkidle")
    assert sum(sizes.values()) < 200_000, sizes
    assert len(sizes) >= 3  # page, stylesheet, script


def test_without_javascript_every_dataset_is_listed(demo_site, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(demo_site.url)
    assert not page.is_visible("#buscar")
    assert len(page.query_selector_all(".card h3 a")) == len(SLUGS)
    page.click("#conjunto-access_requests h3 a")
    assert page.is_visible(".downloads a[download]")
    context.close()


def test_a_script_in_a_title_runs_nothing(hostile_site, watched):
    page = watched.page
    for path in ("", "datasets/budgets/index.html", "en/datasets/budgets/index.html"):
        page.goto(urljoin(hostile_site.url, path))
        assert page.evaluate("() => window.__pwned") is None
        assert HOSTILE_TITLE in page.text_content("main")
    assert watched.dialogs == []
    assert not any("/x" in url for url in watched.requests)


@pytest.mark.parametrize("width, height", [(390, 844), (1366, 900)])
def test_screenshots(demo_site, browser, width, height):
    """Phone and desktop screenshots for a person to look at (git-ignored folder)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    for name, path in (("index", ""), ("budgets", "datasets/budgets/")):
        page.goto(urljoin(demo_site.url, path))
        target = SCREENSHOTS / f"{name}-{width}x{height}.png"
        page.screenshot(path=str(target), full_page=True)
        assert target.stat().st_size > 10_000
    # Nothing sticks out sideways on a phone.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    context.close()


def test_keyboard_reaches_search_and_datasets(demo_site, watched):
    page = watched.page
    page.goto(demo_site.url)
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "contenido"
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "q"
    page.keyboard.type("solicitudes")
    assert visible_cards(page) == ["access_requests"]
    for _ in range(20):  # on through the filters and buttons to the only card left
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.closest('.card') !== null"):
            break
    page.keyboard.press("Enter")
    page.wait_for_url("**/datasets/access_requests/index.html")
