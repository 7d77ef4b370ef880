"""DCAT-AP 3.0.1 conformance (official SHACL shapes, pyshacl) and a CKAN harvest of it.

The catalog is the demo's (`demo_site`, tests/publish/conftest.py). The shapes are vendored in
`fixtures/dcat-ap-3.0.1/` (see its README).

CKAN: ckanext-dcat's own parser (profile `euro_dcat_ap_3`, CKAN's default licence
register) reads the catalog as a CKAN harvester would. CKAN and ckanext-dcat install
from PyPI and parse without a CKAN server, database or configuration, but CKAN pins
its own web stack, so they live in a venv of their own (`tests/venvs/setup.sh ckan`, from
`tests/venvs/ckan/requirements.lock`), called through `tests/venvs/ckan/parse.py`.
"""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from pathlib import Path

import pytest
import rdflib
from pyshacl import validate
from rdflib import RDF, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, SH

from datasets.descriptor import load_descriptor
from publish.catalog import PUBLISHED

SHAPES = Path(__file__).parent / "fixtures" / "dcat-ap-3.0.1"


def shacl_results(data: rdflib.Graph, *files: str) -> Counter:
    """pyshacl's results as (severity, focus class, path, constraint) → count."""
    shapes = rdflib.Graph()
    for name in files:
        shapes.parse(SHAPES / name, format="turtle")
    _, report, _ = validate(data, shacl_graph=shapes, advanced=True, allow_warnings=True)
    results = Counter()
    for result in report.subjects(RDF.type, SH.ValidationResult):
        focus = report.value(result, SH.focusNode)
        results[
            (
                report.value(result, SH.resultSeverity).fragment,
                ", ".join(sorted(str(c).rsplit("/", 1)[-1] for c in data.objects(focus, RDF.type))),
                str(report.value(result, SH.resultPath)),
                report.value(result, SH.sourceConstraintComponent).fragment,
            )
        ] += 1
    return results


@pytest.mark.parametrize(
    ("name", "fmt"), [("catalog.ttl", "turtle"), ("catalog.jsonld", "json-ld")]
)
def test_the_demo_catalog_has_no_dcat_ap_violation(demo_site, name, fmt):
    data = rdflib.Graph().parse(demo_site / name, format=fmt)
    results = shacl_results(data, "shapes.ttl", "shapes_recommended.ttl", "range.ttl")
    violations = {k: n for k, n in results.items() if k[0] == "Violation"}
    assert violations == {}
    # What stays a warning, and why, is listed in docs/hosting.md ("DCAT-AP").
    print(f"\n{name}: DCAT-AP 3.0.1 warnings (recommended shapes)")
    for key, count in sorted(results.items()):
        print(f"  {count:3} × {' | '.join(key)}")
    assert {k[2] for k in results} <= {str(DCAT.bbox), str(DCAT.centroid)}


def test_the_shapes_catch_what_the_issue_found(demo_site):
    """The vendored shapes are live: literal formats and places are violations."""
    data = rdflib.Graph().parse(demo_site / "catalog.ttl", format="turtle")
    dist = next(data.subjects(RDF.type, DCAT.Distribution))
    data.set((dist, DCTERMS["format"], Literal("CSV")))
    ds = next(data.subjects(RDF.type, DCAT.Dataset))
    data.add((ds, DCTERMS.spatial, Literal("Villa Ejemplo")))
    violations = {k[2] for k in shacl_results(data, "shapes.ttl") if k[0] == "Violation"}
    assert violations == {str(DCTERMS["format"]), str(DCTERMS.spatial)}


