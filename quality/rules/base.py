"""Quality rules and their findings: a rule is a SQL query selecting the keys of the rows
that break it; a finding is what one run of a rule found (counts and a sample of keys).

Keys are always public identifiers (order folio, account code, request folio, source
file and row), never a personal value, so findings can go into Dagster metadata, the
quality summary and the catalog.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Literal

Severity = Literal["error", "warning"]
SAMPLE_SIZE = 20


@dataclass(frozen=True)
class Rule:
    """One domain rule of a dataset.

    `sql` is a DuckDB query over the dataset's tables (by their canonical names) and the
    context tables; it returns one row per offending key, with exactly the `keys` columns.
    """

    name: str
    family: str
    table: str
    keys: tuple[str, ...]
    sql: str
    title_es: str
    title_en: str


@dataclass(frozen=True)
class Finding:
    """The outcome of one rule on the whole table: true count plus a sorted sample of keys."""

    rule: str
    family: str
    table: str
    severity: Severity
    rows_checked: int
    rows_failed: int
    sample: list[dict]
    title_es: str
    title_en: str

    @property
    def passed(self) -> bool:
        return self.rows_failed == 0

    def to_dict(self) -> dict:
        return asdict(self) | {"passed": self.passed}


@dataclass
class QualityReport:
    """Every finding of one dataset's quality stage, in rule order."""

    slug: str
    engine: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        """Failed rules whose severity blocks publication."""
        return [f for f in self.findings if not f.passed and f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if not f.passed and f.severity == "warning"]

    def families(self) -> dict[str, list[Finding]]:
        out: dict[str, list[Finding]] = {}
        for finding in self.findings:
            out.setdefault(finding.family, []).append(finding)
        return out


def merge_reports(reports: list[QualityReport]) -> QualityReport:
    """One report over several parts of a dataset (e.g. each comuna's run): per rule, the
    counts add up and the sample keeps the first `SAMPLE_SIZE` keys in sorted order."""
    by_rule: dict[str, list[Finding]] = {}
    for report in reports:
        for finding in report.findings:
            by_rule.setdefault(finding.rule, []).append(finding)
    findings = []
    for parts in by_rule.values():
        sample = sorted(
            (key for part in parts for key in part.sample),
            key=lambda key: tuple((v is None, "" if v is None else v) for v in key.values()),
        )
        findings.append(
            replace(
                parts[0],
                rows_checked=sum(p.rows_checked for p in parts),
                rows_failed=sum(p.rows_failed for p in parts),
                sample=sample[:SAMPLE_SIZE],
            )
        )
    return QualityReport(reports[0].slug, reports[0].engine, findings)
