"""Publish a release atomically; serve, roll back and verify releases.

`publish` assembles a release (data packages, `changes` resources, DuckDB file, release
notes, manifest, `SHA256SUMS`) in a staging folder, builds the site around it, runs the
publish gate, fsyncs, commits the release with one rename and switches the served site
with one `os.replace` (see `publish.release` for the layout and the crash points).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import frictionless
import pandas as pd
import pyarrow.parquet as pq

import datasets.readers.batches
import quality.validator
from datasets.descriptor import load_descriptor
from datasets.errors import AbiertoError, PublishBlocked
from datasets.hashing import sha256_file
from publish import copies
from publish.changes import CHANGES_SCHEMA, diff_table, release_notes, summarise_changes
from publish.duckdb_release import release_url, write_duckdb
from publish.indicators.package import SLUG as INDICATORS
from publish.indicators.package import has_inputs, indicators_fingerprint, write_indicators
from publish.integrity import SUMS, file_digests, fsync_tree, read_sums, verify_folder, write_sums
from publish.leaks import LeakScan, describe_hits, load_canaries
from publish.package import csv_resource, write_csv, write_parquet
from publish.release import MANIFEST, NOTES, Archive, Render, checkpoint
from publish.site.assets import ENGINE, check_engine
from quality.validator import ReferenceTable, validate_file
from schemas import public_descriptor

SCAN_CACHE = ".leak-scan"  # under ABIERTO_HOME: private, never part of the site


@dataclass
class BuiltPackage:
    """A dataset's data package written to the warehouse, ready to enter a release."""

    slug: str
    folder: Path
    package: dict | None
    summary: dict | None
    dropped_values: set[str]
    blocked: list[dict]


@dataclass
class PublishOutcome:
    release_id: str
    site: Path
    published: list[str]
    carried_over: list[str]
    blocked: dict[str, list[dict]]
    is_new: bool = True
    changes: dict[str, dict] = field(default_factory=dict)
    failures: list[dict] = field(default_factory=list)


class LeakFound(PublishBlocked):
    """The gate found personal data only inside some datasets' packages (`datasets`):
    those datasets can carry their previous release while the others publish."""

    def __init__(self, message_es: str, message_en: str, datasets: dict[str, str]) -> None:
        super().__init__(message_es, message_en)
        self.datasets = datasets  # slug → the hits, described without values


def content_fingerprint(
    packages: list[BuiltPackage], previous: dict, comunas: list[dict] | None = None
) -> str:
    """What a release holds, without its id: the packages' descriptors (with every file's
    hash), for a dataset carried over the release it comes from, and where each comuna ×
    dataset stands (published, carried, blocked; not its dates, which move with every
    run even when nothing changed: the same inputs make no new release), and the
    indicators' methods and UTM values (a new method version makes a new release)."""
    parts: dict = {INDICATORS: indicators_fingerprint()}
    if comunas:
        parts["comunas"] = sorted((r["comuna_code"], r["dataset"], r["status"]) for r in comunas)
    for built in sorted(packages, key=lambda b: b.slug):
        if built.blocked:
            parts[built.slug] = {"carried": previous.get(built.slug, {}).get("release_id")}
        else:
            parts[built.slug] = {k: v for k, v in built.package.items() if k != "version"}
    text = json.dumps(parts, ensure_ascii=False, sort_keys=True, default=str)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def publish(
    site: Path,
    packages: list[BuiltPackage],
    *,
    date: str,
    generated_on: dt.date,
    render: Render,
    public_contacts: frozenset[str] = frozenset(),
    comunas: list[dict] | None = None,
    site_url: str | None = None,
) -> PublishOutcome:
    """Publish the packages as a new release, unless they equal the newest release.

    `public_contacts` are the publishers' institutional e-mails and phones, which the
    leak scan's patterns would otherwise flag in the catalog metadata. `comunas` (where
    each comuna × dataset stands) goes into the release's catalog. With `site_url`, the
    DuckDB file's views read the release's Parquet files from the site (`duckdb_release`).

    Personal data found only inside some datasets' packages blocks those datasets, not
    the release: they carry their previous release (reason `personal-data-found`, in
    `PublishOutcome.failures` and in `comunas`) and the others publish. Anything else
    the gate finds refuses the whole release (`PublishBlocked`)."""
    failures: list[dict] = []
    while True:
        try:
            outcome = _publish_once(
                site,
                packages,
                date=date,
                generated_on=generated_on,
                render=render,
                public_contacts=public_contacts,
                comunas=comunas,
                site_url=site_url,
            )
        except LeakFound as found:
            blocked = {b.slug for b in packages if b.blocked}
            if not set(found.datasets) - blocked:
                raise
            for slug, hits in sorted(found.datasets.items()):
                reason = {
                    "type": "personal-data-found",
                    "es": f"datos personales en archivos públicos: {hits}",
                    "en": f"personal data in public files: {hits}",
                }
                failures.append({"comuna_code": None, "dataset": slug} | reason)
                comunas = carry_rows(comunas or [], slug, reason["type"])
            packages = [
                BuiltPackage(
                    b.slug,
                    b.folder,
                    None,
                    None,
                    set(),
                    [f for f in failures if f["dataset"] == b.slug],
                )
                if b.slug in found.datasets
                else b
                for b in packages
            ]
            continue
        outcome.failures = failures + outcome.failures
        return outcome


