"""What a run carries without running: units whose inputs are unchanged, and the catalog
when nothing changed.

Decided where runs are started (`runner.run_all`, the monthly schedule), before any
Dagster run, because a run costs its plan, events and IO even when its steps read
nothing:

- A comuna × dataset whose fingerprint (`steps.unit_fingerprint`: landed and national
  files, descriptor, schemas, code, installation entry, review decisions, pseudonym
  key, the run date where it matters) is the one of its latest attempt, which passed,
  is carried (`warehouse.unchanged`): recorded as passing again (`record_carried`, as
  running it would have) and reported to Dagster as runless events: a materialization
  of each of its assets (`carried=True`, the part's id) and every stored check result,
  for its partition, marked with the date of the run that computed them.
- The catalog is not run when no unit ran and everything it reads is what made the
  served release (`catalog_inputs`: each comuna × dataset's parts and status, the
  installation, the code of the steps and of `publish`, the indicators' methods,
  the canaries, and the run date where the data depends on it): running it would
  make "no new release". Any doubt (a scoped failure, a refused entry, a release
  interrupted or rolled back, a release made by another process) runs it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
from pathlib import Path

import dagster as dg
from sqlalchemy.exc import IntegrityError

from datasets.descriptor import SLUGS
from datasets.municipalities import Installation
from pipelines import checks, digests, parts, steps, warehouse
from pipelines.home import Home
from pipelines.resources import AbiertoResource

STAGES = ("ingest", "validate", "publish")
CATALOG_STATE = "catalog-inputs.json"  # under the warehouse: what made the newest release
ROOT = Path(__file__).resolve().parents[1]
# What the catalog step's code is, beyond the steps' (`steps.code_version`).
CATALOG_CODE = ("publish", "pipelines")


def unchanged_part(
    resource: AbiertoResource, installation: Installation, cut: str, slug: str
) -> parts.Part | None:
    """The unit's current part when its inputs are those of its latest passing attempt."""
    home = resource.home()
    fingerprint = steps.unit_fingerprint(
        home,
        installation,
        slug,
        cut,
        as_of=resource.today(),
        pseudonym_key=resource.pseudonym_key(),
    )
    return warehouse.unchanged(home, cut, slug, fingerprint)


def carry(
    instance: dg.DagsterInstance | None,
    home: Home,
    cut: str,
    slug: str,
    part: parts.Part,
    today: dt.date,
) -> list[str]:
    """Record the unit as carried and tell Dagster (runless events; none without an
    instance). Returns the privacy notes its run logged, as warnings."""
    carried_from = warehouse.status(home, cut, slug).attempted_on
    warehouse.record_carried(home, cut, slug, today)
    if instance is not None:
        for stage in STAGES:
            instance.report_runless_asset_event(
                dg.AssetMaterialization(
                    asset_key=f"{stage}_{slug}",
                    partition=cut,
                    metadata={"carried": True, "part": part.id, "carried_from_run": carried_from},
                )
            )
        for stage in ("validate", "publish"):
            records = [
                {k: v for k, v in r.items() if k != "asset"}
                for r in part.meta["checks"]
                if r.get("asset") == stage
            ]
            asset = f"{stage}_{slug}"
            for evaluation in checks.evaluations(
                asset, records, partition=cut, carried_from=carried_from
            ):
                # Dagster 1.13 indexes one runless evaluation per check and partition (run
                # id ""): a later one is logged, and the check's latest execution of the
                # partition stays the run, or first carry, that computed the same result
                with contextlib.suppress(IntegrityError):
                    instance.report_runless_asset_event(evaluation)
    return [f"{note['es']} / {note['en']}" for note in part.meta["notes"]]


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
