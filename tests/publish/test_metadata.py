"""Machine-readable metadata (`publish.metadata`): DCAT-AP, data.json, schema.org, sitemap."""

from __future__ import annotations

import json
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

from publish.site.metadata import metadata_files
from tests.publish.test_site import Doc, make_catalog, render

POD = Path(__file__).parent / "fixtures" / "pod-v1.1"
SITE = "https://datos.villaejemplo.cl/"


def catalog_with_contact() -> dict:
    catalog = make_catalog()
    catalog["publisher"]["email"] = "transparencia@villaejemplo.cl"
    for dataset in catalog["datasets"]:
        dataset["cadence_code"] = "monthly"
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
