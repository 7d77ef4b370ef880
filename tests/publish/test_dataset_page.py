"""Dataset page sections: freshness, citation, whole-dataset downloads, changelog, R, Markdown."""

from __future__ import annotations

import datetime as dt
import json
import re

import duckdb
import pytest

from publish.freshness import next_update_due
from publish.site import human_size, markdown, query_snippets
from publish.site.assets import engine_bytes, engine_path
from publish.site.queries import EXAMPLES, example_queries
from schemas import load_descriptor as load_schema
from schemas import public_descriptor
from tests.publish.test_site import RELEASE, Doc, make_catalog, render


@pytest.mark.parametrize(
    "updated, cadence, due",
    [
        # December 2026: the 8th is a holiday, so the 10th working day is the 15th
        ("2026-11-02", "monthly", "2026-12-15"),
        # January 2027: the 1st is a holiday
        ("2026-12-05", "monthly", "2027-01-15"),
        ("2026-08-30", "monthly", "2026-09-14"),
        ("2026-11-02", "quarterly", "2027-02-12"),
    ],
)
def test_next_update_due_is_the_tenth_working_day(updated, cadence, due):
    assert next_update_due(dt.date.fromisoformat(updated), cadence, "13").isoformat() == due


def page(tmp_path, change=None, rel="datasets/budgets/index.html") -> Doc:
    catalog = make_catalog()
    if change:
        change(catalog)
    render(tmp_path, catalog)
    return Doc(tmp_path / rel)


def test_freshness_on_time_and_late(tmp_path):
    def on_time(catalog):
        catalog["datasets"][0]["next_update_due"] = "2026-12-15"

    text = page(tmp_path / "a", on_time).text
    assert "a más tardar el 15 de diciembre de 2026" in text and "Atrasada" not in text

    def late(catalog):
        catalog["datasets"][0]["next_update_due"] = "2026-11-13"  # built 2026-11-25

    doc = page(tmp_path / "b", late)
    assert "Atrasada: la ley de transparencia" in doc.text and "(atrasada)" in doc.text
    assert "(atrasada)" in Doc(tmp_path / "b" / "index.html").text
    assert "(atrasada)" not in Doc(tmp_path / "a" / "index.html").text
    en = page(tmp_path / "b", late, "en/datasets/budgets/index.html").text
    assert "Late: the transparency law" in en and "due by 13 November 2026" in en


def test_cite_this_version(tmp_path):
    def with_hash(catalog):
        catalog["datasets"][0]["datapackage"]["hash"] = "sha256:" + "ef" * 32

    text = page(tmp_path, with_hash).text
    budgets = make_catalog()["datasets"][0]
    assert "Citar esta versión" in text
    assert (
        f"Municipalidad de Villa Ejemplo (2026). {budgets['title']['es']}."
        " Versión 2026-11-25 [conjunto de datos]." in text
    )
    assert "https://datos.villaejemplo.cl/" + budgets["datapackage"]["path"] in text
    assert "SHA-256: " + "ef" * 32 in text


def test_whole_dataset_files_only_when_listed(tmp_path):
    plain = page(tmp_path / "a")
    assert not any(a.get("href", "").endswith((".duckdb", ".xlsx")) for a in plain.find("a"))

    def with_files(catalog):
        catalog["datasets"][0]["files"] = [
            {
                "format": "duckdb",
                "mediatype": "application/vnd.duckdb",
                "path": "releases/2026-11-25/budgets/budgets.duckdb",
                "bytes": 1_234_567,
            },
            {
                "format": "xlsx",
                "mediatype": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "path": "releases/2026-11-25/budgets/budgets.xlsx",
                "bytes": 45_678,
            },
        ]

    doc = page(tmp_path / "b", with_files)
    hrefs = [a["href"] for a in doc.find("a") if "download" in a]
    assert "../../releases/2026-11-25/budgets/budgets.duckdb" in hrefs
    assert "../../releases/2026-11-25/budgets/budgets.xlsx" in hrefs
    assert "DuckDB, 1,2 MB" in doc.text and "Excel, 45,7 kB" in doc.text


def test_changelog_when_given(tmp_path):
    assert "Versiones recientes" not in page(tmp_path / "a").text

    def with_log(catalog):
        catalog["datasets"][0]["changelog"] = [
            {
                "release_id": "2026-11-25",
                "date": "2026-11-25",
                "summary": {"es": "Octubre", "en": "October"},
            },
            {"release_id": "2026-10-02", "date": "2026-10-02"},
        ]

    text = page(tmp_path / "b", with_log).text
    assert "2026-11-25 (25 de noviembre de 2026): Octubre" in text
    assert "2026-10-02 (2 de octubre de 2026)" in text


def test_r_snippet_reads_the_csv():
    snippets = query_snippets("r/b/lines.parquet", "https://d.cl/", "r/b/lines.csv")
    assert (
        snippets["r"]
        == 'df <- read.csv("https://d.cl/r/b/lines.csv", encoding = "UTF-8")\nhead(df, 10)'
    )
    assert "r" not in query_snippets("r/b/lines.parquet", None)


