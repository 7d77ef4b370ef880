"""RUT / RUN detector (Chilean national id and tax number).

What counts as a RUT in free text:

* a formatted RUT — dotted (`12.345.678-5`) or dashed (`12345678-5`,
  `12345678-k`) — whose check digit is valid, anywhere;
* a bare digit run (`123456785`, `12.345.678` followed by a check digit) only
  right after a context word (RUT, R.U.T., RUN, C.I., CI, cédula [de
  identidad], carnet, rol único tributario/nacional; optional `:`, `N°`, `es`)
  and only with a valid check digit.

A dotted number without a dash (`$12.345.678`), a bare 9-digit run without
context (`123456789`), decree, law and folio numbers are not RUTs. Whether a
RUT belongs to a person or a company follows the 50,000,000 convention
(`rut_kind`).
"""

from __future__ import annotations

import re
from typing import Literal

from stdnum.cl import rut as _stdnum_rut

from quality.personal_data._text import Span, fold, has_digit

NATURAL_PERSON_LIMIT = 50_000_000

# All patterns run over folded text (lower case, no accents, plain dashes, `º` -> `°`).
CONTEXT = (
    r"(?:\br\.?\s?u\.?\s?[tn]\b|\bc\.\s?i\b|\bci\b"
    r"|\bcedula(?:\s+(?:de\s+)?identidad)?\b|\bcarnet(?:\s+(?:de\s+)?identidad)?\b"
    r"|\brol\s+unico\s+(?:tributario|nacional)\b)"
)
# What may sit between the context word and the number: `:`, `N°`, `nro.`, `es`...
_FILLER = r"(?:[\s.:#,]|n°|nro\b|num\b|numero\b|no\b|\bes\b){0,8}"
# A 7–8 digit body, dots optional, then an optional check digit (maybe after a dash).
_BODY_DV = r"[0-9]{1,2}(?:\.?[0-9]{3}){2}(?:\s?-?\s?[0-9k])?"
_END = r"(?!\w|[.,][0-9])"

_FORMATTED_RE = re.compile(
    r"(?<![\w.])(?:[0-9]{1,2}\.[0-9]{3}\.[0-9]{3}|[0-9]{7,8})\s?-\s?[0-9k](?!\w|-\w|[.,][0-9])"
)
_CONTEXT_RE = re.compile(CONTEXT + _FILLER + r"(?<![0-9])(?P<num>" + _BODY_DV + r")" + _END)
_HEAD_RE = re.compile(r"[0-9.]+")
_CANONICAL_RE = re.compile(r"0*([0-9]{6,8})([0-9K])")


def compact_rut(text: str) -> str:
    """Digits and check digit only (`12.345.678-k` -> `12345678K`); not validated."""
    return _stdnum_rut.compact(fold(text).replace("-", ""))


def normalise_rut(text: str) -> str | None:
    """Canonical `12345678-K` (no dots, dash, upper-case check digit) or None if invalid.

    Accepts dotted, dashed and compact forms, a `CL` prefix and leading zeros; the
    body must have 6 to 8 digits and the check digit must be right.
    """
    if not isinstance(text, str):
        return None
    match = _CANONICAL_RE.fullmatch(compact_rut(text))
    if match is None:
        return None
    body, check = match.groups()
    if _stdnum_rut.calc_check_digit(body) != check:
        return None
    return f"{body}-{check}"


def rut_kind(rut: str) -> Literal["persona_natural", "persona_juridica"]:
    """`persona_natural` for bodies below 50,000,000, else `persona_juridica`.

    Raises ValueError for an invalid RUT; the message never repeats the value.
    """
    canonical = normalise_rut(rut)
    if canonical is None:
        raise ValueError("not a valid RUT (value withheld: it may be personal data)")
    body = int(canonical.split("-")[0])
    return "persona_natural" if body < NATURAL_PERSON_LIMIT else "persona_juridica"


def find_ruts(text: str, folded: str | None = None) -> list[Span]:
    """Spans of valid RUTs in `text`, companies included (kind `rut`)."""
    folded = fold(text) if folded is None else folded
    if not has_digit(folded):
        return []
    spans = [
        Span(m.start(), m.end(), "rut")
        for m in _FORMATTED_RE.finditer(folded)
        if normalise_rut(m.group()) is not None
    ]
    for match in _CONTEXT_RE.finditer(folded):
        start, number = match.start("num"), match.group("num")
        if normalise_rut(number) is None:
            # "RUT 7654321 6 ..." may have taken the next number as a check digit.
            number = _HEAD_RE.match(number).group()
        if normalise_rut(number) is not None:
            spans.append(Span(start, start + len(number), "rut"))
    return sorted(set(spans))


def is_company_rut(text: str) -> bool:
    """True when `text` is a valid RUT of a legal person (body >= 50,000,000)."""
    return normalise_rut(text) is not None and rut_kind(text) == "persona_juridica"
