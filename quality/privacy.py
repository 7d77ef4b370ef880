"""Privacy: apply each field's `x-privacy` rule; what has no rule is not published.

Rules: `public` (as is), `generalise` (the mapping already wrote the coarse category),
`scrub` (free text cleaned of personal data; a text that cannot be cleaned confidently
holds its row for review), `redact_natural_person` (kept only for organisations),
`pseudonymise` (keyed HMAC-SHA256), `drop` (never leaves the warehouse).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

import pandas as pd

from datasets.ingest import META_COLUMNS
from quality.personal_data import scrub_series
from schemas import privacy_rule

PUBLISHED_RULES = {"public", "generalise", "scrub", "redact_natural_person", "pseudonymise"}


@dataclass
class PrivacyResult:
    public: pd.DataFrame
    held_for_review: pd.DataFrame
    dropped_values: set[str]


def apply_privacy(
    frame: pd.DataFrame, descriptor: dict, *, pseudonym_key: str | None = None
) -> PrivacyResult:
    """Return the publishable columns, the rows held for review and the removed values.

    `dropped_values` (the personal values removed in this run) feed the publish-time
    leak scan.
    """
    fields = [f for f in descriptor["fields"] if f["name"] in frame.columns]
    rules = {f["name"]: privacy_rule(f) for f in fields}
    requester = frame.get("requester_name", None)
    dropped_columns = [n for n, r in rules.items() if r not in PUBLISHED_RULES]
    row_values = frame[dropped_columns] if dropped_columns else None
    public = pd.DataFrame(index=frame.index)
    review = pd.Series(False, index=frame.index)
    dropped: set[str] = set()
    for name, rule in rules.items():
        column = frame[name]
        if rule not in PUBLISHED_RULES:
            dropped.update(str(v) for v in column.dropna())
            continue
        if rule == "scrub":
            cleaned, needs_review = scrub_series(column, requester, extra_values=row_values)
            review |= needs_review.fillna(False).astype(bool)
            column = cleaned
        elif rule == "redact_natural_person":
            is_company = frame["supplier_type"] == "persona_juridica"
            dropped.update(str(v) for v in column[~is_company].dropna())
            column = column.where(is_company, None)
        elif rule == "pseudonymise":
            column = column.map(lambda v: None if v is None else pseudonym(str(v), pseudonym_key))
        public[name] = column
    for meta in META_COLUMNS:
        public[meta] = frame[meta]
    held = frame[review].copy()
    held["_errors"] = [[_review_error(int(r))] for r in held["_source_row"]]
    return PrivacyResult(public[~review].reset_index(drop=True), held, dropped)


def pseudonym(value: str, key: str | None) -> str:
    """Stable keyed pseudonym; an unkeyed hash of a RUT is brute-forced in seconds."""
    if not key:
        raise ValueError("pseudonymise needs a secret key (ABIERTO_PSEUDONYM_KEY)")
    return hmac.new(key.encode(), value.encode(), hashlib.sha256).hexdigest()[:16]


def _review_error(source_row: int) -> dict:
    return {
        "type": "privacy-review",
        "rowNumber": source_row,
        "fieldNumber": None,
        "fieldName": None,
        "cell": None,
        "note_es": "texto libre retenido para revisión: podría contener datos personales",
        "note_en": "free text held for review: it may contain personal data",
    }
