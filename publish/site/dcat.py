"""The catalog as DCAT-AP 3.0.1, for EU portals and CKAN's DCAT harvester.

Written to pass the official SHACL shapes of DCAT-AP 3.0.1 (core and recommended;
vendored with the tests) with no violation: every controlled value is an IRI of
the EU vocabularies (file type, frequency, language, data theme, planned
availability, country) or of IANA (media types), each typed and labelled so that
the class-range shapes hold too; the comunas are ``dct:Location`` nodes with their
CUT code as identifier.

CKAN (ckanext-dcat, profile ``euro_dcat_ap_3``) takes a dataset's ``license_id``
from the first distribution's ``dct:license``: its IRI compared with the ``url``
of each licence in CKAN's register, else its ``dct:title`` compared with the
register's ``title``. CKAN's default register has ``cc-by`` at
``http://www.opendefinition.org/licenses/cc-by``, titled "Creative Commons
Attribution", so the licence node keeps the licence's own IRI (CC BY 4.0) and
carries the register's title (:data:`CKAN_LICENCES`) as its only ``dct:title``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, NamedTuple

from rdflib import RDF, RDFS, SKOS, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL

from publish.site.links import (
    absolute,
    distributions,
    format_label,
    licence_url,
    page_path,
    temporal,
)
from publish.site.words import LANGS, STRINGS

SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
EU = "http://publications.europa.eu/resource/authority/"
IANA = "http://www.iana.org/assignments/media-types/"
ADMS_PUBLISHER_TYPE = "http://purl.org/adms/publishertype/"
ADMS_LICENCE_TYPE = "http://purl.org/adms/licencetype/"

LANGUAGES = {"es": "SPA", "en": "ENG"}  # EU language authority codes
FREQUENCIES = {"monthly": "MONTHLY", "quarterly": "QUARTERLY", "yearly": "ANNUAL"}
FILE_TYPES = {  # our file format → EU file-type authority code (none for DuckDB)
    "csv": "CSV",
    "parquet": "PARQUET",
    "datapackage": "JSON",
    "json": "JSON",
    "xlsx": "XLSX",
}
THEMES = {  # EU data-theme authority: code → (es, en) label
    "AGRI": (
        "Agricultura, pesca, silvicultura y alimentación",
        "Agriculture, fisheries, forestry and food",
    ),
    "ECON": ("Economía y finanzas", "Economy and finance"),
    "EDUC": ("Educación, cultura y deporte", "Education, culture and sport"),
    "ENER": ("Energía", "Energy"),
    "ENVI": ("Medio ambiente", "Environment"),
    "GOVE": ("Gobierno y sector público", "Government and public sector"),
    "HEAL": ("Salud", "Health"),
    "INTR": ("Asuntos internacionales", "International issues"),
    "JUST": (
        "Justicia, sistema judicial y seguridad pública",
        "Justice, legal system and public safety",
    ),
    "OP_DATPRO": ("Datos provisionales", "Provisional data"),
    "REGI": ("Regiones y ciudades", "Regions and cities"),
    "SOCI": ("Población y sociedad", "Population and society"),
    "TECH": ("Ciencia y tecnología", "Science and technology"),
    "TRAN": ("Transporte", "Transport"),
}
THEME_SCHEME = URIRef(EU + "data-theme")
COUNTRY = URIRef(EU + "country/CHL")
STABLE = URIRef(EU + "planned-availability/STABLE")  # release files never change


class CkanLicence(NamedTuple):
    """A licence as CKAN's default register names it, and its ADMS licence types."""

    id: str
    title: str
    url: str
    types: tuple[str, ...]


