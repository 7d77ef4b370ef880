"""Shared fixtures: a tmp ABIERTO_HOME seeded with the bundled sample exports."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.cli import seed_demo
from pipelines.home import Home

# `shared/` sits beside the checkout (CI) or beside the folder of worktrees.
REFERENCE_DATA = next(
    (
        parent / "shared" / "reference-data"
        for parent in Path(__file__).resolve().parents[1:]
        if (parent / "shared" / "reference-data").is_dir()
    ),
    Path(__file__).resolve().parents[2] / "shared" / "reference-data",
)
RUN_DATE = "2026-11-02"
DEMO_CUT = "99901"


@pytest.fixture
def demo_home(tmp_path: Path) -> Home:
    home = Home(tmp_path / "abierto")
    seed_demo(home)
    return home
