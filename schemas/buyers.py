"""How a public buyer is recognised in national files: keys for its name and its RUT.

National procurement files name the buyer as its office typed it: «I MUNICIPALIDAD DE
ÑUÑOA», «Ilustre Municipalidad de Ñuñoa», «MUNICIPALIDAD DE NUNOA». `name_key` folds
case, accents and punctuation, and separates the municipal prefix from the comuna's
name, so that the code list (`schemas/codes/municipal_buyers.csv`) and the router
(`datasets/routing/`) compare the same keys. Matching is exact on those keys: a name
that only resembles a comuna's (`SAN PEDRO` vs `SAN PEDRO DE LA PAZ`) never matches.
"""

from __future__ import annotations

import re
import unicodedata

from stdnum.cl import rut as stdnum_rut

#: «I MUNICIPALIDAD DE», «I. MUNICIPALIDAD DE», «ILUSTRE MUNICIPALIDAD DE», «MUNICIPALIDAD DE»
MUNICIPAL_PREFIX = re.compile(r"^(?:(?:I|ILUSTRE) )?MUNICIPALIDAD (?:DE )?(?P<rest>.+)$")
_NOT_ALNUM = re.compile(r"[^A-Z0-9]+")
_NOT_RUT = re.compile(r"[^0-9K]")


def fold(text: str) -> str:
    """Upper case, without accents (Ñ → N), punctuation as single spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).upper()
    return _NOT_ALNUM.sub(" ", plain).strip()


def name_key(text: str) -> str | None:
    """The comuna part of a municipal buyer's name (`MUNICIPALIDAD DE X` → `X`), or None.

    >>> name_key("I. Municipalidad de Ñuñoa")
    'NUNOA'
    >>> name_key("Servicio de Salud Ñuble") is None
    True
    """
    match = MUNICIPAL_PREFIX.match(fold(text))
    return match.group("rest") if match else None


def rut_key(text: str) -> str:
    """A RUT as digits and check digit only, without leading zeros (`069.070.100-6` →
    `690701006`); empty when the text holds no digits."""
    return _NOT_RUT.sub("", text.upper()).lstrip("0")


def format_rut(body: int) -> str:
    """`69070100` → `69.070.100-6` (check digit by `stdnum.cl.rut`, modulo 11)."""
    return f"{body:,}".replace(",", ".") + "-" + stdnum_rut.calc_check_digit(str(body))