def carry_rows(comunas: list[dict], slug: str, reason: str) -> list[dict]:
    """The comuna × dataset rows of a dataset that carries its previous release: each
    comuna that would have published is carried (blocked if it never published)."""
    return [
        row
        | {"status": "carried" if row["published_on"] else "blocked"}
        | {"reasons": sorted({*row.get("reasons", []), reason})}
        if row["dataset"] == slug and row["status"] == "published"
        else row
        for row in comunas
    ]


def _publish_once(
    site: Path,
    packages: list[BuiltPackage],
    *,
    date: str,
    generated_on: dt.date,
    render: Render,
    public_contacts: frozenset[str],
    comunas: list[dict] | None,
    site_url: str | None,
) -> PublishOutcome:
    archive = Archive(site.parent)
    with archive.lock():
        checkpoint("locked")
        archive.clean_orphans()
        checkpoint("orphans-cleaned")
        current = archive.current()
        previous = archive.manifest(current)["catalog"]["datasets"] if current else {}
        fingerprint = content_fingerprint(packages, previous, comunas)
        published = [b.slug for b in packages if not b.blocked]
        carried = [b.slug for b in packages if b.blocked and b.slug in previous]
        blocked = {b.slug: b.blocked for b in packages if b.blocked}
        newest = archive.newest()
        if newest and archive.manifest(newest)["fingerprint"] == fingerprint:
            if newest != current and archive.pinned() is None:
                archive.serve(newest, render, pin=False)  # complete an interrupted publication
            return PublishOutcome(newest, site, published, carried, blocked, is_new=False)
        release_id = archive.next_id(date)
        staging = archive.staging(release_id)
        build = None
        try:
            datasets, changes, failures = _stage(
                archive, staging, packages, previous, release_id, generated_on
            )
            write_duckdb(
                staging,
                {slug: entry["package"] for slug, entry in datasets.items()},
                release_url(site_url, release_id),
            )
            checkpoint("staged-duckdb")
            manifest = {
                "release_id": release_id,
                "previous_release": current,
                "fingerprint": fingerprint,
                "generated_on": generated_on.isoformat(),
                "catalog": {"release_id": release_id, "datasets": datasets}
                | ({"comunas": comunas} if comunas else {}),
            }
            (staging / MANIFEST).write_text(_json(manifest), encoding="utf-8")
            (staging / NOTES).write_text(
                release_notes(release_id, current, {s: changes.get(s) for s in datasets}),
                encoding="utf-8",
            )
            checkpoint("staged-manifest")
            digests = file_digests(staging)  # each file read once: sums, gate, scan
            write_sums(staging, digests)
            checkpoint("staged-checksums")
            dropped = set().union(*(b.dropped_values for b in packages if not b.blocked))
            summaries = {s: d["summary"] for s, d in datasets.items() if s in changes}
            # the staging folder is complete: its bytes go to disk while the site is built
            # and checked (the fsync below then finds them there). The gate's checks are
            # not run beside the site build: three threads of Python contending for the
            # GIL (page rendering, the scan, validation) took longer than one after the other
            with ThreadPoolExecutor(1) as flusher:
                flushed = flusher.submit(fsync_tree, staging)
                build = archive.build_site(release_id, staging, render)
                checkpoint("site-built")
                gate(
                    staging,
                    build,
                    summaries,
                    dropped,
                    canaries=load_canaries(archive.root),
                    public=public_contacts,
                    scan_cache=archive.root / SCAN_CACHE,
                    digests=digests,
                )
                flushed.result()
            checkpoint("gate-passed")
            fsync_tree(staging)
            fsync_tree(build)
            checkpoint("synced")
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            if build is not None:
                shutil.rmtree(build, ignore_errors=True)
            raise
        archive.commit(staging, release_id)
        checkpoint("committed")
        archive.switch(build)
        archive.pin.unlink(missing_ok=True)
        checkpoint("switched")
    checkpoint("done")
    return PublishOutcome(
        release_id, site, published, carried, blocked, changes=changes, failures=failures
    )


