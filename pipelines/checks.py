"""Asset checks computed alongside the assets (results only; the publish gate decides).

Checks do not block: Dagster's blocking only holds inside one run and would stop the
catalog for every dataset; the publish gate keeps a failing dataset at its previous
release instead while the others publish. Quality rules appear as one check per rule
family (`quality_<family>`, see docs/quality.md).
"""

from __future__ import annotations

import dagster as dg

from datasets.descriptor import load_descriptor
from pipelines import steps
from quality.rules import RULES

SAMPLE_SIZE = 20


def validation_check_specs(asset: str) -> list[dg.AssetCheckSpec]:
    return [
        dg.AssetCheckSpec(
            "files_readable", asset=asset, description="Every landed file could be read."
        ),
        dg.AssetCheckSpec(
            "schema_valid_share",
            asset=asset,
            description="Share of rows failing the Table Schema stays under the dataset's maximum.",
        ),
    ]


def validation_checks(asset: str, result: steps.ValidatedDataset) -> list[dg.AssetCheckResult]:
    dataset = load_descriptor(result.slug)
    rejected = dg.AssetCheckResult(
        check_name="files_readable",
        asset_key=asset,
        passed=not result.rejected,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "files_rejected": len(result.rejected),
            "reasons": [f"{e['file']}: {e['type']}" for e in result.rejected[:SAMPLE_SIZE]],
        },
    )
    metadata, passed = {}, True
    for table in dataset.tables:
        bad, good = len(result.quarantined[table]), len(result.valid[table])
        share = bad / (bad + good) if bad + good else 0.0
        passed &= share <= dataset.max_invalid_share
        rows = result.quarantined[table]["_source_row"].tolist()
        metadata |= {
            f"{table}_rows_quarantined": bad,
            f"{table}_share_invalid": round(share, 4),
            f"{table}_sample_source_rows": [int(r) for r in rows[:SAMPLE_SIZE]],
        }
    share_check = dg.AssetCheckResult(
        check_name="schema_valid_share",
        asset_key=asset,
        passed=bool(passed),
        severity=dg.AssetCheckSeverity.ERROR,
        metadata=metadata | {"max_invalid_share": dataset.max_invalid_share},
    )
    return [rejected, share_check]


def publish_check_specs(asset: str) -> list[dg.AssetCheckSpec]:
    return [
        dg.AssetCheckSpec(
            "rows_reconcile",
            asset=asset,
            description="Per source file: rows read = published + quarantined + held + excluded.",
        ),
        dg.AssetCheckSpec(
            "publish_gate", asset=asset, description="The dataset passed its publish gate."
        ),
    ]


def publish_checks(asset: str, prepared: steps.PreparedDataset) -> list[dg.AssetCheckResult]:
    rows = steps.reconcile(load_descriptor(prepared.slug), prepared)
    return [
        dg.AssetCheckResult(
            check_name="rows_reconcile",
            asset_key=asset,
            passed=all(r["balanced"] for r in rows),
            metadata={"files": dg.MetadataValue.json(rows)},
        ),
        dg.AssetCheckResult(
            check_name="publish_gate",
            asset_key=asset,
            passed=not prepared.blocked,
            metadata={"reasons": [r["en"] for r in prepared.blocked]},
        ),
    ]


def quality_check_specs(asset: str, slug: str) -> list[dg.AssetCheckSpec]:
    """One check per rule family of the dataset (`quality_<family>`)."""
    families: dict[str, list[str]] = {}
    for rule in RULES[slug]:
        families.setdefault(rule.family, []).append(f"{rule.title_es} / {rule.title_en}")
    return [
        dg.AssetCheckSpec(f"quality_{family}", asset=asset, description="; ".join(titles))
        for family, titles in families.items()
    ]


def quality_checks(asset: str, prepared: steps.PreparedDataset) -> list[dg.AssetCheckResult]:
    """Per family: failed if any rule fails; ERROR when a failing rule blocks publication.

    Metadata per rule: severity, rows checked, the true count of offending rows and a
    sorted sample of their public keys (never a personal value).
    """
    results = []
    for family, findings in prepared.quality.families().items():
        failed = [f for f in findings if not f.passed]
        blocking = any(f.severity == "error" for f in failed)
        metadata = {
            f.rule: dg.MetadataValue.json(
                {
                    "severity": f.severity,
                    "rows_checked": f.rows_checked,
                    "rows_failed": f.rows_failed,
                    "sample_keys": f.sample,
                }
            )
            for f in findings
        }
        results.append(
            dg.AssetCheckResult(
                check_name=f"quality_{family}",
                asset_key=asset,
                passed=not failed,
                severity=dg.AssetCheckSeverity.ERROR if blocking else dg.AssetCheckSeverity.WARN,
                metadata=metadata | {"rules_failed": len(failed)},
            )
        )
    return results
