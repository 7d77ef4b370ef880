"""The catalog's client-side search: datasets by words and facets, comunas by name.

Each dataset entry holds its searchable text (title, description, table and
column names and titles, in the page language, folded by :func:`fold`) and its
facets (kind, municipality codes, years). ``assets/search.js`` filters the
dataset cards with it; without JavaScript every card is simply shown. The index
travels inside the page as a JSON data block, so search works offline and from
``file://`` with no request at all.

The home page's table of comunas (:func:`comuna_table`) carries each row's search
key (name, CUT code and region, folded) in a ``data-k`` attribute, so the script
only folds what the reader types: «nunoa» finds Ñuñoa, «concepcion» Concepción,
«los angeles» or «losangeles» Los Ángeles, «ohiggins» O'Higgins. Without
JavaScript the whole table is shown. :func:`fold` and the script's ``fold`` are
the same steps (lower case, NFD, marks dropped, apostrophes dropped, any other
character that is not a letter or digit a space, spaces collapsed); a browser
test checks they agree on the official comuna names.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from publish.site.words import KINDS

_APOSTROPHES = re.compile(r"['\u2019]")
_NOT_WORD = re.compile(r"[^\w]+|_")


def fold(text: str) -> str:
    """``Peñalolén`` → ``penalolen``, ``O'Higgins`` → ``ohiggins``, ``Llay-Llay`` →
    ``llay llay``: as ``assets/search.js`` folds what the reader types."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    plain = "".join(c for c in decomposed if not unicodedata.category(c).startswith("M"))
    return " ".join(_NOT_WORD.sub(" ", _APOSTROPHES.sub("", plain)).split())


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


#: Over this many comunas the table of comunas (with its own search) replaces the
#: datasets' municipality facet: a list of 346 names filters nothing at national scale.
MAX_FACET_COMUNAS = 30


def has_comuna_facet(catalog: Mapping[str, Any]) -> bool:
    codes = {m["code"] for dataset in catalog["datasets"] for m in dataset["municipalities"]}
    return len(codes) <= MAX_FACET_COMUNAS


def search_index(catalog: Mapping[str, Any], lang: str) -> list[dict[str, Any]]:
    entries = [search_entry(dataset, lang) for dataset in catalog["datasets"]]
    if not has_comuna_facet(catalog):
        for entry in entries:
            del entry["municipalities"]
    return entries


def facets(catalog: Mapping[str, Any], lang: str) -> dict[str, list[tuple[str, str]]]:
    """``{facet: [(value, label)]}`` for the filter controls, in a stable order (no
    municipality facet over ``MAX_FACET_COMUNAS`` comunas)."""
    kinds: dict[str, str] = {}
    municipalities: dict[str, str] = {}
    years: set[int] = set()
    for dataset in catalog["datasets"]:
        kinds.setdefault(dataset.get("kind", dataset["slug"]), kind_label(dataset, lang))
        for m in dataset["municipalities"]:
            municipalities.setdefault(m["code"], m["name"])
        years |= set(dataset["years"])
    found = {
        "kind": sorted(kinds.items(), key=lambda kv: fold(kv[1])),
        "municipality": sorted(municipalities.items(), key=lambda kv: fold(kv[1])),
        "year": [(str(y), str(y)) for y in sorted(years, reverse=True)],
    }
    if not has_comuna_facet(catalog):
        del found["municipality"]
    return found


def comuna_table(catalog: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """The home page's table of comunas: ``{columns: [(slug, short title)], rows: [{code, name,
    region, key, cells: {slug: {status, reasons, is_stale}}}]}``, rows by folded name then code.

    ``key`` is the row's search key (name, CUT code and region, folded); a dataset a
    comuna does not publish has no cell.
    """
    titles = {d["slug"]: kind_label(d, lang) for d in catalog["datasets"]}
    for comuna in catalog.get("comunas", []):
        for item in comuna["datasets"]:
            titles.setdefault(item["slug"], item["title"][lang])
    rows = []
    for comuna in catalog.get("comunas", []):
        region = comuna.get("region") or ""
        rows.append(
            {
                "code": comuna["code"],
                "name": comuna["name"],
                "region": region,
                "key": fold(f"{comuna['name']} {comuna['code']} {region}"),
                "cells": {
                    item["slug"]: {
                        "status": item["status"],
                        "reasons": item.get("reasons", []),
                        "is_stale": item["is_stale"] and item["status"] != "missing",
                    }
                    for item in comuna["datasets"]
                },
            }
        )
    rows.sort(key=lambda row: (fold(row["name"]), row["code"]))
    return {"columns": list(titles.items()), "rows": rows}
