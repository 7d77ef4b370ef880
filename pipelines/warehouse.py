"""Each comuna's outcome per dataset, kept in the private warehouse.

A comuna's run (one Dagster partition) records what happened; the catalog then
combines, per dataset, every comuna's last output that passed its gate. A comuna
whose newest export is broken therefore keeps its previous data published while
the other comunas move on::

    warehouse/comunas/<cut>/<slug>/attempt.json    the latest run: date, passed or blocked
    warehouse/comunas/<cut>/<slug>/current.json    the last run that passed: date, files
    warehouse/comunas/<cut>/<slug>/current.pickle  its PreparedDataset (holds dropped
                                                   personal values for the leak scan:
                                                   private, never published)
    warehouse/comunas/<cut>/<slug>/released.pickle the part in the newest release: what
                                                   the comuna carries when its current
                                                   part fails in the catalog
    warehouse/comunas/<cut>/<slug>/catalog.json    why the catalog could not use the
                                                   current part (a leak-scan hit, an
                                                   exception), until it can again
"""

from __future__ import annotations

import datetime as dt
import json
import os
import pickle
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipelines.home import Home
from pipelines.steps import PreparedDataset
from quality.rules.base import merge_reports


@dataclass(frozen=True)
class ComunaStatus:
    """Where a comuna × dataset stands for the catalog."""

    cut: str
    slug: str
    status: str  # published | carried | blocked | missing
    published_on: str | None
    attempted_on: str | None
    reasons: list[str]  # reason types of the latest blocked attempt, no values

    def as_dict(self) -> dict:
        return {
            "comuna_code": self.cut,
            "dataset": self.slug,
            "status": self.status,
            "published_on": self.published_on,
            "attempted_on": self.attempted_on,
            "reasons": self.reasons,
        }


def folder(home: Home, cut: str, slug: str) -> Path:
    return home.warehouse / "comunas" / cut / slug


def record(home: Home, cut: str, prepared: PreparedDataset, run_date: dt.date) -> None:
    """Store the outcome of a comuna's run; a passing one becomes the comuna's current data."""
    target = folder(home, cut, prepared.slug)
    target.mkdir(parents=True, exist_ok=True)
    sources = [{"name": s["name"], "sha256": s["sha256"]} for s in prepared.sources]
    attempt = {
        "run_date": run_date.isoformat(),
        "blocked": sorted({r["type"] for r in prepared.blocked}),
        "sources": sources,
    }
    if not prepared.blocked:
        _write_bytes(target / "current.pickle", pickle.dumps(prepared))
        _write_json(target / "current.json", {"published_on": attempt["run_date"]} | attempt)
    _write_json(target / "attempt.json", attempt)


def record_failure(home: Home, cut: str, slug: str, reason: str, run_date: dt.date) -> None:
    """Record an attempt that ended without an outcome (e.g. `timeout`): the comuna keeps
    its current data, now `carried` (or `blocked` if it never passed) with `reason`."""
    target = folder(home, cut, slug)
    target.mkdir(parents=True, exist_ok=True)
    attempt = {"run_date": run_date.isoformat(), "blocked": [reason], "sources": []}
    _write_json(target / "attempt.json", attempt)


def status(home: Home, cut: str, slug: str) -> ComunaStatus:
    attempt = _read_json(folder(home, cut, slug) / "attempt.json")
    current = _read_json(folder(home, cut, slug) / "current.json")
    failure = _read_json(folder(home, cut, slug) / "catalog.json")
    published_on = current["published_on"] if current else None
    if attempt is None:
        return ComunaStatus(cut, slug, "missing", None, None, [])
    reasons = attempt["blocked"]
    if failure is not None:
        reasons = sorted({*reasons, failure["type"]})
        released = (folder(home, cut, slug) / "released.pickle").exists()
        published_on = failure.get("released_on") if released else None
    state = "published" if not reasons else "carried" if published_on else "blocked"
    return ComunaStatus(cut, slug, state, published_on, attempt["run_date"], reasons)


def load_part(home: Home, cut: str, slug: str, *, released: bool = False) -> PreparedDataset | None:
    """The comuna's current part of the dataset (or the part in the newest release)."""
    path = folder(home, cut, slug) / ("released.pickle" if released else "current.pickle")
    return pickle.loads(path.read_bytes()) if path.exists() else None


def record_catalog(home: Home, cut: str, slug: str, failure: dict | None) -> None:
    """After a publication: the part the catalog used becomes the released one, or the
    reason it could not use the current part (`{type, es, en}`) is kept for the status."""
    target = folder(home, cut, slug)
    if failure is None:
        (target / "catalog.json").unlink(missing_ok=True)
        current = _read_json(target / "current.json")
        if current is not None and (target / "current.pickle").exists():
            partial = target / ".released.pickle.partial"
            partial.unlink(missing_ok=True)
            partial.hardlink_to(target / "current.pickle")
            os.replace(partial, target / "released.pickle")
            _write_json(target / "released.json", {"released_on": current["published_on"]})
        return
    released = _read_json(target / "released.json") or {}
    _write_json(target / "catalog.json", failure | released)


def published_hashes(home: Home, cut: str, slug: str) -> set[str]:
    """sha256 of the files behind the comuna's current data (already published)."""
    current = _read_json(folder(home, cut, slug) / "current.json")
    return {s["sha256"] for s in current["sources"]} if current else set()


def combine(home: Home, slug: str, cuts: list[str]) -> PreparedDataset | None:
    """One dataset over all comunas: each comuna's last output that passed its gate."""
    parts = [load_part(home, cut, slug) for cut in sorted(cuts)]
    return combine_parts(slug, [p for p in parts if p is not None])


def combine_parts(slug: str, parts: list[PreparedDataset]) -> PreparedDataset | None:
    """One dataset from comunas' parts, with their quality findings (counts added up),
    privacy notes and removed personal values."""
    if not parts:
        return None

    def concat(attribute: str) -> dict[str, pd.DataFrame]:
        tables = getattr(parts[0], attribute)
        return {
            t: pd.concat([getattr(p, attribute)[t] for p in parts], ignore_index=True)
            for t in tables
        }

    reports = [p.quality for p in parts if p.quality is not None]
    return PreparedDataset(
        slug,
        concat("tables"),
        concat("held"),
        concat("quarantined"),
        set().union(*(p.dropped_values for p in parts)),
        [s for p in parts for s in p.sources],
        [],
        merge_reports(reports) if reports else None,
        [note for p in parts for note in p.notes],
    )


def _read_json(path: Path) -> dict | None:
    return json.loads(path.read_text("utf-8")) if path.exists() else None


def _write_json(path: Path, value: dict) -> None:
    text = json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    _write_bytes(path, text.encode("utf-8"))


def _write_bytes(path: Path, data: bytes) -> None:
    """Write then rename, so a reader never sees half a file."""
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(data)
    os.replace(partial, path)
