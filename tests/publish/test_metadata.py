"""Machine-readable metadata (`publish.metadata`): DCAT-AP, data.json, schema.org, sitemap."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
import rdflib
from rdflib import Literal
from rdflib import namespace as ns
from referencing import Registry, Resource

from datasets.municipalities import MISSING_SITE_URL
from publish.site.metadata import dataset_jsonld, metadata_files
from tests.publish.test_site import Doc, make_catalog, render

POD = Path(__file__).parent / "fixtures" / "pod-v1.1"
SITE = "https://datos.villaejemplo.cl/"


def catalog_with_contact() -> dict:
    catalog = make_catalog()
    catalog["publisher"]["email"] = "transparencia@villaejemplo.cl"
    for dataset in catalog["datasets"]:
        dataset["cadence_code"] = "monthly"
        dataset["keywords"] = {"es": ["transparencia activa"], "en": ["proactive transparency"]}
    return catalog


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("meta")
    catalog = catalog_with_contact()
    render(out, catalog)
    return out, catalog


def test_dcat_turtle_and_jsonld_describe_every_dataset_in_both_languages(site):
    out, catalog = site
    for name, fmt in (("catalog.ttl", "turtle"), ("catalog.jsonld", "json-ld")):
        g = rdflib.Graph().parse(out / name, format=fmt)
        (cat,) = g.subjects(ns.RDF.type, ns.DCAT.Catalog)
        datasets = set(g.objects(cat, ns.DCAT.dataset))
        assert len(datasets) == len(catalog["datasets"]) == 3, name
        for ds in datasets:
            for prop in (ns.DCTERMS.title, ns.DCTERMS.description):
                langs = {o.language for o in g.objects(ds, prop) if isinstance(o, Literal)}
                assert langs == {"es", "en"}, (name, ds, prop)
            (publisher,) = g.objects(ds, ns.DCTERMS.publisher)
            assert str(g.value(publisher, ns.FOAF.name)) == "Municipalidad de Villa Ejemplo"
            assert str(g.value(ds, ns.DCTERMS.license)).startswith("https://creativecommons.org/")
            dists = list(g.objects(ds, ns.DCAT.distribution))
            assert len(dists) >= 3
            for dist in dists:
                url = str(g.value(dist, ns.DCAT.downloadURL))
                assert url.startswith(SITE + "releases/"), url
                media = str(g.value(dist, ns.DCAT.mediaType))
                assert media.startswith("http://www.iana.org/assignments/media-types/")
                assert int(g.value(dist, ns.DCAT.byteSize)) > 0
                assert g.value(dist, ns.DCTERMS.license) is not None
                titles = {o.language for o in g.objects(dist, ns.DCTERMS.title)}
                assert titles == {"es", "en"}


def test_dcat_download_urls_cover_every_published_file(site):
    out, catalog = site
    g = rdflib.Graph().parse(out / "catalog.ttl", format="turtle")
    urls = {str(o) for o in g.objects(None, ns.DCAT.downloadURL)}
    expected = {SITE + d["datapackage"]["path"] for d in catalog["datasets"]}
    for dataset in catalog["datasets"]:
        expected |= {SITE + f["path"] for r in dataset["resources"] for f in r["files"]}
    assert urls == expected


def pod_validator() -> jsonschema.Draft4Validator:
    schemas = {p.name: json.loads(p.read_text("utf-8")) for p in POD.glob("*.json")}
    registry = Registry().with_resources(
        (s["id"].rstrip("#"), Resource.from_contents(s)) for s in schemas.values()
    )
    return jsonschema.Draft4Validator(
        schemas["catalog.json"],
        registry=registry,
        format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER,
    )


def test_data_json_validates_against_project_open_data(site):
    out, catalog = site
    data = json.loads((out / "data.json").read_text("utf-8"))
    validator = pod_validator()
    assert list(validator.iter_errors(data)) == []
    assert [d["title"] for d in data["dataset"]] == [d["title"]["es"] for d in catalog["datasets"]]
    first = data["dataset"][0]
    assert first["contactPoint"]["hasEmail"] == "mailto:transparencia@villaejemplo.cl"
    assert first["accrualPeriodicity"] == "R/P1M"
    assert all(d["downloadURL"].startswith(SITE) for d in first["distribution"])


def test_the_pod_validator_rejects_a_broken_entry(site):
    out, _ = site
    data = json.loads((out / "data.json").read_text("utf-8"))
    del data["dataset"][0]["publisher"]
    data["dataset"][1]["distribution"][0]["mediaType"] = "not a media type"
    errors = list(pod_validator().iter_errors(data))
    assert len(errors) == 2


def test_sitemap_lists_every_page_in_both_languages(site):
    out, catalog = site
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    root = ET.parse(out / "sitemap.xml").getroot()
    locs = [u.findtext("s:loc", namespaces=ns) for u in root.findall("s:url", ns)]
    assert len(locs) == 2 * (1 + len(catalog["datasets"]))
    assert SITE in locs and SITE + "en/datasets/budgets/" in locs
    for loc in locs:
        rel = loc.removeprefix(SITE)
        assert (out / rel / "index.html").exists(), loc
    robots = (out / "robots.txt").read_text("utf-8")
    assert f"Sitemap: {SITE}sitemap.xml" in robots


def test_dataset_pages_carry_schema_org_dataset(site):
    out, catalog = site
    for prefix, lang in (("", "es"), ("en/", "en")):
        text = (out / prefix / "datasets/budgets/index.html").read_text("utf-8")
        start = text.index('<script type="application/ld+json">') + len(
            '<script type="application/ld+json">'
        )
        data = json.loads(text[start : text.index("</script>", start)])
        assert data["@type"] == "Dataset"
        assert data["name"] == catalog["datasets"][0]["title"][lang]
        assert data["url"] == SITE + prefix + "datasets/budgets/"
        assert data["license"] == "https://creativecommons.org/licenses/by/4.0/"
        assert {d["encodingFormat"] for d in data["distribution"]} >= {"text/csv"}


def test_json_ld_cannot_close_its_script_element(tmp_path):
    catalog = catalog_with_contact()
    catalog["datasets"][0]["title"]["es"] = "</script><script>alert(1)</script>"
    render(tmp_path, catalog)
    doc = Doc(tmp_path / "datasets/budgets/index.html")
    scripts = [a for tag, a in doc.elements if tag == "script"]
    assert all(a.get("type") == "application/ld+json" or a.get("src") for a in scripts)
    assert len([a for a in scripts if a.get("type") == "application/ld+json"]) == 1


def test_without_site_url_only_robots_txt():
    catalog = catalog_with_contact()
    del catalog["site_url"]
    assert [name for name, _ in metadata_files(catalog)] == ["robots.txt"]


def test_metadata_is_byte_identical_across_processes():
    code = (
        "import hashlib, sys\n"
        "from publish.site.metadata import metadata_files\n"
        "from tests.publish.test_metadata import catalog_with_contact\n"
        "for name, data in metadata_files(catalog_with_contact()):\n"
        "    print(name, hashlib.sha256(data).hexdigest())\n"
    )
    runs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env=os.environ | {"PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    }
    assert len(runs) == 1


def comuna_page(code: str, name: str, published_on: str | None) -> dict:
    dataset = {
        "slug": "budgets",
        "title": {"es": "Presupuesto", "en": "Budget"},
        "status": "published" if published_on else "missing",
        "published_on": published_on,
        "is_stale": False,
        "max_age_days": 45,
    }
    return {"code": code, "name": name, "datasets": [dataset]}


def test_sitemap_lists_the_comuna_pages_with_their_last_publication(tmp_path):
    catalog = catalog_with_contact()
    catalog["comunas"] = [
        comuna_page("99901", "Villa Ejemplo", "2026-10-31"),
        comuna_page("99902", "Villa Otra", None),
    ]
    render(tmp_path, catalog)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    root = ET.parse(tmp_path / "sitemap.xml").getroot()
    urls = {u.findtext("s:loc", namespaces=ns): u for u in root.findall("s:url", ns)}
    assert len(urls) == 2 * (1 + len(catalog["datasets"]) + 2)
    for loc in urls:
        assert (tmp_path / loc.removeprefix(SITE) / "index.html").exists(), loc
    assert urls[SITE + "comunas/99901/"].findtext("s:lastmod", namespaces=ns) == "2026-10-31"
    assert (
        urls[SITE + "en/comunas/99902/"].findtext("s:lastmod", namespaces=ns)
        == catalog["generated_on"]
    )
    alternates = urls[SITE + "comunas/99901/"].findall("{http://www.w3.org/1999/xhtml}link")
    assert {a.get("hreflang"): a.get("href") for a in alternates} == {
        "es": SITE + "comunas/99901/",
        "en": SITE + "en/comunas/99901/",
    }


def ld_json(page: Path) -> dict:
    text = page.read_text("utf-8")
    marker = '<script type="application/ld+json">'
    start = text.index(marker) + len(marker)
    return json.loads(text[start : text.index("</script>", start)])


def test_schema_org_dataset_has_keywords_identifier_catalog_and_places(site):
    out, catalog = site
    for prefix, lang in (("", "es"), ("en/", "en")):
        data = ld_json(out / prefix / "datasets/budgets/index.html")
        dataset = catalog["datasets"][0]
        assert data["keywords"] == [*dataset["keywords"][lang], "Villa Ejemplo"]
        assert data["identifier"] == SITE + "datasets/budgets/"  # one id in both languages
        assert data["includedInDataCatalog"] == {
            "@type": "DataCatalog",
            "name": catalog["title"][lang],
            "url": SITE + prefix,
        }
        (place,) = data["spatialCoverage"]
        assert place["@type"] == "Place" and place["name"] == "Villa Ejemplo"
        assert place["identifier"] == dataset["municipalities"][0]["code"]
        assert place["containedInPlace"]["name"] == "Chile"


def test_the_home_page_carries_a_schema_org_data_catalog(site):
    out, catalog = site
    for prefix, lang in (("", "es"), ("en/", "en")):
        data = ld_json(out / prefix / "index.html")
        assert data["@type"] == "DataCatalog"
        assert data["@id"] == data["url"] == SITE + prefix
        assert data["name"] == catalog["title"][lang]
        assert [d["url"] for d in data["dataset"]] == [
            SITE + prefix + f"datasets/{d['slug']}/" for d in catalog["datasets"]
        ]
        assert data["spatialCoverage"][0]["name"] == "Villa Ejemplo"


def test_without_site_url_a_warning_is_logged(caplog):
    catalog = catalog_with_contact()
    del catalog["site_url"]
    with caplog.at_level(logging.WARNING, logger="publish.site.metadata"):
        metadata_files(catalog)
    assert MISSING_SITE_URL["en"] in caplog.text and MISSING_SITE_URL["es"] in caplog.text
    data = dataset_jsonld(catalog, catalog["datasets"][0], "en")
    assert data["identifier"] == "budgets" and "url" not in data