# SPDX id (the descriptor's `licence.name`) → CKAN's default licence register
# (ckan/model/license.py: the url and title ckanext-dcat matches on).
CKAN_LICENCES = {
    "CC-BY-4.0": CkanLicence(
        "cc-by",
        "Creative Commons Attribution",
        "http://www.opendefinition.org/licenses/cc-by",
        ("Attribution",),
    ),
    "CC-BY-SA-4.0": CkanLicence(
        "cc-by-sa",
        "Creative Commons Attribution Share-Alike",
        "http://www.opendefinition.org/licenses/cc-by-sa",
        ("Attribution", "ShareAlike"),
    ),
    "CC0-1.0": CkanLicence(
        "cc-zero",
        "Creative Commons CCZero",
        "http://www.opendefinition.org/licenses/cc-zero",
        ("PublicDomain",),
    ),
    "ODbL-1.0": CkanLicence(
        "odc-odbl",
        "Open Data Commons Open Database License (ODbL)",
        "http://www.opendefinition.org/licenses/odc-odbl",
        ("Attribution", "ShareAlike"),
    ),
    "ODC-By-1.0": CkanLicence(
        "odc-by",
        "Open Data Commons Attribution License",
        "http://www.opendefinition.org/licenses/odc-by",
        ("Attribution",),
    ),
    "PDDL-1.0": CkanLicence(
        "odc-pddl",
        "Open Data Commons Public Domain Dedication and Licence (PDDL)",
        "http://www.opendefinition.org/licenses/odc-pddl",
        ("PublicDomain",),
    ),
}


def dcat_graph(catalog: Mapping[str, Any]) -> Graph:
    """The catalog as a DCAT-AP 3.0.1 graph (needs ``site_url``): bilingual titles,
    descriptions and keywords; per file a distribution with download URL, file type,
    media type, size, checksum, licence, description and availability."""

    site_url = catalog["site_url"]
    g = Graph()
    for prefix, ns in (
        ("dcat", DCAT),
        ("dct", DCTERMS),
        ("dcatap", DCATAP),
        ("foaf", FOAF),
        ("vcard", VCARD),
        ("spdx", SPDX),
        ("skos", SKOS),
        ("owl", OWL),
    ):
        g.bind(prefix, ns)
    cat = URIRef(absolute(site_url, "catalog.ttl#catalog"))
    publisher = _publisher(g, catalog)
    g.add((cat, RDF.type, DCAT.Catalog))
    _bilingual(g, cat, catalog)
    g.add((cat, DCTERMS.publisher, publisher))
    g.add((cat, FOAF.homepage, _document(g, absolute(site_url, ""))))
    g.add((cat, DCTERMS.issued, _date(_first_release(catalog))))
    g.add((cat, DCTERMS.modified, _date(catalog["generated_on"])))
    for lang in LANGS:
        g.add((cat, DCTERMS.language, _language(g, lang)))
    g.add((cat, DCAT.themeTaxonomy, THEME_SCHEME))
    g.add((THEME_SCHEME, RDF.type, SKOS.ConceptScheme))
    g.add((THEME_SCHEME, DCTERMS.title, Literal("Data theme", lang="en")))
    licences = [d["licence"] for d in catalog["datasets"]]  # the first one for the catalog
    licence = _licence(g, site_url, licences[0]) if licences else None
    if licence:
        g.add((cat, DCTERMS.license, licence))
    g.add((cat, DCTERMS.spatial, _country(g)))
    for dataset in catalog["datasets"]:
        for municipality in dataset["municipalities"]:
            g.add((cat, DCTERMS.spatial, _location(g, site_url, municipality)))
        g.add((cat, DCAT.dataset, _dataset(g, catalog, dataset, publisher)))
    return g


def _bilingual(g: Graph, node: URIRef, item: Mapping[str, Any]) -> None:
    for lang in LANGS:
        g.add((node, DCTERMS.title, Literal(item["title"][lang], lang=lang)))
        g.add((node, DCTERMS.description, Literal(item["description"][lang], lang=lang)))


def _date(iso: str) -> Literal:
    return Literal(iso, datatype=XSD.date)


def _first_release(catalog: Mapping[str, Any]) -> str:
    """The earliest release date the context knows (its changelogs), else today's."""
    dates = [e["date"] for d in catalog["datasets"] for e in d.get("changelog") or []]
    return min([*dates, catalog["generated_on"]])


def _concept(g: Graph, iri: str, kind: URIRef, label: str) -> URIRef:
    node = URIRef(iri)
    g.add((node, RDF.type, kind))
    g.add((node, SKOS.prefLabel, Literal(label, lang="en")))
    return node


def _document(g: Graph, url: str) -> URIRef:
    node = URIRef(url)
    g.add((node, RDF.type, FOAF.Document))
    return node


def _language(g: Graph, lang: str) -> URIRef:
    return _concept(g, EU + "language/" + LANGUAGES[lang], DCTERMS.LinguisticSystem, lang)


