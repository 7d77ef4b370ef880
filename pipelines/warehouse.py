"""Each comuna's outcome per dataset, kept in the private warehouse.

A comuna's run (one Dagster partition) records what happened; the catalog then
combines, per dataset, every comuna's last output that passed its gate. A comuna
whose newest export is broken therefore keeps its previous data published while
the other comunas move on::

    warehouse/comunas/<cut>/<slug>/attempt.json   the latest run: date, passed or blocked,
                                                  the inputs' fingerprint
    warehouse/comunas/<cut>/<slug>/current.json   the last run that passed: date, files,
                                                  fingerprint, the id of its part
    warehouse/comunas/<cut>/<slug>/released.json  the part in the newest release: what the
                                                  comuna carries when its current part
                                                  fails in the catalog
    warehouse/comunas/<cut>/<slug>/parts/<id>/    the parts, content-addressed: Parquet per
                                                  table and a JSON of the rest
                                                  (`pipelines.parts`; holds removed
                                                  personal values: private, never published)
    warehouse/comunas/<cut>/<slug>/catalog.json   why the catalog could not use the
                                                  current part (a leak-scan hit, an
                                                  exception), until it can again

Only the current and the released part are kept. A warehouse written before parts
were Parquet (`current.pickle`, `released.pickle`) is converted the first time it is
read, and the pickles removed.

A run whose inputs have the fingerprint of the comuna's latest attempt, which passed,
is not run again: `unchanged` gives its outcome to carry (`pipelines.assets`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import pickle
import shutil
from dataclasses import dataclass
from pathlib import Path

from pipelines import digests, parts
from pipelines.home import Home
from pipelines.steps import PreparedDataset


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


def record(
    home: Home,
    cut: str,
    prepared: PreparedDataset,
    run_date: dt.date,
    *,
    fingerprint: dict | None = None,
    checks: list[dict] | None = None,
) -> None:
    """Store the outcome of a comuna's run; a passing one becomes the comuna's current data.
    A passing run that makes the very part already current keeps its `published_on`.

    `fingerprint` (`steps.unit_fingerprint`) and `checks` (the asset checks' results,
    `pipelines.checks`) let a later run with the same inputs carry this outcome."""
    target = folder(home, cut, prepared.slug)
    target.mkdir(parents=True, exist_ok=True)
    sources = [{"name": s["name"], "sha256": s["sha256"]} for s in prepared.sources]
    attempt = {
        "run_date": run_date.isoformat(),
        "blocked": sorted({r["type"] for r in prepared.blocked}),
        "sources": sources,
        "fingerprint": fingerprint,
    }
    if not prepared.blocked:
        part = parts.write_part(target / "parts", prepared, checks or [])
        current = _read_json(target / "current.json")
        same = current is not None and current.get("part") == part.id
        published_on = current["published_on"] if same else attempt["run_date"]
        _write_json(
            target / "current.json",
            {"published_on": published_on, "part": part.id} | attempt,
        )
        (target / "current.pickle").unlink(missing_ok=True)  # superseded, not migrated
        _prune(target)
    _write_json(target / "attempt.json", attempt)


def unchanged(home: Home, cut: str, slug: str, fingerprint: dict) -> parts.Part | None:
    """The comuna's current part when its latest attempt passed with these very inputs
    (same files, descriptor, schemas, code and installation entry), else None."""
    target = folder(home, cut, slug)
    attempt, current = _read_json(target / "attempt.json"), _read_json(target / "current.json")
    if attempt is None or current is None or attempt["blocked"]:
        return None
    if attempt.get("fingerprint") != fingerprint or current.get("fingerprint") != fingerprint:
        return None
    try:
        return load_part(home, cut, slug)
    except (parts.PartError, OSError, ValueError):
        return None  # a damaged part is made again


def passed_fingerprint(home: Home, cut: str, slug: str) -> dict | None:
    """The fingerprint of the comuna's latest attempt when it passed and left a current
    part (what `unchanged` compares), else None."""
    target = folder(home, cut, slug)
    try:
        attempt = _read_json(target / "attempt.json")
    except ValueError:
        return None
    if attempt is None or attempt["blocked"] or not (target / "current.json").exists():
        return None
    return attempt.get("fingerprint")


def record_carried(home: Home, cut: str, slug: str, run_date: dt.date) -> None:
    """A run that carried the current part (`unchanged`): recorded as that part passing
    again on `run_date`, as running it again would have. Its `published_on` stays the date
    those data were first published: freshness follows the data, not the runs."""
    target = folder(home, cut, slug)
    current, attempt = _read_json(target / "current.json"), _read_json(target / "attempt.json")
    carried = attempt | {"run_date": run_date.isoformat()}
    records = {
        "current.json": (current, current | carried),  # `carried` holds no `published_on`
        "attempt.json": (attempt, carried),
    }
    for name, (old, new) in records.items():
        if new != old:  # a second run on the same date changes nothing: no rewrite
            _write_json(target / name, new)


def record_failure(home: Home, cut: str, slug: str, reason: str, run_date: dt.date) -> None:
    """Record an attempt that ended without an outcome (e.g. `timeout`): the comuna keeps
    its current data, now `carried` (or `blocked` if it never passed) with `reason`."""
    target = folder(home, cut, slug)
    target.mkdir(parents=True, exist_ok=True)
    attempt = {
        "run_date": run_date.isoformat(),
        "blocked": [reason],
        "sources": [],
        "fingerprint": None,
    }
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
        released = _read_json(folder(home, cut, slug) / "released.json") or {}
        old = (folder(home, cut, slug) / "released.pickle").exists()  # not yet migrated
        published_on = failure.get("released_on") if "part" in released or old else None
    state = "published" if not reasons else "carried" if published_on else "blocked"
    return ComunaStatus(cut, slug, state, published_on, attempt["run_date"], reasons)


def load_part(home: Home, cut: str, slug: str, *, released: bool = False) -> parts.Part | None:
    """The comuna's current part of the dataset (or the part in the newest release),
    checked against its hashes (`parts.PartError` when damaged); its Parquet files'
    sha256 from the home's digest cache while their `stat` is unchanged
    (`pipelines.digests`)."""
    target = folder(home, cut, slug)
    _migrate(target)
    pointer = _read_json(target / ("released.json" if released else "current.json"))
    if pointer is None or "part" not in pointer:
        return None
    return parts.read_part(target / "parts" / pointer["part"], home.warehouse / digests.FILE)


def record_catalog(home: Home, cut: str, slug: str, failure: dict | None) -> None:
    """After a publication: the part the catalog used becomes the released one, or the
    reason it could not use the current part (`{type, es, en}`) is kept for the status."""
    target = folder(home, cut, slug)
    if failure is None:
        (target / "catalog.json").unlink(missing_ok=True)
        current = _read_json(target / "current.json")
        if current is not None and "part" in current:
            released = {"released_on": current["published_on"], "part": current["part"]}
            _write_json(target / "released.json", released)
            _prune(target)
        return
    released = _read_json(target / "released.json") or {}
    _write_json(
        target / "catalog.json", failure | {k: v for k, v in released.items() if k != "part"}
    )


def published_hashes(home: Home, cut: str, slug: str) -> set[str]:
    """sha256 of the files behind the comuna's current data (already published)."""
    current = _read_json(folder(home, cut, slug) / "current.json")
    return {s["sha256"] for s in current["sources"]} if current else set()


