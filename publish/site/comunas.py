"""A comuna page's render context: what its template reads, and nothing else.

The page is rendered from this context alone (``comuna.html`` gets it as ``catalog``),
so its digest (:mod:`publish.site.pagecache`) says when the page must be rendered
again. It is a function of the comuna's own data and installation entry, the code and
the catalog's fixed texts: nothing in it moves when another comuna's data do, or with
the release alone.

- no release id or date (the footer and the problem report of a comuna page name none):
  each dataset's row shows the comuna's own publication date and the date it is up to
  date until (that date plus the dataset's cadence and grace), not a "stale" flag that
  would turn with the release date (the home page flags stale comunas);
- each national table's files by their stable ``latest/`` address, without sizes (they
  change whenever any comuna's rows do; the dataset page lists them with sizes);
- the catalog's indicators by id and title only (the method registry), and this
  comuna's cards, which hold its own values only (``indicators.CARD_FIELDS``): the
  comparison with the other comunas is on the indicator's national page, which each
  card links by period and CUT;
- the comuna's contact (its installation entry).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
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
    page = dict(comuna)
    page["datasets"] = [_status(d) for d in comuna["datasets"]]
    return {"catalog": reduced, "comuna": page}


def _status(item: Mapping[str, Any]) -> dict:
    """A dataset's row: its status and its own dates, without the release's date."""
    row = {k: v for k, v in item.items() if k not in ("is_stale", "max_age_days")}
    published = item.get("published_on")
    row["due_on"] = (
        (date.fromisoformat(published) + timedelta(days=item["max_age_days"])).isoformat()
        if published
        else None
    )
    return row


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
