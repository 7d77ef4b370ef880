"""The catalog in a real browser: the journalist's journey, languages, accessibility, safety."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from urllib.parse import urljoin, urlparse

import duckdb
import pytest

from tests.browser.conftest import (
    HOSTILE_TITLE,
    SCREENSHOTS,
    SIZES,
    _free_port,
    assert_accessible_and_fits,
    wait_for_port,
)

SLUGS = ("budgets", "contracts", "access_requests", "indicators")
PAGES = [
    "",
    "en/",
    *(f"{p}datasets/{s}/" for s in SLUGS for p in ("", "en/")),
    "comunas/99901/",
    "en/comunas/99901/",
    "indicadores/",
    "en/indicadores/budget_execution_rate/",
    "indicadores/requests_on_time_share/",
]


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
    page.fill("#q", "procurement_method")
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


@pytest.mark.parametrize("width, height", SIZES)
@pytest.mark.parametrize("path", PAGES)
def test_no_accessibility_violations_and_nothing_scrolls_sideways(
    demo_site, browser, path, width, height
):
    assert_accessible_and_fits(browser, urljoin(demo_site.url, path), width, height)


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


@pytest.mark.parametrize("width, height", SIZES)
def test_screenshots(demo_site, browser, width, height):
    """Phone and desktop screenshots for a person to look at (git-ignored folder)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    shots = [("index", ""), ("comuna", "comunas/99901/")]
    shots += [(slug, f"datasets/{slug}/") for slug in SLUGS]
    for name, path in shots:
        page.goto(urljoin(demo_site.url, path))
        for suffix, full in (("", False), ("-full", True)):
            target = SCREENSHOTS / f"{name}-{width}x{height}{suffix}.png"
            page.screenshot(path=str(target), full_page=full)
            assert target.stat().st_size > 10_000
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    context.close()


def test_first_screen_of_a_phone_shows_the_comuna_and_every_dataset(demo_site, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(demo_site.url)
    on_screen = (
        "el => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.bottom <= 844; }"
    )
    assert page.locator(".summary a", has_text="Villa Ejemplo").evaluate(on_screen)
    links = page.locator(".dataset-index a")
    assert links.count() == len(SLUGS)
    for i in range(len(SLUGS)):
        assert links.nth(i).evaluate(on_screen)
    context.close()


def test_keyboard_reaches_search_and_datasets(demo_site, watched):
    page = watched.page
    page.goto(demo_site.url)
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "contenido"
    page.keyboard.press("Tab")  # first the comuna, then the datasets, then the search
    assert page.evaluate("() => document.activeElement.textContent") == "Villa Ejemplo"
    reached = []
    for _ in range(len(SLUGS) + 1):
        page.keyboard.press("Tab")
        reached.append(
            page.evaluate("() => document.activeElement.id || document.activeElement.textContent")
        )
    assert reached[-1] == "q", reached
    page.keyboard.type("solicitudes")  # the requests, and the indicators about them
    assert visible_cards(page) == ["access_requests", "indicators"]
    for _ in range(20):  # on through the filters and buttons to the only card left
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.closest('.card') !== null"):
            break
    page.keyboard.press("Enter")
    page.wait_for_url("**/datasets/access_requests/index.html")


def python_cell(value) -> str:
    """A DuckDB value as the query box prints it (JavaScript's String() of the Arrow value)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal | float):
        value = float(value)
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


@pytest.fixture(scope="module")
def plain_static_host(demo_site) -> Iterator[str]:
    """The same site from Python's plain static server, one folder down (a sub-path, no
    security headers, the media types the standard library knows)."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        cwd=demo_site.site.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for_port(process, port, "http.server")
    yield f"http://127.0.0.1:{port}/site/"
    process.terminate()
    process.wait(timeout=10)


@pytest.mark.parametrize("host", ["abierto serve", "plain static host"])
def test_sql_box_returns_the_rows_duckdb_returns_on_the_same_parquet(
    demo_site, plain_static_host, browser, tmp_path, host
):
    """On a phone: nothing of the engine loads until the box opens; then every example
    query gives the rows DuckDB (Python) gives on the release's Parquet files, and the CSV
    download holds them; only this site is ever asked for anything."""
    root = demo_site.url if host == "abierto serve" else plain_static_host
    context = browser.new_context(viewport={"width": 390, "height": 844}, accept_downloads=True)
    page = context.new_page()
    requests, errors, types = [], [], {}
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on(
        "response",
        lambda r: types.__setitem__(Path(urlparse(r.url).path).name, r.headers.get("content-type")),
    )
    page.goto(urljoin(root, "datasets/contracts/"), wait_until="networkidle")
    assert page.is_visible("#sql")
    assert not any("/assets/duckdb/" in url or url.endswith(".parquet") for url in requests)

    page.click("#sql summary")
    status = page.locator("#sql-estado")
    ready = status.get_attribute("data-ready")
    page.wait_for_function(
        "text => document.getElementById('sql-estado').textContent === text",
        arg=ready,
        timeout=90_000,
    )
    assert types["duckdb-eh.wasm"] == "application/wasm"
    assert types["engine.mjs"] == "text/javascript"

    config = json.loads(page.get_attribute("#sql", "data-config"))
    con = duckdb.connect()
    base = urljoin(root, "datasets/contracts/index.html")
    for table in config["tables"]:
        path = urlparse(urljoin(base, table["path"])).path
        local = demo_site.site / path.removeprefix(urlparse(root).path)
        literal = "'" + str(local).replace("'", "''") + "'"
        con.execute(f"CREATE VIEW {table['name']} AS SELECT * FROM read_parquet({literal})")
    assert len(config["examples"]) >= 3
    for number, example in enumerate(config["examples"]):
        page.select_option("#sql-ejemplo", str(number))
        assert page.input_value("#sql-texto") == example["sql"]
        page.evaluate("() => document.getElementById('sql-estado').textContent = ''")
        page.click("#sql button[type=submit]")
        page.wait_for_function(
            "() => /\\d/.test(document.getElementById('sql-estado').textContent)"
        )
        shown = page.eval_on_selector(
            ".sql-result table",
            "t => [...t.rows].map(r => [...r.cells].map(c => c.textContent))",
        )
        result = con.execute(example["sql"])
        expected = [[d[0] for d in result.description]]
        expected += [[python_cell(v) for v in row] for row in result.fetchall()]
        assert shown == expected, example["title"]["en"]
        assert len(expected) > 1, example["title"]["en"]
        with page.expect_download() as info:
            page.click(".sql-csv a")
        target = tmp_path / f"{number}.csv"
        info.value.save_as(target)
        with target.open(encoding="utf-8", newline="") as handle:
            assert list(csv.reader(handle)) == expected
    # A bad query says why, in the page's language.
    page.fill("#sql-texto", "SELECT nope FROM purchase_orders")
    page.click("#sql button[type=submit]")
    page.wait_for_function(
        "() => /no se pudo/.test(document.getElementById('sql-estado').textContent)"
    )
    assert "nope" in page.text_content("#sql-estado")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    SCREENSHOTS.mkdir(exist_ok=True)
    page.locator("#sql").screenshot(path=str(SCREENSHOTS / "sql-390x844.png"))
    assert all(url.startswith(root) or url.startswith("blob:") for url in requests), [
        u for u in requests if not u.startswith(root)
    ]
    assert errors == []
    context.close()