def test_markdown_in_descriptions_is_sanitised(tmp_path):
    html = str(
        markdown("**Ojo** [sitio](https://a.cl) [x](javascript:alert(1)) <b onclick=x>b</b>")
    )
    assert "<strong>Ojo</strong>" in html and 'href="https://a.cl"' in html
    assert 'href="javascript' not in html and "<b" not in html
    assert "&lt;b onclick=x&gt;" in html  # shown as text, never as markup

    def hostile(catalog):
        catalog["datasets"][0]["description"]["es"] = (
            "[clic](javascript:alert(1)) <script>x</script>"
        )

    doc = page(tmp_path, hostile)
    assert not [a for a in doc.find("a") if "javascript" in (a.get("href") or "").lower()]
    assert "<script>x</script>" in doc.text


def test_catalog_downloads_changes_and_latest(tmp_path):
    def with_release_files(catalog):
        catalog["downloads"] = {
            "duckdb": "latest/abierto.duckdb",
            "notes": "releases/2026-11-25/CHANGES.md",
            "checksums": "releases/2026-11-25/SHA256SUMS",
            "unknown": "latest/other.bin",
        }
        catalog["datasets"][0]["changes"] = {
            "budget_lines": {"added": 12, "removed": 0, "changed": 3, "fields": {"month": 3}}
        }
        catalog["datasets"][0]["latest"] = {"datapackage": "latest/budgets/datapackage.json"}

    (tmp_path / "latest").mkdir(parents=True)
    (tmp_path / "latest/abierto.duckdb").write_bytes(b"d" * 2_048)
    (tmp_path / "releases/2026-11-25").mkdir(parents=True)
    (tmp_path / "releases/2026-11-25/CHANGES.md").write_text("# Cambios\n")
    # SHA256SUMS is missing: not listed
    index = page(tmp_path, with_release_files, "index.html")
    hrefs = [a["href"] for a in index.find("a") if "download" in a]
    assert "latest/abierto.duckdb" in hrefs and "releases/2026-11-25/CHANGES.md" in hrefs
    assert not any("SHA256SUMS" in h or "other.bin" in h for h in hrefs)
    assert "DuckDB, 2,0 kB" in index.text
    doc = Doc(tmp_path / "datasets/budgets/index.html")
    assert "../../latest/abierto.duckdb" in [a["href"] for a in doc.find("a")]
    assert "budget_lines: 12 filas nuevas, 0 eliminadas, 3 modificadas" in doc.text
    assert "https://datos.villaejemplo.cl/latest/budgets/datapackage.json" in doc.text


# --- phone-first pages ----------------------------------------------------------


def with_nouns(catalog):
    orders, items = catalog["datasets"][1]["resources"]
    orders["noun"] = {"es": ["orden de compra", "órdenes de compra"], "en": ["order", "orders"]}
    items["noun"] = {"es": ["línea de orden", "líneas de orden"], "en": ["line", "lines"]}


def test_contents_counts_each_table_in_the_words_of_its_grain(tmp_path):
    text = page(tmp_path, with_nouns, "datasets/contracts/index.html").text
    assert "Contenido 2.000 órdenes de compra y 5.306 líneas de orden" in text
    en = Doc(tmp_path / "en/datasets/contracts/index.html").text
    assert "Contents 2,000 orders and 5,306 lines" in en
    assert "2.000 órdenes de compra y 5.306 líneas de orden" in Doc(tmp_path / "index.html").text
    # A table without a noun: rows and tables, as before.
    assert (
        "7.306 filas en 2 tablas"
        in page(tmp_path / "plain", rel="datasets/contracts/index.html").text
    )


@pytest.mark.parametrize(
    "table", ["budget_lines", "purchase_orders", "purchase_order_items", "access_requests"]
)
def test_each_data_table_names_its_rows(table):
    schema = load_schema(table)
    for lang in ("es", "en"):
        one, many = schema[f"x-row-noun-{lang}"]
        assert one and many and one != many


def test_one_row_is_singular(tmp_path):
    def one(catalog):
        with_nouns(catalog)
        catalog["datasets"][1]["resources"][0]["rows"] = 1

    assert (
        "1 orden de compra y 5.306 líneas"
        in page(tmp_path, one, "datasets/contracts/index.html").text
    )


def test_data_dictionary_is_folded_per_table(tmp_path):
    html = tmp_path / "datasets/contracts/index.html"
    page(tmp_path, rel="datasets/contracts/index.html")
    source = html.read_text("utf-8")
    boxes = re.findall(
        r'<details class="dictionary-box">\s*<summary>([^<]+)</summary>\s*'
        r'<table class="dictionary"',
        source,
    )
    catalog = make_catalog()
    fields = [len(r["fields"]) for r in catalog["datasets"][1]["resources"]]
    assert boxes == [f"Ver sus {n} campos" for n in fields]
    assert source.count('<details class="dictionary-box">') == source.count(
        '<table class="dictionary"'
    )


