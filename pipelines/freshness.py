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
    """One row per comuna publishing the dataset: its status, age in days and whether stale."""
    limit = max_age_days(load_descriptor(slug).cadence)
    rows = []
    for municipality in installation.municipalities:
        if slug not in municipality.datasets:
            continue
        state = warehouse.status(home, municipality.cut, slug)
        published = state.published_on
        age = (today - dt.date.fromisoformat(published)).days if published else None
        rows.append(
            state.as_dict()
            | {
                "comuna_name": municipality.name,
                "age_days": age,
                "max_age_days": limit,
                "is_stale": age is None or age > limit,
            }
        )
    names = load_code_list("comunas").set_index("comuna_code")["comuna_name"]
    for cut, entry in sorted(installation.carried_cuts.items()):
        state = warehouse.status(home, cut, slug)
        if state.published_on is None:
            continue
        # its installation entry was refused: it keeps its last release until fixed
        age = (today - dt.date.fromisoformat(state.published_on)).days
        rows.append(
            state.as_dict()
            | {"status": "carried", "reasons": ["installation-entry-refused"]}
            | {
                "comuna_name": entry.fictional[0] if entry.fictional else names.get(cut, cut),
                "age_days": age,
                "max_age_days": limit,
                "is_stale": age > limit,
            }
        )
    return rows
