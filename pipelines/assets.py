"""Assets: per dataset ingest → validate → publish, one partition per comuna; then one catalog.

Each comuna is a partition of the dataset assets, so it runs, fails and is backfilled on
its own. A comuna's publish step records its outcome in the warehouse
(`pipelines.warehouse`); the unpartitioned `catalog` asset combines, per dataset, each
comuna's last output that passed its gate, so one comuna's broken export blocks only
that comuna. The assets are thin wrappers around `pipelines.steps` and `publish.catalog`.
"""

import contextlib
from collections.abc import Iterator

import dagster as dg

from datasets.descriptor import SLUGS
from datasets.routing import prune_splits
from pipelines import checks, freshness, notify, steps, warehouse
from pipelines.resources import AbiertoResource
from publish.catalog import build_package, public_contacts, publish_release
from publish.leaks import LeakScan, describe_hits, load_canaries
from publish.package import arrow_table
from publish.publication import BuiltPackage, carry_rows
from publish.release import mark
from schemas import public_descriptor

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


def comuna_partitions(cuts: list[str]) -> dg.StaticPartitionsDefinition:
    """One partition per comuna (CUT code) of the installation."""
    return dg.StaticPartitionsDefinition(sorted(cuts))


def dataset_assets(
    slug: str, partitions: dg.PartitionsDefinition, retry: dg.RetryPolicy = RETRY
) -> list[dg.AssetsDefinition]:
    common = {"group_name": slug, "partitions_def": partitions, "retry_policy": retry}

    @dg.asset(name=f"ingest_{slug}", kinds={"python"}, **common)
    def ingest(
        context: dg.AssetExecutionContext, abierto: AbiertoResource
    ) -> steps.IngestedDataset:
        """Read the comuna's landed exports of the dataset and map them to the canonical tables."""
        with transient_only():
            result = steps.ingest(
                abierto.home(), abierto.installation(), slug, comuna=context.partition_key
            )
        context.add_output_metadata(
            {
                "files_read": len(result.sources),
                "files_rejected": len(result.rejected),
                "rows_read": sum(raw.rows_read for _, raw in result.sources),
                "rows_excluded": sum(len(raw.excluded) for _, raw in result.sources),
                # national files split for this run: rows in, routed, excluded, unmatched
                "national_files": dg.MetadataValue.json(result.routing),
            }
        )
        return result

    @dg.asset(
        name=f"validate_{slug}",
        ins={"ingested": dg.AssetIn(f"ingest_{slug}")},
        check_specs=checks.validation_check_specs(f"validate_{slug}"),
        **common,
    )
    def validate(context: dg.AssetExecutionContext, abierto: AbiertoResource, ingested):
        """Validate against the Table Schemas; quarantine failing rows with their errors."""
        quarantine = abierto.home().quarantine / context.partition_key
        with transient_only():
            result = steps.validate(ingested, abierto.installation(), quarantine)
        yield dg.Output(
            result,
            metadata={f"rows_valid_{t}": len(f) for t, f in result.valid.items()}
            | {f"rows_quarantined_{t}": len(f) for t, f in result.quarantined.items()},
        )
        yield from checks.validation_checks(f"validate_{slug}", result)

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
        """
        cut = context.partition_key
        home = abierto.home()
        with transient_only():
            prepared = steps.prepare(
                validated,
                abierto.installation(),
                as_of=abierto.today(),
                pseudonym_key=abierto.pseudonym_key(),
                home=home,
                quarantine_dir=home.quarantine / cut,
            )
            warehouse.record(home, cut, prepared, abierto.today())
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
        yield from checks.publish_checks(f"publish_{slug}", prepared)
        yield from checks.quality_checks(f"publish_{slug}", prepared)

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
    # a comuna whose installation entry was refused keeps its last output (carried)
    cuts = [m.cut for m in installation.municipalities] + sorted(installation.carried_cuts)
    canaries, public = load_canaries(home.root), public_contacts(installation)
    failures: list[dict] = []
    used: dict[str, list[str]] = {}
    packages = []
    for slug in SLUGS:  # one dataset's parts in memory at a time
        statuses = [warehouse.status(home, cut, slug) for cut in cuts]
        parts = _parts(home, slug, cuts)
        dropped = [p.dropped_values for p in parts.values() if not isinstance(p, Exception)]
        scan = LeakScan(set().union(*dropped), canaries=canaries, public=public)
        chosen = []
        for cut, part in parts.items():
            failure = _part_failure(scan, part)
            if failure is not None:
                failures.append({"comuna_code": cut, "dataset": slug} | failure)
                part = _released(home, cut, slug)
            if part is not None:
                chosen.append(part)
            if failure is None:
                used.setdefault(slug, []).append(cut)
        del parts
        folder = home.warehouse / "packages" / slug
        combined = None
        try:
            combined = warehouse.combine_parts(slug, chosen)
            fresh = any(s.status == "published" for s in statuses)
            if combined is None or not (fresh or any(f["dataset"] == slug for f in failures)):
                # nothing new from any comuna: the dataset keeps its previous release
                combined = steps.PreparedDataset(slug, {}, {}, {}, set(), [], [])
                combined.blocked = _reasons(statuses) or [
                    {"type": "no-data", "es": "no hay datos", "en": "no data"}
                ]
            built = build_package(
                combined,
                installation,
                folder,
                release_id=abierto.release_id(),
                generated_on=today,
            )
        except Exception as error:  # scoped: this dataset carries its previous release
            reason = _error_reason(error)
            failures.append({"comuna_code": None, "dataset": slug} | reason)
            built = BuiltPackage(slug, folder, None, None, set(), [reason])
            used.pop(slug, None)
        packages.append(built)
        chosen = combined = None  # free this dataset's tables before the next one
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


def _parts(home, slug: str, cuts: list[str]) -> dict[str, steps.PreparedDataset | Exception]:
    """Each comuna's current part of the dataset, or the error reading it."""
    parts = {}
    for cut in sorted(cuts):
        try:
            part = warehouse.load_part(home, cut, slug)
        except Exception as error:  # a damaged part is that comuna's failure only
            part = error
        if part is not None:
            parts[cut] = part
    return parts


def _part_failure(scan: LeakScan, part: steps.PreparedDataset | Exception) -> dict | None:
    """Why a comuna's part cannot enter the release: unreadable, or personal data in the
    text it would publish (matched as the publish gate does)."""
    if isinstance(part, Exception):
        return _error_reason(part) | {"type": "part-unreadable"}
    try:
        hits = [
            hit
            for table, frame in part.tables.items()
            for hit in scan.scan_table(
                f"{part.slug}/{table}", arrow_table(frame, public_descriptor(table)["fields"])
            )
        ]
    except Exception as error:
        return _error_reason(error)
    if not hits:
        return None
    return {
        "type": "personal-data-found",
        "es": f"datos personales en lo que se publicaría: {describe_hits(hits)}",
        "en": f"personal data in what would be published: {describe_hits(hits)}",
    }


def _released(home, cut: str, slug: str) -> steps.PreparedDataset | None:
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
