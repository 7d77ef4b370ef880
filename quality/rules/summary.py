"""The quality summary of a dataset: JSON for the catalog state and a readable section.

Only rule names, counts and public keys: safe to publish.
"""

from __future__ import annotations

from quality.rules.base import QualityReport

LABELS = {
    "es": {
        "title": "Calidad de los datos",
        "line": "{run} reglas revisadas: {passed} se cumplen, {errors} errores, {warnings} avisos.",
        "error": "error",
        "warning": "aviso",
        "ok": "se cumple",
        "rows": "{failed} de {checked} filas",
    },
    "en": {
        "title": "Data quality",
        "line": "{run} rules checked: {passed} pass, {errors} errors, {warnings} warnings.",
        "error": "error",
        "warning": "warning",
        "ok": "passes",
        "rows": "{failed} of {checked} rows",
    },
}


def quality_summary(report: QualityReport) -> dict:
    """Rules run, passed and failed, with the rows affected, in Spanish and English."""
    return {
        "engine": report.engine,
        "rules_run": len(report.findings),
        "rules_passed": sum(f.passed for f in report.findings),
        "errors": len(report.errors),
        "warnings": len(report.warnings),
        "rules": [
            {
                "rule": f.rule,
                "family": f.family,
                "table": f.table,
                "severity": f.severity,
                "passed": f.passed,
                "rows_checked": f.rows_checked,
                "rows_affected": f.rows_failed,
                "title_es": f.title_es,
                "title_en": f.title_en,
            }
            for f in report.findings
        ],
    }


def quality_lines(summary: dict, language: str) -> tuple[str, list[str]]:
    """The headline and one line per rule, in `es` or `en`."""
    words = LABELS[language]
    headline = words["line"].format(
        run=summary["rules_run"],
        passed=summary["rules_passed"],
        errors=summary["errors"],
        warnings=summary["warnings"],
    )
    lines = []
    for rule in summary["rules"]:
        if rule["passed"]:
            state = words["ok"]
        else:
            counts = words["rows"].format(
                failed=rule["rows_affected"], checked=rule["rows_checked"]
            )
            state = f"{words[rule['severity']]}: {counts}"
        lines.append(f"{rule[f'title_{language}']} ({rule['rule']}): {state}")
    return headline, lines


def quality_section(summary: dict) -> dict:
    """The catalog page's quality section: `{headline: {es, en}, rules: [{es, en}]}`."""
    (es_head, es_rules), (en_head, en_rules) = (quality_lines(summary, x) for x in ("es", "en"))
    return {
        "headline": {"es": es_head, "en": en_head},
        "rules": [{"es": e, "en": n} for e, n in zip(es_rules, en_rules, strict=True)],
    }


def quality_markdown(summary: dict, language: str) -> str:
    """A Markdown section for the dataset's catalog page, in `es` or `en`."""
    headline, lines = quality_lines(summary, language)
    rules = "\n".join(f"- {line}" for line in lines)
    return f"## {LABELS[language]['title']}\n\n{headline}\n\n{rules}\n"
