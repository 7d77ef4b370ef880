"""The runtime folders under ABIERTO_HOME (default `./data`)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from datasets.routing import NATIONAL, national_files


@dataclass(frozen=True)
class Home:
    root: Path

    @classmethod
    def from_env(cls, value: str | None = None) -> Home:
        return cls(Path(value or os.environ.get("ABIERTO_HOME", "data")).resolve())

    @property
    def landing(self) -> Path:
        return self.root / "landing"

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse"

    @property
    def quarantine(self) -> Path:
        return self.root / "quarantine"

    @property
    def review_decisions(self) -> Path:
        """The privacy reviewer's decisions (private; see `quality.review`)."""
        return self.root / "review" / "decisions.yaml"

    @property
    def site(self) -> Path:
        return self.root / "site"

    def landing_files(self, cut: str, slug: str) -> list[Path]:
        folder = self.landing / cut / slug
        if not folder.is_dir():
            return []
        return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))

    def national_files(self, slug: str) -> list[Path]:
        """Files that cover many comunas, routed by a column: `landing/_national/<slug>/`
        (see `datasets.routing`)."""
        return national_files(self.landing, slug)

    def national_reports(self, slug: str) -> Path:
        """Private routing reports of national files (buyer names and row counts)."""
        return self.quarantine / NATIONAL / slug
