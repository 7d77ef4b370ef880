"""Privacy: apply each field's `x-privacy` rule; what has no rule is not published.

Rules: `public` (as is), `generalise` (the mapping already wrote the coarse category),
`scrub` (free text cleaned of personal data; a text that cannot be cleaned confidently
holds its row for review), `redact_natural_person` (kept only for organisations),
`pseudonymise` (keyed HMAC-SHA256), `drop` (never leaves the warehouse).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from datasets.ingest import META_COLUMNS
from datasets.normalise import map_distinct
from quality.personal_data import fold, normalise_rut, review_reasons, scrub_series
from schemas import privacy_rule

MIN_KEY_LENGTH = 16
PUBLISHED_RULES = {"public", "generalise", "scrub", "redact_natural_person", "pseudonymise"}


@dataclass
class PrivacyResult:
    """`public`: publishable rows; `held_for_review`: the held rows as they came (private;
    `_errors` says which field and why, `_cleaned` has the cleaned text of those fields)
    and `held_public`: the same rows as they would be published, on the same index, for
    a reviewer to release; `dropped_values`: removed personal values."""

    public: pd.DataFrame
    held_for_review: pd.DataFrame
    held_public: pd.DataFrame
    dropped_values: set[str]
    notes: list[dict] = field(default_factory=list)


def apply_privacy(
    frame: pd.DataFrame, descriptor: dict, *, pseudonym_key: str | None = None
) -> PrivacyResult:
    """Return the publishable columns, the rows held for review and the removed values.

    `dropped_values` (the personal values removed in this run) feed the publish-time
    leak scan. Without `pseudonym_key` a `pseudonymise` field is published empty (fail
    closed) and `notes` says so.
    """
    fields = [f for f in descriptor["fields"] if f["name"] in frame.columns]
    rules = {f["name"]: privacy_rule(f) for f in fields}
    requester = frame.get("requester_name", None)
    dropped_columns = [n for n, r in rules.items() if r not in PUBLISHED_RULES]
    row_values = frame[dropped_columns] if dropped_columns else None
    public = pd.DataFrame(index=frame.index)
    flagged: dict[str, pd.Series] = {}
    dropped: set[str] = set()
    notes: list[dict] = []
    for name, rule in rules.items():
        column = frame[name]
        if rule not in PUBLISHED_RULES:
            dropped.update(_distinct_texts(column))
            continue
        if rule == "scrub":
            cleaned, needs_review = scrub_series(column, requester, extra_values=row_values)
            flagged[name] = needs_review.fillna(False).astype(bool)
            column = cleaned
        elif rule == "redact_natural_person":
            is_company = frame["supplier_type"] == "persona_juridica"
            dropped.update(_distinct_texts(column[~is_company]))
            column = column.where(is_company, None)
        elif rule == "pseudonymise":
            dropped.update(_distinct_texts(column))
            if pseudonym(".", pseudonym_key) is None:
                notes.append(missing_key_note(name))
            column = pseudonymise_column(column, pseudonym_key)
        public[name] = column
    for meta in META_COLUMNS:
        public[meta] = frame[meta]
    review = pd.Series(False, index=frame.index)
    for needs_review in flagged.values():
        review |= needs_review
    held = frame[review].copy()
    held["_cleaned"] = [
        {n: public.at[i, n] for n, f in flagged.items() if f[i]} for i in held.index
    ]
    held["_errors"] = [
        [
            _review_error(int(held.at[i, "_source_row"]), n, review_reasons(public.at[i, n]))
            for n, f in flagged.items()
            if f[i]
        ]
        for i in held.index
    ]
    kept = public[~review] if review.any() else public  # no row copy when none is held
    return PrivacyResult(kept.reset_index(drop=True), held, public[review], dropped, notes)


def _distinct_texts(column: pd.Series) -> set[str]:
    """The column's distinct non-missing values as text (for the leak scan)."""
    return set(column.dropna().astype(str).unique())


def pseudonymise_column(column: pd.Series, key: str | None) -> pd.Series:
    """`pseudonym` of every value, computed once per distinct value (missing stays None)."""
    return map_distinct(column, lambda value: pseudonym(str(value), key))


def pseudonym(value: str, key: str | None) -> str | None:
    """Stable keyed pseudonym (HMAC-SHA256, 16 hex digits); None without a usable key.

    Never an unkeyed hash: the hash of a RUT is brute-forced in seconds. A key shorter
    than `MIN_KEY_LENGTH` characters counts as no key.
    """
    if not key or len(key) < MIN_KEY_LENGTH:
        return None
    return hmac.new(key.encode(), value.encode(), hashlib.sha256).hexdigest()[:16]


def requester_identity(frame: pd.DataFrame) -> pd.Series:
    """What identifies a requester across requests, before pseudonymising: the RUT
    (canonical), else the e-mail, else the name (folded, single spaces); None if none.
    Each column's distinct values are read once."""

    def identities(name: str, make) -> np.ndarray:
        if name not in frame:
            return np.full(len(frame), None, dtype=object)
        codes, uniques = pd.factorize(frame[name])
        return np.array([make(v) for v in uniques] + [None], dtype=object)[codes]

    rut = identities("requester_rut", lambda v: normalise_rut(v) if isinstance(v, str) else None)
    email = identities("requester_email", lambda v: _prefixed("email", v))
    name = identities("requester_name", lambda v: _prefixed("name", v))
    first = np.where(rut != None, rut, np.where(email != None, email, name))  # noqa: E711
    return pd.Series(first, index=frame.index, dtype=object)


def _prefixed(prefix: str, value: object) -> str | None:
    folded = _folded(value)
    return f"{prefix}:{folded}" if folded else None


def _folded(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    return " ".join(fold(value).split()) or None


def missing_key_note(field_name: str) -> dict:
    return {
        "type": "pseudonym-key-missing",
        "fieldName": field_name,
        "es": f"«{field_name}» se publica vacío: la clave secreta ABIERTO_PSEUDONYM_KEY no "
        f"está definida o tiene menos de {MIN_KEY_LENGTH} caracteres",
        "en": f"'{field_name}' is published empty: the secret key ABIERTO_PSEUDONYM_KEY is "
        f"not set or shorter than {MIN_KEY_LENGTH} characters",
    }


def _review_error(source_row: int, field_name: str, reasons: list[str]) -> dict:
    return {
        "type": "privacy-review",
        "rowNumber": source_row,
        "fieldNumber": None,
        "fieldName": field_name,
        "cell": None,
        "reasons": reasons,
        "note_es": "texto libre retenido para revisión: podría contener datos personales",
        "note_en": "free text held for review: it may contain personal data",
    }
