"""Assets: per dataset ingest → validate → publish, one partition per comuna; then one catalog.

Each comuna is a partition of the dataset assets, so it runs, fails and is backfilled on
its own. A comuna's publish step records its outcome in the warehouse
(`pipelines.warehouse`); the unpartitioned `catalog` asset combines, per dataset, each
comuna's last output that passed its gate, so one comuna's broken export blocks only
that comuna. The assets are thin wrappers around `pipelines.steps` and `publish.catalog`.
"""

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

import dagster as dg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from datasets.descriptor import SLUGS
from datasets.routing import prune_splits
from pipelines import carry, checks, freshness, notify, parts, steps, warehouse
from pipelines.resources import AbiertoResource
from publish.catalog import (
    build_package,
    package_key,
    public_contacts,
    publish_release,
    remember_package,
    reused_package,
)
from publish.leaks import LeakScan, describe_hits, load_canaries
from publish.publication import BuiltPackage, carry_rows
from publish.release import mark
from schemas import public_descriptor

SCANNED = "leak-scan"  # under the warehouse: part files already scanned clean (private)

# Transient I/O (a network share hiccup, a file briefly locked) is retried with backoff;
# anything else fails at once (`transient_only`).
RETRY = dg.RetryPolicy(
    max_retries=3, delay=5, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS
)


@contextlib.contextmanager
def transient_only() -> Iterator[None]:
    """Let `OSError` through to the retry policy; any other error fails without retrying."""
    try:
        yield
    except OSError:
        raise
    except Exception as error:
        raise dg.Failure(type(error).__name__, allow_retries=False) from error


@dataclass(frozen=True)
class Carried:
    """A comuna × dataset whose inputs are unchanged since its latest run, which passed:
    its steps read nothing and carry that run's outcome (`warehouse.unchanged`)."""

    slug: str
    part: str  # the id of the carried part
    run_date: str | None  # the run that computed it


def _carried_checks(
    abierto: AbiertoResource, cut: str, carried: Carried, asset: str
) -> list[dg.AssetCheckResult]:
    """The step's checks as the carried run reported them (every declared check)."""
    part = warehouse.load_part(abierto.home(), cut, carried.slug)
    step = asset.split("_", 1)[0]
    records = [
        {k: v for k, v in r.items() if k != "asset"}
        for r in part.meta["checks"]
        if r.get("asset") == step
    ]
    return checks.results(asset, records, carried_from=carried.run_date)


def comuna_partitions(cuts: list[str]) -> dg.StaticPartitionsDefinition:
    """One partition per comuna (CUT code) of the installation."""
    return dg.StaticPartitionsDefinition(sorted(cuts))


