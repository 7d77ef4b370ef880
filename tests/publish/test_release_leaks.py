"""The leak scan reads every kind of file the catalog writes (pages, charts, metadata)."""

from __future__ import annotations

import pytest

from publish.leaks import scan_for_values

SECRET = "Juana Pérez Soto"
CATALOG_FILES = [
    "index.html",
    "data.json",
    "catalog.jsonld",
    "catalog.ttl",
    "sitemap.xml",
    "robots.txt",
    "assets/search.js",
    "datasets/budgets/index.html",
    "datasets/budgets/presupuesto-por-subtitulo.es.svg",
]


@pytest.mark.parametrize("where", CATALOG_FILES)
def test_a_removed_value_in_any_catalog_file_is_found(tmp_path, where):
    for rel in CATALOG_FILES:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(SECRET if rel == where else "nada", encoding="utf-8")
    assert [hit["file"] for hit in scan_for_values(tmp_path, {SECRET})] == [where]
