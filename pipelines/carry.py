"""What a run carries without running: units whose inputs are unchanged, and the catalog
when nothing changed.

Decided where runs are started (`runner.run_all`, the monthly schedule), before any
Dagster run, because a run costs its plan, events and IO even when its steps read
nothing:

- A comuna × dataset whose fingerprint (`steps.unit_fingerprint`: landed and national
  files, descriptor, schemas, code, installation entry, review decisions, pseudonym
  key, the run date where it matters) is the one of its latest attempt, which passed,
  is carried (`warehouse.unchanged`): recorded as passing again (`record_carried`, as
  running it would have) and reported to Dagster without a run (`report`).
- The catalog is not run when no unit ran and everything it reads is what made the
  served release (`catalog_inputs`: each comuna × dataset's parts and status, the
  installation, the code of the steps and of `publish`, the indicators' methods,
  the canaries, and the run date where the data depends on it; the catalog reads no
  other setting: `ABIERTO_TIMINGS` only times it, and alerts go only with failures,
  which are never skipped): running it would make "no new release". Any doubt (a
  scoped failure, a refused entry, a release interrupted or rolled back, a release made
  by another process) runs it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from datasets.descriptor import SLUGS
from datasets.municipalities import Installation
from pipelines import digests, parts, steps, warehouse
from pipelines.home import Home
from pipelines.resources import AbiertoResource

CATALOG_STATE = "catalog-inputs.json"  # under the warehouse: what made the newest release
ROOT = Path(__file__).resolve().parents[1]
# What the catalog step's code is, beyond the steps' (`steps.code_version`).
CATALOG_CODE = ("publish", "pipelines")


def fingerprint(resource: AbiertoResource, installation: Installation, cut: str, slug: str) -> dict:
    """The unit's fingerprint (`steps.unit_fingerprint`) as of the resource's run date."""
    return steps.unit_fingerprint(
        resource.home(),
        installation,
        slug,
        cut,
        as_of=resource.today(),
        pseudonym_key=resource.pseudonym_key(),
    )


def unchanged_part(
    resource: AbiertoResource, installation: Installation, cut: str, slug: str
) -> parts.Part | None:
    """The unit's current part when its inputs are those of its latest passing attempt."""
    current = fingerprint(resource, installation, cut, slug)
    return warehouse.unchanged(resource.home(), cut, slug, current)


def unchanged_units(
    resource: AbiertoResource,
    installation: Installation,
    units: list[tuple[str, str]],
    *,
    on_run: Callable[[], None] | None = None,
) -> dict[tuple[str, str], parts.Part]:
    """Of `(cut, slug)` units, those whose inputs are unchanged since their latest
    passing attempt, with the part each carries; a unit whose fingerprint cannot be
    computed (a file gone while listed) runs, and fails or not on its own.

    `on_run` is called once, as soon as a unit likely needs a run (`likely_runs`),
    before its files are hashed: the caller can start what runs need meanwhile."""
    found = {}
    home = resource.home()
    for cut, slug in units:
        if on_run is not None and likely_runs(home, cut, slug):
            on_run()
            on_run = None
        try:
            part = unchanged_part(resource, installation, cut, slug)
        except Exception:  # never carry in doubt: the unit's own run reports it
            part = None
        if part is not None:
            found[(cut, slug)] = part
    return found


def likely_runs(home: Home, cut: str, slug: str) -> bool:
    """Whether the unit likely runs, known without hashing: its latest attempt did not
    pass, or its files are not those of that attempt (one added or removed, or one not
    in the digest cache as it is now: new, or rewritten, perhaps with the same bytes).
    A hint only; the whole fingerprint decides."""
    recorded = warehouse.passed_fingerprint(home, cut, slug)
    if recorded is None:
        return True
    cache = home.warehouse / digests.FILE
    try:
        files = steps.landed_digests(
            home, cut, slug, lambda path: digests.cached_sha256(path, cache)
        )
    except OSError:  # a file gone while listed: it runs
        return True
    return files != recorded.get("files")


@dataclass(frozen=True)
class CarriedUnit:
    """A unit carried by this run: its part, the run that computed it, the privacy
    notes that run logged (shown again as warnings)."""

    cut: str
    slug: str
    part: str
    carried_from: str | None
    notes: list[str]


