"""Machine-readable metadata of the catalog, for portals and search engines.

From the same context the site renders (see :mod:`publish.site`):

    catalog.jsonld, catalog.ttl    DCAT-AP catalog (rdflib), read by CKAN's DCAT harvester
    data.json                      Project Open Data v1.1 catalog
    sitemap.xml                    every page in both languages, with hreflang alternates
    robots.txt                     allows everything, points to the sitemap

plus the schema.org ``Dataset`` JSON-LD embedded in each dataset page (Google
Dataset Search). Links in metadata must be absolute, so everything but
``robots.txt`` needs the catalog's ``site_url``; without it they are not written.
Every node gets an IRI (no blank nodes) and the JSON outputs are sorted, so the
same context gives the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import quote
from xml.sax.saxutils import escape, quoteattr

from markupsafe import Markup
from rdflib import RDF, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL

from publish.site.words import FORMATS, LANGS

SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
IANA = "http://www.iana.org/assignments/media-types/"
EU_LANG = "http://publications.europa.eu/resource/authority/language/"
EU_FREQ = "http://publications.europa.eu/resource/authority/frequency/"
LANG_CODES = {"es": "SPA", "en": "ENG"}
FREQUENCIES = {
    "monthly": ("MONTHLY", "R/P1M"),
    "quarterly": ("QUARTERLY", "R/P3M"),
    "yearly": ("ANNUAL", "R/P1Y"),
}
POD_CONTEXT = "https://project-open-data.cio.gov/v1.1/schema/catalog.jsonld"
POD_SCHEMA = "https://project-open-data.cio.gov/v1.1/schema"


# --- addresses --------------------------------------------------------------


def absolute(site_url: str, path: str) -> str:
    """The public URL of a site path (``path`` relative to the site root)."""
    if path.startswith(("http://", "https://")):
        return path
    return site_url.rstrip("/") + "/" + quote(path, safe="/#")


def page_path(slug: str | None, lang: str) -> str:
    """Site path of the index (``slug`` None) or a dataset page, with a trailing slash."""
    prefix = "" if lang == LANGS[0] else f"{lang}/"
    return prefix + (f"datasets/{slug}/" if slug else "")


def distributions(dataset: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """Every downloadable file of a dataset: per table, then the dataset's own files."""
    for resource in dataset["resources"]:
        for file in resource["files"]:
            yield {
                "title": resource["title"],
                "key": f"{resource['name']}-{file['format']}",
                **file,
            }
    yield {
        "title": dataset["title"],
        "key": "datapackage",
        "format": "datapackage",
        "mediatype": "application/json",
        **dataset["datapackage"],
    }
    for file in dataset.get("files", []):
        yield {"title": dataset["title"], "key": f"dataset-{file['format']}", **file}


def format_label(file_format: str) -> str:
    return FORMATS.get(file_format, file_format.upper())


def temporal(years: list[int]) -> tuple[str, str] | None:
    return (f"{min(years)}-01-01", f"{max(years)}-12-31") if years else None


def licence_url(site_url: str, licence: Mapping[str, Any]) -> str | None:
    path = licence.get("path")
    return absolute(site_url, path) if path else None


# --- schema.org -------------------------------------------------------------