def test_home_names_the_comunas_and_lists_the_datasets_first(tmp_path):
    def comunas(catalog):
        catalog["comunas"] = [{"code": "99901", "name": "Villa Ejemplo", "datasets": []}]

    doc = page(tmp_path, comunas, "index.html")
    text = doc.text
    summary = text.index("Villa Ejemplo · 3 conjuntos de datos")
    assert summary < text.index("Buscar datos")  # before the search form and the cards
    links = [a["href"] for a in doc.find("a")]
    assert links.index("comunas/99901/index.html") < links.index("datasets/budgets/index.html")
    assert text.index("Presupuesto municipal") < text.index("Buscar datos")


def test_the_demo_banner_is_inside_the_header(tmp_path):
    def demo(catalog):
        catalog["is_demo"] = True

    source = (page(tmp_path, demo, "index.html").path).read_text("utf-8")
    header = source[source.index("<header") : source.index("</header>")]
    assert 'class="demo-banner"' in header
    assert source.count('class="demo-banner"') == 1


def test_comuna_status_table_stacks_on_phones(tmp_path):
    def comunas(catalog):
        catalog["comunas"] = [
            {
                "code": "99901",
                "name": "Villa Ejemplo",
                "datasets": [
                    {
                        "slug": "budgets",
                        "title": {"es": "Presupuesto", "en": "Budget"},
                        "status": "published",
                        "published_on": "2026-11-25",
                        "is_stale": False,
                        "max_age_days": 45,
                    }
                ],
            }
        ]

    doc = page(tmp_path, comunas, "comunas/99901/index.html")
    assert doc.find("table", **{"class": "stacked", "role": "table"})
    labels = [a["data-label"] for a in doc.find("td")]
    assert labels == ["Estado", "Publicado el", "Vigente hasta"]
    assert "9 de enero de 2027" in doc.text  # published on 25 Nov 2026 + 45 days


# --- SQL in the browser ---------------------------------------------------------


def sql_config(doc: Doc) -> dict:
    return json.loads(doc.find("section", id="sql")[0]["data-config"])


def test_query_box_reads_the_release_parquet_by_relative_urls(tmp_path):
    doc = page(tmp_path, rel="en/datasets/contracts/index.html")
    assert "hidden" in doc.find("section", id="sql")[0]  # shown by the script
    scripts = [a["src"] for a in doc.find("script") if a.get("src")]
    assert scripts == ["../../../assets/query.js"]
    assert doc.find("script", type="module", src="../../../assets/query.js")
    config = sql_config(doc)
    assert config["engine"] == f"../../../{engine_path()}/"
    for name in ("engine.mjs", "duckdb-browser-eh.worker.js", "duckdb-eh.wasm"):
        assert (doc.path.parent / config["engine"] / name).is_file()
    assert [t["name"] for t in config["tables"]] == ["purchase_orders", "purchase_order_items"]
    for table in config["tables"]:
        target = (doc.path.parent / table["path"]).resolve()
        assert target == (tmp_path / f"{RELEASE}/contracts/{table['name']}.parquet").resolve()
    titles = [q["title"]["en"] for q in config["examples"]]
    assert titles[:2] == [
        "First 10 rows of “Purchase orders”",
        "First 10 rows of “Purchase order lines”",
    ]
    assert config["examples"][0]["sql"] == "SELECT *\nFROM purchase_orders\nLIMIT 10;"
    assert "Orders and total amount by month" in titles
    options = re.findall(r"<option value=\"(\d+)\">", doc.path.read_text("utf-8"))
    assert options == [str(i) for i in range(len(config["examples"]))]
    assert f"downloads {human_size(engine_bytes(), 'en')} the first time" in doc.text


def test_no_query_box_without_parquet(tmp_path):
    def no_parquet(catalog):
        for resource in catalog["datasets"][0]["resources"]:
            resource["files"] = [f for f in resource["files"] if f["format"] != "parquet"]

    doc = page(tmp_path, no_parquet)
    assert not doc.find("section", id="sql")
    assert not [a for a in doc.find("script") if a.get("src")]


def test_example_queries_run_on_the_published_tables():
    """Every example runs in DuckDB (the same SQL the browser runs) on empty tables with
    the published columns of each table (the public schemas), named as in the box."""
    con = duckdb.connect()
    for table in EXAMPLES:
        fields = public_descriptor(table)["fields"]
        columns = ", ".join(f'"{f["name"]}" {SQL_TYPES.get(f["type"], "VARCHAR")}' for f in fields)
        con.execute(f'CREATE TABLE "{table}" ({columns})')
    dataset = {
        "resources": [
            {
                "name": table,
                "title": {"es": table, "en": table},
                "files": [{"format": "parquet", "path": f"x/{table}.parquet"}],
            }
            for table in EXAMPLES
        ]
    }
    examples = example_queries(dataset)
    assert len(examples) == len(EXAMPLES) + sum(len(e) for e in EXAMPLES.values())
    for example in examples:
        con.execute(example["sql"]).fetchall()


SQL_TYPES = {"integer": "BIGINT", "number": "DOUBLE", "date": "DATE", "boolean": "BOOLEAN"}