def carry(home: Home, cut: str, slug: str, part: parts.Part, today: dt.date) -> CarriedUnit:
    """Record the unit as carried: its part passing again on `today`, as a run would."""
    carried_from = warehouse.status(home, cut, slug).attempted_on
    warehouse.record_carried(home, cut, slug, today)
    notes = [f"{note['es']} / {note['en']}" for note in part.meta["notes"]]
    return CarriedUnit(cut, slug, part.id, carried_from, notes)


def report(instance: dg.DagsterInstance, units: list[CarriedUnit], today: dt.date) -> None:
    """Tell Dagster which units this run carried: one runless observation of each
    dataset's `publish_<slug>` asset, listing its carried comunas with their part and
    the run that computed it.

    Not one event per unit: a runless event costs Dagster several SQLite connections
    (10-40 ms), about what the run it replaces cost. Nothing is materialized again, so
    each partition's latest materialization and check evaluations stay those of the
    run that computed the carried part: true, and the same results."""
    for slug in SLUGS:
        carried = {
            u.cut: {"part": u.part, "carried_from_run": u.carried_from}
            for u in units
            if u.slug == slug
        }
        if carried:
            instance.report_runless_asset_event(
                dg.AssetObservation(
                    asset_key=f"publish_{slug}",
                    metadata={
                        "carried": True,
                        "run_date": today.isoformat(),
                        "comunas_carried": len(carried),
                        "comunas": dg.MetadataValue.json(carried),
                    },
                )
            )


def is_carried(record: dg.EventLogRecord) -> bool:
    """Whether a materialization record is a carried unit's (nothing new to release)."""
    materialization = record.asset_materialization
    carried = materialization.metadata.get("carried") if materialization else None
    return carried is not None and carried.value is True


def catalog_inputs(home: Home, installation: Installation, today: dt.date) -> str:
    """A digest of everything the catalog step reads (see the module docstring)."""
    from publish.indicators.package import indicators_fingerprint

    cuts = sorted({m.cut for m in installation.municipalities} | set(installation.carried_cuts))
    units = []
    for slug in SLUGS:
        for cut in cuts:
            state = warehouse.status(home, cut, slug)
            units.append(
                [slug, cut, state.status, state.reasons, *warehouse.part_ids(home, cut, slug)]
            )
    cache = home.warehouse / digests.FILE
    code = hashlib.sha256(steps.code_version().encode())
    for entry in CATALOG_CODE:
        for path in sorted((ROOT / entry).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                code.update(path.relative_to(ROOT).as_posix().encode() + b"\0")
                code.update(digests.file_sha256(path, cache).encode())
    canaries = home.root / "canaries.txt"
    dated = any(
        s in steps.RUN_DATE_DEPENDENT for m in installation.municipalities for s in m.datasets
    )
    text = json.dumps(
        {
            "units": units,
            "installation": installation.model_dump_json(),
            "code": code.hexdigest(),
            "indicators": indicators_fingerprint(),
            "canaries": digests.file_sha256(canaries, cache) if canaries.is_file() else None,
            "as_of": today.isoformat() if dated else None,
        },
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def served_release(home: Home, inputs: str) -> str | None:
    """The served release when it is the newest and was made from `inputs` (recorded by
    `remember_catalog`), else None: the catalog must run."""
    from publish.release import Archive

    recorded = warehouse.read_state(home, CATALOG_STATE)
    archive = Archive(home.root)
    newest = archive.newest()
    if recorded is None or recorded["inputs"] != inputs or newest != recorded["release_id"]:
        return None
    if archive.current() != newest or archive.pinned() is not None:
        return None
    if archive.manifest(newest).get("fingerprint") != recorded["fingerprint"]:
        return None
    return newest


def remember_catalog(home: Home, inputs: str, release_id: str) -> None:
    """After a catalog run without failures: what the served release was made from."""
    from publish.release import Archive

    fingerprint = Archive(home.root).manifest(release_id).get("fingerprint")
    warehouse.write_state(
        home,
        CATALOG_STATE,
        {"inputs": inputs, "release_id": release_id, "fingerprint": fingerprint},
    )


def forget_catalog(home: Home) -> None:
    """A catalog run that failed or carried something: the next run runs it again."""
    (home.warehouse / CATALOG_STATE).unlink(missing_ok=True)
