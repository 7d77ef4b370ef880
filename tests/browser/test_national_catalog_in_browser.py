"""The national catalog in Chromium: 346 real comunas found by name with or without
accents (the script folds as Python does), under the CSP, accessible, and usable
without JavaScript."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import urljoin

import pytest

from pipelines.home import Home
from publish.site.search import fold
from schemas import load_code_list
from tests.browser.conftest import Server, _serve, axe_audit
from tests.publish.test_national_catalog import national_catalog
from tests.publish.test_site import render

SIZES = [(390, 844), (1366, 900)]


@pytest.fixture(scope="module")
def national_site(tmp_path_factory) -> Iterator[Server]:
    home = Home(tmp_path_factory.mktemp("national") / "abierto")
    site = home.root / "site"
    site.mkdir(parents=True)
    render(site, national_catalog())
    yield from _serve(home.root)


def shown(page) -> list[str]:
    return page.eval_on_selector_all(
        "#tabla-comunas tbody tr",
        "rows => rows.filter(r => !r.hidden).map(r => r.querySelector('.cut').textContent)",
    )


def test_the_script_folds_every_official_name_as_python_does(national_site, watched):
    watched.page.goto(national_site.url)
    names = load_code_list("comunas")["comuna_name"].tolist()
    names += ["O’Higgins", "Llay-Llay", "ÑUÑOA", "N\u0303un\u0303oa", "comuna_code", " a  b "]
    folded = watched.page.evaluate("names => names.map(window.abiertoFold)", names)
    assert folded == [fold(name) for name in names]
    assert watched.errors == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("nunoa", ["13120"]),
        ("Ñuñoa", ["13120"]),
        ("los angeles", ["08301"]),
        ("losangeles", ["08301"]),
        ("LOS ÁNGELES", ["08301"]),
        ("13120", ["13120"]),
        ("san pedro de la", ["08108"]),
    ],
)
def test_a_comuna_is_found_with_and_without_accents(national_site, watched, query, expected):
    page = watched.page
    page.goto(national_site.url)
    assert len(shown(page)) == 346
    page.fill("#qc", query)
    assert shown(page) == expected
    assert page.text_content("#comunas-resultado") == "1 comuna"
    assert watched.errors == []
    assert all(url.startswith(national_site.url) for url in watched.requests)


def test_concepcion_and_a_region(national_site, watched):
    page = watched.page
    page.goto(national_site.url)
    page.fill("#qc", "concepcion")
    assert "08101" in shown(page)  # the comuna, and the province's region rows by name
    page.fill("#qc", "biobio")
    assert len(shown(page)) == 33
    assert page.text_content("#comunas-resultado") == "33 comunas"
    page.fill("#qc", "")
    assert len(shown(page)) == 346


def test_without_javascript_every_comuna_and_its_status_is_listed(national_site, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(national_site.url)
    assert not page.is_visible("#buscar-comuna")
    rows = page.locator("#tabla-comunas tbody tr")
    assert rows.count() == 346
    assert "Versión anterior: se detectaron datos personales" in page.inner_text(
        "#tabla-comunas tr:has(a[href='comunas/13120/index.html'])"
    )
    context.close()


@pytest.mark.parametrize("width, height", SIZES)
@pytest.mark.parametrize("path", ["", "en/", "comunas/13120/", "datasets/contracts/"])
def test_no_accessibility_violations(national_site, browser, path, width, height):
    context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
    page = context.new_page()
    page.goto(urljoin(national_site.url, path))
    page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
    violations, passes = axe_audit(page, impacts=None)
    assert violations == [], json.dumps(violations, indent=1)
    assert passes
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    context.close()


def test_a_comuna_page_opens_the_sql_box_on_its_rows(national_site, watched):
    page = watched.page
    page.goto(urljoin(national_site.url, "comunas/13120/"))
    page.click("a[href$='datasets/contracts/index.html?comuna=13120#sql']")
    page.wait_for_selector("#sql:not([hidden])")
    assert page.evaluate("() => document.querySelector('#sql details').open")
    sql = page.input_value("#sql-texto")
    assert sql.startswith("SELECT *\nFROM purchase_orders\nWHERE comuna_code = '13120'")
    options = page.eval_on_selector_all("#sql-ejemplo option", "o => o.map(x => x.textContent)")
    assert options[:2] == [
        "Filas de la comuna 13120 en «Órdenes de compra»",
        "Filas de la comuna 13120 en «Líneas de las órdenes»",
    ]
    page.select_option("#sql-ejemplo", "1")
    assert "JOIN purchase_orders AS p" in page.input_value("#sql-texto")


def test_a_forged_comuna_parameter_is_ignored(national_site, watched):
    page = watched.page
    page.goto(urljoin(national_site.url, "datasets/contracts/?comuna=1'%3Bdrop#sql"))
    page.wait_for_selector("#sql:not([hidden])")
    assert "comuna_code" not in page.input_value("#sql-texto")
    assert not page.evaluate("() => document.querySelector('#sql details').open")
