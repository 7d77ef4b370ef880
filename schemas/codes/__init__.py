"""Code lists read by value (`codes`), beside those loaded as tables by `schemas`."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

CODES_DIR = Path(__file__).resolve().parent


@cache
def codes(name: str) -> frozenset[str]:
    """The codes (first column) of `schemas/codes/<name>.csv`, e.g. `currencies`."""
    with (CODES_DIR / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle)
        next(rows)
        return frozenset(row[0] for row in rows)
