"""Street-address detector (best effort).

Flagged:

* a street word — `Av.`, `Avda.`, `Avenida`, `Calle`, `Pasaje`, `Psje.`, `Pje.`,
  `Camino`, `Diagonal`, `Callejón` — then up to five name words and a number
  (`Av. Los Aromos 1234`, `calle Prat #456`, `Pasaje 3 N° 1520`,
  `Calle 21 de Mayo 560`, `calle 5 Norte 123`);
* a neighbourhood word — `Villa`, `Población`, `Pobl.`, `Condominio` — only with
  an explicit number marker (`Villa Los Aromos N° 12`, `Población La Victoria
  casa 4`): a bare number after it is too often a year or a count
  (`Villa Alemana 2026`);
* a unit on its own: `Block 3`, `Depto. 56`, `Dpto 302`;
* after `domicilio`, `dirección`, `vivo en`, `resido en`, `ubicada en`, `mi
  propiedad/casa/vivienda de|en`: name words and a number (`vivo en Los Aromos
  1234`, `mi propiedad de Los Quillayes 1481`; the cue words are kept).

* in English, a number, up to three words and a street suffix (`4122 Birch Lane,
  Apt 39`, `604 Otis Dr`, `1149 Maple Ave`);
* a capitalised street name, `#` and the number (`Freire #1678`; not `Bond # 0190…`
  nor `contract # 2016-04`).

Each hit extends over trailing units (`, depto 56`, `casa 4`, `block B`,
`N° 1520`). Name words stop at common verbs and function words (`que`,
`desde`, `hace`, `año`...), so `la calle está cortada desde 2024` is not an
address.
"""

from __future__ import annotations

import re

from quality.personal_data._text import Span, fold, has_digit

_BREAK = (
    r"(?:que|esta|estan|este|esto|desde|hasta|hace|entre|durante|por|para|con|sin|sobre"
    r"|hay|fue|son|es|se|su|sus|mi|mis|y|o|ano|anos|mes|meses|dia|dias|semana|semanas"
    r"|hora|horas|mas|menos|total|monto|pesos|numero|nro|num|tengo|tiene|tienen|unos|unas)"
)
_WORD = r"(?!" + _BREAK + r",?\s)[a-z][a-z'.-]*,?\s+"
_MARK = r"(?:n°|n\.|nro\.?|numero|num\.?|#)\s*"
_NUM = r"[0-9]{1,5}[a-z]?(?![0-9]|[.,][0-9]|\w)"
_UNIT = r"(?:depto|dpto|departamento|casa|block|blok|torre|oficina|of|piso|sitio|parcela|lote)"
_EXT = (
    r"(?:\s*,?\s*(?:"
    + _UNIT
    + r"\b\.?\s*(?:"
    + _MARK
    + r")?|"
    + _MARK
    + r")(?:"
    + _NUM
    + r"|[a-z]\b))*"
)

_STREET = (
    r"\b(?:avenida|avda|av|calle|callejon|pasaje|psje|pje|camino|diagonal)\b\.?\s*"
    r"(?:[0-9]{1,2}\s+(?:de\s+)?(?=[a-z]))?(?:"
    + _WORD
    + r"){0,5}?(?:"
    + _MARK
    + r")?"
    + _NUM
    + _EXT
)
_AREA = (
    r"\b(?:villa|poblacion|pobl|condominio)\b\.?\s+(?:" + _WORD + r"){0,5}?"
    r"(?:" + _MARK + r"|" + _UNIT + r"\b\.?\s*(?:" + _MARK + r")?)" + _NUM + _EXT
)
_UNIT_ALONE = r"\b(?:block|blok|depto|dpto|departamento)\b\.?\s*(?:" + _MARK + r")?" + _NUM + _EXT
_CUE = (
    r"\b(?:domicilio(?:\s+particular)?|domiciliad[oa]\s+en|direccion(?:\s+particular)?"
    r"|vivo\s+en|resido\s+en|residente\s+en|ubicad[oa]\s+en"
    r"|mi\s+(?:propiedad|casa|vivienda|inmueble|terreno|sitio)(?:\s+ubicad[oa])?\s+(?:de|en))\b"
    r"\s*(?:es\s+|en\s+|:\s*)?"
    r"(?P<cued>(?:" + _WORD + r"){1,5}?(?:" + _MARK + r")?" + _NUM + _EXT + r")"
)
# English street addresses run on the original text: the street's words are capitalised.
_EN_STREET_RE = re.compile(
    r"\b[0-9]{1,5}\s+(?:[A-Z][A-Za-z'.-]*\s+){1,3}?"
    r"(?:St|Street|Ave|Avenue|Rd|Road|Dr|Drive|Lane|Ln|Blvd|Boulevard|Hwy|Highway|Pike"
    r"|Way|Ct|Court|Pl|Place|Ter|Terrace|Cir|Circle)\b\.?"
    r"(?:,?\s*(?:Apt|Apartment|Unit|Suite|Ste|apt|unit)\.?\s*#?\s*[0-9A-Za-z]{1,5}\b)?"
)
_ADDRESS_RE = re.compile("|".join(f"(?:{p})" for p in (_STREET, _AREA, _UNIT_ALONE, _CUE)))
# "Freire #1678": a capitalised street name, then `#` and the number (no space after `#`).
_HASH_RE = re.compile(r"(?:[A-ZÁÉÍÓÚÑ][\w'-]+\s){1,3}#[0-9]{1,5}(?![0-9]|[.,-][0-9])")


def find_addresses(text: str, folded: str | None = None) -> list[Span]:
    """Spans of street addresses in `text` (kind `address`)."""
    folded = fold(text) if folded is None else folded
    if not has_digit(folded):
        return []
    spans = []
    for match in _ADDRESS_RE.finditer(folded):
        start = match.start("cued") if match.group("cued") is not None else match.start()
        spans.append(Span(start, match.end(), "address"))
    for match in (*_EN_STREET_RE.finditer(text), *_HASH_RE.finditer(text)):
        if not any(s.start < match.end() and match.start() < s.end for s in spans):
            spans.append(Span(match.start(), match.end(), "address"))
    return sorted(spans)
