"""The runtime folders under ABIERTO_HOME (default `./data`)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from datasets.readers import landed_entries
from datasets.routing import NATIONAL, national_files, national_refused


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
        """The exports to read: regular files, never through a symbolic link. Hidden
        files and the lock files Excel (`~$x.xlsx`) and LibreOffice (`.~lock.x#`) leave
        beside an open workbook are not exports and are ignored."""
        return [p for p, regular in self._landing(cut, slug) if regular]

    def landing_refused(self, cut: str, slug: str) -> list[Path]:
        """Entries that are not regular files (symbolic links, folders, FIFOs, devices):
        never opened (a FIFO would block the reader, a link may lead out of landing)."""
        return [p for p, regular in self._landing(cut, slug) if not regular]

    def _landing(self, cut: str, slug: str) -> list[tuple[Path, bool]]:
        return landed_entries(self.landing / cut / slug)

    def national_files(self, slug: str) -> list[Path]:
        """Files that cover many comunas, routed by a column: `landing/_national/<slug>/`
        (see `datasets.routing`)."""
        return national_files(self.landing, slug)

    def national_refused(self, slug: str) -> list[Path]:
        """Entries of `landing/_national/<slug>/` that are not regular files: never opened."""
        return national_refused(self.landing, slug)

    def national_reports(self, slug: str) -> Path:
        """Private routing reports of national files (buyer names and row counts)."""
        return self.quarantine / NATIONAL / slug