def dataset_jsonld(catalog: Mapping[str, Any], dataset: Mapping[str, Any], lang: str) -> dict:
    """schema.org ``Dataset`` for one dataset page (absolute URLs need ``site_url``)."""
    site_url = catalog.get("site_url") or ""
    url = absolute(site_url, page_path(dataset["slug"], lang)) if site_url else None
    publisher = {"@type": "GovernmentOrganization", "name": catalog["publisher"]["name"]}
    if catalog["publisher"].get("url"):
        publisher["url"] = catalog["publisher"]["url"]
    data: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "name": dataset["title"][lang],
        "description": dataset["description"][lang],
        "inLanguage": lang,
        "isAccessibleForFree": True,
        "creator": publisher,
        "publisher": publisher,
        "dateModified": dataset["last_updated"],
        "version": dataset.get("release_id", catalog["release_id"]),
        "spatialCoverage": [m["name"] for m in dataset["municipalities"]],
        "variableMeasured": sorted(
            {field["name"] for res in dataset["resources"] for field in res["fields"]}
        ),
    }
    if url:
        data["url"] = data["@id"] = url
    licence = licence_url(site_url, dataset["licence"]) if site_url else None
    if licence:
        data["license"] = licence
    period = temporal(dataset["years"])
    if period:
        data["temporalCoverage"] = f"{period[0]}/{period[1]}"
    if site_url:
        data["distribution"] = [
            {
                "@type": "DataDownload",
                "name": f"{d['title'][lang]} ({format_label(d['format'])})",
                "encodingFormat": d["mediatype"],
                "contentUrl": absolute(site_url, d["path"]),
                "contentSize": f"{d['bytes']} B",
            }
            for d in distributions(dataset)
        ]
    return data


