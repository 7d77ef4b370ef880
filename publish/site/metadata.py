"""Machine-readable metadata of the catalog, for portals and search engines.

From the same context the site renders (see :mod:`publish.site`):

    catalog.jsonld, catalog.ttl    DCAT-AP 3.0.1 catalog (:mod:`publish.site.dcat`),
                                   read by EU portals and CKAN's DCAT harvester
    data.json                      Project Open Data v1.1 catalog
    sitemap.xml                    home, dataset, comuna and indicator pages in both languages,
                                   with hreflang alternates
    robots.txt                     allows everything, points to the sitemap

plus the schema.org JSON-LD embedded in the pages (Google Dataset Search): a
``Dataset`` on each dataset page, a ``DataCatalog`` on the home page. Links in
metadata must be absolute, so everything but ``robots.txt`` needs the catalog's
``site_url``; without it they are not written and a warning is logged
(``MISSING_SITE_URL``; ``abierto check`` fails on it). Every node gets an IRI
(no blank nodes) and the JSON outputs are sorted, so the same context gives the
same bytes.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from markupsafe import Markup

from datasets.municipalities import MISSING_SITE_URL
from publish.site.dcat import dcat_graph, sorted_jsonld
from publish.site.links import (
    absolute,
    distributions,
    format_label,
    licence_url,
    localised,
    page_path,
    temporal,
)
from publish.site.words import LANGS

log = logging.getLogger(__name__)

POD_FREQUENCIES = {"monthly": "R/P1M", "quarterly": "R/P3M", "yearly": "R/P1Y"}
POD_CONTEXT = "https://project-open-data.cio.gov/v1.1/schema/catalog.jsonld"
POD_SCHEMA = "https://project-open-data.cio.gov/v1.1/schema"


# --- schema.org -------------------------------------------------------------


def _publisher_jsonld(catalog: Mapping[str, Any]) -> dict:
    publisher = {"@type": "GovernmentOrganization", "name": catalog["publisher"]["name"]}
    if catalog["publisher"].get("url"):
        publisher["url"] = catalog["publisher"]["url"]
    return publisher


def _place(municipality: Mapping[str, str]) -> dict:
    return {
        "@type": "Place",
        "name": municipality["name"],
        "identifier": municipality["code"],
        "containedInPlace": {"@type": "Country", "name": "Chile", "identifier": "CL"},
    }


def keywords(dataset: Mapping[str, Any], lang: str) -> list[str]:
    """The dataset's topic keywords in one language, then the names of its comunas."""
    topics = (dataset.get("keywords") or {}).get(lang, [])
    return [*topics, *(m["name"] for m in dataset["municipalities"])]


def _catalog_ref(catalog: Mapping[str, Any], lang: str) -> dict:
    site_url = catalog.get("site_url")
    ref = {"@type": "DataCatalog", "name": catalog["title"][lang]}
    if site_url:
        ref["url"] = absolute(site_url, page_path(None, lang))
    return ref


def dataset_jsonld(catalog: Mapping[str, Any], dataset: Mapping[str, Any], lang: str) -> dict:
    """schema.org ``Dataset`` for one dataset page (absolute URLs need ``site_url``)."""
    site_url = catalog.get("site_url") or ""
    url = absolute(site_url, page_path(dataset["slug"], lang)) if site_url else None
    publisher = _publisher_jsonld(catalog)
    data: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "name": dataset["title"][lang],
        "description": dataset["description"][lang],
        "identifier": absolute(site_url, page_path(dataset["slug"], LANGS[0]))
        if site_url
        else dataset["slug"],
        "keywords": keywords(dataset, lang),
        "inLanguage": lang,
        "isAccessibleForFree": True,
        "creator": publisher,
        "publisher": publisher,
        "includedInDataCatalog": _catalog_ref(catalog, lang),
        "dateModified": dataset["last_updated"],
        "version": dataset.get("release_id", catalog["release_id"]),
        "spatialCoverage": [_place(m) for m in dataset["municipalities"]],
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


