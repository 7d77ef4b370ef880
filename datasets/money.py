"""Amounts in their currency, and the peso columns derived from them.

A table whose schema has a `currency` field carries each amount twice: in its own
currency (`amount_total`, a decimal number) and in Chilean pesos (`amount_total_clp`,
an integer), the peso column filled only where the currency is CLP. A source maps one
of the two for each amount:

- the amount in its currency (`amount_total`, with `currency` from a column or a
  constant): the peso column is derived where the currency is `CLP`, and left empty
  for any other currency (a foreign amount is never labelled as pesos);
- the peso column (`amount_total_clp`, Mercado Público's exports): the source declares
  pesos, the amount in its currency is the same value.

A source that maps no `currency` is in Chilean pesos (`DEFAULT_CURRENCY`); a mapped
currency cell that is empty stays empty, for validation to quarantine its row.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

import numpy as np
import pandas as pd

from schemas import UnknownSchemaError
from schemas import load_descriptor as load_schema_descriptor

DEFAULT_CURRENCY = "CLP"
PESO_SUFFIX = "_clp"


def peso_pairs(fields: Iterable[str]) -> dict[str, str]:
    """`{amount: amount_clp}` for every amount a schema has in both forms."""
    names = set(fields)
    return {
        name.removesuffix(PESO_SUFFIX): name
        for name in sorted(names)
        if name.endswith(PESO_SUFFIX) and name.removesuffix(PESO_SUFFIX) in names
    }


def schema_fields(table: str) -> list[str]:
    try:
        return [f["name"] for f in load_schema_descriptor(table)["fields"]]
    except UnknownSchemaError:
        return []


def derived_fields(table: str, mapped: Collection[str]) -> set[str]:
    """The fields `derive_amounts` fills for a mapping that fills `mapped`."""
    fields = schema_fields(table)
    if "currency" not in fields:
        return set()
    derived = {"currency"}
    for amount, pesos in peso_pairs(fields).items():
        if amount in mapped:
            derived.add(pesos)
        elif pesos in mapped:
            derived.add(amount)
    return derived


def mapping_problems(table: str, mapped: Collection[str], currency_constant: str | None):
    """(Spanish, English) problems of a mapping's amounts: an amount mapped in both
    forms, an amount in its currency without `currency` (never assumed to be pesos), or
    a peso column mapped beside a currency that is not a constant `CLP`."""
    problems = []
    pairs = peso_pairs(schema_fields(table))
    pesos_mapped = sorted(p for a, p in pairs.items() if p in mapped)
    for amount, pesos in pairs.items():
        if amount in mapped and pesos in mapped:
            problems.append(
                (
                    f"«{amount}» y «{pesos}» se llenan ambos: mapee el monto en su moneda; "
                    "la columna en pesos se deriva",
                    f"both '{amount}' and '{pesos}' are filled: map the amount in its "
                    "currency; the peso column is derived",
                )
            )
    amounts_mapped = sorted(a for a in pairs if a in mapped)
    if amounts_mapped and "currency" not in mapped:
        problems.append(
            (
                f"{', '.join(amounts_mapped)} están en su moneda, pero «currency» no se "
                "llena: mapee la columna de la moneda o una constante (CLP, USD…)",
                f"{', '.join(amounts_mapped)} are in their currency, but 'currency' is not "
                "filled: map the currency column or a constant (CLP, USD…)",
            )
        )
    if pesos_mapped and "currency" in mapped and currency_constant != DEFAULT_CURRENCY:
        problems.append(
            (
                f"{', '.join(pesos_mapped)} están en pesos, pero «currency» no es la "
                "constante CLP: mapee los montos en su moneda (sin «_clp»)",
                f"{', '.join(pesos_mapped)} are in pesos, but 'currency' is not the "
                "constant CLP: map the amounts in their currency (without '_clp')",
            )
        )
    return problems


def derive_amounts(table: str, frame: pd.DataFrame) -> None:
    """Fill `currency` (CLP when unmapped) and the other form of each mapped amount."""
    fields = schema_fields(table)
    if "currency" not in fields:
        return
    if "currency" not in frame.columns:
        frame["currency"] = DEFAULT_CURRENCY
    is_pesos = (frame["currency"] == DEFAULT_CURRENCY).to_numpy()
    for amount, pesos in peso_pairs(fields).items():
        if amount in frame.columns and pesos not in frame.columns:
            frame[pesos] = np.where(is_pesos, frame[amount].to_numpy(dtype=object), None)
        elif pesos in frame.columns and amount not in frame.columns:
            frame[amount] = frame[pesos]