def dataset_assets(
    slug: str, partitions: dg.PartitionsDefinition, retry: dg.RetryPolicy = RETRY
) -> list[dg.AssetsDefinition]:
    common = {"group_name": slug, "partitions_def": partitions, "retry_policy": retry}

    @dg.asset(name=f"ingest_{slug}", kinds={"python"}, **common)
    def ingest(context: dg.AssetExecutionContext, abierto: AbiertoResource):
        """Read the comuna's landed exports of the dataset and map them to the canonical tables.

        When the inputs have the fingerprint of the comuna's latest run, which passed, nothing
        is read: the run carries that outcome (`Carried`)."""
        cut, home, installation = context.partition_key, abierto.home(), abierto.installation()
        with transient_only():
            fingerprint = carry.fingerprint(abierto, installation, cut, slug)
            part = warehouse.unchanged(home, cut, slug, fingerprint)
            if part is not None:
                carried = Carried(slug, part.id, warehouse.status(home, cut, slug).attempted_on)
                yield dg.Output(carried, metadata={"carried": True, "files_read": 0})
                return
            result = steps.ingest(home, installation, slug, comuna=cut)
        result.fingerprint = fingerprint
        yield dg.Output(
            result,
            metadata={
                "carried": False,
                "files_read": len(result.sources),
                "files_rejected": len(result.rejected),
                "rows_read": sum(raw.rows_read for _, raw in result.sources),
                "rows_excluded": sum(len(raw.excluded) for _, raw in result.sources),
                # national files split for this run: rows in, routed, excluded, unmatched
                "national_files": dg.MetadataValue.json(result.routing),
            },
        )

    @dg.asset(
        name=f"validate_{slug}",
        ins={"ingested": dg.AssetIn(f"ingest_{slug}")},
        check_specs=checks.validation_check_specs(f"validate_{slug}"),
        **common,
    )
    def validate(context: dg.AssetExecutionContext, abierto: AbiertoResource, ingested):
        """Validate against the Table Schemas; quarantine failing rows with their errors."""
        asset = f"validate_{slug}"
        if isinstance(ingested, Carried):
            yield dg.Output(ingested, metadata={"carried": True})
            yield from _carried_checks(abierto, context.partition_key, ingested, asset)
            return
        quarantine = abierto.home().quarantine / context.partition_key
        with transient_only():
            result = steps.validate(ingested, abierto.installation(), quarantine)
        result.checks = checks.validation_checks(result)
        ingested.release_tables()  # last: a retry of this step still finds them
        yield dg.Output(
            result,
            metadata={f"rows_valid_{t}": len(f) for t, f in result.valid.items()}
            | {f"rows_quarantined_{t}": len(f) for t, f in result.quarantined.items()},
        )
        yield from checks.results(asset, result.checks)

    @dg.asset(
        name=f"publish_{slug}",
        ins={"validated": dg.AssetIn(f"validate_{slug}")},
        check_specs=checks.publish_check_specs(f"publish_{slug}")
        + checks.quality_check_specs(f"publish_{slug}", slug),
        **common,
    )
    def publish(context: dg.AssetExecutionContext, abierto: AbiertoResource, validated):
        """Derive computed columns, run the quality rules, apply privacy rules, run the gate,
        record the comuna's outcome.

        A blocked comuna keeps its previous data in the catalog and the office is alerted.
        Unchanged inputs carry the comuna's current outcome, recorded as passing again.
        """
        cut, asset = context.partition_key, f"publish_{slug}"
        home = abierto.home()
        if isinstance(validated, Carried):
            with transient_only():
                part = warehouse.load_part(home, cut, slug)
                warehouse.record_carried(home, cut, slug, abierto.today())
            for note in part.meta["notes"]:
                context.log.warning(f"{note['es']} / {note['en']}")
            yield dg.Output(
                {"comuna_code": cut, "blocked": []},
                metadata={"carried": True, "part": part.id, "blocked": []},
            )
            yield from _carried_checks(abierto, cut, validated, asset)
            return
        with transient_only():
            prepared = steps.prepare(
                validated,
                abierto.installation(),
                as_of=abierto.today(),
                pseudonym_key=abierto.pseudonym_key(),
                home=home,
                quarantine_dir=home.quarantine / cut,
            )
            records = checks.publish_checks(prepared) + checks.quality_checks(prepared)
            warehouse.record(
                home,
                cut,
                prepared,
                abierto.today(),
                fingerprint=validated.fingerprint,
                checks=[r | {"asset": "validate"} for r in validated.checks]
                + [r | {"asset": "publish"} for r in records],
            )
            validated.release_tables()  # last: a retry of this step still finds them
        for note in prepared.notes:
            context.log.warning(f"{note['es']} / {note['en']}")
        reasons = sorted({r["type"] for r in prepared.blocked})
        if reasons:
            alert = notify.Alert.blocked(
                cut, slug, [r["type"] for r in prepared.blocked], notify.run_link(context.run_id)
            )
            notify.send(alert, notify.channels_from_env())
        yield dg.Output(
            {"comuna_code": cut, "blocked": prepared.blocked},
            metadata={f"rows_published_{t}": len(f) for t, f in prepared.tables.items()}
            | {f"rows_held_{t}": len(f) for t, f in prepared.held.items()}
            | {"blocked": reasons, "privacy_notes": [n["en"] for n in prepared.notes]}
            | {
                "validation_report": dg.MetadataValue.path(
                    home.quarantine / cut / slug / "index.html"
                )
            },
        )
        yield from checks.results(asset, records)

    return [ingest, validate, publish]


def freshness_check(slug: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset="catalog",
        name=f"fresh_{slug}",
        description=f"Every comuna's {slug} data is no older than the dataset's cadence allows.",
    )
    def check(abierto: AbiertoResource) -> dg.AssetCheckResult:
        rows = freshness.freshness(abierto.home(), abierto.installation(), slug, abierto.today())
        stale = [r for r in rows if r["is_stale"]]
        return dg.AssetCheckResult(
            passed=not stale,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "comunas": len(rows),
                "stale": [f"{r['comuna_code']} {r['comuna_name']}" for r in stale],
                "max_age_days": rows[0]["max_age_days"] if rows else 0,
            },
        )

    return check


