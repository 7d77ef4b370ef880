"""The national catalog: 346 real comunas on the home page (table, search keys, status
with reason), each comuna's rows of the national tables, and the national downloads."""

from __future__ import annotations

import gzip
import json
import re

import pytest

from publish.site.national import comuna_examples, comuna_sql
from publish.site.search import comuna_table, fold
from schemas import load_code_list
from tests.publish.test_dataset_page import page
from tests.publish.test_site import Doc, make_catalog, render

# What a comuna × dataset can be, spread over the real comunas (codes, never values).
CARRIED = {"13120": ["personal-data-found"], "08301": ["part-unreadable"]}
BLOCKED = {"05601": ["installation-entry-refused"]}

# Home page and comuna pages at 346 comunas. Measured: home 135 kB (15.7 kB gzipped), of
# which the comuna table 80 kB and the schema.org spatial coverage 46 kB; comuna pages
# 6.2–7.2 kB.
HOME_MAX_BYTES = 140_000
HOME_MAX_GZIP = 17_000
# a comuna page without indicators: status, its rows, the citizen links (issue 16)
COMUNA_MAX_BYTES = 10_000


@pytest.mark.parametrize(
    ("name", "folded"),
    [
        ("Ñuñoa", "nunoa"),
        ("Concepción", "concepcion"),
        ("Los Ángeles", "los angeles"),
        ("O'Higgins", "ohiggins"),
        ("Marchigüe", "marchigue"),
        ("Llay-Llay", "llay llay"),
        ("  Aysén  ", "aysen"),
        ("comuna_code", "comuna code"),
        ("N\u0303un\u0303oa", "nunoa"),  # decomposed Ñ (NFD) folds the same
    ],
)
def test_fold(name, folded):
    assert fold(name) == folded


def test_every_official_name_folds_to_plain_words():
    names = load_code_list("comunas")["comuna_name"].tolist()
    assert len(names) == 346
    for name in names:
        assert re.fullmatch(r"[a-z0-9]+( [a-z0-9]+)*", fold(name)), name
    assert fold("Ñuñoa") == fold("nunoa") == fold("ÑUÑOA")


def national_catalog() -> dict:
    """The site's realistic catalog over the 346 official comunas, with statuses."""
    catalog = make_catalog()
    codes = load_code_list("comunas")
    comunas = []
    for row in codes.itertuples():
        reasons = CARRIED.get(row.comuna_code) or BLOCKED.get(row.comuna_code) or []
        status = "carried" if row.comuna_code in CARRIED else "published"
        comunas.append(
            {
                "code": row.comuna_code,
                "name": row.comuna_name,
                "region": row.region_name,
                "datasets": [
                    {
                        "slug": d["slug"],
                        "title": d["title"],
                        "status": "blocked"
                        if row.comuna_code in BLOCKED and d["slug"] == "budgets"
                        else status
                        if d["slug"] == "contracts"
                        else "published",
                        "published_on": "2026-11-25",
                        "is_stale": False,
                        "max_age_days": 45,
                        "reasons": reasons
                        if (d["slug"] == "contracts" and status == "carried")
                        or (row.comuna_code in BLOCKED and d["slug"] == "budgets")
                        else [],
                    }
                    for d in catalog["datasets"]
                ],
            }
        )
    catalog["comunas"] = comunas
    items = catalog["datasets"][1]["resources"][1]
    assert items["name"] == "purchase_order_items"
    items["foreignKeys"] = [
        {
            "fields": ["order_id"],
            "reference": {"resource": "purchase_orders", "fields": ["order_id"]},
        }
    ]
    everyone = [{"code": c["code"], "name": c["name"]} for c in comunas]
    for dataset in catalog["datasets"]:
        dataset["municipalities"] = everyone
    return catalog


@pytest.fixture(scope="module")
def national(tmp_path_factory):
    out = tmp_path_factory.mktemp("national")
    catalog = national_catalog()
    render(out, catalog)
    return out, catalog


def rows_of(doc_path) -> dict[str, str]:
    """`{cut: row text}` of the home page's comuna table, from the HTML alone."""
    source = doc_path.read_text("utf-8")
    body = source[
        source.index('<table class="comunas"') : source.index(
            "</table>", source.index('<table class="comunas"')
        )
    ]
    rows = re.findall(r'<tr data-k="([^"]*)">(.*?)</tr>', body)
    found = {}
    for key, cells in rows:
        code = re.search(r"comunas/(\d{5})/index\.html", cells).group(1)
        found[code] = (key, re.sub(r"<[^>]+>", " ", cells))
    return found


