"""Addresses and downloadable files of the catalog, shared by the metadata writers."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import quote

from publish.site.words import FORMATS, LANGS


def absolute(site_url: str, path: str) -> str:
    """The public URL of a site path (``path`` relative to the site root)."""
    if path.startswith(("http://", "https://")):
        return path
    return site_url.rstrip("/") + "/" + quote(path, safe="/#")


def localised(path: str, lang: str) -> str:
    """A language-neutral site path (``""``, ``"comunas/99901/"``) in one language."""
    return ("" if lang == LANGS[0] else f"{lang}/") + path


def page_path(slug: str | None, lang: str) -> str:
    """Site path of the index (``slug`` None) or a dataset page, with a trailing slash."""
    return localised(f"datasets/{slug}/" if slug else "", lang)


def distributions(dataset: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """Every downloadable file of a dataset: per table, then the dataset's own files."""
    for resource in dataset["resources"]:
        for file in resource["files"]:
            yield {
                "title": resource["title"],
                "grain": resource.get("grain"),
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
