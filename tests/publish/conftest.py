"""A published demo release, shared by the metadata and DuckDB tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from datasets.descriptor import SLUGS
from datasets.municipalities import load_installation
from pipelines import steps
from pipelines.cli import seed_demo
from pipelines.home import Home
from publish.catalog import build_package, publish_release

DEMO_RELEASE = "2026-11-02"


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory) -> Path:
    """The demo catalog's site folder: the bundled sample exports through the same steps
    as `abierto run --demo` (without Dagster), published as release ``DEMO_RELEASE``."""
    home = Home(tmp_path_factory.mktemp("demo-release") / "home")
    seed_demo(home)
    installation = load_installation()
    day = dt.date.fromisoformat(DEMO_RELEASE)
    packages = []
    for slug in SLUGS:
        ingested = steps.ingest(home, installation, slug)
        validated = steps.validate(ingested, installation, home.quarantine)
        prepared = steps.prepare(validated, installation, as_of=day)
        packages.append(
            build_package(
                prepared,
                installation,
                home.root / "build" / slug,
                release_id=DEMO_RELEASE,
                generated_on=day,
            )
        )
    site = home.root / "site"
    publish_release(site, installation, packages, release_id=DEMO_RELEASE, generated_on=day)
    return site
