"""Phone-number detector: Chilean numbers, and North American ones in English logs.

North American numbers (`(302) 555-0143`, `302-555-0143`, `302.555.0143`,
`+1 302 555 0143`) count with their area code and the same separator twice.

Since 2013 every Chilean number has 9 national digits: mobiles start with 9,
Santiago landlines with 2, other landlines with a two-digit area code (32,
41, ...). A number counts when it has a phone-like shape:

* a country code (`+56 9 8765 4321`, `+56987654321`, `56 9 8765 4321`,
  `(+56) 2 2345 6789`), an area code in parentheses (`(2) 2345 6789`,
  `(09) 8765 4321`, `(32) 234 5678`) or a trunk zero (`09-87654321`);
* or a mobile: nine digits starting with 9 (`987654321`, `9 8765 4321`);
* or a landline grouped like a phone (`22 345 6789`, `2 2345 6789`);
* or any of these digit groups after a context word (fono, teléfono, tel.,
  celular, cel., móvil, WhatsApp, fijo), which also admits the older
  8-digit numbers.

Not phones: `$` amounts, dotted numbers (`123.456.789`), ungrouped landline-
looking runs without context (`223456789`), plain runs right after `N°`,
folio, decreto, resolución, boleta, monto, total, rol... or followed by
pesos/CLP/millones (`folio 912345678`; a phone-grouped `9 8765 4321` still counts).
"""

from __future__ import annotations

import re

from quality.personal_data._text import Span, fold, has_digit

# Two-digit landline area codes outside Santiago (2).
_AREA_CODES = "32 33 34 35 41 42 43 45 51 52 53 55 57 58 61 63 64 65 67 71 72 73 75"
AREA_CODES = frozenset(_AREA_CODES.split(" "))

_CC = r"(?P<cc>\+\s?56[\s-]?|\(\s?\+?56\s?\)[\s-]?|\b56[\s-]|\b56(?=[29][0-9]{8}(?![0-9])))"
_PAREN = r"\(\s?(?P<par>0?[0-9]{1,2})\s?\)[\s-]?(?P<prest>[0-9]{3,4}[\s-]?[0-9]{4})"
_TRUNK = r"(?P<trunk>0[0-9]{1,2})[\s-]?(?P<trest>[0-9]{3,4}[\s-]?[0-9]{4})"
_NAT = (
    r"(?P<nat>[0-9]{1,2}[\s-]?[0-9]{3,4}[\s-]?[0-9]{4}"
    r"|[0-9]{3}[\s-][0-9]{3}[\s-][0-9]{3}|[0-9]{5}[\s-][0-9]{4})"
)
_PHONE_RE = re.compile(
    r"(?<![\w$.,/+-])(?:" + _CC + r")?(?:" + _PAREN + "|" + _TRUNK + "|" + _NAT + r")"
    r"(?![0-9]|[.,-][0-9]|\w)"
)
_CONTEXT = (
    r"\b(?:tele?fonos?|fonos?|tel|telf|cel|celular(?:es)?|movil|whats\s?app|wsp|wasap"
    r"|fijo|llamar\s+al|contactarme\s+al|numero\s+de\s+contacto)\b"
)
# A NUL ends a text: the leak scan joins distinct cell values with one (`publish.leaks`),
# and a context word in one cell must not make a number in the next a phone.
_CONTEXT_RE = re.compile(_CONTEXT + r"[^0-9\x00]{0,20}$")
_NOT_PHONE_BEFORE_RE = re.compile(
    r"(?:\$|n°\.?|\b(?:nro|num)\.|\b(?:nro|num|numero|folio|id|codigo|decreto|resolucion"
    r"|oficio|expediente|boleta|factura|cheque|patente|monto|total|cuenta|rol|rut|run|ci)\b)"
    r"[\s:#]*$"
)
_NOT_PHONE_AFTER_RE = re.compile(r"\s*(?:pesos|clp|millones|mil\b|uf\b|usd|m\$)")


def _national(match: re.Match[str]) -> tuple[str, str]:
    """The national digits and the raw national part as written."""
    if match.group("par") is not None:
        raw = match.group("par") + match.group("prest")
    elif match.group("trunk") is not None:
        raw = match.group("trunk") + match.group("trest")
    else:
        raw = match.group("nat")
    digits = re.sub(r"[^0-9]", "", raw)
    return digits.removeprefix("0"), raw


def _is_valid_national(digits: str) -> bool:
    return digits[0] in "29" or digits[:2] in AREA_CODES


def has_phone_context(folded: str, start: int) -> bool:
    """True when a phone context word stands shortly before `start`."""
    return _CONTEXT_RE.search(folded, max(0, start - 45), start) is not None


# North American numbers, as US and Canadian logs write them: "(302) 555-0143",
# "302-555-0143", "302.555.0143", "+1 302 555 0143" (same separator twice).
_NANP_RE = re.compile(
    r"(?<![\w$.,/+#-])(?:\+?1[\s.-]?)?"
    r"(?:\([2-9][0-9]{2}\)\s?[0-9]{3}[\s.-]|[2-9][0-9]{2}(?P<sep>[.-])[0-9]{3}(?P=sep))"
    r"[0-9]{4}(?![\w-]|[.,][0-9])"
)


def find_phones(text: str, folded: str | None = None) -> list[Span]:
    """Spans of Chilean and North American phone numbers in `text` (kind `phone`)."""
    folded = fold(text) if folded is None else folded
    if not has_digit(folded):
        return []
    spans = [Span(m.start(), m.end(), "phone") for m in _NANP_RE.finditer(folded)]
    for match in _PHONE_RE.finditer(folded):
        start, end = match.span()
        digits, raw = _national(match)
        if len(digits) not in (8, 9) or not _is_valid_national(digits):
            continue
        marked = match.group("cc") is not None or match.group("par") is not None
        context = has_phone_context(folded, start)
        groups = re.split(r"[\s-]+", raw)
        grouped = len(groups) > 1 and len(groups[-1]) == 4  # "9 8765 4321", "22 345 6789"
        if not marked:
            before = folded[max(0, start - 20) : start]
            if "$" in before[-3:]:
                continue
            # Identifiers and amounts are written as plain runs: "folio 912345678".
            if not (context or grouped) and (
                _NOT_PHONE_BEFORE_RE.search(before) or _NOT_PHONE_AFTER_RE.match(folded, end)
            ):
                continue
        strong = marked or context or match.group("trunk") is not None
        # The old 8-digit numbers need a strong signal; a 9-digit one is a mobile or grouped.
        if strong or (len(digits) == 9 and (digits[0] == "9" or grouped)):
            spans.append(Span(start, end, "phone"))
    return spans
