"""Asset checks computed alongside the assets (results only; the publish gate decides).

Checks do not block: Dagster's blocking only holds inside one run and would stop the
catalog for every dataset; the publish gate keeps a failing dataset at its previous
release instead while the others publish. Quality rules appear as one check per rule
family (`quality_<family>`, see docs/quality.md).

Each check is first computed as a plain record (`{check_name, passed, severity,
metadata}`), stored with the comuna's outcome: a run with unchanged inputs carries that
outcome and reports every declared check again from its records (`results`), with the
date of the run that computed them, since Dagster fails a step that omits one.
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


def validation_checks(result: steps.ValidatedDataset) -> list[dict]:
    dataset = load_descriptor(result.slug)
    rejected = _record(
        "files_readable",
        passed=not result.rejected,
        severity="ERROR",
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
    share_check = _record(
        "schema_valid_share",
        passed=bool(passed),
        severity="ERROR",
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


def publish_checks(prepared: steps.PreparedDataset) -> list[dict]:
    rows = steps.reconcile(load_descriptor(prepared.slug), prepared)
    return [
        _record(
            "rows_reconcile", passed=all(r["balanced"] for r in rows), metadata={"files": rows}
        ),
        _record(
            "publish_gate",
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


def quality_checks(prepared: steps.PreparedDataset) -> list[dict]:
    """Per family: failed if any rule fails; ERROR when a failing rule blocks publication.

    Metadata per rule: severity, rows checked, the true count of offending rows and a
    sorted sample of their public keys (never a personal value).
    """
    results = []
    for family, findings in prepared.quality.families().items():
        failed = [f for f in findings if not f.passed]
        blocking = any(f.severity == "error" for f in failed)
        metadata = {
            f.rule: {
                "severity": f.severity,
                "rows_checked": f.rows_checked,
                "rows_failed": f.rows_failed,
                "sample_keys": f.sample,
            }
            for f in findings
        }
        results.append(
            _record(
                f"quality_{family}",
                passed=not failed,
                severity="ERROR" if blocking else "WARN",
                metadata=metadata | {"rules_failed": len(failed)},
            )
        )
    return results


def results(
    asset: str, records: list[dict], *, carried_from: str | None = None
) -> list[dg.AssetCheckResult]:
    """The records as Dagster check results; `carried_from` (the date of the run that
    computed them) marks results reported again for unchanged inputs."""
    extra = {"carried_from_run": carried_from} if carried_from else {}
    return [
        dg.AssetCheckResult(
            check_name=r["check_name"],
            asset_key=asset,
            passed=r["passed"],
            severity=dg.AssetCheckSeverity(r["severity"]),
            metadata={
                k: dg.MetadataValue.json(v) if isinstance(v, list | dict) else v
                for k, v in (r["metadata"] | extra).items()
            },
        )
        for r in records
    ]


def _record(name: str, *, passed: bool, metadata: dict, severity: str = "ERROR") -> dict:
    """A check's result as plain JSON values (see the module docstring)."""
    return {"check_name": name, "passed": passed, "severity": severity, "metadata": metadata}