def test_formats_themes_places_and_keywords_use_the_vocabularies(demo_site):
    g = rdflib.Graph().parse(demo_site / "catalog.ttl", format="turtle")
    eu = "http://publications.europa.eu/resource/authority/"
    formats = {str(o) for o in g.objects(None, DCTERMS["format"])}
    assert formats == {eu + f"file-type/{t}" for t in ("CSV", "PARQUET", "JSON", "XLSX")}
    media = {str(o) for o in g.objects(None, DCAT.mediaType)}
    assert "http://www.iana.org/assignments/media-types/application/vnd.apache.parquet" in media
    (cat,) = g.subjects(RDF.type, DCAT.Catalog)
    assert g.value(cat, DCAT.themeTaxonomy) == URIRef(eu + "data-theme")
    assert g.value(cat, DCTERMS.issued) is not None
    assert g.value(cat, DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
    for slug in PUBLISHED:
        ds = URIRef(f"https://datos.villaejemplo.example/datasets/{slug}/#dataset")
        descriptor = load_descriptor(slug)
        assert {str(t).rsplit("/", 1)[-1] for t in g.objects(ds, DCAT.theme)} == set(
            descriptor.themes
        )
        keywords = {(str(k), k.language) for k in g.objects(ds, DCAT.keyword)}
        for lang in ("es", "en"):
            assert {(k, lang) for k in getattr(descriptor.keywords, lang)} <= keywords
        assert ("Villa Ejemplo", None) in keywords
        (place,) = g.objects(ds, DCTERMS.spatial)
        assert (place, RDF.type, DCTERMS.Location) in g
        assert str(g.value(place, DCTERMS.identifier)) == "99901"
        assert str(g.value(place, rdflib.SKOS.prefLabel)) == "Villa Ejemplo"
        assert g.value(place, DCTERMS.isPartOf) == URIRef(eu + "country/CHL")
        for dist in g.objects(ds, DCAT.distribution):
            descriptions = {d.language for d in g.objects(dist, DCTERMS.description)}
            assert descriptions == {"es", "en"}
            assert g.value(dist, URIRef("http://data.europa.eu/r5r/availability")) == URIRef(
                eu + "planned-availability/STABLE"
            )


# --- CKAN (ckanext-dcat's euro_dcat_ap_3 parser) ------------------------------

VENVS = Path(__file__).resolve().parents[1] / "venvs"
CKAN = VENVS / "ckan"


@pytest.fixture(scope="module")
def ckan_parse():
    """`parse(path, rdf_format, default_lang)` → CKAN's package dicts for the file."""
    subprocess.run(["bash", str(VENVS / "setup.sh"), "ckan"], check=True)

    def parse(path: Path, rdf_format: str, default_lang: str) -> list[dict]:
        out = subprocess.run(
            [str(CKAN / ".venv/bin/python"), str(CKAN / "parse.py"), str(path), rdf_format]
            + [default_lang],
            capture_output=True,
            text=True,
        )
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)

    return parse


@pytest.mark.parametrize("default_lang", ["es", "en"])
@pytest.mark.parametrize(
    ("name", "fmt"), [("catalog.ttl", "turtle"), ("catalog.jsonld", "json-ld")]
)
def test_a_default_ckan_recognises_the_licence_tags_and_descriptions(
    demo_site, ckan_parse, name, fmt, default_lang
):
    packages = ckan_parse(demo_site / name, fmt, default_lang)
    by_title = {load_descriptor(s).title.model_dump()[default_lang]: s for s in PUBLISHED}
    assert sorted(p["title"] for p in packages) == sorted(by_title)
    for package in packages:
        keywords = load_descriptor(by_title[package["title"]]).keywords
        assert package["license_id"] == "cc-by", package["title"]
        assert set(package["tags"]) == {*keywords.es, *keywords.en, "Villa Ejemplo"}
        assert len(package["resources"]) >= 3
        for resource in package["resources"]:
            assert resource["description"], resource
            assert resource["url"].startswith("https://datos.villaejemplo.example/releases/")
            assert resource["license"] == "Creative Commons Attribution 4.0"


def test_without_the_register_title_ckan_finds_no_licence(demo_site, ckan_parse, tmp_path):
    """What the issue saw: CC BY 4.0's own IRI and title match nothing in CKAN."""
    g = rdflib.Graph().parse(demo_site / "catalog.ttl", format="turtle")
    licence = URIRef("https://creativecommons.org/licenses/by/4.0/")
    g.set((licence, DCTERMS.title, Literal("Creative Commons Attribution 4.0")))
    g.serialize(tmp_path / "catalog.ttl", format="turtle")
    packages = ckan_parse(tmp_path / "catalog.ttl", "turtle", "es")
    assert {p["license_id"] for p in packages} == {""}
