"""Is each comuna × dataset as fresh as its declared cadence promises?

A dataset's cadence (`monthly`, `quarterly`, `yearly` in its descriptor) plus a grace
period of two weeks (the legal "first ten working days" of the month) gives the
oldest acceptable publication date. A comuna that never published is stale too.
"""

from __future__ import annotations

import datetime as dt

from datasets.descriptor import load_descriptor
from datasets.municipalities import Installation
from pipelines import warehouse
from pipelines.home import Home
from schemas import load_code_list

GRACE_DAYS = 14
CADENCE_DAYS = {"monthly": 31, "quarterly": 92, "yearly": 366}


def max_age_days(cadence: str) -> int:
    return CADENCE_DAYS[cadence] + GRACE_DAYS


def freshness(home: Home, installation: Installation, slug: str, today: dt.date) -> list[dict]:
    """One row per comuna publishing the dataset: its status, age in days and whether stale.

    A comuna whose installation entry was refused keeps its last release until the entry
    is fixed: its row says `carried` with that reason."""
    limit = max_age_days(load_descriptor(slug).cadence)

    def row(state: warehouse.ComunaStatus, name: str) -> dict:
        published = state.published_on
        age = (today - dt.date.fromisoformat(published)).days if published else None
        return state.as_dict() | {
            "comuna_name": name,
            "age_days": age,
            "max_age_days": limit,
            "is_stale": age is None or age > limit,
        }

    rows = [
        row(warehouse.status(home, m.cut, slug), m.name)
        for m in installation.municipalities
        if slug in m.datasets
    ]
    carried = sorted(installation.carried_cuts.items())
    names = load_code_list("comunas").set_index("comuna_code")["comuna_name"] if carried else {}
    for cut, entry in carried:
        state = warehouse.status(home, cut, slug)
        if state.published_on is not None:
            name = entry.fictional[0] if entry.fictional else names.get(cut, cut)
            rows.append(
                row(state, name) | {"status": "carried", "reasons": ["installation-entry-refused"]}
            )
    return rows