def test_home_lists_every_comuna_with_its_status_without_javascript(national):
    out, catalog = national
    rows = rows_of(out / "index.html")
    assert len(rows) == 346
    key, text = rows["13120"]
    assert "Ñuñoa" in text and "Metropolitana" in text
    assert "Versión anterior: se detectaron datos personales en archivos públicos" in text
    assert "Sin publicar: su entrada del archivo de instalación fue rechazada" in rows["05601"][1]
    assert "Versión anterior: su parte guardada no se pudo leer" in rows["08301"][1]
    assert rows["13101"][1].count("Publicado") == 3
    # the search form waits for the script; the table does not
    doc = Doc(out / "index.html")
    assert "hidden" in doc.find("form", id="buscar-comuna")[0]
    assert "hidden" not in doc.find("table", id="tabla-comunas")[0]
    english = rows_of(out / "en" / "index.html")
    assert "Previous version: personal data detected in public files" in english["13120"][1]


def test_search_keys_find_names_with_and_without_accents(national):
    out, _ = national
    rows = rows_of(out / "index.html")
    keys = {code: key for code, (key, _) in rows.items()}

    def search(query: str) -> set[str]:
        """What the script shows: every word in the key, or the query without spaces
        in the key without spaces."""
        words = fold(query).split()
        return {
            c
            for c, k in keys.items()
            if all(w in k for w in words) or "".join(words) in k.replace(" ", "")
        }

    assert search("nunoa") == search("Ñuñoa") == {"13120"}
    assert {"08101"} <= search("concepcion") == search("Concepción")
    assert search("los angeles") == search("Los Ángeles") == search("losangeles") == {"08301"}
    assert search("13120") == {"13120"}
    assert search("o'higgins") == search("ohiggins") >= {"11302", "06101"}  # comuna, region
    assert search("san pedro") >= {"13505", "08108", "02203"}  # two-word names, prefixes
    assert len(search("biobio")) == 33  # a region by name
    assert search("villa inexistente") == set()
    for code, (key, _) in rows.items():
        name = load_code_list("comunas").set_index("comuna_code").loc[code, "comuna_name"]
        assert key.startswith(fold(name) + " " + code)


def test_comuna_table_orders_by_folded_name():
    catalog = national_catalog()
    names = [r["name"] for r in comuna_table(catalog, "es")["rows"]]
    assert names == sorted(names, key=lambda n: (fold(n), n))
    assert names.index("Ñiquén") < names.index("Ñuñoa") < names.index("Olivar")


def test_pages_stay_small(national):
    out, _ = national
    for home in (out / "index.html", out / "en" / "index.html"):
        data = home.read_bytes()
        assert len(data) <= HOME_MAX_BYTES, len(data)
        assert len(gzip.compress(data, 9)) <= HOME_MAX_GZIP
    sizes = [p.stat().st_size for p in (out / "comunas").glob("*/index.html")]
    assert len(sizes) == 346
    assert max(sizes) <= COMUNA_MAX_BYTES, max(sizes)


def test_a_carried_comuna_page_says_why_and_links_its_rows(national):
    out, _ = national
    doc = Doc(out / "comunas" / "13120" / "index.html")
    text = doc.text
    assert "Motivo: se detectaron datos personales en archivos públicos" in text
    links = [a["href"] for a in doc.find("a")]
    assert "../../datasets/contracts/index.html?comuna=13120#sql" in links
    source = (out / "comunas" / "13120" / "index.html").read_text("utf-8")
    assert "WHERE comuna_code = &#39;13120&#39;" in source
    # order lines have no comuna_code: their orders' comuna selects them
    assert "JOIN read_parquet(" in source and "WHERE p.comuna_code = &#39;13120&#39;" in source
    english = Doc(out / "en" / "comunas" / "13120" / "index.html").text
    assert "Reason: personal data detected in public files" in english


def test_the_sql_box_can_open_on_a_comuna(national):
    _, catalog = national
    contracts = next(d for d in catalog["datasets"] if d["slug"] == "contracts")
    examples = comuna_examples(contracts)
    assert [e["sql"].split("\n")[1] for e in examples] == [
        "FROM purchase_orders",
        "FROM purchase_order_items AS t",
    ]
    assert all("'{comuna}'" in e["sql"] for e in examples)
    assert examples[0]["title"]["es"].startswith("Filas de la comuna {comuna}")
    with pytest.raises(ValueError, match="not a CUT code"):
        comuna_sql(contracts["resources"][0], contracts["resources"], str, "1' OR '1'='1")


