"""Assemble a release of the catalog in a staging folder, check it, then switch to it.

Layout of the public site (`ABIERTO_HOME/site`):

    index.html, en/…, datasets/<slug>/…, assets/      the catalog pages
    catalog.json                                       machine-readable state of the catalog
    releases/<release_id>/<slug>/                      one data package per dataset

A dataset whose publish gate failed keeps the package of its previous release.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from datasets.errors import PublishBlocked
from publish.leaks import scan_for_values


@dataclass
class DatasetRelease:
    """A dataset's package in a release: new in this one or carried over from before."""

    slug: str
    release_id: str
    package: dict
    summary: dict


def previous_catalog(site: Path) -> dict:
    path = site / "catalog.json"
    return json.loads(path.read_text("utf-8")) if path.exists() else {"datasets": {}}


def stage(site: Path, release_id: str) -> Path:
    """A fresh staging folder holding the existing releases (hard-linked: cheap, and
    never written to) and nothing else; pages are rendered anew."""
    staging = site.parent / f".site-staging-{release_id}"
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    if (site / "releases").exists():
        shutil.copytree(site / "releases", staging / "releases", copy_function=os.link)
    return staging


def check_no_leaks(staging: Path, release_id: str, dropped_values: set[str]) -> None:
    """Refuse the release if any removed personal value appears in a new public file."""
    hits = scan_for_values(staging / "releases" / release_id, dropped_values)
    hits += scan_for_values(staging, dropped_values, pattern="*.html")
    if hits:
        files = sorted({h["file"] for h in hits})
        raise PublishBlocked(
            f"se encontraron datos personales en {len(hits)} lugares ({', '.join(files)}); "
            "la publicación se canceló",
            f"personal data found in {len(hits)} places ({', '.join(files)}); "
            "publication cancelled",
        )


def switch(staging: Path, site: Path) -> None:
    """Make the staged site current (two renames; the old site is removed afterwards)."""
    for path in sorted(staging.rglob("*"), reverse=True):
        if path.is_file():
            with path.open("rb") as handle:
                os.fsync(handle.fileno())
    old = site.parent / f".site-old-{os.getpid()}"
    if site.exists():
        os.rename(site, old)
    os.rename(staging, site)
    if old.exists():
        shutil.rmtree(old)


def write_catalog_state(
    staging: Path, releases: list[DatasetRelease], release_id: str, comunas: list[dict]
) -> None:
    state = {
        "release_id": release_id,
        "comunas": comunas,
        "datasets": {
            r.slug: {"release_id": r.release_id, "package": r.package, "summary": r.summary}
            for r in releases
        },
    }
    (staging / "catalog.json").write_text(
        json.dumps(state, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