def combine(home: Home, slug: str, cuts: list[str]) -> PreparedDataset | None:
    """One dataset over all comunas: each comuna's last output that passed its gate."""
    found = [load_part(home, cut, slug) for cut in sorted(cuts)]
    return parts.combine(slug, [p for p in found if p is not None])


def _prune(target: Path) -> None:
    """Remove parts that are neither current nor released."""
    keep = {
        pointer["part"]
        for pointer in (_read_json(target / n) for n in ("current.json", "released.json"))
        if pointer and "part" in pointer
    }
    for path in (target / "parts").iterdir() if (target / "parts").exists() else ():
        if path.name not in keep and not path.name.startswith("."):
            shutil.rmtree(path, ignore_errors=True)


def _migrate(target: Path) -> None:
    """Convert a part stored as a pickle (before parts were Parquet) once, then drop it.

    The pickles are this warehouse's own private files (never an input)."""
    for name, pointer in (("current.pickle", "current.json"), ("released.pickle", "released.json")):
        path = target / name
        if not path.exists():
            continue
        prepared = pickle.loads(path.read_bytes())
        part = parts.write_part(target / "parts", prepared, [])
        _write_json(target / pointer, (_read_json(target / pointer) or {}) | {"part": part.id})
        path.unlink()


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


def part_ids(home: Home, cut: str, slug: str) -> tuple[str | None, str | None]:
    """The ids of the comuna's current part and of its part in the newest release."""
    target = folder(home, cut, slug)
    pointers = (_read_json(target / n) or {} for n in ("current.json", "released.json"))
    return tuple(pointer.get("part") for pointer in pointers)


def read_state(home: Home, name: str) -> dict | None:
    """A small JSON record of the warehouse (e.g. what made the newest release)."""
    try:
        return _read_json(home.warehouse / name)
    except ValueError:
        return None  # damaged: as if absent


def write_state(home: Home, name: str, value: dict) -> None:
    home.warehouse.mkdir(parents=True, exist_ok=True)
    _write_json(home.warehouse / name, value)