@dg.asset(group_name="catalog", deps=[f"publish_{slug}" for slug in SLUGS], kinds={"html"})
def catalog(context: dg.AssetExecutionContext, abierto: AbiertoResource) -> str:
    """The static open data catalog: every dataset over all comunas, each comuna at its last
    output that passed its gate, plus where each comuna × dataset stands.

    Every failure here is scoped: a comuna's part that cannot be read or holds personal
    data carries that comuna's part of the newest release; a dataset whose package
    cannot be built carries its previous release; the others publish. The materialization's
    `failures` metadata lists them (`{comuna_code, dataset, type, es, en}`)."""
    mark("catalog-start")
    home, installation, today = abierto.home(), abierto.installation(), abierto.today()
    release_id = abierto.release_id()
    # a comuna whose installation entry was refused keeps its last output (carried)
    cuts = [m.cut for m in installation.municipalities] + sorted(installation.carried_cuts)
    canaries, public = load_canaries(home.root), public_contacts(installation)
    failures: list[dict] = []
    used: dict[str, list[str]] = {}
    packages = []
    for slug in SLUGS:  # one dataset's parts in memory at a time
        statuses = [warehouse.status(home, cut, slug) for cut in cuts]
        found = _parts(home, slug, cuts)
        dropped = [p.dropped_values for p in found.values() if isinstance(p, parts.Part)]
        scan = LeakScan(
            set().union(*dropped), canaries=canaries, public=public, cache=home.warehouse / SCANNED
        )
        chosen = []
        for cut, part in found.items():
            failure = _part_failure(scan, part)
            if failure is not None:
                failures.append({"comuna_code": cut, "dataset": slug} | failure)
                part = _released(home, cut, slug)
            if part is not None:
                chosen.append(part)
            if failure is None:
                used.setdefault(slug, []).append(cut)
        scan.save()
        folder = home.warehouse / "packages" / slug
        try:
            fresh = any(s.status == "published" for s in statuses)
            if not chosen or not (fresh or any(f["dataset"] == slug for f in failures)):
                # nothing new from any comuna: the dataset keeps its previous release
                combined = steps.PreparedDataset(slug, {}, {}, {}, set(), [], [])
                combined.blocked = _reasons(statuses) or [
                    {"type": "no-data", "es": "no hay datos", "en": "no data"}
                ]
                built = build_package(
                    combined, installation, folder, release_id=release_id, generated_on=today
                )
            else:
                built = _package(slug, chosen, installation, folder, release_id, today)
        except Exception as error:  # scoped: this dataset carries its previous release
            reason = _error_reason(error)
            failures.append({"comuna_code": None, "dataset": slug} | reason)
            built = BuiltPackage(slug, folder, None, None, set(), [reason])
            used.pop(slug, None)
        packages.append(built)
    mark("packages-built")
    for failure in failures:
        if failure["comuna_code"] is not None:
            warehouse.record_catalog(home, failure["comuna_code"], failure["dataset"], failure)
    comunas = [
        row for slug in SLUGS for row in freshness.freshness(home, installation, slug, today)
    ]
    for failure in failures:
        if failure["comuna_code"] is None:
            comunas = carry_rows(comunas, failure["dataset"], failure["type"])
    outcome = publish_release(
        home.site,
        installation,
        packages,
        release_id=abierto.release_id(),
        generated_on=today,
        comunas=comunas,
    )
    failures += outcome.failures
    # the release is out: splits of national files no longer landed are not needed
    prune_splits(home.warehouse, [p for slug in SLUGS for p in home.national_files(slug)])
    carried = {f["dataset"] for f in outcome.failures}
    for slug, cut_list in used.items():
        if slug not in carried and slug not in outcome.blocked:
            for cut in cut_list:
                warehouse.record_catalog(home, cut, slug, None)
    for failure in failures:
        where = f"{failure['comuna_code'] or '*'} {failure['dataset']}"
        context.log.warning(f"{where}: {failure['es']} / {failure['en']}")
    channels = notify.channels_from_env()
    refused = [entry.cut for entry in installation.refused]
    for alert in notify.catalog_alerts(failures, refused, notify.run_link(context.run_id)):
        notify.send(alert, channels)
    context.add_output_metadata(
        {
            "release_id": outcome.release_id,
            "new_release": outcome.is_new,
            "site": dg.MetadataValue.path(str(outcome.site / "index.html")),
            "published": outcome.published,
            "carried_over": outcome.carried_over,
            "blocked": list(outcome.blocked),
            "failures": dg.MetadataValue.json(failures),
            "comunas_stale": sorted({r["comuna_code"] for r in comunas if r["is_stale"]}),
        }
        # rows of the packages new in this release (a blocked one is carried, or absent)
        | {f"rows_published_{p.slug}": p.summary["rows_published"] for p in packages if p.summary}
    )
    return outcome.release_id


