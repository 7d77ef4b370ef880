"""The local Dagster instance: `DAGSTER_HOME` with SQLite storage unless configured."""

from __future__ import annotations

import shutil
from pathlib import Path

LOCAL_INSTANCE = Path(__file__).resolve().parent / "dagster.local.yaml"


def ensure_dagster_home(folder: Path) -> Path:
    """Create `folder` with the local `dagster.yaml`, keeping one that already exists."""
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "dagster.yaml"
    if not config.exists():
        shutil.copyfile(LOCAL_INSTANCE, config)
    return folder
