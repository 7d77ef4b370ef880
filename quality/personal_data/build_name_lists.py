"""Rebuild `name_lists.csv`, the given-name and surname lists the name detector reads.

The lists come from Faker's person providers (MIT licence; compiled by its authors
from civil-registry and census frequencies): Chile, Spain, Mexico, Argentina, the
United States, the United Kingdom and Ireland. Words that are also everyday words,
places or institution words in Spanish or English (`_words.NOT_NAMES`) are left out.
Mapuche surnames are recognised by their roots (`names.py`), not listed.

Faker is not a dependency of abierto; run this with it installed, from the root:

    pip install 'faker>=40' && python -m quality.personal_data.build_name_lists
"""

from __future__ import annotations

import csv
import importlib
from pathlib import Path

import faker

from quality.personal_data._text import fold
from quality.personal_data._words import NOT_NAMES

LOCALES = ("es_CL", "es_ES", "es_MX", "es_AR", "en_US", "en_GB", "en_IE")
OUT = Path(__file__).with_name("name_lists.csv")


def _words(provider: type, attributes: tuple[str, ...]) -> set[str]:
    words: set[str] = set()
    for attribute in attributes:
        names = getattr(provider, attribute, ())
        if not isinstance(names, (list, tuple, dict)):
            continue  # a locale that computes the list (a property) also lists it elsewhere
        for name in names:
            for part in str(name).replace("-", " ").split():
                folded = fold(part).strip(".'")
                if len(folded) > 2 and folded.isalpha() and folded not in NOT_NAMES:
                    words.add(folded)
    return words


def main() -> None:
    given: set[str] = set()
    surnames: set[str] = set()
    for locale in LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        given |= _words(provider, ("first_names", "first_names_male", "first_names_female"))
        surnames |= _words(provider, ("last_names",))
    rows = [(w, "given") for w in sorted(given)] + [(w, "surname") for w in sorted(surnames)]
    with OUT.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["word", "kind"])
        writer.writerows(rows)
    print(f"faker {faker.VERSION}: {len(given)} given names, {len(surnames)} surnames -> {OUT}")


if __name__ == "__main__":
    main()
