"""Dataset page sections: freshness, citation, whole-dataset downloads, changelog, R, Markdown."""

from __future__ import annotations

import datetime as dt

import pytest

from publish.freshness import next_update_due
from publish.site import markdown, query_snippets
from tests.publish.test_site import Doc, make_catalog, render


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