def catalog_jsonld(catalog: Mapping[str, Any], lang: str) -> dict:
    """schema.org ``DataCatalog`` for the home page: the catalog and its datasets."""
    site_url = catalog.get("site_url") or ""
    places = {m["code"]: m for d in catalog["datasets"] for m in d["municipalities"]}
    data: dict[str, Any] = {
        "@context": "https://schema.org/",
        **_catalog_ref(catalog, lang),
        "description": catalog["description"][lang],
        "inLanguage": lang,
        "publisher": _publisher_jsonld(catalog),
        "dateModified": catalog["generated_on"],
        "spatialCoverage": [_place(m) for _, m in sorted(places.items())],
        "dataset": [
            {
                "@type": "Dataset",
                "name": d["title"][lang],
                "description": d["description"][lang],
                **({"url": absolute(site_url, page_path(d["slug"], lang))} if site_url else {}),
            }
            for d in catalog["datasets"]
        ],
    }
    if site_url:
        data["@id"] = data["url"]
    return data


def json_script(data: Any) -> Markup:
    """JSON for a ``<script type="application/…json">`` data block: ``<``, ``>``, ``&``
    escaped so no text from the context can close the element."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)  # escaped above


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
            "keyword": [*keywords(dataset, lang), dataset["slug"]],
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
        if cadence in POD_FREQUENCIES:
            entry["accrualPeriodicity"] = POD_FREQUENCIES[cadence]
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
    """``sitemap.xml``: the home, dataset, comuna and indicator pages (with each
    indicator's comparison pages) in every language, linked as alternates."""
    site_url = catalog["site_url"]
    pages = [("", catalog["generated_on"])]
    pages += [(f"datasets/{d['slug']}/", d["last_updated"]) for d in catalog["datasets"]]
    pages += [
        (f"comunas/{c['code']}/", _comuna_modified(c, catalog)) for c in catalog.get("comunas", [])
    ]
    if catalog.get("indicators"):  # computed in every release from its own tables
        pages.append(("indicadores/", catalog["generated_on"]))
        for indicator in catalog["indicators"]:
            pages.append((f"indicadores/{indicator['id']}/", catalog["generated_on"]))
            pages += [
                (f"indicadores/{indicator['id']}/{c['period']}/", catalog["generated_on"])
                for c in indicator.get("comparisons", [])
            ]
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
        ' xmlns:xhtml="http://www.w3.org/1999/xhtml">',
    ]
    for path, modified in pages:
        for lang in LANGS:
            lines.append("<url>")
            lines.append(f"<loc>{escape(absolute(site_url, localised(path, lang)))}</loc>")
            lines.append(f"<lastmod>{escape(modified)}</lastmod>")
            for alt in LANGS:
                href = quoteattr(absolute(site_url, localised(path, alt)))
                lines.append(f'<xhtml:link rel="alternate" hreflang="{alt}" href={href}/>')
            lines.append("</url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


def _comuna_modified(comuna: Mapping[str, Any], catalog: Mapping[str, Any]) -> str:
    """A comuna page changes when one of its datasets is published."""
    dates = [d["published_on"] for d in comuna.get("datasets", []) if d.get("published_on")]
    return max(dates, default=catalog["generated_on"])


def robots(catalog: Mapping[str, Any]) -> str:
    text = "User-agent: *\nAllow: /\n"
    if catalog.get("site_url"):
        text += f"Sitemap: {absolute(catalog['site_url'], 'sitemap.xml')}\n"
    return text


def metadata_files(catalog: Mapping[str, Any]) -> list[tuple[str, bytes]]:
    """``[(site path, bytes)]`` of the catalog-wide metadata files (see the module doc)."""
    files = [("robots.txt", robots(catalog).encode())]
    if not catalog.get("site_url"):
        log.warning("%s / %s", MISSING_SITE_URL["es"], MISSING_SITE_URL["en"])
        return files
    graph = dcat_graph(catalog)
    files += [
        ("catalog.jsonld", sorted_jsonld(graph.serialize(format="json-ld")).encode()),
        ("catalog.ttl", graph.serialize(format="longturtle").encode()),
        (
            "data.json",
            (json.dumps(data_json(catalog), ensure_ascii=False, indent=1) + "\n").encode(),
        ),
        ("sitemap.xml", sitemap(catalog).encode()),
    ]
    return files
