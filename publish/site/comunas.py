"""A comuna page's render context: what its template reads, and nothing else.

The page is rendered from this context alone (``comuna.html`` gets it as ``catalog``),
so its digest (:mod:`publish.site.pagecache`) says when the page must be rendered
again. It holds no release-global value that moves with every release:

- no release id or date (the footer and the problem report of a comuna page name none:
  the dates of each dataset's status are on the page, the release on the home page);
- each national table's files by their stable ``latest/`` address, without sizes (they
  change whenever any comuna's rows do; the dataset page lists them with sizes);
- the catalog's indicators by id and title only, and this comuna's cards and contact.

What is left changes only with the comuna's own status, data and indicator values (and
the comparisons of those values with the other comunas'), or with the catalog's title,
publisher and datasets' titles and table structure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from publish.site.national import national_files

SHOWN = ("published", "carried")  # the statuses whose rows a comuna page links
CATALOG_KEYS = ("title", "description", "publisher", "is_demo", "site_url")


def comuna_page_context(catalog: Mapping[str, Any], comuna: Mapping[str, Any]) -> dict:
    """``{catalog, comuna}`` for one comuna's page (see the module docstring)."""
    code = comuna["code"]
    shown = {d["slug"] for d in comuna["datasets"] if d["status"] in SHOWN}
    reduced: dict[str, Any] = {k: catalog[k] for k in CATALOG_KEYS if k in catalog}
    reduced["datasets"] = [_national(d) for d in catalog["datasets"] if d["slug"] in shown]
    if catalog.get("indicators"):
        reduced["indicators"] = [
            {"id": i["id"], "title": i["title"]} for i in catalog["indicators"]
        ]
        cards = (catalog.get("indicator_cards") or {}).get(code)
        reduced["indicator_cards"] = {code: cards} if cards else {}
    contact = (catalog.get("contacts") or {}).get(code)
    if contact is not None:
        reduced["contacts"] = {code: contact}
    return {"catalog": reduced, "comuna": dict(comuna)}


def _national(dataset: Mapping[str, Any]) -> dict:
    """A dataset as a comuna page shows it: its tables' structure and national files."""
    return {
        "slug": dataset["slug"],
        "title": dataset["title"],
        "resources": [
            {
                "name": r["name"],
                "title": r["title"],
                "fields": [{"name": f["name"]} for f in r["fields"]],
                "primaryKey": r.get("primaryKey") or [],
                "foreignKeys": r.get("foreignKeys") or [],
                "files": [
                    {
                        "format": f["format"],
                        "mediatype": f["mediatype"],
                        "path": f.get("latest") or f["path"],
                    }
                    for f in national_files(r)
                ],
            }
            for r in dataset["resources"]
        ],
    }