def _country(g: Graph) -> URIRef:
    g.add((COUNTRY, RDF.type, DCTERMS.Location))
    g.add((COUNTRY, SKOS.prefLabel, Literal("Chile", lang="es")))
    return COUNTRY


def _location(g: Graph, site_url: str, municipality: Mapping[str, str]) -> URIRef:
    """A comuna as a ``dct:Location``: its name, its CUT code, in Chile."""

    node = URIRef(absolute(site_url, f"comunas/{municipality['code']}/") + "#place")
    if (node, RDF.type, DCTERMS.Location) in g:  # described for an earlier dataset
        return node
    g.add((node, RDF.type, DCTERMS.Location))
    g.add((node, SKOS.prefLabel, Literal(municipality["name"], lang="es")))
    g.add((node, DCTERMS.identifier, Literal(municipality["code"])))
    g.add((node, DCTERMS.isPartOf, _country(g)))
    return node


def _publisher(g: Graph, catalog: Mapping[str, Any]) -> URIRef:

    info = catalog["publisher"]
    node = URIRef(info.get("url") or absolute(catalog["site_url"], "#publisher"))
    g.add((node, RDF.type, FOAF.Agent))  # the class DCAT-AP's range shapes ask for
    g.add((node, RDF.type, FOAF.Organization))
    g.add((node, FOAF.name, Literal(info["name"])))
    kind = _concept(g, ADMS_PUBLISHER_TYPE + "LocalAuthority", SKOS.Concept, "Local Authority")
    g.add((node, DCTERMS.type, kind))
    if info.get("url"):
        g.add((node, FOAF.homepage, _document(g, info["url"])))
    return node


def _licence(g: Graph, site_url: str, licence: Mapping[str, Any]) -> URIRef | None:
    """The licence document, titled as CKAN's register titles it when it is there."""

    url = licence_url(site_url, licence)
    if not url:
        return None
    node = URIRef(url)
    ckan = CKAN_LICENCES.get(licence["name"])
    g.add((node, RDF.type, DCTERMS.LicenseDocument))
    g.add((node, DCTERMS.identifier, Literal(licence["name"])))
    g.add((node, DCTERMS.title, Literal(ckan.title if ckan else licence["title"])))
    g.add((node, RDFS.label, Literal(licence["title"])))
    if ckan:
        g.add((node, RDFS.seeAlso, URIRef(ckan.url)))
        for kind in ckan.types:
            g.add((node, DCTERMS.type, _concept(g, ADMS_LICENCE_TYPE + kind, SKOS.Concept, kind)))
    return node


def _dataset(
    g: Graph, catalog: Mapping[str, Any], dataset: Mapping[str, Any], publisher: URIRef
) -> URIRef:

    site_url = catalog["site_url"]
    landing = absolute(site_url, page_path(dataset["slug"], LANGS[0]))
    ds = URIRef(landing + "#dataset")
    g.add((ds, RDF.type, DCAT.Dataset))
    _bilingual(g, ds, dataset)
    g.add((ds, DCTERMS.identifier, Literal(landing)))
    g.add((ds, DCAT.landingPage, _document(g, landing)))
    g.add((ds, DCTERMS.publisher, publisher))
    g.add((ds, DCTERMS.modified, _date(dataset["last_updated"])))
    g.add((ds, OWL.versionInfo, Literal(dataset.get("release_id", catalog["release_id"]))))
    for code in dataset.get("themes") or ["GOVE"]:
        theme = _concept(g, EU + "data-theme/" + code, SKOS.Concept, THEMES[code][1])
        g.add((theme, SKOS.prefLabel, Literal(THEMES[code][0], lang="es")))
        g.add((theme, SKOS.inScheme, THEME_SCHEME))
        g.add((ds, DCAT.theme, theme))
    for lang in LANGS:
        g.add((ds, DCTERMS.language, _language(g, lang)))
        for keyword in (dataset.get("keywords") or {}).get(lang, []):
            g.add((ds, DCAT.keyword, Literal(keyword, lang=lang)))
    for municipality in dataset["municipalities"]:
        g.add((ds, DCAT.keyword, Literal(municipality["name"])))
        g.add((ds, DCTERMS.spatial, _location(g, site_url, municipality)))
    cadence = dataset.get("cadence_code")
    if cadence in FREQUENCIES:
        frequency = EU + "frequency/" + FREQUENCIES[cadence]
        g.add((ds, DCTERMS.accrualPeriodicity, URIRef(frequency)))
        g.add((URIRef(frequency), RDF.type, DCTERMS.Frequency))
    period = temporal(dataset["years"])
    if period:
        node = URIRef(landing + "#temporal")
        g.add((ds, DCTERMS.temporal, node))
        g.add((node, RDF.type, DCTERMS.PeriodOfTime))
        g.add((node, DCAT.startDate, _date(period[0])))
        g.add((node, DCAT.endDate, _date(period[1])))
    email = catalog["publisher"].get("email")
    if email:
        contact = URIRef(landing + "#contact")
        g.add((ds, DCAT.contactPoint, contact))
        g.add((contact, RDF.type, VCARD.Kind))
        g.add((contact, RDF.type, VCARD.Organization))
        g.add((contact, VCARD.fn, Literal(catalog["publisher"]["name"])))
        g.add((contact, VCARD.hasEmail, URIRef(f"mailto:{email}")))
    licence = _licence(g, site_url, dataset["licence"])
    if licence:
        g.add((ds, DCTERMS.license, licence))
    for item in distributions(dataset):
        dist = URIRef(landing + "#dist-" + item["key"])
        g.add((ds, DCAT.distribution, dist))
        _distribution(g, site_url, dist, item, landing, licence)
    return ds


