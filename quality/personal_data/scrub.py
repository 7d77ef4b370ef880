"""Free-text scrubbing: run the detectors, replace spans, judge what is left.

`scrub_text` replaces every personal span with a typed Spanish placeholder and
then looks at the cleaned text for what the detectors may have missed
(`needs_review` with reason codes; never the values themselves).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa

from datasets.normalise import row_codes
from quality.personal_data._text import Span, fold, has_digit, merge_spans, nfc
from quality.personal_data._words import ROLE_WORDS
from quality.personal_data.addresses import find_addresses
from quality.personal_data.emails import find_emails
from quality.personal_data.names import (
    find_cued_names,
    find_name_guesses,
    find_requester_name,
)
from quality.personal_data.phones import find_phones, has_phone_context
from quality.personal_data.ruts import CONTEXT, find_ruts, normalise_rut, rut_kind

PLACEHOLDERS = {
    "rut": "[RUT eliminado]",
    "email": "[correo eliminado]",
    "phone": "[teléfono eliminado]",
    "address": "[dirección eliminada]",
    "person_name": "[nombre eliminado]",
    "person_name_cue": "[nombre eliminado]",
    "person_name_guess": "[nombre eliminado]",
}
_FOLDED_PLACEHOLDERS = {kind: fold(text) for kind, text in PLACEHOLDERS.items()}
# Which kind names a merged span when two detectors claim the same stretch.
_PRIORITY = {kind: i for i, kind in enumerate(PLACEHOLDERS)}

REVIEW_REASONS = (
    "possible-rut",
    "possible-email",
    "possible-phone",
    "possible-name",
    "possible-address",
)


@dataclass(frozen=True)
class ScrubResult:
    """The cleaned text, what was replaced (offsets in the NFC input), and the review verdict."""

    text: str
    replacements: list[tuple[str, int, int]] = field(default_factory=list)
    needs_review: bool = False
    reasons: list[str] = field(default_factory=list)


def _is_company_rut_span(text: str, span: Span) -> bool:
    return span.kind == "rut" and rut_kind(text[span.start : span.end]) == "persona_juridica"


def _detect(text: str, folded: str) -> list[Span]:
    return [
        *find_emails(text, folded),
        *find_ruts(text, folded),
        *find_phones(text, folded),
        *find_addresses(text, folded),
        *find_cued_names(text, folded),
    ]


def find_personal_data(
    text: str, *, include_company_ruts: bool = False, include_name_guesses: bool = False
) -> list[Span]:
    """All personal-data spans in `text` (no requester name), sorted and non-overlapping.

    For the publish-time leak scan. Company RUTs (body >= 50,000,000) are public
    information and left out unless `include_company_ruts`; names without a cue
    (`person_name_guess`) are left out unless `include_name_guesses`, because
    public columns hold company and institution names such as "Constructora
    Pedro Soto Ltda." (`scrub_text` always removes them from free text). Offsets
    refer to the NFC form of `text` (the same as `text` for ordinary input).
    """
    if not isinstance(text, str) or not text:
        return []
    text = nfc(text)
    folded = fold(text)
    spans = _detect(text, folded)
    if not include_company_ruts:
        spans = [s for s in spans if not _is_company_rut_span(text, s)]
    if include_name_guesses:
        spans.extend(find_name_guesses(text, folded))
    return merge_spans(spans, _PRIORITY)


# -- values known from other columns (the requester's own RUT, e-mail, phone...) --

_STREET_WORDS = {"av", "avda", "avenida", "calle", "pasaje", "psje", "pje", "camino"}


@lru_cache(maxsize=16384)
def _value_pattern(value: str) -> tuple[str, re.Pattern[str]] | None:
    """A (kind, pattern over folded text) finding `value` however it is written."""
    value = nfc(value).strip()
    folded = fold(value)
    canonical = normalise_rut(value)
    if canonical is not None:
        body, check = canonical.lower().split("-")
        groups = re.findall(r"^[0-9]{1,2}(?=(?:[0-9]{3})+$)|[0-9]{3}", body)
        digits = r"\.?".join(groups)
        return "rut", re.compile(rf"(?<![0-9]){digits}(?:\s?-?\s?{check})?(?![0-9])")
    if "@" in folded:
        return "email", re.compile(rf"(?<![\w.+-]){re.escape(folded)}(?![\w-])")
    digits = re.sub(r"[^0-9]", "", folded)
    if len(digits) >= 8 and re.fullmatch(r"[0-9\s()+.-]+", folded):
        last8 = r"[\s.-]?".join(digits[-8:])
        prefix = r"(?<![0-9])(?:\+?\s?56[\s-]?)?\(?0?[0-9]?\)?[\s-]?"
        return "phone", re.compile(prefix + last8 + r"(?![0-9])")
    tokens = re.findall(r"[a-z0-9]+", folded)
    if tokens and tokens[0] in _STREET_WORDS and has_digit(folded):
        tokens = tokens[1:]  # "Av. Los Aromos 1234" also matches "Los Aromos 1234"
    if sum(len(t) for t in tokens) < 4:
        return None
    kind = "address" if has_digit(folded) else "person_name"
    return kind, re.compile(r"\b" + r"\W{1,3}".join(map(re.escape, tokens)) + r"\b")


def _value_spans(folded: str, values: Iterable[str]) -> list[Span]:
    spans = []
    for value in values:
        if not isinstance(value, str) or not value.strip():
            continue
        found = _value_pattern(value)
        if found is None:
            continue
        kind, pattern = found
        spans.extend(Span(m.start(), m.end(), kind) for m in pattern.finditer(folded))
        if "," in value:  # each numbered part of an address on its own ("depto 56")
            spans.extend(
                span
                for piece in value.split(",")
                if has_digit(piece) and piece.strip() != value.strip()
                for span in _value_spans(folded, [piece])
            )
    return spans


# -- what still looks risky after scrubbing --

_RUT_SHAPE_RE = re.compile(
    r"(?<![\w.])(?:[0-9]{1,2}\.[0-9]{3}\.[0-9]{3}|[0-9]{7,8})\s?-\s?[0-9k](?!\w)"
)
_RUT_CONTEXT_NUMBER_RE = re.compile(
    CONTEXT + r"(?:[\s.:#,]|n°|nro\b|numero\b|\bes\b){0,8}(?P<num>[0-9][0-9.\s-]{5,12}[0-9k]?)"
)
# A bare run is a RUT only when it does not start with 0 and is not a numbered item
# ("Bond # 019066347", "folio 912345678", "N° 12345678").
_BARE_RUN_RE = re.compile(
    r"(?<![\w.,$])(?<!#\s)(?<!#)(?<!n°\s)(?<!n°)[1-9][0-9]{6,7}[0-9k](?![\w]|[.,][0-9])"
)
# A `@` touching a word ("maria@", "@gmail") or before a domain; "job @ Holloway campus"
# and "lease @ 604 Otis Dr" are prose.
_EMAIL_LEFTOVER_RE = re.compile(r"\w@|@\w|@\s*[\w-]+\s*(?:\.|\bpunto\b)\s*[a-z]{2,}\b")
_PHONE_DIGITS_RE = re.compile(r"\+\s?56|(?<![0-9])[0-9][0-9\s().-]{6,14}[0-9](?![0-9])")
_SELF_NAME_RE = re.compile(
    r"\b(?:mi\s+nombre\s+es|me\s+llamo|el\s+suscrito|la\s+suscrita|quien\s+suscribe"
    r"|suscrito\s+por)\b[\s,:]*(?![\s\[])(?=\w)"
)
_HONORIFIC_RE = re.compile(r"\b(?:don|dona|sr|sra|srta)\b\.?\s+(?P<word>[a-z]+)")
_ADDRESS_CUE_RE = re.compile(
    r"\b(?:domicilio|domiciliad[oa]|(?:mi|su)\s+direccion|vivo\s+en|resido\s+en)\b"
    r"[^0-9\[.]{0,40}[0-9]"
)


_ADDRESS_STEMS = ("domicili", "direccion", "vivo", "resido")
_SELF_STEMS = ("nombre", "llamo", "suscri")


def _has_any(folded: str, stems: tuple[str, ...]) -> bool:
    return any(stem in folded for stem in stems)


def _rut_status(candidate: str) -> str:
    """`invalid`, `persona_natural` or `persona_juridica`."""
    canonical = normalise_rut(candidate)
    return "invalid" if canonical is None else rut_kind(canonical)


def review_reasons(cleaned: str, folded: str | None = None) -> list[str]:
    """Reason codes for a cleaned text that still looks risky (empty when it looks fine).

    `folded` is `fold(cleaned)` when the caller already has it.
    """
    folded = fold(cleaned) if folded is None else folded
    found = set()
    if has_digit(folded):
        # A RUT shape or a number after "RUT" with a wrong check digit is still
        # someone's RUT (one typo away); a bare digit run only with a valid one.
        shaped = [m.group() for m in _RUT_SHAPE_RE.finditer(folded)]
        shaped += [m.group("num") for m in _RUT_CONTEXT_NUMBER_RE.finditer(folded)]
        bare = [m.group() for m in _BARE_RUN_RE.finditer(folded)]
        if any(_rut_status(c) != "persona_juridica" for c in shaped) or any(
            _rut_status(c) == "persona_natural" for c in bare
        ):
            found.add("possible-rut")
        for match in _PHONE_DIGITS_RE.finditer(folded):
            digits = re.sub(r"[^0-9]", "", match.group())
            if match.group().startswith("+") or (
                len(digits) >= 7 and has_phone_context(folded, match.start())
            ):
                found.add("possible-phone")
        if _has_any(folded, _ADDRESS_STEMS) and _ADDRESS_CUE_RE.search(folded):
            found.add("possible-address")
    if ("@" in folded and _EMAIL_LEFTOVER_RE.search(folded)) or re.search(r"\barroba\b", folded):
        found.add("possible-email")
    if (_has_any(folded, _SELF_STEMS) and _SELF_NAME_RE.search(folded)) or any(
        m.group("word") not in ROLE_WORDS for m in _HONORIFIC_RE.finditer(folded)
    ):
        found.add("possible-name")
    return [reason for reason in REVIEW_REASONS if reason in found]


# -- the scrubber --


def scrub_text(
    text: str, *, requester_name: str | None = None, extra_values: Iterable[str] = ()
) -> ScrubResult:
    """Replace personal data in `text` with typed Spanish placeholders.

    `requester_name` adds the requester's own name and its parts; `extra_values`
    are other known personal values of the same record (RUT, e-mail, phone,
    address), found however they are written. Company RUTs stay. The text is
    NFC-normalised first and `replacements` offsets refer to that form.
    """
    if not isinstance(text, str) or not text:
        return ScrubResult(text)
    text = nfc(text)
    folded = fold(text)
    spans = [s for s in _detect(text, folded) if not _is_company_rut_span(text, s)]
    spans.extend(find_name_guesses(text, folded))
    if requester_name:
        spans.extend(find_requester_name(text, requester_name, folded))
    spans.extend(_value_spans(folded, extra_values))
    merged = merge_spans(spans, _PRIORITY)
    pieces, folded_pieces = [], []
    position = 0
    for span in merged:
        pieces += (text[position : span.start], PLACEHOLDERS[span.kind])
        folded_pieces += (folded[position : span.start], _FOLDED_PLACEHOLDERS[span.kind])
        position = span.end
    pieces.append(text[position:])
    folded_pieces.append(folded[position:])
    cleaned = "".join(pieces)
    reasons = review_reasons(cleaned, "".join(folded_pieces))
    return ScrubResult(
        cleaned,
        [(s.kind, s.start, s.end) for s in merged],
        bool(reasons),
        reasons,
    )


def scrub_series(
    texts: pd.Series,
    requester_names: pd.Series | None = None,
    *,
    extra_values: pd.DataFrame | None = None,
) -> tuple[pd.Series, pd.Series]:
    """Scrub a column: (cleaned texts, needs_review flags), both on `texts`' index.

    `requester_names` and the columns of `extra_values` (e.g. requester_rut,
    requester_email) are aligned on the index. Missing texts stay missing and are
    never flagged. Each distinct (text, requester, values) combination is scrubbed
    once: the column is dictionary-encoded (`pandas.factorize` over the key columns)
    and the results are taken back by code, so a column of repeated descriptions
    costs what its distinct values cost.
    """
    key_columns = [texts]
    if requester_names is not None:
        key_columns.append(_aligned(requester_names, texts))
    if extra_values is not None:
        aligned = _aligned(extra_values, texts)
        key_columns += [aligned[column] for column in aligned.columns]
    codes, firsts = _dictionary_codes(key_columns)
    keys = pd.DataFrame(
        {i: column.iloc[firsts].to_numpy(dtype=object) for i, column in enumerate(key_columns)}
    )
    cleaned_unique: list[object] = []
    review_unique: list[bool] = []
    for row in keys.itertuples(index=False, name=None):
        text, rest = row[0], row[1:]
        if not isinstance(text, str):
            cleaned_unique.append(text)
            review_unique.append(False)
            continue
        name = rest[0] if requester_names is not None else None
        values = rest[1:] if requester_names is not None else rest
        result = scrub_text(
            text,
            requester_name=name if isinstance(name, str) else None,
            extra_values=[v for v in values if isinstance(v, str)],
        )
        cleaned_unique.append(result.text)
        review_unique.append(result.needs_review)
    review = np.array(review_unique, dtype=bool)[codes] if len(codes) else np.zeros(0, bool)
    if isinstance(texts.dtype, pd.StringDtype) and texts.dtype.storage == "pyarrow":
        # Arrow strings stay in Arrow: take the cleaned values by code, no Python objects.
        cleaned_values = [v if isinstance(v, str) else None for v in cleaned_unique]
        taken = pa.array(cleaned_values, type=pa.large_string()).take(pa.array(codes))
        cleaned = pd.array(taken, dtype=texts.dtype)
    else:
        cleaned = texts.to_numpy(dtype=object).copy()  # missing values stay as they were
        if len(codes):
            is_text = np.array([isinstance(v, str) for v in cleaned_unique], dtype=bool)[codes]
            cleaned[is_text] = np.array(cleaned_unique, dtype=object)[codes][is_text]
    return (
        pd.Series(cleaned, index=texts.index, dtype=texts.dtype, name=texts.name),
        pd.Series(review, index=texts.index, dtype=bool, name=texts.name),
    )


def _dictionary_codes(columns: list[pd.Series]) -> tuple[np.ndarray, np.ndarray]:
    """Dictionary-encode rows over several columns: (code per row, first row of each code).

    Codes as `datasets.normalise.row_codes` gives them.
    """
    codes = row_codes(columns)
    firsts = np.full(codes.max() + 1 if len(codes) else 0, len(codes), dtype=np.int64)
    np.minimum.at(firsts, codes, np.arange(len(codes)))
    return codes, firsts


def _aligned(values: pd.Series | pd.DataFrame, texts: pd.Series) -> pd.Series | pd.DataFrame:
    """`values` (Series or DataFrame) row-aligned with `texts`."""
    return values if values.index.equals(texts.index) else values.reindex(texts.index)