def json_script(data: Any) -> Markup:
    """JSON for a ``<script type="application/…json">`` data block: ``<``, ``>``, ``&``
    escaped so no text from the context can close the element."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)  # noqa: S704 - escaped above


# --- DCAT-AP ----------------------------------------------------------------


def dcat_graph(catalog: Mapping[str, Any]) -> Graph:
    """The catalog as a DCAT-AP graph: bilingual titles and descriptions, one
    distribution per file with download URL, IANA media type, size, checksum, licence."""
    site_url = catalog["site_url"]
    g = Graph()
    for prefix, ns in (("dcat", DCAT), ("dct", DCTERMS), ("foaf", FOAF), ("vcard", VCARD)):
        g.bind(prefix, ns)
    g.bind("spdx", SPDX)
    g.bind("owl", OWL)
    root = URIRef(absolute(site_url, ""))
    cat = URIRef(absolute(site_url, "catalog.ttl#catalog"))
    publisher = URIRef(catalog["publisher"].get("url") or absolute(site_url, "#publisher"))
    g.add((publisher, RDF.type, FOAF.Organization))
    g.add((publisher, FOAF.name, Literal(catalog["publisher"]["name"])))
    if catalog["publisher"].get("url"):
        g.add((publisher, FOAF.homepage, URIRef(catalog["publisher"]["url"])))
    g.add((cat, RDF.type, DCAT.Catalog))
    _bilingual(g, cat, catalog)
    g.add((cat, DCTERMS.publisher, publisher))
    g.add((cat, FOAF.homepage, root))
    g.add((cat, DCTERMS.modified, Literal(catalog["generated_on"], datatype=XSD.date)))
    for lang in LANGS:
        g.add((cat, DCTERMS.language, URIRef(EU_LANG + LANG_CODES[lang])))
    for dataset in catalog["datasets"]:
        g.add((cat, DCAT.dataset, _dcat_dataset(g, catalog, dataset, publisher)))
    return g


def _bilingual(g: Graph, node: URIRef, item: Mapping[str, Any]) -> None:
    for lang in LANGS:
        g.add((node, DCTERMS.title, Literal(item["title"][lang], lang=lang)))
        g.add((node, DCTERMS.description, Literal(item["description"][lang], lang=lang)))


def _dcat_dataset(
    g: Graph, catalog: Mapping[str, Any], dataset: Mapping[str, Any], publisher: URIRef
) -> URIRef:
    site_url = catalog["site_url"]
    landing = absolute(site_url, page_path(dataset["slug"], LANGS[0]))
    ds = URIRef(landing + "#dataset")
    g.add((ds, RDF.type, DCAT.Dataset))
    _bilingual(g, ds, dataset)
    g.add((ds, DCTERMS.identifier, Literal(landing)))
    g.add((ds, DCAT.landingPage, URIRef(landing)))
    g.add((ds, DCTERMS.publisher, publisher))
    g.add((ds, DCTERMS.modified, Literal(dataset["last_updated"], datatype=XSD.date)))
    g.add((ds, OWL.versionInfo, Literal(dataset.get("release_id", catalog["release_id"]))))
    for lang in LANGS:
        g.add((ds, DCTERMS.language, URIRef(EU_LANG + LANG_CODES[lang])))
    for municipality in dataset["municipalities"]:
        g.add((ds, DCAT.keyword, Literal(municipality["name"])))
        g.add((ds, DCTERMS.spatial, Literal(municipality["name"])))
    cadence = dataset.get("cadence_code")
    if cadence in FREQUENCIES:
        g.add((ds, DCTERMS.accrualPeriodicity, URIRef(EU_FREQ + FREQUENCIES[cadence][0])))
    period = temporal(dataset["years"])
    if period:
        node = URIRef(landing + "#temporal")
        g.add((ds, DCTERMS.temporal, node))
        g.add((node, RDF.type, DCTERMS.PeriodOfTime))
        g.add((node, DCAT.startDate, Literal(period[0], datatype=XSD.date)))
        g.add((node, DCAT.endDate, Literal(period[1], datatype=XSD.date)))
    email = catalog["publisher"].get("email")
    if email:
        contact = URIRef(landing + "#contact")
        g.add((ds, DCAT.contactPoint, contact))
        g.add((contact, RDF.type, VCARD.Organization))
        g.add((contact, VCARD.fn, Literal(catalog["publisher"]["name"])))
        g.add((contact, VCARD.hasEmail, URIRef(f"mailto:{email}")))
    licence = licence_url(site_url, dataset["licence"])
    if licence:
        g.add((ds, DCTERMS.license, URIRef(licence)))
        g.add((URIRef(licence), RDF.type, DCTERMS.LicenseDocument))
        g.add((URIRef(licence), DCTERMS.title, Literal(dataset["licence"]["title"])))
    for item in distributions(dataset):
        dist = URIRef(landing + "#dist-" + item["key"])
        g.add((ds, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        label = format_label(item["format"])
        for lang in LANGS:
            g.add((dist, DCTERMS.title, Literal(f"{item['title'][lang]} ({label})", lang=lang)))
        g.add((dist, DCAT.accessURL, URIRef(landing)))
        g.add((dist, DCAT.downloadURL, URIRef(absolute(site_url, item["path"]))))
        g.add((dist, DCAT.mediaType, URIRef(IANA + item["mediatype"])))
        g.add((dist, DCTERMS["format"], Literal(label)))
        g.add((dist, DCAT.byteSize, Literal(item["bytes"], datatype=XSD.nonNegativeInteger)))
        if licence:
            g.add((dist, DCTERMS.license, URIRef(licence)))
        algorithm, _, value = str(item.get("hash") or "").rpartition(":")
        if value and algorithm in ("", "sha256"):
            checksum = URIRef(f"{dist}-checksum")
            g.add((dist, SPDX.checksum, checksum))
            g.add((checksum, RDF.type, SPDX.Checksum))
            g.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
            g.add((checksum, SPDX.checksumValue, Literal(value, datatype=XSD.hexBinary)))
    return ds


def _sorted_jsonld(text: str) -> str:
    """rdflib's JSON-LD in a fixed order (its own follows the store's hash order)."""

    def order(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: order(v) for k, v in sorted(value.items())}
        if isinstance(value, list):
            return sorted((order(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
        return value

    return json.dumps(order(json.loads(text)), ensure_ascii=False, indent=1) + "\n"


# --- Project Open Data ------------------------------------------------------


def data_json(catalog: Mapping[str, Any]) -> dict:
    """The catalog as a Project Open Data v1.1 ``data.json`` (Spanish texts)."""
    site_url = catalog["site_url"]
    lang = LANGS[0]
    publisher = {"@type": "org:Organization", "name": catalog["publisher"]["name"]}
    contact = {"@type": "vcard:Contact", "fn": catalog["publisher"]["name"]}
    if catalog["publisher"].get("email"):
        contact["hasEmail"] = "mailto:" + catalog["publisher"]["email"]
    datasets = []
    for dataset in catalog["datasets"]:
        landing = absolute(site_url, page_path(dataset["slug"], lang))
        entry: dict[str, Any] = {
            "@type": "dcat:Dataset",
            "identifier": landing,
            "title": dataset["title"][lang],
            "description": dataset["description"][lang],
            "keyword": [m["name"] for m in dataset["municipalities"]] + [dataset["slug"]],
            "modified": dataset["last_updated"],
            "publisher": publisher,
            "contactPoint": contact,
            "accessLevel": "public",
            "language": list(LANGS),
            "landingPage": landing,
            "describedBy": absolute(site_url, dataset["datapackage"]["path"]),
            "describedByType": "application/json",
            "spatial": ", ".join(m["name"] for m in dataset["municipalities"]) or None,
            "distribution": [
                {
                    "@type": "dcat:Distribution",
                    "title": f"{d['title'][lang]} ({format_label(d['format'])})",
                    "downloadURL": absolute(site_url, d["path"]),
                    "mediaType": d["mediatype"],
                    "format": format_label(d["format"]),
                }
                for d in distributions(dataset)
            ],
        }
        licence = licence_url(site_url, dataset["licence"])
        if licence:
            entry["license"] = licence
        cadence = dataset.get("cadence_code")
        if cadence in FREQUENCIES:
            entry["accrualPeriodicity"] = FREQUENCIES[cadence][1]
        period = temporal(dataset["years"])
        if period:
            entry["temporal"] = f"{period[0]}/{period[1]}"
        datasets.append({k: v for k, v in entry.items() if v is not None})
    return {
        "@context": POD_CONTEXT,
        "@id": absolute(site_url, "data.json"),
        "@type": "dcat:Catalog",
        "conformsTo": POD_SCHEMA,
        "describedBy": POD_SCHEMA + "/catalog.json",
        "dataset": datasets,
    }


# --- sitemap and robots -----------------------------------------------------


def sitemap(catalog: Mapping[str, Any]) -> str:
    """``sitemap.xml``: index and dataset pages in every language, linked as alternates."""
    site_url = catalog["site_url"]
    pages = [(None, catalog["generated_on"])]
    pages += [(d["slug"], d["last_updated"]) for d in catalog["datasets"]]
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
        ' xmlns:xhtml="http://www.w3.org/1999/xhtml">',
    ]
    for slug, modified in pages:
        for lang in LANGS:
            lines.append("<url>")
            lines.append(f"<loc>{escape(absolute(site_url, page_path(slug, lang)))}</loc>")
            lines.append(f"<lastmod>{escape(modified)}</lastmod>")
            for alt in LANGS:
                href = quoteattr(absolute(site_url, page_path(slug, alt)))
                lines.append(f'<xhtml:link rel="alternate" hreflang="{alt}" href={href}/>')
            lines.append("</url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


def robots(catalog: Mapping[str, Any]) -> str:
    text = "User-agent: *\nAllow: /\n"
    if catalog.get("site_url"):
        text += f"Sitemap: {absolute(catalog['site_url'], 'sitemap.xml')}\n"
    return text


def metadata_files(catalog: Mapping[str, Any]) -> list[tuple[str, bytes]]:
    """``[(site path, bytes)]`` of the catalog-wide metadata files (see the module doc)."""
    files = [("robots.txt", robots(catalog).encode())]
    if not catalog.get("site_url"):
        return files
    graph = dcat_graph(catalog)
    files += [
        ("catalog.jsonld", _sorted_jsonld(graph.serialize(format="json-ld")).encode()),
        ("catalog.ttl", graph.serialize(format="longturtle").encode()),
        (
            "data.json",
            (json.dumps(data_json(catalog), ensure_ascii=False, indent=1) + "\n").encode(),
        ),
        ("sitemap.xml", sitemap(catalog).encode()),
    ]
    return files