def _parts(home, slug: str, cuts: list[str]) -> dict[str, parts.Part | Exception]:
    """Each comuna's current part of the dataset (checked against its hashes), or the
    error reading it."""
    found = {}
    for cut in sorted(cuts):
        try:
            part = warehouse.load_part(home, cut, slug)
        except Exception as error:  # a damaged part is that comuna's failure only
            part = error
        if part is not None:
            found[cut] = part
    return found


def _package(
    slug: str,
    chosen: list[parts.Part],
    installation,
    folder,
    release_id: str,
    today,
) -> BuiltPackage:
    """The dataset's package from the chosen parts: the one built before when the parts
    (by id), the installation and the code are the same, else assembled by DuckDB
    from the parts' Parquet files and written."""
    key = package_key(slug, [p.id for p in chosen], installation)
    dropped = set().union(*(p.dropped_values for p in chosen))
    built = reused_package(folder, key, dropped, release_id=release_id, generated_on=today)
    if built is None:
        combined = parts.combine(slug, chosen, arrow=True)
        built = build_package(
            combined, installation, folder, release_id=release_id, generated_on=today
        )
        remember_package(built, key)
    return built


def _part_failure(scan: LeakScan, part: parts.Part | Exception) -> dict | None:
    """Why a comuna's part cannot enter the release: unreadable, or personal data in the
    text it would publish (matched as the publish gate does; a part file already found
    clean under the same needles is not read again)."""
    if isinstance(part, Exception):
        return _error_reason(part) | {"type": "part-unreadable"}
    try:
        hits = []
        for table in part.meta["tables"]["tables"]:
            name = f"tables.{table}.parquet"
            key = f"part:{part.meta['files'][name]}"
            if scan.cache.holds(key):
                continue
            found = scan.scan_table(f"{part.slug}/{table}", _public_text(part, table))
            if not found:
                scan.cache.add(key)
            hits += found
    except Exception as error:
        return _error_reason(error)
    if not hits:
        return None
    return {
        "type": "personal-data-found",
        "es": f"datos personales en lo que se publicaría: {describe_hits(hits)}",
        "en": f"personal data in what would be published: {describe_hits(hits)}",
    }


def _public_text(part: parts.Part, table: str) -> pa.Table:
    """The distinct texts of the part's published text fields of `table` (as the writers
    type them), each column's padded with nulls to the longest: text columns are read as
    the Parquet file's dictionaries, so no column is decoded row by row to be scanned."""
    fields = public_descriptor(table)["fields"]
    path = part.path("tables", table)
    names = [f["name"] for f in fields if f.get("type", "string") == "string"]
    schema = pq.read_schema(path)
    text = [name for name in names if pa.types.is_string(schema.field(name).type)]
    stored = pq.read_table(path, columns=names, read_dictionary=text)
    distinct = {
        name: pc.unique(
            pa.chunked_array([chunk.dictionary for chunk in column.chunks], pa.string())
            if name in text
            else column.cast(pa.string())
        )
        for name, column in zip(stored.column_names, stored.columns, strict=True)
    }
    longest = max(map(len, distinct.values()), default=0)
    return pa.table(
        {
            name: pa.concat_arrays([values, pa.nulls(longest - len(values), pa.string())])
            for name, values in distinct.items()
        }
    )


def _released(home, cut: str, slug: str) -> parts.Part | None:
    """The comuna's part in the newest release (None when it has none or it is unreadable)."""
    try:
        return warehouse.load_part(home, cut, slug, released=True)
    except Exception:
        return None


def _error_reason(error: Exception) -> dict:
    """An exception as a scoped reason: its type and message, no traceback."""
    text = f"{type(error).__name__}: {error}"[:300]
    return {
        "type": "catalog-error",
        "es": f"no se pudo armar el paquete ({text})",
        "en": f"the package could not be built ({text})",
    }


def _reasons(statuses: list[warehouse.ComunaStatus]) -> list[dict]:
    """The gate reasons of comunas whose latest attempt was blocked (codes, no values)."""
    reasons = []
    for state in statuses:
        for reason in state.reasons:
            es, en = notify.REASONS.get(reason, (reason, reason))
            reasons.append({"type": reason, "es": f"{state.cut}: {es}", "en": f"{state.cut}: {en}"})
    return reasons
