"""Assets: per dataset ingest → validate → publish, then one catalog over all of them.

Each asset is a thin wrapper around the plain functions in `pipelines.steps` and
`publish.catalog`; it adds metadata for the Dagster UI and nothing else.
"""

import dagster as dg

from datasets.descriptor import SLUGS
from pipelines import checks, steps
from pipelines.resources import AbiertoResource
from publish.catalog import BuiltPackage, build_package, publish_release


def dataset_assets(slug: str) -> list[dg.AssetsDefinition]:
    @dg.asset(name=f"ingest_{slug}", group_name=slug, kinds={"python"})
    def ingest(
        context: dg.AssetExecutionContext, abierto: AbiertoResource
    ) -> steps.IngestedDataset:
        """Read every landed export of the dataset and map it to the canonical tables."""
        result = steps.ingest(abierto.home(), abierto.installation(), slug)
        context.add_output_metadata(
            {
                "files_read": len(result.sources),
                "files_rejected": len(result.rejected),
                "rows_read": sum(raw.rows_read for _, raw in result.sources),
                "rows_excluded": sum(len(raw.excluded) for _, raw in result.sources),
            }
        )
        return result

    @dg.asset(
        name=f"validate_{slug}",
        group_name=slug,
        ins={"ingested": dg.AssetIn(f"ingest_{slug}")},
        check_specs=checks.validation_check_specs(f"validate_{slug}"),
    )
    def validate(context: dg.AssetExecutionContext, abierto: AbiertoResource, ingested):
        """Validate against the Table Schemas; quarantine failing rows with their errors."""
        result = steps.validate(ingested, abierto.installation(), abierto.home().quarantine)
        yield dg.Output(
            result,
            metadata={f"rows_valid_{t}": len(f) for t, f in result.valid.items()}
            | {f"rows_quarantined_{t}": len(f) for t, f in result.quarantined.items()},
        )
        yield from checks.validation_checks(f"validate_{slug}", result)

    @dg.asset(
        name=f"publish_{slug}",
        group_name=slug,
        ins={"validated": dg.AssetIn(f"validate_{slug}")},
        check_specs=checks.publish_check_specs(f"publish_{slug}")
        + checks.quality_check_specs(f"publish_{slug}", slug),
    )
    def publish(context: dg.AssetExecutionContext, abierto: AbiertoResource, validated):
        """Derive computed columns, run the quality rules, apply privacy rules, run the gate,
        write the data package."""
        installation = abierto.installation()
        prepared = steps.prepare(validated, installation, as_of=abierto.today())
        built = build_package(
            prepared,
            installation,
            abierto.home().warehouse / "packages" / slug,
            release_id=abierto.release_id(),
            generated_on=abierto.today(),
        )
        yield dg.Output(
            built,
            metadata={f"rows_published_{t}": len(f) for t, f in prepared.tables.items()}
            | {"blocked": bool(built.blocked)},
        )
        yield from checks.publish_checks(f"publish_{slug}", prepared)
        yield from checks.quality_checks(f"publish_{slug}", prepared)

    return [ingest, validate, publish]


@dg.asset(
    group_name="catalog",
    ins={f"package_{slug}": dg.AssetIn(f"publish_{slug}") for slug in SLUGS},
    kinds={"html"},
)
def catalog(context: dg.AssetExecutionContext, abierto: AbiertoResource, **packages: BuiltPackage):
    """The static open data catalog: a new release of every dataset that passed its gate."""
    outcome = publish_release(
        abierto.home().site,
        abierto.installation(),
        [packages[f"package_{slug}"] for slug in SLUGS],
        release_id=abierto.release_id(),
        generated_on=abierto.today(),
    )
    context.add_output_metadata(
        {
            "release_id": outcome.release_id,
            "new_release": outcome.is_new,
            "site": dg.MetadataValue.path(str(outcome.site / "index.html")),
            "published": outcome.published,
            "carried_over": outcome.carried_over,
            "blocked": list(outcome.blocked),
        }
    )
    return outcome.release_id
