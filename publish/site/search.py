"""The catalog's client-side search: a small index embedded in each index page.

Each entry holds a dataset's searchable text (title, description, table and
column names and titles, in the page language, lower-cased and without accents)
and its facets (kind, municipality codes, years). ``assets/search.js`` filters
the dataset cards with it; without JavaScript every card is simply shown. The
index travels inside the page as a JSON data block, so search works offline
and from ``file://`` with no request at all.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

from publish.site.words import KINDS


def fold(text: str) -> str:
    """Lower-case text without accents (``Año`` → ``ano``), as the script folds queries."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def kind_label(dataset: Mapping[str, Any], lang: str) -> str:
    kind = dataset.get("kind", dataset["slug"])
    return KINDS.get(kind, {}).get(lang) or dataset["title"][lang]


def search_entry(dataset: Mapping[str, Any], lang: str) -> dict[str, Any]:
    words = [dataset["title"][lang], dataset["description"][lang], kind_label(dataset, lang)]
    for resource in dataset["resources"]:
        words += [resource["name"], resource["title"][lang]]
        for field in resource["fields"]:
            words.append(field["name"])
            title = field.get("x-title-en") if lang == "en" else None
            words.append(title or field.get("title") or "")
    return {
        "slug": dataset["slug"],
        "text": fold(" ".join(w for w in words if w)),
        "kind": dataset.get("kind", dataset["slug"]),
        "municipalities": [m["code"] for m in dataset["municipalities"]],
        "years": sorted(dataset["years"]),
    }


def search_index(catalog: Mapping[str, Any], lang: str) -> list[dict[str, Any]]:
    return [search_entry(dataset, lang) for dataset in catalog["datasets"]]


def facets(catalog: Mapping[str, Any], lang: str) -> dict[str, list[tuple[str, str]]]:
    """``{facet: [(value, label)]}`` for the filter controls, in a stable order."""
    kinds: dict[str, str] = {}
    municipalities: dict[str, str] = {}
    years: set[int] = set()
    for dataset in catalog["datasets"]:
        kinds.setdefault(dataset.get("kind", dataset["slug"]), kind_label(dataset, lang))
        for m in dataset["municipalities"]:
            municipalities.setdefault(m["code"], m["name"])
        years |= set(dataset["years"])
    return {
        "kind": sorted(kinds.items(), key=lambda kv: fold(kv[1])),
        "municipality": sorted(municipalities.items(), key=lambda kv: fold(kv[1])),
        "year": [(str(y), str(y)) for y in sorted(years, reverse=True)],
    }