def test_dataset_page_names_its_national_tables(national):
    out, _ = national
    text = Doc(out / "datasets" / "contracts" / "index.html").text
    assert "la columna comuna_code (código CUT) dice de qué comuna es cada fila" in text
    assert re.search(
        r"purchase_orders\.csv CSV, [\d,.]+ [kMG]?B .*— Órdenes de compra: "
        r"[\d.]+ filas? de 346 comunas",
        text,
    )
    assert "346 comunas (ver la lista)" in text


def test_no_spreadsheet_reason_where_the_workbook_would_be(tmp_path):
    reason = {
        "es": "Sin descarga Excel: la tabla tiene más filas (1.048.576) de las que caben",
        "en": "No Excel download: the table has more rows (1,048,576) than a sheet holds",
    }

    def too_long(catalog):
        resource = catalog["datasets"][1]["resources"][0]
        resource["files"] = [f for f in resource["files"] if f["format"] != "xlsx"]
        resource["no_spreadsheet"] = reason

    doc = page(tmp_path, too_long, "datasets/contracts/index.html")
    items = doc.find("li", **{"class": "no-spreadsheet"})
    assert len(items) == 1
    assert reason["es"] in doc.text
    english = Doc(tmp_path / "en" / "datasets" / "contracts" / "index.html").text
    assert reason["en"] in english


def test_the_comuna_table_replaces_the_municipality_facet_at_national_scale(national):
    out, _ = national
    doc = Doc(out / "index.html")
    assert doc.find("select", id="f-kind") and not doc.find("select", id="f-municipality")
    source = (out / "index.html").read_text("utf-8")
    block = source[source.index('id="indice-busqueda">') :]
    index = json.loads(block[block.index(">") + 1 : block.index("</script>")])
    assert index and all("municipalities" not in entry for entry in index)
    # a small catalog keeps it
    small = out.parent / "small"
    small.mkdir()
    render(small, make_catalog())
    assert Doc(small / "index.html").find("select", id="f-municipality")


def test_a_published_table_over_the_sheet_limit_shows_why_it_has_no_workbook(tmp_path, monkeypatch):
    """The demo through the real steps with Excel's limit lowered: the package's
    `x-no-spreadsheet` reaches the dataset page where the workbook link would be."""
    import datetime as dt

    import publish.spreadsheet
    from datasets.descriptor import SLUGS
    from datasets.municipalities import load_installation
    from pipelines import steps
    from pipelines.cli import seed_demo
    from pipelines.home import Home
    from publish.catalog import build_package, publish_release

    monkeypatch.setattr(publish.spreadsheet, "EXCEL_MAX_ROWS", 30)
    home = Home(tmp_path / "home")
    seed_demo(home)
    installation = load_installation()
    day = dt.date(2026, 11, 2)
    packages = []
    for slug in SLUGS:
        validated = steps.validate(
            steps.ingest(home, installation, slug), installation, home.quarantine
        )
        prepared = steps.prepare(validated, installation, as_of=day)
        packages.append(
            build_package(
                prepared,
                installation,
                home.root / "build" / slug,
                release_id="2026-11-02",
                generated_on=day,
            )
        )
    publish_release(home.site, installation, packages, release_id="2026-11-02", generated_on=day)
    package = json.loads(
        (home.site / "releases" / "2026-11-02" / "contracts" / "datapackage.json").read_text()
    )
    items = next(r for r in package["resources"] if r["name"] == "purchase_order_items")
    assert items["x-no-spreadsheet"]["es"].startswith("Sin descarga Excel")
    assert "xlsx" not in {a["format"] for a in items["x-alternates"]}
    page = Doc(home.site / "datasets" / "contracts" / "index.html")
    assert len(page.find("li", **{"class": "no-spreadsheet"})) == sum(
        "x-no-spreadsheet" in r for r in package["resources"]
    )
    assert items["x-no-spreadsheet"]["es"] in page.text
    links = [a["href"] for a in page.find("a") if a.get("href", "").endswith(".xlsx")]
    assert not any("purchase_order_items" in link for link in links)
    english = Doc(home.site / "en" / "datasets" / "contracts" / "index.html").text
    assert items["x-no-spreadsheet"]["en"] in english