def _distribution(
    g: Graph, site_url: str, dist: URIRef, item: Mapping[str, Any], landing: str, licence
) -> None:

    g.add((dist, RDF.type, DCAT.Distribution))
    label = format_label(item["format"])
    for lang in LANGS:
        g.add((dist, DCTERMS.title, Literal(f"{item['title'][lang]} ({label})", lang=lang)))
        text = distribution_description(item, lang)
        g.add((dist, DCTERMS.description, Literal(text, lang=lang)))
    g.add((dist, DCAT.accessURL, URIRef(landing)))
    g.add((dist, DCAT.downloadURL, URIRef(absolute(site_url, item["path"]))))
    media = URIRef(IANA + item["mediatype"])
    g.add((dist, DCAT.mediaType, media))
    g.add((media, RDF.type, DCTERMS.MediaType))
    if item["format"] in FILE_TYPES:
        file_type = URIRef(EU + "file-type/" + FILE_TYPES[item["format"]])
        g.add((dist, DCTERMS["format"], file_type))
        g.add((file_type, RDF.type, DCTERMS.MediaTypeOrExtent))
    g.add((dist, DCATAP.availability, STABLE))
    g.add((STABLE, RDF.type, SKOS.Concept))
    g.add((STABLE, SKOS.prefLabel, Literal("stable", lang="en")))
    g.add((dist, DCAT.byteSize, Literal(item["bytes"], datatype=XSD.nonNegativeInteger)))
    if licence:
        g.add((dist, DCTERMS.license, licence))
    algorithm, _, value = str(item.get("hash") or "").rpartition(":")
    if value and algorithm in ("", "sha256"):
        checksum = URIRef(f"{dist}-checksum")
        g.add((dist, SPDX.checksum, checksum))
        g.add((checksum, RDF.type, SPDX.Checksum))
        g.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        g.add((checksum, SPDX.checksumValue, Literal(value, datatype=XSD.hexBinary)))


def distribution_description(item: Mapping[str, Any], lang: str) -> str:
    """What one file holds, in one language: the table's grain, then what the format is for."""
    grain = (item.get("grain") or {}).get(lang, "")
    note = STRINGS[lang].get(f"dl_{item['format']}", "")
    parts = [grain.strip(), note[:1].upper() + note[1:] + "." if note else ""]
    return " ".join(p for p in parts if p) or f"{item['title'][lang]}."


def sorted_jsonld(text: str) -> str:
    """rdflib's JSON-LD in a fixed order (its own follows the store's hash order)."""

    def order(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: order(v) for k, v in sorted(value.items())}
        if isinstance(value, list):
            return sorted((order(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
        return value

    return json.dumps(order(json.loads(text)), ensure_ascii=False, indent=1) + "\n"
