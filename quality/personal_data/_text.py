"""Shared text helpers: the span type and a length-preserving accent/case fold.

Every detector reads a *folded* copy of the text (lower case, accents and ñ
removed) that has exactly the same length as the original, so the offsets it
finds apply to the original text unchanged.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple


class Span(NamedTuple):
    """A stretch of personal data: `text[start:end]` is of kind `kind`."""

    start: int
    end: int
    kind: str


def _build_fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in range(0x41, 0x250):
        char = chr(code)
        base = "".join(
            c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c)
        )
        base = base.lower()
        if len(base) == 1 and base.isascii() and base != char:
            table[code] = base
    # Typographic dashes and ordinal signs read as their plain forms.
    for dash in "\u2010\u2011\u2012\u2013\u2014\u2212":
        table[ord(dash)] = "-"
    table[ord("º")] = "°"
    table[ord("\u00a0")] = " "
    return table


_FOLD_TABLE = _build_fold_table()


def nfc(text: str) -> str:
    """The NFC form of `text` (precomposed accents), which every offset refers to."""
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def fold(text: str) -> str:
    """Lower-case `text` and strip accents, keeping its length (one char per char)."""
    if text.isascii():
        return text.lower()
    return text.translate(_FOLD_TABLE)


_DIGIT_RE = re.compile(r"[0-9]")


def has_digit(text: str) -> bool:
    """True when `text` holds an ASCII digit (a cheap gate before the number detectors)."""
    return _DIGIT_RE.search(text) is not None


def merge_spans(spans: list[Span], priority: dict[str, int]) -> list[Span]:
    """Sorted, non-overlapping spans; overlapping ones merge into the longest's kind.

    Ties in start and length go to the kind with the lowest `priority` number.
    """
    ordered = sorted(spans, key=lambda s: (s.start, s.start - s.end, priority.get(s.kind, 99)))
    merged: list[Span] = []
    for span in ordered:
        if merged and span.start < merged[-1].end:
            last = merged[-1]
            if span.end > last.end:
                merged[-1] = Span(last.start, span.end, last.kind)
            continue
        merged.append(span)
    return merged
