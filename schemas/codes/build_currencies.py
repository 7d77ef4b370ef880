"""Build `currencies.csv`: the ISO 4217 currency codes contracts may be in.

Taken from `pycountry` (its `iso4217.json` is Debian's iso-codes, kept in step with the
ISO 4217 maintenance agency's list 'A.1'), with the Spanish names of iso-codes'
translations. `XXX` (no currency) and `XTS` (testing) are left out: they are not money.
The output is deterministic: UTF-8 without BOM, LF, rows sorted by code.
pycountry is needed only to rebuild the list, not to read it.

Usage: python -m schemas.codes.build_currencies   (after `pip install pycountry`)
"""

from __future__ import annotations

import csv
import gettext
import io
from pathlib import Path

CODES_DIR = Path(__file__).resolve().parent
OUT = CODES_DIR / "currencies.csv"
COLUMNS = ("currency_code", "numeric_code", "name_en", "name_es")
NOT_MONEY = frozenset({"XXX", "XTS"})


def build() -> str:
    import pycountry

    spanish = gettext.translation("iso4217", pycountry.LOCALES_DIR, languages=["es"])
    rows = sorted(
        (c.alpha_3, c.numeric, c.name, spanish.gettext(c.name))
        for c in pycountry.currencies
        if c.alpha_3 not in NOT_MONEY
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return out.getvalue()


if __name__ == "__main__":
    OUT.write_text(build(), encoding="utf-8")
    print(f"{OUT}: {OUT.read_text(encoding='utf-8').count(chr(10)) - 1} currencies")