def _stage(
    archive: Archive,
    staging: Path,
    packages: list[BuiltPackage],
    previous: dict,
    release_id: str,
    generated_on: dt.date,
) -> tuple[dict, dict, list[dict]]:
    """Put every dataset's package in the staging folder, then the `indicators` computed
    from them (`publish.indicators`; if that fails, the indicators of the previous release
    are carried and the failure returned); return catalog entries, changes, failures."""
    datasets, fresh, failures = {}, [], []
    for built in packages:
        if built.blocked:
            if built.slug in previous:
                origin = previous[built.slug]["release_id"]
                shutil.copytree(
                    archive.releases / origin / built.slug,
                    staging / built.slug,
                    copy_function=_link,
                )
                datasets[built.slug] = previous[built.slug]
            continue
        before = (
            archive.releases / previous[built.slug]["release_id"]
            if built.slug in previous
            else None
        )
        _copy_or_link(built.folder, staging / built.slug, before, built.slug)
        fresh.append(built)
    if has_inputs(staging):
        try:
            package, summary = write_indicators(
                staging, version=release_id, generated_on=generated_on
            )
            fresh.append(
                BuiltPackage(INDICATORS, staging / INDICATORS, package, summary, set(), [])
            )
        except Exception as error:  # scoped: the datasets publish, the indicators carry over
            shutil.rmtree(staging / INDICATORS, ignore_errors=True)
            text = f"{type(error).__name__}: {error}"[:300]
            failures.append(
                {"comuna_code": None, "dataset": INDICATORS, "type": "catalog-error"}
                | {"es": f"no se pudo armar el paquete ({text})"}
                | {"en": f"the package could not be built ({text})"}
            )
            if INDICATORS in previous:
                origin = archive.releases / previous[INDICATORS]["release_id"] / INDICATORS
                shutil.copytree(origin, staging / INDICATORS, copy_function=_link)
                datasets[INDICATORS] = previous[INDICATORS]
    checkpoint("staged-packages")
    changes = {}
    for built in fresh:
        folder = staging / built.slug
        before = None
        if built.slug in previous:
            before = archive.releases / previous[built.slug]["release_id"] / built.slug
        frame = dataset_changes(built.slug, before, folder)
        changes[built.slug] = summarise_changes(frame)
        package = json.loads((folder / "datapackage.json").read_text("utf-8"))
        package["version"] = release_id
        package["resources"].append(_write_changes(folder, frame))
        (folder / "datapackage.json").write_text(
            json.dumps(package, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        datasets[built.slug] = {
            "release_id": release_id,
            "package": package,
            "summary": built.summary,
            "changes": changes[built.slug],
        }
    checkpoint("staged-changes")
    return datasets, changes, failures


def _link(source: str, target: str) -> None:
    Path(target).hardlink_to(source)


def _copy_or_link(source: Path, target: Path, before: Path | None, slug: str) -> None:
    """Put a new package into the staging folder as hard links (no copy of a million rows:
    the writers never change a file in place, they write a new one and rename it, and a
    new build of the package removes the folder first); a file with the same bytes
    (sha256 in the previous release's `SHA256SUMS`) as the previous release's is
    hard-linked to that one instead (content-addressed: the archive keeps one copy). A
    file's sha256 is the one its writer took as it wrote it (the package's
    `datapackage.json`), not read again: the linked file has those bytes, and any other
    is hashed and checked against its declaration in the gate. `datapackage.json` is
    copied: staging rewrites it in place."""
    sums = read_sums(before / SUMS) if before is not None and (before / SUMS).exists() else {}
    declared = _declared_hashes(source / "datapackage.json")
    target.mkdir(parents=True)
    for path in sorted(source.iterdir()):
        name = f"{slug}/{path.name}"
        old = before / name if before is not None else None
        if path.is_dir():
            shutil.copytree(path, target / path.name)
        elif (
            old is not None
            and path.name != "datapackage.json"
            and name in sums
            and old.exists()
            and old.stat().st_size == path.stat().st_size
            and (declared.get(path.name) or sha256_file(path)) == sums[name]
        ):
            (target / path.name).hardlink_to(old)
        elif path.name == "datapackage.json":
            shutil.copy2(path, target / path.name)
        else:
            try:
                (target / path.name).hardlink_to(path)
            except OSError:  # another filesystem, or links refused
                shutil.copy2(path, target / path.name)


def _declared_hashes(package: Path) -> dict[str, str]:
    """File name → sha256 of every file a package descriptor lists ({} without one)."""
    if not package.exists():
        return {}
    hashes = {}
    for resource in json.loads(package.read_text("utf-8")).get("resources", []):
        for entry in [resource, *resource.get("x-alternates", [])]:
            if str(entry.get("hash", "")).startswith("sha256:"):
                hashes[entry["path"]] = entry["hash"].removeprefix("sha256:")
    return hashes


def dataset_changes(slug: str, before: Path | None, after: Path) -> pd.DataFrame:
    """The `changes` rows of a dataset between two package folders (none for a first
    release, nor for a table whose file is the previous one, hard-linked by `_stage`)."""
    frames = []
    for table in load_descriptor(slug).tables:
        old, new = (before / f"{table}.parquet") if before else None, after / f"{table}.parquet"
        if old is not None and old.exists() and not old.samefile(new):  # a link: unchanged
            key = public_descriptor(table)["primaryKey"]
            frames.append(diff_table(old, new, key if isinstance(key, list) else [key], table))
    names = [f["name"] for f in CHANGES_SCHEMA["fields"]]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=names)


def _write_changes(folder: Path, frame: pd.DataFrame) -> dict:
    csv_path, parquet_path = folder / "changes.csv", folder / "changes.parquet"
    write_csv(frame, CHANGES_SCHEMA["fields"], csv_path)
    write_parquet(frame, CHANGES_SCHEMA["fields"], parquet_path)
    title = {
        "es": "Cambios respecto de la publicación anterior",
        "en": "Changes since the previous release",
    }
    return csv_resource("changes", csv_path, title, CHANGES_SCHEMA, [parquet_path])


def gate(
    staging: Path,
    build: Path,
    summaries: dict[str, dict],
    dropped: set[str],
    *,
    canaries: set[str] = frozenset(),
    public: frozenset[str] = frozenset(),
    scan_cache: Path | None = None,
    digests: dict[str, str] | None = None,
) -> None:
    """The publish gate, re-checked here: valid packages, row counts that match the
    reconciled counts, no personal data in any public file (`publish.leaks`: values
    removed in this run, canaries, personal RUT/e-mail/phone patterns), and hashes.

    The site build's `releases/` and `latest/` are links to release folders: the new
    one is scanned as `staging`, the older ones were scanned when they were made.
    `scan_cache` (private) lists files already scanned clean (`publish.leaks.ScanCache`)
    and keeps the records of the copies the writers rendered (`publish.copies`); both
    are saved only when the gate passes. `digests` are the staging files' sha256 when
    the caller has read them (`integrity.file_digests`): every check uses them.

    Raises `LeakFound` when the only problem is personal data inside some datasets'
    folders, `PublishBlocked` otherwise."""
    digests = file_digests(staging) if digests is None else digests
    records = copies.load(scan_cache / copies.FILE) if scan_cache else dict(copies.RECORDED)
    validated = Validated(scan_cache / Validated.FILE if scan_cache else None)
    scan = LeakScan(dropped, canaries=canaries, public=public, cache=scan_cache)
    problems = []
    # the packages are validated (Arrow, mostly outside the GIL) while the scan runs
    with ThreadPoolExecutor(1) as pool:
        invalid = {
            slug: pool.submit(
                invalid_package,
                staging / slug,
                slug,
                {
                    k.removeprefix(f"{slug}/"): v
                    for k, v in digests.items()
                    if k.startswith(f"{slug}/")
                },
                validated,
            )
            for slug in summaries
        }
        hits = scan.scan(staging, digests=digests, records=records)
        site_hits = scan.scan(build, exclude=("releases", "latest", ENGINE))
        for slug, summary in summaries.items():
            problems += invalid[slug].result()
            for table, preview in summary["previews"].items():
                rows = pq.read_metadata(staging / slug / f"{table}.parquet").num_rows
                if rows != preview["rows_total"]:
                    problems.append(f"{slug}/{table}.parquet: {rows} != {preview['rows_total']}")
    problems += check_engine(build)  # vendored code, checked byte for byte instead
    problems += [str(p) for p in verify_folder(staging, digests)]
    by_dataset: dict[str, list[dict]] = {}
    for hit in hits:
        top = hit["file"].split("/")[0]
        by_dataset.setdefault(top if top in summaries else "", []).append(hit)
    if hits or site_hits:
        problems.append("datos personales / personal data: " + describe_hits(hits + site_hits))
    else:
        scan.save()
        if scan_cache is not None:
            copies.save(scan_cache / copies.FILE, records, digests.values())
        if not problems:
            validated.save()
    if problems and not problems[:-1] and not site_hits and "" not in by_dataset and hits:
        raise LeakFound(
            "la publicación se canceló: " + problems[-1],
            "publication cancelled: " + problems[-1],
            {slug: describe_hits(found) for slug, found in by_dataset.items()},
        )
    if problems:
        raise PublishBlocked(
            "la publicación se canceló: " + "; ".join(problems),
            "publication cancelled: " + "; ".join(problems),
        )


def invalid_package(
    folder: Path,
    slug: str,
    digests: dict[str, str] | None = None,
    validated: Validated | None = None,
) -> list[str]:
    """What makes a data package invalid: frictionless-py checks its descriptor, the
    project's validator (frictionless-py's semantics at column speed,
    `quality.validator`) every resource's rows: types, constraints, primary and foreign
    keys. Bytes and hashes are `publish.integrity`'s.

    With `validated` (and the files' sha256 by name, `digests`), a resource whose CSV
    bytes were found valid before under the same schema, beside the same bytes of the
    package's other tables (its foreign keys' targets) and by the same validator code
    is not parsed again: the published bytes are what is validated, once."""
    path = folder / "datapackage.json"
    descriptor = json.loads(path.read_text("utf-8"))
    report = frictionless.Package.validate_descriptor(descriptor, basepath=str(folder))
    if not report.valid:
        return [f"{slug}/datapackage.json: frictionless {report.flatten(['type', 'note'])[:3]}"]
    tables = {
        r["name"]: ReferenceTable(folder / r["path"], r["schema"]) for r in descriptor["resources"]
    }
    problems = []
    for resource in descriptor["resources"]:
        key = validated.key(descriptor, resource, digests) if validated and digests else None
        if key is not None and validated.holds(key):
            continue
        report = validate_file(
            folder / resource["path"], resource["schema"], foreign_tables=tables, limit_errors=3
        )
        if not report.valid:
            errors = report.flatten(["rowNumber", "fieldName", "type"])
            problems.append(f"{slug}/{resource['path']}: {errors}")
        elif key is not None:
            validated.add(key)
    return problems


class Validated:
    """Keys of package resources found valid (`key`), kept privately in `path` (under the
    leak-scan cache folder) once a gate passed; only the keys of the newest release are
    kept."""

    FILE = "validated.json"

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.known: set[str] = set()
        if path is not None and path.exists():
            try:
                self.known = set(json.loads(path.read_text("utf-8")))
            except (ValueError, TypeError):
                self.known = set()
        self.used: set[str] = set()

    @staticmethod
    def key(descriptor: dict, resource: dict, digests: dict[str, str]) -> str | None:
        """What a resource's validation depends on: its schema, the bytes of its CSV and
        of every table of its package, and the validator's code (None: a file unhashed)."""
        paths = sorted(r["path"] for r in descriptor["resources"])
        if any(p not in digests for p in paths):
            return None
        inputs = [resource["path"], resource["schema"], [(p, digests[p]) for p in paths]]
        text = json.dumps([*inputs, VALIDATOR], sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def holds(self, key: str) -> bool:
        if key in self.known:
            self.used.add(key)
            return True
        return False

    def add(self, key: str) -> None:
        self.used.add(key)

    def save(self) -> None:
        if self.path is None or self.used == self.known:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(f".{self.path.name}.partial")
        partial.write_text(json.dumps(sorted(self.used)), "utf-8")
        os.replace(partial, self.path)


def _validator_version() -> str:
    """sha256 of the code that decides whether rows are valid (the validator and its CSV
    readers) and frictionless-py's version: a change validates every package again."""
    digest = hashlib.sha256(frictionless.__version__.encode())
    for package in (quality.validator, datasets.readers.batches):
        for source in sorted(Path(package.__file__).parent.rglob("*.py")):
            digest.update(source.read_bytes())
    return digest.hexdigest()


VALIDATOR = _validator_version()


def rollback(site: Path, release_id: str | None, render: Render) -> str:
    """Serve an earlier release (default: the one before the current); return its id."""
    archive = Archive(site.parent)
    with archive.lock():
        archive.clean_orphans()
        ids, current = archive.ids(), archive.current()
        if release_id is None:
            earlier = [i for i in ids if current is None or ids.index(i) < ids.index(current)]
            if not earlier:
                raise AbiertoError(
                    "no hay una publicación anterior a la actual",
                    "there is no release before the current one",
                )
            release_id = earlier[-1]
        archive.manifest(release_id)
        problems = verify_folder(archive.releases / release_id)
        if problems:
            raise AbiertoError(
                f"la publicación {release_id} no pasa la verificación: {problems[0]}",
                f"release {release_id} fails verification: {problems[0]}",
            )
        archive.serve(release_id, render, pin=True)
    return release_id


def list_releases(site: Path) -> list[dict]:
    """Every release, oldest first: id, date, datasets, whether it is served."""
    archive = Archive(site.parent)
    current = archive.current()
    rows = []
    for release_id in archive.ids():
        manifest = archive.manifest(release_id)
        folder = archive.releases / release_id
        rows.append(
            {
                "release_id": release_id,
                "generated_on": manifest["generated_on"],
                "previous_release": manifest["previous_release"],
                "datasets": {
                    slug: entry["release_id"]
                    for slug, entry in manifest["catalog"]["datasets"].items()
                },
                "bytes": sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()),
                "is_current": release_id == current,
            }
        )
    return rows


def release_folder(site: Path, release: str | None) -> Path:
    """The folder to verify: a release id of this home (default: the served one) or a path."""
    archive = Archive(site.parent)
    if release is None:
        release = archive.current()
        if release is None:
            raise AbiertoError(
                "no hay ninguna publicación; ejecute `abierto run`",
                "there is no release yet; run `abierto run`",
            )
    if (archive.releases / release / MANIFEST).exists():
        return archive.releases / release
    path = Path(release)
    if path.is_dir():
        return path
    raise AbiertoError(
        f"{release} no es una publicación ni una carpeta; vea `abierto releases`",
        f"{release} is neither a release nor a folder; see `abierto releases`",
    )


def _json(value: dict) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
